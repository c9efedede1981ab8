"""Turn a user's symbolic inputs and outputs into a PyTensor graph."""

from __future__ import annotations

import pytensor.tensor as pt

from kerasque.engine import context
from kerasque.engine.symbolic import SymbolicTensor, run_nodes


def placeholder(t: SymbolicTensor, name: str | None = None):
    """A PyTensor input variable with the static shape of ``t``."""
    return pt.tensor(name or t.name, dtype=t.dtype, shape=t.shape)


def trace(inputs, outputs):
    """Return ``(pytensor inputs, pytensor outputs, forward pass)``.

    Symbolic tensors are replayed in a new forward pass; the phase is the
    learning-phase flag when it is among ``inputs``, else test.
    """
    from kerasque.backend import learning_phase

    sym_out = [o for o in outputs if isinstance(o, SymbolicTensor)]
    if not sym_out:
        return inputs, outputs, context.default_pass()
    if len(sym_out) != len(outputs):
        raise TypeError("function: do not mix model symbolic tensors and PyTensor outputs.")
    phase = learning_phase()
    training = phase if any(i is phase for i in inputs) else False
    sym_in = [i for i in inputs if isinstance(i, SymbolicTensor)]
    vars_in = [placeholder(t) for t in sym_in]
    with context.forward_pass("function") as fp:
        outs, _ = run_nodes(sym_in, vars_in, outputs, training)
    mapping = dict(zip(map(id, sym_in), vars_in))
    ins = [mapping.get(id(i), i) for i in inputs]
    return ins, outs, fp
