"""Turn a user's inputs, outputs and updates into a PyTensor graph with its updates."""

from __future__ import annotations

import dataclasses

import pytensor.tensor as pt

from kerasque.engine import context
from kerasque.engine.symbolic import SymbolicTensor, run_nodes


@dataclasses.dataclass
class Traced:
    """A graph ready to compile: PyTensor inputs and outputs, every update, draw owners."""

    inputs: list
    outputs: list
    updates: list  # (variable, value) or (variable, value, owner)
    draw_owner: dict


def placeholder(t: SymbolicTensor, name: str | None = None):
    """A PyTensor input variable with the static shape of ``t``."""
    return pt.tensor(name or t.name, dtype=t.dtype, shape=t.shape)


def trace(inputs, outputs, updates=()) -> Traced:
    """Gather what compiling ``inputs -> outputs`` with ``updates`` needs.

    Symbolic tensors of a model are replayed in a new forward pass; the
    phase is the learning-phase flag when it is among ``inputs`` (or the
    value fixed by ``set_learning_phase``), else test. PyTensor outputs
    carry their records on their graph (see :mod:`kerasque.engine.context`).
    """
    sym_out = [o for o in outputs if isinstance(o, SymbolicTensor)]
    updates = [tuple(u) for u in updates]
    if not sym_out:
        values = [u[1] for u in updates]
        roots, gathered, owners, _ = context.graph_records(list(outputs) + values)
        outs = roots[: len(outputs)]
        explicit = [(u[0], v, *u[2:]) for u, v in zip(updates, roots[len(outputs) :])]
        return Traced(list(inputs), outs, explicit + gathered, owners)
    if len(sym_out) != len(outputs):
        raise TypeError(
            "function: received a mix of model tensors (from Input and layers) and PyTensor "
            "variables as outputs; pass outputs of one kind."
        )
    training = _phase_for(inputs)
    sym_in = [i for i in inputs if isinstance(i, SymbolicTensor)]
    vars_in = [placeholder(t) for t in sym_in]
    with context.forward_pass("function", phase=training) as fp:
        outs, _ = run_nodes(sym_in, vars_in, outputs, training)
    mapping = dict(zip(map(id, sym_in), vars_in))
    ins = [mapping.get(id(i), i) for i in inputs]
    return Traced(ins, outs, updates + fp.all_updates(), fp.draw_owner)


def _phase_for(inputs):
    fixed = context.learning_phase()
    if not isinstance(fixed, pt.TensorVariable):
        return bool(fixed)
    symbol = context.phase_symbol()
    return symbol if any(i is symbol for i in inputs) else False
