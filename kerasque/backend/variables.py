"""Variables, placeholders, introspection and values: Keras's ``K.variable`` family.

A Keras variable is a PyTensor shared variable with a static shape; a
placeholder is a PyTensor input variable. The introspection functions
(:func:`int_shape`, :func:`dtype`, :func:`ndim`, :func:`is_keras_tensor`)
also accept kerasque's symbolic tensors (the outputs of layers called on
``Input``).
"""

from __future__ import annotations

import builtins
import contextlib
from collections import defaultdict

import numpy as np
import pytensor
import pytensor.tensor as pt
from pytensor.compile.sharedvalue import SharedVariable
from pytensor.tensor.variable import TensorVariable

from kerasque.config import floatx
from kerasque.engine.compile import compile_function
from kerasque.engine.symbolic import SymbolicTensor
from kerasque.engine.tracing import trace
from kerasque.utils.random_state import numpy_generator

__all__ = [
    "batch_get_value",
    "batch_set_value",
    "cast",
    "constant",
    "count_params",
    "dtype",
    "eval",
    "eye",
    "get_uid",
    "get_value",
    "get_variable_shape",
    "identity",
    "int_shape",
    "is_keras_tensor",
    "is_placeholder",
    "is_tensor",
    "moving_average_update",
    "name_scope",
    "ndim",
    "ones",
    "ones_like",
    "placeholder",
    "print_tensor",
    "random_normal_variable",
    "random_uniform_variable",
    "reset_uids",
    "set_value",
    "shape",
    "update",
    "update_add",
    "update_sub",
    "variable",
    "zeros",
    "zeros_like",
]

_NAME_SCOPES: list[str] = []
_UIDS: dict = defaultdict(int)


@contextlib.contextmanager
def name_scope(name: str):
    """Prefix the names of variables, constants and placeholders made inside with ``name/``."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"name_scope expects a non-empty string, received {name!r}.")
    _NAME_SCOPES.append(name)
    try:
        yield
    finally:
        _NAME_SCOPES.pop()


def _scoped(name, default: str) -> str:
    return "/".join([*_NAME_SCOPES, name or default])


def get_uid(prefix: str = "") -> int:
    """1, 2, 3, ... per ``prefix``, as Keras counts names."""
    _UIDS[prefix] += 1
    return _UIDS[prefix]


def reset_uids() -> None:
    """Restart every :func:`get_uid` counter."""
    _UIDS.clear()


# -- creation -----------------------------------------------------------------
def variable(value, dtype=None, name=None, constraint=None):
    """A shared variable holding ``value`` (NumPy array, list, number or tensor).

    Parameters
    ----------
    value : array-like or tensor
        The initial value; a symbolic value is evaluated first.
    dtype : str, optional
        Defaults to :func:`~kerasque.config.floatx`.
    name : str, optional
    constraint : callable, optional
        Kept as ``variable.constraint`` for optimizers that project after updates.

    Examples
    --------
    >>> from kerasque import backend as K
    >>> v = K.variable([[1, 2], [3, 4]])
    >>> K.int_shape(v), K.dtype(v)
    ((2, 2), 'float32')
    """
    if is_tensor(value):
        value = eval(value)
    if hasattr(value, "tocoo"):
        raise TypeError("variable: sparse matrices are not supported; pass value.toarray().")
    value = np.asarray(value, dtype=dtype or floatx())
    var = pytensor.shared(value, name=_scoped(name, "variable"), shape=value.shape)
    var.constraint = constraint
    return var


def constant(value, dtype=None, shape=None, name=None):
    """A constant tensor: ``value`` (a number or an array) broadcast to ``shape``."""
    array = np.asarray(value, dtype=dtype or floatx())
    if shape is not None:
        array = np.broadcast_to(array, tuple(shape)).copy()
    return pt.constant(array, name=_scoped(name, "constant"))


def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None):
    """An input variable of ``shape`` (``None`` for sizes known only at call time)."""
    if sparse:
        raise ValueError("placeholder: sparse placeholders are not supported; use a dense one.")
    if shape is None:
        if ndim is None:
            raise ValueError("placeholder needs a shape or an ndim; received neither.")
        shape = (None,) * int(ndim)
    shape = tuple(None if s is None else int(s) for s in shape)
    x = pt.tensor(_scoped(name, "placeholder"), dtype=dtype or floatx(), shape=shape)
    x.tag.keras_placeholder = True
    return x


def is_placeholder(x) -> bool:
    """Whether ``x`` was made by :func:`placeholder`."""
    return bool(getattr(getattr(x, "tag", None), "keras_placeholder", False))


def is_tensor(x) -> bool:
    """Whether ``x`` is a symbolic tensor (PyTensor variable, shared variable or model tensor)."""
    return (
        isinstance(x, (TensorVariable, SymbolicTensor))
        or (isinstance(x, SharedVariable) and hasattr(x, "ndim"))
        or isinstance(x, pt.TensorConstant)
    )


def is_keras_tensor(x) -> bool:
    """Whether ``x`` is the output of ``Input`` or of a layer called on one.

    Raises
    ------
    ValueError
        When ``x`` is not a tensor at all (a NumPy array, say), as in Keras.
    """
    if not is_tensor(x):
        raise ValueError(
            f"is_keras_tensor expects a symbolic tensor, received an instance of "
            f"{type(x).__name__}."
        )
    return isinstance(x, SymbolicTensor)


# -- introspection --------------------------------------------------------------
def int_shape(x):
    """The static shape of ``x`` as a tuple of ints (``None`` where unknown)."""
    if isinstance(x, SymbolicTensor):
        return tuple(x.shape)
    if isinstance(x, np.ndarray):
        return x.shape
    if isinstance(x, SharedVariable) and hasattr(x, "ndim"):
        static = tuple(x.type.shape)
        if builtins.any(s is None for s in static):
            return tuple(x.get_value(borrow=True).shape)
        return static
    if is_tensor(x):
        return tuple(x.type.shape)
    raise TypeError(
        f"int_shape expects a tensor, a variable or an array, received {type(x).__name__}."
    )


def shape(x):
    """The symbolic shape of ``x`` (a vector; index it as ``K.shape(x)[0]``)."""
    if isinstance(x, SymbolicTensor):
        raise TypeError(
            "shape: a model tensor has no value yet; use K.int_shape for its static shape, "
            "or call K.shape inside a layer's call."
        )
    return pt.as_tensor_variable(x).shape


def ndim(x) -> int:
    """The number of axes of ``x``."""
    if isinstance(x, (SymbolicTensor, np.ndarray)):
        return len(x.shape)
    return pt.as_tensor_variable(x).ndim


def dtype(x) -> str:
    """The dtype of ``x`` as a string ('float32', 'int64', ...)."""
    if isinstance(x, SymbolicTensor):
        return x.dtype
    if isinstance(x, np.ndarray):
        return x.dtype.name
    return pt.as_tensor_variable(x).dtype


def count_params(x) -> int:
    """The number of scalars in ``x``."""
    return int(
        np.prod(int_shape(x) if not isinstance(x, SharedVariable) else get_variable_shape(x))
    )


def get_variable_shape(x) -> tuple:
    """The shape of a variable's current value."""
    return tuple(_checked_variable(x, "get_variable_shape").get_value(borrow=True).shape)


# -- values ---------------------------------------------------------------------
def _checked_variable(x, who: str):
    if not isinstance(x, SharedVariable):
        raise TypeError(
            f"{who} expects a variable (K.variable or a layer weight), received "
            f"{type(x).__name__}; for an expression use K.eval()."
        )
    return x


def eval(x):
    """The value of ``x`` as a NumPy array (a variable's value, or an expression computed)."""
    if isinstance(x, SymbolicTensor):
        raise ValueError(  # noqa: TRY004  (the tensor is of the right type, just without a value)
            "eval: a model tensor depends on the model's inputs; compile a function with "
            "K.function([inputs], [tensor]) and call it on data."
        )
    if isinstance(x, SharedVariable):
        return np.asarray(x.get_value())
    traced = trace([], [pt.as_tensor_variable(x)])
    fn = compile_function(
        [], traced.outputs, traced.updates, draw_owner=traced.draw_owner, name="eval"
    )
    return np.asarray(fn()[0])


def get_value(x):
    """The value of a variable as a NumPy array."""
    return np.asarray(_checked_variable(x, "get_value").get_value())


def batch_get_value(xs) -> list:
    """:func:`get_value` of each variable."""
    return [get_value(x) for x in xs]


def set_value(x, value) -> None:
    """Set a variable's value (cast to its dtype; the shape must match)."""
    x = _checked_variable(x, "set_value")
    value = np.asarray(value, dtype=x.dtype)
    expected = x.get_value(borrow=True).shape
    static = tuple(x.type.shape)
    if value.shape != expected and builtins.any(s is not None for s in static):
        raise ValueError(
            f"set_value: variable {x.name!r} has shape {expected}, received a value of "
            f"shape {value.shape}."
        )
    x.set_value(value)


def batch_set_value(tuples) -> None:
    """:func:`set_value` for each ``(variable, value)`` pair."""
    for x, value in tuples:
        set_value(x, value)


# -- filled variables and tensors -------------------------------------------------
def zeros(shape, dtype=None, name=None):
    """A variable of zeros."""
    return variable(np.zeros(shape), dtype, name)


def ones(shape, dtype=None, name=None):
    """A variable of ones."""
    return variable(np.ones(shape), dtype, name)


def eye(size, dtype=None, name=None):
    """An identity-matrix variable: ``size`` is n or ``(n, m)``."""
    n, m = (size, size) if np.isscalar(size) else tuple(size)
    return variable(np.eye(n, m), dtype, name)


def zeros_like(x, dtype=None, name=None):
    """Zeros of ``x``'s shape (and dtype unless given)."""
    return pt.zeros_like(x, dtype=dtype)


def ones_like(x, dtype=None, name=None):
    """Ones of ``x``'s shape (and dtype unless given)."""
    return pt.ones_like(x, dtype=dtype)


def identity(x, name=None):
    """A tensor with the content of ``x``."""
    return pt.as_tensor_variable(x).copy(name=name)


def random_uniform_variable(shape, low, high, dtype=None, name=None, seed=None):
    """A variable drawn from U(low, high) (NumPy, seeded from ``seed`` or the global seed)."""
    return variable(numpy_generator(seed).uniform(low, high, size=shape), dtype, name)


def random_normal_variable(shape, mean, scale, dtype=None, name=None, seed=None):
    """A variable drawn from N(mean, scale**2), seeded as :func:`random_uniform_variable`."""
    return variable(numpy_generator(seed).normal(mean, scale, size=shape), dtype, name)


def cast(x, dtype):
    """``x`` cast to ``dtype``."""
    return pt.cast(x, dtype)


# -- updates (pairs for K.function(updates=...) and optimizers) -------------------
def update(x, new_x):
    """The update pair ``(x, new_x)``."""
    return (x, new_x)


def update_add(x, increment):
    """The update pair ``(x, x + increment)``."""
    return (x, x + increment)


def update_sub(x, decrement):
    """The update pair ``(x, x - decrement)``."""
    return (x, x - decrement)


def moving_average_update(x, value, momentum):
    """The update pair ``(x, x * momentum + value * (1 - momentum))``."""
    return (x, x * momentum + value * (1.0 - momentum))


def print_tensor(x, message: str = ""):
    """``x`` unchanged, printing ``message`` and its value each time it is computed.

    The JAX mode cannot print from a compiled function (kerasque exports its
    JAX functions, and an export cannot call back into Python): compiling a
    printing graph there raises and names the modes that can.
    """
    from pytensor.printing import Print

    _register_jax_print()
    return Print(message)(x)


def _register_jax_print() -> None:
    try:
        from pytensor.link.jax.dispatch import jax_funcify
        from pytensor.printing import Print
    except ImportError:
        return
    if Print in jax_funcify.registry:
        return

    @jax_funcify.register(Print)
    def _print(op, **kwargs):
        raise NotImplementedError(
            f"print_tensor({op.message!r}) cannot print in the JAX mode: compiled JAX "
            "functions are exported and cannot call back into Python. Compile this "
            "function with mode='C', 'NUMBA' or 'FAST_COMPILE' (K.function(..., mode='C'))."
        )
