"""Ctrl-C at an epoch's end stops at that boundary: no batch of the next epoch runs."""

import os
import signal

import numpy as np

from kerasque import callbacks
from kerasque.layers import Dense
from kerasque.models import Sequential, load_model
from kerasque.utils.data_utils import Sequence

X = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
Y = X[:, :1] * 2


def _ctrl_c():
    os.kill(os.getpid(), signal.SIGINT)


class BatchLog(callbacks.Callback):
    """Records (epoch, batch) of every batch that starts."""

    def on_train_begin(self, logs=None):
        self.batches, self.epoch = [], None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_batch_begin(self, batch, logs=None):
        self.batches.append((self.epoch, batch))


class InterruptingValidation(Sequence):
    """Validation data whose reading is interrupted by Ctrl-C in the first epoch."""

    def __init__(self):
        self.calls = 0

    def __len__(self):
        return 2

    def __getitem__(self, i):
        self.calls += 1
        if self.calls == 1:
            _ctrl_c()
        return X[i * 4 : (i + 1) * 4], Y[i * 4 : (i + 1) * 4]


def _model():
    model = Sequential([Dense(1, input_shape=(3,))])
    model.compile("sgd", "mse")
    return model


def test_ctrl_c_during_validation_lets_no_batch_of_the_next_epoch_run(capsys):
    model, log = _model(), BatchLog()
    history = model.fit(
        X,
        Y,
        batch_size=4,
        epochs=3,
        verbose=0,
        callbacks=[log],
        validation_data=InterruptingValidation(),
    )
    assert log.batches == [(0, 0), (0, 1)]
    assert history.interrupted and model.epoch == 1
    assert "Training interrupted" in capsys.readouterr().out


def test_ctrl_c_in_an_epoch_end_callback_stops_before_the_next_epoch():
    class CtrlCAtEpochEnd(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            _ctrl_c()

    model, log = _model(), BatchLog()
    history = model.fit(X, Y, batch_size=4, epochs=3, verbose=0, callbacks=[log, CtrlCAtEpochEnd()])
    assert log.batches == [(0, 0), (0, 1)]
    assert history.interrupted and model.epoch == 1 and history.epoch == [0]


def test_ctrl_c_during_a_checkpoint_save_keeps_epoch_and_weights_together(tmp_path):
    path = tmp_path / "ckpt.h5"

    class SaveThenCtrlC(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.save(path)
            _ctrl_c()

    model, log = _model(), BatchLog()
    model.fit(X, Y, batch_size=4, epochs=4, verbose=0, callbacks=[log, SaveThenCtrlC()])
    assert log.batches == [(0, 0), (0, 1)]
    saved = load_model(path)
    assert saved.epoch == model.epoch == 1
    for a, b in zip(saved.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_ctrl_c_in_the_middle_of_an_epoch_stops_after_the_running_batch():
    class CtrlCAtFirstBatch(callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            if batch == 0:
                _ctrl_c()

    model, log = _model(), BatchLog()
    history = model.fit(
        X, Y, batch_size=2, epochs=2, verbose=0, callbacks=[log, CtrlCAtFirstBatch()]
    )
    assert log.batches == [(0, 0)] and history.interrupted and model.epoch == 0


def test_the_previous_sigint_handler_is_back_after_fit():
    before = signal.getsignal(signal.SIGINT)
    _model().fit(X, Y, epochs=1, verbose=0)
    assert signal.getsignal(signal.SIGINT) is before
