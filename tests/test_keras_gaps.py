"""Keras behaviours that were missing: frozen BatchNormalization, one recompile warning, Progbar."""

import io
import warnings

import numpy as np
import pytest
from kerasque.callbacks import ProgbarLogger
from kerasque.layers import BatchNormalization, Dense, Input
from kerasque.models import Model, Sequential
from kerasque.optimizers import SGD
from kerasque.utils import Progbar
from kerasque.utils import generic_utils


def _shifted_data(n=32, features=3, seed=0):
    rng = np.random.default_rng(seed)
    x = (5.0 + 2.0 * rng.standard_normal((n, features))).astype("float32")
    return x, np.zeros((n, 1), "float32")


def _bn_model(trainable: bool, learning_rate=0.01):
    bn = BatchNormalization(momentum=0.5, input_shape=(3,), name="bn")
    bn.trainable = trainable
    model = Sequential([bn, Dense(1, kernel_initializer="ones")])
    model.compile(SGD(learning_rate=learning_rate), "mse")
    return model, bn


def _stats(bn):
    return [w.copy() for w in bn.get_weights()]


# -- 1. a frozen BatchNormalization runs in inference mode (Keras 3) ---------


def test_a_frozen_batchnorm_keeps_its_moving_statistics_through_fit():
    model, bn = _bn_model(trainable=False)
    before = _stats(bn)
    x, y = _shifted_data()
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    for old, new in zip(before, _stats(bn)):
        np.testing.assert_array_equal(new, old)


def test_a_frozen_batchnorm_gives_the_same_outputs_in_train_and_test_phase():
    model, _ = _bn_model(trainable=False, learning_rate=0.0)
    x, y = _shifted_data()
    # With a zero learning rate a train step changes nothing, so its loss is
    # the loss of the train-phase graph on the same weights as the test step.
    train_loss = model.train_on_batch(x, y)
    test_loss = model.test_on_batch(x, y)
    np.testing.assert_allclose(train_loss, test_loss, rtol=1e-6)
    np.testing.assert_allclose(model.predict(x, training=True), model.predict(x), rtol=1e-6)


def test_a_trainable_batchnorm_still_uses_batch_statistics_and_updates_them():
    model, bn = _bn_model(trainable=True, learning_rate=0.0)
    before = _stats(bn)
    x, y = _shifted_data()
    train_loss = model.train_on_batch(x, y)
    assert not np.allclose(train_loss, model.test_on_batch(x, y))
    moving_mean, moving_variance = _stats(bn)[2:]
    assert np.all(moving_mean > before[2] + 1.0)  # pulled toward the data's mean of 5
    assert not np.allclose(moving_variance, before[3])


def test_a_batchnorm_inside_a_frozen_base_model_is_frozen_too():
    base = Sequential([BatchNormalization(momentum=0.5, input_shape=(3,), name="base_bn")])
    base.trainable = False
    head = Dense(1, name="head")
    model = Sequential([base, head])
    model.compile(SGD(learning_rate=0.01), "mse")
    bn = base.layers[0]
    before, kernel = _stats(bn), head.get_weights()[0].copy()
    x, y = _shifted_data()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    for old, new in zip(before, _stats(bn)):
        np.testing.assert_array_equal(new, old)
    assert not np.allclose(head.get_weights()[0], kernel)  # the head still trains


def test_a_batchnorm_in_a_frozen_functional_model_uses_moving_statistics_in_training():
    inputs = Input(shape=(3,))
    bn = BatchNormalization(momentum=0.5)
    model = Model(inputs, Dense(1)(bn(inputs)))
    model.trainable = False
    model.compile(SGD(learning_rate=0.01), "mse")
    x, y = _shifted_data()
    before = _stats(bn)
    np.testing.assert_allclose(model.train_on_batch(x, y), model.test_on_batch(x, y), rtol=1e-6)
    for old, new in zip(before, _stats(bn)):
        np.testing.assert_array_equal(new, old)


def test_unfreezing_a_batchnorm_and_recompiling_makes_it_update_again():
    model, bn = _bn_model(trainable=False)
    x, y = _shifted_data()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    bn.trainable = True
    model.compile(SGD(learning_rate=0.01), "mse")
    before = bn.get_weights()[2].copy()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert np.all(bn.get_weights()[2] > before + 1.0)


# -- 2. toggling trainable after compile warns once -------------------------


def _recompile_warnings(record):
    return [w for w in record if "compile" in str(w.message)]


def test_toggling_trainable_after_compile_warns_exactly_once_at_fit(recwarn):
    first = Dense(2, input_shape=(3,))
    model = Sequential([first, Dense(1)])
    model.compile("sgd", "mse")
    first.trainable = False
    assert len(recwarn) == 0  # the setter itself is silent
    x, y = np.ones((4, 3), "float32"), np.zeros((4, 1), "float32")
    model.fit(x, y, verbose=0)
    model.fit(x, y, verbose=0)
    model.train_on_batch(x, y)
    assert len(recwarn) == 1
    warning = recwarn.pop(UserWarning)
    assert "changed after model" in str(warning.message)
    assert "model.compile(...) again" in str(warning.message)


def test_toggling_twice_warns_once_per_change_and_recompiling_silences_it():
    first = Dense(2, input_shape=(3,))
    model = Sequential([first, Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((4, 3), "float32"), np.zeros((4, 1), "float32")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        first.trainable = False
        model.fit(x, y, verbose=0)
        first.trainable = True  # back to what compile collected: nothing to say
        model.fit(x, y, verbose=0)
        first.trainable = False
        model.fit(x, y, verbose=0)
    assert len(_recompile_warnings(record)) == 2
    model.compile("sgd", "mse")
    model.fit(x, y, verbose=0)  # pytest turns any warning into an error


# -- 3. Progbar: verbose, stateful_metrics, add -----------------------------


def test_progbar_is_importable_from_keras_2_paths():
    assert generic_utils.Progbar is Progbar


def test_progbar_verbose_0_prints_nothing(capsys):
    bar = Progbar(3, verbose=0)
    for step in range(1, 4):
        bar.update(step, [("loss", 1.0)])
    assert capsys.readouterr().out == ""


def test_progbar_verbose_1_draws_a_bar_that_ends_with_averages_and_a_newline(capsys):
    bar = Progbar(4, width=10, interval=0.0)
    bar.update(2, [("loss", 1.0)])
    bar.update(4, [("loss", 0.5)])
    out = capsys.readouterr().out
    frames = out.split("\r")[1:]
    assert len(frames) == 2
    assert frames[0].startswith("2/4 [====>.....] - ETA: ")
    assert frames[0].rstrip().endswith("loss: 1.0000")
    assert frames[1].startswith("4/4 [==========] - ")
    assert frames[1].endswith("ms/step - loss: 0.7500\n")


def test_progbar_verbose_2_prints_one_line_at_the_end(capsys):
    bar = Progbar(6, verbose=2)
    bar.add(2, [("loss", 3.0), ("acc", 0.5)])
    bar.add(2, [("loss", 2.0), ("acc", 0.25)])
    assert capsys.readouterr().out == ""
    bar.add(2, [("loss", 1.0), ("acc", 0.75)])
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "\r" not in out
    assert out.startswith("6/6 - ")
    assert out.endswith("s - loss: 2.0000 - acc: 0.5000\n")


def test_progbar_averages_over_samples_but_shows_stateful_metrics_as_given(capsys):
    bar = Progbar(4, verbose=2, stateful_metrics=["auc"])
    bar.update(1, [("loss", 4.0), ("auc", 0.1)])
    bar.update(4, [("loss", 0.0), ("auc", 0.9)])  # this update covers 3 samples
    out = capsys.readouterr().out
    assert out.endswith(" - loss: 1.0000 - auc: 0.9000\n")


def test_progbar_with_unknown_target_counts_and_finalizes_on_request(capsys):
    bar = Progbar(None, interval=0.0)
    bar.update(5, [("loss", 0.00001)])
    bar.update(7, finalize=True)
    frames = capsys.readouterr().out.split("\r")[1:]
    assert frames[0].startswith("      5/Unknown - ")
    assert frames[1].startswith("      7/Unknown - ") and frames[1].endswith("e-05\n")


def test_progbar_checks_its_arguments():
    with pytest.raises(ValueError, match=r"verbose must be 0 \(silent\), 1 .* received 3"):
        Progbar(3, verbose=3)
    with pytest.raises(TypeError, match=r"stateful_metrics must be an iterable .* \['auc'\]"):
        Progbar(3, stateful_metrics="auc")
    with pytest.raises(ValueError, match=r"target must be an int in \[0, inf\], received -1"):
        Progbar(-1)
    with pytest.raises(ValueError, match=r"width must be a positive integer"):
        Progbar(3, width=0)


def test_fit_verbose_1_still_draws_the_bar_with_running_means():
    model, _ = _bn_model(trainable=True)
    x, y = _shifted_data()
    out = io.StringIO()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[ProgbarLogger(1, stream=out)])
    last = out.getvalue().split("\r")[-1]
    assert last.startswith("32/32 [") and "ms/sample - loss: " in last and last.endswith("\n")
