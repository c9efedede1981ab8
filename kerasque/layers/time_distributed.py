"""TimeDistributed: apply one layer to every time step of a sequence."""

from __future__ import annotations

import pytensor.tensor as pt

from kerasque.engine.base_layer import InputSpec, Layer
from kerasque.layers.wrappers import Wrapper


class TimeDistributed(Wrapper):
    """Apply ``layer`` to every time step of a ``(batch, time, ...)`` input.

    The time axis is folded into the batch axis, the wrapped layer runs once
    on ``(batch * time, ...)``, and the result is unfolded: one matrix
    product for a ``Dense``, no loop. The wrapped layer's weights are shared
    by every step; a stochastic layer (``Dropout``) draws an independent mask
    for every step.

    Parameters
    ----------
    layer : Layer
        The layer applied to each step; it sees inputs of shape
        ``(batch, ...)`` (the step's shape).
    input_shape : tuple, optional
        ``(time, ...)``, for the first layer of a ``Sequential``. When only
        the wrapped layer was given an input shape, it is read as the shape of
        one step, and the time axis is left free.

    Notes
    -----
    A :class:`~kerasque.layers.wrappers.Wrapper`: its weights and generators
    are the wrapped layer's, and its config nests the wrapped layer's
    ``{"class_name", "config"}``, which ``from_config`` rebuilds. An input
    mask is folded like the input and handed to the wrapped layer; see
    :meth:`compute_mask` for the output mask.

    Examples
    --------
    >>> from kerasque.layers import Dense, TimeDistributed
    >>> layer = TimeDistributed(Dense(8), input_shape=(10, 16))
    >>> layer.batch_input_shape
    (None, 10, 16)
    """

    supports_masking = True

    def __init__(self, layer, **kwargs):
        given = kwargs.get("input_shape") is not None or kwargs.get("batch_input_shape") is not None
        if isinstance(layer, Layer) and not given and layer.batch_input_shape is not None:
            # The wrapped layer's shape is one step's: leave the time axis free.
            kwargs["batch_input_shape"] = (None, None, *layer.batch_input_shape[1:])
            if layer.input_dtype is not None:
                kwargs.setdefault("input_dtype", layer.input_dtype)
        super().__init__(layer, **kwargs)
        self.input_spec = InputSpec(min_ndim=3)

    @staticmethod
    def _step_shape(input_shape) -> tuple:
        return (None, *input_shape[2:])

    def check_input_shape(self, shapes) -> None:
        Layer.check_input_shape(self, shapes)
        self.layer.check_input_shape([self._step_shape(s) for s in shapes])

    def build(self, input_shape):
        self.layer._maybe_build(self._step_shape(input_shape))

    def compute_output_shape(self, input_shape):
        out = self.layer.compute_output_shape(self._step_shape(input_shape))
        if isinstance(out, list):
            raise ValueError(
                f"Layer {self.name!r} (TimeDistributed) needs a wrapped layer with one output; "
                f"{self.layer.name!r} returns {len(out)}."
            )
        return (input_shape[0], input_shape[1], *out[1:])

    def compute_mask(self, inputs, mask=None):
        """The wrapped layer's mask of every step, or the input mask per step.

        As in Keras 2: the wrapped layer's ``compute_mask`` runs on the
        folded steps (so ``Masking`` or ``Embedding(mask_zero=True)`` inside
        yield a ``(batch, time, ...)`` mask); when it gives none, an input
        mask is reduced to ``(batch, time)`` (a step counts while any of its
        entries does). Keras 3 passes the input mask on unchanged instead.
        """
        folded = None if mask is None else _fold(mask)
        inner = self.layer.compute_mask(_fold(inputs), folded)
        if inner is not None:
            # A layer that passes its mask on (Dense) leaves the input mask as it was.
            return mask if inner is folded else _unfold(inner, inputs)
        if mask is None:
            return None
        return pt.any(mask, axis=tuple(range(2, mask.ndim))) if mask.ndim > 2 else mask

    def call(self, inputs, training=None, mask=None):
        inner_mask = None if mask is None else _fold(mask)
        outs, _ = self.layer._apply([_fold(inputs)], [inner_mask], training)
        if len(outs) != 1:
            raise ValueError(
                f"Layer {self.name!r} (TimeDistributed) needs a wrapped layer with one output; "
                f"{self.layer.name!r} returns {len(outs)}."
            )
        return _unfold(outs[0], inputs)


def _fold(x):
    """``(batch, time, ...)`` to ``(batch * time, ...)``."""
    step = [s if s is not None else x.shape[i] for i, s in enumerate(x.type.shape) if i >= 2]
    return pt.reshape(x, (-1, *step), ndim=x.ndim - 1)


def _unfold(y, like):
    """``(batch * time, ...)`` back to ``(batch, time, ...)``, the two axes of ``like``."""
    lead = [s if s is not None else like.shape[i] for i, s in enumerate(like.type.shape[:2])]
    tail = [s if s is not None else y.shape[i] for i, s in enumerate(y.type.shape) if i >= 1]
    return pt.reshape(y, (*lead, *tail), ndim=y.ndim + 1)
