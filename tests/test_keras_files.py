"""Files Keras wrote load in kerasque and predict what Keras predicted.

The golden files under tests/data/ come from tests/data/make_keras_files.py
(Keras 3.15.1) and tests/data/make_keras224_file.py (Keras 2.2.4's layout,
written with h5py). Adding a layer type is one line in :data:`GOLDEN` once
kerasque has the layer.
"""

import json
import os
import shutil
import warnings

import h5py
import numpy as np
import pytest

from kerasque.models import load_model

DATA = os.path.join(os.path.dirname(__file__), "data")
KERAS3 = os.path.join(DATA, "keras")
KERAS2 = os.path.join(DATA, "keras2")

# One line per layer type kerasque has: the golden model that exercises it.
GOLDEN = [
    "dense",
    "activation",
    "flatten",
    "dropout",
    "gaussian_noise",
    "gaussian_dropout",
    "spatial_dropout1d",
    "batch_normalization",
    "embedding",
    "embedding_mask_gru",
    "gru",
    "gru_reset_before",
    "gru_backwards",
    "time_distributed",
    "concatenate",
    "add",
    "two_input",
    "masking_gru",
    "reshape",
    "permute",
    "repeat_vector",
    "subtract",
    "multiply",
    "average",
    "maximum",
    "minimum",
    "dot",
    "leaky_relu",
    "prelu",
    "elu",
    "relu",
    "softmax",
    "alpha_dropout",
    "lstm",
    "simple_rnn",
    "bidirectional",
    "masking",
]
WEIGHTS_ONLY = ["dense", "gru", "two_input", "batch_normalization", "time_distributed"]


def _data(folder, name):
    d = np.load(os.path.join(folder, f"{name}.npz"))
    xs = [d[k] for k in sorted(d.files) if k.startswith("x")]
    return (xs[0] if len(xs) == 1 else xs), d["y"]


def _predicts_like_keras(model, folder, name):
    x, y = _data(folder, name)
    np.testing.assert_allclose(model.predict(x), y, atol=1e-5, rtol=0)


@pytest.mark.parametrize("ext", ["h5", "keras"])
@pytest.mark.parametrize("name", GOLDEN)
def test_keras3_file_loads_and_predicts_what_keras_predicted(name, ext):
    model = load_model(os.path.join(KERAS3, f"{name}.{ext}"))
    assert model.compiled
    _predicts_like_keras(model, KERAS3, name)


@pytest.mark.parametrize("name", ["keras224_gru", "keras220_gru"])
def test_keras2_file_loads_with_its_gru_and_optimizer_state(name):
    path = os.path.join(KERAS2, f"{name}.h5")
    model = load_model(path)
    _predicts_like_keras(model, KERAS2, name)
    gru = model.layers[0]
    assert not gru.reset_after and gru.get_weights()[2].shape == (12,)
    with h5py.File(path, "r") as f:
        group = f["optimizer_weights"]
        saved = [group[n][()] for n in group.attrs["weight_names"]]
    state = model.optimizer.get_weights()
    assert int(state[0]) == 3
    n = len(model.trainable_weights)
    for mine, theirs in zip(state[1:], saved[1 : 1 + 2 * n]):  # ms, vs; 2.2.4's vhats dropped
        np.testing.assert_array_equal(mine, theirs)


def test_keras2_thresholded_relu_file_loads():
    model = load_model(os.path.join(KERAS2, "keras224_thresholded_relu.h5"))
    _predicts_like_keras(model, KERAS2, "keras224_thresholded_relu")


def test_keras3_optimizer_state_continues_with_keras_moments():
    model = load_model(os.path.join(KERAS3, "dense.h5"))
    with h5py.File(os.path.join(KERAS3, "dense.h5"), "r") as f:
        m0 = f["optimizer_weights/adam/sequential_dense_kernel_momentum"][()]
    state = model.optimizer.get_weights()
    assert int(state[0]) == 1
    np.testing.assert_array_equal(state[1], m0)


@pytest.mark.parametrize("by_name", [False, True])
@pytest.mark.parametrize("kind", ["weights.h5", "legacy_weights.h5"])
@pytest.mark.parametrize("name", WEIGHTS_ONLY)
def test_keras_weights_files_load_into_a_model(name, kind, by_name):
    model = load_model(os.path.join(KERAS3, f"{name}.h5"), compile=False)
    for var in model.weights:
        var.set_value(np.zeros_like(var.get_value()))
    model.load_weights(os.path.join(KERAS3, f"{name}.{kind}"), by_name=by_name)
    _predicts_like_keras(model, KERAS3, name)


def _edited(tmp_path, name, edit):
    path = tmp_path / f"{name}.h5"
    shutil.copy(os.path.join(KERAS3, f"{name}.h5"), path)
    with h5py.File(path, "a") as f:
        config = json.loads(f.attrs["model_config"])
        edit(config["config"]["layers"])
        f.attrs["model_config"] = json.dumps(config)
    return path


def test_keras3_hard_sigmoid_is_refused_naming_layer_key_and_value(tmp_path):
    def edit(layers):
        layers[1]["config"]["recurrent_activation"] = "hard_sigmoid"

    with pytest.raises(
        ValueError, match=r"'gru[_0-9]*' \(GRU\).*recurrent_activation='hard_sigmoid'"
    ):
        load_model(_edited(tmp_path, "gru_reset_before", edit))


@pytest.mark.parametrize("key, value", [("time_major", True), ("dtype", "float16")])
def test_settings_that_change_the_computation_are_refused(tmp_path, key, value):
    def edit(layers):
        layers[1]["config"][key] = value

    with pytest.raises(ValueError, match=rf"\(GRU\): the Keras setting {key}="):
        load_model(_edited(tmp_path, "gru_reset_before", edit))


def test_settings_that_do_not_change_the_computation_are_accepted(tmp_path):
    def edit(layers):
        layers[1]["config"].update(implementation=1, unroll=True, zero_output_for_mask=True)

    model = load_model(_edited(tmp_path, "gru_reset_before", edit))
    _predicts_like_keras(model, KERAS3, "gru_reset_before")


def test_an_optimizer_kerasque_computes_otherwise_loads_fresh_with_a_warning(tmp_path):
    path = tmp_path / "m.h5"
    shutil.copy(os.path.join(KERAS3, "dense.h5"), path)
    with h5py.File(path, "a") as f:
        train = json.loads(f.attrs["training_config"])
        train["optimizer_config"]["config"]["weight_decay"] = 0.01
        f.attrs["training_config"] = json.dumps(train)
    with pytest.warns(UserWarning, match="optimizer state is not loaded .*weight_decay"):
        model = load_model(path)
    assert model.compiled and int(model.optimizer.get_weights()[0]) == 0
    _predicts_like_keras(model, KERAS3, "dense")


def test_skip_mismatch_skips_layers_of_other_shapes_with_a_warning():
    from kerasque.layers import Dense
    from kerasque.models import Sequential
    from kerasque.saving import load_weights

    model = Sequential(
        [Dense(4, activation="relu", input_shape=(6,), name="dense"), Dense(5, name="dense_1")]
    )
    before = model.get_weights()
    with pytest.warns(UserWarning, match=r"Skipping weight .*layer 'dense_1'"):
        load_weights(
            model, os.path.join(KERAS3, "dense.legacy_weights.h5"), by_name=True, skip_mismatch=True
        )
    np.testing.assert_array_equal(model.get_weights()[2], before[2])
    assert not np.array_equal(model.get_weights()[0], before[0])


def test_a_link_in_a_keras_archive_is_refused(tmp_path):
    import zipfile

    src = os.path.join(KERAS3, "dense.keras")
    path = tmp_path / "evil.keras"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w") as zout:
        for item in zin.namelist():
            data = zin.read(item)
            if item == "model.weights.h5":
                local = tmp_path / "w.h5"
                local.write_bytes(data)
                with h5py.File(local, "a") as f:
                    del f["layers/dense/vars/0"]
                    f["layers/dense/vars/0"] = h5py.ExternalLink("/etc/passwd", "/x")
                data = local.read_bytes()
            zout.writestr(item, data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match=r"external link to another file"):
            load_model(path)


def test_an_external_link_in_a_keras_h5_is_refused_before_any_weight_is_read(tmp_path):
    path = tmp_path / "evil.h5"
    shutil.copy(os.path.join(KERAS3, "dense.h5"), path)
    with h5py.File(path, "a") as f:
        group = f["model_weights/dense/sequential/dense"]
        del group["kernel"]
        group["kernel"] = h5py.ExternalLink("/etc/passwd", "/x")
    with pytest.raises(ValueError, match=r"evil\.h5.*external link to another file"):
        load_model(path)


def test_a_weight_of_the_wrong_shape_is_refused_naming_it(tmp_path):
    path = tmp_path / "bad.h5"
    shutil.copy(os.path.join(KERAS3, "dense.h5"), path)
    with h5py.File(path, "a") as f:
        group = f["model_weights/dense/sequential/dense"]
        del group["kernel"]
        group["kernel"] = np.zeros((7, 4), dtype="float32")
    with pytest.raises(
        ValueError, match=r"kernel.*the model expects shape \(6, 4\), the file holds shape \(7, 4\)"
    ):
        load_model(path)
