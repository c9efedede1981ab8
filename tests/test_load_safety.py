"""Loading reads only the file it is given, checks metadata before data, and is all or nothing.

Each test crafts a hostile or broken file with plain h5py, as an attacker
would, and pins the exception type and the words that name the file and the
HDF5 object. No test compiles a function: loads use uncompiled models or
an optimizer without slots.
"""

import re
import tracemalloc

import h5py
import numpy as np
import pytensor
import pytest

from kerasque import saving
from kerasque.layers import Dense, Dropout, Input, Layer
from kerasque.models import Model, Sequential, load_model

SECRET = np.full((4, 3), 7777.0, dtype="float32")  # "another file's" bytes


def _model():
    return Sequential(
        [
            Dense(3, input_shape=(4,), name="first"),
            Dropout(0.5, name="drop"),
            Dense(2, name="second"),
        ]
    )


@pytest.fixture
def saved(tmp_path):
    """A saved model file, the model, and a secret file outside it."""
    model = _model()
    path = tmp_path / "model.h5"
    model.save(path)
    secret = tmp_path / "secret.bin"
    secret.write_bytes(SECRET.tobytes())
    return {"model": model, "path": path, "secret": secret, "tmp": tmp_path}


KERNEL = "/model_weights/first/first/kernel:0"


def _replace(path, hdf5_path, make):
    """Replace the object at ``hdf5_path`` by what ``make(file, name)`` creates."""
    with h5py.File(path, "a") as f:
        del f[hdf5_path]
        make(f, hdf5_path)


def _no_secret_in(model):
    for w in model.get_weights():
        assert not np.any(w == 7777.0), "bytes of another file were loaded"


def _pinned(path, *words):
    """A regex: the file's repr, then each word, in order."""
    return re.escape(repr(str(path))) + "".join(".*" + re.escape(w) for w in words)


# -- 1. only the given file ----------------------------------------------------------
def test_external_link_on_one_weight_is_refused_naming_file_and_path(saved):
    other = saved["tmp"] / "other.h5"
    with h5py.File(other, "w") as f:
        f["kernel"] = SECRET
    _replace(
        saved["path"],
        KERNEL,
        lambda f, p: f.__setitem__(p, h5py.ExternalLink(str(other), "/kernel")),
    )
    with pytest.raises(ValueError, match=_pinned(saved["path"], KERNEL, "external link")):
        load_model(saved["path"])
    before = saved["model"].get_weights()
    with pytest.raises(ValueError, match="external link"):
        saved["model"].load_weights(saved["path"])
    for a, b in zip(before, saved["model"].get_weights()):
        np.testing.assert_array_equal(a, b)


def test_external_link_on_the_whole_weights_group_is_refused(saved):
    other = saved["tmp"] / "other.h5"
    with h5py.File(saved["path"], "r") as src, h5py.File(other, "w") as dst:
        src.copy("model_weights", dst)
    _replace(
        saved["path"],
        "/model_weights",
        lambda f, p: f.__setitem__(p, h5py.ExternalLink(str(other), "/model_weights")),
    )
    with pytest.raises(
        ValueError, match=_pinned(saved["path"], "'/model_weights'", "external link")
    ):
        load_model(saved["path"])


def test_soft_link_to_an_external_link_is_refused(saved):
    other = saved["tmp"] / "other.h5"
    with h5py.File(other, "w") as f:
        f["kernel"] = SECRET
    with h5py.File(saved["path"], "a") as f:
        f["/model_weights/first/first/elsewhere"] = h5py.ExternalLink(str(other), "/kernel")
    _replace(
        saved["path"],
        KERNEL,
        lambda f, p: f.__setitem__(p, h5py.SoftLink("/model_weights/first/first/elsewhere")),
    )
    with pytest.raises(ValueError, match=_pinned(saved["path"], "elsewhere", "external link")):
        load_model(saved["path"])


def test_soft_link_leaving_its_group_is_refused(saved):
    with h5py.File(saved["path"], "a") as f:
        f["/stash"] = SECRET
    _replace(saved["path"], KERNEL, lambda f, p: f.__setitem__(p, h5py.SoftLink("/stash")))
    with pytest.raises(
        ValueError, match=_pinned(saved["path"], KERNEL, "soft link to '/stash'", "outside")
    ):
        load_model(saved["path"])


def test_relative_soft_link_climbing_out_is_refused(saved):
    _replace(saved["path"], KERNEL, lambda f, p: f.__setitem__(p, h5py.SoftLink("../../second")))
    with pytest.raises(ValueError, match=_pinned(saved["path"], KERNEL, "relative component")):
        load_model(saved["path"])


def test_soft_link_inside_its_group_loads(saved):
    kernel = saved["model"].layers[0].get_weights()[0]
    with h5py.File(saved["path"], "a") as f:
        f["/model_weights/first/first/kernel_copy"] = kernel
    _replace(
        saved["path"],
        KERNEL,
        lambda f, p: f.__setitem__(p, h5py.SoftLink("/model_weights/first/first/kernel_copy")),
    )
    loaded = load_model(saved["path"])
    np.testing.assert_array_equal(loaded.layers[0].get_weights()[0], kernel)


def test_a_cycle_of_soft_links_is_refused(saved):
    with h5py.File(saved["path"], "a") as f:
        f["/model_weights/first/first/loop"] = h5py.SoftLink(KERNEL)
    _replace(
        saved["path"],
        KERNEL,
        lambda f, p: f.__setitem__(p, h5py.SoftLink("/model_weights/first/first/loop")),
    )
    with pytest.raises(ValueError, match=_pinned(saved["path"], "chain of more than")):
        load_model(saved["path"])


def test_virtual_dataset_is_refused(saved):
    other = saved["tmp"] / "other.h5"
    with h5py.File(other, "w") as f:
        f["kernel"] = SECRET

    def make(f, p):
        layout = h5py.VirtualLayout(shape=(4, 3), dtype="float32")
        layout[:] = h5py.VirtualSource(str(other), "kernel", shape=(4, 3))
        f.create_virtual_dataset(p, layout)

    _replace(saved["path"], KERNEL, make)
    with pytest.raises(ValueError, match=_pinned(saved["path"], KERNEL, "virtual dataset")):
        load_model(saved["path"])


def test_dataset_with_external_storage_is_refused_and_its_bytes_never_loaded(saved):
    secret = str(saved["secret"])
    _replace(
        saved["path"],
        KERNEL,
        lambda f, p: f.create_dataset(
            p, shape=(4, 3), dtype="float32", external=[(secret, 0, SECRET.nbytes)]
        ),
    )
    with pytest.raises(ValueError, match=_pinned(saved["path"], KERNEL, "external files")):
        load_model(saved["path"])
    model = _model()
    with pytest.raises(ValueError, match="external files"):
        model.load_weights(saved["path"])
    _no_secret_in(model)


@pytest.mark.parametrize(
    "data",
    [
        np.array([[b"a", b"b", b"c"]] * 4),
        np.ones((4, 3), dtype=bool),
        np.ones((4, 3), dtype=np.complex64),
        np.zeros((4, 3), dtype=[("a", "f4"), ("b", "f4")]),
    ],
    ids=["bytes", "bool", "complex", "compound"],
)
def test_weights_of_a_non_numeric_dtype_are_refused(saved, data):
    _replace(saved["path"], KERNEL, lambda f, p: f.create_dataset(p, data=data))
    with pytest.raises(ValueError, match=_pinned(saved["path"], KERNEL, "real numeric dtype")):
        load_model(saved["path"])


def test_dataset_with_an_unknown_filter_is_refused(saved):
    def make(f, p):
        # Filter 32013 (zfp) is a plugin: reading it would make HDF5 load code.
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_chunk((4, 3))
        dcpl.set_filter(32013, h5py.h5z.FLAG_OPTIONAL)
        space = h5py.h5s.create_simple((4, 3))
        h5py.h5d.create(f.id, p.encode(), h5py.h5t.NATIVE_FLOAT, space, dcpl=dcpl)

    _replace(saved["path"], KERNEL, make)
    with pytest.raises(ValueError, match=_pinned(saved["path"], KERNEL, "filters [32013]")):
        load_model(saved["path"])


@pytest.mark.parametrize("name", ["/stash", "../second/second/kernel:0", "first/./kernel:0", ""])
def test_weight_names_that_escape_their_group_are_refused(saved, name):
    with h5py.File(saved["path"], "a") as f:
        f["/stash"] = SECRET
        group = f["/model_weights/first"]
        names = [n.decode() for n in group.attrs["weight_names"]]
        group.attrs["weight_names"] = np.array([name.encode(), names[1].encode()])
    with pytest.raises(ValueError, match=_pinned(saved["path"], "invalid name")):
        load_model(saved["path"])


# -- 2. metadata before data -------------------------------------------------------------
def test_a_weight_declaring_4_tib_fails_on_its_shape_without_allocating(saved):
    _replace(
        saved["path"],
        KERNEL,
        lambda f, p: f.create_dataset(p, shape=(2**20, 2**20), dtype="float32", chunks=(64, 64)),
    )
    model = _model()
    tracemalloc.start()
    try:
        with pytest.raises(
            ValueError,
            match=_pinned(
                saved["path"],
                "layer 'first'",
                "expects shape (4, 3)",
                "holds shape (1048576, 1048576)",
            ),
        ):
            model.load_weights(saved["path"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20


def test_a_gzip_bomb_is_refused_before_it_is_decompressed(saved):
    bomb = np.zeros((4096, 4096), dtype="float32")  # 64 MiB of zeros, a few KiB on disk
    _replace(
        saved["path"],
        KERNEL,
        lambda f, p: f.create_dataset(
            p, data=bomb, compression="gzip", compression_opts=9, chunks=(1024, 1024)
        ),
    )
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=_pinned(saved["path"], "holds shape (4096, 4096)")):
            load_model(saved["path"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20


def test_a_float64_value_too_large_for_float32_is_refused(saved):
    data = np.full((4, 3), 1e300)
    _replace(saved["path"], KERNEL, lambda f, p: f.create_dataset(p, data=data))
    with pytest.raises(
        ValueError, match=_pinned(saved["path"], "kernel:0", "too large for dtype float32")
    ):
        load_model(saved["path"])


def test_a_fractional_optimizer_iteration_count_is_refused(tmp_path):
    model = _model()
    model.compile("sgd", "mse")
    path = tmp_path / "m.h5"
    model.save(path)
    with h5py.File(path, "a") as f:
        del f["/optimizer_weights/SGD/iterations:0"]
        f["/optimizer_weights/SGD/iterations:0"] = 2.5
    with pytest.raises(ValueError, match=_pinned(path, "iterations:0", "whole numbers")):
        load_model(path)


# -- 3. all or nothing -------------------------------------------------------------------
def _assert_unchanged(model, weights, training_state):
    for a, b in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert model.get_training_state()["generator_states"] == training_state["generator_states"]
    assert model.get_training_state()["shuffle_rng"] == training_state["shuffle_rng"]
    assert model.epoch == training_state["epoch"]


def test_load_weights_that_fails_on_the_last_layer_leaves_every_layer_as_it_was(saved):
    with h5py.File(saved["path"], "a") as f:
        second = f["/model_weights/second/second"]
        del second["bias:0"]
        second["bias:0"] = np.zeros(5, dtype="float32")
    model = _model()
    before = model.get_weights()
    with pytest.raises(
        ValueError, match=_pinned(saved["path"], "layer 'second'", "expects shape (2,)")
    ):
        model.load_weights(saved["path"])
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_load_weights_whose_last_dataset_is_unreadable_leaves_the_model_as_it_was(saved):
    # The last weight declares the right shape but its compressed chunk is garbage.
    with h5py.File(saved["path"], "a") as f:
        second = f["/model_weights/second/second"]
        del second["bias:0"]
        ds = second.create_dataset(
            "bias:0", data=np.arange(2, dtype="float32"), compression="gzip", chunks=(2,)
        )
        chunk = ds.id.get_chunk_info(0)
    raw = bytearray(saved["path"].read_bytes())
    raw[chunk.byte_offset : chunk.byte_offset + chunk.size] = b"\xff" * chunk.size
    saved["path"].write_bytes(bytes(raw))
    model = _model()
    before = model.get_weights()
    with pytest.raises(OSError, match=_pinned(saved["path"], "cannot read", "bias:0")):
        model.load_weights(saved["path"])
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_set_training_state_checks_every_entry_before_setting_any():
    x = Input(shape=(4,))
    model = Model(x, Dropout(0.5, name="d2")(Dropout(0.5, name="d1")(x)))
    model.epoch = 3
    before_w = model.get_weights()
    before = model.get_training_state()
    bad = {
        **before,
        "epoch": 9,
        "generator_states": {
            "d1": before["generator_states"]["d1"],
            "d2": [{"bit_generator": "PCG64", "state": "garbage"}],
        },
    }
    with pytest.raises(ValueError, match=r"'generator_states' of layer 'd2' \[0\]"):
        model.set_training_state(bad)
    _assert_unchanged(model, before_w, before)


def test_load_weights_skip_mismatch_skips_weights_of_another_shape_with_a_warning(saved):
    x = Input(shape=(4,))
    model = Model(x, Dense(2, name="second")(Dense(5, name="first")(x)))
    before = model.get_weights()
    with pytest.warns(UserWarning) as record:
        saving.load_weights(model, saved["path"], by_name=True, skip_mismatch=True)
    skipped = sorted(
        re.match(r"Skipping weight '([^']+)'", str(w.message)).group(1) for w in record
    )
    assert skipped == ["first/bias:0", "first/kernel:0", "second/kernel:0"]
    assert "expects shape (4, 5), the file holds shape (4, 3)" in str(record[0].message)
    after = model.get_weights()
    for i in (0, 1, 2):  # first's kernel and bias, second's kernel: kept
        np.testing.assert_array_equal(after[i], before[i])
    np.testing.assert_array_equal(after[3], saved["model"].get_layer("second").get_weights()[1])


def test_skip_mismatch_needs_by_name(saved):
    with pytest.raises(ValueError, match="skip_mismatch=True needs by_name=True"):
        saving.load_weights(_model(), saved["path"], skip_mismatch=True)


# -- states of stateful layers ------------------------------------------------------------
class Stateful(Layer):
    """A tiny stateful layer: adds a per-row state (a shared variable) to its input."""

    states = None

    def build(self, input_shape):
        value = np.zeros((2, input_shape[-1]), dtype="float32")
        self.states = [pytensor.shared(value, name=f"{self.name}/state")]

    def call(self, inputs):
        return inputs + self.states[0]


def _stateful_model():
    x = Input(batch_shape=(2, 3))
    return Model(x, Dense(2, name="head")(Stateful(name="memory")(x)))


def test_layer_states_are_saved_and_restored(tmp_path):
    model = _stateful_model()
    value = np.arange(6, dtype="float32").reshape(2, 3)
    model.get_layer("memory").states[0].set_value(value)
    model.save(tmp_path / "s.h5")
    with h5py.File(tmp_path / "s.h5", "r") as f:
        np.testing.assert_array_equal(f["/training_state/layer_states/memory/0"][()], value)
    loaded = load_model(tmp_path / "s.h5", custom_objects={"Stateful": Stateful})
    np.testing.assert_array_equal(loaded.get_layer("memory").states[0].get_value(), value)
    assert loaded.get_training_state()["layer_states"].keys() == {"memory"}


def test_a_layer_state_of_the_wrong_shape_is_refused_naming_layer_and_shapes(tmp_path):
    model = _stateful_model()
    model.save(tmp_path / "s.h5")
    with h5py.File(tmp_path / "s.h5", "a") as f:
        del f["/training_state/layer_states/memory/0"]
        f["/training_state/layer_states/memory/0"] = np.zeros((5, 3), dtype="float32")
    with pytest.raises(
        ValueError,
        match=_pinned(
            tmp_path / "s.h5", "'layer_states' of layer 'memory' [0]", "expects shape (2, 3)"
        ),
    ):
        load_model(tmp_path / "s.h5", custom_objects={"Stateful": Stateful})


def test_set_training_state_with_a_bad_layer_state_changes_no_state():
    model = _stateful_model()
    state = model.get_training_state()
    memory = model.get_layer("memory").states[0]
    memory.set_value(np.ones((2, 3), dtype="float32"))
    bad = {**state, "epoch": 5, "layer_states": {"memory": [np.zeros((2, 4), dtype="float32")]}}
    with pytest.raises(ValueError, match=r"'layer_states' of layer 'memory' \[0\].*\(2, 3\)"):
        model.set_training_state(bad)
    np.testing.assert_array_equal(memory.get_value(), np.ones((2, 3)))
    assert model.epoch == 0
    model.set_training_state(state)
    np.testing.assert_array_equal(memory.get_value(), np.zeros((2, 3)))
