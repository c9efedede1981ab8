"""Layer weights in the HDF5 file (Keras's layout), loaded all or nothing.

Layout, under ``/model_weights`` (full model files) or at the root (weights
files)::

    <group>                     attrs: layer_names (every layer, weightless too),
                                       backend, kerasque_version
    <group>/<layer>             attrs: weight_names, e.g. ['dense_1/kernel:0', ...]
    <group>/<layer>/<weight name>   one dataset per weight

Loading runs in three steps so that nothing is read or set too early:

1. :func:`index_weights` lists the file's layers and opens their datasets
   through :mod:`kerasque.saving.h5_guard` (metadata only);
2. :func:`plan_weights` pairs them with the model's variables and checks
   counts, shapes and dtypes, still without reading data;
3. :func:`read_plan` reads exactly the planned arrays, and
   :func:`assign_weights` sets them once everything has been read and cast.
"""

from __future__ import annotations

import warnings

import numpy as np

from kerasque.saving.h5_attrs import read_list_attr, write_list_attr
from kerasque.saving.h5_guard import (
    cast_exact,
    locate,
    plain_dataset,
    read_checked,
    split_path,
    write_array,
)


def dataset_names(layer) -> list[str]:
    """The names a layer's weights are saved under (``'dense_1/kernel:0'``), made unique."""
    names, seen = [], set()
    for i, var in enumerate(layer.weights):
        base = f"{var.name or f'{layer.name}/weight_{i}'}:0"
        name, k = base, 1
        while name in seen:
            name, k = f"{base}_{k}", k + 1
        seen.add(name)
        names.append(name)
    return names


def write_weights(group, layers, version: str) -> None:
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
    group.attrs["kerasque_version"] = version
    for layer in layers:
        sub = group.create_group(layer.name)
        names = dataset_names(layer)
        write_list_attr(sub, "weight_names", names)
        for name, var in zip(names, layer.weights):
            write_array(sub, name, var.get_value(borrow=True))


# -- step 1: what the file holds ---------------------------------------------
def index_weights(f, root: str, path: str) -> list[tuple[str, list[tuple[str, object]]]]:
    """``[(layer name, [(weight name, dataset), ...]), ...]`` in file order; no data read."""
    group = locate(f, root, root, path)
    names = read_list_attr(group, "layer_names", path) if group is not None else None
    if names is None:
        raise ValueError(
            f"{path!r} holds no layer weights (no 'layer_names' attribute): it was not "
            "written by model.save or model.save_weights."
        )
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"{path!r}: layer_names lists layers {twice} more than once.")
    out = []
    for name in names:
        layer_path = f"{root.rstrip('/')}/{'/'.join(split_path(name, path, root))}"
        sub = locate(f, layer_path, layer_path, path)
        if sub is None:
            raise ValueError(f"{path!r}: layer {name!r} is listed in layer_names but has no group.")
        weight_names = read_list_attr(sub, "weight_names", path) or []
        datasets = []
        for w in weight_names:
            w_path = f"{layer_path}/{'/'.join(split_path(w, path, layer_path))}"
            obj = locate(f, w_path, layer_path, path)
            if obj is None:
                raise ValueError(
                    f"{path!r}: layer {name!r} lists weight {w!r} but has no such dataset."
                )
            datasets.append((w, plain_dataset(obj, path, w_path)))
        out.append((name, datasets))
    return out


# -- step 2: pair with the model ---------------------------------------------
def _plan_layer(layer, saved, path: str, file_layer: str, skip_mismatch: bool) -> list:
    own = layer.weights
    if len(own) != len(saved):
        message = (
            f"{path!r}: layer {layer.name!r} ({type(layer).__name__}) has {len(own)} weights "
            f"{[v.name for v in own]}, but the file's layer {file_layer!r} holds {len(saved)} "
            f"{[w for w, _ in saved]}."
        )
        if skip_mismatch:
            warnings.warn(f"Skipping layer {layer.name!r}: {message}", stacklevel=4)
            return []
        raise ValueError(message)
    plan = []
    for var, (wname, ds) in zip(own, saved):
        expected = tuple(var.get_value(borrow=True).shape)
        if tuple(ds.shape) != expected:
            message = (
                f"{path!r}: layer {layer.name!r}, weight {wname!r}: the model expects shape "
                f"{expected}, the file holds shape {tuple(ds.shape)}."
            )
            if skip_mismatch:
                warnings.warn(f"Skipping weight {wname!r}: {message}", stacklevel=4)
                continue
            raise ValueError(message)
        plan.append((var, ds, f"layer {layer.name!r}, weight {wname!r}"))
    return plan


def plan_weights(
    model, saved, path: str, by_name: bool = False, skip_mismatch: bool = False
) -> list:
    """``[(variable, dataset, what), ...]`` after checking every layer against the file."""
    plan = []
    if by_name:
        by = dict(saved)
        for layer in model.layers:
            if layer.name in by:
                plan += _plan_layer(layer, by[layer.name], path, layer.name, skip_mismatch)
        return plan
    mine = [layer for layer in model.layers if layer.weights]
    theirs = [(n, w) for n, w in saved if w]
    if len(mine) != len(theirs):
        raise ValueError(
            f"{path!r} holds weights for {len(theirs)} layers {[n for n, _ in theirs]}, but "
            f"model {model.name!r} has {len(mine)} layers with weights "
            f"{[layer.name for layer in mine]}. Load by_name=True to match layers by name."
        )
    for layer, (name, datasets) in zip(mine, theirs):
        plan += _plan_layer(layer, datasets, path, name, False)
    return plan


# -- step 3: read, then set ----------------------------------------------------
def read_plan(plan, path: str) -> list[tuple[object, np.ndarray]]:
    """Read and cast every planned array; nothing is set yet."""
    out = []
    for var, ds, what in plan:
        expected = tuple(var.get_value(borrow=True).shape)
        value = read_checked(ds, expected, path, what)
        out.append((var, cast_exact(value, var.dtype, path, what)))
    return out


def assign_weights(pairs) -> None:
    """Set every ``(variable, array)`` pair (all were checked and read before)."""
    for var, value in pairs:
        var.set_value(value)
