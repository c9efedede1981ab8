"""Weight penalties added to the training loss: Keras 2 and Keras 3 names and classes.

``L1(l1)``, ``L2(l2)`` and ``L1L2(l1, l2)`` penalize ``l1 * sum(|w|) +
l2 * sum(w**2)``. The lowercase ``l1(l=0.01)``, ``l2(l=0.01)`` and
``l1_l2(l1=0.01, l2=0.01)`` are Keras 2's functions (Keras 2's defaults); by
name, ``'l1'``, ``'l2'`` and ``'l1_l2'`` are those with their defaults. Every
factor must be a finite number >= 0.

Examples
--------
>>> from kerasque import regularizers
>>> regularizers.serialize(regularizers.l2(0.01))
{'class_name': 'L2', 'config': {'l2': 0.01}}
"""

from __future__ import annotations

import pytensor.tensor as pt

from kerasque.utils import object_config
from kerasque.utils.validation import check_number


def _factor(owner: str, name: str, value) -> float:
    return check_number(
        owner, name, value, low=0, hint="It multiplies the penalty; 0 turns it off."
    )


class Regularizer:
    """Base class: ``reg(w)`` returns a scalar penalty for weight ``w``."""

    def __call__(self, w):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(w).")

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _penalty(w, l1: float, l2: float):
    penalty = pt.constant(0.0, dtype=w.dtype)
    if l1:
        penalty = penalty + pt.cast(l1, w.dtype) * pt.sum(pt.abs(w))
    if l2:
        penalty = penalty + pt.cast(l2, w.dtype) * pt.sum(pt.sqr(w))
    return penalty


class L1L2(Regularizer):
    """``l1 * sum(|w|) + l2 * sum(w**2)``.

    Parameters
    ----------
    l1, l2 : float
        Finite factors >= 0 (default 0, as in Keras).
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _factor("L1L2", "l1", l1)
        self.l2 = _factor("L1L2", "l2", l2)

    def __call__(self, w):
        return _penalty(w, self.l1, self.l2)

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """``l1 * sum(|w|)``; ``l1`` a finite factor >= 0 (default 0.01)."""

    def __init__(self, l1=0.01):
        self.l1 = _factor("L1", "l1", l1)

    def __call__(self, w):
        return _penalty(w, self.l1, 0.0)

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(Regularizer):
    """``l2 * sum(w**2)``; ``l2`` a finite factor >= 0 (default 0.01)."""

    def __init__(self, l2=0.01):
        self.l2 = _factor("L2", "l2", l2)

    def __call__(self, w):
        return _penalty(w, 0.0, self.l2)

    def get_config(self) -> dict:
        return {"l2": self.l2}


def l1(l=0.01) -> L1:
    """Keras 2's ``l1(l=0.01)``."""
    return L1(l)


def l2(l=0.01) -> L2:
    """Keras 2's ``l2(l=0.01)``."""
    return L2(l)


def l1_l2(l1=0.01, l2=0.01) -> L1L2:
    """Keras 2's ``l1_l2(l1=0.01, l2=0.01)``."""
    return L1L2(l1=l1, l2=l2)


# 'Regularizer' with l1/l2 is how kerasque saved L1L2 before; old files keep loading.
TABLE = {
    **object_config.name_table((L1, L2, L1L2)),
    "l1": l1,
    "l2": l2,
    "l1_l2": l1_l2,
    "Regularizer": L1L2,
}


def serialize(regularizer):
    """``{"class_name": ..., "config": ...}`` for a Regularizer; a user function's name."""
    return object_config.serialize(regularizer, Regularizer, "regularizer")


def deserialize(config, custom_objects: dict | None = None):
    """A regularizer from a Keras 2 or Keras 3 config (or a name)."""
    return object_config.deserialize(config, TABLE, Regularizer, "regularizer", custom_objects)


def get(identifier):
    """A regularizer from None, an instance, a name, a config dict or a function."""
    if identifier is None:
        return None
    return object_config.get(identifier, TABLE, Regularizer, "regularizer")
