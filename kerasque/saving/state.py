"""Optimizer state and training state in the HDF5 file.

Layout::

    /optimizer_weights          attrs: weight_names (iterations first, then slots)
    /optimizer_weights/<name>   one dataset per optimizer state array
    /training_state             attrs: epoch, learning_rate (compiled models),
                                       shuffle_rng (JSON bit_generator.state),
                                       generator_states (JSON {layer: [state, ...]},
                                       in ``layer.rngs`` order)
    /training_state/layer_states            attrs: layer_names
    /training_state/layer_states/<layer>/<i>  the i-th of ``layer.states``

The model gives and takes this state as a dict through its public methods
(:class:`kerasque.engine.training_state.TrainingState`); this module only
turns that dict into attributes and datasets and back, checking every entry.
"""

from __future__ import annotations

import numpy as np

from kerasque.engine.training_state import stateful_layers
from kerasque.saving.h5_attrs import (
    raw_attr,
    read_json_attr,
    read_list_attr,
    write_json_attr,
    write_list_attr,
)
from kerasque.saving.h5_guard import (
    cast_exact,
    locate,
    plain_dataset,
    read_checked,
    split_path,
    write_array,
)

_LAYER_STATES = "/training_state/layer_states"


# -- optimizer ------------------------------------------------------------------
def write_optimizer(f, optimizer) -> None:
    group = f.create_group("optimizer_weights")
    names = []
    for var in optimizer.weights:
        name = f"{var.name}:0"
        names.append(name)
        write_array(group, name, var.get_value(borrow=True))
    write_list_attr(group, "weight_names", names)


def index_optimizer(f, path: str) -> list[tuple[str, object]] | None:
    """``[(name, dataset), ...]`` of the saved optimizer state (no data read), or None."""
    group = locate(f, "/optimizer_weights", "/optimizer_weights", path)
    if group is None:
        return None
    out = []
    for name in read_list_attr(group, "weight_names", path) or []:
        ds_path = "/optimizer_weights/" + "/".join(split_path(name, path, "/optimizer_weights"))
        obj = locate(f, ds_path, "/optimizer_weights", path)
        if obj is None:
            raise ValueError(f"{path!r}: optimizer state {name!r} is listed but has no dataset.")
        out.append((name, plain_dataset(obj, path, ds_path)))
    return out


def read_optimizer(model, saved, path: str) -> list[tuple[object, np.ndarray]]:
    """Match the saved state to the optimizer's variables, check shapes, then read.

    The optimizer's slots exist once the train function is built, so it is
    built here when the file holds more than the iteration count.
    """
    current = model.optimizer.weights
    if len(saved) > 1 and len(current) == 1:
        current = model.build_optimizer_state()
    if len(saved) != len(current):
        raise ValueError(
            f"{path!r}: the optimizer state holds {len(saved)} arrays "
            f"{[n for n, _ in saved][:4]}, but {type(model.optimizer).__name__} of model "
            f"{model.name!r} has {len(current)}."
        )
    for var, (name, ds) in zip(current, saved):
        expected = tuple(var.get_value(borrow=True).shape)
        if tuple(ds.shape) != expected:
            raise ValueError(
                f"{path!r}: optimizer state {name!r} expects shape {expected}, the file holds "
                f"shape {tuple(ds.shape)}."
            )
    out = []
    for var, (name, ds) in zip(current, saved):
        what = f"optimizer state {name!r}"
        value = read_checked(ds, tuple(var.get_value(borrow=True).shape), path, what)
        out.append((var, cast_exact(value, var.dtype, path, what)))
    return out


# -- training state ---------------------------------------------------------------
def write_training_state(f, state: dict) -> None:
    """Write the dict of ``model.get_training_state()``."""
    group = f.create_group("training_state")
    group.attrs["epoch"] = int(state["epoch"])
    if state.get("learning_rate") is not None:
        # Also in the optimizer config; here it is the live value a schedule set.
        group.attrs["learning_rate"] = float(state["learning_rate"])
    if state.get("shuffle_rng") is not None:
        write_json_attr(group, "shuffle_rng", state["shuffle_rng"])
    write_json_attr(group, "generator_states", state.get("generator_states") or {})
    layer_states = state.get("layer_states") or {}
    if layer_states:
        states = group.create_group("layer_states")
        write_list_attr(states, "layer_names", list(layer_states))
        for name, values in layer_states.items():
            sub = states.create_group(name)
            for i, value in enumerate(values):
                write_array(sub, str(i), value)


def read_number(group, name: str, path: str):
    """A scalar numeric attribute as a Python number (other kinds are left to the check)."""
    value = raw_attr(group, name, path)
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "fiu":
        value = value[()]
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return value


def read_training_state(f, model, path: str) -> dict | None:
    """The saved training state as the dict ``model.set_training_state`` takes, or None.

    Attributes are read as data; their values are checked by
    ``model.check_training_state``. Layer state arrays are matched to the
    model's stateful layers by name, and their shapes checked before reading.
    """
    group = locate(f, "/training_state", "/training_state", path)
    if group is None:
        return None
    if "epoch" not in group.attrs:
        raise ValueError(
            f"{path!r}: training_state has no 'epoch' attribute; the file is "
            "corrupted or was not written by kerasque."
        )
    state: dict = {"epoch": read_number(group, "epoch", path)}
    if "learning_rate" in group.attrs:
        state["learning_rate"] = read_number(group, "learning_rate", path)
    state["shuffle_rng"] = read_json_attr(group, "shuffle_rng", path)
    state["generator_states"] = read_json_attr(group, "generator_states", path) or {}
    state["layer_states"] = _read_layer_states(f, model, path)
    return state


def _read_layer_states(f, model, path: str) -> dict:
    group = locate(f, _LAYER_STATES, _LAYER_STATES, path)
    if group is None:
        return {}
    owners = stateful_layers(model.layers)
    out = {}
    for name in read_list_attr(group, "layer_names", path) or []:
        layer_path = f"{_LAYER_STATES}/{'/'.join(split_path(name, path, _LAYER_STATES))}"
        sub = locate(f, layer_path, layer_path, path)
        if sub is None:
            raise ValueError(f"{path!r}: layer state {name!r} is listed but has no group.")
        if name not in owners:
            raise ValueError(
                f"{path!r}: training_state 'layer_states' names layer {name!r}, which is not "
                f"a stateful layer of the model; stateful layers: {sorted(owners)}."
            )
        variables = list(owners[name].states)
        count = len(sub.keys())
        if count != len(variables):
            raise ValueError(
                f"{path!r}: training_state 'layer_states': layer {name!r} has "
                f"{len(variables)} states, the file holds {count}."
            )
        values = []
        for i, var in enumerate(variables):
            ds_path = f"{layer_path}/{i}"
            obj = locate(f, ds_path, layer_path, path)
            what = f"training_state 'layer_states' of layer {name!r} [{i}]"
            if obj is None:
                raise ValueError(f"{path!r}: {what} is missing.")
            ds = plain_dataset(obj, path, ds_path)
            value = read_checked(ds, tuple(var.get_value(borrow=True).shape), path, what)
            values.append(cast_exact(value, var.dtype, path, what))
        out[name] = values
    return out
