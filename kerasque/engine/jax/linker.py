"""PyTensor's JAX linker as kerasque uses it: 64-bit scopes, donated buffers, caches.

:class:`JaxLinker` runs a graph holding float64 in 64-bit JAX for its own
calls only; :class:`DonatingJaxLinker` also donates the buffers of updated
inputs (weights, optimizer slots) to XLA. :func:`enable_jax_cache` turns on
JAX's persistent compilation cache. Used by :mod:`kerasque.engine.jax.function`.
"""

from __future__ import annotations

import contextlib
import os
import warnings

import numpy as np
import pytensor
from pytensor.compile.mode import get_mode
from pytensor.graph.op import HasInnerGraph
from pytensor.link.jax.linker import JAXLinker

# Inputs arrive as arrays of the right dtype (JaxFunction casts them), and
# the generator inputs go unused in a graph that draws nothing.
FUNCTION_OPTIONS = {"on_unused_input": "ignore", "trust_input": True}


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


def import_jax_dispatch() -> None:
    """Import PyTensor's JAX dispatch without its effect on ``jax_enable_x64``.

    On import, ``pytensor.link.jax.dispatch`` sets JAX's process-wide x64
    flag from ``config.floatX`` at that moment (the JAX rewrites import it
    while compiling), so the floatX of a session's first JAX compile
    decided 64-bit JAX for every later one: after a float64 model, a
    float32 GRU failed to trace (its scan carry turned float64). The flag
    is put back as it was (the user's setting, if any); :class:`JaxLinker`
    scopes 64 bits to the graphs that need them.
    """
    import sys

    if "pytensor.link.jax.dispatch" in sys.modules:
        return
    import jax

    before = jax.config.jax_enable_x64
    import pytensor.link.jax.dispatch  # noqa: F401

    jax.config.update("jax_enable_x64", before)


class JaxLinker(JAXLinker):
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


class DonatingJaxLinker(JaxLinker):
    """:class:`JaxLinker` that donates the buffers of updated inputs to XLA."""

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


def jax_pytensor_mode(linker_class):
    """PyTensor's JAX mode (its rewrites) with one of kerasque's JAX linkers."""
    # Before any JAX rewrite or conversion runs: they import the dispatch.
    import_jax_dispatch()
    if linker_class not in _jax_modes:
        from pytensor.compile.mode import Mode

        base = get_mode("JAX")
        _jax_modes[linker_class] = Mode(linker=linker_class(), optimizer=base.optimizer)
    return _jax_modes[linker_class]


def donating_jax_mode():
    """The mode of :class:`JaxFunction`: updated buffers donated, float64 in 64 bits."""
    return jax_pytensor_mode(DonatingJaxLinker)


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
