"""Callbacks: hooks into ``fit``, and the built-in ones users of Keras know.

``History``, ``BaseLogger``, ``ProgbarLogger``, ``ModelCheckpoint``,
``EarlyStopping``, ``ReduceLROnPlateau``, ``LearningRateScheduler``,
``LambdaCallback``, ``TerminateOnNaN`` and ``CSVLogger`` follow Keras 2.2.4
(with Keras 3's additions noted on each). ``RemoteMonitor`` and
``TensorBoard`` are not supported: kerasque makes no network calls, and no
TensorBoard writer is a dependency.

A monitored key missing from the logs is an error naming the keys present,
not a warning; ``'acc'`` and ``'accuracy'`` (and their ``val_`` forms) stand
for each other, so Keras 2 code monitoring ``'val_acc'`` works whichever
name the model logs.
"""

from __future__ import annotations

import csv
import inspect
import math
import numbers
import os
import sys
import time
import warnings

import numpy as np

from kerasque.utils.progbar import Progbar, format_logs


class Callback:
    """Base class: override any hook. ``self.model`` and ``self.params`` are set by ``fit``.

    Hooks: ``on_train_begin/end(logs)``, ``on_epoch_begin/end(epoch, logs)``,
    ``on_batch_begin/end(batch, logs)`` (Keras 3's ``on_train_batch_begin/end``
    call them), and ``on_test_*`` / ``on_predict_*`` (accepted, called where the
    loop runs them).

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
        self.validation_data = None

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

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs)

    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_test_batch_begin(self, batch, logs=None): ...
    def on_test_batch_end(self, batch, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...
    def on_predict_batch_begin(self, batch, logs=None): ...
    def on_predict_batch_end(self, batch, logs=None): ...


def _overrides(cb, hook: str) -> bool:
    """Whether ``cb`` defines ``hook`` itself (on its class or, as LambdaCallback, on itself)."""
    if hook in vars(cb):
        return True
    return getattr(type(cb), hook, None) is not getattr(Callback, hook)


def needs_batch_values(callbacks) -> bool:
    """Whether any callback reads per-batch loss and metrics in ``on_batch_end``."""
    return any(
        getattr(cb, "batch_values", True)
        and (_overrides(cb, "on_batch_end") or _overrides(cb, "on_train_batch_end"))
        for cb in callbacks
    )


def _check_callback(cb):
    if not isinstance(cb, Callback):
        raise TypeError(
            f"callbacks must be kerasque.callbacks.Callback instances, received "
            f"{type(cb).__name__}."
        )
    return cb


class CallbackList:
    """Dispatch each hook to every callback in order.

    Parameters
    ----------
    callbacks : Callback or list of Callback
    model, params : optional
        Given to every callback (``set_model`` / ``set_params``).
    """

    def __init__(self, callbacks=None, model=None, params=None):
        if callbacks is None:
            callbacks = []
        elif isinstance(callbacks, Callback):
            callbacks = [callbacks]
        elif not isinstance(callbacks, (list, tuple)):
            raise TypeError(
                f"callbacks must be a Callback or a list of them, received "
                f"{type(callbacks).__name__}."
            )
        self.callbacks = [_check_callback(cb) for cb in callbacks]
        if model is not None:
            self.set_model(model)
        if params is not None:
            self.set_params(params)

    def append(self, callback) -> None:
        self.callbacks.append(_check_callback(callback))

    def set_model(self, model) -> None:
        for cb in self.callbacks:
            cb.set_model(model)

    def set_params(self, params) -> None:
        for cb in self.callbacks:
            cb.set_params(params)

    def __iter__(self):
        return iter(self.callbacks)

    def __getattr__(self, hook):
        if not hook.startswith("on_"):
            raise AttributeError(hook)
        # A train batch goes through on_train_batch_*, whose default calls
        # on_batch_*: callbacks overriding either name see it once.
        target = {
            "on_batch_begin": "on_train_batch_begin",
            "on_batch_end": "on_train_batch_end",
        }.get(hook, hook)

        def dispatch(*args):
            for cb in self.callbacks:
                method = getattr(cb, target, None) or getattr(cb, hook)
                method(*args)

        return dispatch


class BaseLogger(Callback):
    """Average each metric of the batch logs over the epoch into the epoch logs.

    ``fit`` computes these means itself; this class is for Keras code that
    adds it by hand. ``stateful_metrics`` are copied as they are.
    """

    def __init__(self, stateful_metrics=None):
        super().__init__()
        self.stateful_metrics = set(stateful_metrics or ())

    def on_epoch_begin(self, epoch, logs=None):
        self.seen = 0
        self.totals: dict = {}

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        size = logs.get("size", 0)
        self.seen += size
        for k, v in logs.items():
            if k in ("batch", "size"):
                continue
            if k in self.stateful_metrics:
                self.totals[k] = v
            else:
                self.totals[k] = self.totals.get(k, 0.0) + v * size

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        for k in self.params.get("metrics", list(self.totals)):
            if k in self.totals:
                stateful = k in self.stateful_metrics
                logs[k] = self.totals[k] if stateful else self.totals[k] / max(self.seen, 1)


class History(Callback):
    """Records epoch logs in ``.history`` (a dict of lists); ``fit`` returns it."""

    def __init__(self):
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []
        self.interrupted = False

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)


class ProgbarLogger(Callback):
    """``verbose=1``: a live bar per epoch; ``verbose=2``: one line per epoch.

    The bar shows the epoch's running means (``params['running']``, read
    only when it redraws, at most every 0.05 s), else the batch logs.

    Parameters
    ----------
    verbose : int, optional
        Defaults to ``params['verbose']``.
    stream : file-like, optional
        Defaults to ``sys.stdout``.
    count_mode : {'samples', 'steps'}
        Count samples or batches (Keras 2; a string first argument is
        taken as ``count_mode``, as Keras 2 calls ``ProgbarLogger('steps')``).
    stateful_metrics : iterable of str, optional
        Accepted for Keras 2 code; the bar shows the logs as given.
    """

    batch_values = False

    def __init__(self, verbose=None, stream=None, count_mode="samples", stateful_metrics=None):
        super().__init__()
        if isinstance(verbose, str):
            verbose, count_mode = None, verbose
        if count_mode not in ("samples", "steps"):
            raise ValueError(
                f"ProgbarLogger: count_mode must be 'samples' or 'steps', received {count_mode!r}."
            )
        self.verbose = verbose
        self.stream = stream or sys.stdout
        self.use_steps = count_mode == "steps"
        self.stateful_metrics = set(stateful_metrics or ())

    def _level(self) -> int:
        return self.params.get("verbose", 1) if self.verbose is None else self.verbose

    def on_epoch_begin(self, epoch, logs=None):
        self.seen = 0
        self.started = time.time()
        self.bar, self.target = None, None
        if not self._level():
            return
        self.stream.write(f"Epoch {epoch + 1}/{self.params.get('epochs', '?')}\n")
        target = self.params.get("steps") if self.use_steps else self.params.get("samples")
        if target is None:
            target, self.use_steps = self.params.get("steps"), True
        self.target = target
        self.bar = None
        if self._level() == 1 and target:
            unit = "step" if self.use_steps else "sample"
            self.bar = Progbar(target, unit_name=unit, stream=self.stream)

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        self.seen += 1 if self.use_steps else logs.get("size", 0)
        if self.bar is not None and self.seen < self.target and self.bar.due():
            running = self.params.get("running")
            shown = (
                running()
                if running
                else {k: v for k, v in logs.items() if k not in ("batch", "size")}
            )
            self._draw(shown, finalize=False)

    def _draw(self, values: dict, finalize: bool) -> None:
        # The values are already epoch means (or batch logs): shown as given.
        self.bar.stateful_metrics.update(values)
        self.bar.update(self.seen, values, finalize=finalize)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if not self._level():
            return
        if self.bar is not None:
            self._draw(logs, finalize=True)
        else:
            took = time.time() - self.started
            counted = f"{self.seen}/{self.target} - " if self.target else ""
            self.stream.write(f"{counted}{took:.0f}s - {format_logs(logs)}\n")
        self.stream.flush()


class TerminateOnNaN(Callback):
    """Stop training at once when a batch loss is NaN or infinite."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            sys.stdout.write(f"Batch {batch}: Invalid loss, terminating training\n")
            self.model.stop_training = True


# -- monitoring a log key ---------------------------------------------------------
def _aliases(key: str) -> list[str]:
    """``key`` and its acc/accuracy twin (``val_acc`` <-> ``val_accuracy``)."""
    for short, long in (("acc", "accuracy"), ("accuracy", "acc")):
        if key == short or key.endswith("_" + short):
            return [key, key[: len(key) - len(short)] + long]
    return [key]


def _monitored(logs, monitor: str, owner: str):
    """The value of ``monitor`` in ``logs``; a ValueError naming the keys when absent."""
    logs = logs or {}
    for key in _aliases(monitor):
        if key in logs:
            return float(logs[key])
    raise ValueError(
        f"{owner} monitors {monitor!r}, which is not among the logs {sorted(logs)}. Pass "
        "validation data (for 'val_' keys) or monitor one of these keys."
    )


def _check_mode(mode, owner):
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{owner}: mode must be 'auto', 'min' or 'max', received {mode!r}.")


def _maximizes(monitor: str, mode: str) -> bool:
    """Keras 2's rule: 'auto' maximizes accuracy-like keys, minimizes the rest."""
    if mode != "auto":
        return mode == "max"
    return "acc" in monitor or monitor.startswith("fmeasure") or monitor.endswith("auc")


def _monitor_op(monitor, mode, owner):
    _check_mode(mode, owner)
    return (np.greater, -np.inf) if _maximizes(monitor, mode) else (np.less, np.inf)


def _check_number(owner, name, value, low=None, integer=False):
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        raise TypeError(
            f"{owner}: {name} must be {'an integer' if integer else 'a number'}, "
            f"received {value!r}."
        )
    if not math.isfinite(value) or (low is not None and value < low):
        raise ValueError(f"{owner}: {name} must be a finite number >= {low}, received {value!r}.")
    return int(value) if integer else float(value)


def _optimizer_rate(model, owner):
    """The optimizer's learning-rate variable (``optimizer.lr`` or ``.learning_rate``)."""
    opt = getattr(model, "optimizer", None)
    for attr in ("lr", "learning_rate"):
        var = getattr(opt, attr, None)
        if var is not None:
            return opt, attr, var
    raise ValueError(f"{owner}: the model's optimizer must have an 'lr' or 'learning_rate'.")


def _in_rate_dtype(model, value: float, owner: str) -> float:
    """``value`` rounded as the learning-rate variable stores it (float32: 0.2 -> 0.2000000030)."""
    _, _, var = _optimizer_rate(model, owner)
    dtype = getattr(var, "dtype", None)
    return float(np.asarray(value, dtype=dtype)) if dtype else float(value)


def get_lr(model, owner="callback") -> float:
    """The current learning rate of ``model.optimizer`` as a float."""
    _, _, var = _optimizer_rate(model, owner)
    return float(var.get_value()) if hasattr(var, "get_value") else float(var)


def set_lr(model, value: float, owner="callback") -> None:
    """Set ``model.optimizer``'s learning rate without recompiling."""
    opt, attr, var = _optimizer_rate(model, owner)
    if hasattr(var, "set_value"):
        var.set_value(np.asarray(value, dtype=getattr(var, "dtype", None)))
    else:
        setattr(opt, attr, value)


# -- stopping and schedules ------------------------------------------------------
class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    As in Keras 2.2.4 and 3: after an improvement, training stops at the end of
    the ``patience``-th epoch without one (``patience=0`` stops at the first).

    Parameters
    ----------
    monitor : str
    min_delta : float
        Smallest change counted as an improvement.
    patience : int
        Epochs without improvement before stopping.
    verbose : int
        1 prints the stopping epoch.
    mode : {'auto', 'min', 'max'}
    baseline : float, optional
        Training stops unless the monitored value beats it within
        ``patience`` epochs.
    restore_best_weights : bool
        When stopping, set the weights of the best epoch.
    """

    def __init__(
        self,
        monitor="val_loss",
        min_delta=0,
        patience=0,
        verbose=0,
        mode="auto",
        baseline=None,
        restore_best_weights=False,
    ):
        super().__init__()
        owner = "EarlyStopping"
        self.monitor = monitor
        self.patience = _check_number(owner, "patience", patience, low=0, integer=True)
        self.verbose = verbose
        self.baseline = None if baseline is None else _check_number(owner, "baseline", baseline)
        self.restore_best_weights = bool(restore_best_weights)
        self.monitor_op, _ = _monitor_op(monitor, mode, owner)
        delta = abs(_check_number(owner, "min_delta", min_delta))
        self.min_delta = delta if self.monitor_op is np.greater else -delta
        self.wait = 0
        self.stopped_epoch = 0
        self.best_weights = None
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best_weights = None
        if self.baseline is not None:
            self.best = self.baseline
        else:
            self.best = -np.inf if self.monitor_op is np.greater else np.inf

    def on_epoch_end(self, epoch, logs=None):
        current = _monitored(logs, self.monitor, "EarlyStopping")
        if self.monitor_op(current - self.min_delta, self.best):
            self.best = current
            self.wait = 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                if self.verbose > 0:
                    print("Restoring model weights from the end of the best epoch")
                self.model.set_weights(self.best_weights)

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1:05d}: early stopping")


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` stops improving.

    Keras 2.2.4's rule: after ``patience`` epochs without an improvement of
    at least ``min_delta``, ``lr = max(lr * factor, min_lr)``, then wait
    ``cooldown`` epochs (no counting) before counting again.

    Parameters
    ----------
    monitor : str
    factor : float
        In ``[0, 1)``.
    patience : int
    verbose : int
    mode : {'auto', 'min', 'max'}
    min_delta : float
        ``epsilon=`` is Keras 2's deprecated name for it.
    cooldown : int
    min_lr : float
    """

    def __init__(
        self,
        monitor="val_loss",
        factor=0.1,
        patience=10,
        verbose=0,
        mode="auto",
        min_delta=1e-4,
        cooldown=0,
        min_lr=0,
        **kwargs,
    ):
        super().__init__()
        owner = "ReduceLROnPlateau"
        if "epsilon" in kwargs:
            min_delta = kwargs.pop("epsilon")
            warnings.warn(
                "`epsilon` argument is deprecated and will be removed, use `min_delta` instead.",
                stacklevel=2,
            )
        if kwargs:
            from kerasque.utils.generic import check_kwargs

            check_kwargs(owner, kwargs, list(inspect.signature(ReduceLROnPlateau).parameters))
        self.monitor = monitor
        self.factor = _check_number(owner, "factor", factor, low=0)
        if self.factor >= 1.0:
            raise ValueError(
                f"ReduceLROnPlateau does not support a factor >= 1.0, received {factor!r}."
            )
        self.patience = _check_number(owner, "patience", patience, low=0, integer=True)
        self.verbose = verbose
        _check_mode(mode, owner)
        self.mode = mode
        self.min_delta = _check_number(owner, "min_delta", min_delta)
        self.cooldown = _check_number(owner, "cooldown", cooldown, low=0, integer=True)
        self.min_lr = _check_number(owner, "min_lr", min_lr, low=0)
        self._reset()

    def _reset(self):
        if _maximizes(self.monitor, self.mode):
            self.monitor_op = lambda a, b: np.greater(a, b + self.min_delta)
            self.best = -np.inf
        else:
            self.monitor_op = lambda a, b: np.less(a, b - self.min_delta)
            self.best = np.inf
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["lr"] = get_lr(self.model, "ReduceLROnPlateau")
        current = _monitored(logs, self.monitor, "ReduceLROnPlateau")
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old = get_lr(self.model, "ReduceLROnPlateau")
                # Compared as stored, so a rate already at min_lr is not "reduced" again.
                if old > _in_rate_dtype(self.model, self.min_lr, "ReduceLROnPlateau"):
                    new = max(old * self.factor, self.min_lr)
                    set_lr(self.model, new, "ReduceLROnPlateau")
                    if self.verbose > 0:
                        print(
                            f"\nEpoch {epoch + 1:05d}: ReduceLROnPlateau reducing learning "
                            f"rate to {new}."
                        )
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


def _schedule_name(schedule) -> str:
    return (
        getattr(schedule, "__qualname__", None)
        or getattr(schedule, "__name__", None)
        or repr(schedule)
    )


def _takes_two(schedule) -> bool:
    """Whether ``schedule`` accepts ``(epoch, lr)``; decided once, from its signature."""
    try:
        signature = inspect.signature(schedule)
    except (TypeError, ValueError):  # a builtin without a signature: Keras 2's new API
        return True
    try:
        signature.bind(0, 0.1)
    except TypeError:
        return False
    return True


class LearningRateScheduler(Callback):
    """Set the learning rate each epoch from ``schedule(epoch)`` or ``schedule(epoch, lr)``.

    The arity is read from the schedule's signature once, so an error raised
    inside the schedule reaches the user unchanged (Keras 2 retried with one
    argument on any TypeError, hiding the real one). The schedule must
    return a finite number >= 0.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(
                f"LearningRateScheduler expects a callable schedule, received {schedule!r}."
            )
        self.schedule = schedule
        self.verbose = verbose
        self._two = _takes_two(schedule)

    def on_epoch_begin(self, epoch, logs=None):
        if self._two:
            lr = self.schedule(epoch, get_lr(self.model, "LearningRateScheduler"))
        else:
            lr = self.schedule(epoch)
        if isinstance(lr, np.ndarray) and lr.ndim == 0:
            lr = lr[()]
        if (
            isinstance(lr, bool)
            or not isinstance(lr, numbers.Real)
            or not math.isfinite(lr)
            or lr < 0
        ):
            raise ValueError(
                f"LearningRateScheduler: schedule {_schedule_name(self.schedule)!r} must return "
                f"a finite number >= 0 for epoch {epoch}, returned {lr!r}."
            )
        set_lr(self.model, float(lr), "LearningRateScheduler")
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1:05d}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lr"] = get_lr(self.model, "LearningRateScheduler")


class LambdaCallback(Callback):
    """A callback from functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``.

    ``on_epoch_begin/end`` and ``on_batch_begin/end`` take ``(index, logs)``,
    ``on_train_begin/end`` take ``(logs)``. Other ``on_*`` hooks may be passed
    by keyword too (Keras 3).
    """

    def __init__(
        self,
        on_epoch_begin=None,
        on_epoch_end=None,
        on_batch_begin=None,
        on_batch_end=None,
        on_train_begin=None,
        on_train_end=None,
        **kwargs,
    ):
        super().__init__()
        hooks = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_batch_begin": on_batch_begin,
            "on_batch_end": on_batch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
        }
        for name, fn in kwargs.items():
            if not (name.startswith("on_") and hasattr(Callback, name)):
                from kerasque.utils.generic import check_kwargs

                check_kwargs(
                    "LambdaCallback", {name: fn}, [h for h in vars(Callback) if h.startswith("on_")]
                )
            hooks[name] = fn
        for name, fn in hooks.items():
            if fn is None:
                continue
            if not callable(fn):
                raise TypeError(f"LambdaCallback: {name} must be callable, received {fn!r}.")
            setattr(self, name, fn)


class CSVLogger(Callback):
    """Write one row of epoch logs per epoch to ``filename``.

    With ``append=True`` rows go after the existing ones and the header is
    written only into an empty or new file.
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = os.fspath(filename)
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(f"CSVLogger: separator must be one character, received {separator!r}.")
        self.sep = self.separator = separator
        self.append = bool(append)
        self.keys = None
        self.writer = None
        self.file = None

    def on_train_begin(self, logs=None):
        self.append_header = True
        if self.append and os.path.exists(self.filename):
            self.append_header = os.path.getsize(self.filename) == 0
        # Open for the whole run, closed in on_train_end.
        self.file = open(self.filename, "a" if self.append else "w", newline="")  # noqa: SIM115
        self.writer = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
        if self.writer is None:
            self.writer = csv.writer(self.file, delimiter=self.sep)
            if self.append_header:
                self.writer.writerow(["epoch", *self.keys])
        self.writer.writerow([epoch, *[_csv_value(logs.get(k, "NA")) for k in self.keys]])
        self.file.flush()

    def on_train_end(self, logs=None):
        if self.file is not None:
            self.file.close()
        self.file = None
        self.writer = None


def _csv_value(v):
    if isinstance(v, np.ndarray) and v.ndim:
        return "[" + ", ".join(map(str, v.ravel())) + "]"
    return v


class ModelCheckpoint(Callback):
    """Save the model (or its weights) at the end of every ``period`` epochs.

    Parameters
    ----------
    filepath : str
        May hold ``{epoch:02d}`` (1-based, as Keras) and any log key, e.g.
        ``'ckpt-{epoch:02d}-{val_loss:.4f}.h5'``.
    monitor : str
        The log key compared when ``save_best_only``.
    verbose : int
        1 prints a line per save.
    save_best_only : bool
        Save only when ``monitor`` improves on the best value seen so far.
    save_weights_only : bool
        ``model.save_weights`` instead of ``model.save``. A full save also
        holds the optimizer and random state, so training resumes exactly
        from it with ``fit(..., initial_epoch=epoch)``.
    mode : {'auto', 'min', 'max'}
        'auto' maximizes accuracy-like keys and minimizes the rest.
    period : int
        Epochs between checks (Keras 2).
    save_freq : 'epoch'
        Keras 3's spelling of ``period=1``; saving every N batches is not
        supported.

    Examples
    --------
    >>> from kerasque.callbacks import ModelCheckpoint
    >>> checkpoint = ModelCheckpoint("best.h5", save_best_only=True)
    """

    def __init__(
        self,
        filepath,
        monitor="val_loss",
        verbose=0,
        save_best_only=False,
        save_weights_only=False,
        mode="auto",
        period=1,
        save_freq="epoch",
    ):
        super().__init__()
        owner = "ModelCheckpoint"
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        self.monitor_op, self.best = _monitor_op(monitor, mode, owner)
        self.period = _check_number(owner, "period", period, low=1, integer=True)
        if save_freq != "epoch":
            raise ValueError(
                f"ModelCheckpoint: save_freq={save_freq!r} is not supported; kerasque saves "
                "at epoch ends only (save_freq='epoch', or period=N for every N epochs)."
            )
        self.epochs_since_last_save = 0

    def _path(self, epoch, logs):
        try:
            return self.filepath.format(**{**logs, "epoch": epoch + 1})
        except KeyError as err:
            raise ValueError(
                f"ModelCheckpoint filepath {self.filepath!r} names {err.args[0]!r}, which is "
                f"not among the logs {sorted(logs)}."
            ) from None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epochs_since_last_save += 1
        if self.epochs_since_last_save < self.period:
            return
        self.epochs_since_last_save = 0
        path = self._path(epoch, logs)
        if self.save_best_only:
            value = _monitored(logs, self.monitor, "ModelCheckpoint")
            if not self.monitor_op(value, self.best):
                if self.verbose > 0:
                    print(
                        f"\nEpoch {epoch + 1:05d}: {self.monitor} did not improve from "
                        f"{self.best:0.5f}"
                    )
                return
            if self.verbose > 0:
                print(
                    f"\nEpoch {epoch + 1:05d}: {self.monitor} improved from {self.best:0.5f} "
                    f"to {value:0.5f}, saving model to {path}"
                )
            self.best = value
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1:05d}: saving model to {path}")
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)


class RemoteMonitor(Callback):
    """Not supported: kerasque makes no network calls.

    Log to a file with :class:`CSVLogger`, or send the logs yourself from a
    :class:`LambdaCallback`.
    """

    def __init__(self, *args, **kwargs):
        raise NotImplementedError(
            "RemoteMonitor is not supported: kerasque makes no network calls. Use "
            "CSVLogger(filename), or LambdaCallback(on_epoch_end=...) to send the logs yourself."
        )


class TensorBoard(Callback):
    """Not supported: no TensorBoard event writer is among kerasque's dependencies.

    :class:`CSVLogger` writes the same per-epoch scalars, and
    :func:`kerasque.utils.plot_history` draws them.
    """

    def __init__(self, *args, **kwargs):
        raise NotImplementedError(
            "TensorBoard is not supported: kerasque has no TensorBoard event writer. Use "
            "CSVLogger(filename) for the per-epoch scalars and kerasque.utils.plot_history(...) "
            "to draw them."
        )
