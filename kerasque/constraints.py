"""Weight constraints applied after each optimizer step: Keras 2 and Keras 3 names.

``MaxNorm`` is the constraint Srivastava et al. (2014) pair with dropout:
after every update each unit's incoming weight vector is projected back to
``||w||_2 <= max_value``. ``NonNeg``, ``UnitNorm`` and ``MinMaxNorm`` are
Keras's others; ``max_norm``, ``non_neg``, ``unit_norm`` and
``min_max_norm`` are their lowercase names.

Examples
--------
>>> from kerasque import constraints
>>> constraints.get("max_norm")
MaxNorm(max_value=2.0, axis=0)
"""

from __future__ import annotations

import numbers

import pytensor.tensor as pt

from kerasque.config import epsilon
from kerasque.utils import object_config
from kerasque.utils.validation import check_number


def _is_int(a) -> bool:
    return isinstance(a, numbers.Integral) and not isinstance(a, bool)


def _check_axis(owner: str, axis):
    ok = _is_int
    if ok(axis):
        return int(axis)
    if isinstance(axis, (list, tuple)) and axis and all(ok(a) for a in axis):
        return [int(a) for a in axis]
    raise TypeError(f"{owner}: axis must be an int or a list of ints, received {axis!r}.")


def _norms(w, axis):
    return pt.sqrt(pt.sum(pt.sqr(w), axis=axis, keepdims=True))


class Constraint:
    """Base class: ``con(w)`` returns the projected weight."""

    def __call__(self, w):
        return w

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class MaxNorm(Constraint):
    """Project weights so their L2 norm along ``axis`` is at most ``max_value``.

    Parameters
    ----------
    max_value : float
        The norm bound ``c``, a finite number > 0 (the paper uses 3 to 4;
        Keras defaults to 2).
    axis : int or list of int
        Axis over which the norm is taken; 0 for a Dense kernel
        ``(input_dim, units)`` bounds each unit's incoming weights.
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = check_number("MaxNorm", "max_value", max_value, low=0, low_open=True)
        self.axis = _check_axis("MaxNorm", axis)

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = pt.clip(norms, 0, self.max_value)
        return w * (desired / (norms + epsilon()))

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Set negative weights to zero."""

    def __call__(self, w):
        return w * pt.cast(pt.ge(w, 0), w.dtype)


class UnitNorm(Constraint):
    """Scale weights to unit L2 norm along ``axis``.

    Parameters
    ----------
    axis : int or list of int
    """

    def __init__(self, axis=0):
        self.axis = _check_axis("UnitNorm", axis)

    def __call__(self, w):
        return w / (epsilon() + _norms(w, self.axis))

    def get_config(self) -> dict:
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Move the L2 norm along ``axis`` into ``[min_value, max_value]`` at speed ``rate``.

    The new norm is ``rate * clip(norm, min_value, max_value) + (1 - rate) * norm``.

    Parameters
    ----------
    min_value, max_value : float
        Finite, ``0 <= min_value <= max_value``.
    rate : float
        In [0, 1]; 1 enforces the bounds at once.
    axis : int or list of int
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = check_number("MinMaxNorm", "min_value", min_value, low=0)
        self.max_value = check_number("MinMaxNorm", "max_value", max_value, low=self.min_value)
        self.rate = check_number("MinMaxNorm", "rate", rate, low=0, high=1)
        self.axis = _check_axis("MinMaxNorm", axis)

    def __call__(self, w):
        norms = _norms(w, self.axis)
        clipped = pt.clip(norms, self.min_value, self.max_value)
        desired = self.rate * clipped + (1 - self.rate) * norms
        return w * (desired / (epsilon() + norms))

    def get_config(self) -> dict:
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "rate": self.rate,
            "axis": self.axis,
        }


max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm
TABLE = object_config.name_table((MaxNorm, NonNeg, UnitNorm, MinMaxNorm))


def serialize(constraint):
    """``{"class_name": ..., "config": ...}`` for a Constraint; a user function's name."""
    return object_config.serialize(constraint, Constraint, "constraint")


def deserialize(config, custom_objects: dict | None = None):
    """A constraint from a Keras 2 or Keras 3 config (or a name)."""
    return object_config.deserialize(config, TABLE, Constraint, "constraint", custom_objects)


def get(identifier):
    """A constraint from None, an instance, a name, a config dict or a function."""
    if identifier is None:
        return None
    return object_config.get(identifier, TABLE, Constraint, "constraint")
