"""Keras 2.2.4's metrics: per-sample values, 'acc' resolution, log names, lookup."""

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from kerasque import losses, metrics
from kerasque.layers import Dense
from kerasque.models import Sequential


def _eval(fn, y_true, y_pred, **kwargs):
    yt = pt.tensor("yt", dtype=str(np.asarray(y_true).dtype), shape=(None,) * np.ndim(y_true))
    yp = pt.tensor("yp", dtype="float32", shape=(None,) * np.ndim(y_pred))
    f = pytensor.function([yt, yp], fn(yt, yp, **kwargs), mode="FAST_COMPILE")
    return f(y_true, np.asarray(y_pred, dtype="float32"))


SCORES = np.array(
    [
        [0.1, 0.5, 0.3, 0.1],
        [0.4, 0.1, 0.4, 0.1],  # a tie between classes 0 and 2
        [0.0, 0.2, 0.3, 0.5],
    ]
)
IDS = np.array([1, 2, 1], dtype="int32")


def test_accuracies_give_one_hit_or_miss_per_sample():
    onehot = np.eye(4, dtype="float32")[IDS]
    np.testing.assert_array_equal(_eval(metrics.categorical_accuracy, onehot, SCORES), [1, 0, 0])
    np.testing.assert_array_equal(
        _eval(metrics.sparse_categorical_accuracy, IDS, SCORES), [1, 0, 0]
    )
    np.testing.assert_array_equal(
        _eval(metrics.sparse_categorical_accuracy, IDS[:, None], SCORES), [1, 0, 0]
    )
    y = np.array([[1.0, 0.0], [0.0, 0.0]], dtype="float32")
    p = np.array([[0.7, 0.2], [0.6, 0.4]])
    np.testing.assert_array_equal(_eval(metrics.binary_accuracy, y, p), [1.0, 0.5])


def test_top_k_counts_ties_as_in_the_top_k_like_keras2():
    onehot = np.eye(4, dtype="float32")[IDS]
    # k=2: sample 0 (class 1 is first) in; sample 1 (class 2 ties for first) in;
    # sample 2 (class 1 is third) out. Keras 2.2.4 averages over the last axis of
    # the hits, which for (batch, classes) outputs is the batch.
    assert _eval(metrics.top_k_categorical_accuracy, onehot, SCORES, k=2) == pytest.approx(2 / 3)
    assert _eval(metrics.sparse_top_k_categorical_accuracy, IDS, SCORES, k=3) == 1.0
    assert _eval(
        metrics.sparse_top_k_categorical_accuracy, IDS[:, None], SCORES, k=1
    ) == pytest.approx(2 / 3)
    # Keras 2.2.4's own case: k=3 all in, k=2 half, k=1 none.
    y_pred = np.array([[0.3, 0.2, 0.1], [0.1, 0.2, 0.7]])
    y_true = np.array([[0.0, 1, 0], [1, 0, 0]], dtype="float32")
    got = [float(_eval(metrics.top_k_categorical_accuracy, y_true, y_pred, k=k)) for k in (3, 2, 1)]
    assert got == [1.0, 0.5, 0.0]
    with pytest.raises(ValueError, match=r"k must be a positive integer, received 0"):
        metrics.top_k_categorical_accuracy(pt.matrix(), pt.matrix(), k=0)


def test_top_k_on_sequences_gives_one_value_per_sample():
    ids = np.array([[0, 1], [1, 1]], dtype="int32")
    scores = np.array([[[0.9, 0.1], [0.8, 0.2]], [[0.3, 0.7], [0.6, 0.4]]])
    got = _eval(metrics.sparse_top_k_categorical_accuracy, ids, scores, k=1)
    np.testing.assert_array_equal(got, [0.5, 0.5])


def test_sequence_accuracy_is_per_sample_and_step():
    ids = np.array([[0, 1], [1, 1]], dtype="int32")
    scores = np.array([[[0.9, 0.1], [0.8, 0.2]], [[0.3, 0.7], [0.6, 0.4]]])
    got = _eval(metrics.sparse_categorical_accuracy, ids, scores)
    np.testing.assert_array_equal(got, [[1, 0], [1, 0]])


@pytest.mark.parametrize(
    "loss,shape,expected",
    [
        (losses.categorical_crossentropy, (None, 3), metrics.categorical_accuracy),
        (losses.sparse_categorical_crossentropy, (None, 3), metrics.sparse_categorical_accuracy),
        (losses.binary_crossentropy, (None, 3), metrics.binary_accuracy),
        (losses.mean_squared_error, (None, 1), metrics.binary_accuracy),
        (
            losses.get(losses.SparseCategoricalCrossentropy()),
            (None, 5, 3),
            metrics.sparse_categorical_accuracy,
        ),
    ],
)
def test_accuracy_is_picked_from_the_loss_and_output_width_as_keras2(loss, shape, expected):
    assert metrics.resolve("acc", loss, shape) == ("acc", expected)
    assert metrics.resolve("accuracy", loss, shape) == ("accuracy", expected)


def test_log_names_follow_what_the_user_passed():
    def my_metric(y_true, y_pred):
        return pt.mean(y_pred, axis=-1)

    assert metrics.resolve("mae", losses.mse, (None, 1)) == ("mae", losses.mean_absolute_error)
    assert metrics.resolve(my_metric, losses.mse, (None, 1)) == ("my_metric", my_metric)
    assert (
        metrics.resolve(metrics.top_k_categorical_accuracy, losses.mse, (None, 4))[0]
        == "top_k_categorical_accuracy"
    )
    assert metrics.resolve("ce", losses.categorical_crossentropy, (None, 3)) == (
        "ce",
        losses.categorical_crossentropy,
    )


def test_every_loss_is_a_metric_and_lookup_round_trips():
    for name, fn in losses.LOSSES.items():
        assert metrics.get(name) is fn
    assert metrics.serialize(metrics.binary_accuracy) == "binary_accuracy"
    assert (
        metrics.deserialize("sparse_top_k_categorical_accuracy")
        is metrics.sparse_top_k_categorical_accuracy
    )
    assert metrics.mae is losses.mean_absolute_error
    with pytest.raises(ValueError, match=r"Unknown metric 'acuracy'. Did you mean 'accuracy'\?"):
        metrics.get("acuracy")
    # A TypeError that is also the ValueError Keras 2's tests expect.
    with pytest.raises(TypeError, match=r"A metric must be a name or a function"):
        metrics.get(1.5)
    with pytest.raises(ValueError):
        metrics.get(5)


def test_fit_logs_acc_as_acc_and_the_mean_of_per_sample_hits():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(10, 3)).astype("float32")
    y = rng.integers(0, 3, size=10)
    model = Sequential([Dense(3, activation="softmax", input_shape=(3,))])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["acc"])
    loss, acc = model.evaluate(x, y, batch_size=10)
    p = model.predict(x)
    assert model.metrics_names == ["loss", "acc"]
    assert acc == pytest.approx(np.mean(p.argmax(-1) == y))
    assert loss == pytest.approx(-np.log(p[np.arange(10), y]).mean(), rel=1e-5)
