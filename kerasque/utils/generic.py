"""Name lookup, keyword checking and the registry of serializable classes."""

from __future__ import annotations

import difflib
from typing import Any, Callable

_CUSTOM_OBJECTS: dict[str, Any] = {}


def did_you_mean(word: str, choices) -> str:
    """Return a ' Did you mean ...?' hint for the closest choice, or ''."""
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return f" Did you mean {close[0]!r}?" if close else ""


def check_kwargs(owner: str, kwargs: dict, allowed) -> None:
    """Raise TypeError naming each unexpected keyword, with a close suggestion."""
    for key in kwargs:
        if key not in allowed:
            raise TypeError(
                f"{owner} got an unexpected keyword argument {key!r}."
                + did_you_mean(key, allowed)
            )


def lookup(kind: str, identifier, table: dict[str, Any]):
    """Return ``table[identifier]`` or raise a ValueError listing the valid names."""
    if identifier in table:
        return table[identifier]
    if isinstance(identifier, str) and identifier in _CUSTOM_OBJECTS:
        return _CUSTOM_OBJECTS[identifier]
    valid = ", ".join(sorted(repr(k) for k in table))
    raise ValueError(
        f"Unknown {kind} {identifier!r}.{did_you_mean(identifier, table)} "
        f"Valid names are: {valid}."
    )


def register_custom_object(obj: Callable | type, name: str | None = None):
    """Register a user class or function so that saved models can name it.

    Usable as a decorator::

        @register_custom_object
        class MyLayer(Layer): ...
    """
    _CUSTOM_OBJECTS[name or obj.__name__] = obj
    return obj


def custom_objects() -> dict[str, Any]:
    """Return the registry of user objects (a copy)."""
    return dict(_CUSTOM_OBJECTS)


def to_list(x) -> list:
    """Wrap a single item in a list; pass lists and tuples through as a list."""
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


def unpack_singleton(xs):
    """Return the only element of a one-element list, else the list."""
    return xs[0] if len(xs) == 1 else xs
