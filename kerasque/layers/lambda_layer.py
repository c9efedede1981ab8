"""Lambda: wrap a Python function of tensors as a layer.

Saving stores the function by name and, like Keras 3, its marshalled
bytecode. Loading never runs code from a file by default: the function is
taken from ``custom_objects`` (or the registry of
:func:`kerasque.utils.register_custom_object`) by its name, and rebuilt from
the bytecode only when the user loads with ``safe_mode=False``
(:func:`kerasque.utils.safe_mode.in_safe_mode`). A Python ``lambda`` has no
name to look up, so only ``safe_mode=False`` brings it back.
"""

from __future__ import annotations

import builtins
import codecs
import inspect
import json
import marshal
import sys
import types

import pytensor.tensor as pt

from kerasque.config import floatx
from kerasque.engine import context
from kerasque.engine.base_layer import Layer
from kerasque.utils import generic
from kerasque.utils.safe_mode import in_safe_mode


class Lambda(Layer):
    """Apply ``function(inputs, **arguments)`` as a layer.

    Parameters
    ----------
    function : callable
        Takes the input tensor (or list of tensors); may also take ``mask=``
        and ``training=``.
    output_shape : tuple or callable, optional
        One sample's output shape (the batch axis is the input's), or a
        function of the full input shape. By default the shape is worked out
        by applying ``function`` to a placeholder.
    mask : callable, optional
        ``mask(inputs, mask)`` gives the output mask; by default the layer
        passes no mask on (Keras's rule).
    arguments : dict, optional
        Extra keyword arguments for ``function``.

    Examples
    --------
    >>> from kerasque.layers import Input, Lambda
    >>> Lambda(lambda x: 2 * x)(Input(shape=(3,))).shape
    (None, 3)
    """

    supports_masking = True

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        owner = f"Lambda {self.name!r}"
        self.function = _load_function(owner, "function", function)
        if callable(output_shape) or isinstance(output_shape, dict):
            output_shape = _load_function(owner, "output_shape", output_shape)
        elif output_shape is not None:
            output_shape = _shape_tuple(owner, output_shape)
        self.output_shape_arg = output_shape
        self.mask = None if mask is None else _load_function(owner, "mask", mask)
        if arguments is not None and not isinstance(arguments, dict):
            raise TypeError(f"{owner}: arguments must be a dict, received {arguments!r}.")
        self.arguments = dict(arguments or {})
        self._input_dtypes = None
        self._output_dtype = None

    # -- the graph ----------------------------------------------------------
    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        params = _parameters(self.function)
        if "mask" in params:
            kwargs["mask"] = mask
        if "training" in params:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        return self.mask(inputs, mask) if callable(self.mask) else None

    def _call_symbolic(self, xs, kwargs):
        self._input_dtypes = [x.dtype for x in xs]
        return super()._call_symbolic(xs, kwargs)

    def compute_output_shape(self, input_shape):
        spec = self.output_shape_arg
        if callable(spec):
            return spec(input_shape)
        if spec is not None:
            first = input_shape[0] if isinstance(input_shape, list) else input_shape
            return (first[0], *spec)
        return self._infer(input_shape)

    def compute_output_dtype(self, input_dtype):
        return self._output_dtype or input_dtype

    def _infer(self, input_shape):
        """Apply the function to placeholders and read the static shape of the result."""
        shapes = input_shape if isinstance(input_shape, list) else [input_shape]
        dtypes = self._input_dtypes or [floatx()] * len(shapes)
        xs = [pt.tensor(dtype=d, shape=tuple(s)) for s, d in zip(shapes, dtypes)]
        with context.forward_pass("Lambda shape inference"):
            try:
                out = self.call(xs if isinstance(input_shape, list) else xs[0], training=False)
            except Exception as err:  # the user's function: report it, naming the layer
                raise ValueError(
                    f"Layer {self.name!r} (Lambda) could not work out its output shape by "
                    f"applying its function to input of shape {input_shape}: "
                    f"{type(err).__name__}: {err}. Pass output_shape=."
                ) from err
        outs = out if isinstance(out, (list, tuple)) else [out]
        outs = [pt.as_tensor_variable(o) for o in outs]
        self._output_dtype = outs[0].dtype
        result = [tuple(o.type.shape) for o in outs]
        return result if isinstance(out, (list, tuple)) else result[0]

    # -- configuration ------------------------------------------------------
    @classmethod
    def from_config(cls, config: dict):
        """Also reads Keras 2's layout (``function_type``, ``output_shape_type``, ``module``)."""
        config = dict(config)
        module = config.pop("module", None)
        for key, kind_key in (("function", "function_type"), ("output_shape", "output_shape_type")):
            kind = config.pop(kind_key, None)
            value = config.get(key)
            if kind == "lambda" and isinstance(value, (list, tuple)) and len(value) == 3:
                config[key] = {
                    "class_name": "__lambda__",
                    "module": module,
                    "config": {"code": value[0], "defaults": value[1], "closure": value[2]},
                }
        return cls(**config)

    def get_config(self) -> dict:
        spec = self.output_shape_arg
        if callable(spec):
            spec = function_config(spec)
        elif spec is not None:
            spec = list(spec)
        return {
            **super().get_config(),
            "function": function_config(self.function),
            "output_shape": spec,
            "mask": None if self.mask is None else function_config(self.mask),
            "arguments": self.arguments,
        }


def _parameters(fn) -> set:
    try:
        return set(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return set()


def _shape_tuple(owner: str, shape) -> tuple:
    try:
        return tuple(None if s is None else _dim(s) for s in shape)
    except (TypeError, ValueError):
        raise TypeError(
            f"{owner}: output_shape must be a tuple of positive ints (one sample's shape) or a "
            f"function of the input shape, received {shape!r}."
        ) from None


def _dim(size) -> int:
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(size)
    return size


# -- functions to and from configs -----------------------------------------
def _jsonable(value):
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return None, False
    return value, True


def function_config(fn) -> dict:
    """A function's name, module and marshalled bytecode (Keras 3's layout).

    A function rebuilt from a config gives that config back (marshal's bytes
    of a rebuilt code object can differ from the original's).
    """
    saved = getattr(fn, "__kerasque_config__", None)
    if saved is not None:
        return saved
    code = codecs.encode(marshal.dumps(fn.__code__), "base64").decode("ascii")
    defaults, ok_defaults = _jsonable(list(fn.__defaults__) if fn.__defaults__ else None)
    cells = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
    closure, ok_closure = _jsonable(list(cells) if cells else None)
    inner = {"code": code, "defaults": defaults, "closure": closure}
    if not (ok_defaults and ok_closure):
        inner["complete"] = False  # defaults or closure values could not be stored
    module = getattr(fn, "__module__", None)
    if fn.__name__ == "<lambda>":
        return {"class_name": "__lambda__", "module": module, "config": inner}
    return {
        "module": module,
        "class_name": "function",
        "config": fn.__name__,
        "registered_name": fn.__name__,
        "bytecode": inner,
    }


def _load_function(owner: str, what: str, value):
    """A callable from a callable, a name, or a saved function config (Keras 2 or 3)."""
    if callable(value) and not isinstance(value, type):
        return value
    if isinstance(value, str):
        return _by_name(owner, what, value, None)
    if isinstance(value, (list, tuple)) and len(value) == 3:  # Keras 2: (code, defaults, closure)
        inner = {"code": value[0], "defaults": value[1], "closure": value[2]}
        fn = _from_bytecode(owner, what, "<lambda>", None, inner)
        fn.__kerasque_config__ = {"class_name": "__lambda__", "module": None, "config": inner}
        return fn
    if isinstance(value, dict) and value.get("class_name") == "__lambda__":
        fn = _from_bytecode(owner, what, "<lambda>", value.get("module"), value.get("config"))
        fn.__kerasque_config__ = value
        return fn
    if isinstance(value, dict) and value.get("class_name") == "function":
        name = value.get("registered_name") or value.get("config")
        if not isinstance(name, str):
            raise ValueError(f"{owner}: the saved {what} config has no function name: {value!r}.")
        return _by_name(owner, what, name, value)
    raise TypeError(
        f"{owner}: {what} must be a callable (or a saved function config), received "
        f"{value!r} ({type(value).__name__})."
    )


def _by_name(owner: str, what: str, name: str, saved):
    objects = generic.custom_objects()
    if callable(objects.get(name)):
        return objects[name]
    bytecode = saved.get("bytecode") if isinstance(saved, dict) else None
    if bytecode is not None and not in_safe_mode():
        fn = _from_bytecode(owner, what, name, saved.get("module"), bytecode)
        fn.__kerasque_config__ = saved
        return fn
    raise ValueError(
        f"{owner}: its {what} {name!r} is not among the custom objects. Pass "
        f"custom_objects={{{name!r}: {name}}} to load_model (or register it with "
        "kerasque.utils.register_custom_object)"
        + (
            ", or load with safe_mode=False to rebuild it from the bytecode stored in the "
            "file if you trust the file."
            if bytecode is not None
            else "."
        )
    )


def _from_bytecode(owner: str, what: str, name: str, module, inner):
    if in_safe_mode():
        raise ValueError(
            f"{owner}: its {what} {name!r} is stored as Python bytecode, and rebuilding it "
            "would run code from the file. Pass the function in custom_objects, or load with "
            "safe_mode=False if you trust the file."
        )
    if not isinstance(inner, dict) or not isinstance(inner.get("code"), str):
        raise ValueError(f"{owner}: the saved {what} has no bytecode to rebuild it from.")
    if inner.get("complete") is False:
        raise ValueError(
            f"{owner}: the saved {what} {name!r} captured values that could not be stored; "
            "pass the function in custom_objects."
        )
    code = marshal.loads(codecs.decode(inner["code"].encode("ascii"), "base64"))
    namespace = {"__builtins__": builtins}
    if isinstance(module, str) and module in sys.modules:  # never import: only what is loaded
        namespace.update(vars(sys.modules[module]))
    namespace.update(generic.custom_objects())
    defaults = tuple(inner["defaults"]) if inner.get("defaults") else None
    closure = tuple(types.CellType(v) for v in inner["closure"]) if inner.get("closure") else None
    return types.FunctionType(code, namespace, name=code.co_name, argdefs=defaults, closure=closure)
