"""Configs and training state are checked at load: each bad entry is a ValueError naming it.

Each test corrupts one entry of a saved file with plain h5py and pins the
exception type, the file and the words naming the entry; the command line
prints the same error on one line and exits 1.
"""

import json
import re

import h5py
import numpy as np
import pytest

from kerasque.__main__ import main
from kerasque.saving.keras_export import KERASQUE_MODEL_CONFIG as MODEL_CONFIG
from kerasque.saving.keras_export import KERASQUE_TRAINING_CONFIG as TRAINING_CONFIG
from kerasque.layers import Dense, Dropout, Input
from kerasque.models import Model, load_model


@pytest.fixture
def path(tmp_path):
    """A compiled functional model (SGD: loading builds no function) with a Dropout."""
    x = Input(shape=(4,), name="x")
    h = Dropout(0.5, name="drop")(Dense(3, name="hidden")(x))
    model = Model(x, Dense(2, name="out")(h), name="net")
    model.compile("sgd", "mse", metrics=["mae"])
    p = tmp_path / "model.h5"
    model.save(p)
    return p


def _edit_config(path, edit):
    with h5py.File(path, "a") as f:
        config = json.loads(f.attrs[MODEL_CONFIG])
        edit(config["config"])
        f.attrs[MODEL_CONFIG] = json.dumps(config)


def _pinned(path, *words):
    return re.escape(repr(str(path))) + "".join(".*" + re.escape(w) for w in words)


def _layer(config, name):
    return next(entry for entry in config["layers"] if entry["name"] == name)


def _assert_cli_error(path, capsys, *words):
    assert main(["summary", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and str(path) in err and "Traceback" not in err
    for word in words:
        assert word in err


# -- functional configs ---------------------------------------------------------------------
CORRUPT_CONFIGS = {
    "missing layers": (lambda c: c.pop("layers"), ["needs 'layers'"]),
    "layers not a list": (lambda c: c.__setitem__("layers", {"a": 1}), ["'layers' must be a list"]),
    "output node out of range": (
        lambda c: c.__setitem__("output_layers", [["out", 5, 0]]),
        ["input or output node that does not exist"],
    ),
    "output tensor index out of range": (
        lambda c: c.__setitem__("output_layers", [["out", 0, 3]]),
        ["output_layers[0] asks for output 3 of layer 'out'"],
    ),
    "negative node index": (
        lambda c: c.__setitem__("input_layers", [["x", -1, 0]]),
        ["input_layers[0] node index must be a non-negative integer"],
    ),
    "string node index": (
        lambda c: _layer(c, "out")["inbound_nodes"][0][0].__setitem__(1, "0"),
        ["input 0 of node 0 of layer 'out' node index", "received '0'"],
    ),
    "inbound nodes not a list": (
        lambda c: _layer(c, "out").__setitem__("inbound_nodes", "hidden"),
        ["'inbound_nodes' of layer 'out' must be a list"],
    ),
    "reference to an undefined layer": (
        lambda c: _layer(c, "out")["inbound_nodes"][0][0].__setitem__(0, "ghost"),
        ["refers to layer 'ghost'"],
    ),
    "layer defined twice": (
        lambda c: _layer(c, "out").__setitem__("name", "hidden"),
        ["layer name 'hidden' is defined twice"],
    ),
    "unknown call keyword": (
        lambda c: _layer(c, "out")["inbound_nodes"][0][0].__setitem__(3, {"evil": 1}),
        ["call kwargs must be a dict with keys among ['training']"],
    ),
    "inputs never computed": (
        lambda c: _layer(c, "out")["inbound_nodes"][0][0].__setitem__(1, 4),
        ["inputs of layers ['out'] are never computed"],
    ),
    "layer entry not a dict": (
        lambda c: c["layers"].__setitem__(1, ["Dense"]),
        ["layers[1] must be a dict"],
    ),
}


@pytest.mark.parametrize("case", sorted(CORRUPT_CONFIGS))
def test_corrupt_functional_config_is_a_value_error_naming_file_and_entry(path, case, capsys):
    edit, words = CORRUPT_CONFIGS[case]
    _edit_config(path, edit)
    with pytest.raises(ValueError, match=_pinned(path, "model_config", *words)):
        load_model(path)
    _assert_cli_error(path, capsys, *words)


@pytest.mark.parametrize("class_name", ["Layer", "Wrapper", "Functional"])
def test_abstract_classes_in_a_config_are_refused(path, class_name, capsys):
    def edit(c):
        entry = _layer(c, "out")
        entry["class_name"] = class_name
        entry["config"] = {"name": "out"}

    _edit_config(path, edit)
    words = [f"Layer class {class_name!r} is an abstract base class"]
    with pytest.raises(ValueError, match=_pinned(path, "model_config", *words)):
        load_model(path)
    _assert_cli_error(path, capsys, *words)


def test_a_config_describing_a_layer_not_a_model_is_refused(path):
    with h5py.File(path, "a") as f:
        f.attrs[MODEL_CONFIG] = json.dumps({"class_name": "Dense", "config": {"units": 2}})
    with pytest.raises(ValueError, match=_pinned(path, "describes a Dense layer, not a model")):
        load_model(path)


@pytest.mark.parametrize(
    "value, words",
    [
        (np.bytes_(b'{"class_name": "Model", "config": {"name": "\xff"}}'), ["is not UTF-8 text"]),
        ("{not json", ["attribute 'kerasque_model_config' is not valid JSON"]),
        (np.int64(7), ["attribute 'kerasque_model_config' must be a string, found int64"]),
        (np.arange(3), ["attribute 'kerasque_model_config' must be a string, found ndarray"]),
    ],
    ids=["non-utf8", "not-json", "integer", "array"],
)
def test_model_config_that_is_not_utf8_json_text_is_refused(path, value, words, capsys):
    with h5py.File(path, "a") as f:
        f.attrs[MODEL_CONFIG] = value
    with pytest.raises(ValueError, match=_pinned(path, *words)):
        load_model(path)
    _assert_cli_error(path, capsys, *words)


def test_layer_names_attribute_of_numbers_is_refused(path):
    with h5py.File(path, "a") as f:
        f["model_weights"].attrs["layer_names"] = np.arange(4)
    with pytest.raises(ValueError, match=_pinned(path, "'layer_names' must be a list of strings")):
        load_model(path)


# -- training config -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "edit, words",
    [
        (lambda c: c.pop("loss"), ["training_config needs 'loss'"]),
        (lambda c: c.__setitem__("loss", 3), ["names each loss by a string, received 3"]),
        (lambda c: c.__setitem__("metrics", "mae"), ["'metrics' must be a list"]),
        (
            lambda c: c.__setitem__("optimizer_config", {"class_name": "Layer", "config": {}}),
            ["Unknown optimizer class 'Layer'"],
        ),
    ],
    ids=["no-loss", "loss-number", "metrics-string", "optimizer-layer"],
)
def test_corrupt_training_config_is_a_value_error_naming_the_file(path, edit, words):
    with h5py.File(path, "a") as f:
        config = json.loads(f.attrs[TRAINING_CONFIG])
        edit(config)
        f.attrs[TRAINING_CONFIG] = json.dumps(config)
    with pytest.raises(ValueError, match=_pinned(path, "training_config", *words)):
        load_model(path)
    assert not load_model(path, compile=False).compiled


# -- training state ---------------------------------------------------------------------------
def _set_state_attr(path, name, value):
    with h5py.File(path, "a") as f:
        if value is None:
            del f["training_state"].attrs[name]
        else:
            f["training_state"].attrs[name] = value


def _edit_state_json(path, name, edit):
    with h5py.File(path, "a") as f:
        value = json.loads(f["training_state"].attrs[name])
        value = edit(value)
        f["training_state"].attrs[name] = json.dumps(value)


@pytest.mark.parametrize(
    "value, words",
    [
        (-1, ["'epoch' must be a non-negative integer, received -1"]),
        (2.5, ["'epoch' must be a non-negative integer, received 2.5"]),
        ("3", ["'epoch' must be a non-negative integer, received '3'"]),
        (np.array([1, 2]), ["'epoch' must be a non-negative integer"]),
        (None, ["has no 'epoch' attribute"]),
    ],
    ids=["negative", "float", "string", "array", "missing"],
)
def test_bad_epoch_is_refused(path, value, words):
    _set_state_attr(path, "epoch", value)
    with pytest.raises(ValueError, match=_pinned(path, "training_state", *words)):
        load_model(path)


@pytest.mark.parametrize("value", [np.nan, -0.1, np.inf, "fast"])
def test_bad_learning_rate_is_refused(path, value):
    _set_state_attr(path, "learning_rate", value)
    with pytest.raises(
        ValueError, match=_pinned(path, "'learning_rate' must be a finite number >= 0")
    ):
        load_model(path)


def test_a_learning_rate_of_zero_loads_as_saved(path):
    # A schedule may take the rate to 0 (issue 9: finite and >= 0).
    _set_state_attr(path, "learning_rate", 0.0)
    assert float(load_model(path).optimizer.learning_rate) == 0.0


SHUFFLE_EDITS = {
    "missing bit_generator": (
        lambda s: {k: v for k, v in s.items() if k != "bit_generator"},
        ["'shuffle_rng': expected a NumPy bit-generator state"],
    ),
    "unknown bit generator": (
        lambda s: {**s, "bit_generator": "os.system"},
        ["'shuffle_rng'", "received {'bit_generator': 'os.system'"],
    ),
    "missing inner state": (lambda s: {**s, "state": {}}, ["'shuffle_rng': invalid PCG64 state"]),
    "wrong inner type": (
        lambda s: {**s, "state": {"state": "x", "inc": 1}},
        ["'shuffle_rng': invalid PCG64 state"],
    ),
    "not a dict": (lambda s: [1, 2], ["'shuffle_rng': expected a NumPy bit-generator state"]),
}


@pytest.mark.parametrize("case", sorted(SHUFFLE_EDITS))
def test_bad_shuffle_state_is_refused(path, case):
    edit, words = SHUFFLE_EDITS[case]
    _edit_state_json(path, "shuffle_rng", edit)
    with pytest.raises(ValueError, match=_pinned(path, "training_state", *words)):
        load_model(path)


GENERATOR_EDITS = {
    "not a dict": (lambda g: ["drop"], ["'generator_states' must be a dict"]),
    "unknown layer": (lambda g: {"ghost": g["drop"]}, ["names layer 'ghost'"]),
    "too many states": (
        lambda g: {"drop": g["drop"] * 2},
        ["layer 'drop' has 1 random generators, the entry holds 2"],
    ),
    "states not a list": (
        lambda g: {"drop": g["drop"][0]},
        ["'generator_states' of layer 'drop' must be a list"],
    ),
    "bad state": (
        lambda g: {"drop": [{"bit_generator": "PCG64", "state": None}]},
        ["'generator_states' of layer 'drop' [0]: invalid PCG64 state"],
    ),
}


@pytest.mark.parametrize("case", sorted(GENERATOR_EDITS))
def test_bad_generator_states_are_refused(path, case, capsys):
    edit, words = GENERATOR_EDITS[case]
    _edit_state_json(path, "generator_states", edit)
    with pytest.raises(ValueError, match=_pinned(path, "training_state", *words)):
        load_model(path)


def test_summary_of_a_file_with_a_bad_epoch_prints_one_error_line(path, capsys):
    _set_state_attr(path, "epoch", -4)
    _assert_cli_error(path, capsys, "'epoch' must be a non-negative integer, received -4")


# -- safe mode ------------------------------------------------------------------------------------
class SafeModeProbe(Dense):
    """A user layer that records whether it was rebuilt in safe mode."""

    seen: list = []

    @classmethod
    def from_config(cls, config):
        from kerasque.utils.safe_mode import in_safe_mode

        cls.seen.append(in_safe_mode())
        return super().from_config(config)


def test_load_model_opens_a_safe_mode_scope_for_deserialization(tmp_path):
    from kerasque.utils.safe_mode import in_safe_mode, safe_mode_scope

    x = Input(shape=(2,))
    Model(x, SafeModeProbe(1)(x)).save(tmp_path / "p.h5")
    objects = {"SafeModeProbe": SafeModeProbe}
    SafeModeProbe.seen.clear()
    load_model(tmp_path / "p.h5", custom_objects=objects)
    load_model(tmp_path / "p.h5", custom_objects=objects, safe_mode=False)
    with safe_mode_scope(False):  # an enclosing scope is inherited, as in Keras 3
        load_model(tmp_path / "p.h5", custom_objects=objects)
    assert SafeModeProbe.seen == [True, False, False]
    assert in_safe_mode()
    with pytest.raises(TypeError, match="safe_mode must be True or False, received 'no'"):
        load_model(tmp_path / "p.h5", custom_objects=objects, safe_mode="no")
