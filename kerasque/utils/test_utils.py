"""``layer_test``: the checks every layer must pass, after Keras's helper of that name.

One call builds the layer in a functional model and in a Sequential, and
checks: the output's shape against ``compute_output_shape`` and its dtype,
the predicted array's shape (and values, when ``expected_output`` is given),
the weights round trip, the layer's and the model's config round trips, a
save to HDF5 and a load, and one training step. It uses the public API
only, so a custom layer can be checked the same way.

Examples
--------
>>> from kerasque.layers import Dense
>>> from kerasque.utils.test_utils import layer_test
>>> out = layer_test(Dense, kwargs={"units": 3}, input_shape=(2, 4))
>>> out.shape
(2, 3)
"""

from __future__ import annotations

import contextlib
import os
import tempfile

import numpy as np

from kerasque.config import floatx
from kerasque.utils.safe_mode import safe_mode_scope

__all__ = ["get_test_data", "keras_test", "layer_test"]


def _make_data(shape, dtype, rng) -> np.ndarray:
    sizes = [int(rng.integers(1, 4)) if s is None else s for s in shape]
    data = 10 * rng.random(sizes)
    return data.astype(dtype)


def _compatible(actual, expected) -> bool:
    """Shapes agree wherever both are known."""
    return len(actual) == len(expected) and all(
        a is None or e is None or a == e for a, e in zip(actual, expected)
    )


def _check_shape(what: str, actual, expected) -> None:
    if not _compatible(tuple(actual), tuple(expected)):
        raise AssertionError(f"{what}: shape {tuple(actual)} does not match {tuple(expected)}.")


def _close(what: str, actual, expected) -> None:
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5, err_msg=what)


@contextlib.contextmanager
def _loading(safe_mode: bool, custom_objects=None):
    from kerasque.saving.serialization import custom_object_scope

    with safe_mode_scope(safe_mode), custom_object_scope(custom_objects):
        yield


def layer_test(
    layer_cls,
    kwargs=None,
    input_shape=None,
    input_dtype=None,
    input_data=None,
    expected_output=None,
    expected_output_dtype=None,
    fixed_batch_size=False,
    custom_objects=None,
    safe_mode=False,
    train=True,
    seed=0,
):
    """Check a layer class the way Keras's ``layer_test`` does, plus save and load.

    Parameters
    ----------
    layer_cls : type
        The layer class.
    kwargs : dict, optional
        Constructor arguments.
    input_shape : tuple or list of tuples
        Full input shape(s), batch axis first; ``None`` sizes get a random
        size from 1 to 3. A list makes a multi-input layer (merge layers).
    input_dtype : str, optional
        Default ``floatx()``; integer types get ids from 0 to 9.
    input_data : ndarray or list of ndarray, optional
        Instead of ``input_shape``.
    expected_output : ndarray, optional
        Compared with the prediction.
    expected_output_dtype : str, optional
        Default: ``input_dtype`` (Keras's rule; pass ``floatx()`` for
        Embedding).
    fixed_batch_size : bool
        Give the model's input the data's batch size.
    custom_objects : dict, optional
        For the config round trips and the load.
    safe_mode : bool
        Load with this safe mode. False by default: the harness loads only
        the file it has just written in its own temporary directory, so a
        Lambda's function may be rebuilt from its bytecode (as Keras's
        harness does); pass True to check a layer loads without that.
    train : bool
        Run one training step (compile with 'rmsprop' and 'mse').
    seed : int
        Seeds the generated input data.

    Returns
    -------
    ndarray
        The functional model's prediction on the input data.

    Raises
    ------
    AssertionError
        When a check fails, saying which.
    """
    from kerasque.engine.input_layer import Input
    from kerasque.engine.sequential import Sequential
    from kerasque.engine.training import Model
    from kerasque.saving import load_model

    kwargs = dict(kwargs or {})
    rng = np.random.default_rng(seed)
    multi = isinstance(input_shape, list) or isinstance(input_data, list)
    if input_data is None:
        if input_shape is None:
            raise ValueError("layer_test needs input_shape or input_data.")
        dtype = input_dtype or floatx()
        shapes = input_shape if multi else [input_shape]
        datas = [_make_data(s, dtype, rng) for s in shapes]
    else:
        datas = [np.asarray(d) for d in (input_data if multi else [input_data])]
        dtype = input_dtype or str(datas[0].dtype)
        shapes = [d.shape for d in datas]
    input_dtype = dtype
    if expected_output_dtype is None:
        expected_output_dtype = input_dtype
    data = datas if multi else datas[0]

    # Weights round trip before building (empty) and the layer's config.
    layer = layer_cls(**kwargs)
    layer.set_weights(layer.get_weights())
    with _loading(safe_mode, custom_objects):
        clone = layer_cls.from_config(layer.get_config())
    if clone.get_config() != layer.get_config():
        raise AssertionError(
            f"{layer_cls.__name__}: the config does not round trip through "
            f"from_config: {layer.get_config()} != {clone.get_config()}."
        )

    # Functional use: symbolic shape and dtype.
    batch_shapes = [tuple(d.shape) if fixed_batch_size else (None, *d.shape[1:]) for d in datas]
    xs = [Input(batch_shape=s, dtype=input_dtype) for s in batch_shapes]
    x = xs if multi else xs[0]
    y = layer(x)
    if y.dtype != expected_output_dtype:
        raise AssertionError(
            f"{layer_cls.__name__}: output dtype {y.dtype}, expected {expected_output_dtype}."
        )
    expected_shape = layer.compute_output_shape(batch_shapes if multi else batch_shapes[0])
    _check_shape(
        f"{layer_cls.__name__} symbolic output vs compute_output_shape", y.shape, expected_shape
    )

    model = Model(x, y)
    actual = model.predict(data)
    _check_shape(f"{layer_cls.__name__} predicted output", actual.shape, expected_shape)
    if actual.dtype != np.dtype(expected_output_dtype):
        raise AssertionError(
            f"{layer_cls.__name__}: predicted dtype {actual.dtype}, expected "
            f"{expected_output_dtype}."
        )
    if expected_output is not None:
        _close(f"{layer_cls.__name__} output vs expected_output", actual, expected_output)

    # Weights round trip on the built layer.
    layer.set_weights(layer.get_weights())
    _close(f"{layer_cls.__name__} after set_weights(get_weights())", model.predict(data), actual)

    # The model's config round trip and a save / load through HDF5.
    with _loading(safe_mode):
        recovered = Model.from_config(model.get_config(), custom_objects)
    recovered.set_weights(model.get_weights())
    _close(f"{layer_cls.__name__} model rebuilt from its config", recovered.predict(data), actual)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "layer_test.h5")
        model.save(path)
        with _loading(safe_mode):
            loaded = load_model(path, custom_objects=custom_objects, compile=False)
        if loaded.get_config() != model.get_config():
            raise AssertionError(f"{layer_cls.__name__}: the loaded model's config differs.")
        _close(f"{layer_cls.__name__} model loaded from HDF5", loaded.predict(data), actual)

    # kerasque refuses to fit a model with nothing to train, so weightless layers skip the step.
    trains = train and np.dtype(expected_output_dtype).kind == "f" and bool(model.trainable_weights)
    if trains:
        model.compile("rmsprop", "mse")
        model.train_on_batch(data, actual)

    # Sequential use (single-input layers).
    if not multi:
        extra = {"batch_input_shape": batch_shapes[0]}
        if input_dtype != floatx():
            extra["input_dtype"] = input_dtype
        seq = Sequential([layer_cls(**{**kwargs, **extra})])
        seq_out = seq.predict(data)
        _check_shape(f"{layer_cls.__name__} in a Sequential", seq_out.shape, expected_shape)
        if trains and seq.trainable_weights:
            seq.compile("rmsprop", "mse")
            seq.train_on_batch(data, seq_out)
    return actual


def get_test_data(
    num_train=1000,
    num_test=500,
    input_shape=(10,),
    output_shape=(2,),
    classification=True,
    num_classes=2,
):
    """Keras 2's synthetic data: ``(x_train, y_train), (x_test, y_test)``.

    With ``classification=True`` the targets are integer classes and each
    class's inputs are centred on a different random point; otherwise inputs
    and targets are Gaussian of the given shapes. Drawn from NumPy's global
    generator, as in Keras.
    """
    samples = num_train + num_test
    if classification:
        y = np.random.randint(0, num_classes, size=(samples,))
        x = np.zeros((samples,) + tuple(input_shape), dtype=np.float32)
        for i in range(samples):
            x[i] = np.random.normal(loc=y[i], scale=0.7, size=input_shape)
    else:
        y_loc = np.random.random((samples,))
        x = np.zeros((samples,) + tuple(input_shape), dtype=np.float32)
        y = np.zeros((samples,) + tuple(output_shape), dtype=np.float32)
        for i in range(samples):
            x[i] = np.random.normal(loc=y_loc[i], scale=0.7, size=input_shape)
            y[i] = np.random.normal(loc=y_loc[i], scale=0.7, size=output_shape)
    return (x[:num_train], y[:num_train]), (x[num_train:], y[num_train:])


def keras_test(func):
    """Keras 2's test decorator; kerasque keeps no session to clear, so it only runs ``func``."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    return wrapper
