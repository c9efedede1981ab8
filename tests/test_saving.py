"""Saving and loading: the HDF5 layout, round trips, exact resume, atomicity, bad files.

Compiling is the cost here, so one trained functional model (module fixture)
serves the layout and load tests, the per-layer round trip builds no
function at all, and one subprocess checks both the fresh-process
predictions and the resumed run.
"""

import json
import os
import re
import subprocess
import sys

import h5py
import numpy as np
import pytest
from conftest import TEST_MODE

import kerasque
from kerasque import backend as K
from kerasque import constraints, layers, regularizers
from kerasque.callbacks import ModelCheckpoint
from kerasque.engine.base_layer import Layer
from kerasque.layers import (
    GRU,
    LSTM,
    RNN,
    Activation,
    Add,
    BatchNormalization,
    Bidirectional,
    Concatenate,
    Dense,
    DropConnect,
    Dropout,
    Embedding,
    Flatten,
    GaussianDropout,
    GaussianNoise,
    GRUCell,
    Input,
    LSTMCell,
    SimpleRNN,
    SpatialDropout1D,
    StackedRNNCells,
    TimeDistributed,
    ZoneOut,
)
from kerasque.models import Model, Sequential, load_model
from kerasque.saving import deserialize_layer, h5_attrs, hdf5, serialize_layer
from kerasque.utils import generic, set_random_seed

# Compiling GRU's scan with the C linker probes for BLAS once per process and
# warns when it finds none (as tests/test_gru.py notes); that is the machine's
# setup, not a kerasque fault.
pytestmark = pytest.mark.filterwarnings("ignore:PyTensor could not link to a BLAS")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# -- helpers ----------------------------------------------------------------
def _rich_model():
    """A functional model using every core layer, with two inputs."""
    ids = Input(shape=(3,), dtype="int32", name="ids")
    feats = Input(shape=(4,), name="feats")
    e = Flatten()(Embedding(10, 2)(ids))
    h = Dropout(0.5)(Dense(4, activation="relu")(e))
    g = Activation("tanh")(Dense(4)(feats))
    merged = Concatenate()([Add()([h, g]), g])
    out = Dense(2, activation="softmax")(merged)
    return Model([ids, feats], out)


def _rich_data(n=8):
    r = np.random.RandomState(0)
    x = [r.randint(0, 10, (n, 3)), r.rand(n, 4).astype("float32")]
    return x, np.eye(2, dtype="float32")[r.randint(0, 2, n)]


def _states(model) -> dict:
    return model.get_training_state()["generator_states"]


def _advance_generators(model) -> None:
    """Move every generator off its seeded state, so a restored state is visible."""
    for r in model.rngs:
        gen = r.get_value()
        gen.random(3)
        r.set_value(gen)


def _assert_same_weights(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    assert len(wa) == len(wb)
    for x, y in zip(wa, wb):
        assert x.dtype == y.dtype
        np.testing.assert_array_equal(x, y)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A trained functional model, its file, and the model loaded back (compiled)."""
    K.set_mode(TEST_MODE)
    set_random_seed(99)
    try:
        model = _rich_model()
        model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
        x, y = _rich_data()
        model.fit(x, y, epochs=1, batch_size=4, verbose=0)
        path = str(tmp_path_factory.mktemp("trained") / "model.h5")
        model.save(path)
        loaded = load_model(path)
        yield {"model": model, "loaded": loaded, "path": path, "x": x, "y": y}
    finally:
        K.set_mode(None)


# -- the file layout -----------------------------------------------------------
def test_file_has_keras_layout_readable_with_plain_h5py(trained):
    model, path = trained["model"], trained["path"]
    with h5py.File(path, "r") as f:
        assert f.attrs["backend"] == "pytensor"
        assert f.attrs["kerasque_version"] == kerasque.__version__
        # Keras reads model_config (Keras 3's spelling); kerasque keeps its own next to it.
        assert json.loads(f.attrs["model_config"])["class_name"] == "Functional"
        config = json.loads(f.attrs["kerasque_model_config"])
        assert config["class_name"] == "Model"
        assert config["config"] == json.loads(json.dumps(model.get_config()))
        train = json.loads(f.attrs["kerasque_training_config"])
        assert train["loss"] == "categorical_crossentropy"
        assert train["metrics"] == ["accuracy"]
        assert train["optimizer_config"]["class_name"] == "Adam"
        assert train["optimizer_config"]["config"]["learning_rate"] == pytest.approx(1e-3)

        group = f["model_weights"]
        names = [n.decode() for n in group.attrs["layer_names"]]
        assert names == [layer.name for layer in model.layers]
        assert "ids" in names and "feats" in names  # input layers are listed too
        for layer in model.layers:
            weight_names = [n.decode() for n in group[layer.name].attrs["weight_names"]]
            assert weight_names == [f"{w.name}:0" for w in layer.weights]
            for wname, var in zip(weight_names, layer.weights):
                np.testing.assert_array_equal(group[layer.name][wname][()], var.get_value())
        dense = model.layers[-1]
        assert f"{dense.name}/kernel:0" in [
            n.decode() for n in group[dense.name].attrs["weight_names"]
        ]

        opt = f["optimizer_weights"]
        opt_names = [n.decode() for n in opt.attrs["weight_names"]]
        assert opt_names[0] == "Adam/iterations:0"
        assert opt[opt_names[0]][()] == 2  # 8 samples, batch 4, one epoch
        assert len(opt_names) == 1 + 2 * len(model.trainable_weights)

        state = f["training_state"]
        assert state.attrs["epoch"] == 1
        assert state.attrs["learning_rate"] == model.optimizer.learning_rate
        live = model.get_training_state()
        assert json.loads(state.attrs["shuffle_rng"]) == live["shuffle_rng"]
        dropout = next(layer for layer in model.layers if isinstance(layer, Dropout))
        generators = json.loads(state.attrs["generator_states"])
        assert generators == {dropout.name: [dropout.rng.get_value().bit_generator.state]}
        assert generators == live["generator_states"]


def test_loaded_model_predicts_bit_identically_and_keeps_training_state(trained):
    model, loaded, x = trained["model"], trained["loaded"], trained["x"]
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    _assert_same_weights(model, loaded)
    assert loaded.get_config() == model.get_config()
    assert loaded.compiled and loaded.metrics_names == model.metrics_names
    for a, b in zip(model.optimizer.get_weights(), loaded.optimizer.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert loaded.optimizer.learning_rate == model.optimizer.learning_rate
    assert _states(loaded) == _states(model)
    assert loaded.get_training_state()["shuffle_rng"] == model.get_training_state()["shuffle_rng"]
    assert loaded.epoch == 1


def test_load_weights_matches_layers_in_order_or_by_name(trained, tmp_path):
    model, path = trained["model"], trained["path"]
    fresh = Model.from_config(model.get_config())
    fresh.load_weights(path)
    _assert_same_weights(model, fresh)

    last = model.layers[-1]
    x = Input(shape=(4,))
    other = Model(x, Dense(2, name=last.name)(Dense(8, name="not_in_file")(x)))
    before = other.get_layer("not_in_file").get_weights()
    other.load_weights(path, by_name=True)
    _assert_same_weights(last, other.get_layer(last.name))
    for a, b in zip(before, other.get_layer("not_in_file").get_weights()):
        np.testing.assert_array_equal(a, b)


def test_uncompiled_load_needs_compile_before_fit(trained):
    loaded = load_model(trained["path"], compile=False)
    assert not loaded.compiled
    with pytest.raises(RuntimeError, match="compile"):
        loaded.fit(trained["x"], trained["y"], verbose=0)


# -- every layer type ----------------------------------------------------------
@kerasque.utils.register_custom_object
def _doubled_plus(x, offset=0.0):
    """The Lambda case's function: found by name at load (no code runs from the file)."""
    return 2 * x + offset


# name -> (one sample's input shape, or a list for merge layers; input dtype; factory)
LAYER_CASES = {
    "Dense": (
        (4,),
        None,
        lambda: Dense(
            3,
            activation="tanh",
            use_bias=True,
            kernel_regularizer=regularizers.l2(0.01),
            kernel_constraint=constraints.MaxNorm(2.0),
        ),
    ),
    "Activation": ((4,), None, lambda: Activation("sigmoid")),
    "Flatten": ((2, 3), None, lambda: Flatten()),
    "Embedding": ((5,), "int32", lambda: Embedding(7, 3, mask_zero=True)),
    "Dropout": (
        (2, 4),
        None,
        lambda: Dropout(0.3, noise_shape=(None, 1, None), seed=3, scaling="test"),
    ),
    "GaussianNoise": ((4,), None, lambda: GaussianNoise(0.2, seed=1)),
    "GaussianDropout": ((4,), None, lambda: GaussianDropout(0.2, seed=1)),
    "SpatialDropout1D": ((3, 4), None, lambda: SpatialDropout1D(0.2, seed=1)),
    "BatchNormalization": ((4,), None, lambda: BatchNormalization(momentum=0.9, epsilon=1e-2)),
    "GRU": (
        (3, 2),
        None,
        lambda: GRU(
            3, dropout=0.1, recurrent_dropout=0.2, return_sequences=True, reset_after=False, seed=5
        ),
    ),
    "TimeDistributed": ((3, 2), None, lambda: TimeDistributed(Dense(2, activation="relu"))),
    "DropConnect": ((4,), None, lambda: DropConnect(Dense(3), 0.3, seed=2)),
    "ZoneOut": (
        (3, 2),
        None,
        lambda: ZoneOut(
            DropConnect(GRU(3, return_sequences=True), 0.3, weights=["recurrent_kernel"]),
            0.2,
            seed=4,
        ),
    ),
    "LSTM": ((3, 2), None, lambda: LSTM(3, recurrent_dropout=0.2, return_sequences=True, seed=6)),
    "SimpleRNN": ((3, 2), None, lambda: SimpleRNN(3, dropout=0.1, seed=7)),
    "RNN": ((3, 2), None, lambda: RNN(StackedRNNCells([GRUCell(2), LSTMCell(3)]))),
    "Bidirectional": (
        (3, 2),
        None,
        lambda: Bidirectional(
            ZoneOut(LSTM(2, return_sequences=True), 0.1, cell_rate=0.3), merge_mode="sum"
        ),
    ),
    "Concatenate": ([(4,), (2,)], None, lambda: Concatenate(axis=-1)),
    "Add": ([(4,), (4,)], None, lambda: Add()),
    "Subtract": ([(4,), (4,)], None, lambda: layers.Subtract()),
    "Multiply": ([(4,), (1,)], None, lambda: layers.Multiply()),
    "Average": ([(4,), (4,)], None, lambda: layers.Average()),
    "Maximum": ([(4,), (4,)], None, lambda: layers.Maximum()),
    "Minimum": ([(4,), (4,)], None, lambda: layers.Minimum()),
    "Dot": ([(3, 4), (4,)], None, lambda: layers.Dot(axes=(2, 1), normalize=True)),
    "Reshape": ((2, 3), None, lambda: layers.Reshape((3, -1))),
    "Permute": ((2, 3), None, lambda: layers.Permute((2, 1))),
    "RepeatVector": ((4,), None, lambda: layers.RepeatVector(2)),
    "Masking": ((3, 4), None, lambda: layers.Masking(mask_value=0.5)),
    "ActivityRegularization": ((4,), None, lambda: layers.ActivityRegularization(l1=0.1, l2=0.2)),
    "Lambda": ((4,), None, lambda: layers.Lambda(_doubled_plus, arguments={"offset": 1.0})),
    "LeakyReLU": ((4,), None, lambda: layers.LeakyReLU(alpha=0.1)),
    "PReLU": (
        (2, 4),
        None,
        lambda: layers.PReLU(shared_axes=[1], alpha_regularizer=regularizers.l1(0.01)),
    ),
    "ELU": ((4,), None, lambda: layers.ELU(alpha=0.5)),
    "ThresholdedReLU": ((4,), None, lambda: layers.ThresholdedReLU(theta=0.5)),
    "Softmax": ((2, 4), None, lambda: layers.Softmax(axis=1)),
    "ReLU": ((4,), None, lambda: layers.ReLU(max_value=6.0, negative_slope=0.1)),
    "AlphaDropout": ((4,), None, lambda: layers.AlphaDropout(0.2, seed=3)),
    "SpatialDropout2D": ((2, 3, 4), None, lambda: layers.SpatialDropout2D(0.2, seed=1)),
    "SpatialDropout3D": (
        (2, 2, 3, 4),
        None,
        lambda: layers.SpatialDropout3D(0.2, data_format="channels_first", seed=1),
    ),
}
# Base classes, not layers a user puts in a model (InputLayer is in every functional test).
# Cells run inside an RNN layer.
NOT_LAYERS = {
    "Layer",
    "InputLayer",
    "Wrapper",
    "StochasticLayer",
    "GRUCell",
    "LSTMCell",
    "SimpleRNNCell",
    "StackedRNNCells",
}


def test_every_exported_layer_has_a_round_trip_case():
    exported = {
        name
        for name, obj in vars(layers).items()
        if isinstance(obj, type) and issubclass(obj, Layer)
    }
    missing = exported - NOT_LAYERS - set(LAYER_CASES)
    assert not missing, f"add a case for {sorted(missing)} to LAYER_CASES in tests/test_saving.py"


def _apply_case(name):
    shapes, dtype, factory = LAYER_CASES[name]
    layer = factory()
    if isinstance(shapes, list):
        inputs = [Input(shape=s) for s in shapes]
        return layer, inputs, layer(inputs)
    x = Input(shape=shapes, dtype=dtype)
    return layer, [x], layer(x)


@pytest.mark.parametrize("name", sorted(LAYER_CASES))
def test_layer_config_round_trips_through_json(name):
    layer, _, _ = _apply_case(name)
    config = json.loads(json.dumps(serialize_layer(layer)))
    rebuilt = deserialize_layer(config)
    assert type(rebuilt) is type(layer)
    assert serialize_layer(rebuilt) == serialize_layer(layer)


def test_model_with_every_layer_type_saves_and_loads_weights_and_generator_states(tmp_path):
    inputs, outputs = [], []
    for name in sorted(LAYER_CASES):
        _, xs, out = _apply_case(name)
        inputs += xs
        outputs.append(out)
    model = Model(inputs, outputs)
    r = np.random.RandomState(1)
    model.set_weights([r.standard_normal(w.shape).astype(w.dtype) for w in model.get_weights()])
    _advance_generators(model)
    path = tmp_path / "every_layer.h5"
    model.save(path)
    loaded = load_model(path)
    assert [type(a) for a in loaded.layers] == [type(b) for b in model.layers]
    assert loaded.get_config() == model.get_config()
    _assert_same_weights(model, loaded)
    assert _states(loaded) == _states(model)
    assert sum(map(len, _states(model).values())) >= 8  # Dropout, noise, GRU, DropConnect, ZoneOut


def test_sequential_nested_and_shared_layers_round_trip(tmp_path):
    inner = Sequential([Input(shape=(4,)), Dense(3, activation="relu"), Dropout(0.2)])
    x = Input(shape=(4,))
    shared = Dense(3)
    h = inner(x)
    mc = Dropout(0.5, seed=1)(shared(h), training=True)  # Monte Carlo dropout node
    out = Add()([shared(mc), h])
    model = Model(x, out)
    _advance_generators(model)
    model.save(tmp_path / "nested.h5")
    loaded = load_model(tmp_path / "nested.h5")
    assert loaded.get_config() == model.get_config()
    assert isinstance(loaded.layers[1], Sequential)
    assert loaded.layers[1].inputs[0].shape == (None, 4)
    _assert_same_weights(model, loaded)
    assert _states(loaded) == _states(model)
    mc_layer = [l for l in loaded.layers if isinstance(l, Dropout)][0]
    assert mc_layer._inbound_nodes[0].kwargs == {"training": True}
    shared_again = loaded.get_layer(shared.name)
    assert len(shared_again._inbound_nodes) == 2


# -- exact resume in a fresh process -------------------------------------------
def _stochastic_model():
    x = Input(shape=(3, 2))
    h = ZoneOut(
        DropConnect(GRU(3, dropout=0.2, recurrent_dropout=0.2, return_sequences=True), 0.3), 0.2
    )(x)
    h = SpatialDropout1D(0.2)(h)
    h = GaussianNoise(0.1)(h)
    h = GaussianDropout(0.1)(h)
    h = Flatten()(TimeDistributed(Dense(3))(h))
    h = Dropout(0.3)(BatchNormalization()(h))
    model = Model(x, Dense(2, activation="softmax")(h))
    model.compile("adam", "categorical_crossentropy")
    return model


_RESUME_SCRIPT = """
import sys
import numpy as np
from kerasque.models import load_model

path, data, out, k, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
arrays = np.load(data)
model = load_model(path)
pred = model.predict(arrays["x"])
model.fit(arrays["x"], arrays["y"], batch_size=4, epochs=n, initial_epoch=k, verbose=0)
np.savez(out, pred=pred, *model.get_weights())
"""


def _run_python(args, timeout=240):
    env = {
        **os.environ,
        "KERASQUE_MODE": TEST_MODE,
        "PYTHONPATH": os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])),
    }
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout
    )


def test_fresh_process_predicts_identically_and_resumes_training_bit_for_bit(tmp_path):
    r = np.random.RandomState(3)
    x = r.rand(8, 3, 2).astype("float32")
    y = np.eye(2, dtype="float32")[r.randint(0, 2, 8)]
    k, n = 1, 3

    set_random_seed(7)
    uninterrupted = _stochastic_model()
    uninterrupted.fit(x, y, batch_size=4, epochs=n, verbose=0)

    set_random_seed(7)
    first = _stochastic_model()
    first.fit(x, y, batch_size=4, epochs=k, verbose=0)
    first.save(tmp_path / "ckpt.h5")
    expected_pred = first.predict(x)

    np.savez(tmp_path / "data.npz", x=x, y=y)
    proc = _run_python(
        [
            "-c",
            _RESUME_SCRIPT,
            str(tmp_path / "ckpt.h5"),
            str(tmp_path / "data.npz"),
            str(tmp_path / "out.npz"),
            str(k),
            str(n),
        ]
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = np.load(tmp_path / "out.npz")
    np.testing.assert_array_equal(out["pred"], expected_pred)
    resumed = [out[f"arr_{i}"] for i in range(len(out.files) - 1)]
    final = uninterrupted.get_weights()
    assert len(resumed) == len(final)
    for a, b in zip(resumed, final):
        np.testing.assert_array_equal(a, b)  # bit for bit, BatchNormalization's moving stats too
    # The weights moved after the checkpoint, so equality is not trivial.
    assert not all(np.array_equal(a, b) for a, b in zip(first.get_weights(), final))


# -- atomic saves ------------------------------------------------------------
@pytest.mark.parametrize("error", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_failed_save_leaves_previous_file_intact_and_no_temporary_file(
    tmp_path, monkeypatch, error
):
    model = Sequential([Dense(2, input_shape=(3,))])
    path = tmp_path / "model.h5"
    model.save(path)
    before = path.read_bytes()
    model.set_weights([w + 1 for w in model.get_weights()])

    def explode(*args):
        raise error

    monkeypatch.setattr(hdf5, "write_training_state", explode)
    with pytest.raises(type(error)):
        model.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.h5"]


def test_failed_first_save_creates_no_file(tmp_path, monkeypatch):
    model = Sequential([Dense(2, input_shape=(3,))])

    def explode(*args):
        raise OSError("No space left on device")

    monkeypatch.setattr(hdf5, "write_weights", explode)
    with pytest.raises(OSError, match="No space"):
        model.save_weights(tmp_path / "w.h5")
    assert os.listdir(tmp_path) == []


def test_saving_over_a_file_replaces_it(tmp_path):
    model = Sequential([Dense(2, input_shape=(3,))])
    model.save(tmp_path / "m.h5")
    model.set_weights([w + 1 for w in model.get_weights()])
    model.save(tmp_path / "m.h5")
    _assert_same_weights(model, load_model(tmp_path / "m.h5"))


def test_two_layers_with_one_name_cannot_be_saved(tmp_path):
    x = Input(shape=(2,))
    model = Model(x, Dense(2, name="twin")(Dense(2, name="twin")(x)))
    with pytest.raises(ValueError, match="two layers are named 'twin'.*pass name="):
        model.save(tmp_path / "m.h5")
    assert os.listdir(tmp_path) == []


# -- bad files -----------------------------------------------------------------
def _small_model(units=3, extra=False):
    layers_ = [Dense(units, input_shape=(4,)), Dense(2)]
    if extra:
        layers_.append(Dense(2))
    return Sequential(layers_)


def test_missing_file_is_an_oserror_naming_the_path(tmp_path):
    path = str(tmp_path / "nope.h5")
    with pytest.raises(FileNotFoundError, match=re.escape(repr(path))):
        load_model(path)


def test_empty_file_is_an_oserror(tmp_path):
    path = tmp_path / "empty.h5"
    path.write_bytes(b"")
    with pytest.raises(OSError, match=r"empty\.h5' is empty"):
        load_model(path)


def test_truncated_file_is_an_oserror(tmp_path):
    path = tmp_path / "cut.h5"
    _small_model().save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(OSError, match=r"cut\.h5' as an HDF5 file: it is truncated"):
        load_model(path)


def test_non_hdf5_file_is_an_oserror(tmp_path):
    path = tmp_path / "model.h5"
    path.write_text("print('not a model')\n")
    with pytest.raises(OSError, match=r"model\.h5' as an HDF5 file.*not HDF5"):
        _small_model().load_weights(path)


def test_weights_only_file_given_to_load_model_says_to_use_load_weights(tmp_path):
    path = tmp_path / "w.h5"
    _small_model().save_weights(path)
    with pytest.raises(ValueError, match=r"w\.h5' holds weights only.*load_weights"):
        load_model(path)


def test_weight_of_wrong_shape_names_layer_weight_and_both_shapes(tmp_path):
    path = tmp_path / "w.h5"
    _small_model(units=3).save_weights(path)
    model = _small_model(units=5)
    first = model.layers[0].name
    before = model.get_weights()
    with pytest.raises(
        ValueError,
        match=(
            rf"w\.h5': layer '{first}', weight '.*kernel:0': the model expects shape \(4, 5\), "
            r"the file holds shape \(4, 3\)"
        ),
    ):
        model.load_weights(path)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)  # nothing was half-loaded


def test_layer_count_mismatch_names_both_sides(tmp_path):
    path = tmp_path / "w.h5"
    _small_model().save_weights(path)
    with pytest.raises(ValueError, match=r"holds weights for 2 layers .* has 3 layers with"):
        _small_model(extra=True).load_weights(path)


def _rewrite_config(path, config):
    with h5py.File(path, "a") as f:
        f.attrs["kerasque_model_config"] = json.dumps(config)


def test_unknown_class_names_the_class_and_custom_objects(tmp_path):
    path = tmp_path / "m.h5"
    _small_model().save(path)
    config = json.loads(h5py.File(path, "r").attrs["kerasque_model_config"])
    config["config"]["layers"][0]["class_name"] = "os.system"
    _rewrite_config(path, config)
    with pytest.raises(ValueError, match=r"Unknown layer class 'os\.system'.*custom_objects"):
        load_model(path)


def test_loading_never_evaluates_strings_from_the_file(tmp_path):
    path = tmp_path / "m.h5"
    marker = tmp_path / "pwned"
    _small_model().save(path)
    config = json.loads(h5py.File(path, "r").attrs["kerasque_model_config"])
    config["config"]["layers"][0]["config"]["activation"] = (
        f"__import__('pathlib').Path({str(marker)!r}).touch()"
    )
    _rewrite_config(path, config)
    with pytest.raises(ValueError, match="Unknown activation"):
        load_model(path)
    assert not marker.exists()


# -- custom objects ---------------------------------------------------------
class ScaledDense(Dense):
    """A user layer: Dense with a constant output scale."""

    def __init__(self, units, scale=2.0, **kwargs):
        super().__init__(units, **kwargs)
        self.scale = scale

    def call(self, inputs):
        return super().call(inputs) * self.scale

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


def swish(x):
    import pytensor.tensor as pt

    return x * pt.sigmoid(x)


def my_loss(y_true, y_pred):
    return ((y_true - y_pred) ** 2).mean()


def _custom_model():
    x = Input(shape=(3, 4))
    h = TimeDistributed(ScaledDense(2, scale=3.0, activation=swish))(x)
    model = Model(x, Flatten()(h))
    model.compile("sgd", my_loss)
    return model


def test_custom_classes_and_functions_load_with_custom_objects(tmp_path):
    path = tmp_path / "custom.h5"
    model = _custom_model()
    model.save(path)
    with pytest.raises(ValueError, match=r"Unknown layer class 'ScaledDense'.*custom_objects"):
        load_model(path)
    loaded = load_model(
        path, custom_objects={"ScaledDense": ScaledDense, "swish": swish, "my_loss": my_loss}
    )
    inner = loaded.layers[1].layer
    assert type(inner) is ScaledDense and inner.scale == 3.0 and inner.activation is swish
    assert loaded.loss_functions == [my_loss]
    _assert_same_weights(model, loaded)


def test_unknown_loss_says_to_pass_custom_objects_or_skip_compile(tmp_path):
    path = tmp_path / "custom.h5"
    _custom_model().save(path)
    objects = {"ScaledDense": ScaledDense, "swish": swish}
    with pytest.raises(ValueError, match=r"Unknown loss 'my_loss'.*custom_objects.*compile=False"):
        load_model(path, custom_objects=objects)
    assert not load_model(path, custom_objects=objects, compile=False).compiled


def test_registered_custom_objects_need_no_argument(tmp_path, monkeypatch):
    monkeypatch.setattr(generic, "_CUSTOM_OBJECTS", {})
    path = tmp_path / "custom.h5"
    _custom_model().save(path)
    for obj in (ScaledDense, swish, my_loss):
        kerasque.utils.register_custom_object(obj)
    loaded = load_model(path)
    assert type(loaded.layers[1].layer) is ScaledDense
    assert set(generic.custom_objects()) == {"ScaledDense", "swish", "my_loss"}


# -- dtypes and string attributes --------------------------------------------
def test_float64_file_loads_into_float32_model_and_back(tmp_path):
    K.set_floatx("float64")
    x = Input(shape=(4,))
    model = Model(x, Dense(2)(Dense(3)(x)))
    model.save(tmp_path / "f64.h5")
    saved = model.get_weights()

    K.set_floatx("float32")
    as32 = load_model(tmp_path / "f64.h5")
    assert as32.inputs[0].dtype == "float32"
    for w, v in zip(as32.get_weights(), saved):
        assert w.dtype == np.float32
        np.testing.assert_array_equal(w, v.astype(np.float32))
    fresh = Model.from_config(as32.get_config())
    fresh.load_weights(tmp_path / "f64.h5")
    _assert_same_weights(as32, fresh)

    as32.save(tmp_path / "f32.h5")
    K.set_floatx("float64")
    as64 = load_model(tmp_path / "f32.h5")
    assert as64.inputs[0].dtype == "float64"
    for w, v in zip(as64.get_weights(), as32.get_weights()):
        assert w.dtype == np.float64
        np.testing.assert_array_equal(w, v.astype(np.float64))


def test_string_attributes_stored_as_bytes_read_back(tmp_path):
    path = tmp_path / "m.h5"
    model = _small_model()
    model.compile("sgd", "mse")
    model.save(path)
    with h5py.File(path, "a") as f:
        for key in (
            "kerasque_model_config",
            "kerasque_training_config",
            "model_config",
            "training_config",
            "backend",
            "floatx",
        ):
            f.attrs[key] = np.bytes_(f.attrs[key].encode())
    loaded = load_model(path)
    assert loaded.compiled
    _assert_same_weights(model, loaded)


def test_list_attributes_over_64_kib_are_split_as_keras_does(tmp_path):
    names = [f"layer_with_a_long_name_{i:06d}" for i in range(3000)]
    with h5py.File(tmp_path / "a.h5", "w") as f:
        h5_attrs.write_list_attr(f, "layer_names", names)
        assert "layer_names" not in f.attrs and "layer_names1" in f.attrs
        assert h5_attrs.read_list_attr(f, "layer_names") == names


def test_model_with_long_layer_list_saves_and_loads(tmp_path):
    x = Input(shape=(2,))
    h = x
    for i in range(330):
        h = Activation("linear", name=f"{'a' * 200}{i:03d}")(h)
    model = Model(x, Dense(1)(h))
    model.save(tmp_path / "long.h5")
    with h5py.File(tmp_path / "long.h5", "r") as f:
        assert "layer_names0" in f["model_weights"].attrs
    loaded = load_model(tmp_path / "long.h5")
    assert [l.name for l in loaded.layers] == [l.name for l in model.layers]
    _assert_same_weights(model, loaded)


# -- ModelCheckpoint -----------------------------------------------------------
def test_model_checkpoint_formats_epoch_and_val_loss_in_the_file_name(tmp_path):
    model = Sequential([Dense(2, activation="softmax", input_shape=(3,))])
    model.compile("sgd", "categorical_crossentropy")
    r = np.random.RandomState(0)
    x, y = r.rand(6, 3).astype("float32"), np.eye(2, dtype="float32")[r.randint(0, 2, 6)]
    pattern = str(tmp_path / "ckpt-{epoch:02d}-{val_loss:.4f}.h5")
    history = model.fit(
        x,
        y,
        validation_data=(x, y),
        epochs=2,
        batch_size=3,
        verbose=0,
        callbacks=[ModelCheckpoint(pattern)],
    )
    expected = [f"ckpt-{e + 1:02d}-{v:.4f}.h5" for e, v in enumerate(history.history["val_loss"])]
    assert sorted(os.listdir(tmp_path)) == expected
    last = load_model(tmp_path / expected[-1])
    assert last.epoch == 2
    _assert_same_weights(model, last)


def test_save_best_only_saves_only_when_the_monitor_improves(tmp_path):
    model = _small_model()
    path = tmp_path / "best.h5"
    cb = ModelCheckpoint(
        str(path), monitor="val_accuracy", save_best_only=True, save_weights_only=True
    )
    cb.set_model(model)
    cb.on_epoch_end(0, {"val_accuracy": 0.5})
    best = model.get_weights()
    model.set_weights([w + 1 for w in best])
    cb.on_epoch_end(1, {"val_accuracy": 0.4})  # 'auto' maximizes accuracy: no save
    check = _small_model()
    check.load_weights(path)
    for a, b in zip(check.get_weights(), best):
        np.testing.assert_array_equal(a, b)
    cb.on_epoch_end(2, {"val_accuracy": 0.9})
    check.load_weights(path)
    _assert_same_weights(model, check)
    with pytest.raises(ValueError, match="holds weights only"):
        load_model(path)


def test_model_checkpoint_names_a_missing_log_key(tmp_path):
    cb = ModelCheckpoint(str(tmp_path / "{val_loss:.2f}.h5"))
    cb.set_model(_small_model())
    with pytest.raises(ValueError, match=r"names 'val_loss', which is not among the logs"):
        cb.on_epoch_end(0, {"loss": 1.0})
    with pytest.raises(ValueError, match="mode must be"):
        ModelCheckpoint("x.h5", mode="best")
