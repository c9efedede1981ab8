"""Merge layers: Concatenate and Add."""

from __future__ import annotations

import pytensor.tensor as pt

from kerasque.engine.base_layer import Layer


def _check_list(layer, shapes):
    if not isinstance(shapes, list) or len(shapes) < 2:
        raise ValueError(
            f"Layer {layer.name!r} ({type(layer).__name__}) expects a list of at least 2 "
            f"inputs, received {shapes!r}."
        )


class Concatenate(Layer):
    """Join a list of tensors along ``axis``; other axes must match."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def build(self, input_shape):
        _check_list(self, input_shape)
        ndim = len(input_shape[0])
        axis = self.axis % ndim
        for s in input_shape[1:]:
            same = len(s) == ndim and all(
                a == b or a is None or b is None for i, (a, b) in enumerate(zip(s, input_shape[0])) if i != axis
            )
            if not same:
                raise ValueError(
                    f"Layer {self.name!r} (Concatenate) needs inputs whose shapes match except "
                    f"on axis {self.axis}, received shapes {[tuple(x) for x in input_shape]}."
                )

    def call(self, inputs):
        return pt.concatenate(list(inputs), axis=self.axis)

    def compute_output_shape(self, input_shape):
        axis = self.axis % len(input_shape[0])
        sizes = [s[axis] for s in input_shape]
        out = list(input_shape[0])
        out[axis] = None if any(v is None for v in sizes) else sum(sizes)
        return tuple(out)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


class Add(Layer):
    """Sum a list of tensors of the same shape."""

    supports_masking = True

    def build(self, input_shape):
        _check_list(self, input_shape)
        first = tuple(input_shape[0])
        for s in input_shape[1:]:
            if tuple(s) != first:
                raise ValueError(
                    f"Layer {self.name!r} (Add) needs inputs of one shape, received shapes "
                    f"{[tuple(x) for x in input_shape]}."
                )

    def call(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def compute_mask(self, inputs, mask=None):
        return None
