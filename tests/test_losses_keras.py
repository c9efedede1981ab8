"""Every Keras 2.2.4 loss by name, alias and function: one value per sample, checked in NumPy."""

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from kerasque import losses
from kerasque.layers import Dense
from kerasque.models import Sequential

EPS = 1e-7
RNG = np.random.default_rng(0)
# Two samples of four features, targets and predictions in (0, 1).
Y_TRUE = RNG.uniform(0.05, 0.95, size=(2, 4))
Y_PRED = RNG.uniform(0.05, 0.95, size=(2, 4))
ONEHOT = np.eye(4)[[1, 3]]
PROBS = Y_PRED / Y_PRED.sum(-1, keepdims=True)
SIGNS = np.array([[1.0, -1, 1, -1], [-1, -1, 1, 1]])


def _eval(fn, y_true, y_pred, **kwargs):
    yt = pt.tensor("yt", dtype=str(np.asarray(y_true).dtype), shape=(None,) * np.ndim(y_true))
    yp = pt.tensor("yp", dtype="float64", shape=(None,) * np.ndim(y_pred))
    f = pytensor.function([yt, yp], fn(yt, yp, **kwargs), mode="FAST_COMPILE")
    return f(y_true, y_pred)


def _log_softmax(z):
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def _logcosh(x):
    return np.log(np.cosh(x))


# name -> (y_true, y_pred, NumPy reference per sample)
CASES = {
    "mean_squared_error": (Y_TRUE, Y_PRED, lambda t, p: ((p - t) ** 2).mean(-1)),
    "mean_absolute_error": (Y_TRUE, Y_PRED, lambda t, p: np.abs(p - t).mean(-1)),
    "mean_absolute_percentage_error": (
        Y_TRUE,
        Y_PRED,
        lambda t, p: 100 * (np.abs(t - p) / np.abs(t)).mean(-1),
    ),
    "mean_squared_logarithmic_error": (
        Y_TRUE,
        Y_PRED,
        lambda t, p: ((np.log(p + 1) - np.log(t + 1)) ** 2).mean(-1),
    ),
    "squared_hinge": (SIGNS, Y_PRED - 0.5, lambda t, p: (np.maximum(1 - t * p, 0) ** 2).mean(-1)),
    "hinge": (SIGNS, Y_PRED - 0.5, lambda t, p: np.maximum(1 - t * p, 0).mean(-1)),
    "categorical_hinge": (
        ONEHOT,
        Y_PRED,
        lambda t, p: np.maximum(0, ((1 - t) * p).max(-1) - (t * p).sum(-1) + 1),
    ),
    "logcosh": (Y_TRUE, Y_PRED * 5, lambda t, p: _logcosh(p - t).mean(-1)),
    "categorical_crossentropy": (ONEHOT, PROBS, lambda t, p: -(t * np.log(p)).sum(-1)),
    "binary_crossentropy": (
        Y_TRUE,
        Y_PRED,
        lambda t, p: -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean(-1),
    ),
    "kullback_leibler_divergence": (PROBS[::-1], PROBS, lambda t, p: (t * np.log(t / p)).sum(-1)),
    "poisson": (Y_TRUE, Y_PRED, lambda t, p: (p - t * np.log(p + EPS)).mean(-1)),
    "cosine_proximity": (
        Y_TRUE,
        Y_PRED,
        lambda t, p: -(t * p).sum(-1) / np.linalg.norm(t, axis=-1) / np.linalg.norm(p, axis=-1),
    ),
}

ALIASES = {
    "mse": "mean_squared_error",
    "MSE": "mean_squared_error",
    "mae": "mean_absolute_error",
    "MAE": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error",
    "MAPE": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error",
    "MSLE": "mean_squared_logarithmic_error",
    "kld": "kullback_leibler_divergence",
    "KLD": "kullback_leibler_divergence",
    "cosine": "cosine_proximity",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_loss_gives_one_value_per_sample_matching_numpy(name):
    y_true, y_pred, reference = CASES[name]
    fn = losses.get(name)
    assert fn is getattr(losses, name)
    got = _eval(fn, y_true, y_pred)
    assert got.shape == (2,)
    np.testing.assert_allclose(got, reference(y_true, y_pred), rtol=1e-6)


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_keras_aliases_name_the_same_function(alias):
    assert losses.get(alias) is losses.get(ALIASES[alias])


def test_sequence_outputs_give_one_value_per_sample_and_step():
    y_true = RNG.uniform(size=(2, 3, 4))
    y_pred = RNG.uniform(size=(2, 3, 4))
    got = _eval(losses.mean_squared_error, y_true, y_pred)
    assert got.shape == (2, 3)
    np.testing.assert_allclose(got, ((y_pred - y_true) ** 2).mean(-1))


def test_sparse_categorical_crossentropy_takes_ids_per_sample_and_per_step():
    ids = np.array([[1, 3, 0], [2, 2, 1]], dtype="int32")
    probs = RNG.uniform(0.1, 1, size=(2, 3, 4))
    probs /= probs.sum(-1, keepdims=True)
    got = _eval(losses.sparse_categorical_crossentropy, ids, probs)
    expected = -np.log(np.take_along_axis(probs, ids[..., None], -1)[..., 0])
    assert got.shape == (2, 3)
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    # A trailing axis of one, as Keras 2 users often pass (batch, 1) labels.
    flat = _eval(losses.sparse_categorical_crossentropy, ids[:, :1], probs[:, 0])
    np.testing.assert_allclose(flat, expected[:, 0], rtol=1e-6)
    assert losses.TARGETS.get(losses.sparse_categorical_crossentropy) == "sparse"


def test_crossentropy_rescales_probabilities_and_clips_like_keras():
    unnormalized = PROBS * 3.0
    np.testing.assert_allclose(
        _eval(losses.categorical_crossentropy, ONEHOT, unnormalized),
        -(ONEHOT * np.log(PROBS)).sum(-1),
        rtol=1e-6,
    )
    # Certain and wrong: each entry costs -log(epsilon), not infinity.
    wrong = _eval(losses.binary_crossentropy, np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]))
    assert wrong[0] == pytest.approx(-np.log(EPS), rel=1e-5)


def test_from_logits_matches_softmax_and_sigmoid_of_the_logits():
    z = RNG.normal(size=(2, 4)) * 3
    np.testing.assert_allclose(
        _eval(losses.categorical_crossentropy, ONEHOT, z, from_logits=True),
        -(ONEHOT * _log_softmax(z)).sum(-1),
        rtol=1e-6,
    )
    sig = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(
        _eval(losses.binary_crossentropy, Y_TRUE, z, from_logits=True),
        -(Y_TRUE * np.log(sig) + (1 - Y_TRUE) * np.log(1 - sig)).mean(-1),
        rtol=1e-6,
    )


def test_keras3_loss_classes_reduce_and_give_per_sample_functions():
    loss = losses.CategoricalCrossentropy(from_logits=True)
    z = RNG.normal(size=(2, 4))
    per_sample = -(ONEHOT * _log_softmax(z)).sum(-1)
    np.testing.assert_allclose(_eval(losses.get(loss), ONEHOT, z), per_sample, rtol=1e-6)
    np.testing.assert_allclose(_eval(loss, ONEHOT, z), per_sample.mean(), rtol=1e-6)
    summed = losses.MeanSquaredError(reduction="sum")
    np.testing.assert_allclose(
        _eval(summed, Y_TRUE, Y_PRED), ((Y_PRED - Y_TRUE) ** 2).mean(-1).sum()
    )
    assert losses.TARGETS.get(losses.get(losses.SparseCategoricalCrossentropy())) == "sparse"
    with pytest.raises(
        TypeError,
        match=r"MeanSquaredError got an unexpected keyword argument "
        r"'from_logits'",
    ):
        losses.MeanSquaredError(from_logits=True)


def test_serialize_and_deserialize_round_trip_names_and_loss_objects():
    assert losses.serialize(losses.mse) == "mean_squared_error"
    assert losses.deserialize("MAE") is losses.mean_absolute_error
    config = losses.serialize(losses.BinaryCrossentropy(from_logits=True))
    assert config["class_name"] == "BinaryCrossentropy"
    again = losses.deserialize(config)
    assert isinstance(again, losses.BinaryCrossentropy) and again.fn_kwargs["from_logits"]
    # Saved by name, a loss object with non-default settings names its class, never
    # the bare function (which would drop from_logits on reload).
    assert (
        losses.name_of(losses.get(losses.BinaryCrossentropy(from_logits=True)))
        == "BinaryCrossentropy"
    )
    assert losses.name_of(losses.get(losses.BinaryCrossentropy())) == "binary_crossentropy"
    assert losses.get(None) is None


def test_unknown_loss_names_suggest_the_close_one():
    with pytest.raises(ValueError, match=r"Unknown loss 'hinje'. Did you mean 'hinge'\?"):
        losses.get("hinje")
    with pytest.raises(TypeError, match=r"A loss must be a name, a function"):
        losses.get(3)
    with pytest.raises(ValueError):  # what Keras 2 raised
        losses.get(3)


class MseMae:
    """Keras 2.2.4's test loss class with settings (losses_test.MSE_MAE_loss)."""

    def __init__(self, mse_fraction):
        self.mse_fraction = mse_fraction

    def __call__(self, y_true, y_pred):
        return self.mse_fraction * losses.mse(y_true, y_pred) + (
            1 - self.mse_fraction
        ) * losses.mae(y_true, y_pred)

    def get_config(self):
        return {"mse_fraction": self.mse_fraction}


def test_a_users_loss_class_with_settings_serializes_by_its_config():
    config = losses.serialize(MseMae(0.3))
    assert config == {"class_name": "MseMae", "config": {"mse_fraction": 0.3}}
    again = losses.deserialize(config, custom_objects={"MseMae": MseMae})
    assert isinstance(again, MseMae) and again.mse_fraction == 0.3
    with pytest.raises(ValueError, match=r"Unknown loss class 'MseMae'"):
        losses.deserialize(config)


def test_a_model_trains_on_every_named_loss_with_the_batch_mean():
    x = RNG.uniform(size=(6, 3)).astype("float32")
    y = np.eye(2, dtype="float32")[[0, 1, 1, 0, 1, 0]]
    model = Sequential([Dense(2, activation="softmax", input_shape=(3,))])
    model.compile("sgd", "hinge")
    loss = model.evaluate(x, y * 2 - 1, batch_size=6)
    p = model.predict(x)
    expected = np.maximum(1 - (y * 2 - 1) * p, 0).mean(-1).mean()
    assert loss == pytest.approx(expected, rel=1e-5)
