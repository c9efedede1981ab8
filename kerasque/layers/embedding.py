"""Embedding: integer ids to dense vectors."""

from __future__ import annotations

import pytensor.tensor as pt

from kerasque import initializers
from kerasque.engine.base_layer import Layer
from kerasque.layers.core import _check_positive_int


class Embedding(Layer):
    """Look up row ``x`` of a ``(input_dim, output_dim)`` table.

    Parameters
    ----------
    input_dim : int
        Vocabulary size (ids in ``[0, input_dim)``).
    output_dim : int
        Vector size.
    embeddings_initializer : str or callable
    mask_zero : bool
        Treat id 0 as padding: downstream recurrent layers skip those steps.
    input_length : int, optional
        Fixed sequence length; with it the layer needs no ``input_shape``.
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 mask_zero=False, input_length=None, **kwargs):
        if input_length is not None and "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length,)
        kwargs.setdefault("input_dtype", "int32")
        super().__init__(**kwargs)
        owner = f"Embedding {self.name!r}"
        self.input_dim = _check_positive_int(owner, "input_dim", input_dim)
        self.output_dim = _check_positive_int(owner, "output_dim", output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.mask_zero = bool(mask_zero)
        self.input_length = input_length

    def build(self, input_shape):
        self.embeddings = self.add_weight(
            "embeddings", (self.input_dim, self.output_dim), self.embeddings_initializer
        )

    def call(self, inputs):
        ids = inputs if inputs.dtype.startswith("int") else pt.cast(inputs, "int32")
        return self.embeddings[ids]

    def check_input_values(self, ids) -> None:
        """Refuse ids outside ``[0, input_dim)`` before compiled code reads them."""
        if ids.size and (ids.min() < 0 or ids.max() >= self.input_dim):
            raise ValueError(
                f"Layer {self.name!r} (Embedding) has input_dim={self.input_dim}, so ids must "
                f"be in [0, {self.input_dim}); received ids from {ids.min()} to {ids.max()}."
            )

    def compute_mask(self, inputs, mask=None):
        return pt.neq(inputs, 0) if self.mask_zero else None

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.output_dim)

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("input_dtype", None)
        return {
            **config,
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "mask_zero": self.mask_zero,
            "input_length": self.input_length,
        }
