"""``Input``: the entry point of a functional model."""

from __future__ import annotations

from kerasque.config import floatx
from kerasque.engine.base_layer import Layer, _as_shape
from kerasque.engine.symbolic import Node


class InputLayer(Layer):
    """A layer with no inputs whose one output is a placeholder.

    Parameters
    ----------
    batch_input_shape : tuple
        Shape including the batch axis (``None`` for any size).
    input_dtype : str, optional
        ``floatx()`` by default; an integer type for token ids.
    """

    def __init__(self, batch_input_shape, input_dtype=None, **kwargs):
        super().__init__(batch_input_shape=batch_input_shape, **kwargs)

        self.input_dtype = input_dtype or floatx()
        self.built = True
        node = Node(self, [], [self.batch_input_shape], [self.input_dtype])
        self._inbound_nodes.append(node)
        self.output = node.outputs[0]

    def get_config(self) -> dict:
        config = super().get_config()
        config["input_dtype"] = self.input_dtype
        return config


def Input(shape=None, dtype=None, name=None, batch_shape=None):  # noqa: N802 - Keras's name
    """A symbolic input of one sample's ``shape`` (the batch axis is added).

    Parameters
    ----------
    shape : tuple of int
        One sample's shape, e.g. ``(64,)``; ``None`` entries are any size.
    dtype : str, optional
        ``'float32'`` by default; ``'int32'`` for token ids.
    name : str, optional

    Returns
    -------
    SymbolicTensor
    """
    if batch_shape is None:
        if shape is None:
            raise ValueError("Input needs shape= (one sample's shape, e.g. shape=(64,)).")
        batch_shape = (None, *_as_shape(shape, name or "input"))
    layer = InputLayer(batch_input_shape=tuple(batch_shape), input_dtype=dtype, name=name)
    return layer.output
