"""The JAX mode's compiled functions (:class:`JaxFunction`).

One specialization per set of input shapes, generators threaded through each
call explicitly (:mod:`kerasque.engine.jax.generators`), compiled with
:mod:`kerasque.engine.jax.linker` and stored in the graph cache
(:mod:`kerasque.engine.jax.graph_cache`). :class:`JaxFunction` implements
:class:`kerasque.engine.function.CompiledFunction`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytensor
from pytensor.compile.rebuild import construct_function_ins_and_outs
from pytensor.graph.replace import clone_replace
from pytensor.tensor.random.type import RandomGeneratorType

from kerasque.distribution import distribution
from kerasque.distribution.placement import place_batch, replicate
from kerasque.engine.function import CompiledFunction
from kerasque.engine.jax import graph_cache
from kerasque.engine.jax.batches import device_batches
from kerasque.engine.jax.generators import advance, rng_value, sync_generators
from kerasque.engine.jax.linker import FUNCTION_OPTIONS, donating_jax_mode, enable_jax_cache

# -- the JAX mode -------------------------------------------------------------
# Warnings JAX prints while tracing a kerasque graph that change nothing for a
# float32 model, which runs without 64-bit JAX (see JaxLinker): int64
# counters, ids and labels run as int32; sums of float32 ask for a float64
# accumulator (PyTensor's acc_dtype) and accumulate in float32, as in any
# float32 JAX program; and PyTensor drops broadcast assertions that JAX
# checks itself. A graph holding a float64 variable runs in 64 bits, so no
# float64 value is truncated.
_JAX_TRACE_NOISE = (
    r"Explicitly requested dtype (int64|float64) requested in .* is not available",
    r"Skipping Assert",
)


class JaxFunction(CompiledFunction):
    """A kerasque function compiled with PyTensor's JAX linker.

    Two things differ from the other modes, both handled here so that
    models behave the same in every mode:

    - **Concrete shapes.** JAX needs concrete values for reshape targets,
      ``arange`` bounds and the sizes of random draws, which a graph with an
      unknown batch size computes symbolically. The first call with a new
      set of input shapes compiles a specialization in which every input
      has that static shape, so PyTensor folds the shape arithmetic into
      constants (JAX's ``jit`` specializes on shapes anyway). A fit whose
      last batch is smaller compiles twice.
    - **Generators.** PyTensor's JAX linker replaces a shared generator by a
      private copy, so the layer's own generator never advances: another
      function (the Monte Carlo predictor) would replay the training masks,
      and saved random state would be stale. Here each generator is an
      explicit input and its next state an explicit output; after every
      call the next state is written back to the layer's shared generator
      as a NumPy ``Generator`` whose low 64 state bits are the JAX key, so
      every function that reads the generator continues the same stream.

    Outputs are NumPy arrays; weights stay JAX arrays between calls. The
    buffers of updated shared variables (weights, optimizer slots) are
    donated to XLA, which writes the new values in place (about 5% on the
    MLP benchmark); an array obtained with ``get_value(borrow=True)`` before
    a call is invalid after it (``get_value()`` and ``get_weights()`` copy).

    Parameters
    ----------
    inputs, outputs : list of Variable
    updates : dict
        Checked updates (shared variable -> new value) from the compile step.
    name : str
    compiler : callable
        ``compiler(inputs, outputs, updates=, mode=, name=, **options)``:
        :func:`kerasque.engine.compile.pytensor_function`, the one caller of
        :func:`pytensor.function`.
    """

    def __init__(self, inputs, outputs, updates: dict, name: str, compiler):
        self._compiler = compiler
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.name = name
        self.rngs = [v for v in updates if isinstance(v.type, RandomGeneratorType)]
        self.rng_next = [updates[v] for v in self.rngs]
        self.updates = [(v, e) for v, e in updates.items() if v not in self.rngs]
        self._specs: dict = {}
        self._last = None

    _unlinked = None  # a maker of the graph with the declared shapes, built on demand

    @property
    def maker(self):
        """The maker of the graph this function runs (for introspection).

        After a call, the most recent specialization's maker (compiled on
        demand if that specialization came from the graph cache). Before any
        call, a maker of the same graph with the inputs' declared shapes
        (batch size unknown), rewritten by the same mode but not linked, so
        that nothing is traced or compiled by JAX: specializing on shapes
        only turns shape arithmetic into constants, so the rewritten graph
        holds the same operations (the same random draws, for one).
        """
        if self._last is not None:
            return self._last.function().maker
        if self._unlinked is None:
            inputs, outputs, updates = self._graph(tuple(v.type.shape for v in self.inputs))
            inputs, outputs = construct_function_ins_and_outs(inputs, outputs, updates=updates)
            mode = donating_jax_mode()
            self._unlinked = mode.function_maker(
                inputs, outputs, mode, name=self.name, **FUNCTION_OPTIONS
            )
        return self._unlinked

    def _graph(self, shapes):
        """Inputs, outputs and updates of the specialization for input ``shapes``.

        Inputs are the static-shape inputs, then one input per generator;
        outputs are the function's outputs, then each generator's next state.
        """
        inputs, exprs, updates = self._specialize(shapes)
        return inputs, exprs[: len(self.outputs) + len(self.rngs)], updates

    def _specialize(self, shapes):
        """The graph with static input shapes and explicit generator inputs.

        Returns ``(inputs, exprs, updates)``: the explicit then generator
        inputs; the outputs, next generator states and update values; and
        ``(shared variable, value)`` for each non-generator update.
        """
        static = [
            pytensor.tensor.tensor(v.name, dtype=v.dtype, shape=s)
            for v, s in zip(self.inputs, shapes)
        ]
        rng_in = [r.type(name=r.name) for r in self.rngs]
        replace = dict(zip(self.inputs, static)) | dict(zip(self.rngs, rng_in))
        exprs = self.outputs + self.rng_next + [e for _, e in self.updates]
        exprs = clone_replace(exprs, replace=replace)
        n, k = len(self.outputs), len(self.rngs)
        updates = [(v, e) for (v, _), e in zip(self.updates, exprs[n + k :])]
        return static + rng_in, exprs, updates

    def _compile(self, inputs, exprs, updates):
        n, k = len(self.outputs), len(self.rngs)
        return self._compiler(
            inputs,
            exprs[: n + k],
            updates=updates,
            mode=donating_jax_mode(),
            name=self.name,
            **FUNCTION_OPTIONS,
        )

    def _spec(self, args):
        """The specialization for these arguments' shapes, and whether it is new."""
        shapes = tuple(a.shape for a in args)
        spec = self._specs.get(shapes)
        if spec is None:
            with warnings.catch_warnings():
                for pattern in _JAX_TRACE_NOISE:
                    warnings.filterwarnings("ignore", message=pattern)
                spec = self._build(shapes, args)
            self._specs[shapes] = spec
            return spec, True
        return spec, False

    def _build(self, shapes, args):
        """Load the specialization from the graph cache, or compile (and store) it."""
        enable_jax_cache()
        inputs, exprs, updates = self._specialize(shapes)
        updated = [v for v, _ in updates]
        key = shared = None
        if graph_cache.enabled():
            key, shared = graph_cache.graph_key(inputs, exprs, updated)
        if key is not None:
            exported = graph_cache.load(key)
            if exported is not None:
                return _ExportedSpec(
                    exported,
                    shared,
                    updated,
                    len(inputs),
                    compile_fn=lambda: self._compile(inputs, exprs, updates),
                )
        fn = self._compile(inputs, exprs, updates)
        if key is None or getattr(fn.maker.linker, "x64", False):
            # Uncacheable, or a float64 graph: its calls run in 64-bit JAX
            # scopes (see JaxLinker), which an exported module would lose.
            return _Spec(fn, len(inputs))
        exported = _export(
            fn, inputs, shared, updated, list(args) + [rng_value(r) for r in self.rngs]
        )
        graph_cache.store(key, exported)
        return _ExportedSpec(exported, shared, updated, len(inputs), compile_fn=lambda: fn, fn=fn)

    def _cast(self, args):
        # Cast as allow_input_downcast would (the compiled function trusts its
        # inputs); arrays already on the JAX side pass through untouched.
        if len(args) != len(self.inputs):
            raise TypeError(
                f"Function {self.name!r} takes {len(self.inputs)} inputs, received {len(args)}."
            )
        return [
            a if _is_jax_array(a) and a.dtype == v.dtype else np.asarray(a, dtype=v.dtype)
            for a, v in zip(args, self.inputs)
        ]

    @property
    def specializations(self) -> int:
        """How many input-shape specializations this function has compiled or loaded."""
        return len(self._specs)

    def batches(self, arrays):
        """Device-resident batches where the data fits (see :mod:`kerasque.engine.jax.batches`)."""
        return device_batches(arrays, [v.dtype for v in self.inputs])

    def flush(self) -> None:
        sync_generators(self.rngs)

    def dispatch(self, *args) -> list:
        """Run one call without waiting for it: outputs are JAX arrays.

        JAX dispatches the computation and returns at once, so the caller's
        Python (the next batch's slicing, callbacks) overlaps with it. The
        generators' next states stay on the JAX side until
        :func:`sync_generators` writes them back to the layers' shared
        generators; every JAX function reads them from there meanwhile.
        """
        args = self._cast(args)
        placed = distribution() is not None  # batch sharded, the rest replicated
        if placed:
            args, like = place_batch(args)  # like: the global batch, as compiled
        spec, fresh = self._spec(like if placed else args)
        self._last = spec
        rng_values = [rng_value(r) for r in self.rngs]
        if placed:
            cells = spec.cells if isinstance(spec, _Spec) else spec.shared
            rng_values = replicate(rng_values, cells)
        if fresh:  # the first call traces: JAX's tracing warnings come then
            with warnings.catch_warnings():
                for pattern in _JAX_TRACE_NOISE:
                    warnings.filterwarnings("ignore", message=pattern)
                outs = spec.call(args, rng_values)
        else:
            outs = spec.call(args, rng_values)
        n = len(self.outputs)
        for rng, state in zip(self.rngs, outs[n:]):
            advance(rng, state)
        return list(outs[:n])


class _Spec:
    """One compiled specialization, called without PyTensor's per-call machinery.

    PyTensor's ``Function.__call__`` costs about 1 ms with two dozen inputs
    (argument filtering, storage bookkeeping); the MLP's whole step is 6 ms.
    This calls the jitted XLA function with the explicit arguments followed by
    the shared variables' current values, in the function graph's input
    order, and stores the updates into the shared variables' storage cells,
    which is what ``Function.__call__`` does.
    """

    def __init__(self, fn, n_explicit: int):
        self.fn = fn
        self.function = lambda: fn
        self.jit_fn = fn.vm.jit_fn
        self.cells = fn.vm.inputs[n_explicit:]
        mapping = fn.maker.fgraph.update_mapping or {}
        self.updates = [(o, i - n_explicit) for o, i in mapping.items()]
        self.n_out = len(fn.maker.fgraph.outputs) - len(self.updates)

    def call(self, args, rng_values):
        outs = self.jit_fn(*args, *rng_values, *[c[0] for c in self.cells])
        for o, i in self.updates:
            self.cells[i][0] = outs[o]
        return outs[: self.n_out]


class _ExportedSpec:
    """A specialization run from a :mod:`jax.export` module (see :mod:`graph_cache`).

    Its arguments are the explicit inputs, the generator states and then the
    shared variables in the graph cache's canonical order; it returns the
    outputs and next generator states, and the new value of each updated
    variable in the order of ``updated``. ``compile_fn`` returns the PyTensor
    function it stands for (compiled on demand when it came from the cache),
    for introspection only.
    """

    def __init__(self, exported, shared, updated, n_explicit: int, compile_fn, fn=None):
        import jax

        self._compile_fn = compile_fn
        self._fn = fn
        self.shared = [v.container.storage for v in shared]
        index = {v: i for i, v in enumerate(shared)}
        self.updates = [index[v] for v in updated]
        donate = tuple(n_explicit + i for i in self.updates)
        self.jit_fn = jax.jit(exported.call, donate_argnums=donate)

    def function(self):
        if self._fn is None:
            self._fn = self._compile_fn()
        return self._fn

    def call(self, args, rng_values):
        outs, new = self.jit_fn(*args, *rng_values, *[c[0] for c in self.shared])
        for i, value in zip(self.updates, new):
            self.shared[i][0] = value
        return outs


def _export(fn, inputs, shared, updated, example):
    """Export PyTensor JAX function ``fn`` with the argument order of :class:`_ExportedSpec`."""
    import jax

    jit_fn = fn.vm.jit_fn
    order = {v: i for i, v in enumerate(list(inputs) + list(shared))}
    take = [order[i.variable] for i in fn.maker.inputs]
    mapping = fn.maker.fgraph.update_mapping or {}
    out_of = {fn.maker.inputs[i].variable: o for o, i in mapping.items()}
    n_out = len(fn.maker.fgraph.outputs) - len(mapping)
    new_at = [out_of[v] for v in updated]

    def canonical(*args):
        outs = jit_fn(*[args[j] for j in take])
        return tuple(outs[:n_out]), tuple(outs[o] for o in new_at)

    values = list(example) + [v.container.storage[0] for v in shared]
    return jax.export.export(jax.jit(canonical))(*values)


def _is_jax_array(a) -> bool:
    return type(a).__module__.startswith("jax")
