"""Callbacks: hooks into ``fit``, and the built-in ones users of Keras know."""

from __future__ import annotations

import csv
import math
import sys
import time

import numpy as np

from kerasque.utils.progbar import Progbar, format_logs


class Callback:
    """Base class: override any hook. ``self.model`` is set before training.

    ``on_batch_end`` receives the batch's loss and metrics in its logs. Reading
    them back makes ``fit`` wait for each batch (in the JAX mode it otherwise
    dispatches the next batch while one computes), so ``fit`` reads them only
    when a callback overrides ``on_batch_end``; a callback whose
    ``on_batch_end`` does not look at them sets ``batch_values = False``.
    """

    batch_values = True

    def __init__(self):
        self.model = None
        self.params: dict = {}

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_batch_begin(self, batch, logs=None): ...
    def on_batch_end(self, batch, logs=None): ...


def needs_batch_values(callbacks) -> bool:
    """Whether any callback reads per-batch loss and metrics in ``on_batch_end``."""
    return any(cb.batch_values and type(cb).on_batch_end is not Callback.on_batch_end
               for cb in callbacks)


class CallbackList:
    """Dispatch each hook to every callback in order."""

    def __init__(self, callbacks, model, params):
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(
                    f"callbacks must be kerasque.callbacks.Callback instances, received "
                    f"{type(cb).__name__}."
                )
            cb.set_model(model)
            cb.set_params(params)

    def __getattr__(self, hook):
        if not hook.startswith("on_"):
            raise AttributeError(hook)

        def dispatch(*args):
            for cb in self.callbacks:
                getattr(cb, hook)(*args)

        return dispatch


class History(Callback):
    """Records epoch logs in ``.history`` (a dict of lists); ``fit`` returns it."""

    def __init__(self):
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []
        self.interrupted = False

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)


class ProgbarLogger(Callback):
    """``verbose=1``: a live bar per epoch; ``verbose=2``: one line per epoch.

    The bar shows the epoch's running means (``params['running']``), read
    only when it redraws (at most every 0.05 s).
    """

    batch_values = False

    def __init__(self, verbose=1, stream=None):
        super().__init__()
        self.verbose = verbose
        self.stream = stream or sys.stdout

    def on_epoch_begin(self, epoch, logs=None):
        self.seen = 0
        self.started = time.time()
        self.stream.write(f"Epoch {epoch + 1}/{self.params['epochs']}\n")
        if self.verbose == 1:
            self.bar = Progbar(self.params["samples"], stream=self.stream)

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        self.seen += logs.get("size", 0)
        if self.verbose == 1 and self.seen < self.params["samples"] and self.bar.due():
            self.bar.update(self.seen, self.params["running"](), finalize=False)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.verbose == 1:
            self.bar.update(self.seen, logs, finalize=True)
        else:
            took = time.time() - self.started
            self.stream.write(f"{self.seen}/{self.params['samples']} - {took:.0f}s - {format_logs(logs)}\n")
        self.stream.flush()


class TerminateOnNaN(Callback):
    """Stop training at once when a batch loss is NaN or infinite."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            sys.stdout.write(f"Batch {batch}: invalid loss {loss}, terminating training\n")
            self.model.stop_training = True


def _monitor_op(monitor, mode, owner):
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{owner}: mode must be 'auto', 'min' or 'max', received {mode!r}.")
    if mode == "max" or (mode == "auto" and ("acc" in monitor or monitor.endswith("auc"))):
        return np.greater, -np.inf
    return np.less, np.inf


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs."""

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, mode="auto",
                 restore_best_weights=False, verbose=0):
        super().__init__()
        self.monitor = monitor
        self.patience = int(patience)
        self.restore_best_weights = restore_best_weights
        self.verbose = verbose
        self.op, self._init = _monitor_op(monitor, mode, "EarlyStopping")
        self.min_delta = abs(min_delta) * (1 if self.op is np.greater else -1)
        self.stopped_epoch = 0

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.best = self._init
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None:
            raise ValueError(
                f"EarlyStopping monitors {self.monitor!r}, which is not among the logs "
                f"{sorted(logs or {})}. Pass validation data or monitor another key."
            )
        if self.op(value - self.min_delta, self.best):
            self.best = value
            self.wait = 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait > self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                self.model.set_weights(self.best_weights)


class LearningRateScheduler(Callback):
    """Set the learning rate each epoch from ``schedule(epoch)`` or ``schedule(epoch, lr)``."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler expects a callable, received {schedule!r}.")
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        opt = self.model.optimizer
        try:
            lr = self.schedule(epoch, opt.learning_rate)
        except TypeError:
            lr = self.schedule(epoch)
        opt.learning_rate = float(lr)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lr"] = self.model.optimizer.learning_rate


class CSVLogger(Callback):
    """Write one CSV row of logs per epoch to ``filename``."""

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = str(filename)
        self.separator = separator
        self.append = append

    def on_train_begin(self, logs=None):
        self.file = open(self.filename, "a" if self.append else "w", newline="")
        self.writer = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.writer is None:
            self.keys = sorted(logs)
            self.writer = csv.writer(self.file, delimiter=self.separator)
            if not self.append or self.file.tell() == 0:
                self.writer.writerow(["epoch", *self.keys])
        self.writer.writerow([epoch, *[logs.get(k, "") for k in self.keys]])
        self.file.flush()

    def on_train_end(self, logs=None):
        self.file.close()


class ModelCheckpoint(Callback):
    """Save the model (or its weights) at the end of every epoch.

    Parameters
    ----------
    filepath : str
        May hold ``{epoch:02d}`` (1-based, as Keras) and any log key, e.g.
        ``'ckpt-{epoch:02d}-{val_loss:.4f}.h5'``.
    monitor : str
        The log key compared when ``save_best_only``.
    save_best_only : bool
        Save only when ``monitor`` improves on the best value seen so far.
    save_weights_only : bool
        ``model.save_weights`` instead of ``model.save``. A full save also
        holds the optimizer and random state, so training resumes exactly
        from it with ``fit(..., initial_epoch=epoch)``.
    mode : {'auto', 'min', 'max'}
        'auto' maximizes accuracy-like keys and minimizes the rest.
    verbose : int
        1 prints a line per save.

    Examples
    --------
    >>> from kerasque.callbacks import ModelCheckpoint
    >>> checkpoint = ModelCheckpoint("best.h5", save_best_only=True)
    """

    def __init__(self, filepath, monitor="val_loss", save_best_only=False,
                 save_weights_only=False, mode="auto", verbose=0):
        super().__init__()
        self.filepath = str(filepath)
        self.monitor = monitor
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        self.verbose = verbose
        self.op, self.best = _monitor_op(monitor, mode, "ModelCheckpoint")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        try:
            path = self.filepath.format(epoch=epoch + 1, **logs)
        except KeyError as err:
            raise ValueError(
                f"ModelCheckpoint filepath {self.filepath!r} names {err.args[0]!r}, which is "
                f"not among the logs {sorted(logs)}."
            ) from None
        if self.save_best_only:
            value = logs.get(self.monitor)
            if value is None:
                raise ValueError(
                    f"ModelCheckpoint monitors {self.monitor!r}, which is not among the logs "
                    f"{sorted(logs)}. Pass validation data or monitor another key."
                )
            if not self.op(value, self.best):
                return
            if self.verbose:
                sys.stdout.write(
                    f"Epoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                    f"{value:.5f}, saving model to {path}\n"
                )
            self.best = value
        elif self.verbose:
            sys.stdout.write(f"Epoch {epoch + 1}: saving model to {path}\n")
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)
