"""``Model``: compile, fit, evaluate, predict.

``compile`` records the optimizer, losses and metrics; they are resolved per
output (:mod:`kerasque.engine.objectives`) once the model has a graph, and
each compiled function (train, test, predict, stochastic predict; train and
test also with sample-weight inputs) is built on first use and reused until
the next ``compile`` or a change of layers. Each is built in its own forward
pass with the phase as a Python bool, so the test and predict graphs hold no
random node and validation consumes no randomness.

The loops live in :mod:`kerasque.engine.fit_loop`, the data sources in
:mod:`kerasque.engine.feeds`, the checks of user data in
:mod:`kerasque.engine.data` and of ``fit``'s arguments in
:mod:`kerasque.engine.fit_args`. This module sees compiled functions only
through the protocol of :mod:`kerasque.engine.function`, whatever the mode.
"""

from __future__ import annotations

import itertools
import os
import warnings

import numpy as np
import pytensor.tensor as pt
from pytensor.graph.traversal import ancestors

from kerasque import optimizers as optimizers_mod
from kerasque.config import floatx
from kerasque.engine import context, fit_args, modes
from kerasque.engine.compile import compile_function
from kerasque.engine.data import (
    check_sample_counts,
    standardize_inputs,
    standardize_targets,
    standardize_weights,
)
from kerasque.engine.feeds import ArrayFeed, Batch, GeneratorFeed, SequenceFeed, is_batch_source
from kerasque.engine.fit_args import params_of
from kerasque.engine.fit_loop import (
    BatchLoop,
    EpochLoop,
    RunningMean,
    make_callbacks,
    mean_over,
    outputs_over,
)
from kerasque.engine.functional import Functional, graph_arguments
from kerasque.engine.objectives import metrics_names, resolve_outputs, weighted_objective
from kerasque.engine.symbolic import run_nodes
from kerasque.engine.tracing import placeholder
from kerasque.engine.training_state import TrainingState
from kerasque.utils.data_utils import Sequence
from kerasque.utils.generic import check_kwargs
from kerasque.utils.random_state import numpy_generator

_BUILDERS = {
    "train": "_build_train",
    "test": "_build_test",
    "predict": "_build_predict",
    "predict_stochastic": "_build_predict_stochastic",
}


class Model(TrainingState, Functional):
    """A functional model: ``Model(inputs, outputs)``.

    Examples
    --------
    >>> from kerasque.layers import Input, Dense
    >>> from kerasque.models import Model
    >>> x = Input(shape=(4,))
    >>> model = Model(x, Dense(2, activation="softmax")(Dense(8)(x)))
    """

    def __init__(self, inputs=None, outputs=None, name=None, **kwargs):
        inputs, outputs = graph_arguments(inputs, outputs, kwargs)
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
        self._compile_config: dict | None = None
        self._output_specs_cache = None
        self._collected_trainable_weights = None
        self._warned_trainable_weights = None
        self._shuffle_rng = numpy_generator()
        self.epoch = 0

    def _invalidate(self) -> None:
        self._functions = {}
        self._output_specs_cache = None

    def _ensure_graph(self) -> None:
        """Hook for models that may lack a graph; a functional model always has one.

        :class:`~kerasque.engine.sequential.Sequential` overrides it to raise
        a ValueError saying how to give the model an input shape.
        """

    def _maybe_build_from_data(self, x) -> None:
        """Hook: build the model from the first data it sees (a functional model is built)."""

    def _require_compiled(self, what: str) -> None:
        if not self.compiled:
            raise RuntimeError(
                f"You must compile model {self.name!r} before calling {what}: "
                "model.compile(optimizer='adam', loss='categorical_crossentropy')."
            )

    # -- compile ----------------------------------------------------------
    def compile(
        self,
        optimizer="rmsprop",
        loss=None,
        metrics=None,
        loss_weights=None,
        sample_weight_mode=None,
        weighted_metrics=None,
        mode=None,
        **kwargs,
    ):
        """Configure training.

        Parameters
        ----------
        optimizer : str or Optimizer
        loss : str, callable, list or dict, optional
            One loss for every output, a list with one per output, or a dict
            by output name (an output left out, or given None, does not
            train). ``None`` for a model whose losses all come from
            ``add_loss``.
        metrics : list or dict, optional
            E.g. ``['accuracy']`` for every output, a list of lists, or a
            dict by output name.
        loss_weights : list or dict, optional
            Scalars weighting each output's loss in the total.
        sample_weight_mode : None, 'temporal', list or dict
            'temporal': per-step sample weights of shape (samples, steps).
        weighted_metrics : list or dict, optional
            Metrics weighted by the sample (or class) weights, logged with a
            ``weighted_`` prefix.
        mode : str, optional
            Execution mode ('JAX', 'NUMBA', 'C', 'FAST_COMPILE'); see
            :mod:`kerasque.engine.modes`.
        """
        check_kwargs("compile", kwargs, params_of(Model.compile))
        self.optimizer = optimizers_mod.get(optimizer)
        self.loss = loss
        self.metrics = metrics if metrics is not None else []
        self.loss_weights = loss_weights
        self.sample_weight_mode = sample_weight_mode
        self.weighted_metrics = weighted_metrics
        self._compile_config = {
            "loss": loss,
            "metrics": metrics,
            "loss_weights": loss_weights,
            "sample_weight_mode": sample_weight_mode,
            "weighted_metrics": weighted_metrics,
        }
        self._mode = modes.resolve(mode)
        self._functions = {}
        self._output_specs_cache = None
        self._collected_trainable_weights = None
        self._warned_trainable_weights = None
        self.compiled = True
        if self.outputs:  # a Sequential without input shape resolves later
            self._output_specs()

    def _output_specs(self) -> list:
        """Losses, weights and metrics per output, resolved once the graph exists."""
        if self._output_specs_cache is None:
            self._ensure_graph()
            specs = resolve_outputs(self, self._compile_config)
            self._output_specs_cache = specs
            self.loss_functions = [s.loss for s in specs]
            if self._collected_trainable_weights is None:
                self._collected_trainable_weights = list(self.trainable_weights)
        return self._output_specs_cache

    @property
    def metrics_names(self) -> list:
        """``['loss', <output>_loss..., metrics...]``: the names of the logged values."""
        if not self.compiled or (self._output_specs_cache is None and not self.outputs):
            return ["loss"]
        return metrics_names(self._output_specs())

    def _check_trainable_weights_consistency(self) -> None:
        """Warn when ``trainable`` changed since compile (Keras: recompile to apply it).

        One warning per change: a loop of ``train_on_batch`` calls, or ``fit``
        called again without recompiling, does not repeat it.
        """
        collected = self._collected_trainable_weights
        if collected is None:
            return
        current = frozenset(self.trainable_weights)
        if current == set(collected):
            self._warned_trainable_weights = None
        elif current != self._warned_trainable_weights:
            self._warned_trainable_weights = current
            warnings.warn(
                "Discrepancy between trainable weights and collected trainable weights: "
                f"a layer's `trainable` changed after model {self.name!r} was compiled. Call "
                "model.compile(...) again for the change to take effect.",
                UserWarning,
                stacklevel=3,
            )

    # -- compiled functions -----------------------------------------------
    def _function(self, kind: str, weighted: bool = False):
        key = f"{kind}_weighted" if weighted else kind
        if key not in self._functions:
            self._ensure_graph()
            builder = getattr(self, _BUILDERS[kind])
            self._functions[key] = builder(weighted) if kind in ("train", "test") else builder()
        return self._functions[key]

    def make_train_function(self):
        """The compiled training step (built on first use): ``[loss, *metrics]``."""
        self._require_compiled("make_train_function")
        return self._function("train")

    def make_test_function(self):
        """The compiled test step (built on first use): ``[loss, *metrics]``."""
        self._require_compiled("make_test_function")
        return self._function("test")

    def make_predict_function(self, training: bool = False):
        """The compiled predictor; ``training=True``: the Monte Carlo one (fresh masks)."""
        return self._function("predict_stochastic" if training else "predict")

    def _placeholders(self):
        return [placeholder(t, f"x{i}") for i, t in enumerate(self.inputs)]

    def _targets(self, specs):
        ys = []
        for i, (out, spec) in enumerate(zip(self.outputs, specs)):
            if spec.loss is None:
                continue
            if spec.sparse:
                ys.append(pt.tensor(f"y{i}", dtype="int32", shape=out.shape[:-1]))
            else:
                ys.append(pt.tensor(f"y{i}", dtype=floatx(), shape=out.shape))
        return ys

    @staticmethod
    def _weight_inputs(specs, weighted: bool):
        if not weighted:
            return []
        return [
            pt.tensor(f"sw{i}", dtype=floatx(), shape=(None, None) if s.temporal else (None,))
            for i, s in enumerate(specs)
            if s.loss is not None
        ]

    def _objective(self, specs, outs, masks, ys, ws, fp, tensor_terms=()):
        """The total loss, and the values logged after it (per-output losses, metrics).

        ``tensor_terms``: the model-tensor losses of this forward pass
        (:meth:`run_with_losses`).
        """
        trained = [i for i, s in enumerate(specs) if s.loss is not None]
        y_of, w_of = dict(zip(trained, ys)), dict(zip(trained, ws))
        output_losses, terms, logged = [], [], []
        for i in trained:
            value = weighted_objective(specs[i].loss, y_of[i], outs[i], w_of.get(i), masks[i])
            output_losses.append(value)
            weight = specs[i].loss_weight
            terms.append(value if weight == 1.0 else pt.constant(weight, dtype=floatx()) * value)
        terms += list(fp.losses()) + list(self.get_losses_for(None)) + list(tensor_terms)
        if not terms:
            raise ValueError(
                f"Model {self.name!r} has no loss to optimize: pass compile(loss=...) or add "
                "loss terms with add_loss."
            )
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        if len(specs) > 1:
            logged += output_losses
        for i in trained:
            for _, fn, weighted in specs[i].metrics:
                w = w_of.get(i) if weighted else None
                logged.append(weighted_objective(fn, y_of[i], outs[i], w, masks[i]))
        return total, logged

    def _build_train(self, weighted=False):
        specs = self._output_specs()
        weights = self._collected_trainable_weights
        with context.forward_pass("train") as fp:
            xs, ys, ws = (
                self._placeholders(),
                self._targets(specs),
                self._weight_inputs(specs, weighted),
            )
            with context.frozen_scope(not self.trainable):
                outs, masks, terms = self.run_with_losses(xs, True)
            total, logged = self._objective(specs, outs, masks, ys, ws, fp, terms)
            # Weights the loss does not reach (an output without loss) get no update.
            reached = set(ancestors([total]))
            weights = [w for w in weights if w in reached]
            updates = self.optimizer.get_updates(weights, total, self.all_constraints())
        return compile_function(
            xs + ys + ws,
            [total, *logged],
            updates + fp.all_updates(),
            draw_owner=fp.draw_owner,
            mode=self._mode,
            name="train",
        )

    def _build_test(self, weighted=False):
        specs = self._output_specs()
        with context.forward_pass("test") as fp:
            xs, ys, ws = (
                self._placeholders(),
                self._targets(specs),
                self._weight_inputs(specs, weighted),
            )
            outs, masks, terms = self.run_with_losses(xs, False)
            total, logged = self._objective(specs, outs, masks, ys, ws, fp, terms)
        return compile_function(
            xs + ys + ws,
            [total, *logged],
            fp.all_updates(),
            draw_owner=fp.draw_owner,
            mode=self._mode,
            name="test",
        )

    def _build_predict(self):
        with context.forward_pass("predict") as fp:
            xs = self._placeholders()
            outs, _ = run_nodes(self.inputs, xs, self.outputs, False)
        return compile_function(
            xs, outs, fp.all_updates(), draw_owner=fp.draw_owner, mode=self._mode, name="predict"
        )

    def _build_predict_stochastic(self):
        # Monte Carlo prediction: fresh masks every call, but no layer-state
        # updates (a BatchNormalization's moving averages stay as trained).
        with context.forward_pass("predict_stochastic") as fp:
            xs = self._placeholders()
            with context.frozen_scope(not self.trainable):
                outs, _ = run_nodes(self.inputs, xs, self.outputs, True)
        return compile_function(
            xs,
            outs,
            fp.rng_updates(),
            draw_owner=fp.draw_owner,
            mode=self._mode,
            name="predict_stochastic",
        )

    def _step(self, kind: str, owner: str):
        """``step(batch)``: dispatch the ``kind`` function on a batch; errors name ``owner``."""

        def step(batch):
            fn = self._function(kind, batch.weighted)
            try:
                return fn.dispatch(*batch.args)
            except (ValueError, TypeError, IndexError) as err:
                raise fit_args.data_error(owner, kind, batch, err) from err

        return step

    # -- data -------------------------------------------------------------
    def _standardize(self, x, y, sample_weight=None, class_weight=None):
        """Checked arrays (inputs, targets, weights), the sample count, and whether weighted."""
        specs = self._output_specs()
        xs = standardize_inputs(self, x)
        ys = standardize_targets(self, y, specs)
        check_sample_counts(xs, ys)
        ws = standardize_weights(specs, ys, sample_weight, class_weight)
        n = check_sample_counts(xs, ys, ws)
        return xs + ys + (ws or []), n, ws is not None

    def _batch_of(self, item, owner: str, class_weight=None) -> Batch:
        """A :class:`Batch` from a generator's or Sequence's ``(x, y[, sample_weight])``."""
        if not isinstance(item, (tuple, list)) or len(item) not in (2, 3):
            raise TypeError(
                f"{owner}: each batch of a generator or Sequence must be a tuple (x, y) or "
                f"(x, y, sample_weight), received {fit_args.describe(item)}."
            )
        sw = item[2] if len(item) == 3 else None
        args, n, weighted = self._standardize(item[0], item[1], sw, class_weight)
        return Batch(args, n, weighted)

    def _inputs_of(self, item) -> Batch:
        x = item[0] if isinstance(item, tuple) and len(item) in (1, 2, 3) else item
        xs = standardize_inputs(self, x)
        return Batch(xs, check_sample_counts(xs))

    def _source_feed(self, data, owner, steps, shuffle=False, class_weight=None, targets=True):
        """A feed over a Sequence or a generator."""
        if targets:

            def standardize(item):
                return self._batch_of(item, owner, class_weight)
        else:
            standardize = self._inputs_of
        if isinstance(data, Sequence):
            return SequenceFeed(data, standardize, shuffle, self._shuffle_rng, steps)
        return GeneratorFeed(data, standardize, steps, owner)

    def _build_from(self, data):
        """Give a model without a graph its input shape from ``data``.

        See ``_maybe_build_from_data``.

        For a generator, the first batch is read here and put back in front.
        """
        if not is_batch_source(data) or self.outputs:
            self._maybe_build_from_data(data)
            return data
        if isinstance(data, Sequence):
            first = data[0]
        else:
            first = next(data)
            data = itertools.chain([first], data)
        self._maybe_build_from_data(first[0] if isinstance(first, (tuple, list)) else first)
        return data

    # -- public API -------------------------------------------------------
    def fit(
        self,
        x=None,
        y=None,
        batch_size=32,
        epochs=1,
        verbose=1,
        callbacks=None,
        validation_split=0.0,
        validation_data=None,
        shuffle=True,
        class_weight=None,
        sample_weight=None,
        initial_epoch=0,
        steps_per_epoch=None,
        validation_steps=None,
        max_queue_size=10,
        workers=1,
        use_multiprocessing=False,
        **kwargs,
    ):
        """Train for ``epochs`` epochs; returns a :class:`~kerasque.callbacks.History`.

        ``x`` may also be a :class:`~kerasque.utils.Sequence` or a generator
        of ``(x, y[, sample_weight])`` batches (then ``steps_per_epoch`` for
        a generator). ``max_queue_size``, ``workers`` and
        ``use_multiprocessing`` are accepted for Keras compatibility; batches
        are read in the calling thread, in order, so runs are reproducible.
        Ctrl-C stops at the next batch or epoch boundary: the model keeps
        the weights of the last finished batch and ``history.interrupted``
        is True.
        """
        check_kwargs("fit", kwargs, params_of(Model.fit))
        x = self._build_from(x)
        self._require_compiled("fit")
        epochs, initial_epoch = fit_args.check_epochs(epochs, initial_epoch)
        verbose = fit_args.check_verbose("fit", verbose)
        steps = fit_args.check_steps("fit", "steps_per_epoch", steps_per_epoch)
        val_steps = fit_args.check_steps("fit", "validation_steps", validation_steps)
        shuffle = fit_args.check_shuffle(shuffle)
        self._check_trainable_weights_consistency()
        if is_batch_source(x):
            fit_args.check_source_args(
                "fit", y=y, sample_weight=sample_weight, validation_split=validation_split
            )
            source = self._source_feed(x, "fit", steps, shuffle, class_weight)
            validate = self._validator(validation_data, batch_size, val_steps)
        else:
            source, validate = self._array_feeds(
                x,
                y,
                sample_weight,
                class_weight,
                fit_args.check_batch_size(batch_size),
                shuffle,
                fit_args.check_validation_split(validation_split),
                validation_data,
                steps,
                val_steps,
            )
        return self._run_fit(
            source, validate, epochs, initial_epoch, verbose, callbacks, batch_size
        )

    def _array_feeds(
        self,
        x,
        y,
        sample_weight,
        class_weight,
        batch_size,
        shuffle,
        split,
        validation_data,
        steps,
        val_steps,
    ):
        """The training feed over arrays and the validation callable (or None)."""
        arrays, n, weighted = self._standardize(x, y, sample_weight, class_weight)
        validate = None
        if validation_data is not None:
            validate = self._validator(validation_data, batch_size, val_steps)
        elif split:
            arrays, n, val_arrays, val_n = fit_args.split_validation(arrays, n, split)
            test = self._function("test", weighted)
            feed = ArrayFeed(
                test.batches(val_arrays), val_n, batch_size, weighted=weighted, steps=val_steps
            )
            validate = self._validate_with(feed)
        train = self._function("train", weighted)
        source = ArrayFeed(
            train.batches(arrays), n, batch_size, shuffle, self._shuffle_rng, weighted, steps
        )
        return source, validate

    def _validator(self, data, batch_size, steps):
        if data is None:
            return None
        if is_batch_source(data):
            return self._validate_with(self._source_feed(data, "fit (validation_data)", steps))
        vx, vy, vw = fit_args.unpack_validation_data(data)
        arrays, n, weighted = self._standardize(vx, vy, vw)
        test = self._function("test", weighted)
        batch_size = fit_args.check_batch_size(batch_size)
        return self._validate_with(
            ArrayFeed(test.batches(arrays), n, batch_size, weighted=weighted, steps=steps)
        )

    def _validate_with(self, feed):
        names = self.metrics_names
        step = self._step("test", "fit (validation)")

        def validate():
            return {f"val_{k}": v for k, v in zip(names, mean_over(feed, step, names))}

        return validate

    def _run_fit(self, source, validate, epochs, initial_epoch, verbose, callbacks, batch_size):
        names = self.metrics_names
        running = RunningMean(names)
        by_steps = not isinstance(source, ArrayFeed)
        params = {
            "epochs": epochs,
            "steps": source.steps,
            "samples": getattr(source, "n", None),
            "batch_size": batch_size,
            "verbose": verbose,
            "do_validation": validate is not None,
            "metrics": names + ([f"val_{k}" for k in names] if validate else []),
            "running": running.logs,
        }
        history, cbl = make_callbacks(self, callbacks, verbose, params, by_steps)
        loop = BatchLoop(self._step("train", "fit"), cbl, names)
        EpochLoop(self, source, loop, validate, running, history).run(initial_epoch, epochs)
        return history

    def evaluate(
        self,
        x=None,
        y=None,
        batch_size=32,
        verbose=0,
        sample_weight=None,
        steps=None,
        max_queue_size=10,
        workers=1,
        use_multiprocessing=False,
        **kwargs,
    ):
        """Mean loss (and metrics) over ``x, y``: a float, or ``[loss, *metrics]``.

        ``x`` may be a Sequence or a generator of ``(x, y[, sample_weight])``.
        """
        check_kwargs("evaluate", kwargs, params_of(Model.evaluate))
        x = self._build_from(x)
        self._require_compiled("evaluate")
        verbose = fit_args.check_verbose("evaluate", verbose)
        steps = fit_args.check_steps("evaluate", "steps", steps)
        if is_batch_source(x):
            fit_args.check_source_args("evaluate", y=y, sample_weight=sample_weight)
            feed = self._source_feed(x, "evaluate", steps)
        else:
            arrays, n, weighted = self._standardize(x, y, sample_weight)
            test = self._function("test", weighted)
            feed = ArrayFeed(
                test.batches(arrays),
                n,
                fit_args.check_batch_size(batch_size),
                weighted=weighted,
                steps=steps,
            )
        names = self.metrics_names
        vals = mean_over(feed, self._step("test", "evaluate"), names)
        if verbose:
            print(" - ".join(f"{k}: {v:.4f}" for k, v in zip(names, vals)))
        return vals[0] if len(vals) == 1 else vals

    def predict(
        self,
        x,
        batch_size=32,
        verbose=0,
        steps=None,
        training=False,
        max_queue_size=10,
        workers=1,
        use_multiprocessing=False,
        **kwargs,
    ):
        """Outputs for ``x``; ``training=True`` draws fresh masks (Monte Carlo dropout).

        ``x`` may be a Sequence or a generator of ``x`` (or ``(x, y)``) batches.
        """
        check_kwargs("predict", kwargs, params_of(Model.predict))
        x = self._build_from(x)
        steps = fit_args.check_steps("predict", "steps", steps)
        kind = "predict_stochastic" if training else "predict"
        if is_batch_source(x):
            feed = self._source_feed(x, "predict", steps, targets=False)
        else:
            batch_size = fit_args.check_batch_size(batch_size)
            self._ensure_graph()
            xs = standardize_inputs(self, x)
            n = check_sample_counts(xs)
            feed = ArrayFeed(self._function(kind).batches(xs), n, batch_size, steps=steps)
        outs = outputs_over(feed, self._step(kind, "predict"), len(self.outputs))
        return outs[0] if len(outs) == 1 else outs

    def predict_uncertainty(self, x, samples=30, batch_size=32):
        """Mean and standard deviation over ``samples`` stochastic forward passes.

        One compiled stochastic function serves every pass; each pass draws
        fresh masks from every Dropout, DropConnect and ZoneOut layer.
        """
        samples = fit_args.check_count("predict_uncertainty", "samples", samples, minimum=2)
        draws = [self.predict(x, batch_size=batch_size, training=True) for _ in range(samples)]
        if isinstance(draws[0], list):
            stacks = [np.stack([d[i] for d in draws]) for i in range(len(draws[0]))]
            return [s.mean(0) for s in stacks], [s.std(0) for s in stacks]
        stack = np.stack(draws)
        return stack.mean(0), stack.std(0)

    # -- generators (Keras 2's names) ----------------------------------------
    def fit_generator(
        self,
        generator,
        steps_per_epoch=None,
        epochs=1,
        verbose=1,
        callbacks=None,
        validation_data=None,
        validation_steps=None,
        class_weight=None,
        max_queue_size=10,
        workers=1,
        use_multiprocessing=False,
        shuffle=True,
        initial_epoch=0,
    ):
        """:meth:`fit` on a generator or Sequence of ``(x, y[, sample_weight])`` batches."""
        fit_args.check_source("fit_generator", generator)
        return self.fit(
            generator,
            steps_per_epoch=steps_per_epoch,
            epochs=epochs,
            verbose=verbose,
            callbacks=callbacks,
            validation_data=validation_data,
            validation_steps=validation_steps,
            class_weight=class_weight,
            shuffle=shuffle,
            initial_epoch=initial_epoch,
        )

    def evaluate_generator(
        self,
        generator,
        steps=None,
        max_queue_size=10,
        workers=1,
        use_multiprocessing=False,
        verbose=0,
    ):
        """:meth:`evaluate` on a generator or Sequence."""
        fit_args.check_source("evaluate_generator", generator)
        return self.evaluate(generator, steps=steps, verbose=verbose)

    def predict_generator(
        self,
        generator,
        steps=None,
        max_queue_size=10,
        workers=1,
        use_multiprocessing=False,
        verbose=0,
    ):
        """:meth:`predict` on a generator or Sequence."""
        fit_args.check_source("predict_generator", generator)
        return self.predict(generator, steps=steps, verbose=verbose)

    # -- one batch ----------------------------------------------------------
    def train_on_batch(self, x, y, sample_weight=None, class_weight=None):
        """One optimizer step on one batch; returns the loss (or ``[loss, *metrics]``)."""
        self._maybe_build_from_data(x)
        self._require_compiled("train_on_batch")
        self._check_trainable_weights_consistency()
        return self._on_batch("train", "train_on_batch", x, y, sample_weight, class_weight)

    def test_on_batch(self, x, y, sample_weight=None):
        """Loss (and metrics) on one batch, without training."""
        self._maybe_build_from_data(x)
        self._require_compiled("test_on_batch")
        return self._on_batch("test", "test_on_batch", x, y, sample_weight, None)

    def _on_batch(self, kind, owner, x, y, sample_weight, class_weight):
        args, n, weighted = self._standardize(x, y, sample_weight, class_weight)
        outs = self._step(kind, owner)(Batch(args, n, weighted))
        self._function(kind, weighted).flush()
        vals = [float(v) for v in outs]
        return vals[0] if len(vals) == 1 else vals

    def predict_on_batch(self, x):
        """Outputs for one batch."""
        self._maybe_build_from_data(x)
        self._ensure_graph()
        xs = standardize_inputs(self, x)
        outs = self._step("predict", "predict_on_batch")(Batch(xs, check_sample_counts(xs)))
        self._function("predict").flush()
        outs = [np.asarray(o) for o in outs]
        return outs[0] if len(outs) == 1 else outs

    def reset_states(self) -> None:
        """Reset every stateful layer's states to zeros (Keras's ``model.reset_states()``)."""
        for layer in self.layers:
            if getattr(layer, "stateful", False) and hasattr(layer, "reset_states"):
                layer.reset_states()

    def summary(self, line_length=None, positions=None, print_fn=None) -> None:
        """Print layers, output shapes and parameter counts (Keras's table)."""
        from kerasque.engine.summary import summary_lines

        self._ensure_graph()
        for line in summary_lines(self, line_length=line_length, positions=positions):
            (print_fn or print)(line)

    # -- saving (see kerasque.saving) ---------------------------------------
    def get_config(self) -> dict:
        """Keras's functional config: layers with their inbound nodes, inputs, outputs."""
        self._warn_config_drops_tensor_losses()
        from kerasque.saving.serialization import functional_config

        return functional_config(self)

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        from kerasque.saving.serialization import functional_from_config

        return functional_from_config(cls, config, custom_objects)

    def save(self, filepath, overwrite: bool = True, include_optimizer: bool = True) -> None:
        """Save architecture, weights, compile settings, optimizer and random state.

        ``.h5``: HDF5 in Keras's layout (Keras 3 opens it); ``.keras``: Keras 3's zip.
        ``overwrite=False`` refuses an existing file instead of replacing it.
        """
        from kerasque.saving import save_model

        _check_overwrite(filepath, overwrite, "save")
        save_model(self, filepath, include_optimizer=include_optimizer)

    def save_weights(self, filepath, overwrite: bool = True) -> None:
        """Save the layer weights only (HDF5, Keras's layout)."""
        from kerasque.saving import save_weights

        _check_overwrite(filepath, overwrite, "save_weights")
        save_weights(self, filepath)

    def load_weights(self, filepath, by_name: bool = False, skip_mismatch: bool = False) -> None:
        """Load layer weights from a weights file or a full model file (all or nothing)."""
        from kerasque.saving import load_weights

        load_weights(self, filepath, by_name=by_name, skip_mismatch=skip_mismatch)


def _check_overwrite(filepath, overwrite, what: str) -> None:
    """``overwrite=False``: refuse to replace an existing file (Keras asks; we never prompt)."""
    if not isinstance(overwrite, bool):
        raise TypeError(f"{what}: overwrite must be True or False, received {overwrite!r}.")
    if not overwrite and os.path.exists(os.fspath(filepath)):
        raise FileExistsError(
            f"{what}: {os.fspath(filepath)!r} exists and overwrite=False; pass overwrite=True "
            "to replace it."
        )
