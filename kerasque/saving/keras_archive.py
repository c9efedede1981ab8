"""Keras 3's native files: the ``.keras`` zip and ``.weights.h5`` weights.

A ``.keras`` file is a zip of ``config.json`` (the model config, as in the
HDF5 format but with ``module`` keys and Keras 3's node format),
``metadata.json`` (``keras_version``, ``date_saved``) and
``model.weights.h5``. That weights file follows the object tree instead of
layer names::

    /layers/<name>/vars/0, 1, ...         a layer's own variables, in order
    /layers/<name>/cell/vars/...          a recurrent layer's cell
    /layers/<name>/layer/...              a wrapper's layer (TimeDistributed)
    /layers/<name>/forward_layer/..., backward_layer/...   Bidirectional
    /optimizer/vars/0, 1, ...             iteration, learning rate, slots

where ``<name>`` is the snake-cased class name, numbered from the second
one of a class (``dense``, ``dense_1``, ...) in the order of the model's
layers, and each ``vars`` group's ``name`` attribute holds the layer's name.
A ``.weights.h5`` file is that weights file on its own.

kerasque writes the same zip (:func:`save_model`) and adds one member Keras
ignores, ``kerasque.h5``: the file :func:`kerasque.saving.save_model` writes,
with kerasque's full config and training state, which kerasque reads back.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import os
import tempfile
import warnings
import zipfile

import h5py
import numpy as np

from kerasque.saving import hdf5, keras_format, keras_h5, serialization
from kerasque.saving.h5_attrs import read_text_attr
from kerasque.saving.h5_file import open_h5
from kerasque.saving.h5_guard import group_at, locate, plain_dataset, read_checked, split_path
from kerasque.saving.weights import assign_weights, read_plan

CONFIG, METADATA, WEIGHTS, KERASQUE = (
    "config.json",
    "metadata.json",
    "model.weights.h5",
    "kerasque.h5",
)
# Children of a layer's group in Keras's variable order; others follow, sorted.
_CHILD_ORDER = ("cell", "layer", "forward_layer", "backward_layer", "layers")
_MAX_MEMBER = 1 << 34  # 16 GiB: past this, a member is refused before it is read


# -- reading the object tree (through h5_guard: no link leaves the file) -------------
def read_dataset(group, name: str, path: str, expected_shape=None) -> np.ndarray:
    """The plain numeric dataset ``name`` (a relative path) of ``group``, shape checked first."""
    full = f"{group.name.rstrip('/')}/{'/'.join(split_path(name, path, group.name))}"
    obj = locate(group.file, full, group.name, path)
    if obj is None:
        raise ValueError(f"{path!r}: no dataset {full!r}.")
    ds = plain_dataset(obj, path, full)
    return read_checked(ds, ds.shape if expected_shape is None else expected_shape, path, full)


def _natural(name: str):
    base, _, number = name.rpartition("_")
    return (base, int(number)) if number.isdigit() and base else (name, 0)


def _flat_datasets(f, where: str, path: str) -> list:
    """``[(hdf5 path, dataset), ...]`` of a layer's variables in Keras's order; no data read."""
    group = group_at(f, where, path)
    out = []
    children = list(group.keys())
    if "vars" in children:
        vars_path = f"{where}/vars"
        names = sorted(
            group_at(f, vars_path, path).keys(),
            key=lambda n: (0, int(n)) if n.isdigit() else (1, 0),
        )
        for n in names:
            obj = locate(f, f"{vars_path}/{n}", vars_path, path)
            out.append((f"{vars_path}/{n}", plain_dataset(obj, path, f"{vars_path}/{n}")))
    rest = [c for c in children if c != "vars"]
    ordered = [c for c in _CHILD_ORDER if c in rest]
    ordered += sorted((c for c in rest if c not in _CHILD_ORDER), key=_natural)
    for child in ordered:
        out += _flat_datasets(f, f"{where}/{child}", path)
    return out


def keras_names(class_names) -> list[str]:
    """Keras's object-tree names for layers of these classes, in order."""
    from kerasque.engine.base_layer import snake_case

    used: dict[str, int] = {}
    names = []
    for cls in class_names:
        base = snake_case(cls)
        if base in used:
            used[base] += 1
            names.append(f"{base}_{used[base]}")
        else:
            used[base] = 0
            names.append(base)
    return names


def plan_tree_weights(f, pairs, path: str, skip_mismatch: bool = False) -> list:
    """``[(variable, dataset, what), ...]`` for ``(tree name, layer)`` pairs; no data read.

    Each layer's datasets are matched to its weights in order and their
    declared shapes checked before anything is read.
    """
    if group_at(f, "/layers", path) is None:
        raise ValueError(f"{path!r} has no 'layers' group: not a Keras 3 weights file.")
    plan = []
    for tree_name, layer in pairs:
        own = layer.weights
        where = f"/layers/{'/'.join(split_path(tree_name, path, '/layers'))}"
        if locate(f, where, where, path) is None:
            if own:
                raise ValueError(
                    f"{path!r} has no weights for layer {layer.name!r} (expected group {where!r})."
                )
            continue
        found = _flat_datasets(f, where, path)
        shapes = [tuple(v.get_value(borrow=True).shape) for v in own]
        problem = None
        if len(found) != len(own):
            problem = (
                f"layer {layer.name!r} ({type(layer).__name__}) has {len(own)} weights, "
                f"the file's {where!r} holds {len(found)}"
            )
        elif [tuple(ds.shape) for _, ds in found] != shapes:
            problem = (
                f"layer {layer.name!r} has weights of shapes {shapes}, the file's "
                f"{where!r} holds {[tuple(ds.shape) for _, ds in found]}"
            )
        if problem and skip_mismatch:
            warnings.warn(
                f"Skipping layer {layer.name!r} when loading {path!r}: {problem}.", stacklevel=4
            )
            continue
        if problem:
            raise ValueError(f"{path!r}: {problem}.")
        plan += [(var, ds, name) for var, (name, ds) in zip(own, found)]
    return plan


def _optimizer_datasets(f, path: str):
    """``[(name, dataset), ...]`` of ``/optimizer/vars`` in order, or None; no data read."""
    group = group_at(f, "/optimizer/vars", path)
    if group is None:
        return None
    names = sorted((n for n in group if n.isdigit()), key=int)
    out = []
    for n in names:
        where = f"/optimizer/vars/{n}"
        out.append((where, plain_dataset(locate(f, where, "/optimizer/vars", path), path, where)))
    return out


# -- the zip --------------------------------------------------------------------
@contextlib.contextmanager
def open_archive(path: str):
    """Open a ``.keras`` zip; errors name the file."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No file at {path!r}.")
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as err:
        raise OSError(f"{path!r} is not a .keras file (a zip archive): {err}.") from None
    with zf:
        yield zf


def read_member(zf, name: str, path: str) -> bytes:
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise ValueError(f"{path!r} has no {name!r}: not a Keras 3 .keras file.") from None
    if info.file_size > _MAX_MEMBER:
        raise ValueError(f"{path!r}: {name!r} declares {info.file_size} bytes; refused.")
    try:
        return zf.read(name)
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise OSError(f"{path!r}: cannot read {name!r} ({err}).") from None


def _json_member(zf, name, path):
    try:
        return json.loads(read_member(zf, name, path).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path!r}: {name!r} is not valid JSON ({err}).") from None


def _open_h5_bytes(data: bytes, path: str, member: str):
    try:
        return h5py.File(io.BytesIO(data), "r")
    except OSError as err:
        raise OSError(f"{path!r}: {member!r} is not a readable HDF5 file ({err}).") from None


def _config_layer_order(config) -> tuple[list, list]:
    """``(class names, layer names)`` of the model's layers as Keras lists them."""
    inner = config.get("config") if isinstance(config, dict) else None
    entries = inner.get("layers", []) if isinstance(inner, dict) else inner or []
    if config.get("class_name") == "Sequential":
        entries = [e for e in entries if e.get("class_name") != "InputLayer"]
    classes = [e.get("class_name") for e in entries]
    names = [e.get("name") or (e.get("config") or {}).get("name") for e in entries]
    return classes, names


def load_model(filepath, custom_objects=None, compile=True):
    """Rebuild a model from a ``.keras`` file (Keras's, or kerasque's with its full state)."""
    path = os.fspath(filepath)
    with open_archive(path) as zf:
        if KERASQUE in zf.namelist():
            return _load_kerasque_member(zf, path, custom_objects, compile)
        config = _json_member(zf, CONFIG, path)
        metadata = _json_member(zf, METADATA, path)
        weights_bytes = read_member(zf, WEIGHTS, path)
    version = metadata.get("keras_version") if isinstance(metadata, dict) else None
    translated = keras_format.translate(config, version or "3", custom_objects)
    model = hdf5.build_model(translated, path, custom_objects)
    classes, names = _config_layer_order(config)
    by_name = {layer.name: layer for layer in model.layers}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise ValueError(f"{path!r}: the config's layers {missing} were not rebuilt.")
    pairs = list(zip(keras_names(classes), [by_name[n] for n in names]))
    train_config = config.get("compile_config") if isinstance(config, dict) else None
    with _open_h5_bytes(weights_bytes, path, WEIGHTS) as f:
        weights = read_plan(plan_tree_weights(f, pairs, path), path)
        optimizer = []
        if compile and train_config:
            optimizer = keras_h5.compile_like_keras(
                model, train_config, _optimizer_datasets(f, path), names, version or "3", path
            )
    assign_weights(weights)
    assign_weights(optimizer)
    return model


def _load_kerasque_member(zf, path, custom_objects, compile):
    data = read_member(zf, KERASQUE, path)
    with tempfile.TemporaryDirectory() as tmp:
        inner = os.path.join(tmp, "model.h5")
        with open(inner, "wb") as fh:
            fh.write(data)
        try:
            return hdf5.load_model(inner, custom_objects=custom_objects, compile=compile)
        except (ValueError, OSError, TypeError) as err:
            raise type(err)(
                str(err).replace(repr(inner), f"{path!r} (member {KERASQUE!r})")
            ) from None


# -- weights-only --------------------------------------------------------------
def load_weights(model, filepath, by_name: bool = False, skip_mismatch: bool = False) -> None:
    """Set ``model``'s weights from a Keras 3 ``.weights.h5`` (or ``.keras``) file.

    By default layers are matched by their place in the object tree, as
    Keras does; ``by_name=True`` matches each ``vars`` group's ``name``
    attribute to the layer names instead.
    """
    path = os.fspath(filepath)
    if skip_mismatch and not by_name:
        raise ValueError("skip_mismatch=True needs by_name=True (as in Keras).")
    model.require_graph()
    with _weights_file(path) as f:
        plan = plan_tree_weights(f, _pairs(f, model, by_name, path), path, skip_mismatch)
        pairs = read_plan(plan, path)
    assign_weights(pairs)


@contextlib.contextmanager
def _weights_file(path: str):
    """The object-tree weights of a ``.keras`` zip or a ``.weights.h5`` file."""
    if path.endswith(".keras"):
        with open_archive(path) as zf:
            data = read_member(zf, WEIGHTS, path)
        with _open_h5_bytes(data, path, WEIGHTS) as f:
            yield f
    else:
        with open_h5(path) as f:
            yield f


def _pairs(f, model, by_name: bool, path: str) -> list:
    from kerasque.engine.input_layer import InputLayer

    layers = list(model.layers)
    if type(model).__name__ == "Sequential":
        layers = [layer for layer in layers if not isinstance(layer, InputLayer)]
    if not by_name:
        return list(zip(keras_names(type(layer).__name__ for layer in layers), layers))
    group = group_at(f, "/layers", path)
    names = {}
    for tree_name in group.keys() if group is not None else []:
        vars_group = locate(f, f"/layers/{tree_name}/vars", f"/layers/{tree_name}", path)
        if isinstance(vars_group, h5py.Group) and "name" in vars_group.attrs:
            names[read_text_attr(vars_group, "name", path)] = tree_name
    return [(names[layer.name], layer) for layer in layers if layer.name in names]


# -- writing ---------------------------------------------------------------------
_CELLED = ("GRU", "LSTM", "SimpleRNN")


def _layout(layer) -> dict:
    """``{"vars": [arrays], child: layout, ...}``: where Keras keeps a layer's variables."""
    from kerasque.layers.wrappers import Wrapper

    weights = [np.asarray(v.get_value()) for v in layer.weights]
    if type(layer).__name__ in _CELLED:
        return {"vars": [], "cell": {"vars": weights, "name": f"{layer.name}_cell"}}
    forward, backward = (
        getattr(layer, "forward_layer", None),
        getattr(layer, "backward_layer", None),
    )
    if forward is not None and backward is not None:
        return {"vars": [], "forward_layer": _layout(forward), "backward_layer": _layout(backward)}
    if isinstance(layer, Wrapper):
        return {"vars": [], "layer": _layout(layer.layer)}
    return {"vars": weights}


def _write_layout(group, layout: dict, name: str) -> None:
    vars_group = group.create_group("vars")
    vars_group.attrs["name"] = layout.get("name", name)
    for i, value in enumerate(layout["vars"]):
        vars_group.create_dataset(str(i), data=value)
    for child, sub in layout.items():
        if child not in ("vars", "name"):
            inner = getattr(sub, "get", lambda k, d=None: d)("name", name)
            _write_layout(group.create_group(child), sub, inner)


def keras_layer_list(model) -> list:
    """The layers Keras lists for ``model``: a Sequential's without its input."""
    from kerasque.engine.input_layer import InputLayer

    layers = list(model.layers)
    if type(model).__name__ == "Sequential":
        layers = [layer for layer in layers if not isinstance(layer, InputLayer)]
    return layers


def _keras_optimizer_state(model) -> list | None:
    """Keras 3's optimizer variables for kerasque's Adam or SGD, else None."""
    optimizer = getattr(model, "optimizer", None)
    kind = type(optimizer).__name__
    if not getattr(model, "compiled", False) or kind not in ("Adam", "SGD"):
        return None
    values = optimizer.get_weights()
    own = model.trainable_weights
    n = len(own)
    per_var = 2 if kind == "Adam" else (1 if optimizer.momentum else 0)
    if len(values) != 1 + per_var * n:
        return None  # slots not built yet: the model was never trained
    index = {id(v): i for i, v in enumerate(own)}
    order = [
        index[id(v)]
        for layer in keras_layer_list(model)
        for v in layer.trainable_weights
        if id(v) in index
    ]
    out = [
        np.asarray(values[0], dtype="int64"),
        np.asarray(optimizer.learning_rate, dtype="float32"),
    ]
    for i in order:
        out += [values[1 + k * n + i] for k in range(per_var)]
    return out


def _weights_bytes(model, include_optimizer: bool) -> bytes:
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        top = f.create_group("layers")
        layers = keras_layer_list(model)
        for tree_name, layer in zip(keras_names(type(la).__name__ for la in layers), layers):
            _write_layout(top.create_group(tree_name), _layout(layer), layer.name)
        f.create_group("vars").attrs["name"] = model.name
        state = _keras_optimizer_state(model) if include_optimizer else None
        if state is not None:
            group = f.create_group("optimizer").create_group("vars")
            group.attrs["name"] = type(model.optimizer).__name__.lower()
            for i, value in enumerate(state):
                group.create_dataset(str(i), data=value)
    return buffer.getvalue()


def _compile_config(model) -> dict | None:
    from kerasque.saving import keras_export

    train = keras_export.keras_training_config(serialization.training_config(model))
    if train is None:
        return None
    optimizer = train.pop("optimizer_config")
    return {
        "optimizer": {"module": "keras.optimizers", **optimizer, "registered_name": None},
        **train,
        "run_eagerly": False,
        "steps_per_execution": 1,
        "jit_compile": True,
    }


def save_model(model, filepath, include_optimizer: bool = True) -> None:
    """Write Keras 3's ``.keras`` zip, plus ``kerasque.h5`` with kerasque's full state."""
    from kerasque.saving import keras_export

    path = os.fspath(filepath)
    model._ensure_graph()
    folder = os.path.dirname(os.path.abspath(path))
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        inner = os.path.join(tmp, KERASQUE)
        hdf5.save_model(model, inner, include_optimizer=include_optimizer)
        with open(inner, "rb") as fh:
            kerasque_bytes = fh.read()
    config = keras_export.keras_model_config(serialization.serialize_layer(model))
    compile_config = _compile_config(model) if include_optimizer else None
    if compile_config is not None:
        config["compile_config"] = compile_config
    metadata = {
        "keras_version": keras_export.KERAS_VERSION,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
        "saved_by": "kerasque",
    }
    members = [
        (METADATA, json.dumps(metadata).encode()),
        (CONFIG, keras_export._json(config).encode()),
        (WEIGHTS, _weights_bytes(model, include_optimizer)),
        (KERASQUE, kerasque_bytes),
    ]
    with _atomic_file(path) as tmp_path, zipfile.ZipFile(tmp_path, "w") as zf:
        for name, data in members:
            zf.writestr(name, data, compress_type=zipfile.ZIP_STORED)


@contextlib.contextmanager
def _atomic_file(path: str):
    """A temporary path next to ``path``, renamed over it when the block succeeds."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"Cannot save to {path!r}: folder {folder!r} does not exist.")
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        yield tmp
        mode = os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o666 & ~_umask()
        os.chmod(tmp, mode)
        os.replace(tmp, os.path.realpath(path))
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
