"""The default execution mode (NUMBA) on a small set: randomness, phase, training.

The rest of the suite runs in the cheaper-to-compile test mode (see
conftest.py); these tests make sure what users get by default works too.
"""

import numpy as np
import pytensor.tensor as pt
import pytest

from kerasque import backend as K
from kerasque.engine import modes
from kerasque.layers import Dense, Dropout
from kerasque.models import Sequential


@pytest.fixture
def numba_mode():
    K.set_mode(None)
    assert modes.resolve() == "NUMBA" or modes.resolve() == modes.resolve(None)
    K.set_mode("NUMBA")


def test_default_mode_is_numba_unless_the_environment_says_otherwise(monkeypatch):
    K.set_mode(None)
    monkeypatch.delenv("KERASQUE_MODE", raising=False)
    assert modes.resolve() == "NUMBA"
    monkeypatch.setenv("KERASQUE_MODE", "c")
    assert modes.resolve() == "C"
    assert modes.resolve("fast_compile") == "FAST_COMPILE"


def test_numba_mode_trains_with_fresh_masks_and_predicts_deterministically(numba_mode):
    model = Sequential([Dense(32, activation="relu", input_shape=(5,)), Dropout(0.5, seed=1),
                        Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).normal(size=(64, 5)).astype("float32")
    y = (x[:, 0] > 0).astype(int)
    h = model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    assert h.history["loss"][-1] < h.history["loss"][0]
    assert model._function("predict").random_nodes() == []
    np.testing.assert_array_equal(model.predict(x), model.predict(x))
    a, b = model.predict(x, training=True), model.predict(x, training=True)
    assert not np.array_equal(a, b)


def test_numba_mode_symbolic_phase_switch(numba_mode):
    x = pt.matrix("x")
    f = K.function([x, K.learning_phase()], Dropout(0.5, seed=2)(x))
    data = np.ones((10, 20), "float32")
    np.testing.assert_array_equal(f(data, 0), data)
    assert not np.array_equal(f(data, 1), f(data, 1))
