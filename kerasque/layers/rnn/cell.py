r"""The cell protocol: what a recurrent cell declares to the loop that runs it.

A cell owns its weights and one step of the recurrence; the loop
(:class:`~kerasque.layers.rnn.rnn.RNN`) owns the time axis. A kerasque cell
declares

- ``state_size`` (an int, or one int per state) and ``state_names`` (``('h',)``,
  or ``('h', 'c')`` for an LSTM), which the regularizers read (ZoneOut zones
  out each state with its own rate);
- ``weight_names``: the names of its weights (``kernel``, ``recurrent_kernel``,
  ``bias``), which DropConnect checks before anything is built;
- ``mask_specs()``: the ``(size, rate)`` of each variational dropout mask its
  step reads besides the input mask (Gal and Ghahramani, 2016);
- ``project(x)``: the part of the step that does not depend on the state,
  which the loop computes for every step at once before the loop;
- ``step(xp_t, states, masks)``: one step, returning ``(output, new_states)``.

A cell written as in Keras (``state_size`` and ``call(inputs, states)``) runs
as well: the loop then projects nothing and calls ``call`` at every step.
"""

from __future__ import annotations

import numbers

from kerasque import activations, constraints, initializers, regularizers
from kerasque.engine.base_layer import Layer
from kerasque.layers.core import _check_positive_int


def check_fraction(
    owner: str, name: str, value, meaning: str = "the fraction of units to drop (0.5 drops half)"
) -> float:
    """Validate a probability argument (``dropout=``, ``rate=``) in [0, 1)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a number in [0, 1), received {value!r}.")
    if not 0 <= value < 1:
        raise ValueError(
            f"{owner}: {name} must be a number in [0, 1), received {value!r}. "
            f"It is {meaning}; 0 turns it off."
        )
    return float(value)


def state_sizes(cell) -> list[int]:
    """A cell's ``state_size`` as a list of ints (Keras allows an int or a list)."""
    size = cell.state_size
    sizes = list(size) if isinstance(size, (list, tuple)) else [size]
    if not sizes or not all(isinstance(s, numbers.Integral) and s > 0 for s in sizes):
        raise ValueError(
            f"Cell {getattr(cell, 'name', cell)!r} ({type(cell).__name__}) declares "
            f"state_size={size!r}; it must be a positive int or a list of them, one per state."
        )
    return [int(s) for s in sizes]


class Cell(Layer):
    """Base class of kerasque's recurrent cells (see the module docstring).

    Parameters
    ----------
    units : int
        Size of the output and of each state.
    activation, recurrent_activation : str or callable
    use_bias : bool
    kernel_initializer, recurrent_initializer, bias_initializer : str or callable
    kernel_regularizer, recurrent_regularizer, bias_regularizer : Regularizer, optional
    kernel_constraint, recurrent_constraint, bias_constraint : constraint, optional
    dropout, recurrent_dropout : float
        Variational dropout rates of the input and of the state where it
        enters the recurrent product: one mask per sequence, drawn by the
        loop outside the scan.
    """

    state_names: tuple = ("h",)
    output_is_state = True  # the output is states[0]; the loop does not carry it twice
    gates = 1  # column blocks of the kernel

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        owner = f"{type(self).__name__} {self.name!r}"
        self.units = _check_positive_int(owner, "units", units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = check_fraction(owner, "dropout", dropout)
        self.recurrent_dropout = check_fraction(owner, "recurrent_dropout", recurrent_dropout)

    # -- the declaration ----------------------------------------------------
    @property
    def state_size(self):
        return self.units if len(self.state_names) == 1 else [self.units] * len(self.state_names)

    @property
    def output_size(self) -> int:
        return self.units

    @property
    def weight_names(self) -> list[str]:
        return ["kernel", "recurrent_kernel"] + (["bias"] if self.use_bias else [])

    def mask_specs(self) -> list[tuple[int, float]]:
        """``(size, rate)`` of each mask :meth:`step` reads: the recurrent one."""
        return [(self.units, self.recurrent_dropout)]

    # -- weights ------------------------------------------------------------
    def build(self, input_shape):
        dim = input_shape[-1]
        if dim is None:
            raise ValueError(
                f"Cell {self.name!r} ({type(self).__name__}) needs a known feature dimension "
                f"(the last axis), received input shape {tuple(input_shape)}."
            )
        width = self.gates * self.units
        self.kernel = self.add_weight(
            "kernel",
            (dim, width),
            self.kernel_initializer,
            self.kernel_regularizer,
            self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel",
            (self.units, width),
            self.recurrent_initializer,
            self.recurrent_regularizer,
            self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                "bias",
                self.bias_shape(),
                self.bias_initializer,
                self.bias_regularizer,
                self.bias_constraint,
            )

    def bias_shape(self) -> tuple:
        return (self.gates * self.units,)

    # -- the step -----------------------------------------------------------
    def project(self, x):
        """``x @ kernel (+ bias)`` for a ``(n, features)`` matrix of many steps at once."""
        from kerasque.layers.rnn.loop import dot

        out = dot(x, self.kernel)
        return out + self.bias if self.use_bias else out

    def step(self, xp, states, masks):
        raise NotImplementedError(f"{type(self).__name__} must implement step().")

    def call(self, inputs, states, training=None):
        """One step as Keras's cells run it: ``(output, new_states)``, without dropout."""
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        return self.step(self.project(inputs), states, [None] * len(self.mask_specs()))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_size)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
        }
