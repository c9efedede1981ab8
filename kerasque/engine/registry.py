"""The registry of kerasque's own layer and model classes, filled by registration.

Every subclass of :class:`~kerasque.engine.base_layer.Layer` defined inside the
``kerasque`` package registers itself here by class name when its class
statement runs (``Layer.__init_subclass__``), so loading a config can turn a
``class_name`` into a class without importing the modules that define the
layers. User classes are not registered here: they reach a load through
``custom_objects`` or :func:`kerasque.utils.register_custom_object`.
"""

from __future__ import annotations

_CLASSES: dict[str, type] = {}


def register(cls: type) -> type:
    """Record ``cls`` under its class name (kerasque's own classes only)."""
    if cls.__module__.split(".")[0] == "kerasque":
        _CLASSES[cls.__name__] = cls
    return cls


def get(name: str):
    """The class registered as ``name``, or ``None``."""
    return _CLASSES.get(name)


def classes() -> dict[str, type]:
    """Name -> class for every registered class (a copy)."""
    return dict(_CLASSES)
