"""K's random functions: Keras's signatures, fresh numbers per call, and compile's checks."""

import numpy as np
import pytest

from kerasque import backend as K
from kerasque.engine import context
from kerasque.engine.compile import compile_function
from kerasque.layers import Dense, Dropout
from kerasque.models import Sequential
from kerasque.optimizers import SGD


def _two_calls(tensor):
    f = K.function([], [tensor])
    return f([])[0], f([])[0]


def test_random_uniform_has_keras_signature_range_and_fresh_numbers_per_call():
    a, b = _two_calls(K.random_uniform((100, 40), minval=-2.0, maxval=3.0, seed=1))
    assert a.shape == (100, 40) and a.dtype == np.float32
    assert a.min() >= -2 and a.max() <= 3 and abs(a.mean() - 0.5) < 0.05
    assert not np.array_equal(a, b)


def test_random_normal_has_the_asked_moments_and_dtype():
    a, b = _two_calls(K.random_normal((200, 50), mean=1.0, stddev=0.5, dtype="float64", seed=2))
    assert a.dtype == np.float64
    assert abs(a.mean() - 1.0) < 0.01 and abs(a.std() - 0.5) < 0.01
    assert not np.array_equal(a, b)


def test_random_binomial_draws_ones_with_probability_p():
    a, b = _two_calls(K.random_binomial((200, 50), p=0.3, seed=3))
    assert set(np.unique(a)) <= {0.0, 1.0}
    assert abs(a.mean() - 0.3) < 0.01
    assert not np.array_equal(a, b)
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\]"):
        K.random_binomial((2,), p=1.5)


def test_truncated_normal_stays_within_two_standard_deviations():
    a, _ = _two_calls(K.truncated_normal((20000,), mean=3.0, stddev=2.0, seed=4))
    assert a.min() >= 3.0 - 4.0 and a.max() <= 3.0 + 4.0
    # the standard deviation of N(0, 1) cut at +-2 is 0.8796
    assert abs(a.std() - 2.0 * 0.8796) < 0.03 and abs(a.mean() - 3.0) < 0.03


def test_the_same_seed_gives_the_same_first_numbers():
    a = K.eval(K.random_normal((5,), seed=11))
    b = K.eval(K.random_normal((5,), seed=11))
    c = K.eval(K.random_normal((5,), seed=12))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_a_random_shape_may_come_from_a_tensor():
    x = K.placeholder((None, 3))
    f = K.function([x], K.random_uniform(K.shape(x), seed=5))
    assert f(np.ones((4, 3))).shape == (4, 3)


def test_dropout_drops_a_fraction_and_scales_the_rest():
    x = K.placeholder((None, 100))
    f = K.function([x], K.dropout(x, 0.25, seed=6))
    a, b = f(np.ones((100, 100), "float32")), f(np.ones((100, 100), "float32"))
    assert set(np.unique(a)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((a == 0).mean() - 0.25) < 0.02
    assert not np.array_equal(a, b)


def test_dropout_shares_its_mask_along_axes_of_size_one_in_noise_shape():
    x = K.placeholder((None, 6, 50))
    f = K.function([x], K.dropout(x, 0.5, noise_shape=(None, 1, 50), seed=7))
    out = f(np.ones((4, 6, 50), "float32"))
    assert (out == out[:, :1]).all()
    assert 0 < (out == 0).mean() < 1


def test_dropout_refuses_a_level_outside_zero_to_one():
    with pytest.raises(ValueError, match=r"level must be a number in \[0, 1\), received 1"):
        K.dropout(K.placeholder((2,)), 1)


def test_a_layer_generator_still_selects_the_kerasque_signature():
    layer = Dropout(0.5, seed=1)
    layer.build((None, 3))
    rng = layer.add_rng(3)
    a, b = _two_calls(K.random_normal(rng, 0.0, 1.0, (3, 4)))
    assert a.shape == (3, 4) and not np.array_equal(a, b)
    mask, _ = _two_calls(K.random_bernoulli(rng, 0.5, (50,), dtype="int32"))
    assert mask.dtype == np.int32 and set(np.unique(mask)) <= {0, 1}
    u, _ = _two_calls(K.random_uniform(rng, 5.0, 6.0, (10,)))
    assert u.min() >= 5 and u.max() <= 6


def test_the_keras3_random_bernoulli_signature_works():
    a, _ = _two_calls(K.random_bernoulli((100, 10), p=0.8, seed=9))
    assert abs(a.mean() - 0.8) < 0.05


def test_a_draw_that_nothing_advances_is_refused_by_compile():
    with context.forward_pass("custom") as fp:
        noise = K.random_normal((3,), seed=1)
    with pytest.raises(
        ValueError, match=r"draws from generator 'random_normal_\d+/rng' but nothing advances it"
    ):
        compile_function([], [noise], [], draw_owner=fp.draw_owner)
    assert compile_function([], [noise], fp.all_updates(), draw_owner=fp.draw_owner) is not None


def test_a_custom_loss_that_draws_gets_fresh_numbers_every_batch():
    def noisy_mse(y_true, y_pred):
        return K.mean(K.square(y_pred - y_true)) + K.random_uniform((1,), 0.0, 1.0)[0]

    model = Sequential([Dense(2, input_shape=(3,), kernel_initializer="zeros")])
    model.compile(SGD(learning_rate=1e-9), noisy_mse)
    x, y = np.ones((4, 3), "float32"), np.zeros((4, 2), "float32")
    losses = [float(np.ravel(model.train_on_batch(x, y))[0]) for _ in range(3)]
    assert len(set(losses)) == 3  # the loss is the noise alone: a new draw each batch
    assert all(0 <= v <= 1 for v in losses)
