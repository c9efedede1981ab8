"""Execution modes, chosen in one place.

PyTensor compiles a graph with a *linker*. kerasque exposes the ones worth
choosing between:

``'JAX'``
    The default when ``jax`` is installed (it is a dependency of kerasque):
    PyTensor's JAX linker. Compiles in seconds and runs fastest on CPU (see
    ``benchmarks/README.md``). kerasque compiles one specialization per set
    of input shapes (JAX needs concrete shapes for reshapes, index ranges
    and random draws) and threads generator states through each call
    explicitly (see :class:`JaxFunction`). JAX computes in 32 bits unless
    told otherwise; a function whose graph holds a float64 variable runs
    with 64-bit JAX (``jax.enable_x64``) for its own tracing and calls only,
    so float64 models compute in float64 and the process-wide JAX setting
    stays as it was (see :class:`_JAXLinker`).
``'NUMBA'``
    PyTensor 3's default, and kerasque's when ``jax`` does not import: every
    op JIT-compiled by Numba. Fast at run time, slow to compile cold (tens
    of seconds), fast from its disk cache.
``'C'``
    The C/VM linker: ops compiled to C by g++, cached in ``~/.pytensor``.
``'FAST_COMPILE'``
    Few graph rewrites and the VM linker: cheap to compile, slow to run; for
    debugging and quick local test runs (``KERASQUE_TEST_MODE=FAST_COMPILE``).

The mode comes from, in order: ``compile(..., mode=...)``,
:func:`kerasque.backend.set_mode`, the ``KERASQUE_MODE`` environment
variable, and else :func:`default_mode`: ``'JAX'`` when ``jax`` imports,
``'NUMBA'`` otherwise (an automatic fallback for an install without jax).
"""

from __future__ import annotations

import contextlib
import os
import warnings

import numpy as np
import pytensor
from pytensor.compile.mode import get_mode
from pytensor.compile.rebuild import construct_function_ins_and_outs
from pytensor.graph.op import HasInnerGraph
from pytensor.graph.replace import clone_replace
from pytensor.link.jax.linker import JAXLinker
from pytensor.tensor.random.type import RandomGeneratorType

from kerasque.utils.generic import lookup

MODES = {
    "NUMBA": "NUMBA",
    "C": "CVM",
    "FAST_COMPILE": "FAST_COMPILE",
    "JAX": "JAX",
}
_chosen: dict = {"mode": None}


def default_mode() -> str:
    """The mode used when none is chosen: ``'JAX'`` if ``jax`` imports, else ``'NUMBA'``."""
    try:
        import jax  # noqa: F401
    except ImportError:
        return "NUMBA"
    return "JAX"


def set_mode(mode: str | None) -> None:
    """Set the process-wide mode (``None`` returns to the default)."""
    if mode is not None:
        lookup("mode", str(mode).upper(), MODES)
        mode = str(mode).upper()
    _chosen["mode"] = mode


def resolve(mode: str | None = None) -> str:
    """The kerasque mode name in force for an explicit ``mode`` (or None)."""
    name = mode or _chosen["mode"] or os.environ.get("KERASQUE_MODE") or default_mode()
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
    """The PyTensor Mode object for a kerasque mode name.

    For ``'JAX'``, PyTensor's JAX mode with :class:`_JAXLinker`, so that a
    float64 graph computes in float64 here too (``verify_grad``).
    """
    name = resolve(mode)
    if name == "JAX":
        return _jax_mode(_JAXLinker)
    return get_mode(MODES[name])


# -- the JAX mode -------------------------------------------------------------
# Warnings JAX prints while tracing a kerasque graph that change nothing for a
# float32 model, which runs without 64-bit JAX (see _JAXLinker): int64
# counters, ids and labels run as int32; sums of float32 ask for a float64
# accumulator (PyTensor's acc_dtype) and accumulate in float32, as in any
# float32 JAX program; and PyTensor drops broadcast assertions that JAX
# checks itself. A graph holding a float64 variable runs in 64 bits, so no
# float64 value is truncated.
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
        self._typified: dict = {}  # rng -> (Generator written back, its JAX state)

    _unlinked = None  # a maker of the graph with the declared shapes, built on demand

    @property
    def maker(self):
        """The maker of the graph this function runs (for introspection).

        After a call, the most recent specialization's maker. Before any
        call, a maker of the same graph with the inputs' declared shapes
        (batch size unknown), rewritten by the same mode but not linked, so
        that nothing is traced or compiled by JAX: specializing on shapes
        only turns shape arithmetic into constants, so the rewritten graph
        holds the same operations (the same random draws, for one).
        """
        if self._last is not None:
            return self._last.maker
        if self._unlinked is None:
            inputs, outputs, updates = self._graph(tuple(v.type.shape for v in self.inputs))
            inputs, outputs = construct_function_ins_and_outs(inputs, outputs, updates=updates)
            mode = _donating_jax_mode()
            self._unlinked = mode.function_maker(inputs, outputs, mode, name=self.name,
                                                 **_FUNCTION_OPTIONS)
        return self._unlinked

    def _graph(self, shapes):
        """Inputs, outputs and updates of the specialization for input ``shapes``.

        Inputs are the static-shape inputs, then one input per generator;
        outputs are the function's outputs, then each generator's next state.
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
        return static + rng_in, exprs[:n + k], updates

    def _compile(self, shapes):
        enable_jax_cache()
        inputs, outputs, updates = self._graph(shapes)
        fn = pytensor.function(inputs, outputs, updates=updates, mode=_donating_jax_mode(),
                               name=self.name, **_FUNCTION_OPTIONS)
        self._specs[shapes] = fn
        return fn

    def _rng_value(self, rng):
        from pytensor.link.jax.dispatch import jax_typify

        gen = rng.get_value(borrow=True)
        cached = self._typified.get(rng)
        if cached is not None and cached[0] is gen:
            return cached[1]
        return jax_typify(gen)

    def _write_back(self, rng, state) -> None:
        gen = _generator_with_jax_key(rng.get_value(borrow=True), state["jax_state"])
        rng.set_value(gen, borrow=True)
        self._typified[rng] = (gen, state)

    def __call__(self, *args):
        if len(args) != len(self.inputs):
            raise TypeError(
                f"Function {self.name!r} takes {len(self.inputs)} inputs, received {len(args)}."
            )
        # Cast as allow_input_downcast would (the compiled function trusts its inputs).
        args = [np.asarray(a, dtype=v.dtype) for a, v in zip(args, self.inputs)]
        shapes = tuple(a.shape for a in args)
        fn = self._specs.get(shapes)
        fresh = fn is None
        with warnings.catch_warnings():
            if fresh:
                for pattern in _JAX_TRACE_NOISE:
                    warnings.filterwarnings("ignore", message=pattern)
                fn = self._compile(shapes)
            self._last = fn
            outs = fn(*args, *[self._rng_value(r) for r in self.rngs])
        n = len(self.outputs)
        for rng, state in zip(self.rngs, outs[n:]):
            self._write_back(rng, state)
        return [np.asarray(o) for o in outs[:n]]


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


# Inputs arrive as arrays of the right dtype (JaxFunction casts them), and
# the generator inputs go unused in a graph that draws nothing.
_FUNCTION_OPTIONS = {"on_unused_input": "ignore", "trust_input": True}


def _holds_float64(fgraph) -> bool:
    """Whether ``fgraph``, or a graph inside one of its ops (scan), has a float64 variable."""
    for var in fgraph.variables:
        if getattr(var.type, "dtype", None) == "float64":
            return True
    return any(
        _holds_float64(node.op.fgraph)
        for node in fgraph.apply_nodes
        if isinstance(node.op, HasInnerGraph) and hasattr(node.op, "fgraph")
    )


def _import_jax_dispatch() -> None:
    """Import PyTensor's JAX dispatch without its effect on ``jax_enable_x64``.

    On import, ``pytensor.link.jax.dispatch`` sets JAX's process-wide x64
    flag from ``config.floatX`` at that moment (the JAX rewrites import it
    while compiling), so the floatX of a session's first JAX compile
    decided 64-bit JAX for every later one: after a float64 model, a
    float32 GRU failed to trace (its scan carry turned float64). The flag
    is put back as it was (the user's setting, if any); :class:`_JAXLinker`
    scopes 64 bits to the graphs that need them.
    """
    import sys

    if "pytensor.link.jax.dispatch" in sys.modules:
        return
    import jax

    before = jax.config.jax_enable_x64
    import pytensor.link.jax.dispatch  # noqa: F401

    jax.config.update("jax_enable_x64", before)


class _JAXLinker(JAXLinker):
    """PyTensor's JAX linker, in 64 bits for a graph that holds float64.

    JAX runs float64 as float32 unless ``jax_enable_x64`` is on, so a
    float64 model would train in single precision (with a warning per
    truncated array). Turning the flag on for the whole process would change
    what every later JAX computation does, the user's own included
    (``jnp.array(1.0)`` becomes float64), and for good: jitted functions are
    cached per flag value, so turning it back off would retrace the float64
    ones in 32 bits. Instead a graph with a float64 variable is converted
    and traced, and each of its calls runs, under ``jax.enable_x64(True)``,
    JAX's thread-local form of the flag (about 2 us a call), and its calls
    return NumPy arrays, so that its updated weights and counters never
    meet JAX outside that scope. A float32 graph is untouched (float32
    models hold no float64: metrics are computed in floatX).
    """

    x64 = False

    def fgraph_convert(self, fgraph, *args, **kwargs):
        self.x64 = _holds_float64(fgraph)
        with self._precision(), warnings.catch_warnings():
            # Assertions on symbolic shapes (broadcasting checks), which JAX
            # checks itself when it traces with concrete shapes.
            warnings.filterwarnings("ignore", message=r"Skipping Assert")
            return super().fgraph_convert(fgraph, *args, **kwargs)

    def jit_compile(self, fn):
        jitted = self._jit(fn)
        if not self.x64:
            return jitted
        import jax

        precision = self._precision

        def call_in_x64(*args):
            with precision():
                outs = jitted(*args)
                # No 64-bit JAX array leaves the scope: outside it, JAX would
                # compute with it in 32 bits (``iterations.get_value() == 4``
                # warned and truncated). NumPy arrays are what the other
                # modes hold too; generator states are dicts of arrays.
                return jax.tree_util.tree_map(np.asarray, outs)

        return call_in_x64

    def _jit(self, fn):
        return super().jit_compile(fn)

    def _precision(self):
        import jax

        return jax.enable_x64(True) if self.x64 else contextlib.nullcontext()


class _DonatingJAXLinker(_JAXLinker):
    """:class:`_JAXLinker` that donates the buffers of updated inputs to XLA."""

    def _jit(self, fn):
        import jax

        # Inputs overwritten by an update: fgraph input indices, which are
        # the jitted function's argument positions.
        donate = set((getattr(self.fgraph, "update_mapping", None) or {}).values())
        donate -= set(self.scalar_shape_inputs)
        if not donate or self.scalar_shape_inputs:
            return super()._jit(fn)
        return jax.jit(fn, donate_argnums=tuple(sorted(donate)))


_jax_modes: dict = {}


def _jax_mode(linker_class):
    """PyTensor's JAX mode (its rewrites) with one of kerasque's JAX linkers."""
    # Before any JAX rewrite or conversion runs: they import the dispatch.
    _import_jax_dispatch()
    if linker_class not in _jax_modes:
        from pytensor.compile.mode import Mode

        base = get_mode("JAX")
        _jax_modes[linker_class] = Mode(linker=linker_class(), optimizer=base.optimizer)
    return _jax_modes[linker_class]


def _donating_jax_mode():
    """The mode of :class:`JaxFunction`: updated buffers donated, float64 in 64 bits."""
    return _jax_mode(_DonatingJAXLinker)


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
