"""Names and configs of small objects: initializers, regularizers, constraints, activations.

The four modules share one way to turn what a user or a saved file passes
into an object:

- an instance of the module's base class, or a user function: kept;
- a class: instantiated with no arguments;
- a name (``'glorot_uniform'``, ``'GlorotUniform'``, ``'l2'``): looked up in
  the user's ``custom_objects``, the registry of
  :func:`kerasque.utils.register_custom_object`, then the module's table;
- a config dict, Keras 2's ``{"class_name", "config"}`` or Keras 3's with
  ``"module"`` and ``"registered_name"`` too: the class is resolved the same
  way and built with ``from_config``. A ``class_name`` is never ignored: one
  that resolves to nothing of the right kind is refused, naming it.

No code is imported or evaluated from a config.
"""

from __future__ import annotations

import functools
import inspect

from kerasque.utils import generic
from kerasque.utils.generic import did_you_mean
from kerasque.utils.validation import ArgumentTypeError

__all__ = ["deserialize", "get", "name_table", "serialize", "without_rng"]


def snake_case(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if (
            ch.isupper()
            and i
            and (not name[i - 1].isupper() or (i + 1 < len(name) and name[i + 1].islower()))
        ):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def name_table(classes, aliases: dict | None = None) -> dict:
    """Each class by its name and its snake-case name, plus ``aliases``."""
    table = {}
    for cls in classes:
        table[cls.__name__] = cls
        table[snake_case(cls.__name__)] = cls
    table.update(aliases or {})
    return table


def serialize(obj, base: type, kind: str):
    """Keras's ``{"class_name", "config"}`` for ``base`` instances; a function's name."""
    if obj is None:
        return None
    if isinstance(obj, base):
        return {"class_name": type(obj).__name__, "config": obj.get_config()}
    if callable(obj) and hasattr(obj, "__name__") and not isinstance(obj, type):
        return obj.__name__
    raise TypeError(
        f"Cannot serialize {kind} {obj!r}: expected a {base.__name__} or a named function."
    )


def _a(kind: str) -> str:
    return ("an " if kind[:1].lower() in ("a", "e", "i", "o", "u") else "a ") + kind


def _objects(custom_objects) -> dict:
    return {**generic.custom_objects(), **(custom_objects or {})}


def _find(name, table: dict, kind: str, custom_objects):
    objects = _objects(custom_objects)
    if name in objects:
        return objects[name], True
    if name in table:
        return table[name], False
    valid = ", ".join(sorted(repr(k) for k in table))
    raise ValueError(
        f"Unknown {kind} {name!r}.{did_you_mean(name, list(table) + list(objects))} "
        f"Valid names are: {valid}. If it is your own, pass it in custom_objects or register "
        "it with kerasque.utils.register_custom_object."
    )


def _build(found, user: bool, config: dict, base: type, kind: str, name: str):
    if isinstance(found, type):
        if not issubclass(found, base):
            raise ValueError(
                f"{kind.capitalize()} config names class {name!r}, which is "
                f"{_a(found.__name__)}, not {_a(base.__name__)}."
            )
        try:
            return found.from_config(dict(config))
        except TypeError as err:
            raise TypeError(f"Cannot build {kind} {name!r} from config {config!r}: {err}") from None
    if isinstance(found, base):
        return found
    if callable(found):
        # A built-in factory (l2, l1_l2) takes the config; a user function is the object.
        return found if user else found(**config)
    raise ValueError(f"{kind.capitalize()} {name!r} resolves to {found!r}, which is not callable.")


def deserialize(config, table: dict, base: type, kind: str, custom_objects=None):
    """An object from a name or a Keras 2 / Keras 3 config dict."""
    if isinstance(config, str):
        found, user = _find(config, table, kind, custom_objects)
        return _build(found, user, {}, base, kind, config)
    if not isinstance(config, dict):
        raise ArgumentTypeError(
            f"{_a(kind).capitalize()} config must be a name or a dict with 'class_name' and "
            "'config', "
            f"received {type(config).__name__}."
        )
    name = config.get("class_name")
    if not isinstance(name, str):
        raise ValueError(
            f"{_a(kind).capitalize()} config needs a string 'class_name', received {name!r} "
            f"in {config!r}."
        )
    inner = config.get("config", {})
    if name == "function":  # Keras 3: {"class_name": "function", "config": "relu"}
        if not isinstance(inner, str):
            raise ValueError(
                f"{_a(kind).capitalize()} function config needs its name in 'config', "
                f"received {inner!r}."
            )
        found, user = _find(config.get("registered_name") or inner, table, kind, custom_objects)
        return found if callable(found) else _build(found, user, {}, base, kind, inner)
    if not isinstance(inner, dict):
        raise ValueError(
            f"{_a(kind).capitalize()} config needs a dict 'config', received "
            f"{type(inner).__name__} for "
            f"class {name!r}."
        )
    registered = config.get("registered_name")
    if isinstance(registered, str) and registered in _objects(custom_objects):
        name = registered
    found, user = _find(name, table, kind, custom_objects)
    return _build(found, user, inner, base, kind, name)


def get(identifier, table: dict, base: type, kind: str, custom_objects=None):
    """Resolve an instance, a class, a name, a config dict or a function."""
    if isinstance(identifier, base):
        return identifier
    if isinstance(identifier, type):
        if not issubclass(identifier, base):
            raise TypeError(
                f"Expected {_a(kind)}: a {base.__name__} subclass, received class "
                f"{identifier.__name__}."
            )
        return identifier()
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier, table, base, kind, custom_objects)
    if callable(identifier):
        return identifier
    raise ArgumentTypeError(
        f"Expected {_a(kind)}: a name, a config dict, {_a(base.__name__)} or a function, "
        f"received {identifier!r} ({type(identifier).__name__})."
    )


def without_rng(fn):
    """Let a Keras-style ``fn(shape, dtype=None)`` initializer ignore kerasque's generator."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return fn
    takes_rng = "rng" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
    if takes_rng:
        return fn

    @functools.wraps(fn)
    def init(shape, dtype=None, rng=None):
        value = fn(shape, dtype=dtype)
        return value.eval() if hasattr(value, "eval") and not hasattr(value, "__array__") else value

    return init
