"""SimpleRNN, GRU and LSTM: an :class:`RNN` over the matching cell, with Keras's arguments.

Each layer takes its cell's arguments and the loop's in one flat list, as in
Keras 2 and 3, and saves them in one flat config; its weights are the cell's,
named after the layer (``gru_1/kernel``), in Keras's layout.
"""

from __future__ import annotations

from kerasque.engine.base_layer import _init_params, snake_case, unique_name
from kerasque.layers.rnn.cell import Cell
from kerasque.layers.rnn.cells import GRUCell, LSTMCell, SimpleRNNCell
from kerasque.layers.rnn.rnn import RNN
from kerasque.utils.generic import check_kwargs

__all__ = ["GRU", "LSTM", "SimpleRNN"]

_LOOP_ARGS = (
    "return_sequences",
    "return_state",
    "go_backwards",
    "stateful",
    "unroll",
    "seed",
    "activity_regularizer",
    "weights",
    "batch_size",
    "input_dim",
    "input_length",
    "name",
    "trainable",
    "dtype",
    "input_shape",
    "batch_input_shape",
    "input_dtype",
    "implementation",
)
_IMPLEMENTATIONS = (0, 1, 2)


class _CellLayer(RNN):
    """An RNN whose cell it builds from its own arguments."""

    cell_class: type = Cell
    _owns_cell = True

    def __init__(self, units, implementation=2, use_cudnn="auto", **kwargs):
        kind = type(self).__name__
        check_kwargs(kind, kwargs, _LOOP_ARGS + _init_params(self.cell_class))
        loop_args = {k: kwargs.pop(k) for k in list(kwargs) if k in _LOOP_ARGS}
        name = loop_args.get("name") or unique_name(snake_case(kind))
        loop_args["name"] = name
        if implementation not in _IMPLEMENTATIONS:
            raise ValueError(
                f"{kind} {name!r}: implementation must be 1 or 2 (Keras's ways of splitting the "
                f"products; kerasque computes both the same way), received {implementation!r}."
            )
        if use_cudnn not in ("auto", True, False):
            raise ValueError(
                f"{kind} {name!r}: use_cudnn must be 'auto', True or False (Keras 3's argument; "
                f"kerasque accepts it and runs its own loop), received {use_cudnn!r}."
            )
        try:
            cell = self.cell_class(units, name=f"{name}_cell", **kwargs)
        except (TypeError, ValueError) as err:
            # The user called GRU(...), not GRUCell(...): name the layer.
            cell_owner = f"{self.cell_class.__name__} '{name}_cell'"
            message = str(err).replace(cell_owner, f"{kind} {name!r}")
            raise type(err)(message) from None
        super().__init__(cell, **loop_args)
        self.implementation = implementation

    def __getattr__(self, name):
        # units, activation, kernel, ...: the cell's (only reached when not found here).
        if name.startswith("_") or name in ("cell",):
            raise AttributeError(name)
        cell = self.__dict__.get("cell")
        if cell is not None and name in _CELL_ATTRS:
            return getattr(cell, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def get_config(self) -> dict:
        cell = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell.pop(key, None)
        return {**super().get_config(), **cell, "implementation": self.implementation}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


_CELL_ATTRS = frozenset(
    [
        "units",
        "activation",
        "recurrent_activation",
        "use_bias",
        "kernel_initializer",
        "recurrent_initializer",
        "bias_initializer",
        "kernel_regularizer",
        "recurrent_regularizer",
        "bias_regularizer",
        "kernel_constraint",
        "recurrent_constraint",
        "bias_constraint",
        "dropout",
        "recurrent_dropout",
        "reset_after",
        "unit_forget_bias",
        "kernel",
        "recurrent_kernel",
        "bias",
    ]
)


class SimpleRNN(_CellLayer):
    """A fully connected recurrent layer: an :class:`RNN` over a :class:`SimpleRNNCell`.

    Takes :class:`SimpleRNNCell`'s arguments (``units``, ``activation``,
    ``use_bias``, initializers, regularizers, constraints, ``dropout``,
    ``recurrent_dropout``) and :class:`RNN`'s (``return_sequences``,
    ``return_state``, ``go_backwards``, ``stateful``, ``unroll``, ``seed``).
    ``implementation`` (Keras 2) and ``use_cudnn`` (Keras 3) are accepted and
    change nothing.

    Examples
    --------
    >>> from kerasque.layers import SimpleRNN
    >>> SimpleRNN(4).compute_output_shape((None, 7, 3))
    (None, 4)
    """

    cell_class = SimpleRNNCell


class GRU(_CellLayer):
    r"""Gated recurrent unit (Cho et al., 2014): an :class:`RNN` over a :class:`GRUCell`.

    Reads ``(batch, time, features)`` and returns the last output
    ``(batch, units)``, or every output with ``return_sequences=True``.
    ``reset_after=True`` (Keras 3's default, bias ``(2, 3*units)``) or
    ``False`` (Keras 2.2.4's, bias ``(3*units,)``); see :class:`GRUCell` for
    the equations and :class:`RNN` for the loop's arguments. ``get_weights()``
    returns ``[kernel, recurrent_kernel, bias]`` in Keras's layout.

    Dropout with keep probabilities :math:`p = 1 - \text{dropout}` and
    :math:`q = 1 - \text{recurrent\_dropout}` replaces :math:`x_t` by
    :math:`x_t \odot m / p` and, inside the recurrent products,
    :math:`h_{t-1}` by :math:`h_{t-1} \odot n / q`, one mask per sequence
    shared by the gates (Gal and Ghahramani, 2016).

    Examples
    --------
    >>> from kerasque.layers import GRU
    >>> layer = GRU(32, dropout=0.2, recurrent_dropout=0.2, input_shape=(10, 8))
    >>> layer.compute_output_shape((None, 10, 8))
    (None, 32)
    """

    cell_class = GRUCell


class LSTM(_CellLayer):
    r"""Long short-term memory: an :class:`RNN` over an :class:`LSTMCell`.

    Two states, ``h`` and ``c`` (``return_state=True`` returns
    ``[output, h, c]``); weights ``[kernel (D, 4U), recurrent_kernel (U, 4U),
    bias (4U,)]`` with gates i|f|c|o, as in Keras. See :class:`LSTMCell` for
    the equations and :class:`RNN` for the loop's arguments.

    Examples
    --------
    >>> from kerasque.layers import LSTM
    >>> LSTM(8, return_sequences=True, return_state=True).compute_output_shape((None, 5, 3))
    [(None, 5, 8), (None, 8), (None, 8)]
    """

    cell_class = LSTMCell
