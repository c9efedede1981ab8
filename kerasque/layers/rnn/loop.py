"""The scan over time: per-step inputs, carried states, and the batch of one.

:func:`run` builds one :func:`pytensor.scan` (or, unrolled, a Python loop)
from a step function, per-step sequences, initial states and constants. No
generator ever enters the loop: every mask is an argument.

The input projection inside the step. The loop's sequence is the layer's
input itself, and each step computes its own ``x_t W + b``, rather than one
``(time * batch, features) @ W`` product before the loop feeding a
``(time, batch, gates * units)`` sequence. On XLA's CPU code the big product
and its gradient cost more than they save: they make two more
``(time, batch, gates * units)`` buffers a step (each allocated and
zero-filled afresh at every call) and a per-step gradient sequence of that
width. In one process, alternating the builds, the LSTM language model's
training step went from 100 to 78-83 ms; the GRU's stayed at 54-56 ms
(benchmarks/README.md).

A batch of one. The JAX mode compiles a function once per set of input
shapes, rebuilding the graph with static shapes, so a graph built for any
batch size is rebuilt with a batch of exactly one. PyTensor's scan then
refuses any per-step input whose batch axis became a static 1 (it is
broadcastable, the loop's variable is not). So the loop runs on one more
row than the batch: every batch-major tensor that enters it (the input,
where the transpose copies it anyway; masks; initial states) gets a row of
zeros (:func:`pad`), and the row is dropped from the results. Rows never mix
in a cell, so the extra row changes nothing else, and the loop's batch axis
has a size of at least two, one included.
"""

from __future__ import annotations

import pytensor
import pytensor.tensor as pt

__all__ = ["dot", "pad", "run"]


def dot(x, w):
    """The matrix product of the cells (one place to change it for all of them)."""
    return pt.dot(x, w)


def pad(x, steps=None):
    """Add one row of zeros on the batch axis, the one before last (see the module docstring).

    ``steps`` is the length of the time axis of a time-major ``x``; the
    zeros take their shape from it and from the static width, not from
    ``x`` (whose shape may depend on a symbolic phase switch). A static
    size is used as a number: ``pt.zeros`` of a shape computed from a
    tensor infers its static shape over the whole graph above the tensor,
    0.1-0.2 s of a language model's warm start per call.
    """
    width = x.type.shape[-1]
    width = x.shape[-1] if width is None else width
    if x.ndim == 2:
        lead = ()
    elif x.type.shape[0] is not None:
        lead = (x.type.shape[0],)
    else:
        lead = (x.shape[0] if steps is None else steps,)
    return pt.concatenate([x, pt.zeros((*lead, 1, width), dtype=x.dtype)], axis=-2)


def run(step, sequences, states, constants, unroll: bool = False, name: str | None = None):
    """Run ``step`` over the time axis of ``sequences``.

    Parameters
    ----------
    step : callable
        ``step(seq_values, states, const_values) -> new_states``.
    sequences : list of tensor
        Time-major ``(time, batch, width)`` tensors.
    states : list of tensor
        Initial states ``(batch, size)``.
    constants : list of tensor
        Batch-major ``(batch, width)`` tensors, or scalars.
    unroll : bool
        Build a Python loop (the time axis must be known) instead of a scan.

    Returns
    -------
    list of tensor
        Every state at every step, ``(time, batch, size)`` each.
    """
    if unroll:
        return _unrolled(step, sequences, states, constants)
    n_seq, n_state = len(sequences), len(states)

    def inner(*args):
        seq_vals = list(args[:n_seq])
        prev = list(args[n_seq : n_seq + n_state])
        return step(seq_vals, prev, list(args[n_seq + n_state :]))

    # A known number of steps as a constant: the scan's gradient builds
    # zeros of shape (steps + 1, ...), whose static shape PyTensor otherwise
    # infers over the whole graph above the sequence (0.1-0.2 s each).
    steps = sequences[0].type.shape[0] if sequences else None
    outs = pytensor.scan(
        inner,
        sequences=list(sequences),
        n_steps=steps,
        outputs_info=list(states),
        non_sequences=list(constants),
        return_updates=False,
        name=name,
    )
    return list(outs) if isinstance(outs, (list, tuple)) else [outs]


def _unrolled(step, sequences, states, constants):
    steps = sequences[0].type.shape[0]
    history = []
    for t in range(steps):
        states = step([s[t] for s in sequences], states, list(constants))
        history.append(states)
    return [pt.stack([h[i] for h in history]) for i in range(len(states))]
