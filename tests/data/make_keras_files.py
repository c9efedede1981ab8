"""Write the golden Keras files that tests/test_keras_files.py loads.

Run with Keras 3 installed (3.15.1 wrote the committed files)::

    KERAS_BACKEND=jax python tests/data/make_keras_files.py

For every model in :data:`MODELS` this writes, under ``tests/data/keras/``:

- ``<name>.h5``: ``model.save`` in Keras's legacy HDF5 format;
- ``<name>.keras``: ``model.save`` in Keras 3's native zip format;
- ``<name>.npz``: the input ``x`` (``x0``, ``x1``, ... for several inputs)
  and Keras's predictions ``y`` for it.

The models in :data:`WEIGHTS_ONLY` also get ``<name>.weights.h5``
(``model.save_weights``, Keras 3's layout) and ``<name>.legacy_weights.h5``
(Keras 2's weights-only layout, which Keras 3 still writes through
``legacy_h5_format.save_weights_to_hdf5_group``; its ``save_weights`` refuses
a name not ending in ``.weights.h5``).

Weights are set to random values (biases and batch statistics included), so a
loader that drops or reorders one is caught. Each model is compiled with Adam
and trained for one step, so the files carry optimizer state.
Stochastic layers are the identity at inference, so the predictions are
deterministic. Models are tiny: the whole folder stays well under 3 MB.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")

import h5py
import keras
import numpy as np
from keras import layers as L
from keras.src.legacy.saving import legacy_h5_format

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras")
RNG = np.random.default_rng(20261201)


def seq(shape, *stack, dtype="float32"):
    return keras.Sequential([keras.Input(shape, dtype=dtype), *stack])


def two_input():
    """Functional: a sequence through a GRU and a vector through Dense, merged."""
    a = keras.Input((5, 3), name="sequence")
    b = keras.Input((4,), name="vector")
    h = L.GRU(4, name="encoder")(a)
    v = L.Dense(4, activation="tanh", name="project")(b)
    s = L.Add(name="sum")([h, v])
    c = L.Concatenate(name="join")([s, v])
    out = L.Dense(2, activation="softmax", name="head")(c)
    return keras.Model([a, b], out, name="two_input")


def merge(layer):
    """Functional: two vector inputs, one merge layer, a Dense head."""
    a, b = keras.Input((4,)), keras.Input((4,))
    m = layer([L.Dense(4)(a), L.Dense(4)(b)])
    return keras.Model([a, b], L.Dense(2)(m))


# name -> (builder, input shapes (one sample), input kind: 'float' or 'ids')
MODELS = {
    # layers kerasque has
    "dense": (
        lambda: seq((6,), L.Dense(4, activation="relu"), L.Dense(3, activation="softmax")),
        [(6,)],
        "float",
    ),
    "activation": (lambda: seq((6,), L.Dense(4), L.Activation("tanh")), [(6,)], "float"),
    "flatten": (lambda: seq((3, 4), L.Flatten(), L.Dense(2)), [(3, 4)], "float"),
    "dropout": (lambda: seq((6,), L.Dense(4), L.Dropout(0.5, seed=7), L.Dense(2)), [(6,)], "float"),
    "gaussian_noise": (lambda: seq((6,), L.GaussianNoise(0.3), L.Dense(2)), [(6,)], "float"),
    "gaussian_dropout": (lambda: seq((6,), L.GaussianDropout(0.3), L.Dense(2)), [(6,)], "float"),
    "spatial_dropout1d": (
        lambda: seq((5, 3), L.SpatialDropout1D(0.3), L.GRU(2)),
        [(5, 3)],
        "float",
    ),
    "batch_normalization": (lambda: seq((4,), L.BatchNormalization(), L.Dense(2)), [(4,)], "float"),
    "embedding": (
        lambda: seq((5,), L.Embedding(10, 3), L.Flatten(), L.Dense(2), dtype="int32"),
        [(5,)],
        "ids",
    ),
    "embedding_mask_gru": (
        lambda: seq((6,), L.Embedding(10, 3, mask_zero=True), L.GRU(4), dtype="int32"),
        [(6,)],
        "ids",
    ),
    "gru": (lambda: seq((5, 3), L.GRU(4, return_sequences=True), L.GRU(3)), [(5, 3)], "float"),
    "gru_reset_before": (lambda: seq((5, 3), L.GRU(4, reset_after=False)), [(5, 3)], "float"),
    "gru_backwards": (
        lambda: seq((5, 3), L.GRU(4, go_backwards=True, return_sequences=True)),
        [(5, 3)],
        "float",
    ),
    "time_distributed": (lambda: seq((5, 3), L.TimeDistributed(L.Dense(2))), [(5, 3)], "float"),
    "concatenate": (lambda: merge(L.Concatenate()), [(4,), (4,)], "float"),
    "add": (lambda: merge(L.Add()), [(4,), (4,)], "float"),
    "two_input": (two_input, [(5, 3), (4,)], "float"),
    # layers other helpers are adding
    "lstm": (lambda: seq((5, 3), L.LSTM(4, return_sequences=True), L.LSTM(3)), [(5, 3)], "float"),
    "simple_rnn": (lambda: seq((5, 3), L.SimpleRNN(4)), [(5, 3)], "float"),
    "bidirectional": (
        lambda: seq(
            (5, 3),
            L.Bidirectional(L.LSTM(3, return_sequences=True)),
            L.Bidirectional(L.GRU(2), merge_mode="sum"),
        ),
        [(5, 3)],
        "float",
    ),
    "reshape": (lambda: seq((6,), L.Reshape((2, 3)), L.GRU(2)), [(6,)], "float"),
    "permute": (lambda: seq((3, 4), L.Permute((2, 1)), L.Flatten(), L.Dense(2)), [(3, 4)], "float"),
    "repeat_vector": (lambda: seq((4,), L.RepeatVector(3), L.GRU(2)), [(4,)], "float"),
    "masking": (lambda: seq((5, 3), L.Masking(0.0), L.LSTM(2)), [(5, 3)], "masked"),
    "masking_gru": (
        lambda: seq((5, 3), L.Masking(0.0), L.GRU(2, return_sequences=True)),
        [(5, 3)],
        "masked",
    ),
    "subtract": (lambda: merge(L.Subtract()), [(4,), (4,)], "float"),
    "multiply": (lambda: merge(L.Multiply()), [(4,), (4,)], "float"),
    "average": (lambda: merge(L.Average()), [(4,), (4,)], "float"),
    "maximum": (lambda: merge(L.Maximum()), [(4,), (4,)], "float"),
    "minimum": (lambda: merge(L.Minimum()), [(4,), (4,)], "float"),
    "dot": (lambda: merge(L.Dot(axes=1, normalize=True)), [(4,), (4,)], "float"),
    "leaky_relu": (lambda: seq((6,), L.Dense(4), L.LeakyReLU(negative_slope=0.2)), [(6,)], "float"),
    "prelu": (lambda: seq((6,), L.Dense(4), L.PReLU()), [(6,)], "float"),
    "elu": (lambda: seq((6,), L.Dense(4), L.ELU(alpha=0.7)), [(6,)], "float"),
    "relu": (lambda: seq((6,), L.Dense(4), L.ReLU(max_value=0.8)), [(6,)], "float"),
    "softmax": (lambda: seq((6,), L.Dense(4), L.Softmax()), [(6,)], "float"),
    "alpha_dropout": (lambda: seq((6,), L.AlphaDropout(0.2), L.Dense(2)), [(6,)], "float"),
}

WEIGHTS_ONLY = ("dense", "gru", "two_input", "batch_normalization", "time_distributed")


def make_inputs(shapes, kind):
    xs = []
    for shape in shapes:
        if kind == "ids":
            x = RNG.integers(0, 10, size=(3, *shape)).astype("int32")
            x[0, :2] = 0  # leading padding for mask_zero
        else:
            x = RNG.normal(size=(3, *shape)).astype("float32")
            if kind == "masked":
                x[0, :2] = 0.0  # steps Masking skips
        xs.append(x)
    return xs


def randomize(model):
    """Random weights everywhere, variances positive."""
    for layer in model.layers:
        values = []
        for w in layer.weights:
            v = RNG.normal(scale=0.5, size=w.shape).astype("float32")
            if "variance" in w.path:
                v = np.abs(v) + 0.5
            values.append(v)
        layer.set_weights(values)


def targets(model, xs):
    out = model.predict(xs, verbose=0)
    return np.zeros_like(out)


def write(name, builder, shapes, kind):
    model = builder()
    randomize(model)
    xs = make_inputs(shapes, kind)
    feed = xs[0] if len(xs) == 1 else xs
    model.compile(optimizer="adam", loss="mse")
    model.train_on_batch(feed, targets(model, feed))
    y = model.predict(feed, verbose=0)
    base = os.path.join(OUT, name)
    # .keras first: Keras 3.15's legacy .h5 save leaves the optimizer out of the
    # compile config that a later .keras save writes.
    model.save(base + ".keras")
    model.save(base + ".h5")
    arrays = {"x": xs[0]} if len(xs) == 1 else {f"x{i}": x for i, x in enumerate(xs)}
    np.savez(base + ".npz", y=y, **arrays)
    if name in WEIGHTS_ONLY:
        model.save_weights(base + ".weights.h5")
        with h5py.File(base + ".legacy_weights.h5", "w") as f:
            legacy_h5_format.save_weights_to_hdf5_group(f, model)


def main(names):
    os.makedirs(OUT, exist_ok=True)
    keras.utils.set_random_seed(1)
    for name in names or MODELS:
        write(name, *MODELS[name])
        print("wrote", name)
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"{len(os.listdir(OUT))} files, {total / 1e6:.2f} MB in {OUT}")


if __name__ == "__main__":
    main(sys.argv[1:])
