"""Execution modes, chosen in one place.

PyTensor compiles a graph with a *linker*. kerasque exposes the ones worth
choosing between:

``'NUMBA'``
    PyTensor 3's default: every op JIT-compiled by Numba. Fast at run time,
    slow to compile cold (tens of seconds), fast from its disk cache.
``'C'``
    The C/VM linker: ops compiled to C by g++, cached in ``~/.pytensor``.
``'FAST_COMPILE'``
    Few graph rewrites and the VM linker: the cheapest to compile; for tests
    and debugging.
``'JAX'``
    PyTensor's JAX linker, when ``jax`` is installed. Compiles in seconds
    and runs fastest on CPU (see ``benchmarks/README.md``). kerasque
    compiles one specialization per set of input shapes (JAX needs
    concrete shapes for reshapes, index ranges and random draws) and
    threads generator states through each call explicitly (see
    :class:`JaxFunction`).

The mode comes from, in order: ``compile(..., mode=...)``,
:func:`kerasque.backend.set_mode`, the ``KERASQUE_MODE`` environment
variable, and else ``'NUMBA'``.
"""

from __future__ import annotations

import os
import warnings
import weakref

import numpy as np
import pytensor
from pytensor.compile.mode import get_mode
from pytensor.graph.replace import clone_replace
from pytensor.tensor.random.type import RandomGeneratorType

from kerasque.engine import graph_cache
from kerasque.utils.generic import lookup

MODES = {
    "NUMBA": "NUMBA",
    "C": "CVM",
    "FAST_COMPILE": "FAST_COMPILE",
    "JAX": "JAX",
}
DEFAULT_MODE = "NUMBA"
_chosen: dict = {"mode": None}


def set_mode(mode: str | None) -> None:
    """Set the process-wide mode (``None`` returns to the default)."""
    if mode is not None:
        lookup("mode", str(mode).upper(), MODES)
        mode = str(mode).upper()
    _chosen["mode"] = mode


def resolve(mode: str | None = None) -> str:
    """The kerasque mode name in force for an explicit ``mode`` (or None)."""
    name = mode or _chosen["mode"] or os.environ.get("KERASQUE_MODE") or DEFAULT_MODE
    name = str(name).upper()
    lookup("mode", name, MODES)
    if name == "JAX":
        try:
            import jax  # noqa: F401
        except ImportError as err:
            raise ValueError(
                "Mode 'JAX' needs the jax package: pip install jax jaxlib "
                "(or choose 'NUMBA' or 'C')."
            ) from err
    return name


def pytensor_mode(mode: str | None = None):
    """The PyTensor Mode object for a kerasque mode name."""
    return get_mode(MODES[resolve(mode)])


# -- the JAX mode -------------------------------------------------------------
# Warnings JAX prints while tracing a kerasque graph that change nothing for a
# float32 model: int64 counters and labels run as int32 (jax_enable_x64 is
# off), and PyTensor drops broadcast assertions that JAX checks itself.
_JAX_TRACE_NOISE = (
    r"Explicitly requested dtype (int64|float64) requested in .* is not available",
    r"Skipping Assert",
)


class JaxFunction:
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
    """

    def __init__(self, inputs, outputs, updates: dict, name=None):
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.name = name
        self.rngs = [v for v in updates if isinstance(v.type, RandomGeneratorType)]
        self.rng_next = [updates[v] for v in self.rngs]
        self.updates = [(v, e) for v, e in updates.items() if v not in self.rngs]
        self._specs: dict = {}
        self._last = None

    @property
    def maker(self):
        """The most recently compiled specialization's maker (for introspection)."""
        if self._last is None:
            raise RuntimeError(
                f"JAX function {self.name!r} is compiled on its first call (one "
                "specialization per input shape); call it once before inspecting its graph."
            )
        return self._last.function().maker

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
        updates = [(v, e) for (v, _), e in zip(self.updates, exprs[n + k:])]
        return static + rng_in, exprs, updates

    def _compile(self, inputs, exprs, updates):
        n, k = len(self.outputs), len(self.rngs)
        return pytensor.function(inputs, exprs[:n + k], updates=updates,
                                 mode=_donating_jax_mode(), on_unused_input="ignore",
                                 trust_input=True, name=self.name)

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
                return _ExportedSpec(exported, shared, updated, len(inputs),
                                     compile_fn=lambda: self._compile(inputs, exprs, updates))
        fn = self._compile(inputs, exprs, updates)
        if key is None:
            return _Spec(fn, len(inputs))
        exported = _export(fn, inputs, shared, updated,
                           list(args) + [_rng_value(r) for r in self.rngs])
        graph_cache.store(key, exported)
        return _ExportedSpec(exported, shared, updated, len(inputs), compile_fn=lambda: fn)

    def _cast(self, args):
        # Cast as allow_input_downcast would (the compiled function trusts its
        # inputs); arrays already on the JAX side pass through untouched.
        if len(args) != len(self.inputs):
            raise TypeError(
                f"Function {self.name!r} takes {len(self.inputs)} inputs, received {len(args)}."
            )
        return [a if _is_jax_array(a) and a.dtype == v.dtype else np.asarray(a, dtype=v.dtype)
                for a, v in zip(args, self.inputs)]

    def call_async(self, *args) -> list:
        """Run one call without waiting for it: outputs are JAX arrays.

        JAX dispatches the computation and returns at once, so the caller's
        Python (the next batch's slicing, callbacks) overlaps with it. The
        generators' next states stay on the JAX side until
        :func:`sync_generators` writes them back to the layers' shared
        generators; every JAX function reads them from there meanwhile.
        """
        args = self._cast(args)
        spec, fresh = self._spec(args)
        self._last = spec
        with warnings.catch_warnings():
            if fresh:  # the first call traces: JAX's tracing warnings come then
                for pattern in _JAX_TRACE_NOISE:
                    warnings.filterwarnings("ignore", message=pattern)
            outs = spec.call(args, [_rng_value(r) for r in self.rngs])
        n = len(self.outputs)
        for rng, state in zip(self.rngs, outs[n:]):
            _advance(rng, state)
        return list(outs[:n])

    def __call__(self, *args):
        outs = self.call_async(*args)
        sync_generators(self.rngs)
        return [np.asarray(o) for o in outs]


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
        return outs[:self.n_out]


class _ExportedSpec:
    """A specialization run from a :mod:`jax.export` module (see :mod:`graph_cache`).

    Its arguments are the explicit inputs, the generator states and then the
    shared variables in the graph cache's canonical order; it returns the
    outputs and next generator states, and the new value of each updated
    variable in the order of ``updated``. ``compile_fn`` returns the PyTensor
    function it stands for (compiled on demand when it came from the cache),
    for introspection only.
    """

    def __init__(self, exported, shared, updated, n_explicit: int, compile_fn):
        import jax

        self._compile_fn = compile_fn
        self._fn = None
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


# Generator states of the JAX mode. A JAX function's draw returns the
# generator's next JAX key; ``_states[rng]`` keeps it with the NumPy
# ``Generator`` that the shared variable held when it was taken, and a flag
# telling whether it has been written back. The next JAX call reads the key
# from here, so a fit never waits to convert keys; readers of the shared
# variable itself (saving, the other modes) get it written back by
# ``sync_generators``. If anything sets a new generator on the shared
# variable meanwhile (loading a file, reseeding), the entry no longer
# matches it and is ignored.
_states: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _rng_value(rng):
    from pytensor.link.jax.dispatch import jax_typify

    gen = rng.get_value(borrow=True)
    entry = _states.get(rng)
    if entry is not None and entry[0] is gen:
        return entry[1]
    return jax_typify(gen)


def _advance(rng, state) -> None:
    _states[rng] = (rng.get_value(borrow=True), state, False)


def sync_generators(rngs=None) -> None:
    """Write the JAX mode's pending generator states back to the shared generators.

    ``rngs``: the generators to write back (default: all). Cheap when there
    is nothing pending. Called after every plain call of a JAX function, at
    the end of each ``fit`` epoch, and before generator states are saved.
    """
    for rng in list(_states.keys()) if rngs is None else rngs:
        entry = _states.get(rng)
        if entry is None or entry[2]:
            continue
        gen, state, _ = entry
        if rng.get_value(borrow=True) is not gen:
            del _states[rng]  # replaced since: the pending state is stale
            continue
        new = _generator_with_jax_key(gen, state["jax_state"])
        rng.set_value(new, borrow=True)
        _states[rng] = (new, state, True)


def _generator_with_jax_key(gen, key):
    """A NumPy ``Generator`` that PyTensor's JAX linker reads as JAX key ``key``.

    The linker takes the low 64 bits of a PCG64 state as the key (two uint32
    words, least significant first); the new generator keeps the high bits
    and the increment of ``gen`` and carries ``key`` in the low bits. For
    another bit generator, a PCG64 seeded from the key.
    """
    words = [int(w) for w in np.asarray(key, dtype=np.uint32)]
    low = words[0] | (words[1] << 32)
    state = gen.bit_generator.state
    if state.get("bit_generator") != "PCG64":
        return np.random.Generator(np.random.PCG64(words))
    value = (state["state"]["state"] >> 64 << 64) | low
    bit_gen = np.random.PCG64()
    bit_gen.state = {"bit_generator": "PCG64",
                     "state": {"state": value, "inc": state["state"]["inc"]},
                     "has_uint32": 0, "uinteger": 0}
    return np.random.Generator(bit_gen)


_donating: dict = {}


def _donating_jax_mode():
    """PyTensor's JAX mode with a linker that donates the updated inputs' buffers."""
    if "mode" not in _donating:
        import jax
        from pytensor.compile.mode import Mode
        from pytensor.link.jax.linker import JAXLinker

        class DonatingJAXLinker(JAXLinker):
            def jit_compile(self, fn):
                # Inputs overwritten by an update: fgraph input indices, which are
                # the jitted function's argument positions.
                donate = set((getattr(self.fgraph, "update_mapping", None) or {}).values())
                donate -= set(self.scalar_shape_inputs)
                if not donate or self.scalar_shape_inputs:
                    return super().jit_compile(fn)
                return jax.jit(fn, donate_argnums=tuple(sorted(donate)))

        base = get_mode("JAX")
        _donating["mode"] = Mode(linker=DonatingJAXLinker(), optimizer=base.optimizer)
    return _donating["mode"]


_jax_cache: dict = {"checked": False}


def enable_jax_cache() -> None:
    """Turn on JAX's persistent compilation cache, once, unless configured already.

    XLA's compile of a training step is most of a warm start in the JAX mode
    (about 2 s of a GRU language model's first batch); the cache keeps it
    on disk next to PyTensor's own (``<base_compiledir>/jax``). Skipped
    when the user set ``jax_compilation_cache_dir`` or
    ``KERASQUE_JAX_CACHE=0``.
    """
    if _jax_cache["checked"]:
        return
    _jax_cache["checked"] = True
    if os.environ.get("KERASQUE_JAX_CACHE", "1") == "0":
        return
    import jax

    if jax.config.jax_compilation_cache_dir:
        return
    path = os.path.join(str(pytensor.config.base_compiledir), "jax")
    jax.config.update("jax_compilation_cache_dir", path)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)


def jax_function(inputs, outputs, updates: dict, name=None) -> JaxFunction:
    """Build a :class:`JaxFunction` (checked ``updates`` from the compile step)."""
    return JaxFunction(inputs, outputs, updates, name)
