"""Keras 2's ``keras.utils.generic_utils`` path: the custom-object registry, Progbar."""

from kerasque.utils.generic import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    register_custom_object,
)
from kerasque.utils.progbar import Progbar

__all__ = [
    "CustomObjectScope",
    "Progbar",
    "custom_object_scope",
    "get_custom_objects",
    "register_custom_object",
]
