"""kerasque files open in Keras 3 and predict what kerasque predicts; .keras round trips.

Keras runs in a subprocess (``KERAS_BACKEND=jax``) so it never shares a
process with kerasque's PyTensor graphs.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from kerasque import layers as L
from kerasque.layers import (
    GRU,
    Activation,
    Add,
    BatchNormalization,
    Concatenate,
    Dense,
    DropConnect,
    Dropout,
    Embedding,
    Flatten,
    GaussianDropout,
    GaussianNoise,
    Input,
    SpatialDropout1D,
    TimeDistributed,
    ZoneOut,
)
from kerasque.models import Model, Sequential, load_model

KERAS_SCRIPT = r"""
import json, sys, numpy as np, keras
out = {}
for path, data in json.loads(sys.argv[1]):
    d = np.load(data)
    xs = [d[k] for k in sorted(d.files) if k.startswith("x")]
    try:
        model = keras.models.load_model(path)
        y = model.predict(xs[0] if len(xs) == 1 else xs, verbose=0)
        out[path] = {"diff": float(np.abs(y - d["y"]).max()),
                     "optimizer": type(model.optimizer).__name__ if model.optimizer else None}
    except Exception as err:
        out[path] = {"error": f"{type(err).__name__}: {err}"}
print("RESULT" + json.dumps(out))
"""


def _in_keras(pairs) -> dict:
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    proc = subprocess.run(
        [sys.executable, "-c", KERAS_SCRIPT, json.dumps(pairs)],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    line = [s for s in proc.stdout.splitlines() if s.startswith("RESULT")]
    assert line, proc.stderr[-3000:]
    return json.loads(line[0][len("RESULT") :])


def _models() -> dict:
    a, b = Input((4,)), Input((4,))
    h, g = Dense(4, activation="tanh")(a), Dense(4)(b)
    functional = Model([a, b], Dense(2, activation="softmax")(Concatenate()([Add()([h, g]), g])))
    c, d = Input((4,)), Input((4,))
    u, v = Dense(4)(c), Dense(4)(d)
    merged = [
        L.Subtract()([u, v]),
        L.Multiply()([u, v]),
        L.Average()([u, v]),
        L.Maximum()([u, v]),
        L.Minimum()([u, v]),
        L.Dot(1, normalize=True)([u, v]),
    ]
    return {
        "merges": Model([c, d], Concatenate()(merged)),
        "activations": Sequential(
            [
                Dense(6, input_shape=(4,)),
                L.LeakyReLU(0.2),
                L.PReLU(),
                L.ELU(0.7),
                L.ReLU(max_value=1.0),
                Dense(5),
                L.Softmax(),
            ]
        ),
        "recurrent": Sequential(
            [
                L.LSTM(3, return_sequences=True, input_shape=(5, 2)),
                L.Bidirectional(GRU(2, return_sequences=True)),
                L.SimpleRNN(2, return_sequences=True),
                L.Bidirectional(L.LSTM(2), merge_mode="sum"),
            ]
        ),
        "reshaping": Sequential(
            [
                L.Reshape((2, 3), input_shape=(6,)),
                L.Permute((2, 1)),
                Flatten(),
                L.RepeatVector(2),
                L.Masking(0.0),
                GRU(2),
                L.AlphaDropout(0.2),
            ]
        ),
        "mlp": Sequential(
            [
                Dense(8, activation="relu", input_shape=(5,)),
                Dropout(0.5),
                Dense(3, activation="softmax"),
            ]
        ),
        "gru": Sequential(
            [
                GRU(
                    4, input_shape=(6, 3), return_sequences=True, dropout=0.2, recurrent_dropout=0.1
                ),
                GRU(3, reset_after=False),
                BatchNormalization(),
                Dense(2),
            ]
        ),
        "embedding": Sequential(
            [
                Embedding(10, 3, input_length=5, mask_zero=True),
                GRU(4, go_backwards=True),
                GaussianNoise(0.1),
                Dense(2),
            ]
        ),
        "time_distributed": Sequential(
            [
                TimeDistributed(Dense(3), input_shape=(4, 2)),
                SpatialDropout1D(0.2),
                Flatten(),
                Activation("tanh"),
                GaussianDropout(0.1),
            ]
        ),
        "functional": functional,
    }


def _inputs(model, rng):
    if isinstance(model.layers[0], Embedding):
        return rng.integers(0, 10, size=(3, 5)).astype("int32")
    xs = [rng.normal(size=(3, *t.shape[1:])).astype("float32") for t in model.inputs]
    return xs[0] if len(xs) == 1 else xs


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Each model trained one step and saved as .h5 and .keras, with its input and predictions."""
    folder = tmp_path_factory.mktemp("to_keras")
    rng = np.random.default_rng(0)
    files = {}
    for name, model in _models().items():
        model.compile("adam", "mse")
        x = _inputs(model, rng)
        model.train_on_batch(x, np.zeros_like(model.predict(x)))
        y = model.predict(x)
        xs = x if isinstance(x, list) else [x]
        np.savez(folder / f"{name}.npz", y=y, **{f"x{i}": v for i, v in enumerate(xs)})
        for ext in ("h5", "keras"):
            model.save(folder / f"{name}.{ext}")
        files[name] = (model, x, y)
    pairs = [
        (str(folder / f"{n}.{e}"), str(folder / f"{n}.npz")) for n in files for e in ("h5", "keras")
    ]
    return {"folder": folder, "files": files, "keras": _in_keras(pairs)}


@pytest.mark.parametrize("ext", ["h5", "keras"])
@pytest.mark.parametrize(
    "name",
    [
        "mlp",
        "gru",
        "embedding",
        "time_distributed",
        "functional",
        "merges",
        "activations",
        "reshaping",
        "recurrent",
    ],
)
def test_keras_opens_a_kerasque_file_and_predicts_the_same(saved, name, ext):
    result = saved["keras"][str(saved["folder"] / f"{name}.{ext}")]
    assert "error" not in result, result.get("error")
    assert result["diff"] < 1e-5
    assert result["optimizer"] == "Adam"


@pytest.mark.parametrize("ext", ["h5", "keras"])
def test_kerasque_reads_its_own_file_back_with_its_full_state(saved, ext):
    model, x, y = saved["files"]["gru"]
    loaded = load_model(saved["folder"] / f"gru.{ext}")
    np.testing.assert_allclose(loaded.predict(x), y, atol=1e-6)
    assert loaded.layers[0].seed == model.layers[0].seed  # the full 64-bit seed, not Keras's
    for a, b in zip(model.optimizer.get_weights(), loaded.optimizer.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_keras_archive_resumes_training_exactly(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 6, 3)).astype("float32")
    y = rng.normal(size=(8, 2)).astype("float32")

    def build():
        model = Sequential(
            [GRU(4, input_shape=(6, 3), dropout=0.3, seed=5), Dropout(0.4, seed=6), Dense(2)]
        )
        model.compile("adam", "mse")
        return model

    model = build()
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    model.save(tmp_path / "run.keras")
    model.fit(x, y, epochs=2, initial_epoch=1, batch_size=4, verbose=0)
    resumed = load_model(tmp_path / "run.keras")
    assert resumed.epoch == 1
    resumed.fit(x, y, epochs=2, initial_epoch=1, batch_size=4, verbose=0)
    for a, b in zip(model.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_layers_keras_lacks_still_save_and_keras_names_them(tmp_path):
    rng = np.random.default_rng(2)
    models = {
        "zoneout": Sequential(
            [
                ZoneOut(GRU(3, return_sequences=True), 0.1, input_shape=(5, 2)),
                DropConnect(GRU(2), 0.2),
            ]
        ),
        "test_scaling": Sequential([Dense(3, input_shape=(4,)), Dropout(0.5, scaling="test")]),
    }
    pairs = []
    for name, model in models.items():
        x = rng.normal(size=(2, *model.inputs[0].shape[1:])).astype("float32")
        y = model.predict(x)
        np.savez(tmp_path / f"{name}.npz", y=y, x0=x)
        for ext in ("h5", "keras"):
            model.save(tmp_path / f"{name}.{ext}")
            np.testing.assert_allclose(
                load_model(tmp_path / f"{name}.{ext}").predict(x), y, atol=1e-6
            )
            pairs.append((str(tmp_path / f"{name}.{ext}"), str(tmp_path / f"{name}.npz")))
    result = _in_keras(pairs)
    for ext in ("h5", "keras"):
        assert (
            "Could not locate class 'ZoneOut'" in result[str(tmp_path / f"zoneout.{ext}")]["error"]
        )
        assert "'scaling': 'test'" in result[str(tmp_path / f"test_scaling.{ext}")]["error"]


def test_a_seed_past_32_bits_is_written_in_keras_range(tmp_path):
    import h5py

    model = Sequential([Dense(2, input_shape=(3,)), Dropout(0.5, seed=6108736553004375415)])
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        keras_config = json.loads(f.attrs["model_config"])
    assert keras_config["config"]["layers"][-1]["config"]["seed"] == 6108736553004375415 % 2**31
    assert load_model(tmp_path / "m.h5").layers[-1].seed == 6108736553004375415
