"""K's activations, cross-entropies and batch normalization against NumPy."""

import numpy as np
import pytest

from kerasque import backend as K

RNG = np.random.default_rng(1)
X = (RNG.random((4, 5)).astype("float32") - 0.5) * 6


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def _relu(x, alpha=0.0, max_value=None, threshold=0.0):
    y = x * (x >= threshold)
    if max_value is not None:
        y = np.clip(y, 0.0, max_value)
    return y + alpha * (x - threshold) * (x < threshold)


ACTIVATIONS = [
    ("relu", {}, _relu),
    ("relu", {"alpha": 0.2, "max_value": 1.5, "threshold": 0.5}, lambda x: _relu(x, 0.2, 1.5, 0.5)),
    ("elu", {"alpha": 0.7}, lambda x: np.where(x > 0, x, 0.7 * (np.exp(x) - 1))),
    ("softmax", {}, _softmax),
    ("softmax", {"axis": 0}, lambda x: _softmax(x, 0)),
    ("softplus", {}, lambda x: np.log1p(np.exp(x))),
    ("softsign", {}, lambda x: x / (1 + np.abs(x))),
    ("sigmoid", {}, _sigmoid),
    ("hard_sigmoid", {}, lambda x: np.clip(0.2 * x + 0.5, 0, 1)),
    ("tanh", {}, np.tanh),
]


@pytest.mark.parametrize(
    "name, kwargs, reference", ACTIVATIONS, ids=[f"{a[0]}{a[1]}" for a in ACTIVATIONS]
)
def test_activations_match_numpy(name, kwargs, reference):
    out = K.eval(getattr(K, name)(K.variable(X), **kwargs))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, reference(X), rtol=1e-5, atol=1e-6)


def _cce(target, output):
    output = output / output.sum(-1, keepdims=True)
    return -(target * np.log(np.clip(output, 1e-7, 1 - 1e-7))).sum(-1)


def test_categorical_crossentropy_on_probabilities_and_on_logits():
    target = np.eye(5)[[0, 3, 1, 4]].astype("float32")
    probs = _softmax(X)
    out = K.eval(K.categorical_crossentropy(K.variable(target), K.variable(probs)))
    np.testing.assert_allclose(out, _cce(target, probs), rtol=1e-5)
    logits = K.eval(K.categorical_crossentropy(K.variable(target), K.variable(X), from_logits=True))
    np.testing.assert_allclose(logits, _cce(target, probs), rtol=1e-4)


def test_categorical_crossentropy_takes_the_class_axis():
    target = np.eye(4)[[0, 3, 1, 2, 2]].T.astype("float32")  # classes on axis 0
    probs = _softmax(X, axis=0)
    out = K.eval(K.categorical_crossentropy(K.variable(target), K.variable(probs), axis=0))
    np.testing.assert_allclose(out, _cce(target.T, probs.T), rtol=1e-5)
    with pytest.raises(ValueError, match="axis 3 is not an axis"):
        K.categorical_crossentropy(K.variable(target), K.variable(probs), axis=3)


def test_sparse_categorical_crossentropy_equals_the_one_hot_version():
    ids = np.array([0, 3, 1, 4])
    probs = _softmax(X)
    for target in (ids, ids[:, None]):
        out = K.eval(
            K.sparse_categorical_crossentropy(K.variable(target, dtype="int32"), K.variable(probs))
        )
        np.testing.assert_allclose(out, _cce(np.eye(5)[ids], probs), rtol=1e-5)
    logits = K.eval(
        K.sparse_categorical_crossentropy(
            K.variable(ids, dtype="int32"), K.variable(X), from_logits=True
        )
    )
    np.testing.assert_allclose(logits, _cce(np.eye(5)[ids], probs), rtol=1e-4)


def test_binary_crossentropy_is_elementwise_on_probabilities_and_logits():
    target = (RNG.random((4, 5)) > 0.5).astype("float32")
    p = np.clip(_sigmoid(X), 1e-7, 1 - 1e-7)
    ref = -(target * np.log(p) + (1 - target) * np.log(1 - p))
    out = K.eval(K.binary_crossentropy(K.variable(target), K.variable(_sigmoid(X))))
    np.testing.assert_allclose(out, ref, rtol=1e-4)
    logits = K.eval(K.binary_crossentropy(K.variable(target), K.variable(X), from_logits=True))
    np.testing.assert_allclose(logits, ref, rtol=1e-4)


def test_binary_crossentropy_from_logits_stays_finite_for_large_logits():
    out = K.eval(
        K.binary_crossentropy(K.variable([1.0, 0.0]), K.variable([-200.0, 200.0]), from_logits=True)
    )
    np.testing.assert_allclose(out, [200.0, 200.0], rtol=1e-6)


def test_batch_normalization_with_parameters_on_the_feature_axis():
    mean, var = X.mean(0), X.var(0)
    beta, gamma = RNG.random(5).astype("float32"), RNG.random(5).astype("float32")
    ref = (X - mean) / np.sqrt(var + 1e-3) * gamma + beta
    out = K.eval(
        K.batch_normalization(
            K.variable(X),
            K.variable(mean),
            K.variable(var),
            K.variable(beta),
            K.variable(gamma),
            epsilon=1e-3,
        )
    )
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)
    x3 = RNG.random((2, 3, 4)).astype("float32")
    m3 = x3.mean((0, 2))
    out = K.eval(
        K.batch_normalization(K.variable(x3), K.variable(m3), K.ones((3,)), None, None, axis=1)
    )
    np.testing.assert_allclose(out, (x3 - m3[None, :, None]) / np.sqrt(1 + 1e-3), rtol=1e-5)


def test_normalize_batch_in_training_returns_normed_mean_and_variance():
    x = RNG.random((6, 3, 4)).astype("float32")
    gamma, beta = RNG.random(4).astype("float32"), RNG.random(4).astype("float32")
    normed, mean, var = K.function(
        [],
        list(
            K.normalize_batch_in_training(
                K.variable(x), K.variable(gamma), K.variable(beta), [0, 1], epsilon=1e-3
            )
        ),
    )([])
    np.testing.assert_allclose(mean, x.mean((0, 1)), rtol=1e-5)
    np.testing.assert_allclose(var, x.var((0, 1)), rtol=1e-4)
    ref = (x - x.mean((0, 1))) / np.sqrt(x.var((0, 1)) + 1e-3) * gamma + beta
    np.testing.assert_allclose(normed, ref, rtol=1e-4, atol=1e-5)
