"""BackendOp: a backend function applied to a model's symbolic tensors, as a layer.

Keras 3 applies its operations to the symbolic tensors of a functional model
(``keras.ops.sum(x, axis=1)`` on an ``Input``), and Keras 2 code applies
backend functions the same way (``K.reverse(x, 1)``). kerasque's backend
functions compute on PyTensor variables; given a model tensor they return a
new model tensor made by this layer (see
:mod:`kerasque.backend.model_tensors`), which calls the function when the
model's graph is built.

Saving stores the function's name and its other arguments, which must be
plain values (numbers, strings, booleans, None, and lists or dicts of them).
Loading looks the name up among the functions that take model tensors
(backend tensor functions, ``losses.<name>``, ``operator.<name>``): no code is
read from the file.
"""

from __future__ import annotations

import json

from kerasque.layers.lambda_layer import Lambda

__all__ = ["BackendOp"]

_SLOT = "__model_tensor__"


class BackendOp(Lambda):
    """``kerasque.backend.<op>(*args, **kwargs)`` with model tensors among the arguments.

    Parameters
    ----------
    op : str
        The name of a function that takes model tensors: a backend function
        (``'sum'``, ``'reverse'``, ...), ``'losses.<name>'`` or
        ``'operator.<name>'`` (``'operator.add'``, ...).
    args, kwargs
        Its arguments, with each model tensor replaced by a slot
        ``{"__model_tensor__": i}``: the layer's ``i``-th input.

    Examples
    --------
    >>> from kerasque import backend as K
    >>> from kerasque.layers import Input
    >>> K.sum(Input(shape=(3, 4)), axis=1).shape
    (None, 4)
    """

    def __init__(self, op, args=(), kwargs=None, **layer_kwargs):
        from kerasque.backend.model_tensors import backend_function

        self.op = op
        self._fn = backend_function(op, f"BackendOp {layer_kwargs.get('name')!r}")
        self.op_args = list(args)
        self.op_kwargs = dict(kwargs or {})
        slots = _slots([self.op_args, self.op_kwargs])
        ints = all(isinstance(i, int) for i in slots)
        if not ints or sorted(slots) != list(range(len(slots))):
            raise ValueError(
                f"BackendOp {op!r}: the model-tensor slots of its arguments must number the "
                f"inputs 0, 1, ... once each, received {slots}."
            )
        self.n_tensors = len(slots)
        super().__init__(self._run, **layer_kwargs)

    def _run(self, inputs):
        tensors = list(inputs) if self.n_tensors > 1 else [inputs]
        args = _fill(self.op_args, tensors)
        kwargs = _fill(self.op_kwargs, tensors)
        return self._fn(*args, **kwargs)

    def get_config(self) -> dict:
        config = {k: v for k, v in super().get_config().items() if k not in _LAMBDA_KEYS}
        saved = {"op": self.op, "args": self.op_args, "kwargs": self.op_kwargs}
        try:
            json.dumps(saved)
        except TypeError as err:
            raise TypeError(
                f"Layer {self.name!r} (BackendOp) applies {self.op!r} with an "
                f"argument that is not a plain value ({err}), so it cannot be saved; pass "
                "numbers, strings, lists or None, or wrap the computation in a Lambda layer "
                "with a named function."
            ) from err
        return {**config, **saved}

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        return cls(config.pop("op"), config.pop("args", ()), config.pop("kwargs", None), **config)


_LAMBDA_KEYS = ("function", "output_shape", "mask", "arguments")


def slot(index: int) -> dict:
    """The placeholder of the ``index``-th model tensor in saved arguments."""
    return {_SLOT: index}


def _is_slot(value) -> bool:
    return isinstance(value, dict) and set(value) == {_SLOT}


def _slots(value) -> list:
    """The input index of every slot in ``value`` (a slot's index must be an int)."""
    if _is_slot(value):
        index = value[_SLOT]
        return [index if isinstance(index, int) and not isinstance(index, bool) else repr(index)]
    if isinstance(value, (list, tuple)):
        return [i for v in value for i in _slots(v)]
    if isinstance(value, dict):
        return [i for v in value.values() for i in _slots(v)]
    return []


def _fill(value, tensors):
    if _is_slot(value):
        return tensors[value[_SLOT]]
    if isinstance(value, list):
        return [_fill(v, tensors) for v in value]
    if isinstance(value, tuple):
        return tuple(_fill(v, tensors) for v in value)
    if isinstance(value, dict):
        return {k: _fill(v, tensors) for k, v in value.items()}
    return value
