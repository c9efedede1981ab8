"""Keras 2's ``model.add_loss(K.mean(out))``: losses on a model's own tensors."""

import numpy as np
import pytest

from kerasque import backend as K
from kerasque.layers import Dense, Dropout, Input
from kerasque.models import Model, clone_model

RNG = np.random.default_rng(3)
X = RNG.random((6, 4)).astype("float32")


def _model():
    x = Input(shape=(4,))
    hidden = Dense(3, name="hidden")(x)
    model = Model(x, Dense(2)(hidden))
    return model, hidden


def test_the_term_joins_the_objective_and_the_losses_list():
    model, hidden = _model()
    model.add_loss(K.mean(K.square(hidden)))
    model.add_loss(0.5)
    assert len(model.losses) == 2 and model.losses[-1].shape == ()
    model.compile("sgd", "mse")
    y = np.zeros((6, 2), "float32")
    h = Model(model.inputs, model.get_layer("hidden").output).predict(X, verbose=0)
    want = np.mean(model.predict(X, verbose=0) ** 2) + np.mean(h**2) + 0.5
    np.testing.assert_allclose(model.evaluate(X, y, verbose=0), want, rtol=1e-5)


def test_the_term_sees_the_same_forward_pass_as_the_outputs():
    # mae(out, 0) = mean(out) for out >= 0; the term takes it back off: the
    # total is 0 only when both read the same dropout mask.
    x = Input(shape=(50,))
    out = Dropout(0.5)(Dense(50, kernel_initializer="identity", trainable=False)(x))
    model = Model(x, out)
    minus_mean = K.constant(-np.ones((50, 1)) / 50)
    model.add_loss(K.mean(K.dot(out, minus_mean)))
    model.compile("sgd", "mae")
    data = np.abs(RNG.random((8, 50))).astype("float32") + 0.1
    for _ in range(3):
        assert abs(model.train_on_batch(data, np.zeros_like(data))) < 1e-5


def test_a_nested_model_brings_its_term_into_the_outer_objective():
    inner, hidden = _model()
    inner.add_loss(K.mean(K.square(hidden)))
    x = Input(shape=(4,))
    outer = Model(x, inner(x))
    outer.compile("sgd", "mse")
    y = np.zeros((6, 2), "float32")
    h = Model(inner.inputs, inner.get_layer("hidden").output).predict(X, verbose=0)
    want = np.mean(outer.predict(X, verbose=0) ** 2) + np.mean(h**2)
    np.testing.assert_allclose(outer.evaluate(X, y, verbose=0), want, rtol=1e-5)


def test_a_tensor_of_another_input_or_a_layer_is_refused():
    model, _ = _model()
    other = Input(shape=(4,))
    with pytest.raises(ValueError, match="not among the model's inputs"):
        model.add_loss(K.mean(Dense(1)(other)))
    with pytest.raises(TypeError, match="only a Model takes a loss on its own tensors"):
        Dense(2).add_loss(K.mean(other))


def test_a_config_says_that_it_drops_the_terms():
    model, hidden = _model()
    model.add_loss(K.mean(hidden))
    with pytest.warns(UserWarning, match="does not hold the 1 loss term"):
        rebuilt = Model.from_config(model.get_config())
    assert rebuilt.losses == []
    with pytest.warns(UserWarning, match="does not hold the 1 loss term"):
        assert clone_model(model).losses == []
