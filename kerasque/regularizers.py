"""Weight penalties added to the training loss: ``l1``, ``l2``, ``l1_l2``."""

from __future__ import annotations

import pytensor.tensor as pt

from kerasque.utils.generic import lookup


class Regularizer:
    """``l1 * sum(|w|) + l2 * sum(w**2)``."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        for name, value in (("l1", l1), ("l2", l2)):
            if not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"Regularizer {name} must be a float >= 0, received {value!r}.")
        self.l1 = float(l1)
        self.l2 = float(l2)

    def __call__(self, w):
        penalty = pt.constant(0.0, dtype=w.dtype)
        if self.l1:
            penalty = penalty + pt.cast(self.l1, w.dtype) * pt.sum(pt.abs(w))
        if self.l2:
            penalty = penalty + pt.cast(self.l2, w.dtype) * pt.sum(pt.sqr(w))
        return penalty

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


def l1(l=0.01) -> Regularizer:  # noqa: E741 - Keras's name
    return Regularizer(l1=l)


def l2(l=0.01) -> Regularizer:  # noqa: E741
    return Regularizer(l2=l)


def l1_l2(l1=0.01, l2=0.01) -> Regularizer:
    return Regularizer(l1=l1, l2=l2)


def get(identifier):
    """A regularizer from an instance, a name ('l1', 'l2', 'l1_l2') or a config dict."""
    if identifier is None or isinstance(identifier, Regularizer) or callable(identifier):
        return identifier
    if isinstance(identifier, dict):
        return Regularizer(**identifier.get("config", identifier))
    return lookup("regularizer", identifier, {"l1": l1, "l2": l2, "l1_l2": l1_l2})()


def serialize(reg):
    if reg is None:
        return None
    if isinstance(reg, Regularizer):
        return {"class_name": "Regularizer", "config": reg.get_config()}
    raise TypeError(f"Cannot serialize regularizer {reg!r}; use kerasque.regularizers.l1/l2/l1_l2.")
