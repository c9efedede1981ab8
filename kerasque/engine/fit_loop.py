"""The training loop as small objects with one job each.

- :class:`RunningMean` accumulates batch results (size-weighted means), read
  back only when asked, so the batch loop never waits for a step it
  dispatched;
- :class:`BatchLoop` runs one epoch's batches with the batch callbacks;
- :class:`EpochLoop` runs the epochs: batches, validation, epoch callbacks,
  and the stop conditions (``stop_training``, Ctrl-C);
- :class:`Interrupt` turns Ctrl-C into a flag the loops read at batch and
  epoch boundaries;
- :func:`mean_over` and :func:`outputs_over` run a test or predict function
  over every batch of a source (evaluate, validation, predict).

The loops see the compiled functions only through the protocol of
:mod:`kerasque.engine.function` (dispatch, flush) and the batches through
the sources of :mod:`kerasque.engine.feeds`.
"""

from __future__ import annotations

import signal
import sys
import threading

import numpy as np

from kerasque.callbacks import CallbackList, History, ProgbarLogger, needs_batch_values
from kerasque.engine.function import flush_pending


class RunningMean:
    """Size-weighted means of batch results, read back lazily.

    ``add`` keeps a dispatched batch's outputs without reading them; ``logs``
    reads whatever is pending and returns ``{name: mean}``.
    """

    def __init__(self, names):
        self.names = list(names)
        self.reset()

    def reset(self) -> None:
        self.sums = np.zeros(len(self.names))
        self.seen = 0
        self.pending: list = []

    def add(self, values, size: int) -> None:
        self.pending.append((values, size))
        self.seen += size

    def logs(self) -> dict:
        if self.pending:
            for values, size in self.pending:
                self.sums += np.array([float(v) for v in values]) * size
            self.pending = []
        return {k: float(v) for k, v in zip(self.names, self.sums / max(self.seen, 1))}


class Interrupt:
    """Ctrl-C as a flag (``requested``) while the block runs, in the main thread.

    Outside the main thread no handler can be installed and Ctrl-C raises as
    usual.
    """

    def __init__(self):
        self.requested = False
        self._previous = None

    def _handler(self, signum, frame):
        self.requested = True

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False


class StepProgbarLogger(ProgbarLogger):
    """:class:`ProgbarLogger` counting batches, for sources of unknown sample count."""

    def set_params(self, params: dict) -> None:
        super().set_params({**params, "samples": params["steps"]})

    def on_batch_end(self, batch, logs=None):
        super().on_batch_end(batch, {**(logs or {}), "size": 1})


class BatchLoop:
    """One epoch's batches: ``on_batch_begin``, a dispatched step, ``on_batch_end``.

    Parameters
    ----------
    step : callable
        ``step(batch) -> outputs`` (dispatched; read back lazily).
    callbacks : CallbackList
    names : list of str
        The log names of the step's outputs.
    """

    def __init__(self, step, callbacks, names):
        self.step = step
        self.callbacks = callbacks
        self.names = names
        self.batch_values = needs_batch_values(callbacks.callbacks)

    def run(self, batches, running: RunningMean, model, interrupt: Interrupt) -> bool:
        """Run the batches; return whether every batch ran (no stop, no Ctrl-C)."""
        for b, batch in enumerate(batches):
            logs = {"batch": b, "size": batch.size}
            self.callbacks.on_batch_begin(b, logs)
            values = self.step(batch)
            running.add(values, batch.size)
            if self.batch_values:
                logs = {**logs, **{k: float(v) for k, v in zip(self.names, values)}}
            self.callbacks.on_batch_end(b, logs)
            if model.stop_training or interrupt.requested:
                return False
        return True


class EpochLoop:
    """Epochs from ``initial_epoch`` to ``epochs``: batches, validation, epoch callbacks.

    ``model.epoch`` counts finished epochs: it is set when an epoch's last
    batch has run, before validation and the epoch-end callbacks (which may
    save the model), so a saved epoch always matches the saved weights.
    Ctrl-C, wherever it comes, stops at the next batch or epoch boundary:
    no batch of a later epoch runs after it.
    """

    def __init__(self, model, source, batch_loop, validate, running, history):
        self.model = model
        self.source = source
        self.batch_loop = batch_loop
        self.validate = validate
        self.running = running
        self.history = history

    def run(self, initial_epoch: int, epochs: int) -> None:
        model, cbl = self.model, self.batch_loop.callbacks
        model.stop_training = False
        with Interrupt() as interrupt:
            try:
                cbl.on_train_begin({})
                for epoch in range(initial_epoch, epochs):
                    if interrupt.requested or not self._epoch(epoch, interrupt):
                        break
                cbl.on_train_end({})
            finally:
                flush_pending()
            if interrupt.requested:
                self.history.interrupted = True
                sys.stdout.write(
                    f"\nTraining interrupted; the model keeps the weights of the last finished "
                    f"batch (model.epoch = {model.epoch}).\n"
                )

    def _epoch(self, epoch: int, interrupt: Interrupt) -> bool:
        """Run one epoch; return whether training goes on."""
        model, cbl = self.model, self.batch_loop.callbacks
        self.running.reset()
        cbl.on_epoch_begin(epoch, {})
        self.batch_loop.run(self.source.epoch(), self.running, model, interrupt)
        flush_pending()
        if interrupt.requested:
            return False
        logs = self.running.logs()
        model.epoch = epoch + 1
        if self.validate is not None:
            logs.update(self.validate())
        self.source.end_epoch()
        cbl.on_epoch_end(epoch, logs)
        return not (model.stop_training or interrupt.requested)


def make_callbacks(model, callbacks, verbose: int, params: dict, by_steps: bool):
    """The callback list of a fit: History, a progress bar if ``verbose``, the user's."""
    history = History()
    if callbacks is None:
        callbacks = []
    elif not isinstance(callbacks, (list, tuple)):
        callbacks = [callbacks]
    bar = [(StepProgbarLogger if by_steps else ProgbarLogger)(verbose)] if verbose else []
    return history, CallbackList([history] + bar + list(callbacks), model, params)


def mean_over(source, call, names) -> list:
    """Size-weighted means of ``call(batch)`` over one pass of ``source``."""
    running = RunningMean(names)
    try:
        for batch in source.epoch():
            running.add(call(batch), batch.size)
    finally:
        flush_pending()
    logs = running.logs()
    source.end_epoch()
    return [logs[k] for k in names]


def outputs_over(source, call, n_outputs: int) -> list:
    """``call(batch)``'s outputs over one pass of ``source``, concatenated per output."""
    try:
        chunks = [call(batch) for batch in source.epoch()]
    finally:
        flush_pending()
    source.end_epoch()
    return [np.concatenate([np.asarray(c[i]) for c in chunks]) for i in range(n_outputs)]
