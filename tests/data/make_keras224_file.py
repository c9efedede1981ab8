r"""Write Keras 2-layout model files with h5py, as Keras 2.2.4 wrote them.

Keras 2.2.4 does not install on Python 3.11, so this script writes its
layout directly, following ``keras/engine/saving.py`` at tag 2.2.4
(https://github.com/keras-team/keras/blob/2.2.4/keras/engine/saving.py,
``_serialize_model`` and ``save_attributes_to_hdf5_group``):

- root attributes ``keras_version`` (bytes ``b'2.2.4'``), ``backend``
  (``b'theano'``), ``model_config`` and ``training_config`` (UTF-8 JSON bytes);
- ``/model_weights`` with ``layer_names``, ``backend`` and ``keras_version``;
  one group per layer with ``weight_names`` and one dataset per weight, stored
  under the weight's name (``layer_group[name] = val``), so the Theano name
  ``'gru_1/kernel'`` nests a group ``gru_1`` inside the layer's group;
- ``/optimizer_weights`` with ``weight_names``: Adam's ``self.weights =
  [self.iterations] + ms + vs + vhats`` (``keras/optimizers.py`` at 2.2.4;
  ``vhats`` are ``K.zeros(1)`` without amsgrad), named as the Theano branch of
  ``_serialize_model`` names them (``'.../variable'`` gets ``'_<i>'``).

Layer configs are those of 2.2.4's ``get_config``: the first layer carries
``batch_input_shape`` and ``dtype``, initializers are ``{'class_name',
'config'}`` without ``module`` (``glorot_uniform`` is ``VarianceScaling``),
and ``GRU`` has 2.2.4's defaults ``reset_after=False`` (bias of shape
``(3*units,)``), ``recurrent_activation='hard_sigmoid'`` and
``implementation=1``.

Files written under ``tests/data/keras2/``:

- ``keras224_gru.h5``: ``Sequential`` config as 2.2.4's ``Sequential.get_config``
  returns it (``{'name', 'layers'}``, keras/engine/sequential.py at 2.2.4);
- ``keras220_gru.h5``: the same model with the config a bare list of layers,
  as ``Sequential.get_config`` returned it up to 2.2.0 (and 2.1.x);
- ``keras224_thresholded_relu.h5``: ``Dense`` then ``ThresholdedReLU``, a
  layer Keras 3 no longer has;
- one ``.npz`` per file with the input ``x`` and the expected output ``y``.

The expected outputs come from a NumPy reference of Keras 2.2.4's
``GRUCell.call`` (keras/layers/recurrent.py at 2.2.4), ``reset_after=False``,
with :math:`\sigma` 2.2.4's ``hard_sigmoid`` :math:`\mathrm{clip}(0.2x + 0.5, 0, 1)`:

.. math::

    z_t &= \sigma(x_t W_z + b_z + h_{t-1} U_z) \\
    r_t &= \sigma(x_t W_r + b_r + h_{t-1} U_r) \\
    \tilde h_t &= \tanh(x_t W_h + b_h + (r_t \odot h_{t-1}) U_h) \\
    h_t &= z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t,\qquad h_0 = 0

(Cho et al., 2014, arXiv:1406.1078v3), then ``Dense(3, softmax)``.
``ThresholdedReLU`` is :math:`x \cdot [x > \theta]`.

Run: ``python tests/data/make_keras224_file.py`` (needs only h5py and NumPy).
"""

from __future__ import annotations

import json
import os

import h5py
import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras2")
RNG = np.random.default_rng(224)
UNITS, STEPS, FEATURES, CLASSES = 4, 5, 3, 3


def glorot_uniform_config():
    return {
        "class_name": "VarianceScaling",
        "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": None},
    }


def dense_config(name, units, activation, first_shape=None):
    config = {"name": name, "trainable": True}
    if first_shape is not None:
        config.update(batch_input_shape=first_shape, dtype="float32")
    config.update(
        {
            "units": units,
            "activation": activation,
            "use_bias": True,
            "kernel_initializer": glorot_uniform_config(),
            "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": None,
            "bias_regularizer": None,
            "activity_regularizer": None,
            "kernel_constraint": None,
            "bias_constraint": None,
        }
    )
    return {"class_name": "Dense", "config": config}


def gru_config():
    return {
        "class_name": "GRU",
        "config": {
            "name": "gru_1",
            "trainable": True,
            "batch_input_shape": [None, STEPS, FEATURES],
            "dtype": "float32",
            "return_sequences": False,
            "return_state": False,
            "go_backwards": False,
            "stateful": False,
            "unroll": False,
            "units": UNITS,
            "activation": "tanh",
            "recurrent_activation": "hard_sigmoid",
            "use_bias": True,
            "kernel_initializer": glorot_uniform_config(),
            "recurrent_initializer": {
                "class_name": "Orthogonal",
                "config": {"gain": 1.0, "seed": None},
            },
            "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": None,
            "recurrent_regularizer": None,
            "bias_regularizer": None,
            "activity_regularizer": None,
            "kernel_constraint": None,
            "recurrent_constraint": None,
            "bias_constraint": None,
            "dropout": 0.0,
            "recurrent_dropout": 0.0,
            "implementation": 1,
            "reset_after": False,
        },
    }


def training_config():
    return {
        "optimizer_config": {
            "class_name": "Adam",
            "config": {
                "lr": 0.0010000000474974513,
                "beta_1": 0.8999999761581421,
                "beta_2": 0.9990000128746033,
                "decay": 0.0,
                "epsilon": 1e-07,
                "amsgrad": False,
            },
        },
        "loss": "categorical_crossentropy",
        "metrics": ["accuracy"],
        "sample_weight_mode": None,
        "loss_weights": None,
    }


def hard_sigmoid(x):
    return np.clip(0.2 * x + 0.5, 0.0, 1.0)


def gru_reference(x, kernel, recurrent, bias):
    """Keras 2.2.4 ``GRUCell.call``, ``reset_after=False``, over every step."""
    u = UNITS
    h = np.zeros((x.shape[0], u))
    for t in range(x.shape[1]):
        xp = x[:, t] @ kernel + bias
        z = hard_sigmoid(xp[:, :u] + h @ recurrent[:, :u])
        r = hard_sigmoid(xp[:, u : 2 * u] + h @ recurrent[:, u : 2 * u])
        cand = np.tanh(xp[:, 2 * u :] + (r * h) @ recurrent[:, 2 * u :])
        h = z * h + (1 - z) * cand
    return h


def softmax(a):
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def put_list(obj, name, items):
    """``save_attributes_to_hdf5_group``: a list of byte strings (one chunk here)."""
    obj.attrs[name] = np.asarray([s.encode("utf8") for s in items])


def write_file(path, model_config, layers, optimizer_weights):
    """``_serialize_model`` of 2.2.4 with the Theano backend."""
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"2.2.4"
        f.attrs["backend"] = b"theano"
        f.attrs["model_config"] = json.dumps(model_config).encode("utf-8")
        group = f.create_group("model_weights")
        put_list(group, "layer_names", [name for name, _ in layers])
        group.attrs["backend"] = b"theano"
        group.attrs["keras_version"] = b"2.2.4"
        for name, weights in layers:
            sub = group.create_group(name)
            put_list(sub, "weight_names", [w for w, _ in weights])
            for w, value in weights:
                sub[w] = value
        f.attrs["training_config"] = json.dumps(training_config()).encode("utf8")
        opt = f.create_group("optimizer_weights")
        put_list(opt, "weight_names", [w for w, _ in optimizer_weights])
        for w, value in optimizer_weights:
            opt[w] = value


def adam_state(params):
    """``[iterations] + ms + vs + vhats`` with Theano's names, after 3 updates."""
    state = [("Adam/iterations", np.asarray(3, dtype="int64"))]
    ms = [RNG.normal(scale=0.01, size=p.shape).astype("float32") for p in params]
    vs = [np.abs(RNG.normal(scale=0.001, size=p.shape)).astype("float32") for p in params]
    vhats = [np.zeros((1,), dtype="float32") for _ in params]
    for i, value in enumerate(ms + vs + vhats, start=1):
        state.append((f"training/Adam/variable_{i}", value))
    return state


def gru_files():
    kernel = RNG.normal(scale=0.5, size=(FEATURES, 3 * UNITS)).astype("float32")
    recurrent = RNG.normal(scale=0.5, size=(UNITS, 3 * UNITS)).astype("float32")
    bias = RNG.normal(scale=0.5, size=(3 * UNITS,)).astype("float32")
    dense_k = RNG.normal(scale=0.5, size=(UNITS, CLASSES)).astype("float32")
    dense_b = RNG.normal(scale=0.5, size=(CLASSES,)).astype("float32")
    x = RNG.normal(size=(4, STEPS, FEATURES)).astype("float32")
    h = gru_reference(x.astype("float64"), kernel, recurrent, bias)
    y = softmax(h @ dense_k + dense_b).astype("float32")
    layer_configs = [gru_config(), dense_config("dense_1", CLASSES, "softmax")]
    layers = [
        (
            "gru_1",
            [("gru_1/kernel", kernel), ("gru_1/recurrent_kernel", recurrent), ("gru_1/bias", bias)],
        ),
        ("dense_1", [("dense_1/kernel", dense_k), ("dense_1/bias", dense_b)]),
    ]
    state = adam_state([kernel, recurrent, bias, dense_k, dense_b])
    configs = {
        "keras224_gru": {
            "class_name": "Sequential",
            "config": {"name": "sequential_1", "layers": layer_configs},
        },
        "keras220_gru": {"class_name": "Sequential", "config": layer_configs},
    }
    for name, config in configs.items():
        write_file(os.path.join(OUT, name + ".h5"), config, layers, state)
        np.savez(os.path.join(OUT, name + ".npz"), x=x, y=y)


def thresholded_relu_file():
    theta = 0.3
    kernel = RNG.normal(scale=0.5, size=(6, 4)).astype("float32")
    bias = RNG.normal(scale=0.5, size=(4,)).astype("float32")
    x = RNG.normal(size=(4, 6)).astype("float32")
    a = x.astype("float64") @ kernel + bias
    y = (a * (a > theta)).astype("float32")
    config = {
        "class_name": "Sequential",
        "config": {
            "name": "sequential_2",
            "layers": [
                dense_config("dense_2", 4, "linear", first_shape=[None, 6]),
                {
                    "class_name": "ThresholdedReLU",
                    "config": {"name": "thresholded_re_lu_1", "trainable": True, "theta": theta},
                },
            ],
        },
    }
    layers = [
        ("dense_2", [("dense_2/kernel", kernel), ("dense_2/bias", bias)]),
        ("thresholded_re_lu_1", []),
    ]
    write_file(
        os.path.join(OUT, "keras224_thresholded_relu.h5"),
        config,
        layers,
        adam_state([kernel, bias]),
    )
    np.savez(os.path.join(OUT, "keras224_thresholded_relu.npz"), x=x, y=y)


def main():
    os.makedirs(OUT, exist_ok=True)
    gru_files()
    thresholded_relu_file()
    print("wrote", sorted(os.listdir(OUT)))


if __name__ == "__main__":
    main()
