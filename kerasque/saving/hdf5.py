"""The HDF5 file: Keras's layout, plus the state that resumes training exactly.

Layout of a file written by :func:`save_model`::

    /                           attrs: model_config (JSON {class_name, config}),
                                       training_config (JSON; compiled models only),
                                       kerasque_version, backend='pytensor', floatx
    /model_weights              attrs: layer_names (every layer, weightless too),
                                       backend, kerasque_version
    /model_weights/<layer>      attrs: weight_names, e.g. ['dense_1/kernel:0', ...]
    /model_weights/<layer>/<weight name>   one dataset per weight
    /optimizer_weights          attrs: weight_names (iterations first, then slots)
    /optimizer_weights/<name>   one dataset per optimizer state array
    /training_state             attrs: epoch, learning_rate (compiled models),
                                       shuffle_rng (JSON bit_generator.state),
                                       generator_states (JSON {layer: [state, ...]},
                                       in ``layer.rngs`` order)

:func:`save_weights` writes Keras's weights-only layout: ``layer_names`` and
the per-layer groups at the root.

Writes are atomic: the file is written under a temporary name in the target
folder and renamed over the target only when complete, so a failure part
way (an exception, a full disk, Ctrl-C) leaves any previous file intact.
Loading parses JSON and arrays only; classes come from the registry of
:mod:`kerasque.saving.serialization`, never from code in the file.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid

import h5py
import numpy as np

from kerasque.config import floatx
from kerasque.engine.jax_generators import sync_generators
from kerasque.saving import serialization

# HDF5 object headers hold at most 64 KiB; Keras splits longer list attributes
# into name0, name1, ... and so do we.
HDF5_OBJECT_HEADER_LIMIT = 64512
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "Philox", "SFC64", "MT19937")


# -- attributes -----------------------------------------------------------
def _text(value) -> str:
    """An attribute read back as str, whether h5py returns str or bytes."""
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8")
    return str(value)


def write_list_attr(obj, name: str, items) -> None:
    """Store a list of strings, split into ``name0, name1, ...`` past 64 KiB."""
    encoded = [str(s).encode("utf-8") for s in items]
    width = max([len(b) for b in encoded] + [1])
    data = np.array(encoded, dtype=f"S{width}")
    chunks = 1
    while data.nbytes / chunks > HDF5_OBJECT_HEADER_LIMIT and chunks < max(len(data), 1):
        chunks += 1
    if chunks == 1:
        obj.attrs[name] = data
        return
    for i, part in enumerate(np.array_split(data, chunks)):
        obj.attrs[f"{name}{i}"] = part


def read_list_attr(obj, name: str) -> list[str] | None:
    """A list attribute written by :func:`write_list_attr` (or Keras), or None."""
    if name in obj.attrs:
        parts = [obj.attrs[name]]
    else:
        parts, i = [], 0
        while f"{name}{i}" in obj.attrs:
            parts.append(obj.attrs[f"{name}{i}"])
            i += 1
        if not parts:
            return None
    return [_text(v) for part in parts for v in np.atleast_1d(part)]


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(
        f"Cannot save {value!r} (type {type(value).__name__}) in a config: get_config must "
        "return JSON-serialisable values (numbers, strings, lists, dicts, None)."
    )


def write_json_attr(obj, name: str, value) -> None:
    obj.attrs[name] = json.dumps(value, default=_json_default)


def read_json_attr(obj, name: str, path: str):
    """A JSON attribute as data (never code), or None when absent."""
    if name not in obj.attrs:
        return None
    try:
        return json.loads(_text(obj.attrs[name]))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path!r}: attribute {name!r} is not valid JSON ({err}).") from None


# -- files ----------------------------------------------------------------
@contextlib.contextmanager
def atomic_h5(filepath):
    """Yield an ``h5py.File`` on a temporary path; rename it to ``filepath`` on success."""
    path = os.fspath(filepath)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"Cannot save to {path!r}: folder {folder!r} does not exist.")
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        with h5py.File(tmp, "x") as f:
            yield f
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


@contextlib.contextmanager
def open_h5(filepath):
    """Open ``filepath`` for reading; errors name the path and say what is wrong."""
    path = os.fspath(filepath)
    if not os.path.exists(path):
        raise FileNotFoundError(f"No file at {path!r}.")
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path!r} is a folder, not a saved model file.")
    if os.path.getsize(path) == 0:
        raise OSError(f"{path!r} is empty (0 bytes): not a saved model; was a save interrupted?")
    try:
        f = h5py.File(path, "r")
    except OSError as err:
        raise OSError(
            f"Cannot read {path!r} as an HDF5 file: it is truncated, corrupted or not HDF5 "
            f"({err})."
        ) from None
    with f:
        try:
            yield f
        except (KeyError, RuntimeError, OSError) as err:
            if repr(path) in str(err):
                raise
            raise OSError(f"{path!r} is corrupted or incomplete: {err}") from None


# -- layer weights --------------------------------------------------------
def _dataset_names(layer) -> list[str]:
    names, seen = [], set()
    for i, var in enumerate(layer.weights):
        base = f"{var.name or f'{layer.name}/weight_{i}'}:0"
        name, k = base, 1
        while name in seen:
            name, k = f"{base}_{k}", k + 1
        seen.add(name)
        names.append(name)
    return names


def write_weights(group, layers) -> None:
    """One subgroup per layer (``weight_names`` attr), one dataset per weight."""
    seen: set = set()
    for layer in layers:
        if layer.name in seen:
            raise ValueError(
                f"Cannot save: two layers are named {layer.name!r}. Layer names key the file's "
                "groups, so they must be unique; pass name= to one of them."
            )
        seen.add(layer.name)
    write_list_attr(group, "layer_names", [layer.name for layer in layers])
    group.attrs["backend"] = "pytensor"
    group.attrs["kerasque_version"] = _version()
    for layer in layers:
        sub = group.create_group(layer.name)
        names = _dataset_names(layer)
        write_list_attr(sub, "weight_names", names)
        for name, var in zip(names, layer.weights):
            sub.create_dataset(name, data=var.get_value(borrow=True))


def read_weights(group, path: str) -> list[tuple[str, list[tuple[str, np.ndarray]]]]:
    """``[(layer name, [(weight name, array), ...]), ...]`` in file order."""
    names = read_list_attr(group, "layer_names")
    if names is None:
        raise ValueError(
            f"{path!r} holds no layer weights (no 'layer_names' attribute): it was not "
            "written by model.save or model.save_weights."
        )
    out = []
    for name in names:
        if name not in group:
            raise ValueError(f"{path!r}: layer {name!r} is listed in layer_names but has no group.")
        sub = group[name]
        weight_names = read_list_attr(sub, "weight_names") or []
        arrays = []
        for w in weight_names:
            if w not in sub:
                raise ValueError(
                    f"{path!r}: layer {name!r} lists weight {w!r} but has no such dataset."
                )
            arrays.append((w, np.asarray(sub[w][()])))
        out.append((name, arrays))
    return out


def _check_layer(layer, saved, path: str, file_layer: str) -> list:
    own = layer.weights
    if len(own) != len(saved):
        raise ValueError(
            f"{path!r}: layer {layer.name!r} ({type(layer).__name__}) has {len(own)} weights "
            f"{[v.name for v in own]}, but the file's layer {file_layer!r} holds {len(saved)} "
            f"{[w for w, _ in saved]}."
        )
    pairs = []
    for var, (wname, value) in zip(own, saved):
        expected = var.get_value(borrow=True).shape
        if value.shape != expected:
            raise ValueError(
                f"{path!r}: layer {layer.name!r}, weight {wname!r}: the model expects shape "
                f"{expected}, the file holds shape {value.shape}."
            )
        pairs.append((var, value))
    return pairs


def assign_weights(model, saved, path: str, by_name: bool = False) -> None:
    """Check every layer against the file first, then set all weights (casting dtypes)."""
    pairs = []
    if by_name:
        by = dict(saved)
        for layer in model.layers:
            if layer.name in by:
                pairs += _check_layer(layer, by[layer.name], path, layer.name)
    else:
        mine = [layer for layer in model.layers if layer.weights]
        theirs = [(n, w) for n, w in saved if w]
        if len(mine) != len(theirs):
            raise ValueError(
                f"{path!r} holds weights for {len(theirs)} layers {[n for n, _ in theirs]}, but "
                f"model {model.name!r} has {len(mine)} layers with weights "
                f"{[layer.name for layer in mine]}. Load by_name=True to match layers by name."
            )
        for layer, (name, arrays) in zip(mine, theirs):
            pairs += _check_layer(layer, arrays, path, name)
    for var, value in pairs:
        var.set_value(np.asarray(value, dtype=var.dtype))


# -- optimizer and training state ----------------------------------------
def _write_optimizer(f, optimizer) -> None:
    group = f.create_group("optimizer_weights")
    names = []
    for var in optimizer.weights:
        name = f"{var.name}:0"
        names.append(name)
        group.create_dataset(name, data=var.get_value(borrow=True))
    write_list_attr(group, "weight_names", names)


def _read_optimizer(f) -> list[tuple[str, np.ndarray]]:
    group = f["optimizer_weights"]
    return [(n, np.asarray(group[n][()])) for n in read_list_attr(group, "weight_names") or []]


def _restore_optimizer(model, saved, path: str) -> None:
    optimizer = model.optimizer
    if len(saved) > 1 and len(optimizer.weights) == 1:
        # Slots exist only once the train function is built (as in Keras).
        model._function("train")
    current = optimizer.weights
    if len(saved) != len(current):
        raise ValueError(
            f"{path!r}: the optimizer state holds {len(saved)} arrays "
            f"{[n for n, _ in saved][:4]}, but {type(optimizer).__name__} of model "
            f"{model.name!r} has {len(current)}."
        )
    for var, (name, value) in zip(current, saved):
        expected = var.get_value(borrow=True).shape
        if value.shape != expected:
            raise ValueError(
                f"{path!r}: optimizer state {name!r} expects shape {expected}, the file holds "
                f"shape {value.shape}."
            )
    optimizer.set_weights([value for _, value in saved])


def generator_state(rng) -> dict:
    """The state of a PyTensor shared generator (its NumPy bit generator)."""
    sync_generators([rng])  # the JAX mode may hold its next state back
    return rng.get_value(borrow=True).bit_generator.state


def set_generator_state(rng, state: dict, path: str) -> None:
    kind = state.get("bit_generator") if isinstance(state, dict) else None
    if kind not in _BIT_GENERATORS:
        raise ValueError(f"{path!r}: unknown bit generator {kind!r} for {rng.name!r}.")
    gen = rng.get_value()
    if type(gen.bit_generator).__name__ != kind:
        gen = np.random.Generator(getattr(np.random, kind)())
    gen.bit_generator.state = state
    rng.set_value(gen)


def _write_training_state(f, model) -> None:
    group = f.create_group("training_state")
    group.attrs["epoch"] = int(getattr(model, "epoch", 0))
    if getattr(model, "compiled", False):
        # Also in the optimizer config; here it is the live value a schedule set.
        group.attrs["learning_rate"] = float(model.optimizer.learning_rate)
    shuffle = getattr(model, "_shuffle_rng", None)
    if shuffle is not None:
        write_json_attr(group, "shuffle_rng", shuffle.bit_generator.state)
    states = {layer.name: [generator_state(r) for r in layer.rngs]
              for layer in model.layers if layer.rngs}
    write_json_attr(group, "generator_states", states)


def _read_training_state(f, path: str) -> dict:
    group = f["training_state"]
    return {
        "epoch": int(group.attrs.get("epoch", 0)),
        "learning_rate": float(group.attrs.get("learning_rate", np.nan)),
        "shuffle_rng": read_json_attr(group, "shuffle_rng", path),
        "generator_states": read_json_attr(group, "generator_states", path) or {},
    }


def _restore_training_state(model, state: dict, path: str) -> None:
    model.epoch = state["epoch"]
    shuffle = state["shuffle_rng"]
    if shuffle is not None:
        kind = shuffle.get("bit_generator") if isinstance(shuffle, dict) else None
        if kind not in _BIT_GENERATORS:
            raise ValueError(f"{path!r}: unknown bit generator {kind!r} for the shuffle.")
        gen = np.random.Generator(getattr(np.random, kind)())
        gen.bit_generator.state = shuffle
        model._shuffle_rng = gen
    for name, layer_states in state["generator_states"].items():
        layer = model.get_layer(name)
        rngs = layer.rngs
        if len(rngs) != len(layer_states):
            raise ValueError(
                f"{path!r}: layer {name!r} has {len(rngs)} random generators, the file holds "
                f"{len(layer_states)} generator states."
            )
        for rng, st in zip(rngs, layer_states):
            set_generator_state(rng, st, path)


# -- public entry points --------------------------------------------------
def _version() -> str:
    import kerasque

    return kerasque.__version__


def save_model(model, filepath, include_optimizer: bool = True) -> None:
    """Write architecture, weights, compile settings and training state to ``filepath``."""

    from kerasque.saving import keras_files  # Keras's own formats; imports this module

    if keras_files.is_archive(os.fspath(filepath)):
        return keras_files.save_model(model, filepath, include_optimizer)
    model._ensure_graph()
    config = serialization.serialize_layer(model)
    train_config = serialization.training_config(model)
    with atomic_h5(filepath) as f:
        f.attrs["kerasque_version"] = _version()
        f.attrs["backend"] = "pytensor"
        f.attrs["floatx"] = floatx()
        write_json_attr(f, "model_config", config)
        if train_config is not None:
            write_json_attr(f, "training_config", train_config)
        write_weights(f.create_group("model_weights"), model.layers)
        if include_optimizer and train_config is not None:
            _write_optimizer(f, model.optimizer)
        _write_training_state(f, model)
        keras_files.add_keras_view(f, config, train_config)


def save_weights(model, filepath) -> None:
    """Write only the layer weights (Keras's weights-only layout) to ``filepath``."""
    model._ensure_graph()
    with atomic_h5(filepath) as f:
        write_weights(f, model.layers)


def load_weights(model, filepath, by_name: bool = False) -> None:
    """Set ``model``'s weights from a weights file or a full model file.

    Parameters
    ----------
    by_name : bool
        Match layers by name (layers absent from the file keep their
        weights); by default layers with weights are matched in order.
    """
    path = os.fspath(filepath)
    from kerasque.saving import keras_files  # Keras's own files; imports this module

    if keras_files.handles(path):
        return keras_files.load_weights(model, path, by_name=by_name)
    model._ensure_graph()
    with open_h5(path) as f:
        group = f["model_weights"] if "model_weights" in f else f
        saved = read_weights(group, path)
    assign_weights(model, saved, path, by_name=by_name)


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


def load_model(filepath, custom_objects: dict | None = None, compile: bool = True):  # noqa: A002
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

    Returns
    -------
    Model
    """

    path = os.fspath(filepath)
    from kerasque.saving import keras_files  # Keras's own files; imports this module

    if keras_files.handles(path):
        return keras_files.load_model(path, custom_objects, compile)
    with open_h5(path) as f:
        config = read_json_attr(f, keras_files.kerasque_attr(f, "model_config"), path)
        if config is None:
            kind = "no model"
            if "layer_names" in f.attrs:
                kind = "weights only (written by model.save_weights)"
            raise ValueError(
                f"{path!r} holds {kind}: it has no 'model_config'. Build the model in code and "
                "call model.load_weights(path), or save the whole model with model.save(path)."
            )
        if "model_weights" not in f:
            raise ValueError(f"{path!r} has a model_config but no 'model_weights' group.")
        saved_floatx = _text(f.attrs["floatx"]) if "floatx" in f.attrs else None
        weights = read_weights(f["model_weights"], path)
        state = _read_training_state(f, path) if "training_state" in f else None
        train_config = read_json_attr(f, keras_files.kerasque_attr(f, "training_config"), path)
        optimizer = _read_optimizer(f) if "optimizer_weights" in f else None
    # The file is closed: nothing below reads it, so errors are about the model.
    if saved_floatx and saved_floatx != floatx():
        config = _retarget_floatx(config, saved_floatx, floatx())
    model = serialization.deserialize_layer(config, custom_objects)
    assign_weights(model, weights, path)
    if state is not None:
        _restore_training_state(model, state, path)
    if compile and train_config is not None:
        serialization.compile_from_config(model, train_config, custom_objects)
        if state is not None and not np.isnan(state["learning_rate"]):
            model.optimizer.learning_rate = state["learning_rate"]
        if optimizer is not None:
            _restore_optimizer(model, optimizer, path)
    return model


def read_summary(filepath) -> dict:
    """What a file holds, for the command line: configs, version and layer weights."""
    from kerasque.saving import keras_files  # Keras's own files; imports this module

    path = os.fspath(filepath)
    with open_h5(path) as f:
        group = f["model_weights"] if "model_weights" in f else f
        state = _read_training_state(f, path) if "training_state" in f else {}
        return {
            "path": path,
            "model_config": read_json_attr(f, keras_files.kerasque_attr(f, "model_config"), path),
            "training_config": read_json_attr(
                f, keras_files.kerasque_attr(f, "training_config"), path),
            "kerasque_version": _text(f.attrs.get("kerasque_version", "unknown")),
            "backend": _text(f.attrs.get("backend", "unknown")),
            "weights": read_weights(group, path),
            "epoch": state.get("epoch"),
        }
