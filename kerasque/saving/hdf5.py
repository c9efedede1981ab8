"""The HDF5 file: Keras's layout, plus the state that resumes training exactly.

Layout of a file written by :func:`save_model`::

    /                           attrs: model_config (JSON {class_name, config}),
                                       training_config (JSON; compiled models only),
                                       kerasque_version, backend='pytensor', floatx
    /model_weights              layer weights (see kerasque.saving.weights)
    /optimizer_weights          optimizer state (see kerasque.saving.state)
    /training_state             epoch, learning rate, generator and layer states

:func:`save_weights` writes Keras's weights-only layout: ``layer_names`` and
the per-layer groups at the root.

Writes are atomic and respect the file system (:mod:`kerasque.saving.h5_file`).
Loading reads only the file it is given, checks every dataset's declared
shape and dtype before reading it (:mod:`kerasque.saving.h5_guard`), parses
JSON and arrays only (classes come from the registry, never from code in the
file), and is all or nothing: every weight and state entry is read and
checked before the first is set, so a failed load leaves the model as it was.
Every error names the file.
"""

from __future__ import annotations

import numpy as np

from kerasque.config import floatx
from kerasque.engine.training_state import TrainingState
from kerasque.saving import keras_files, serialization
from kerasque.saving.h5_attrs import read_json_attr, read_text_attr, write_json_attr
from kerasque.saving.h5_file import atomic_h5, check_path, open_h5
from kerasque.saving.h5_guard import locate
from kerasque.saving.state import (
    index_optimizer,
    read_optimizer,
    read_training_state,
    write_optimizer,
    write_training_state,
)
from kerasque.saving.weights import (
    assign_weights,
    index_weights,
    plan_weights,
    read_plan,
    write_weights,
)
from kerasque.utils.safe_mode import in_safe_mode, safe_mode_scope

# Errors a corrupted config can raise from inside a layer's from_config;
# at the load edge they become a ValueError naming the file.
_CONFIG_ERRORS = (
    KeyError,
    IndexError,
    AttributeError,
    ArithmeticError,
    RecursionError,
    NotImplementedError,
    MemoryError,
)


def _version() -> str:
    import kerasque

    return kerasque.__version__


def _check_flag(value, name: str, what: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{what}: {name} must be True or False, received {value!r}.")
    return bool(value)


# -- saving -----------------------------------------------------------------------
def save_model(model, filepath, include_optimizer: bool = True) -> None:
    """Write architecture, weights, compile settings and training state to ``filepath``."""
    path = check_path(filepath, "save")
    include_optimizer = _check_flag(include_optimizer, "include_optimizer", "save")
    if keras_files.is_archive(path):
        return keras_files.save_model(model, path, include_optimizer)
    model.require_graph()
    config = serialization.serialize_layer(model)
    train_config = serialization.training_config(model)
    state = model.get_training_state()
    with atomic_h5(path) as f:
        write_model(f, model, config, train_config, state, include_optimizer)


def write_model(f, model, config, train_config, state, include_optimizer: bool) -> None:
    """Write a whole model into the open file ``f``."""
    f.attrs["kerasque_version"] = _version()
    f.attrs["backend"] = "pytensor"
    f.attrs["floatx"] = floatx()
    write_json_attr(f, "model_config", config)
    if train_config is not None:
        write_json_attr(f, "training_config", train_config)
    write_weights(f.create_group("model_weights"), model.layers, _version())
    if include_optimizer and train_config is not None:
        write_optimizer(f, model.optimizer)
    write_training_state(f, state)
    keras_files.add_keras_view(f, config, train_config)


def save_weights(model, filepath) -> None:
    """Write only the layer weights (Keras's weights-only layout) to ``filepath``."""
    path = check_path(filepath, "save_weights")
    model.require_graph()
    with atomic_h5(path) as f:
        write_weights(f, model.layers, _version())


# -- loading weights ----------------------------------------------------------------
def load_weights(model, filepath, by_name: bool = False, skip_mismatch: bool = False) -> None:
    """Set ``model``'s weights from a weights file or a full model file, all or nothing.

    Parameters
    ----------
    by_name : bool
        Match layers by name (layers absent from the file keep their
        weights); by default layers with weights are matched in order.
    skip_mismatch : bool
        With ``by_name=True``: skip, with a warning, layers whose weight
        count differs and weights whose shape differs, instead of failing.

    Raises
    ------
    ValueError
        When the file does not fit the model or is unsafe to read; the
        model is then left exactly as it was.
    """
    by_name = _check_flag(by_name, "by_name", "load_weights")
    skip_mismatch = _check_flag(skip_mismatch, "skip_mismatch", "load_weights")
    if skip_mismatch and not by_name:
        raise ValueError(
            "load_weights: skip_mismatch=True needs by_name=True (matching layers in order "
            "cannot skip one)."
        )
    path = check_path(filepath, "load_weights")
    if keras_files.handles(path):
        return keras_files.load_weights(model, path, by_name=by_name, skip_mismatch=skip_mismatch)
    model.require_graph()
    with open_h5(path) as f:
        root = "/model_weights" if locate(f, "/model_weights", "/model_weights", path) else "/"
        saved = index_weights(f, root, path)
        plan = plan_weights(model, saved, path, by_name=by_name, skip_mismatch=skip_mismatch)
        pairs = read_plan(plan, path)
    assign_weights(pairs)


# -- loading models -------------------------------------------------------------------
def load_model(
    filepath, custom_objects: dict | None = None, compile: bool = True, safe_mode: bool = True
):
    """Rebuild a model saved with :func:`save_model`.

    Parameters
    ----------
    filepath : str or path-like
    custom_objects : dict, optional
        Name -> class or function for user layers, losses, metrics,
        activations and optimizers named in the file.
    compile : bool
        Compile with the saved loss, metrics and optimizer and restore the
        optimizer state, so the model is ready to ``fit`` (as Keras does, the
        train function is built here when the optimizer has slots).
    safe_mode : bool
        False allows rebuilding Python code stored in the file (a ``Lambda``
        layer's function); only for files you trust. Inside
        ``safe_mode_scope(False)`` the load is unsafe whatever this says.

    Returns
    -------
    Model
    """
    if custom_objects is not None and not isinstance(custom_objects, dict):
        raise TypeError(
            "load_model: custom_objects must be a dict {name: class or function}, received "
            f"{type(custom_objects).__name__}."
        )
    compile = _check_flag(compile, "compile", "load_model")
    # Code from the file runs only if the user allowed it, here or in an
    # enclosing ``safe_mode_scope(False)`` (which, as in Keras 3, a nested load
    # inherits).
    safe_mode = _check_flag(safe_mode, "safe_mode", "load_model") and in_safe_mode()
    path = check_path(filepath, "load_model")
    if keras_files.handles(path):
        with safe_mode_scope(safe_mode):
            return keras_files.load_model(path, custom_objects, compile)
    with open_h5(path) as f:
        return model_from_h5(f, path, custom_objects, compile, safe_mode)


def model_from_h5(f, path: str, custom_objects=None, compile: bool = True, safe_mode: bool = True):
    """Build, check and fill a model from the open file ``f`` (all or nothing)."""
    config = _model_config(f, path)
    with safe_mode_scope(safe_mode):
        model = build_model(config, path, custom_objects)
    if locate(f, "/model_weights", "/model_weights", path) is None:
        raise ValueError(f"{path!r} has a model_config but no 'model_weights' group.")
    saved = index_weights(f, "/model_weights", path)
    weights = read_plan(plan_weights(model, saved, path), path)
    state = read_training_state(f, model, path)
    if state is not None:
        _prefixed(model.check_training_state, state, path=path)
    train_config = read_json_attr(f, keras_files.kerasque_attr(f, "training_config"), path)
    optimizer = []
    if compile and train_config is not None:
        _prefixed(
            serialization.compile_from_config,
            model,
            train_config,
            custom_objects,
            path=path,
            what="training_config",
        )
        saved_optimizer = index_optimizer(f, path)
        if saved_optimizer is not None:
            optimizer = read_optimizer(model, saved_optimizer, path)
    # Everything is read and checked: only now is anything set.
    assign_weights(weights)
    if state is not None:
        model.set_training_state(state)
    assign_weights(optimizer)
    return model


def _model_config(f, path: str):
    config = read_json_attr(f, keras_files.kerasque_attr(f, "model_config"), path)
    if config is None:
        kind = "no model"
        if "layer_names" in f.attrs:
            kind = "weights only (written by model.save_weights)"
        raise ValueError(
            f"{path!r} holds {kind}: it has no 'model_config'. Build the model in code and "
            "call model.load_weights(path), or save the whole model with model.save(path)."
        )
    saved_floatx = read_text_attr(f, "floatx", path)
    if saved_floatx and saved_floatx != floatx():
        try:
            config = _retarget_floatx(config, saved_floatx, floatx())
        except RecursionError:
            raise ValueError(f"{path!r}: model_config is nested too deeply.") from None
    return config


def build_model(config, path: str, custom_objects=None):
    """The model a ``model_config`` describes; every failure is an error naming the file.

    NumPy's invalid, overflowing or dividing operations raise while the
    layers are built: a config value that makes an initializer compute NaN
    (a negative size) is a bad config, not a warning to pass over.
    """
    with np.errstate(divide="raise", over="raise", invalid="raise"):
        model = _prefixed(
            serialization.deserialize_layer, config, custom_objects, path=path, what="model_config"
        )
    if not isinstance(model, TrainingState):
        raise ValueError(
            f"{path!r}: model_config describes a {type(model).__name__} layer, not a model "
            "(Model or Sequential)."
        )
    return model


def _prefixed(fn, *args, path: str, what: str = "training_state"):
    """Call ``fn``; its ValueError/TypeError (and a corrupt config's errors) name the file."""
    try:
        return fn(*args)
    except (ValueError, TypeError) as err:
        text = str(err)
        if repr(path) in text:
            raise
        prefix = f"{path!r}: " if text.startswith(what) else f"{path!r}: {what}: "
        raise type(err)(prefix + text) from err
    except _CONFIG_ERRORS as err:
        raise ValueError(f"{path!r}: {what} is corrupted: {type(err).__name__}: {err}") from err


def _retarget_floatx(config, saved: str, current: str):
    """Inputs saved with the file's default float type take this process's."""
    if isinstance(config, dict):
        return {
            k: current if k == "input_dtype" and v == saved else _retarget_floatx(v, saved, current)
            for k, v in config.items()
        }
    if isinstance(config, list):
        return [_retarget_floatx(v, saved, current) for v in config]
    return config
