"""Keras 2.2.4's callbacks, driven directly with scripted logs and a small model stub."""

import io
import math

import numpy as np
import pytest

from kerasque import callbacks
from kerasque.callbacks import (
    BaseLogger,
    CallbackList,
    CSVLogger,
    EarlyStopping,
    History,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ProgbarLogger,
    ReduceLROnPlateau,
    RemoteMonitor,
    TensorBoard,
    TerminateOnNaN,
)
from kerasque.optimizers import SGD


class StubModel:
    """What the callbacks touch: weights (an epoch number here), an optimizer, save calls."""

    def __init__(self, lr=1.0):
        self.stop_training = False
        self.weights = -1
        self.optimizer = SGD(lr=lr)
        self.saved = []

    def get_weights(self):
        return self.weights

    def set_weights(self, weights):
        self.weights = weights

    def save(self, path):
        self.saved.append(("model", path))

    def save_weights(self, path):
        self.saved.append(("weights", path))


def _run(cb, key, values, model=None):
    """Feed ``values`` as epoch logs until the callback stops training; epochs trained."""
    cb.set_model(model or StubModel())
    cb.on_train_begin()
    for epoch, value in enumerate(values):
        cb.model.weights = epoch
        cb.on_epoch_end(epoch, {key: value})
        if cb.model.stop_training:
            return epoch + 1
    return len(values)


# -- EarlyStopping --------------------------------------------------------------
def test_early_stopping_stops_after_patience_epochs_without_improvement_as_keras():
    # Keras 2.2.4's test_EarlyStopping_patience: best at epoch 0, patience 2 -> 3 epochs.
    assert (
        _run(
            EarlyStopping(monitor="val_loss", patience=2),
            "val_loss",
            [0.0860, 0.1096, 0.1040, 0.1019],
        )
        == 3
    )
    # patience=1: the first epoch without improvement after the best stops training
    # (kerasque used to wait one epoch more).
    assert (
        _run(EarlyStopping(monitor="loss", patience=1), "loss", [1.0, 0.9, 0.95, 0.96, 0.97]) == 3
    )
    assert _run(EarlyStopping(monitor="loss", patience=0), "loss", [1.0, 0.9, 0.95, 0.5]) == 3


def test_early_stopping_min_delta_and_mode_decide_what_counts_as_improvement():
    # Gains of 0.005 are below min_delta=0.01: no improvement after epoch 0.
    assert (
        _run(
            EarlyStopping(monitor="val_acc", min_delta=0.01, patience=2),
            "val_acc",
            [0.5, 0.505, 0.51, 0.9],
        )
        == 3
    )
    assert (
        _run(
            EarlyStopping(monitor="score", mode="max", patience=1),
            "score",
            [1.0, 2.0, 3.0, 2.5, 4.0],
        )
        == 4
    )


def test_early_stopping_baseline_must_be_beaten_within_patience():
    # Keras 2.2.4's test_EarlyStopping_baseline.
    def run(levels):
        return _run(EarlyStopping(monitor="val_acc", baseline=0.75, patience=2), "val_acc", levels)

    assert run([0.55, 0.76, 0.81, 0.81]) == 4
    assert run([0.55, 0.74, 0.81, 0.81]) == 2


def test_early_stopping_restores_the_weights_of_the_best_epoch_when_asked():
    losses = [0.2, 0.15, 0.1, 0.11, 0.12]
    plain = EarlyStopping(monitor="val_loss", patience=2)
    _run(plain, "val_loss", losses)
    assert plain.model.get_weights() == 4 and plain.stopped_epoch == 4
    restoring = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    _run(restoring, "val_loss", losses)
    assert restoring.model.get_weights() == 2


def test_early_stopping_is_reset_by_each_training_run():
    stop = EarlyStopping(monitor="loss", patience=1)
    assert _run(stop, "loss", [1.0, 2.0, 3.0]) == 2
    assert _run(stop, "loss", [5.0, 4.0, 3.0, 2.0]) == 4


def test_monitoring_acc_finds_accuracy_and_a_missing_key_names_the_logs():
    stop = EarlyStopping(monitor="val_acc", patience=0)
    stop.set_model(StubModel())
    stop.on_train_begin()
    stop.on_epoch_end(0, {"val_accuracy": 0.5})
    assert stop.best == 0.5
    with pytest.raises(
        ValueError,
        match=r"EarlyStopping monitors 'val_loss', which is not among "
        r"the logs \['loss'\]",
    ):
        _run(EarlyStopping(), "loss", [1.0])
    with pytest.raises(ValueError, match=r"mode must be 'auto', 'min' or 'max', received 'best'"):
        EarlyStopping(mode="best")
    with pytest.raises(ValueError, match=r"EarlyStopping: patience must be a finite number >= 0"):
        EarlyStopping(patience=-1)


# -- ReduceLROnPlateau ---------------------------------------------------------
def test_reduce_lr_on_plateau_follows_keras_schedule_on_a_scripted_sequence():
    model = StubModel(lr=1.0)
    cb = ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, cooldown=1, min_lr=0.2)
    cb.set_model(model)
    cb.on_train_begin()
    losses = [1.0, 0.9, 0.95, 0.92, 0.91, 0.93, 0.8, 0.85, 0.86, 0.87, 0.88, 0.89]
    rates, logged = [], []
    for epoch, loss in enumerate(losses):
        logs = {"val_loss": loss}
        cb.on_epoch_end(epoch, logs)
        logged.append(logs["lr"])
        rates.append(float(model.optimizer.lr))
    # Epoch 3: second epoch without improvement -> 0.5, then one cooldown epoch
    # (epoch 4 counts again after it); epoch 5 -> 0.25; epoch 6 improves; epoch 8
    # -> max(0.125, min_lr) = 0.2; from then on the rate stays at min_lr.
    expected = [1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2]
    np.testing.assert_allclose(rates, expected, rtol=1e-6)
    # logs['lr'] is the rate the epoch trained with.
    np.testing.assert_allclose(logged, [1.0] + expected[:-1], rtol=1e-6)


def test_reduce_lr_on_plateau_needs_no_train_begin_and_reads_an_lr_variable():
    # Keras 2.2.4's test_ReduceLROnPlateau_patience.
    cb = ReduceLROnPlateau(monitor="val_loss", patience=2)
    cb.model = StubModel(lr=1.0)
    rates = []
    for epoch, loss in enumerate([0.0860, 0.1096, 0.1040]):
        cb.on_epoch_end(epoch, {"val_loss": loss})
        rates.append(float(cb.model.optimizer.lr.get_value()))
    assert rates[:2] == [1.0, 1.0] and rates[2] < 1.0


def test_reduce_lr_on_plateau_big_min_delta_reduces_after_the_first_epoch():
    cb = ReduceLROnPlateau(monitor="val_loss", factor=0.1, min_delta=10, patience=1, cooldown=5)
    model = StubModel(lr=0.1)
    _run(cb, "val_loss", [1.0, 0.5, 0.4, 0.3, 0.2], model)
    assert float(model.optimizer.lr) == pytest.approx(0.01)


def test_reduce_lr_on_plateau_keeps_keras2_epsilon_alias_and_checks_factor():
    with pytest.warns(UserWarning, match=r"`epsilon` argument is deprecated"):
        cb = ReduceLROnPlateau(epsilon=1e-13)
    assert cb.min_delta == 1e-13 and not hasattr(cb, "epsilon")
    with pytest.raises(ValueError, match=r"does not support a factor >= 1.0"):
        ReduceLROnPlateau(factor=1.5)
    with pytest.raises(
        TypeError,
        match=r"unexpected keyword argument 'patiance'. Did you mean "
        r"'patience'\?",
    ):
        ReduceLROnPlateau(patiance=3)


# -- LearningRateScheduler -------------------------------------------------------
def _schedule_rates(schedule, epochs=3):
    model = StubModel(lr=1.0)
    cb = LearningRateScheduler(schedule)
    cb.set_model(model)
    rates = []
    for epoch in range(epochs):
        cb.on_epoch_begin(epoch)
        rates.append(float(model.optimizer.lr))
    return rates


def test_schedules_of_one_or_two_arguments_set_the_rate_each_epoch():
    np.testing.assert_allclose(
        _schedule_rates(lambda epoch: 1.0 / (1.0 + epoch)), [1.0, 0.5, 1 / 3], rtol=1e-6
    )
    np.testing.assert_allclose(_schedule_rates(lambda epoch, lr: lr * 0.5), [0.5, 0.25, 0.125])
    np.testing.assert_allclose(_schedule_rates(lambda epoch: np.float32(0.1)), [0.1] * 3, rtol=1e-6)


def test_a_schedule_returning_none_or_text_is_refused_naming_it():
    def forgot_return(epoch):
        0.1 * epoch

    with pytest.raises(
        ValueError,
        match=r"schedule 'test_a_schedule_returning_none_or_text_is_"
        r"refused_naming_it.<locals>.forgot_return' must return "
        r"a finite number >= 0 for epoch 0, returned None",
    ):
        _schedule_rates(forgot_return)
    with pytest.raises(ValueError, match=r"returned '0.1'"):
        _schedule_rates(lambda epoch: "0.1")
    with pytest.raises(ValueError, match=r"returned nan"):
        _schedule_rates(lambda epoch: math.nan)


def test_an_error_inside_a_schedule_reaches_the_user_unchanged_and_is_not_retried():
    calls = []

    def schedule(epoch, lr):
        calls.append(epoch)
        raise TypeError("my schedule's own bug")

    with pytest.raises(TypeError, match=r"^my schedule's own bug$"):
        _schedule_rates(schedule)
    assert calls == [0]


# -- ModelCheckpoint ------------------------------------------------------------
def test_model_checkpoint_formats_the_path_and_honours_period():
    model = StubModel()
    cb = ModelCheckpoint("w-{epoch:02d}-{val_loss:.2f}.h5", period=2, save_weights_only=True)
    cb.set_model(model)
    for epoch, loss in enumerate([0.5, 0.4, 0.3, 0.25, 0.2]):
        cb.on_epoch_end(epoch, {"val_loss": loss})
    assert model.saved == [("weights", "w-02-0.40.h5"), ("weights", "w-04-0.25.h5")]


def test_model_checkpoint_saves_only_improvements_when_asked():
    model = StubModel()
    cb = ModelCheckpoint("best.h5", monitor="val_acc", save_best_only=True, mode="auto")
    cb.set_model(model)
    for epoch, acc in enumerate([0.5, 0.7, 0.6, 0.8]):
        cb.on_epoch_end(epoch, {"val_accuracy": acc})  # val_acc finds val_accuracy
    assert model.saved == [("model", "best.h5")] * 3
    with pytest.raises(ValueError, match=r"save_freq=100 is not supported"):
        ModelCheckpoint("x.h5", save_freq=100)
    with pytest.raises(ValueError, match=r"names 'val_acc', which is not among the logs"):
        ModelCheckpoint("{val_acc}.h5").on_epoch_end(0, {"loss": 1.0})


# -- the others -----------------------------------------------------------------
def test_csv_logger_appends_rows_under_one_header_with_its_separator(tmp_path):
    path = tmp_path / "log.tsv"

    def train(cb, epochs):
        cb.set_model(StubModel())
        cb.on_train_begin()
        for epoch in range(epochs):
            cb.on_epoch_end(epoch, {"loss": 1.0 / (epoch + 1), "val_loss": 2.0})
        cb.on_train_end()

    train(CSVLogger(path, separator="\t"), 1)
    again = CSVLogger(path, separator="\t", append=True)
    train(again, 1)
    train(again, 2)  # the same object reused
    lines = path.read_text().splitlines()
    assert lines[0] == "epoch\tloss\tval_loss" and len(lines) == 5
    assert all(line.count("\t") == 2 for line in lines)
    assert lines[-1] == "1\t0.5\t2.0"


def test_terminate_on_nan_stops_at_the_first_bad_batch_loss():
    cb = TerminateOnNaN()
    cb.set_model(StubModel())
    cb.on_batch_end(0, {"loss": 0.5})
    assert not cb.model.stop_training
    cb.on_batch_end(1, {"loss": float("inf")})
    assert cb.model.stop_training


def test_lambda_callback_calls_the_given_functions_and_only_those():
    seen = []
    cb = LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(("epoch", epoch)),
        on_train_end=lambda logs: seen.append("end"),
    )
    hooks = CallbackList(cb, model=StubModel(), params={"epochs": 1})
    hooks.on_train_begin({})
    hooks.on_batch_end(0, {"loss": 1.0})
    hooks.on_epoch_end(0, {})
    hooks.on_train_end({})
    assert seen == [("epoch", 0), "end"]
    assert not callbacks.needs_batch_values([cb])
    assert callbacks.needs_batch_values([LambdaCallback(on_batch_end=lambda b, logs: None)])
    with pytest.raises(TypeError, match=r"on_epoch_end must be callable"):
        LambdaCallback(on_epoch_end=3)


def test_callback_list_routes_train_batches_through_keras3_hook_names():
    class Keras3Style(callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.batches = []

        def on_train_batch_end(self, batch, logs=None):
            self.batches.append(batch)

    cb = Keras3Style()
    hooks = CallbackList([cb], model=StubModel(), params={})
    hooks.on_batch_end(0, {})
    hooks.on_batch_end(1, {})
    hooks.on_test_batch_end(0, {})
    assert cb.batches == [0, 1] and cb.model is not None
    assert callbacks.needs_batch_values([cb])
    with pytest.raises(
        TypeError,
        match=r"callbacks must be kerasque.callbacks.Callback "
        r"instances, received str",
    ):
        CallbackList(["early"])


def test_base_logger_and_history_record_epoch_means():
    logger, history = BaseLogger(), History()
    hooks = CallbackList([logger, history], model=StubModel(), params={"metrics": ["loss"]})
    hooks.on_train_begin({})
    hooks.on_epoch_begin(0, {})
    hooks.on_batch_end(0, {"batch": 0, "size": 3, "loss": 1.0})
    hooks.on_batch_end(1, {"batch": 1, "size": 1, "loss": 3.0})
    logs = {}
    hooks.on_epoch_end(0, logs)
    assert logs == {"loss": 1.5}
    assert history.history == {"loss": [1.5]} and history.epoch == [0]


def test_progbar_logger_counts_steps_and_prints_one_line_per_epoch_at_verbose_2():
    out = io.StringIO()
    bar = ProgbarLogger(count_mode="steps", verbose=2, stream=out)
    bar.set_params({"epochs": 2, "steps": 3, "samples": 30, "metrics": ["loss"]})
    bar.on_epoch_begin(0)
    for b in range(3):
        bar.on_batch_end(b, {"size": 10, "loss": 1.0})
    bar.on_epoch_end(0, {"loss": 0.75})
    assert out.getvalue().splitlines() == ["Epoch 1/2", out.getvalue().splitlines()[1]]
    assert out.getvalue().splitlines()[1].startswith("3/3 - ")
    assert out.getvalue().splitlines()[1].endswith("loss: 0.7500")
    assert ProgbarLogger("steps").use_steps


def test_remote_monitor_and_tensorboard_say_they_are_not_supported():
    with pytest.raises(
        NotImplementedError,
        match=r"RemoteMonitor is not supported: kerasque "
        r"makes no network calls",
    ):
        RemoteMonitor(root="http://localhost:9000")
    with pytest.raises(NotImplementedError, match=r"TensorBoard is not supported"):
        TensorBoard(log_dir="logs")
