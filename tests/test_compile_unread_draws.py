"""A draw that nothing reads does not advance its generator, and compiles in every mode.

Keras users write ``K.in_train_phase(K.dropout(x, 0.5), x)`` with the dropout
evaluated eagerly: in the test and predict graphs the mask is drawn but never
read. Compile drops that generator update (so the JAX export, which cannot
carry a state no computation produced, compiles) and keeps the draws that are
read.
"""

from __future__ import annotations

import numpy as np

from kerasque import backend as K
from kerasque.layers import Dense, Layer
from kerasque.models import Sequential
from kerasque.optimizers import SGD


class _EagerDropout(Layer):
    def call(self, x):
        return K.in_train_phase(K.dropout(x, 0.5), x)


def _model():
    model = Sequential([Dense(3, input_shape=(4,), kernel_initializer="ones"), _EagerDropout()])
    # A learning rate of 0: the weights never move, so losses differ only by their masks.
    model.compile(SGD(learning_rate=0.0), "mse")
    return model


def test_an_eager_dropout_in_a_keras_layer_predicts_deterministically():
    model = _model()
    x = np.ones((2, 4), "float32")
    first, second = model.predict(x), model.predict(x)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(first, np.full((2, 3), 4.0))


def test_the_same_layer_still_draws_fresh_masks_in_training():
    model = _model()
    train = model.make_train_function()
    x, y = np.ones((64, 4), "float32"), np.ones((64, 3), "float32")
    losses = [float(train(x, y)[0]) for _ in range(3)]
    assert len(set(losses)) == 3, "every training call should draw a new mask"
