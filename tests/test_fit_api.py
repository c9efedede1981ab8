"""fit, evaluate and the one-batch calls as Keras has them: weights, dicts, validation, errors."""

import numpy as np
import pytensor.tensor as pt
import pytest

from kerasque import callbacks
from kerasque.engine.feeds import batch_shuffle
from kerasque.layers import Add, Dense, Input
from kerasque.models import Model, Sequential, load_model
from kerasque.optimizers import SGD
from kerasque.utils import set_random_seed


def per_sample_mse(y_true, y_pred):
    return pt.mean(pt.sqr(y_pred - y_true), axis=-1)


def per_sample_xent(y_true, y_pred):
    p = pt.clip(y_pred, 1e-7, 1 - 1e-7)
    return -pt.sum(y_true * pt.log(p), axis=-1)


def _classifier(loss=per_sample_xent):
    model = Sequential([Dense(3, activation="softmax", input_shape=(4,))])
    model.compile(SGD(0.1), loss)
    return model


def _data(n=12):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(n, 4)).astype("float32")
    labels = rng.integers(0, 3, size=n)
    return x, np.eye(3, dtype="float32")[labels], labels


def test_class_weighted_loss_is_the_keras_weighted_mean_computed_in_numpy():
    x, y, labels = _data()
    model = _classifier()
    class_weight = {0: 1.0, 1: 3.0, 2: 0.5}
    p = np.clip(model.predict(x), 1e-7, 1 - 1e-7)
    xent = -np.sum(y * np.log(p), axis=-1)
    w = np.array([class_weight[c] for c in labels])
    loss = model.train_on_batch(x, y, class_weight=class_weight)  # the loss before the step
    np.testing.assert_allclose(loss, np.mean(xent * w) / np.mean(w != 0), rtol=1e-5)


def test_sample_weights_in_evaluate_and_test_on_batch_with_zero_weights_renormalized():
    x, y, _ = _data()
    model = _classifier()
    w = np.array([0, 2, 1, 0, 1, 1, 3, 0, 1, 1, 2, 0], dtype="float32")
    p = np.clip(model.predict(x), 1e-7, 1 - 1e-7)
    expected = np.mean(-np.sum(y * np.log(p), axis=-1) * w) / np.mean(w != 0)
    np.testing.assert_allclose(
        model.evaluate(x, y, sample_weight=w, batch_size=12), expected, rtol=1e-5
    )
    np.testing.assert_allclose(model.test_on_batch(x, y, sample_weight=w), expected, rtol=1e-5)
    # Without weights the plain mean, from the unweighted function.
    np.testing.assert_allclose(
        model.evaluate(x, y, batch_size=12), np.mean(-np.sum(y * np.log(p), axis=-1)), rtol=1e-5
    )


def test_sample_weight_wins_over_class_weight_as_in_keras_2():
    x, y, _ = _data()
    model = _classifier()
    w = np.linspace(0.5, 2.0, len(x)).astype("float32")
    a = model.evaluate(x, y, sample_weight=w, batch_size=12)
    model2 = _classifier()
    model2.set_weights(model.get_weights())
    b = model2.test_on_batch(x, y, sample_weight=w)
    np.testing.assert_allclose(a, b, rtol=1e-6)


def test_temporal_sample_weights_weight_each_step():
    x = Input(shape=(5, 2))
    model = Model(x, Dense(1)(x))  # Dense on the last axis: (batch, 5, 1)
    model.compile("sgd", per_sample_mse, sample_weight_mode="temporal")
    rng = np.random.default_rng(2)
    data, target = rng.normal(size=(6, 5, 2)).astype("float32"), rng.normal(size=(6, 5, 1))
    w = rng.integers(0, 3, size=(6, 5)).astype("float32")
    err = np.mean((model.predict(data) - target) ** 2, axis=-1)  # (6, 5)
    expected = np.mean(err * w) / np.mean(w != 0)
    np.testing.assert_allclose(
        model.evaluate(data, target, sample_weight=w, batch_size=6), expected, rtol=1e-5
    )
    with pytest.raises(
        ValueError, match=r"sample_weight \(output 'dense_\d+'\) must have shape \(samples, steps\)"
    ):
        model.evaluate(data, target, sample_weight=np.ones(6))


def test_per_sample_weights_of_the_wrong_shape_suggest_temporal_mode():
    x, y, _ = _data()
    with pytest.raises(
        ValueError,
        match=r"must have shape \(samples,\).*received shape \(12, "
        r"2\).*sample_weight_mode='temporal'",
    ):
        _classifier().fit(x, y, sample_weight=np.ones((12, 2)), verbose=0)


def test_class_weight_missing_a_class_in_the_data_is_refused():
    x, y, _ = _data()
    with pytest.raises(
        ValueError,
        match=r"class_weight \(output 'dense_\d+'\) must give a weight to every class in "
        r"the data; classes \[2\]",
    ):
        _classifier().fit(x, y, class_weight={0: 1.0, 1: 2.0}, verbose=0)


def test_class_weight_per_output_name_for_a_two_output_model():
    inp = Input(shape=(4,))
    model = Model(
        inp,
        [
            Dense(3, activation="softmax", name="a")(inp),
            Dense(2, activation="softmax", name="b")(inp),
        ],
    )
    model.compile("sgd", per_sample_xent)
    x, ya, la = _data()
    lb = (la > 0).astype(int)
    yb = np.eye(2, dtype="float32")[lb]
    cw = {"a": {0: 1.0, 1: 2.0, 2: 3.0}, "b": {0: 0.0, 1: 1.0}}
    pa, pb = (np.clip(p, 1e-7, 1 - 1e-7) for p in model.predict(x))
    wa = np.array([cw["a"][c] for c in la])
    wb = np.array([cw["b"][c] for c in lb])
    ea, eb = -np.sum(ya * np.log(pa), -1), -np.sum(yb * np.log(pb), -1)
    loss_a, loss_b = np.mean(ea * wa) / np.mean(wa != 0), np.mean(eb * wb) / np.mean(wb != 0)
    total, got_a, got_b = model.train_on_batch(x, {"a": ya, "b": yb}, class_weight=cw)
    np.testing.assert_allclose([total, got_a, got_b], [loss_a + loss_b, loss_a, loss_b], rtol=1e-5)


def test_x_and_y_as_dicts_by_input_and_output_name():
    a, b = Input(shape=(2,), name="left"), Input(shape=(3,), name="right")
    model = Model([a, b], Dense(1, name="total")(Add()([Dense(1)(a), Dense(1)(b)])))
    model.compile("sgd", "mse")
    xa, xb, y = np.ones((4, 2)), np.ones((4, 3)), np.zeros((4, 1))
    as_lists = model.evaluate([xa, xb], y)
    assert model.evaluate({"right": xb, "left": xa}, {"total": y}) == pytest.approx(as_lists)
    with pytest.raises(
        ValueError, match=r"x names 'lft', which the model does not have. Did you mean 'left'\?"
    ):
        model.fit({"lft": xa, "right": xb}, y, verbose=0)
    with pytest.raises(ValueError, match=r"x has no entry for 'right'"):
        model.predict({"left": xa})


def test_validation_data_with_sample_weights_matches_evaluate():
    x, y, _ = _data()
    w = np.linspace(0, 1, len(x)).astype("float32")
    model = _classifier()
    history = model.fit(
        x, y, epochs=1, batch_size=4, verbose=0, validation_data=(x, y, w), shuffle=False
    )
    assert history.history["val_loss"][0] == pytest.approx(
        model.evaluate(x, y, sample_weight=w, batch_size=4), rel=1e-5
    )


def test_validation_split_takes_the_last_samples_with_their_weights():
    x, y, _ = _data()
    w = np.ones(len(x), "float32")
    w[-3:] = [0.0, 2.0, 1.0]
    model = _classifier()
    history = model.fit(x, y, sample_weight=w, validation_split=0.25, epochs=1, verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(
        model.evaluate(x[-3:], y[-3:], sample_weight=w[-3:]), rel=1e-5
    )


def test_shuffle_batch_moves_whole_batches():
    order = batch_shuffle(np.random.default_rng(0), 10, 3)
    assert sorted(order) == list(range(10)) and list(order[-1:]) == [9]
    blocks = order[:9].reshape(3, 3)
    assert all(list(b) == list(range(b[0], b[0] + 3)) for b in blocks)


def test_shuffle_batch_and_false_train_and_bad_values_are_refused():
    x, y, _ = _data()
    model = _classifier()
    for shuffle in ("batch", False):
        model.fit(x, y, shuffle=shuffle, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"shuffle must be True, False or 'batch', received 'yes'"):
        model.fit(x, y, shuffle="yes", verbose=0)


def test_a_single_callback_and_steps_per_epoch_with_arrays():
    x, y, _ = _data()
    seen = []

    class Count(callbacks.Callback):
        def on_batch_begin(self, batch, logs=None):
            seen.append(batch)

    cb = Count()
    _classifier().fit(x, y, batch_size=2, epochs=2, steps_per_epoch=3, callbacks=cb, verbose=0)
    assert seen == [0, 1, 2, 0, 1, 2]


def test_exact_resume_with_class_and_sample_weights(tmp_path):
    x, y, _ = _data(20)
    w = np.linspace(0.1, 2, 20).astype("float32")

    def run():
        set_random_seed(7)
        model = Sequential(
            [Dense(5, activation="relu", input_shape=(4,)), Dense(3, activation="softmax")]
        )
        model.compile("adam", "categorical_crossentropy")
        return model

    straight = run()
    straight.fit(x, y, sample_weight=w, batch_size=6, epochs=2, verbose=0)
    straight.fit(
        x,
        y,
        class_weight={0: 1.0, 1: 2.0, 2: 0.5},
        batch_size=6,
        epochs=3,
        initial_epoch=2,
        verbose=0,
    )
    first = run()
    first.fit(x, y, sample_weight=w, batch_size=6, epochs=1, verbose=0)
    first.save(tmp_path / "run.h5")
    resumed = load_model(tmp_path / "run.h5")
    resumed.fit(x, y, sample_weight=w, batch_size=6, epochs=2, initial_epoch=1, verbose=0)
    resumed.fit(
        x,
        y,
        class_weight={0: 1.0, 1: 2.0, 2: 0.5},
        batch_size=6,
        epochs=3,
        initial_epoch=2,
        verbose=0,
    )
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)


# -- bad data: named errors ------------------------------------------------------------
@pytest.mark.parametrize(
    "bad, match",
    [
        (
            np.array([[1, 2, 3, None]] * 2, dtype=object),
            r"x must hold numbers; received an array of dtype object",
        ),
        (
            np.array([["a", "b", "c", "d"]] * 2),
            r"x must hold numbers; received an array of dtype <U1 \(strings",
        ),
        (None, r"x is None"),
        ([[1, 2, 3, 4], [1, 2]], r"x could not be read as one array of numbers"),
    ],
)
def test_object_string_none_and_ragged_x_are_type_errors_naming_x(bad, match):
    with pytest.raises(TypeError, match=match):
        _classifier().fit(bad, np.zeros((2, 3)), verbose=0)


def test_object_entries_in_y_and_sample_weight_are_type_errors_naming_them():
    x, y, _ = _data(2)
    model = _classifier()
    with pytest.raises(TypeError, match=r"y must hold numbers; received an array of dtype object"):
        model.fit(x, np.array([[0, 1, None], [1, 0, 0]], dtype=object), verbose=0)
    with pytest.raises(TypeError, match=r"sample_weight \(output 'dense_\d+'\) must hold numbers"):
        model.fit(x, y, sample_weight=np.array(["1", "2"]), verbose=0)
    with pytest.raises(TypeError, match=r"class_weight must be a dict"):
        model.fit(x, y, class_weight=[1.0, 2.0, 3.0], verbose=0)


def test_an_error_inside_the_compiled_function_is_raised_naming_the_arguments():
    a, b = Input(shape=(None, 2)), Input(shape=(None, 2))
    model = Model([a, b], Add()([a, b]))
    model.compile("sgd", "mse")
    with pytest.raises(
        ValueError,
        match=r"predict: the compiled predict function failed on a batch of 2 samples.*x, "
        r"y and sample_weight",
    ):
        model.predict([np.ones((2, 3, 2)), np.ones((2, 4, 2))])


def test_masked_steps_do_not_count_in_the_loss():
    from kerasque.layers import Masking

    x = Input(shape=(4, 2))
    model = Model(x, Dense(1)(Masking(0.0)(x)))
    model.compile("sgd", per_sample_mse)
    rng = np.random.default_rng(4)
    data, target = rng.normal(size=(3, 4, 2)).astype("float32"), rng.normal(size=(3, 4, 1))
    data[0, 2:] = 0.0  # two masked steps
    data[2, 0] = 0.0
    mask = np.any(data != 0, axis=-1)
    err = np.mean((model.predict(data) - target) ** 2, axis=-1)
    # Keras 2.2.4: mean(err * mask) / mean(mask): the mean over the unmasked steps.
    np.testing.assert_allclose(
        model.evaluate(data, target, batch_size=3), err[mask].mean(), rtol=1e-5
    )
