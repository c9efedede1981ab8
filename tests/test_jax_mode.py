"""The JAX mode (PyTensor's JAX linker): randomness, phase, scan, shapes.

Skipped where jax is not installed (the dev venv); run it from the benchmark
venv: ``.venv-bench/bin/python -m pytest -q -p no:cacheprovider tests/test_jax_mode.py``.
"""

import numpy as np
import pytensor.tensor as pt
import pytest

pytest.importorskip("jax")

from kerasque import backend as K
from kerasque.layers import GRU, Dense, DropConnect, Dropout, Embedding
from kerasque.models import Sequential


def _dropout_model(seed=1):
    model = Sequential([Dense(8, input_shape=(4,), kernel_initializer="ones"),
                        Dropout(0.5, seed=seed)])
    model.compile("sgd", "mse", mode="JAX")
    return model


def _mask(model, x):
    return model.predict(x, training=True) != 0


def test_jax_mode_advances_the_layer_generator_shared_by_train_and_mc_predict():
    x = np.ones((6, 4), "float32")
    a, b = _dropout_model(), _dropout_model()
    rng = b.layers[1].rng
    before = rng.get_value().bit_generator.state["state"]["state"]
    first_a, second_a = _mask(a, x), _mask(a, x)
    first_b = _mask(b, x)
    np.testing.assert_array_equal(first_a, first_b)  # same seed, same stream
    assert not np.array_equal(first_a, second_a)
    b.train_on_batch(x, np.zeros((6, 8), "float32"))
    after = rng.get_value().bit_generator.state["state"]["state"]
    assert after != before
    # The training call consumed the second draw, so the predictor continues
    # with the third instead of replaying the second from a private copy.
    assert not np.array_equal(_mask(b, x), second_a)


def test_jax_mode_predicts_deterministically_without_random_nodes():
    model = _dropout_model()
    x = np.ones((5, 4), "float32")
    np.testing.assert_array_equal(model.predict(x), model.predict(x))
    assert model._function("predict").random_nodes() == []
    assert isinstance(model.predict(x), np.ndarray)


def test_jax_mode_symbolic_phase_switch():
    x = pt.matrix("x")
    f = K.function([x, K.learning_phase()], Dropout(0.5, seed=2)(x), mode="JAX")
    data = np.ones((10, 20), "float32")
    np.testing.assert_array_equal(f(data, 0), data)
    assert not np.array_equal(f(data, 1), f(data, 1))


def test_jax_mode_trains_a_dropconnect_gru_and_compiles_one_graph_per_batch_shape():
    model = Sequential([
        Embedding(11, 4, input_length=6),
        DropConnect(GRU(8, return_sequences=True), 0.3, weights=["recurrent_kernel"], seed=3),
        Dense(11, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy", mode="JAX")
    rng = np.random.default_rng(0)
    x = rng.integers(0, 11, (10, 6)).astype("int32")
    y = rng.integers(0, 11, (10, 6)).astype("int32")
    history = model.fit(x, y, batch_size=4, epochs=3, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert history.history["loss"][-1] < history.history["loss"][0]
    # Batches of 4, 4 and 2: two specializations of one train function.
    assert len(model._function("train").fn._specs) == 2
    a, b = model.predict(x, training=True), model.predict(x, training=True)
    assert not np.array_equal(a, b)
