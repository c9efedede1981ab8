"""Keras configs to kerasque's: read what Keras 2, tf.keras 2 and Keras 3 saved.

A Keras layer config is translated key by key into the config of the
kerasque class of the same name, then built by the registry as any kerasque
config is (no code from the file runs). Each key is, in order:

1. translated when Keras spells it differently (``batch_shape`` and
   ``batch_input_shape``, ``DTypePolicy`` dicts, initializer, regularizer and
   constraint configs with or without ``module``, ``negative_slope`` and
   ``alpha``);
2. kept when the kerasque class takes it;
3. dropped when it does not change what the layer computes
   (:data:`HARMLESS`: ``implementation``, ``unroll``, ``module``,
   ``build_config``, ...) or holds Keras's neutral value (:data:`NEUTRAL`:
   ``stateful=False``, ``activity_regularizer=None``, ...);
4. otherwise refused with a ``ValueError`` naming the layer, the key and the
   value. Nothing that changes the computation is dropped silently.

Keras 3's ``hard_sigmoid`` is ``relu6(x + 3) / 6``; kerasque's is Keras 2's
``clip(0.2 x + 0.5, 0, 1)``. A file's ``keras_version`` says which one it
means, and Keras 3's is refused.
"""

from __future__ import annotations

from kerasque.config import floatx
from kerasque.engine import registry

# Keys that never change what a layer computes.
HARMLESS = frozenset(
    {
        "module",
        "registered_name",
        "build_config",
        "compile_config",
        "shared_object_id",
        "implementation",
        "unroll",
        "synchronized",
        "fused",
        "use_cudnn",
        "trainable",
    }
)

# Keras's neutral value of keys kerasque's classes may lack.
NEUTRAL = {
    "activity_regularizer": None,
    "bias_regularizer": None,
    "kernel_constraint": None,
    "recurrent_constraint": None,
    "bias_constraint": None,
    "embeddings_regularizer": None,
    "embeddings_constraint": None,
    "beta_constraint": None,
    "gamma_constraint": None,
    "kernel_regularizer": None,
    "recurrent_regularizer": None,
    "beta_regularizer": None,
    "gamma_regularizer": None,
    "depthwise_constraint": None,
    "stateful": False,
    "time_major": False,
    "sparse": False,
    "ragged": False,
    "optional": False,
    "renorm": False,
    "renorm_clipping": None,
    "virtual_batch_size": None,
    "adjustment": None,
    "quantization_config": None,
    "lora_rank": None,
    "lora_alpha": None,
    "data_format": "channels_last",
    "input_length": None,
    "noise_shape": None,
    "seed": None,
    "zero_output_for_mask": False,
    "scale_factor": None,
}

# Spellings of one argument across Keras versions (and kerasque).
SYNONYMS = {"negative_slope": "alpha", "alpha": "negative_slope"}

_INITIALIZERS = {
    "zeros": "zeros",
    "ones": "ones",
    "glorotuniform": "glorot_uniform",
    "glorotnormal": "glorot_normal",
    "henormal": "he_normal",
    "heuniform": "he_uniform",
    "orthogonal": "orthogonal",
    "randomuniform": "uniform",
    "randomnormal": "random_normal",
}
_VARIANCE_SCALING = {
    (1.0, "fan_avg", "uniform"): "glorot_uniform",
    (1.0, "fan_avg", "normal"): "glorot_normal",
    (2.0, "fan_in", "uniform"): "he_uniform",
    (2.0, "fan_in", "normal"): "he_normal",
}
_MODELS = ("Sequential", "Model", "Functional")


_STATE = {"masked": True}


def _has_mask(config) -> bool:
    """Whether any layer of a config makes a mask (``Masking``, ``mask_zero=True``)."""
    if isinstance(config, dict):
        if config.get("class_name") == "Masking" or config.get("mask_zero") is True:
            return True
        return any(_has_mask(v) for v in config.values())
    if isinstance(config, list):
        return any(_has_mask(v) for v in config)
    return False


def keras_major(version) -> int:
    """The major version of a ``keras_version`` string ('2.2.4', '3.15.1', '2.13.1-tf')."""
    text = str(version or "")
    head = text.split(".", 1)[0]
    if not head.isdigit():
        raise ValueError(f"Cannot read the Keras version {text!r} of the file.")
    return int(head)


class Refused(ValueError):
    """A Keras setting kerasque cannot honour."""


def refuse(layer: str, cls: str, key: str, value, why: str = "") -> Refused:
    return Refused(
        f"Layer {layer!r} ({cls}): the Keras setting {key}={value!r} changes what the layer "
        f"computes and kerasque's {cls} cannot honour it{': ' + why if why else ''}. "
        "Change it in Keras and save again, or build the model in kerasque and load only "
        "the weights."
    )


# -- values -----------------------------------------------------------------
def _unwrap(value):
    """``(class_name, config)`` of a Keras object config, with or without ``module``."""
    if isinstance(value, dict) and "class_name" in value:
        return str(value["class_name"]), dict(value.get("config") or {})
    return None, None


def dtype_name(value):
    """The dtype name of a string or a ``DTypePolicy`` / ``Policy`` dict."""
    if isinstance(value, dict):
        _, config = _unwrap(value)
        return (config or {}).get("name")
    return value


def _initializer(value):
    """A kerasque initializer name, or None to keep the layer's default.

    Initializers only draw the starting weights, which the file's weights
    replace, so one kerasque lacks falls back to the layer's default.
    """
    if isinstance(value, str):
        key = value.replace("_", "").lower()
        return _INITIALIZERS.get(key)
    cls, config = _unwrap(value)
    if cls is None:
        return None
    if cls == "VarianceScaling":
        key = (
            float(config.get("scale", 1.0)),
            config.get("mode"),
            str(config.get("distribution", "")).replace("truncated_", ""),
        )
        return _VARIANCE_SCALING.get(key)
    if cls == "Orthogonal" and float(config.get("gain", 1.0)) != 1.0:
        return None
    if cls == "RandomUniform" and (config.get("minval"), config.get("maxval")) != (-0.05, 0.05):
        return None
    if cls == "RandomNormal" and (config.get("mean"), config.get("stddev")) != (0.0, 0.05):
        return None
    return _INITIALIZERS.get(cls.replace("_", "").lower())


def _regularizer(layer, cls, key, value):
    if value is None:
        return None
    name, config = _unwrap(value)
    if name in ("L1L2", "L1", "L2", "Regularizer"):
        l1 = float(config.get("l1", 0.0) or 0.0)
        l2 = float(config.get("l2", 0.0) or 0.0)
        return {"class_name": "Regularizer", "config": {"l1": l1, "l2": l2}}
    raise refuse(layer, cls, key, value, "kerasque has the L1, L2 and L1L2 penalties only")


def _constraint(layer, cls, key, value):
    if value is None:
        return None
    name, config = _unwrap(value)
    if name == "MaxNorm":
        return {
            "class_name": "MaxNorm",
            "config": {
                "max_value": float(config.get("max_value", 2.0)),
                "axis": config.get("axis", 0),
            },
        }
    raise refuse(layer, cls, key, value, "kerasque has the MaxNorm constraint only")


def _activation(layer, cls, key, value, major):
    from kerasque import activations

    name = value
    if isinstance(value, dict):
        kind, config = _unwrap(value)
        name = config.get("name", kind) if config else kind
    if name is None:
        return "linear"
    if name == "hard_sigmoid" and major >= 3:
        raise refuse(
            layer,
            cls,
            key,
            value,
            "Keras 3's hard_sigmoid is relu6(x + 3) / 6, kerasque's is Keras 2's "
            "clip(0.2 x + 0.5, 0, 1)",
        )
    if name not in activations.ACTIVATIONS:
        raise refuse(
            layer, cls, key, value, f"kerasque's activations are {sorted(activations.ACTIVATIONS)}"
        )
    return name


# -- layers -----------------------------------------------------------------
def _accepted(kerasque_cls) -> set:
    from kerasque.engine.base_layer import _BASE_KWARGS, _init_params

    accepted = set(_init_params(kerasque_cls)) | set(_BASE_KWARGS)
    cell = getattr(kerasque_cls, "cell_class", None)
    if isinstance(cell, type):
        # GRU, LSTM, SimpleRNN take their cell's arguments and the loop's in one list.
        import sys

        loop = getattr(sys.modules[kerasque_cls.__module__], "_LOOP_ARGS", ())
        accepted |= set(_init_params(cell)) | set(loop)
    return accepted


def _input_layer(config: dict, layer: str, major: int) -> dict:
    out = {"name": layer}
    shape = config.pop("batch_shape", None)
    if shape is None:
        shape = config.pop("batch_input_shape", None)
    if shape is None:
        raise ValueError(f"InputLayer {layer!r}: the Keras config has no batch_shape.")
    out["batch_input_shape"] = list(shape)
    dtype = dtype_name(config.pop("dtype", None))
    if dtype is not None:
        out["input_dtype"] = dtype
    config.pop("name", None)
    _drop_rest("InputLayer", layer, config, {"batch_input_shape"})
    return out


def _harmless(key: str, value, config: dict) -> bool:
    """Whether dropping ``key=value`` leaves what the layer computes unchanged."""
    if key in HARMLESS or (key in NEUTRAL and value == NEUTRAL[key]):
        return True
    if key == "renorm_momentum":
        return not config.get("renorm")
    if key == "zero_output_for_mask":
        # Only masked steps of returned sequences differ.
        return not config.get("return_sequences") or not _STATE["masked"]
    return False


def _drop_rest(cls: str, layer: str, config: dict, accepted: set) -> dict:
    """Keep accepted keys; drop harmless and neutral ones; refuse the rest."""
    kept = {}
    for key, value in config.items():
        if key in accepted:
            kept[key] = value
        elif _harmless(key, value, config):
            continue
        else:
            raise refuse(layer, cls, key, value)
    return kept


def _native(kind: str, value) -> bool:
    """Whether kerasque's ``initializers``/``regularizers``/``constraints`` read ``value`` as is."""
    import importlib

    if not isinstance(value, dict):
        return False
    module = importlib.import_module(f"kerasque.{kind}")
    try:
        module.deserialize(value)
    except (TypeError, ValueError, KeyError):
        return False
    return True


def _translate_values(cls, layer, config: dict, major: int) -> dict:
    out = {}
    for key, value in config.items():
        kind = next(
            (k for k in ("initializer", "regularizer", "constraint") if key.endswith(k)), None
        )
        if kind is not None and _native(kind + "s", value):
            out[key] = value
        elif key.endswith("initializer"):
            name = _initializer(value)
            if name is not None:
                out[key] = name
        elif key.endswith("regularizer"):
            out[key] = _regularizer(layer, cls, key, value)
        elif key.endswith("constraint"):
            out[key] = _constraint(layer, cls, key, value)
        elif key in ("activation", "recurrent_activation"):
            out[key] = _activation(layer, cls, key, value, major)
        else:
            out[key] = value
    return out


def translate_layer(entry: dict, major: int, custom_objects=None) -> dict:
    """A Keras ``{"class_name", "config"}`` layer entry as a kerasque one."""
    cls, config = _unwrap(entry)
    if cls is None or not isinstance(entry.get("config"), (dict, list)):
        raise ValueError(
            f"A Keras layer entry needs 'class_name' and 'config', received {entry!r}."
        )
    if cls in _MODELS:
        return translate_model(entry, major, custom_objects)
    layer = str(config.get("name", cls))
    if cls == "InputLayer":
        return {"class_name": "InputLayer", "config": _input_layer(config, layer, major)}
    target = (custom_objects or {}).get(cls) or registry.get(cls)
    if target is None:
        from kerasque.saving.serialization import unknown_class_error

        raise unknown_class_error("layer", cls, sorted(registry.classes()))
    if (custom_objects or {}).get(cls) is not None:
        return {"class_name": cls, "config": config}  # the user's own class
    accepted = _accepted(target)
    dtype = dtype_name(config.pop("dtype", None))
    if dtype is not None and dtype != floatx():
        raise refuse(layer, cls, "dtype", dtype, f"kerasque computes in floatx() = {floatx()!r}")
    shape = config.pop("batch_shape", None) or config.pop("batch_input_shape", None)
    for key in ("layer", "forward_layer", "backward_layer"):  # wrappers, Bidirectional
        if isinstance(config.get(key), dict):
            config[key] = translate_layer(config[key], major, custom_objects)
    for key in list(config):
        if key not in accepted and SYNONYMS.get(key) in accepted:
            config[SYNONYMS[key]] = config.pop(key)
    kept = _drop_rest(cls, layer, config, accepted)
    kept = _translate_values(cls, layer, kept, major)
    if "seed" in kept and kept["seed"] is not None:
        kept["seed"] = int(kept["seed"])
    if cls == "BatchNormalization" and isinstance(kept.get("axis"), list):
        if len(kept["axis"]) != 1:
            raise refuse(layer, cls, "axis", kept["axis"], "kerasque normalizes one axis")
        kept["axis"] = kept["axis"][0]
    if shape is not None:
        kept["batch_input_shape"] = list(shape)
    kept["name"] = layer
    if "trainable" in config:
        kept["trainable"] = bool(config["trainable"])
    return {"class_name": cls, "config": kept}


# -- models -----------------------------------------------------------------
def translate_model(entry: dict, major: int, custom_objects=None) -> dict:
    """A Keras ``Sequential`` or functional model config as kerasque's."""
    cls = entry.get("class_name")
    config = entry.get("config")
    if cls == "Sequential":
        return {"class_name": "Sequential", "config": _sequential(config, major, custom_objects)}
    return {"class_name": "Model", "config": _functional(config, major, custom_objects)}


def _sequential(config, major, custom_objects) -> dict:
    if isinstance(config, list):  # Keras up to 2.2.0: a bare list of layers
        config = {"layers": config}
    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        raise ValueError(f"A Keras Sequential config needs a list of layers, received {config!r}.")  # noqa: TRY004
    layers = list(config["layers"])
    out = {"name": config.get("name") or "sequential", "layers": []}
    if layers and layers[0].get("class_name") == "InputLayer":
        first = translate_layer(layers.pop(0), major, custom_objects)["config"]
        out["build_input_shape"] = first["batch_input_shape"]
        if "input_dtype" in first:
            out["input_dtype"] = first["input_dtype"]
    elif config.get("build_input_shape") is not None:
        out["build_input_shape"] = list(config["build_input_shape"])
    out["layers"] = [translate_layer(entry, major, custom_objects) for entry in layers]
    if layers and "build_input_shape" not in out:
        first = out["layers"][0]["config"]
        shape = (layers[0].get("build_config") or {}).get("input_shape")
        if "batch_input_shape" not in first and shape is not None:
            out["build_input_shape"] = list(shape)
    return out


def _keras3_refs(args) -> list:
    """``[[layer, node, index, {}], ...]`` from Keras 3's ``__keras_tensor__`` args."""
    refs = []

    def walk(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            name, node, index = value["config"]["keras_history"]
            refs.append([name, node, index, {}])
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(args)
    return refs


def _inbound(nodes) -> list:
    out = []
    for node in nodes or []:
        if isinstance(node, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
            refs = _keras3_refs(node.get("args", []))
            kwargs = {
                k: v for k, v in (node.get("kwargs") or {}).items() if k not in ("training", "mask")
            }
            if kwargs and refs:
                refs[0][3] = kwargs
            out.append(refs)
        else:  # Keras 2: [[name, node, index, kwargs], ...]
            refs = []
            for ref in node:
                kwargs = ref[3] if len(ref) > 3 else {}
                kwargs = {k: v for k, v in (kwargs or {}).items() if k not in ("training", "mask")}
                refs.append([ref[0], ref[1], ref[2], kwargs])
            out.append(refs)
    return out


def _endpoints(value) -> list:
    """``input_layers`` / ``output_layers``: one ``[name, node, index]`` or a list of them."""
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
        return [list(value)]
    return [list(v) for v in value or []]


def _functional(config, major, custom_objects) -> dict:
    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        raise ValueError("A Keras functional model config needs a list of 'layers'.")  # noqa: TRY004
    layers = []
    for entry in config["layers"]:
        translated = translate_layer(entry, major, custom_objects)
        name = entry.get("name") or translated["config"].get("name")
        layers.append(
            {**translated, "name": name, "inbound_nodes": _inbound(entry.get("inbound_nodes"))}
        )
    return {
        "name": config.get("name") or "model",
        "layers": layers,
        "input_layers": _endpoints(config.get("input_layers")),
        "output_layers": _endpoints(config.get("output_layers")),
    }


def translate(model_config: dict, keras_version, custom_objects=None) -> dict:
    """A Keras file's ``model_config`` as a kerasque model config.

    Raises
    ------
    ValueError
        For a Keras 1 file, a malformed config, or a setting kerasque cannot
        honour (naming the layer, the key and the value).
    """
    major = keras_major(keras_version)
    _STATE["masked"] = _has_mask(model_config)
    if major < 2:
        raise ValueError(
            f"The file was written by Keras {keras_version}; kerasque reads files of Keras 2 "
            "and later. Load it in Keras 2 and save it again."
        )
    if not isinstance(model_config, dict) or model_config.get("class_name") not in _MODELS:
        raise ValueError(
            "The Keras model_config must be a Sequential or functional model, received "
            f"class {(model_config or {}).get('class_name')!r}."
        )
    return translate_model(model_config, major, custom_objects)
