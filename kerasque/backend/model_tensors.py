"""Backend functions that also take a model's symbolic tensors.

``K.sum(x, axis=1)`` on a PyTensor variable builds PyTensor graph, as it
always did. On a model tensor (:class:`~kerasque.engine.symbolic.SymbolicTensor`,
from ``Input`` or a layer called on one), alone or in a list argument, it
returns a new model tensor, made by a
:class:`~kerasque.layers.backend_op.BackendOp` layer that applies the
function when the model's graph is built. This is Keras 3's behaviour of its
operations on ``KerasTensor`` s; Keras 2 code uses it too (``K.reverse`` of a
layer's output in its own tests). A call mixing model tensors with PyTensor
variables computed outside the model keeps working while the model is built
and compiled, but cannot be saved.
"""

from __future__ import annotations

import functools
import operator

import numpy as np
import pytensor.tensor as pt

from kerasque.engine.symbolic import SymbolicTensor

__all__ = ["accepting_model_tensors", "apply_operator", "backend_function"]

_RAW: dict = {}


def _arithmetic(fn):
    """``fn`` on tensors; a number next to a float tensor takes its dtype (not float64).

    Next to an integer tensor a number keeps its own type, so ``x * 0.5``
    is a float, as in NumPy.
    """

    def apply(*operands):
        tensors = [o for o in operands if isinstance(o, pt.Variable)]
        dtype = tensors[0].dtype if tensors else None
        floating = dtype is not None and dtype.startswith("float")
        cast = [
            pt.constant(o, dtype=dtype)
            if floating and isinstance(o, (int, float, np.number)) and not isinstance(o, bool)
            else o
            for o in operands
        ]
        return fn(*cast)

    return apply


# Python's arithmetic on model tensors (``x - y``, ``-0.5 * x``), by name.
_OPERATORS = {
    "add": operator.add,
    "subtract": operator.sub,
    "multiply": operator.mul,
    "divide": operator.truediv,
    "power": operator.pow,
    "negative": operator.neg,
}
_RAW.update({f"operator.{name}": _arithmetic(fn) for name, fn in _OPERATORS.items()})


def backend_function(name: str, owner: str):
    """The backend function called ``name`` (only those that take model tensors)."""
    if not isinstance(name, str) or name not in _RAW:
        raise ValueError(
            f"{owner}: {name!r} is not a kerasque backend function that takes model "
            f"tensors; expected one of {sorted(_RAW)}."
        )
    return _RAW[name]


def accepting_model_tensors(fn, name: str):
    """``fn``, which when given model tensors returns a model tensor (see the module)."""
    _RAW[name] = fn

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if not (_holds_model_tensor(args) or _holds_model_tensor(kwargs)):
            return fn(*args, **kwargs)
        return _as_layer(name, args, kwargs)

    return wrapper


def apply_operator(name: str, *operands):
    """``operands`` combined by Python operator ``name`` (see :data:`_OPERATORS`), as a node."""
    return _as_layer(f"operator.{name}", operands, {})


def _holds_model_tensor(value, depth=0) -> bool:
    """Whether ``value`` is a model tensor or a list of them (the arguments: depth 0)."""
    if isinstance(value, SymbolicTensor):
        return True
    if depth > 1:
        return False
    if isinstance(value, (list, tuple)):
        return any(_holds_model_tensor(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return any(_holds_model_tensor(v, depth + 1) for v in value.values())
    return False


def _as_layer(name, args, kwargs):
    from kerasque.layers.backend_op import BackendOp, slot

    tensors: list = []

    def template(value, depth=0):
        if isinstance(value, SymbolicTensor):
            tensors.append(value)
            return slot(len(tensors) - 1)
        if depth < 1 and isinstance(value, (list, tuple)):
            return type(value)(template(v, depth + 1) for v in value)
        if isinstance(value, np.generic):  # a NumPy scalar: saved as a plain number
            return value.item()
        return value

    t_args = [template(a) for a in args]
    t_kwargs = {k: template(v) for k, v in kwargs.items()}
    layer = BackendOp(name, t_args, t_kwargs)
    return layer(tensors if len(tensors) > 1 else tensors[0])
