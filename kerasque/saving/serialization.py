"""Configs as data: layers and models to and from ``{"class_name", "config"}`` dicts.

A saved config is plain JSON. Loading turns a ``class_name`` into a class by
looking it up in a registry, never by importing or evaluating anything named
in the file (Keras's ``Lambda`` layer made loading run code from the file, a
CVE). The registry is, in order of precedence:

1. the ``custom_objects`` passed to the load call (and any enclosing
   :func:`custom_object_scope`);
2. objects registered with :func:`kerasque.utils.register_custom_object`;
3. kerasque's layer and model classes, registered in
   :mod:`kerasque.engine.registry` as they are defined. Abstract bases
   (``Layer``, ``Wrapper``, ``Functional``) are refused.

A functional model's config (Keras's format) is written and checked by
:mod:`kerasque.engine.functional_config`, next to the functional model.
"""

from __future__ import annotations

import contextlib

from kerasque import losses, metrics, optimizers
from kerasque.engine import registry
from kerasque.engine.base_layer import Layer
from kerasque.engine.functional import Functional
from kerasque.engine.functional_config import functional_config, functional_from_config
from kerasque.engine.input_layer import InputLayer
from kerasque.utils import generic
from kerasque.utils.generic import did_you_mean

__all__ = [
    "custom_object_scope",
    "layer_registry",
    "serialize_layer",
    "deserialize_layer",
    "functional_config",
    "functional_from_config",
    "training_config",
    "compile_from_config",
]


@contextlib.contextmanager
def custom_object_scope(objects: dict | None):
    """Make ``objects`` (name -> class or function) visible to every nested load.

    As Keras's ``CustomObjectScope``, the objects join the registry of
    :func:`kerasque.utils.register_custom_object` for the duration, so a
    wrapper layer's ``from_config`` finds the ``custom_objects`` of the
    outer ``load_model`` call whichever lookup it uses.
    """
    saved = dict(generic._CUSTOM_OBJECTS)
    generic._CUSTOM_OBJECTS.update(objects or {})
    try:
        yield
    finally:
        generic._CUSTOM_OBJECTS.clear()
        generic._CUSTOM_OBJECTS.update(saved)


def _scoped_objects(custom_objects=None) -> dict:
    return {**generic.custom_objects(), **(custom_objects or {})}


def layer_registry(custom_objects=None) -> dict:
    """Name -> class for every layer and model class a config may name.

    kerasque's own classes come from :mod:`kerasque.engine.registry`, filled
    as each class is defined (importing :mod:`kerasque` defines them all).
    """
    # Layer itself registers nothing (only its subclasses do); listed so that a
    # config naming it gets the "abstract base class" error.
    table = {"Layer": Layer, **registry.classes()}
    table.update(_scoped_objects(custom_objects))
    return table


def _is_abstract(cls) -> bool:
    """Base classes a config must not name: ``Layer``, ``Wrapper``, ``Functional``, ...

    A layer class whose ``call`` is the base class's (and that is not an
    ``InputLayer``) cannot compute anything; ``Functional`` is the graph
    machinery under ``Model``, not a model.
    """
    if cls is Functional or cls.__name__.startswith("_"):
        return True
    return cls.call is Layer.call and not issubclass(cls, InputLayer)


def _check_entry(config, what: str) -> tuple[str, dict]:
    if not isinstance(config, dict) or "class_name" not in config or "config" not in config:
        raise ValueError(
            f"A {what} config must be a dict {{'class_name': ..., 'config': {{...}}}}, "
            f"received {_short(config)}."
        )
    name, inner = config["class_name"], config["config"]
    if not isinstance(name, str) or not isinstance(inner, dict):
        raise ValueError(
            f"A {what} config needs a string 'class_name' and a dict 'config', received "
            f"class_name={_short(name)} and config of type {type(inner).__name__}."
        )
    return name, inner


def _short(value, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def unknown_class_error(kind: str, class_name: str, known) -> ValueError:
    """The error for a config naming a class the registry does not hold."""
    return ValueError(
        f"Unknown {kind} class {class_name!r}.{did_you_mean(class_name, known)} If it is your "
        f"own class, pass custom_objects={{{class_name!r}: {class_name}}} to load_model (or "
        "from_config), or register it once with kerasque.utils.register_custom_object."
    )


def serialize_layer(layer) -> dict:
    """``{"class_name": ..., "config": layer.get_config()}``."""
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize_layer(config: dict, custom_objects: dict | None = None):
    """Build a layer (or model) from ``{"class_name", "config"}``.

    Parameters
    ----------
    config : dict
        As produced by :func:`serialize_layer`.
    custom_objects : dict, optional
        Name -> class (or function, for custom activations and the like)
        for classes that are not part of kerasque.

    Raises
    ------
    ValueError
        For a malformed config or a class not in the registry.
    """
    table = layer_registry(custom_objects)
    cls = _layer_class(config, table)
    inner = _resolve_functions(dict(config["config"]), _scoped_objects(custom_objects))
    class_name = config["class_name"]
    with custom_object_scope(custom_objects):
        try:
            return cls.from_config(inner)
        except TypeError as err:
            raise TypeError(
                f"Cannot build layer class {class_name!r} from its saved config: {err}"
            ) from err


def _layer_class(config, table: dict):
    """The class a layer config names, checking wrapped layers' configs too.

    A wrapper's ``from_config`` rebuilds its ``layer`` itself; checking that
    nested class here first gives the same clear error at any depth.
    """
    class_name, inner = _check_entry(config, "layer")
    cls = table.get(class_name)
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        layer_names = [
            k
            for k, v in table.items()
            if isinstance(v, type) and issubclass(v, Layer) and not _is_abstract(v)
        ]
        raise unknown_class_error("layer", class_name, layer_names)
    if _is_abstract(cls):
        raise ValueError(
            f"Layer class {class_name!r} is an abstract base class, not a layer a model can "
            "hold; the config is corrupted or was not written by kerasque."
        )
    nested = inner.get("layer")
    if isinstance(nested, dict) and "class_name" in nested:
        _layer_class(nested, table)
    return cls


def _resolve_functions(config: dict, objects: dict) -> dict:
    """Swap names of user functions (custom activations, ...) for the functions.

    ``get_config`` saves a user function by its ``__name__``; the built-in
    name tables do not know it, so the function registered under that name
    (or passed in ``custom_objects``) is put back before the layer is built.
    Nested layer configs (a wrapper's ``layer``) get the same treatment.
    """
    functions = {k: v for k, v in objects.items() if callable(v) and not isinstance(v, type)}
    if not functions:
        return config

    def resolve(key, value):
        nested = isinstance(value, dict) and isinstance(value.get("config"), dict)
        if nested and "class_name" in value:
            return {**value, "config": _resolve_functions(value["config"], objects)}
        if key != "name" and isinstance(value, str) and value in functions:
            return functions[value]
        return value

    return {key: resolve(key, value) for key, value in config.items()}


# -- compile settings -----------------------------------------------------
def optimizer_config(optimizer) -> dict:
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize_optimizer(config: dict, custom_objects=None):
    """An optimizer from ``{"class_name", "config"}`` (kerasque's or a custom one)."""
    class_name, inner = _check_entry(config, "optimizer")
    table = {cls.__name__: cls for cls in optimizers.OPTIMIZERS.values()}
    table.update(_scoped_objects(custom_objects))
    cls = table.get(class_name)
    if not (isinstance(cls, type) and issubclass(cls, optimizers.Optimizer)):
        raise unknown_class_error("optimizer", class_name, list(table))
    return cls.from_config(dict(inner))


def function_name(fn, kind: str) -> str:
    """The saved name of a loss or metric: its built-in name or ``__name__``."""
    if isinstance(fn, str):
        return fn
    if kind == "loss":
        return losses.name_of(fn)
    return getattr(fn, "__name__", repr(fn))


def resolve_function(name, kind: str, builtin, custom_objects=None):
    """A saved loss/metric name: kept if built in, else the user function of that name."""
    if not isinstance(name, str):
        raise ValueError(
            f"The saved training config names each {kind} by a string, received {_short(name)}."
        )
    if name in builtin:
        return name
    objects = _scoped_objects(custom_objects)
    fn = objects.get(name)
    if callable(fn) and not isinstance(fn, type):
        return fn
    raise ValueError(
        f"Unknown {kind} {name!r} in the saved training config.{did_you_mean(name, builtin)} "
        f"If it is your own function, pass custom_objects={{{name!r}: {name}}} to load_model, "
        "or load with compile=False."
    )


def training_config(model) -> dict | None:
    """Keras's ``training_config``: loss, metrics and optimizer of a compiled model."""
    if not getattr(model, "compiled", False):
        return None
    loss = model.loss
    if isinstance(loss, (list, tuple)):
        loss = [function_name(item, "loss") for item in loss]
    else:
        loss = function_name(loss, "loss")
    return {
        "loss": loss,
        "metrics": [function_name(m, "metric") for m in model.metrics],
        "optimizer_config": optimizer_config(model.optimizer),
    }


def compile_from_config(model, config: dict, custom_objects=None) -> None:
    """``model.compile`` with the saved loss, metrics and optimizer."""
    if not isinstance(config, dict) or "loss" not in config or "optimizer_config" not in config:
        raise ValueError(
            "The saved training_config needs 'loss' and 'optimizer_config'; found "
            f"{_short(config)}."
        )
    loss = config["loss"]
    if isinstance(loss, list):
        loss = [resolve_function(item, "loss", losses.LOSSES, custom_objects) for item in loss]
    else:
        loss = resolve_function(loss, "loss", losses.LOSSES, custom_objects)
    known_metrics = {**metrics.METRICS, "accuracy": None, "acc": None}
    saved_metrics = config.get("metrics") or []
    if not isinstance(saved_metrics, list):
        raise ValueError(
            "The saved training config's 'metrics' must be a list, received "
            f"{_short(saved_metrics)}."
        )
    metric_list = [
        resolve_function(m, "metric", known_metrics, custom_objects) for m in saved_metrics
    ]
    optimizer = deserialize_optimizer(config["optimizer_config"], custom_objects)
    model.compile(optimizer=optimizer, loss=loss, metrics=metric_list)
