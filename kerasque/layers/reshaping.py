"""Layers that only move values around: Flatten, Reshape, Permute, RepeatVector.

None of them has weights; each keeps its input's dtype, so they work on
integer ids as well as on floats. Shapes exclude the batch axis in the
arguments, as in Keras.
"""

from __future__ import annotations

import numbers

import numpy as np
import pytensor.tensor as pt

from kerasque.config import image_data_format
from kerasque.engine.base_layer import InputSpec, Layer
from kerasque.utils.validation import check_choice, check_positive_int


class _Reshaping(Layer):
    """Keeps the input's dtype."""

    def compute_output_dtype(self, input_dtype):
        return input_dtype


def _int_tuple(owner: str, name: str, value) -> tuple:
    try:
        items = tuple(value)
    except TypeError:
        items = None
    if items is None or not all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in items
    ):
        raise TypeError(f"{owner}: {name} must be a tuple of ints, received {value!r}.")
    return tuple(int(v) for v in items)


class Flatten(_Reshaping):
    """Flatten every axis but the batch axis: ``(batch, a, b) -> (batch, a*b)``.

    Parameters
    ----------
    data_format : {'channels_last', 'channels_first'}, optional
        With 'channels_first' the channels are moved last before flattening,
        so the order of the values matches a channels-last model's (Keras's
        rule, for weights ported between the two layouts). Defaults to
        :func:`kerasque.config.image_data_format`.

    Examples
    --------
    >>> from kerasque.layers import Flatten
    >>> layer = Flatten()
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        data_format = image_data_format() if data_format is None else data_format
        self.data_format = check_choice(
            f"Flatten {self.name!r}",
            "data_format",
            data_format,
            ("channels_last", "channels_first"),
        )
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        if any(s is None for s in input_shape[1:]):
            raise ValueError(
                f"Layer {self.name!r} (Flatten) needs every non-batch dimension known, "
                f"received input shape {tuple(input_shape)}."
            )

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = inputs.dimshuffle(0, *range(2, inputs.ndim), 1)
        return pt.reshape(inputs, (inputs.shape[0], -1), ndim=2)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], int(np.prod(input_shape[1:])))

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(_Reshaping):
    """Reshape each sample to ``target_shape``; one entry may be -1 (inferred).

    Parameters
    ----------
    target_shape : tuple of int
        One sample's new shape, without the batch axis.

    Examples
    --------
    >>> from kerasque.layers import Reshape
    >>> layer = Reshape((3, -1))
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        owner = f"Reshape {self.name!r}"
        self.target_shape = _int_tuple(owner, "target_shape", target_shape)
        bad = [s for s in self.target_shape if s == 0 or s < -1]
        if bad or self.target_shape.count(-1) > 1:
            raise ValueError(
                f"{owner}: target_shape must hold positive ints and at most one -1, received "
                f"{tuple(target_shape)}."
            )

    def _resolved(self, input_shape) -> tuple:
        """``target_shape`` with its -1 worked out (None if the input size is unknown)."""
        target = list(self.target_shape)
        sizes = input_shape[1:]
        if any(s is None for s in sizes):
            return tuple(None if s == -1 else s for s in target)
        total = int(np.prod(sizes))
        known = int(np.prod([s for s in target if s != -1]))
        if -1 in target:
            if known == 0 or total % known:
                raise ValueError(self._mismatch(input_shape))
            target[target.index(-1)] = total // known
        elif known != total:
            raise ValueError(self._mismatch(input_shape))
        return tuple(target)

    def _mismatch(self, input_shape) -> str:
        return (
            f"Layer {self.name!r} (Reshape) cannot reshape input of shape {tuple(input_shape)} "
            f"({int(np.prod(input_shape[1:]))} values per sample) to target_shape "
            f"{self.target_shape}."
        )

    def build(self, input_shape):
        self._resolved(input_shape)

    def call(self, inputs):
        shape = (inputs.shape[0], *self.target_shape)
        return pt.reshape(inputs, shape, ndim=len(shape))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self._resolved(input_shape))

    def get_config(self) -> dict:
        return {**super().get_config(), "target_shape": list(self.target_shape)}


class Permute(_Reshaping):
    """Permute the non-batch axes; ``dims`` counts from 1 (``(2, 1)`` swaps them).

    Parameters
    ----------
    dims : tuple of int
        A permutation of ``1 .. rank``.

    Examples
    --------
    >>> from kerasque.layers import Permute
    >>> layer = Permute((2, 1))
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        owner = f"Permute {self.name!r}"
        self.dims = _int_tuple(owner, "dims", dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(
                f"{owner}: dims must be a permutation of 1..{len(self.dims)} (axes counted from "
                f"1, the batch axis excluded), received {tuple(dims)}."
            )
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return inputs.dimshuffle(0, *self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *[input_shape[d] for d in self.dims])

    def get_config(self) -> dict:
        return {**super().get_config(), "dims": list(self.dims)}


class RepeatVector(_Reshaping):
    """Repeat a ``(batch, features)`` input ``n`` times: ``(batch, n, features)``.

    Parameters
    ----------
    n : int
        A positive number of repeats.

    Examples
    --------
    >>> from kerasque.layers import RepeatVector
    >>> layer = RepeatVector(3)
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = check_positive_int(f"RepeatVector {self.name!r}", "n", n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return pt.repeat(inputs[:, None, :], self.n, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self) -> dict:
        return {**super().get_config(), "n": self.n}
