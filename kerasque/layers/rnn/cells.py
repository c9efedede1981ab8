r"""Recurrent cells in Keras's weight layouts: SimpleRNN, GRU, LSTM, and stacks of cells.

Each cell is one step of the recurrence (see :mod:`kerasque.layers.rnn.cell`
for what a cell declares); :class:`~kerasque.layers.rnn.rnn.RNN` runs it over
time. In every step, :math:`\sigma` is the recurrent activation
(``'sigmoid'``), :math:`\tanh` the activation, and :math:`h_{t-1}` enters the
recurrent products as :math:`h_{t-1} \odot n / q` when ``recurrent_dropout``
is set (one mask :math:`n` per sequence, keep probability :math:`q`).
"""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt

from kerasque.engine.base_layer import Layer
from kerasque.layers.rnn.cell import Cell, state_sizes
from kerasque.layers.rnn.loop import dot

__all__ = ["GRUCell", "LSTMCell", "ObjectCell", "SimpleRNNCell", "StackedRNNCells", "as_cell"]


def _masked(h, mask):
    return h if mask is None else h * mask


class SimpleRNNCell(Cell):
    r"""The Elman cell: :math:`h_t = \tanh(x_t W + b + h_{t-1} U)`.

    Weights as in Keras: ``kernel`` (input_dim, units), ``recurrent_kernel``
    (units, units), ``bias`` (units,). PyTorch's ``nn.RNN(nonlinearity='tanh')``
    holds ``weight_ih = kernel.T``, ``weight_hh = recurrent_kernel.T`` and
    ``bias_ih + bias_hh = bias``.

    Examples
    --------
    >>> from kerasque.layers import RNN, SimpleRNNCell
    >>> layer = RNN(SimpleRNNCell(8), return_sequences=True)
    """

    def step(self, xp, states, masks):
        h = self.activation(xp + dot(_masked(states[0], masks[0]), self.recurrent_kernel))
        return h, [h]

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("recurrent_activation")
        return config


class GRUCell(Cell):
    r"""The gated recurrent unit (Cho et al., 2014) in Keras's layout.

    Parameters
    ----------
    units : int
    reset_after : bool, default True
        Apply the reset gate after the recurrent product (Keras 3's default,
        cuDNN's and PyTorch's form, bias ``(2, 3*units)``: input bias then
        recurrent bias). ``False`` is Keras 2's default and Cho et al.'s
        form, with one bias ``(3*units,)``.
    **kwargs
        The arguments of :class:`~kerasque.layers.rnn.cell.Cell`.

    Notes
    -----
    Kernels in column blocks :math:`z | r | h`. With ``reset_after=True``

    .. math::

        z_t &= \sigma(x_t W_z + b_z + h_{t-1} U_z + b'_z) \\
        r_t &= \sigma(x_t W_r + b_r + h_{t-1} U_r + b'_r) \\
        \tilde h_t &= \tanh(x_t W_h + b_h + r_t \odot (h_{t-1} U_h + b'_h)) \\
        h_t &= z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t

    and with ``reset_after=False``,
    :math:`\tilde h_t = \tanh(x_t W_h + (r_t \odot h_{t-1}) U_h + b_h)`. The
    state carried on, :math:`z_t \odot h_{t-1}`, is never dropped, so
    recurrent dropout does not erase the memory (Semeniuta et al., 2016).

    References
    ----------
    Cho, K. et al. (2014). Learning phrase representations using RNN
    encoder-decoder for statistical machine translation. EMNLP.
    """

    gates = 3

    def __init__(self, units, reset_after=True, **kwargs):
        super().__init__(units, **kwargs)
        self.reset_after = bool(reset_after)

    def bias_shape(self) -> tuple:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def project(self, x):
        out = dot(x, self.kernel)
        if not self.use_bias:
            return out
        if not self.reset_after:
            return out + self.bias
        # The recurrent biases of z and r only add to the input ones.
        u2 = 2 * self.units
        return (
            out
            + self.bias[0]
            + pt.concatenate([self.bias[1, :u2], pt.zeros((self.units,), self.bias.dtype)])
        )

    def step(self, xp, states, masks):
        h_prev = states[0]
        u, u2 = self.units, 2 * self.units
        h_in = _masked(h_prev, masks[0])
        rec = self.recurrent_kernel
        if self.reset_after:
            hu = dot(h_in, rec)
            zr = self.recurrent_activation(xp[:, :u2] + hu[:, :u2])
            hh = hu[:, u2:] + self.bias[1, u2:] if self.use_bias else hu[:, u2:]
            cand = self.activation(xp[:, u2:] + zr[:, u:] * hh)
        else:
            zr = self.recurrent_activation(xp[:, :u2] + dot(h_in, rec[:, :u2]))
            cand = self.activation(xp[:, u2:] + dot(zr[:, u:] * h_in, rec[:, u2:]))
        z = zr[:, :u]
        h = z * h_prev + (1 - z) * cand
        return h, [h]

    def get_config(self) -> dict:
        return {**super().get_config(), "reset_after": self.reset_after}


class _ForgetBias:
    """Keras's ``unit_forget_bias``: the bias initializer, with ones on the forget block."""

    def __init__(self, base, units):
        self.base, self.units = base, units

    def __call__(self, shape, dtype=None, rng=None):
        u = self.units
        value = np.array(self.base(tuple(shape), dtype=dtype, rng=rng), dtype=dtype)
        value[u : 2 * u] = 1.0
        return value


class LSTMCell(Cell):
    r"""Long short-term memory (Hochreiter and Schmidhuber, 1997) in Keras's layout.

    Parameters
    ----------
    units : int
    unit_forget_bias : bool, default True
        Start the forget gate's bias at 1 (Jozefowicz et al., 2015).
    **kwargs
        The arguments of :class:`~kerasque.layers.rnn.cell.Cell`.

    Notes
    -----
    Two states, :math:`h` and :math:`c`. ``kernel`` (input_dim, 4 units),
    ``recurrent_kernel`` (units, 4 units), ``bias`` (4 units,), column blocks
    :math:`i | f | c | o` (PyTorch's ``nn.LSTM`` order, transposed, with
    ``bias_ih + bias_hh = bias``):

    .. math::

        i_t &= \sigma(x_t W_i + h_{t-1} U_i + b_i), \quad
        f_t = \sigma(x_t W_f + h_{t-1} U_f + b_f) \\
        o_t &= \sigma(x_t W_o + h_{t-1} U_o + b_o) \\
        c_t &= f_t \odot c_{t-1} + i_t \odot \tanh(x_t W_c + h_{t-1} U_c + b_c) \\
        h_t &= o_t \odot \tanh(c_t)

    References
    ----------
    Hochreiter, S. and Schmidhuber, J. (1997). Long short-term memory.
    Neural Computation 9(8).
    """

    state_names = ("h", "c")
    gates = 4

    def __init__(self, units, unit_forget_bias=True, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    def build(self, input_shape):
        base = self.bias_initializer
        if self.unit_forget_bias:
            self.bias_initializer = _ForgetBias(base, self.units)
        try:
            super().build(input_shape)
        finally:
            self.bias_initializer = base

    def step(self, xp, states, masks):
        h_prev, c_prev = states
        u = self.units
        z = xp + dot(_masked(h_prev, masks[0]), self.recurrent_kernel)
        i = self.recurrent_activation(z[:, :u])
        f = self.recurrent_activation(z[:, u : 2 * u])
        c = f * c_prev + i * self.activation(z[:, 2 * u : 3 * u])
        o = self.recurrent_activation(z[:, 3 * u :])
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self) -> dict:
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


class StackedRNNCells(Layer):
    """Several cells run as one: each step feeds each cell's output to the next.

    The states are every cell's states in order (Keras 3's order), the output
    the last cell's. Each cell's ``dropout`` applies to its own input: the
    first cell's to the sequence (one mask per sequence), the others' to the
    output of the cell below, inside the step.

    Parameters
    ----------
    cells : list of cells

    Examples
    --------
    >>> from kerasque.layers import RNN, LSTMCell, StackedRNNCells
    >>> layer = RNN(StackedRNNCells([LSTMCell(16), LSTMCell(16)]))
    """

    output_is_state = False

    def __init__(self, cells, reverse_state_order=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(cells, (list, tuple)) or not cells:
            raise TypeError(
                f"StackedRNNCells {self.name!r}: cells must be a non-empty list of cells, "
                f"received {cells!r}."
            )
        self.cells = [as_cell(cell, f"StackedRNNCells {self.name!r}") for cell in cells]
        # Keras 2.2.4: the states of the last cell first (Keras 3 dropped it).
        self.reverse_state_order = bool(reverse_state_order)

    def _in_state_order(self, items):
        return items[::-1] if self.reverse_state_order else items

    @property
    def sublayers(self) -> list:
        return list(self.cells)

    @property
    def state_size(self) -> tuple:
        """Every cell's state sizes in one flat tuple, as in Keras 2 (Keras 3 nests them)."""
        return tuple(s for cell in self._in_state_order(self.cells) for s in state_sizes(cell))

    @property
    def state_names(self) -> tuple:
        cells = self._in_state_order(self.cells)
        return tuple(n for cell in cells for n in getattr(cell, "state_names", ("h",)))

    @property
    def output_size(self) -> int:
        last = self.cells[-1]
        return getattr(last, "output_size", state_sizes(last)[0])

    @property
    def dropout(self) -> float:
        return getattr(self.cells[0], "dropout", 0.0)

    @property
    def weight_names(self) -> list[str]:
        names = [n for cell in self.cells for n in getattr(cell, "weight_names", [])]
        return list(dict.fromkeys(names))

    def mask_specs(self) -> list:
        specs = list(_specs(self.cells[0]))
        for below, cell in zip(self.cells, self.cells[1:]):
            size = getattr(below, "output_size", state_sizes(below)[0])
            specs.append((size, getattr(cell, "dropout", 0.0)))
            specs += _specs(cell)
        return specs

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            cell._maybe_build(shape)
            shape = (shape[0], getattr(cell, "output_size", state_sizes(cell)[0]))

    def project(self, x):
        return project(self.cells[0], x)

    def step(self, xp, states, masks):
        masks, states = list(masks), list(states)
        groups = []  # each cell's states, in the order of the states
        for cell in self._in_state_order(self.cells):
            n = len(state_sizes(cell))
            groups.append(states[:n])
            states = states[n:]
        groups = self._in_state_order(groups)  # now in the order of the cells
        new_groups, out = [], None
        for k, (cell, own) in enumerate(zip(self.cells, groups)):
            if k:
                x = _masked(out, masks.pop(0))
                xp = project(cell, x)
            specs = len(_specs(cell))
            cell_masks, masks = masks[:specs], masks[specs:]
            out, new = run_step(cell, xp, own, cell_masks)
            new_groups.append(new)
        return out, [v for new in self._in_state_order(new_groups) for v in new]

    def call(self, inputs, states, training=None):
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        return self.step(self.project(inputs), states, [None] * len(self.mask_specs()))

    def get_config(self) -> dict:
        cells = [{"class_name": type(c).__name__, "config": c.get_config()} for c in self.cells]
        config = {**super().get_config(), "cells": cells}
        if self.reverse_state_order:
            config["reverse_state_order"] = True
        return config

    @classmethod
    def from_config(cls, config: dict):
        from kerasque import layers

        config = dict(config)
        cells = [layers.deserialize(c) for c in config.pop("cells")]
        return cls(cells, **config)


class ObjectCell(Layer):
    """A cell written as a plain object with ``state_size`` and ``call(inputs, states)``.

    Keras 2 and 3 both accept such an object as a cell.

    The loop runs layers; this one holds the object and calls it. Weights the
    object keeps itself (backend variables) are not the layer's, so they are
    not trained or saved: Keras does the same with a cell that is not a
    ``Layer``.
    """

    def __init__(self, cell, **kwargs):
        super().__init__(**kwargs)
        self.cell = cell

    @property
    def state_size(self):
        return self.cell.state_size

    @property
    def output_size(self):
        return self.cell.output_size  # AttributeError when the object has none

    def build(self, input_shape):
        if hasattr(self.cell, "build"):
            self.cell.build(input_shape)

    def call(self, inputs, states, training=None):
        return self.cell.call(inputs, states)

    def get_config(self) -> dict:
        raise NotImplementedError(
            f"Cell {self.cell!r} is a plain object, not a Layer, so it has no config to save; "
            "write it as a subclass of kerasque.layers.Layer with get_config() to save the model."
        )


def as_cell(cell, owner: str):
    """``cell`` as a Layer the loop runs: a Layer as it is, an object in :class:`ObjectCell`."""
    if not hasattr(cell, "state_size") or not callable(getattr(cell, "call", None)):
        raise TypeError(
            f"{owner}: a cell needs a state_size and a call(inputs, states) method "
            f"(a Layer such as LSTMCell(32), or any object with both), received {cell!r}."
        )
    return cell if isinstance(cell, Layer) else ObjectCell(cell)


def _specs(cell) -> list:
    return cell.mask_specs() if hasattr(cell, "mask_specs") else []


def project(cell, x):
    """The cell's input projection of ``x`` (a cell without ``project`` takes ``x`` as it is)."""
    return cell.project(x) if hasattr(cell, "project") else x


def run_step(cell, xp, states, masks):
    """One step of any cell: a kerasque cell's ``step``, or a Keras cell's ``call``."""
    if hasattr(cell, "step"):
        out, new = cell.step(xp, states, masks)
    else:
        out, new = cell.call(xp, list(states))
    new = list(new) if isinstance(new, (list, tuple)) else [new]
    if len(new) != len(states):
        raise ValueError(
            f"Cell {cell.name!r} ({type(cell).__name__}) returned {len(new)} states from a step "
            f"that received {len(states)}; call(inputs, states) must return (output, "
            "new_states) with one new state per state in state_size."
        )
    return out, new
