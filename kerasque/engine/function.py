"""The protocol of a compiled function, the same in every mode.

The training loop talks to a compiled function through three operations:

- **call** (``fn(*arrays)``): run, wait, and return NumPy arrays, with every
  generator state written back to its layer;
- **dispatch** (``fn.dispatch(*arrays)``): start a call and return without
  waiting where the mode can (the outputs are array-likes that
  ``numpy.asarray`` or ``float`` read back);
- **flush** (``fn.flush()``, or :func:`flush_pending` for every function):
  write pending generator states back to the layers' shared generators.

and asks it for a batch source over its data (``fn.batches(arrays)``).
:class:`HostFunction` implements the protocol for the modes that run a
PyTensor function on the host (NUMBA, C, FAST_COMPILE); the JAX mode's
implementation lives in :mod:`kerasque.engine.jax`. Nothing above the engine
needs to know which mode runs.
"""

from __future__ import annotations

import numpy as np
from pytensor.tensor.random.op import RandomVariable, RandomVariableWithCoreShape

from kerasque.engine.batches import HostBatches

# Functions that write pending state back, registered by the modes that hold
# any (the JAX mode keeps generator states on the device between calls).
_FLUSHERS: list = []


def register_flush(flush) -> None:
    """Register ``flush()``, called by :func:`flush_pending` (once per callable)."""
    if flush not in _FLUSHERS:
        _FLUSHERS.append(flush)


def flush_pending() -> None:
    """Write every mode's pending generator states back to the layers.

    Call before reading a generator's state outside a compiled function
    (saving, reseeding); cheap when nothing is pending.
    """
    for flush in _FLUSHERS:
        flush()


class CompiledFunction:
    """A compiled kerasque function: ``inputs -> outputs`` with its updates.

    Subclasses implement :meth:`dispatch` and :attr:`maker`; the rest of the
    protocol has defaults that suit a mode that holds nothing back.
    """

    name: str = "function"

    def __call__(self, *args) -> list:
        """Run on ``args``, wait, and return the outputs as NumPy arrays."""
        outs = self.dispatch(*args)
        self.flush()
        return [np.asarray(o) for o in outs]

    def dispatch(self, *args) -> list:
        """Start a call; return its outputs without waiting where the mode allows."""
        raise NotImplementedError

    def flush(self) -> None:
        """Write this function's pending generator states back to the layers."""

    def batches(self, arrays):
        """A batch source over ``arrays`` (samples first), see :mod:`batches`."""
        return HostBatches(arrays)

    @property
    def maker(self):
        """PyTensor's function maker of the graph this function runs."""
        raise NotImplementedError

    @property
    def fgraph(self):
        """The optimized graph (for tests and introspection)."""
        return self.maker.fgraph

    def updated_variables(self) -> set:
        """The shared variables this function updates."""
        return {i.variable for i in self.maker.inputs if i.update is not None}

    def random_nodes(self) -> list:
        """The random draws of the compiled graph.

        The NUMBA mode's rewrites wrap each draw in a
        ``RandomVariableWithCoreShape`` node, which counts as one draw.
        """
        draws = (RandomVariable, RandomVariableWithCoreShape)
        return [n for n in self.fgraph.apply_nodes if isinstance(n.op, draws)]


class HostFunction(CompiledFunction):
    """A PyTensor function run on the host: every call waits, nothing is pending."""

    def __init__(self, fn, name: str):
        self.fn = fn
        self.name = name
        self.inputs = [i.variable for i in fn.maker.inputs if i.update is None and not i.implicit]

    def dispatch(self, *args) -> list:
        return self.fn(*args)

    def __call__(self, *args) -> list:
        return self.fn(*args)

    @property
    def maker(self):
        return self.fn.maker
