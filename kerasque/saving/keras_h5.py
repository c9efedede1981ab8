"""Load Keras's HDF5 files: full models and weights-only files of Keras 2, tf.keras 2 and Keras 3.

A Keras file is one with a ``keras_version`` attribute and no
``kerasque_version``. Its ``model_config`` is translated by
:mod:`kerasque.saving.keras_format`; its weights are matched to the rebuilt
model's layers by name (full models) or in order (weights-only files, as
Keras's ``load_weights`` does). Datasets are found and read through
:mod:`kerasque.saving.h5_guard` (links refused, shapes checked before data),
and nothing is assigned until every weight is read.

Keras's optimizer state is restored when the saved optimizer does what
kerasque's of the same name does (:func:`optimizer_state`); otherwise the
model is compiled with a fresh kerasque optimizer and a warning says why.
"""

from __future__ import annotations

import os
import warnings

import numpy as np

from kerasque.saving import hdf5, keras_format
from kerasque.saving.h5_attrs import read_json_attr, read_text_attr
from kerasque.saving.h5_file import open_h5
from kerasque.saving.h5_guard import locate, read_checked
from kerasque.saving.state import index_optimizer, read_optimizer
from kerasque.saving.weights import assign_weights, index_weights, plan_weights, read_plan


def is_keras_file(f) -> bool:
    """True for an open HDF5 file written by Keras rather than kerasque."""
    return "keras_version" in f.attrs and "kerasque_version" not in f.attrs


# -- full models -------------------------------------------------------------
def load_model(filepath, custom_objects=None, compile=True):
    """Rebuild a model from a Keras ``.h5`` file (see the module docstring).

    The model is built from the config first, so every weight's declared
    shape is checked against it before any data is read; nothing is set
    until everything is read.
    """
    path = os.fspath(filepath)
    with open_h5(path) as f:
        version = read_text_attr(f, "keras_version", path)
        config = read_json_attr(f, "model_config", path)
        if config is None:
            raise ValueError(
                f"{path!r} holds Keras weights only (no 'model_config'): build the model and "
                "call model.load_weights(path)."
            )
        train_config = read_json_attr(f, "training_config", path)
    translated = keras_format.translate(config, version, custom_objects)
    model = hdf5.build_model(translated, path, custom_objects)
    with open_h5(path) as f:
        if locate(f, "/model_weights", "/model_weights", path) is None:
            raise ValueError(f"{path!r} has a model_config but no 'model_weights' group.")
        saved = index_weights(f, "/model_weights", path)
        _check_covered(model, saved, path)
        weights = read_plan(plan_weights(model, saved, path, by_name=True), path)
        optimizer = []
        if compile and train_config:
            state = index_optimizer(f, path)
            optimizer = compile_like_keras(
                model, train_config, state, [n for n, _ in saved], version, path
            )
    assign_weights(weights)
    assign_weights(optimizer)
    return model


def _check_covered(model, saved, path: str) -> None:
    """Every layer with weights must be in the file."""
    have = {name for name, datasets in saved if datasets}
    missing = [layer.name for layer in model.layers if layer.weights and layer.name not in have]
    if missing:
        raise ValueError(
            f"{path!r} holds no weights for layers {missing} of the model it describes."
        )


# -- weights-only files -----------------------------------------------------
def load_weights(model, filepath, by_name: bool = False, skip_mismatch: bool = False) -> None:
    """Set ``model``'s weights from a Keras HDF5 weights file or full model file.

    Parameters
    ----------
    by_name : bool
        Match layers by name; by default layers with weights are matched in
        order, as Keras does.
    skip_mismatch : bool
        With ``by_name=True``, skip (with a warning) layers whose weight count
        or shapes differ from the file's, as Keras does.
    """
    path = os.fspath(filepath)
    if skip_mismatch and not by_name:
        raise ValueError("skip_mismatch=True needs by_name=True (as in Keras).")
    model.require_graph()
    with open_h5(path) as f:
        root = "/model_weights" if locate(f, "/model_weights", "/model_weights", path) else "/"
        saved = index_weights(f, root, path)
        plan = plan_weights(model, saved, path, by_name=by_name, skip_mismatch=skip_mismatch)
        pairs = read_plan(plan, path)
    assign_weights(pairs)


# -- compile settings and optimizer state ----------------------------------
_LOSS_CLASSES = {
    "MeanSquaredError": "mean_squared_error",
    "MeanAbsoluteError": "mean_absolute_error",
    "CategoricalCrossentropy": "categorical_crossentropy",
    "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
    "BinaryCrossentropy": "binary_crossentropy",
}
_OPTIMIZERS = {
    "Adam": "adam",
    "SGD": "sgd",
    "RMSprop": "rmsprop",
    "Adagrad": "adagrad",
    "Adadelta": "adadelta",
    "Adamax": "adamax",
    "Nadam": "nadam",
}
# Whose saved state :func:`optimizer_state` maps onto kerasque's slots.
_STATE_MAPPED = ("Adam", "SGD", "RMSprop", "Adagrad")
# Keras 3 keys whose neutral values leave the update rule as kerasque's.
_OPT_NEUTRAL = {
    "weight_decay": (None, 0, 0.0),
    "use_ema": (False,),
    "loss_scale_factor": (None,),
    "gradient_accumulation_steps": (None, 1),
    "centered": (False,),
}
_OPT_IGNORED = (
    "name",
    "ema_momentum",
    "ema_overwrite_frequency",
    "jit_compile",
    "is_legacy_optimizer",
)


class _Mismatch(Exception):
    """Keras's optimizer does not do what kerasque's does."""


def _loss(value):
    if isinstance(value, str):
        return value
    cls, config = keras_format._unwrap(value)
    name = _LOSS_CLASSES.get(cls or "")
    if name is None or config.get("from_logits") or config.get("label_smoothing"):
        raise _Mismatch(f"loss {value!r} has no kerasque equivalent")
    return name


def _metrics(values) -> list:
    from kerasque import metrics

    known = {**metrics.METRICS, "accuracy": None, "acc": None}
    flat = []
    for item in values or []:
        flat += item if isinstance(item, list) else [item]
    kept = [m for m in flat if isinstance(m, str) and m in known]
    dropped = [m for m in flat if m not in kept]
    if dropped:
        warnings.warn(
            f"Keras metrics {dropped} have no kerasque equivalent; not compiled.", stacklevel=4
        )
    return list(dict.fromkeys(kept))


def optimizer_from_keras(config: dict, major: int):
    """``(kerasque optimizer, reason its state cannot carry over or None)``."""
    from kerasque import optimizers

    cls, inner = keras_format._unwrap(config)
    cls = {name.lower(): name for name in _OPTIMIZERS}.get(str(cls).lower(), cls)
    if cls not in _OPTIMIZERS:
        raise _Mismatch(f"kerasque has no optimizer {cls!r}")
    inner = dict(inner)
    if "lr" in inner:
        inner["learning_rate"] = inner.pop("lr")
    if isinstance(inner.get("learning_rate"), dict):
        raise _Mismatch(f"its learning-rate schedule {inner['learning_rate']!r} is not kerasque's")
    if inner.get("epsilon") is None:
        inner.pop("epsilon", None)
    reasons = []
    for key, neutral in _OPT_NEUTRAL.items():
        if key in inner and inner.pop(key) not in neutral:
            reasons.append(f"{key} is not {neutral[0]!r}")
    for key in _OPT_IGNORED:
        inner.pop(key, None)
    if cls in ("RMSprop", "Adagrad") and major >= 3:
        reasons.append(f"Keras 3's {cls} adds epsilon inside the square root")
        if cls == "Adagrad":
            inner.pop("initial_accumulator_value", None)
        if cls == "RMSprop" and inner.pop("momentum", 0) not in (0, 0.0, None):
            reasons.append("RMSprop momentum")
    if major >= 3 and inner.get("clipnorm") is not None:
        # Keras 3 clips each gradient by its own norm; kerasque (as Keras 2) all together.
        reasons.append("Keras 3's clipnorm clips each gradient alone, kerasque's all together")
    for key in ("clipnorm", "clipvalue", "global_clipnorm"):
        if inner.get(key) is None:
            inner.pop(key, None)
    if major >= 3 and "global_clipnorm" in inner:
        inner["clipnorm"] = inner.pop("global_clipnorm")
    if inner.get("amsgrad"):
        reasons.append("Keras's amsgrad state is not mapped onto kerasque's")
    if cls not in _STATE_MAPPED:
        reasons.append(f"Keras's {cls} state is not mapped onto kerasque's")
    try:
        optimizer = optimizers.OPTIMIZERS[_OPTIMIZERS[cls]](**inner)
    except (TypeError, ValueError) as err:
        raise _Mismatch(f"kerasque's {cls} does not take {inner}: {err}") from None
    return optimizer, "; ".join(reasons) or None


def compile_like_keras(model, train_config, state, layer_order, version, path) -> list:
    """Compile with Keras's loss, metrics and optimizer.

    ``state`` is Keras's optimizer state as ``[(name, dataset), ...]`` (not
    read yet). Returns the ``(variable, array)`` pairs that restore it, read
    and checked, for the caller to assign with the weights; ``[]`` when the
    state does not carry over (with a warning saying why).
    """
    major = keras_format.keras_major(version)
    missing = False
    try:
        if train_config.get("loss_weights") not in (None, [], {}):
            raise _Mismatch("kerasque has no loss_weights")
        loss = train_config.get("loss")
        loss = [_loss(item) for item in loss] if isinstance(loss, list) else _loss(loss)
        if isinstance(loss, dict):
            raise _Mismatch("losses given per output name")
        opt_config = train_config.get("optimizer_config") or train_config.get("optimizer")
        if opt_config is None:
            # Keras compiles with its default then, and drops the saved state.
            opt_config, missing = {"class_name": "RMSprop", "config": {}}, True
        if isinstance(opt_config, str):
            opt_config = {"class_name": opt_config, "config": {}}
        optimizer, reason = optimizer_from_keras(opt_config, major)
    except (_Mismatch, TypeError, ValueError) as err:
        warnings.warn(
            f"{path!r}: the model is loaded uncompiled because Keras's training settings "
            f"cannot be reproduced ({err}); call model.compile(...) before training.",
            stacklevel=3,
        )
        return []
    metrics = _metrics(train_config.get("metrics"))
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
    if not state:
        return []
    try:
        if missing:
            raise _Mismatch(
                "the file's compile settings name no optimizer; Keras then uses "
                "its default RMSprop, and so does kerasque"
            )
        if reason:
            raise _Mismatch(reason)
        lr, named = optimizer_state(model, [ds for _, ds in state], layer_order, major, path)
    except _Mismatch as err:
        warnings.warn(
            f"{path!r}: Keras's optimizer state is not loaded ({err}); the model is compiled "
            f"with a fresh kerasque {type(optimizer).__name__} and training restarts its "
            "moments.",
            stacklevel=3,
        )
        return []
    pairs = read_optimizer(model, named, path)
    if lr is not None:
        model.optimizer.learning_rate = lr
    return pairs


def _keras_order(model, layer_order) -> list:
    """Indices into ``model.trainable_weights`` in the order Keras kept its variables."""
    own = model.trainable_weights
    index = {id(v): i for i, v in enumerate(own)}
    layers = {layer.name: layer for layer in model.layers}
    order = []
    for name in layer_order:
        layer = layers.get(name)
        if layer is not None:
            order += [index[id(v)] for v in layer.trainable_weights if id(v) in index]
    if sorted(order) != list(range(len(own))):
        raise _Mismatch("the file's layers do not cover the model's trainable weights")
    return order


def optimizer_state(model, state: list, layer_order, major: int, path: str):
    """``(learning rate or None, [(name, dataset), ...])`` in kerasque's order.

    ``state`` holds Keras's datasets in Keras's order; only the scalar
    learning rate is read here, the rest by :func:`read_optimizer`.
    """
    optimizer = model.optimizer
    n = len(model.trainable_weights)
    kind = type(optimizer).__name__
    per_var = {"Adam": 2, "RMSprop": 1, "Adagrad": 1}.get(kind)
    if kind == "SGD":
        per_var = 1 if optimizer.momentum else 0
    lr, iterations = None, np.asarray(0, dtype="int64")
    values = list(state)
    if major >= 3:
        if len(values) != 2 + per_var * n:
            raise _Mismatch(
                f"it holds {len(values)} arrays, {kind} on {n} weights needs {2 + per_var * n}"
            )
        if tuple(values[1].shape) != ():
            raise _Mismatch(f"its learning rate has shape {tuple(values[1].shape)}")
        iterations, lr = values[0], float(read_checked(values[1], (), path, "learning rate"))
        slots = [values[2 + k :: per_var] for k in range(per_var)] if per_var else []
    else:
        if kind == "Adam":
            if len(values) != 1 + 3 * n:
                raise _Mismatch(f"it holds {len(values)} arrays, Keras 2's Adam needs {1 + 3 * n}")
            iterations, slots = values[0], [values[1 : 1 + n], values[1 + n : 1 + 2 * n]]
        elif kind == "SGD":
            if len(values) != 1 + n:
                raise _Mismatch(f"it holds {len(values)} arrays, Keras 2's SGD needs {1 + n}")
            iterations, slots = values[0], ([values[1:]] if per_var else [])
        else:
            if len(values) != n:
                raise _Mismatch(f"it holds {len(values)} arrays, Keras 2's {kind} needs {n}")
            slots = [values]
    order = _keras_order(model, layer_order)
    if tuple(iterations.shape) != ():
        raise _Mismatch(f"its iteration count has shape {tuple(iterations.shape)}")
    named = [("iterations", iterations)]
    for k, slot in enumerate(slots):
        mine = [None] * n
        for keras_index, value in zip(order, slot):
            mine[keras_index] = value
        named += [(f"slot{k}_{i}", v) for i, v in enumerate(mine)]
    return lr, named
