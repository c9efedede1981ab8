"""Embedding: integer ids to dense vectors."""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt

from kerasque.engine.base_layer import Layer
from kerasque.layers.core import resolve_objects, serialize_objects
from kerasque.utils.validation import check_bool, check_optional_positive_int, check_positive_int


class Embedding(Layer):
    """Look up row ``x`` of a ``(input_dim, output_dim)`` table.

    Parameters
    ----------
    input_dim : int
        Vocabulary size (ids in ``[0, input_dim)``).
    output_dim : int
        Vector size.
    embeddings_initializer : str or Initializer
        Default 'uniform', ``U(-0.05, 0.05)``.
    embeddings_regularizer : Regularizer, optional
    embeddings_constraint : Constraint, optional
    mask_zero : bool
        Treat id 0 as padding: the mask (True where the id is not 0) flows to
        the layers downstream, so a recurrent layer skips those steps.
    input_length : int or tuple, optional
        Fixed sequence length (a tuple for ids of higher rank, Keras 2's form);
        with it the layer needs no ``input_shape``. Given with ``input_shape``
        too, the two must agree.

    Examples
    --------
    >>> from kerasque.layers import Embedding
    >>> layer = Embedding(1000, 64, mask_zero=True, input_length=10)
    """

    def __init__(
        self,
        input_dim,
        output_dim,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        mask_zero=False,
        input_length=None,
        **kwargs,
    ):
        owner = f"Embedding {kwargs.get('name') or ''!s}".strip()
        input_length = _check_input_length(owner, input_length)
        _check_length_against_shape(owner, input_length, kwargs)
        shape_given = "input_shape" in kwargs or "batch_input_shape" in kwargs
        if input_length is not None and not shape_given:
            kwargs["input_shape"] = _as_tuple(input_length)
        kwargs.setdefault("input_dtype", "int32")
        super().__init__(**kwargs)
        owner = f"Embedding {self.name!r}"
        self.input_dim = check_positive_int(owner, "input_dim", input_dim)
        self.output_dim = check_positive_int(owner, "output_dim", output_dim)
        resolve_objects(
            self,
            embeddings_initializer=embeddings_initializer,
            embeddings_regularizer=embeddings_regularizer,
            embeddings_constraint=embeddings_constraint,
        )
        self.mask_zero = check_bool(owner, "mask_zero", mask_zero)
        self.input_length = input_length

    def build(self, input_shape):
        if self.input_length is not None and not _agrees(
            _as_tuple(self.input_length), tuple(input_shape)[1:]
        ):
            raise ValueError(
                f"Layer {self.name!r} (Embedding) has input_length={self.input_length}, but "
                f"received input of shape {tuple(input_shape)}."
            )
        self.embeddings = self.add_weight(
            "embeddings",
            (self.input_dim, self.output_dim),
            self.embeddings_initializer,
            self.embeddings_regularizer,
            self.embeddings_constraint,
        )

    def call(self, inputs):
        ids = inputs if inputs.dtype.startswith("int") else pt.cast(inputs, "int32")
        return self.embeddings[ids]

    def check_input_values(self, ids) -> None:
        """Refuse ids outside ``[0, input_dim)`` before compiled code reads them.

        Works in any integer dtype (an int64 id of ``2**32 + 3`` is refused, not
        read as 3) and refuses non-integer values.
        """
        ids = np.asarray(ids)
        if ids.dtype.kind == "f":
            if ids.size and not np.all(np.isfinite(ids) & (np.mod(ids, 1) == 0)):
                raise ValueError(
                    f"Layer {self.name!r} (Embedding) reads integer ids, received non-integer "
                    f"values of dtype {ids.dtype}."
                )
        elif ids.dtype.kind not in "iub":
            raise TypeError(
                f"Layer {self.name!r} (Embedding) reads integer ids, received dtype {ids.dtype}."
            )
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
            **serialize_objects(
                self, "embeddings_initializer", "embeddings_regularizer", "embeddings_constraint"
            ),
            "mask_zero": self.mask_zero,
            "input_length": (
                list(self.input_length)
                if isinstance(self.input_length, tuple)
                else self.input_length
            ),
        }


def _as_tuple(length) -> tuple:
    return length if isinstance(length, tuple) else (length,)


def _agrees(a: tuple, b: tuple) -> bool:
    return len(a) == len(b) and all(x is None or y is None or x == y for x, y in zip(a, b))


def _check_input_length(owner: str, input_length):
    """None, a positive int, or (Keras 2) a tuple of positive ints and Nones."""
    if isinstance(input_length, (list, tuple)):
        if not input_length:
            raise ValueError(f"{owner}: input_length must not be empty, received {input_length!r}.")
        return tuple(check_optional_positive_int(owner, "input_length", v) for v in input_length)
    return check_optional_positive_int(owner, "input_length", input_length)


def _check_length_against_shape(owner: str, input_length, kwargs) -> None:
    """``input_length`` and ``input_shape`` / ``batch_input_shape`` must agree."""
    if input_length is None:
        return
    shape = kwargs.get("batch_input_shape")
    given = "batch_input_shape"
    if shape is not None:
        shape = tuple(shape)[1:]
    elif kwargs.get("input_shape") is not None:
        shape, given = kwargs["input_shape"], "input_shape"
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if shape is None:
        return
    if not _agrees(_as_tuple(input_length), shape):
        raise ValueError(
            f"{owner}: input_length={input_length} contradicts {given}={kwargs[given]!r}; "
            "an Embedding reads (batch, input_length) ids. Pass one of them, or make them agree."
        )
