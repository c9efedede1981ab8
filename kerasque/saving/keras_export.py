"""kerasque configs as Keras 3's: what makes a kerasque file open in Keras.

:func:`keras_model_config` writes a model's config as Keras 3 writes it
(``InputLayer`` with ``batch_shape``, ``Functional`` with its nodes,
``module`` keys, initializers and regularizers as Keras objects). A
kerasque argument is written only where its meaning differs from Keras's:

- ``Dropout(scaling='inverted')`` is Keras's ``Dropout``, so ``scaling`` is
  dropped; ``scaling='test'`` is kept, and Keras refuses it by name;
- seeds are reduced into Keras's 32-bit range (the generator states that
  resume training exactly stay in kerasque's own copy of the config);
- kerasque's ``hard_sigmoid`` (Keras 2's ``clip(0.2 x + 0.5, 0, 1)``) is not
  Keras 3's, so it is written as ``'keras2_hard_sigmoid'``, which Keras
  refuses rather than computing something else;
- layers Keras lacks (``DropConnect``, ``ZoneOut``) are written as they
  are; Keras refuses them with "Could not locate class".

kerasque's own full config stays in the file next to Keras's
(:data:`KERASQUE_MODEL_CONFIG`), so kerasque reads back exactly what it saved.
"""

from __future__ import annotations

import json

import numpy as np

from kerasque.config import floatx

KERAS_VERSION = "3.15.1"
KERASQUE_MODEL_CONFIG = "kerasque_model_config"
KERASQUE_TRAINING_CONFIG = "kerasque_training_config"
_SEED_RANGE = 2**31
_INITIALIZERS = {
    "zeros": ("Zeros", {}),
    "ones": ("Ones", {}),
    "glorot_uniform": ("GlorotUniform", {"seed": None}),
    "glorot_normal": ("GlorotNormal", {"seed": None}),
    "he_normal": ("HeNormal", {"seed": None}),
    "he_uniform": ("HeUniform", {"seed": None}),
    "orthogonal": ("Orthogonal", {"gain": 1.0, "seed": None}),
    "uniform": ("RandomUniform", {"minval": -0.05, "maxval": 0.05, "seed": None}),
    "random_normal": ("RandomNormal", {"mean": 0.0, "stddev": 0.05, "seed": None}),
}
# kerasque-only keys dropped when they hold the value that means what Keras does.
_KERAS_MEANING = {"scaling": "inverted"}
_DROPPED = ("input_dtype", "batch_input_shape", "input_length")
# kerasque's layers that Keras 3 does not have: named under kerasque's module.
KERASQUE_ONLY = ("DropConnect", "ZoneOut", "ThresholdedReLU")
# Keras 3 classes whose constructor takes no ``trainable``.
_NO_TRAINABLE = ("SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D")
# Keras 3.15's legacy loader cannot rebuild the short names of these.
_FULL_NAMES = {"mse": "mean_squared_error", "mae": "mean_absolute_error"}


def _obj(module: str, class_name: str, config: dict) -> dict:
    return {"module": module, "class_name": class_name, "config": config, "registered_name": None}


def _initializer(value):
    if isinstance(value, str) and value in _INITIALIZERS:
        cls, config = _INITIALIZERS[value]
        return _obj("keras.initializers", cls, dict(config))
    return value


def _regularizer(value):
    if isinstance(value, dict) and value.get("class_name") == "Regularizer":
        config = value.get("config", {})
        return _obj(
            "keras.regularizers",
            "L1L2",
            {"l1": float(config.get("l1", 0.0)), "l2": float(config.get("l2", 0.0))},
        )
    return value


def _constraint(value):
    if isinstance(value, dict) and value.get("class_name") == "MaxNorm":
        return _obj("keras.constraints", "MaxNorm", dict(value.get("config", {})))
    return value


def _activation(value):
    return "keras2_hard_sigmoid" if value == "hard_sigmoid" else value


def keras_layer_config(entry: dict) -> dict:
    """One kerasque ``{"class_name", "config"}`` layer entry as Keras 3 writes it."""
    cls = entry["class_name"]
    if cls in ("Sequential", "Model"):
        return _keras_model(entry)
    out = {}
    for key, value in entry["config"].items():
        if key in _DROPPED or _KERAS_MEANING.get(key, object()) == value:
            continue
        if key == "trainable" and cls in _NO_TRAINABLE and value:
            continue
        if key == "implementation" and cls == "SimpleRNN":
            continue  # Keras's SimpleRNN has one implementation and takes no argument
        if key.endswith("initializer"):
            value = _initializer(value)
        elif key.endswith("regularizer"):
            value = _regularizer(value)
        elif key.endswith("constraint"):
            value = _constraint(value)
        elif key in ("activation", "recurrent_activation"):
            value = _activation(value)
        elif key == "seed" and value is not None:
            value = int(value) % _SEED_RANGE
        elif key == "layer" and isinstance(value, dict):
            value = keras_layer_config(value)
        out[key] = value
    out.setdefault("dtype", floatx())
    return _obj("kerasque.layers" if cls in KERASQUE_ONLY else "keras.layers", cls, out)


def _input_layer(name: str, shape, dtype) -> dict:
    return _obj(
        "keras.layers",
        "InputLayer",
        {
            "batch_shape": list(shape),
            "dtype": dtype or floatx(),
            "sparse": False,
            "ragged": False,
            "name": name,
        },
    )


def _keras_sequential(config: dict) -> dict:
    layers = []
    shape = config.get("build_input_shape")
    entries = config["layers"]
    first = entries[0]["config"] if entries else {}
    dtype = config.get("input_dtype") or first.get("input_dtype")
    if shape is None:
        shape = first.get("batch_input_shape")
    if shape is not None:
        layers.append(_input_layer(f"{config['name']}_input", shape, dtype))
    layers += [keras_layer_config(entry) for entry in entries]
    out = {"name": config["name"], "trainable": True, "layers": layers}
    if shape is not None:
        out["build_input_shape"] = list(shape)
    return {"module": "keras", "class_name": "Sequential", "config": out, "registered_name": None}


def _keras_functional(config: dict) -> dict:
    layers = []
    for entry in config["layers"]:
        if entry["class_name"] == "InputLayer":
            inner = entry["config"]
            translated = _input_layer(
                inner["name"], inner["batch_input_shape"], inner.get("input_dtype")
            )
        else:
            translated = keras_layer_config(entry)
        layers.append(
            {**translated, "name": entry["name"], "inbound_nodes": entry.get("inbound_nodes", [])}
        )
    return {
        "module": "keras.src.models.functional",
        "class_name": "Functional",
        "config": {
            "name": config["name"],
            "trainable": True,
            "layers": layers,
            "input_layers": config["input_layers"],
            "output_layers": config["output_layers"],
        },
        "registered_name": "Functional",
    }


def _keras_model(entry: dict) -> dict:
    if entry["class_name"] == "Sequential":
        return _keras_sequential(entry["config"])
    return _keras_functional(entry["config"])


def keras_model_config(kerasque_config: dict) -> dict:
    """A kerasque model config (from ``serialize_layer(model)``) as Keras 3's."""
    return _keras_model(kerasque_config)


def keras_training_config(train_config: dict | None) -> dict | None:
    """kerasque's ``training_config`` as Keras's legacy loader reads it."""
    if train_config is None:
        return None
    optimizer = train_config["optimizer_config"]
    loss = train_config["loss"]
    loss = (
        [_FULL_NAMES.get(x, x) for x in loss]
        if isinstance(loss, list)
        else _FULL_NAMES.get(loss, loss)
    )
    return {
        "loss": loss,
        "loss_weights": None,
        "metrics": [_FULL_NAMES.get(m, m) for m in train_config.get("metrics") or []] or None,
        "weighted_metrics": None,
        "optimizer_config": {
            "class_name": optimizer["class_name"],
            "config": _keras3_optimizer(optimizer["config"]),
        },
    }


def _keras3_optimizer(config: dict) -> dict:
    """kerasque's (Keras 2's) optimizer arguments in Keras 3's spelling.

    kerasque's ``clipnorm`` clips all gradients together: Keras 3's
    ``global_clipnorm``. A nonzero ``decay`` (Keras 2's time decay) has no
    Keras 3 equivalent and is kept, so Keras warns that it ignores it.
    """
    out = dict(config)
    if out.get("decay") in (0, 0.0):
        out.pop("decay")
    if out.get("clipnorm") is not None:
        out["global_clipnorm"] = out.pop("clipnorm")
    if out.get("epsilon") is None:
        out.pop("epsilon", None)
    return out


def _json(value) -> str:
    def default(obj):
        if isinstance(obj, np.generic):
            return obj.item()
        raise TypeError(f"Cannot write {obj!r} in a Keras config.")

    return json.dumps(value, default=default)


def add_keras_view(f, kerasque_config: dict, train_config: dict | None) -> None:
    """Make an open kerasque HDF5 file one Keras 3 loads.

    Keras reads ``model_config``, ``training_config`` and ``keras_version``
    at the root; kerasque's own configs move to attributes Keras ignores and
    kerasque reads first.
    """
    f.attrs[KERASQUE_MODEL_CONFIG] = _json(kerasque_config)
    f.attrs["model_config"] = _json(keras_model_config(kerasque_config))
    f.attrs["keras_version"] = KERAS_VERSION
    if train_config is not None:
        f.attrs[KERASQUE_TRAINING_CONFIG] = _json(train_config)
        f.attrs["training_config"] = _json(keras_training_config(train_config))


def kerasque_attr(f, name: str) -> str:
    """The attribute kerasque reads for ``model_config`` / ``training_config``."""
    own = {"model_config": KERASQUE_MODEL_CONFIG, "training_config": KERASQUE_TRAINING_CONFIG}
    return own[name] if own[name] in f.attrs else name
