"""Weight constraints applied after each optimizer step.

``MaxNorm`` is the constraint Srivastava et al. (2014) pair with dropout:
after every update each unit's incoming weight vector is projected back to
``||w||_2 <= max_value``.
"""

from __future__ import annotations

import pytensor.tensor as pt

from kerasque.utils.generic import lookup


class MaxNorm:
    """Project weights so their L2 norm along ``axis`` is at most ``max_value``.

    Parameters
    ----------
    max_value : float
        The norm bound ``c`` (the paper uses 3 to 4; Keras defaults to 2).
    axis : int or tuple
        Axis over which the norm is taken; 0 for a Dense kernel
        ``(input_dim, units)`` bounds each unit's incoming weights.
    """

    def __init__(self, max_value: float = 2, axis=0):
        if not isinstance(max_value, (int, float)) or max_value <= 0:
            raise ValueError(f"MaxNorm max_value must be > 0, received {max_value!r}.")
        self.max_value = float(max_value)
        self.axis = axis

    def __call__(self, w):
        norms = pt.sqrt(pt.sum(pt.sqr(w), axis=self.axis, keepdims=True))
        desired = pt.clip(norms, 0, self.max_value)
        return w * (desired / (norms + 1e-7))

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": self.axis}


max_norm = MaxNorm


def get(identifier):
    """A constraint from an instance, a callable, a name or a config dict."""
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, dict):
        return MaxNorm(**identifier.get("config", identifier))
    return lookup("constraint", identifier, {"max_norm": MaxNorm, "MaxNorm": MaxNorm})()


def serialize(con):
    if con is None:
        return None
    if isinstance(con, MaxNorm):
        return {"class_name": "MaxNorm", "config": con.get_config()}
    raise TypeError(f"Cannot serialize constraint {con!r}; use kerasque.constraints.MaxNorm.")
