"""Keras 2's ``keras.utils.generic_utils`` path: custom objects, (de)serialization, Progbar.

``func_dump`` / ``func_load`` (Keras 2 turned Python bytecode into config
strings for ``Lambda``) are deliberately absent: loading never runs code
from a file.
"""

from __future__ import annotations

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
    "get_custom_objects",
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


def deserialize_keras_object(identifier, module_objects=None, custom_objects=None,
                             printable_module_name="object"):
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
            raise ValueError(
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
