"""``Model``: compile, fit, evaluate, predict.

``compile`` only records the optimizer, loss and metrics; each compiled
function (train, test, predict, stochastic predict) is built on first use
and reused until the next ``compile`` or a change of layers. Each is built in
its own forward pass with the phase as a Python bool, so the test and predict
graphs hold no random node and validation consumes no randomness.
"""

from __future__ import annotations

import contextlib
import inspect
import signal
import sys
import threading

import numpy as np
import pytensor.tensor as pt

from kerasque.config import floatx
from kerasque import losses as losses_mod
from kerasque import metrics as metrics_mod
from kerasque import optimizers as optimizers_mod
from kerasque.callbacks import CallbackList, History, ProgbarLogger, needs_batch_values
from kerasque.engine import context, modes
from kerasque.engine.compile import compile_function
from kerasque.engine.data import check_sample_counts, standardize_inputs, standardize_targets
from kerasque.engine.functional import Functional
from kerasque.engine.jax_generators import sync_generators
from kerasque.engine.symbolic import run_nodes
from kerasque.engine.tracing import placeholder
from kerasque.engine.training_state import TrainingState
from kerasque.utils.generic import check_kwargs, to_list
from kerasque.utils.random_state import numpy_generator


class Model(TrainingState, Functional):
    """A functional model: ``Model(inputs, outputs)``.

    Examples
    --------
    >>> from kerasque.layers import Input, Dense
    >>> from kerasque.models import Model
    >>> x = Input(shape=(4,))
    >>> model = Model(x, Dense(2, activation="softmax")(Dense(8)(x)))
    """

    def __init__(self, inputs, outputs, name=None):
        super().__init__(name=name)
        self._init_training()
        self._init_graph(inputs, outputs)

    # -- state ------------------------------------------------------------
    def _init_training(self) -> None:
        self.optimizer = None
        self.loss_functions = None
        self.compiled = False
        self.stop_training = False
        self._mode = None
        self._functions: dict = {}
        self._shuffle_rng = numpy_generator()
        self.epoch = 0

    def _invalidate(self) -> None:
        self._functions = {}

    def _ensure_graph(self) -> None:
        """Raise if the model has no graph yet (Sequential without input shape)."""

    def _require_compiled(self, what: str) -> None:
        if not self.compiled:
            raise RuntimeError(
                f"You must compile model {self.name!r} before calling {what}: "
                "model.compile(optimizer='adam', loss='categorical_crossentropy')."
            )

    # -- compile ----------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, mode=None, **kwargs):
        """Configure training.

        Parameters
        ----------
        optimizer : str or Optimizer
        loss : str, callable, or a list with one per output
        metrics : list, optional
            E.g. ``['accuracy']``.
        mode : str, optional
            Execution mode ('NUMBA', 'C', 'FAST_COMPILE', 'JAX'); see
            :mod:`kerasque.engine.modes`.
        """
        check_kwargs("compile", kwargs, _params(Model.compile))
        self._ensure_graph()
        if loss is None:
            raise ValueError("compile needs loss=, e.g. loss='categorical_crossentropy'.")
        self.optimizer = optimizers_mod.get(optimizer)
        loss_list = to_list(loss) if isinstance(loss, (list, tuple)) else [loss] * len(self.outputs)
        if len(loss_list) != len(self.outputs):
            raise ValueError(
                f"compile: model {self.name!r} has {len(self.outputs)} outputs, received "
                f"{len(loss_list)} losses."
            )
        self.loss_functions = [losses_mod.get(l) for l in loss_list]
        self.loss = loss
        self.metrics = list(metrics or [])
        self.metric_specs = []
        for i, out in enumerate(self.outputs):
            prefix = f"{out.node.layer.name}_" if len(self.outputs) > 1 else ""
            for m in self.metrics:
                name, fn = metrics_mod.resolve(m, self.loss_functions[i], out.shape)
                self.metric_specs.append((i, prefix + name, fn))
        self._mode = modes.resolve(mode)
        self._functions = {}
        self.compiled = True

    @property
    def metrics_names(self) -> list:
        return ["loss"] + [name for _, name, _ in getattr(self, "metric_specs", [])]

    # -- compiled functions -----------------------------------------------
    def _function(self, kind: str):
        if kind not in self._functions:
            self._ensure_graph()
            builder = {"train": self._build_train, "test": self._build_test,
                       "predict": self._build_predict,
                       "predict_stochastic": self._build_predict_stochastic}[kind]
            self._functions[kind] = builder()
        return self._functions[kind]

    def _placeholders(self):
        return [placeholder(t, f"x{i}") for i, t in enumerate(self.inputs)]

    def _targets(self):
        ys = []
        for i, (out, fn) in enumerate(zip(self.outputs, self.loss_functions)):
            if losses_mod.TARGETS.get(fn) == "sparse":
                ys.append(pt.tensor(f"y{i}", dtype="int32", shape=out.shape[:-1]))
            else:
                ys.append(pt.tensor(f"y{i}", dtype=floatx(), shape=out.shape))
        return ys

    def _loss_and_metrics(self, outs, ys):
        total = sum(fn(y, o) for fn, y, o in zip(self.loss_functions, ys, outs))
        penalties = self.losses
        if penalties:
            total = total + sum(penalties)
        vals = [fn(ys[i], outs[i]) for i, _, fn in self.metric_specs]
        return total, vals

    def _build_train(self):
        weights = self.trainable_weights
        if not weights:
            raise ValueError(f"Model {self.name!r} has no trainable weights to fit.")
        with context.forward_pass("train") as fp:
            xs, ys = self._placeholders(), self._targets()
            outs, _ = run_nodes(self.inputs, xs, self.outputs, True)
            total, vals = self._loss_and_metrics(outs, ys)
            updates = self.optimizer.get_updates(weights, total, self.all_constraints())
        return compile_function(xs + ys, [total, *vals], updates + fp.all_updates(),
                                draw_owner=fp.draw_owner, mode=self._mode, name="train")

    def _build_test(self):
        with context.forward_pass("test") as fp:
            xs, ys = self._placeholders(), self._targets()
            outs, _ = run_nodes(self.inputs, xs, self.outputs, False)
            total, vals = self._loss_and_metrics(outs, ys)
        return compile_function(xs + ys, [total, *vals], fp.all_updates(),
                                draw_owner=fp.draw_owner, mode=self._mode, name="test")

    def _build_predict(self):
        with context.forward_pass("predict") as fp:
            xs = self._placeholders()
            outs, _ = run_nodes(self.inputs, xs, self.outputs, False)
        return compile_function(xs, outs, fp.all_updates(), draw_owner=fp.draw_owner,
                                mode=self._mode, name="predict")

    def _build_predict_stochastic(self):
        # Monte Carlo prediction: fresh masks every call, but no layer-state
        # updates (a BatchNormalization's moving averages stay as trained).
        with context.forward_pass("predict_stochastic") as fp:
            xs = self._placeholders()
            outs, _ = run_nodes(self.inputs, xs, self.outputs, True)
        return compile_function(xs, outs, fp.rng_updates(), draw_owner=fp.draw_owner,
                                mode=self._mode, name="predict_stochastic")

    # -- batches ----------------------------------------------------------
    @staticmethod
    def _check_batch_size(batch_size) -> int:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, received {batch_size!r}.")
        return int(batch_size)

    def _mean_over_batches(self, fn, arrays, n, batch_size) -> list:
        feed = fn.batches(arrays)
        feed.epoch()
        results = [(fn.call_async(*feed.batch(s, min(s + batch_size, n))), min(batch_size, n - s))
                   for s in range(0, n, batch_size)]
        return [float(v) for v in _weighted_sums(results) / n]

    def _prepare(self, x, y):
        xs = standardize_inputs(self, x)
        ys = standardize_targets(self, y)
        n = check_sample_counts(xs, ys)
        return xs, ys, n

    # -- public API -------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=32, epochs=1, verbose=1, callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, initial_epoch=0, **kwargs):
        """Train for ``epochs`` epochs; returns a :class:`~kerasque.callbacks.History`.

        Ctrl-C stops at the end of the running batch: the model keeps the
        weights of the last finished batch and ``history.interrupted`` is True.
        """
        check_kwargs("fit", kwargs, _params(Model.fit))
        self._require_compiled("fit")
        batch_size = self._check_batch_size(batch_size)
        for name, value in (("epochs", epochs), ("initial_epoch", initial_epoch)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ValueError(f"fit: {name} must be a non-negative integer, received {value!r}.")
        if not 0 <= validation_split < 1:
            raise ValueError(f"fit: validation_split must be in [0, 1), received {validation_split!r}.")
        if verbose not in (0, 1, 2):
            raise ValueError(f"fit: verbose must be 0, 1 or 2, received {verbose!r}.")
        xs, ys, n = self._prepare(x, y)
        val = None
        if validation_data is not None:
            if not isinstance(validation_data, (list, tuple)) or len(validation_data) != 2:
                raise ValueError("fit: validation_data must be a tuple (x_val, y_val).")
            vx, vy, vn = self._prepare(*validation_data)
            val = (vx + vy, vn)
        elif validation_split:
            split = int(n * (1 - validation_split))
            if split in (0, n):
                raise ValueError(
                    f"fit: validation_split={validation_split} leaves no training or no "
                    f"validation samples out of {n}."
                )
            val = ([a[split:] for a in xs + ys], n - split)
            xs, ys, n = [a[:split] for a in xs], [a[:split] for a in ys], split
        train = self._function("train")
        test = self._function("test") if val is not None else None
        return self._fit_loop(train, test, xs + ys, n, val, batch_size, epochs, verbose,
                              callbacks, shuffle, initial_epoch)

    def _fit_loop(self, train, test, arrays, n, val, batch_size, epochs, verbose,
                  callbacks, shuffle, initial_epoch):
        history = History()
        names = self.metrics_names
        # Batch results not yet read back: in the JAX mode each training call
        # returns at once and the next batch is dispatched while it computes;
        # the loss is read when a callback needs it, or at the epoch's end.
        running = {"sums": np.zeros(len(names)), "seen": 0, "pending": []}

        def running_logs():
            if running["pending"]:
                running["sums"] += _weighted_sums(running["pending"])
                running["pending"] = []
            return {k: float(v) for k, v in zip(names, running["sums"] / max(running["seen"], 1))}

        cbs = [history] + ([ProgbarLogger(verbose)] if verbose else []) + list(callbacks or [])
        params = {"epochs": epochs, "samples": n, "batch_size": batch_size, "verbose": verbose,
                  "steps": -(-n // batch_size), "metrics": names, "running": running_logs}
        cbl = CallbackList(cbs, self, params)
        batch_values = needs_batch_values(cbl.callbacks)
        feed = train.batches(arrays)
        self.stop_training = False
        with _interrupt_guard() as interrupted, _synced_generators():
            cbl.on_train_begin({})
            for epoch in range(initial_epoch, epochs):
                running["sums"][:], running["seen"], running["pending"] = 0, 0, []
                cbl.on_epoch_begin(epoch, {})
                feed.epoch(self._shuffle_rng.permutation(n) if shuffle else None)
                for b, start in enumerate(range(0, n, batch_size)):
                    stop = min(start + batch_size, n)
                    logs = {"batch": b, "size": stop - start}
                    cbl.on_batch_begin(b, logs)
                    vals = train.call_async(*feed.batch(start, stop))
                    running["pending"].append((vals, stop - start))
                    running["seen"] += stop - start
                    if batch_values:
                        logs = {**logs, **{k: float(v) for k, v in zip(names, vals)}}
                    cbl.on_batch_end(b, logs)
                    if self.stop_training or interrupted["flag"]:
                        break
                sync_generators()
                if interrupted["flag"]:
                    history.interrupted = True
                    sys.stdout.write(
                        f"\nTraining interrupted in epoch {epoch + 1}; the model keeps the "
                        "weights of the last finished batch.\n"
                    )
                    break
                logs = running_logs()
                if val is not None:
                    vals = self._mean_over_batches(test, val[0], val[1], batch_size)
                    logs.update({f"val_{k}": v for k, v in zip(names, vals)})
                self.epoch = epoch + 1
                cbl.on_epoch_end(epoch, logs)
                if self.stop_training:
                    break
            cbl.on_train_end({})
        return history

    def evaluate(self, x=None, y=None, batch_size=32, verbose=0, **kwargs):
        """Mean loss (and metrics) over ``x, y``: a float, or ``[loss, *metrics]``."""
        check_kwargs("evaluate", kwargs, _params(Model.evaluate))
        self._require_compiled("evaluate")
        batch_size = self._check_batch_size(batch_size)
        xs, ys, n = self._prepare(x, y)
        vals = self._mean_over_batches(self._function("test"), xs + ys, n, batch_size)
        if verbose:
            print(" - ".join(f"{k}: {v:.4f}" for k, v in zip(self.metrics_names, vals)))
        return vals[0] if len(vals) == 1 else vals

    def predict(self, x, batch_size=32, verbose=0, training=False, **kwargs):
        """Outputs for ``x``; ``training=True`` draws fresh masks (Monte Carlo dropout)."""
        check_kwargs("predict", kwargs, _params(Model.predict))
        batch_size = self._check_batch_size(batch_size)
        self._ensure_graph()
        xs = standardize_inputs(self, x)
        n = check_sample_counts(xs)
        fn = self._function("predict_stochastic" if training else "predict")
        feed = fn.batches(xs)
        feed.epoch()
        with _synced_generators():
            chunks = [fn.call_async(*feed.batch(s, min(s + batch_size, n)))
                      for s in range(0, n, batch_size)]
        outs = [np.concatenate([np.asarray(c[i]) for c in chunks])
                for i in range(len(self.outputs))]
        return outs[0] if len(outs) == 1 else outs

    def predict_uncertainty(self, x, samples=30, batch_size=32):
        """Mean and standard deviation over ``samples`` stochastic forward passes.

        One compiled stochastic function serves every pass; each pass draws
        fresh masks from every Dropout, DropConnect and ZoneOut layer.
        """
        if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 2:
            raise ValueError(f"predict_uncertainty: samples must be an integer >= 2, received {samples!r}.")
        draws = [self.predict(x, batch_size=batch_size, training=True) for _ in range(samples)]
        if isinstance(draws[0], list):
            stacks = [np.stack([d[i] for d in draws]) for i in range(len(draws[0]))]
            return [s.mean(0) for s in stacks], [s.std(0) for s in stacks]
        stack = np.stack(draws)
        return stack.mean(0), stack.std(0)

    def train_on_batch(self, x, y):
        """One optimizer step on one batch; returns the loss (or ``[loss, *metrics]``)."""
        self._require_compiled("train_on_batch")
        xs, ys, _ = self._prepare(x, y)
        vals = [float(v) for v in self._function("train")(*xs, *ys)]
        return vals[0] if len(vals) == 1 else vals

    def test_on_batch(self, x, y):
        self._require_compiled("test_on_batch")
        xs, ys, _ = self._prepare(x, y)
        vals = [float(v) for v in self._function("test")(*xs, *ys)]
        return vals[0] if len(vals) == 1 else vals

    def predict_on_batch(self, x):
        self._ensure_graph()
        xs = standardize_inputs(self, x)
        outs = self._function("predict")(*xs)
        return outs[0] if len(outs) == 1 else outs

    def summary(self, print_fn=print) -> None:
        """Print layers, output shapes and parameter counts."""
        from kerasque.engine.summary import summary_lines

        self._ensure_graph()
        for line in summary_lines(self):
            print_fn(line)

    # -- saving (see kerasque.saving) ---------------------------------------
    def get_config(self) -> dict:
        """Keras's functional config: layers with their inbound nodes, inputs, outputs."""
        from kerasque.saving.serialization import functional_config

        return functional_config(self)

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        from kerasque.saving.serialization import functional_from_config

        return functional_from_config(cls, config, custom_objects)

    def save(self, filepath) -> None:
        """Save architecture, weights, compile settings, optimizer and random state (HDF5)."""
        from kerasque.saving import save_model

        save_model(self, filepath)

    def save_weights(self, filepath) -> None:
        """Save the layer weights only (HDF5, Keras's layout)."""
        from kerasque.saving import save_weights

        save_weights(self, filepath)

    def load_weights(self, filepath, by_name: bool = False) -> None:
        """Load layer weights from a weights file or a full model file."""
        from kerasque.saving import load_weights

        load_weights(self, filepath, by_name=by_name)


def _params(method) -> tuple:
    """Parameter names of ``method``, for "did you mean" hints on bad keywords."""
    return tuple(p for p in inspect.signature(method).parameters if p not in ("self", "kwargs"))


def _weighted_sums(results) -> np.ndarray:
    """Sum of ``values * size`` over ``(values, size)`` batch results (reads them back)."""
    return sum(np.array([float(v) for v in vals]) * size for vals, size in results)


@contextlib.contextmanager
def _synced_generators():
    """Write pending JAX generator states back when the block ends, however it ends."""
    try:
        yield
    finally:
        sync_generators()


@contextlib.contextmanager
def _interrupt_guard():
    """Turn Ctrl-C during fit into a flag read at the next batch boundary."""
    state = {"flag": False}
    if threading.current_thread() is not threading.main_thread():
        yield state
        return

    def handler(signum, frame):
        state["flag"] = True

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield state
    finally:
        signal.signal(signal.SIGINT, previous)
