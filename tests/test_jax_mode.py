"""The JAX mode (PyTensor's JAX linker): randomness, phase, scan, shapes, float64.

JAX is the default mode and a dependency, so the whole suite runs in it;
these tests pin what the JAX mode does differently from the others.
"""

import os
import subprocess
import sys

import jax
import numpy as np
import pytensor.tensor as pt

from kerasque import backend as K
from kerasque.layers import GRU, Dense, DropConnect, Dropout, Embedding
from kerasque.models import Sequential

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _dropout_model(seed=1):
    model = Sequential(
        [Dense(8, input_shape=(4,), kernel_initializer="ones"), Dropout(0.5, seed=seed)]
    )
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
    assert model.make_predict_function().random_nodes() == []
    assert isinstance(model.predict(x), np.ndarray)


def test_jax_mode_symbolic_phase_switch():
    x = pt.matrix("x")
    f = K.function([x, K.learning_phase()], Dropout(0.5, seed=2)(x), mode="JAX")
    data = np.ones((10, 20), "float32")
    np.testing.assert_array_equal(f(data, 0), data)
    assert not np.array_equal(f(data, 1), f(data, 1))


def test_jax_mode_trains_a_dropconnect_gru_and_compiles_one_graph_per_batch_shape():
    model = Sequential(
        [
            Embedding(11, 4, input_length=6),
            DropConnect(GRU(8, return_sequences=True), 0.3, weights=["recurrent_kernel"], seed=3),
            Dense(11, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", mode="JAX")
    rng = np.random.default_rng(0)
    x = rng.integers(0, 11, (10, 6)).astype("int32")
    y = rng.integers(0, 11, (10, 6)).astype("int32")
    history = model.fit(x, y, batch_size=4, epochs=3, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert history.history["loss"][-1] < history.history["loss"][0]
    # Batches of 4, 4 and 2: two specializations of one train function.
    assert model.make_train_function().specializations == 2
    a, b = model.predict(x, training=True), model.predict(x, training=True)
    assert not np.array_equal(a, b)


def test_jax_mode_graph_introspection_before_the_first_call_compiles_nothing():
    model = _dropout_model()
    train, predict = model.make_train_function(), model.make_predict_function()
    # The rewritten graph with the declared shapes, before any specialization.
    assert len(train.random_nodes()) == 1
    assert predict.random_nodes() == []
    assert train.specializations == 0 and predict.specializations == 0
    model.predict(np.ones((3, 4), "float32"))
    assert predict.random_nodes() == [] and predict.specializations == 1


def test_jax_mode_computes_float64_in_64_bits_without_changing_jax_globally():
    K.set_floatx("float64")
    x = pt.matrix("x")
    f = K.function([x], [x + 1e-12, pt.cast(x, "int64") + 2**40])
    K.set_floatx("float32")
    big, wide = f(np.zeros((2, 3)))
    assert big.dtype == np.float64 and np.all(big == 1e-12)  # not rounded to float32
    assert wide.dtype == np.int64 and np.all(wide == 2**40)  # not wrapped to int32
    assert not jax.config.jax_enable_x64
    # A float32 model compiled afterwards stays in float32.
    model = _dropout_model()
    model.train_on_batch(np.ones((6, 4)), np.zeros((6, 8)))
    assert model.predict(np.ones((6, 4))).dtype == np.float32
    assert all(w.dtype == np.float32 for w in model.get_weights())


_FLOAT64_FIRST = """
import jax, numpy as np
from kerasque import backend as K
from kerasque.layers import Dense
from kerasque.models import Sequential
K.set_floatx("float64")
model = Sequential([Dense(2, input_shape=(3,))])
model.compile("sgd", "mse", mode="JAX")
model.train_on_batch(np.ones((4, 3)), np.ones((4, 2)))
print(jax.config.jax_enable_x64)
"""


def test_a_float64_model_compiled_first_leaves_jax_in_32_bits():
    """PyTensor's JAX dispatch sets the x64 flag from floatX when first imported."""
    env = {
        **os.environ,
        "KERASQUE_JAX_CACHE": "0",
        "PYTHONPATH": os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])),
    }
    proc = subprocess.run(
        [sys.executable, "-c", _FLOAT64_FIRST],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split() == ["False"]
