"""Keras 2's ``keras.utils.generic_utils`` path: custom objects, (de)serialization, Progbar.

``func_dump`` / ``func_load`` turn a function into marshalled bytecode and
back, as Keras 2's did. ``func_load`` runs the code it is given, so it is
only for strings you produced yourself: no loader of kerasque calls it (a
saved ``Lambda`` is rebuilt only from ``custom_objects``, or from bytecode
with ``safe_mode=False``).
"""

from __future__ import annotations

import binascii
import codecs
import inspect
import marshal
import types

from kerasque.utils.generic import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    register_custom_object,
    to_list,
    unpack_singleton,
)
from kerasque.utils.progbar import Progbar

__all__ = [
    "CustomObjectScope",
    "Progbar",
    "custom_object_scope",
    "deserialize_keras_object",
    "func_dump",
    "func_load",
    "get_custom_objects",
    "has_arg",
    "object_list_uid",
    "register_custom_object",
    "serialize_keras_object",
    "to_list",
    "unpack_singleton",
]


def serialize_keras_object(instance):
    """``{'class_name', 'config'}`` for an object with ``get_config``; a function's name."""
    if instance is None:
        return None
    if hasattr(instance, "get_config"):
        return {"class_name": type(instance).__name__, "config": instance.get_config()}
    if hasattr(instance, "__name__"):
        return instance.__name__
    raise ValueError(f"Cannot serialize {instance!r}: it has no get_config() and no name.")


def deserialize_keras_object(
    identifier, module_objects=None, custom_objects=None, printable_module_name="object"
):
    """The object a config or name stands for, looked up by name (no code is run).

    Parameters
    ----------
    identifier : dict or str
        ``{'class_name': ..., 'config': ...}`` (the class is built with
        ``from_config``, or called with the config) or a name.
    module_objects, custom_objects : dict, optional
        Name -> object tables searched after the custom-object registry.
    printable_module_name : str
        What the object is, for messages ("layer", "initializer", ...).
    """
    table = {**(module_objects or {}), **get_custom_objects(), **(custom_objects or {})}
    if isinstance(identifier, dict):
        name, config = identifier.get("class_name"), identifier.get("config")
        if not isinstance(name, str) or not isinstance(config, dict):
            raise ValueError(  # noqa: TRY004 - a corrupt config is a ValueError
                f"Improper config for a {printable_module_name}: expected "
                f"{{'class_name': str, 'config': dict}}, received {identifier!r}."
            )
        cls = _find(name, table, printable_module_name)
        with CustomObjectScope(custom_objects or {}):
            if hasattr(cls, "from_config"):
                return cls.from_config(config)
            return cls(**config)
    if isinstance(identifier, str):
        return _find(identifier, table, printable_module_name)
    raise TypeError(
        f"Could not interpret {printable_module_name} identifier {identifier!r} "
        f"(type {type(identifier).__name__}); expected a name or a config dict."
    )


def _find(name: str, table: dict, what: str):
    from kerasque.utils.generic import did_you_mean

    if name not in table:
        raise ValueError(f"Unknown {what}: {name!r}.{did_you_mean(name, table)}")
    return table[name]


def has_arg(fn, name: str, accept_all: bool = False) -> bool:
    """Whether ``fn`` takes a keyword argument ``name`` (or any, with ``accept_all``)."""
    params = inspect.signature(fn).parameters
    if accept_all and any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return True
    param = params.get(name)
    return param is not None and param.kind in (
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        inspect.Parameter.KEYWORD_ONLY,
    )


def func_dump(func) -> tuple:
    """``(base64 bytecode, defaults, closure values)`` of a Python function (Keras 2)."""
    if not isinstance(func, types.FunctionType):
        raise TypeError(f"func_dump expects a Python function, received {type(func).__name__}.")
    code = codecs.encode(marshal.dumps(func.__code__), "base64").decode("ascii")
    closure = tuple(c.cell_contents for c in func.__closure__) if func.__closure__ else None
    return code, func.__defaults__, closure


def func_load(code, defaults=None, closure=None, globs=None):
    """Rebuild a function from :func:`func_dump`'s output. This runs its code when called:
    use it only on bytecode you produced yourself."""
    if isinstance(code, (tuple, list)):
        code, defaults, closure = code
    if isinstance(defaults, list):
        defaults = tuple(defaults)
    if not isinstance(code, str):
        raise TypeError(
            f"func_load expects func_dump's base64 text, received {type(code).__name__}."
        )
    try:
        raw = codecs.decode(code.encode("ascii"), "base64")
    except (UnicodeEncodeError, binascii.Error):
        raw = code.encode("raw_unicode_escape")
    try:
        loaded = marshal.loads(raw)
    except (ValueError, EOFError, TypeError) as err:
        raise ValueError(
            f"func_load: the text is not marshalled Python bytecode ({err})."
        ) from None
    if not isinstance(loaded, types.CodeType):
        raise ValueError(  # noqa: TRY004
            "func_load: the text does not hold a code object."
        )
    cells = (
        tuple(c if isinstance(c, types.CellType) else types.CellType(c) for c in closure)
        if closure is not None
        else None
    )
    return types.FunctionType(
        loaded,
        globs if globs is not None else {"__builtins__": __builtins__},
        name=loaded.co_name,
        argdefs=defaults,
        closure=cells,
    )


def object_list_uid(object_list) -> str:
    """A string naming the identity of each object in ``object_list`` (Keras 2's helper).

    Examples
    --------
    >>> a = object()
    >>> object_list_uid([a]) == object_list_uid(a) == str(id(a))
    True
    """
    return ", ".join(str(abs(id(x))) for x in to_list(object_list))
