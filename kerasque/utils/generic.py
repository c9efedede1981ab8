"""Name lookup, keyword checking and the registry of serializable classes."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

_CUSTOM_OBJECTS: dict[str, Any] = {}


#: Keras's older spellings of argument names -> the names used here (Keras 2
#: and 3). An unknown keyword found here is answered with its new name.
KERAS_ALIASES: dict[str, str] = {
    # optimizers (Keras 2.2 -> 2.3+)
    "lr": "learning_rate",
    # fit / fit_generator (Keras 1 -> 2)
    "nb_epoch": "epochs",
    "samples_per_epoch": "steps_per_epoch",
    "nb_val_samples": "validation_steps",
    "nb_worker": "workers",
    "pickle_safe": "use_multiprocessing",
    # layers (Keras 1 -> 2)
    "output_dim": "units",
    "init": "kernel_initializer",
    "inner_init": "recurrent_initializer",
    "inner_activation": "recurrent_activation",
    "W_regularizer": "kernel_regularizer",
    "U_regularizer": "recurrent_regularizer",
    "b_regularizer": "bias_regularizer",
    "W_constraint": "kernel_constraint",
    "U_constraint": "recurrent_constraint",
    "b_constraint": "bias_constraint",
    "dropout_W": "dropout",
    "dropout_U": "recurrent_dropout",
    "bias": "use_bias",
    "p": "rate",
    "sigma": "stddev",
    "nb_filter": "filters",
    "subsample": "strides",
    "border_mode": "padding",
    "dim_ordering": "data_format",
    # Keras 3 <-> Keras 2 spellings
    "shape": "input_shape",
    "batch_shape": "batch_input_shape",
}


def did_you_mean(word: str, choices) -> str:
    """Return a ' Did you mean ...?' hint for the closest choice, or ''.

    An old Keras spelling (``lr``, ``nb_epoch``, ``output_dim``, ...) is
    answered with its current name when that name is a choice.
    """
    choices = list(choices)
    alias = KERAS_ALIASES.get(str(word))
    if alias is not None and alias in choices:
        return f" Did you mean {alias!r}? ({word!r} is Keras's older spelling.)"
    close = difflib.get_close_matches(str(word), choices, n=1)
    return f" Did you mean {close[0]!r}?" if close else ""


def check_kwargs(owner: str, kwargs: dict, allowed) -> None:
    """Raise TypeError naming each unexpected keyword, with a close suggestion."""
    allowed = tuple(allowed)
    for key in kwargs:
        if not isinstance(key, str):
            raise TypeError(f"{owner}: keyword names must be strings, received {key!r}.")
        if key not in allowed:
            raise TypeError(
                f"{owner} got an unexpected keyword argument {key!r}." + did_you_mean(key, allowed)
            )


def lookup(kind: str, identifier, table: dict[str, Any]):
    """Return ``table[identifier]`` or raise a ValueError listing the valid names."""
    if identifier in table:
        return table[identifier]
    if isinstance(identifier, str) and identifier in _CUSTOM_OBJECTS:
        return _CUSTOM_OBJECTS[identifier]
    valid = ", ".join(sorted(repr(k) for k in table))
    raise ValueError(
        f"Unknown {kind} {identifier!r}.{did_you_mean(identifier, table)} Valid names are: {valid}."
    )


def register_custom_object(obj: Callable | type, name: str | None = None):
    """Register a user class or function so that saved models can name it.

    Usable as a decorator::

        @register_custom_object
        class MyLayer(Layer): ...
    """
    if name is not None and not isinstance(name, str):
        raise TypeError(f"register_custom_object: name must be a string, received {name!r}.")
    if not callable(obj):
        raise TypeError(
            f"register_custom_object expects a class or function, received {type(obj).__name__}."
        )
    _CUSTOM_OBJECTS[name or obj.__name__] = obj
    return obj


def custom_objects() -> dict[str, Any]:
    """Return the registry of user objects (a copy)."""
    return dict(_CUSTOM_OBJECTS)


def get_custom_objects() -> dict[str, Any]:
    """The live registry of user objects, as Keras's ``get_custom_objects()``.

    Keras code registers a class by assigning into it::

        get_custom_objects()["MyLayer"] = MyLayer

    Entries must map a name (str) to a class or function; loading refuses
    anything else.
    """
    return _CUSTOM_OBJECTS


class CustomObjectScope:
    """Keras's ``CustomObjectScope``: objects visible to loads inside a ``with``.

    Parameters
    ----------
    *objects : dict
        Name -> class or function dicts, merged in order.

    Examples
    --------
    >>> from kerasque.utils import CustomObjectScope, custom_objects
    >>> def swish(x):
    ...     return x
    >>> with CustomObjectScope({"swish": swish}):
    ...     "swish" in custom_objects()
    True
    """

    def __init__(self, *objects):
        for item in objects:
            if not isinstance(item, dict):
                raise TypeError(
                    "CustomObjectScope expects dicts of name -> class or function, received "
                    f"{type(item).__name__}."
                )
            check_names("CustomObjectScope", item)
        self.objects = objects
        self._saved: dict | None = None

    def __enter__(self):
        self._saved = dict(_CUSTOM_OBJECTS)
        for item in self.objects:
            _CUSTOM_OBJECTS.update(item)
        return self

    def __exit__(self, *exc):
        _CUSTOM_OBJECTS.clear()
        _CUSTOM_OBJECTS.update(self._saved or {})
        return False


def custom_object_scope(*objects) -> CustomObjectScope:
    """``with custom_object_scope({'MyLayer': MyLayer}): load_model(...)`` (Keras's)."""
    return CustomObjectScope(*objects)


def check_names(owner: str, objects: dict) -> None:
    """Refuse a mapping whose keys are not names or whose values are not objects."""
    for key, value in objects.items():
        if not isinstance(key, str):
            raise TypeError(f"{owner}: names must be strings, received {key!r}.")
        if not callable(value):
            raise TypeError(
                f"{owner}: {key!r} must map to a class or function, received "
                f"{type(value).__name__}."
            )


def to_list(x) -> list:
    """Wrap a single item in a list; pass lists and tuples through as a list."""
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


def unpack_singleton(xs):
    """Return the only element of a one-element list, else the list."""
    return xs[0] if len(xs) == 1 else xs
