"""``Input`` and ``InputLayer``: the entry point of a model."""

from __future__ import annotations

from kerasque.config import floatx
from kerasque.engine.base_keywords import check_dtype, check_shape, check_size
from kerasque.engine.base_layer import Layer
from kerasque.engine.symbolic import Node


class InputLayer(Layer):
    """A layer with no inputs whose one output is a placeholder.

    Takes Keras 2's keywords (``input_shape``, ``batch_size``,
    ``batch_input_shape``, ``dtype``) and Keras 3's (``shape``,
    ``batch_shape``). ``Sequential([InputLayer(input_shape=(4,)), ...])``
    starts a model as ``Input`` does.

    Parameters
    ----------
    batch_input_shape : tuple, optional
        Shape including the batch axis (``None`` for any size).
    input_dtype : str, optional
        ``floatx()`` by default; an integer type for token ids. ``dtype``
        is a synonym, as in Keras.
    """

    def __init__(
        self,
        batch_input_shape=None,
        input_dtype=None,
        input_shape=None,
        batch_size=None,
        dtype=None,
        shape=None,
        batch_shape=None,
        sparse=None,
        **kwargs,
    ):
        owner = f"InputLayer {kwargs.get('name') or ''}".strip()
        if sparse:
            raise ValueError(f"{owner}: sparse inputs are not supported; pass dense arrays.")
        shape = shape if shape is not None else input_shape
        batch_shape = batch_shape if batch_shape is not None else batch_input_shape
        if batch_shape is None:
            if shape is None:
                raise ValueError(
                    f"{owner} needs input_shape= (one sample's shape, e.g. (64,)) or "
                    "batch_input_shape= (the full shape, e.g. (None, 64))."
                )
            batch_size = check_size(owner, "batch_size", batch_size, allow_none=True)
            batch_shape = (batch_size, *check_shape(owner, "input_shape", shape))
        super().__init__(batch_input_shape=batch_shape, **kwargs)
        input_dtype = input_dtype if input_dtype is not None else dtype
        self.input_dtype = check_dtype(owner, "dtype", input_dtype) or floatx()
        self.built = True
        node = Node(self, [], [self.batch_input_shape], [self.input_dtype])
        self._inbound_nodes.append(node)

    def get_config(self) -> dict:
        config = super().get_config()
        config["input_dtype"] = self.input_dtype
        return config


def Input(
    shape=None, dtype=None, name=None, batch_shape=None, batch_size=None, sparse=None, tensor=None
):
    """A symbolic input of one sample's ``shape`` (the batch axis is added).

    Parameters
    ----------
    shape : tuple of int
        One sample's shape, e.g. ``(64,)``; ``None`` entries are any size.
    dtype : str, optional
        ``'float32'`` by default; ``'int32'`` for token ids.
    name : str, optional
    batch_shape : tuple, optional
        The full shape, batch axis first, instead of ``shape``.
    batch_size : int, optional
        A fixed batch size, with ``shape``.

    Returns
    -------
    SymbolicTensor
    """
    owner = f"Input {name!r}" if name else "Input"
    if tensor is not None:
        raise ValueError(
            f"{owner}: tensor= (wrapping an existing tensor) is not supported; call the model "
            "or layer on that tensor instead."
        )
    if batch_shape is None:
        if shape is None:
            raise ValueError(f"{owner} needs shape= (one sample's shape, e.g. shape=(64,)).")
        batch_size = check_size(owner, "batch_size", batch_size, allow_none=True)
        batch_shape = (batch_size, *check_shape(owner, "shape", shape))
    else:
        batch_shape = check_shape(owner, "batch_shape", batch_shape, batch_axis=True)
    layer = InputLayer(batch_input_shape=batch_shape, input_dtype=dtype, name=name, sparse=sparse)
    return layer.output
