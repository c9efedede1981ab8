"""NumPy references of the recurrent cells: one step function per cell and one loop.

Keras's equations written one step at a time with plain NumPy, the numbers
every recurrent test compares against (weights set by hand, float64).
"""

from __future__ import annotations

import numpy as np
from pytensor.graph.traversal import toposort
from pytensor.tensor.random.op import RandomVariable


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _bias(bias, width):
    return np.zeros(width) if bias is None else bias


def simple_rnn_step(x_t, states, kernel, rec, bias=None, h_mask=1.0):
    """``h = tanh(x W + b + h U)``."""
    h = np.tanh(x_t @ kernel + _bias(bias, rec.shape[1]) + (states[0] * h_mask) @ rec)
    return [h]


def gru_step(x_t, states, kernel, rec, bias=None, h_mask=1.0, reset_after=True):
    """Keras's GRU, column blocks z|r|h; ``reset_after`` picks the bias (2, 3U) or (3U,)."""
    h = states[0]
    u = rec.shape[0]
    h_in = h * h_mask
    if reset_after:
        bias = np.zeros((2, 3 * u)) if bias is None else bias
        xp, hu = x_t @ kernel + bias[0], h_in @ rec + bias[1]
        z = sigmoid(xp[:, :u] + hu[:, :u])
        r = sigmoid(xp[:, u : 2 * u] + hu[:, u : 2 * u])
        cand = np.tanh(xp[:, 2 * u :] + r * hu[:, 2 * u :])
    else:
        xp = x_t @ kernel + _bias(bias, 3 * u)
        z = sigmoid(xp[:, :u] + h_in @ rec[:, :u])
        r = sigmoid(xp[:, u : 2 * u] + h_in @ rec[:, u : 2 * u])
        cand = np.tanh(xp[:, 2 * u :] + (r * h_in) @ rec[:, 2 * u :])
    return [z * h + (1 - z) * cand]


def lstm_step(x_t, states, kernel, rec, bias=None, h_mask=1.0):
    """Keras's LSTM, gates i|f|c|o: ``c = f c + i tanh(.)``, ``h = o tanh(c)``."""
    h, c = states
    u = rec.shape[0]
    z = x_t @ kernel + (h * h_mask) @ rec + _bias(bias, 4 * u)
    i, f = sigmoid(z[:, :u]), sigmoid(z[:, u : 2 * u])
    c = f * c + i * np.tanh(z[:, 2 * u : 3 * u])
    return [sigmoid(z[:, 3 * u :]) * np.tanh(c), c]


STEPS = {"simple": (simple_rnn_step, 1), "gru": (gru_step, 1), "lstm": (lstm_step, 2)}


def run(kind, x, weights, *, initial=None, mask=None, backwards=False, zoneout=(), **step_kwargs):
    """Run cell ``kind`` over ``x`` (batch, time, features).

    ``zoneout`` gives, per state, ZoneOut's ``z`` in ``s = z s_prev + (1 - z)
    s_new``: a keep probability (the inference rule) or the training masks,
    ``(time, batch, units)`` in processing order; ``mask`` (batch, time) keeps the
    previous states at padded steps. Returns ``(outputs, final_states)``,
    outputs ``(batch, time, units)`` in processing order (reversed when
    ``backwards``).
    """
    step, n_states = STEPS[kind]
    units = weights[1].shape[0]
    states = [np.zeros((x.shape[0], units)) for _ in range(n_states)]
    if initial is not None:
        states = [np.asarray(s, dtype=float) for s in initial]
    steps = range(x.shape[1] - 1, -1, -1) if backwards else range(x.shape[1])
    outs = []
    for k, t in enumerate(steps):
        new = step(x[:, t], states, *weights, **step_kwargs)
        for i, z in enumerate(zoneout):
            z = z[k] if np.ndim(z) == 3 else z
            new[i] = z * states[i] + (1 - z) * new[i]
        if mask is not None:
            m = mask[:, t, None]
            new = [m * n + (1 - m) * s for n, s in zip(new, states)]
        states = new
        outs.append(states[0])
    return np.stack(outs, axis=1), states


def to_torch_gru_blocks(w):
    """Keras's GRU column blocks z|r|h in PyTorch's order r|z|n."""
    z, r, h = np.split(w, 3, axis=-1)
    return np.concatenate([r, z, h], axis=-1)


def draws_of(out):
    """The values of every random draw ``out`` depends on, each after the draws it follows.

    Compile them beside ``out`` to read back the masks a call really used.
    """
    nodes = [n for n in toposort([out]) if isinstance(n.op, RandomVariable)]
    return [n.outputs[1] for n in nodes]
