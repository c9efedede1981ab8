"""Models: ``Sequential`` and the functional ``Model``; saving, JSON and cloning."""

from __future__ import annotations

import json

from kerasque.engine.cloning import clone_model
from kerasque.engine.sequential import Sequential
from kerasque.engine.training import Model
from kerasque.saving import load_model, save_model


def model_from_json(json_string, custom_objects: dict | None = None):
    """Rebuild a model (architecture only, fresh weights) from ``model.to_json()``.

    The JSON is data: each ``class_name`` is looked up in kerasque's
    registry (and ``custom_objects``), never imported or evaluated, so
    loading it runs no code from the string.

    Parameters
    ----------
    json_string : str or bytes
    custom_objects : dict, optional
        Name -> class or function for your own layers, activations, ...

    Raises
    ------
    ValueError
        For text that is not JSON or not a model config.
    """
    from kerasque.saving.serialization import deserialize_layer

    if isinstance(json_string, (bytes, bytearray)):
        try:
            json_string = json_string.decode("utf-8")
        except UnicodeDecodeError as err:
            raise ValueError(f"model_from_json: the JSON is not UTF-8 text ({err}).") from None
    if not isinstance(json_string, str):
        raise TypeError(
            f"model_from_json expects a JSON string, received {type(json_string).__name__}."
        )
    if custom_objects is not None and not isinstance(custom_objects, dict):
        raise TypeError(
            "model_from_json: custom_objects must be a dict of name -> class or function, "
            f"received {type(custom_objects).__name__}."
        )
    try:
        config = json.loads(json_string)
    except json.JSONDecodeError as err:
        raise ValueError(f"model_from_json: the string is not valid JSON ({err}).") from None
    if not isinstance(config, dict) or "class_name" not in config or "config" not in config:
        raise ValueError(
            "model_from_json expects the JSON of model.to_json(): an object with "
            f"'class_name' and 'config', received {type(config).__name__}."
        )
    return deserialize_layer(
        {"class_name": config["class_name"], "config": config["config"]}, custom_objects
    )


def model_from_yaml(yaml_string, custom_objects=None):
    """Not supported: YAML configs could run code when loaded (as in Keras 3)."""
    raise RuntimeError(
        "model_from_yaml is not supported: loading YAML could run arbitrary code (Keras "
        "removed it for the same reason). Save with model.to_json() and load with "
        "kerasque.models.model_from_json()."
    )


def model_from_config(config: dict, custom_objects: dict | None = None):
    """Rebuild a model from ``{'class_name': ..., 'config': ...}`` (no code is run)."""
    from kerasque.saving.serialization import deserialize_layer

    if isinstance(config, list):
        raise TypeError(
            "model_from_config expects a dict {'class_name': ..., 'config': ...}; for a "
            "Sequential's bare list of layers use Sequential.from_config(config)."
        )
    return deserialize_layer(config, custom_objects)


__all__ = [
    "Model",
    "Sequential",
    "clone_model",
    "load_model",
    "model_from_config",
    "model_from_json",
    "model_from_yaml",
    "save_model",
]
