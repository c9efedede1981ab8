"""The default mode, and the 'C' and 'NUMBA' modes on a small set.

The rest of the suite runs in the default mode, 'JAX' (see conftest.py).
These tests make sure the other compiled modes keep what matters most:
fresh masks in training and none at inference, the symbolic phase switch, a
scan model with a weight-drop mask, and the refusal of a frozen generator.
Both modes compile slowly from a cold cache (tens of seconds a graph), so the
models are tiny and each mode compiles four graphs.
"""

import sys

import numpy as np
import pytensor.tensor as pt
import pytest
from test_compile_checks import FrozenNoise  # the deliberately broken layer

from kerasque import backend as K
from kerasque.engine import modes
from kerasque.layers import GRU, Dense, DropConnect, Dropout
from kerasque.models import Sequential
from kerasque.optimizers import SGD, Adam

COMPILED_MODES = ["C", "NUMBA"]


def test_default_mode_is_jax_and_numba_where_jax_does_not_import(monkeypatch):
    K.set_mode(None)
    monkeypatch.delenv("KERASQUE_MODE", raising=False)
    assert modes.resolve() == "JAX"
    monkeypatch.setitem(sys.modules, "jax", None)  # `import jax` raises ImportError
    assert modes.resolve() == "NUMBA"
    with pytest.raises(ValueError, match="Mode 'JAX' needs the jax package"):
        modes.resolve("JAX")


def test_an_explicit_mode_beats_set_mode_which_beats_the_environment(monkeypatch):
    K.set_mode(None)
    monkeypatch.setenv("KERASQUE_MODE", "c")
    assert modes.resolve() == "C"
    K.set_mode("numba")
    assert modes.resolve() == "NUMBA"
    assert modes.resolve("fast_compile") == "FAST_COMPILE"


@pytest.mark.parametrize("mode", COMPILED_MODES)
def test_training_draws_fresh_masks_and_prediction_has_no_random_node(mode):
    model = Sequential([Dense(8, input_shape=(4,)), Dropout(0.5, seed=1)])
    # A step far below float32's resolution: the weights stay put.
    model.compile(SGD(learning_rate=1e-20), "mse", mode=mode)
    x = np.random.default_rng(0).normal(size=(6, 4)).astype("float32")
    losses = [model.train_on_batch(x, np.zeros((6, 8), "float32")) for _ in range(3)]
    # Same weights, same data: the losses differ only through the masks.
    assert len(set(losses)) == 3
    assert len(model.make_train_function().random_nodes()) == 1
    assert model.make_predict_function().random_nodes() == []
    kernel, bias = model.layers[0].get_weights()
    np.testing.assert_allclose(model.predict(x), x @ kernel + bias, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode", COMPILED_MODES)
def test_symbolic_phase_switches_between_fresh_masks_and_the_identity(mode):
    x = pt.matrix("x")
    f = K.function([x, K.learning_phase()], Dropout(0.5, seed=2)(x), mode=mode)
    data = np.ones((10, 20), "float32")
    np.testing.assert_array_equal(f(data, 0), data)
    assert not np.array_equal(f(data, 1), f(data, 1))


@pytest.mark.parametrize("mode", COMPILED_MODES)
def test_a_gru_with_dropconnect_trains(mode):
    model = Sequential(
        [
            DropConnect(GRU(4, input_shape=(5, 2)), 0.3, weights=["recurrent_kernel"], seed=3),
            Dense(1),
        ]
    )
    model.compile(Adam(learning_rate=0.05), "mse", mode=mode)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 5, 2)).astype("float32")
    y = x.sum(axis=(1, 2))[:, None] / 4
    history = model.fit(x, y, batch_size=8, epochs=8, verbose=0)
    loss = history.history["loss"]
    assert np.all(np.isfinite(loss)) and loss[-1] < loss[0]


@pytest.mark.parametrize("mode", COMPILED_MODES)
def test_a_frozen_generator_is_refused(mode):
    model = Sequential([Dense(3, input_shape=(2,)), FrozenNoise(name="frozen")])
    model.compile("sgd", "mse", mode=mode)
    message = "layer 'frozen' draws from generator 'frozen/rng0' but nothing advances it"
    with pytest.raises(ValueError, match=message):
        model.train_on_batch(np.ones((2, 2)), np.ones((2, 3)))
