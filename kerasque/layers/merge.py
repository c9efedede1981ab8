"""Merge layers: combine a list of tensors into one.

Elementwise merges (:class:`Add`, :class:`Subtract`, :class:`Multiply`,
:class:`Average`, :class:`Maximum`, :class:`Minimum`) take inputs of one rank
whose sizes match or broadcast (a size of 1 stretches). :class:`Concatenate`
joins along an axis, :class:`Dot` takes dot products between samples. The
lowercase functions (``add([a, b])``) build the layer and call it, as in
Keras. Masks merge too: a step is kept where every input keeps it.
"""

from __future__ import annotations

import numbers

import pytensor.tensor as pt

from kerasque.engine.base_layer import Layer
from kerasque.utils.validation import check_bool

__all__ = [
    "Add",
    "Average",
    "Concatenate",
    "Dot",
    "Maximum",
    "Minimum",
    "Multiply",
    "Subtract",
    "add",
    "average",
    "concatenate",
    "dot",
    "maximum",
    "minimum",
    "multiply",
    "subtract",
]


def _shapes(shapes) -> list:
    return [tuple(s) for s in shapes]


class _Merge(Layer):
    """Shared checks of the merge layers: a list of inputs and compatible shapes."""

    supports_masking = True
    #: the exact number of inputs, or None for two or more
    n_inputs: int | None = None

    def _check_list(self, shapes) -> None:
        if not isinstance(shapes, list) or len(shapes) < 2:
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) expects a list of at least 2 "
                f"inputs, received {shapes!r}."
            )
        if self.n_inputs is not None and len(shapes) != self.n_inputs:
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) expects exactly {self.n_inputs} "
                f"inputs, received {len(shapes)}."
            )

    def _check_masks(self, inputs, mask) -> list | None:
        """The masks as a list, one per input (Keras's checks), or None when there are none."""
        if mask is None:
            return None
        if not isinstance(mask, list):
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}): mask must be a list with one "
                f"entry per input, received {type(mask).__name__}."
            )
        if not isinstance(inputs, list):
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}): inputs must be a list, received "
                f"{type(inputs).__name__}."
            )
        if len(mask) != len(inputs):
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}): {len(inputs)} inputs but "
                f"{len(mask)} masks; pass one mask (or None) per input."
            )
        return None if all(m is None for m in mask) else mask

    def compute_mask(self, inputs, mask=None):
        masks = self._check_masks(inputs, mask)
        if masks is None:
            return None
        kept = [_as_bool(m) for m in masks if m is not None]
        out = kept[0]
        for m in kept[1:]:
            out = pt.and_(out, m)
        return out


class _Elementwise(_Merge):
    """Elementwise merge of inputs whose sizes match or broadcast.

    Sizes of 1 stretch; inputs of lower rank are aligned on their last axes
    (Keras's rule: they gain axes of size 1 right after the batch axis).
    """

    def build(self, input_shape):
        self.compute_output_shape(input_shape)

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        shapes = _shapes(input_shape)
        rank = max(len(s) for s in shapes)
        if min(len(s) for s in shapes) < 1:
            raise self._shape_error(shapes)
        padded = [(s[0], *(1,) * (rank - len(s)), *s[1:]) for s in shapes]
        out = []
        for axis, sizes in enumerate(zip(*padded)):
            known = {v for v in sizes if v is not None and (v != 1 or axis == 0)}
            if len(known) > 1:
                raise self._shape_error(shapes)
            if known:
                out.append(known.pop())
            elif any(v is None for v in sizes):
                out.append(None)
            else:
                out.append(1)
        return tuple(out)

    def _shape_error(self, shapes) -> ValueError:
        return ValueError(
            f"Layer {self.name!r} ({type(self).__name__}) needs inputs of one shape, received "
            f"shapes {shapes} (a size of 1 broadcasts; a lower rank aligns on the last axes)."
        )

    def call(self, inputs):
        rank = max(x.ndim for x in inputs)
        xs = [
            x if x.ndim == rank else x.dimshuffle(0, *["x"] * (rank - x.ndim), *range(1, x.ndim))
            for x in inputs
        ]
        out = xs[0]
        for x in xs[1:]:
            out = self.merge(out, x)
        return self.finish(out, len(xs))

    def merge(self, a, b):
        raise NotImplementedError

    def finish(self, out, n):
        return out


class Add(_Elementwise):
    """Sum a list of tensors of one shape.

    Examples
    --------
    >>> from kerasque.layers import Add, Input
    >>> a, b = Input(shape=(3,)), Input(shape=(3,))
    >>> Add()([a, b]).shape
    (None, 3)
    """

    def merge(self, a, b):
        return a + b


class Subtract(_Elementwise):
    """``inputs[0] - inputs[1]`` (exactly two inputs)."""

    n_inputs = 2

    def merge(self, a, b):
        return a - b


class Multiply(_Elementwise):
    """The elementwise product of a list of tensors."""

    def merge(self, a, b):
        return a * b


class Average(_Elementwise):
    """The elementwise mean of a list of tensors."""

    def merge(self, a, b):
        return a + b

    def finish(self, out, n):
        return out / pt.constant(n, dtype=out.dtype)


class Maximum(_Elementwise):
    """The elementwise maximum of a list of tensors."""

    def merge(self, a, b):
        return pt.maximum(a, b)


class Minimum(_Elementwise):
    """The elementwise minimum of a list of tensors."""

    def merge(self, a, b):
        return pt.minimum(a, b)


def _as_bool(mask):
    """A mask as booleans (Keras accepts any dtype: nonzero keeps)."""
    mask = pt.as_tensor_variable(mask)
    return mask if mask.dtype == "bool" else pt.neq(mask, 0)


def _symbolic_shape(x):
    """``x.shape`` for a PyTensor variable; for a model's symbolic tensor, its static shape."""
    if hasattr(x, "type"):
        return x.shape
    return tuple(1 if s is None else s for s in x.shape)


def _check_axis_int(owner: str, name: str, axis) -> int:
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(
            f"{owner}: {name} must be an int, received {axis!r} ({type(axis).__name__})."
        )
    return int(axis)


def _normalize_axis(layer, axis: int, ndim: int, what: str = "axis") -> int:
    """``axis`` in ``[0, ndim)``, refusing one outside the inputs' rank (or the batch axis)."""
    if not -ndim <= axis < ndim or axis % ndim == 0:
        raise ValueError(
            f"Layer {layer.name!r} ({type(layer).__name__}): {what} {axis} is outside the "
            f"inputs' non-batch axes; inputs of rank {ndim} take an axis in [1, {ndim - 1}] "
            f"or [{-(ndim - 1)}, -1]."
        )
    return axis % ndim


class Concatenate(_Merge):
    """Join a list of tensors along ``axis``; other axes must match.

    Parameters
    ----------
    axis : int
        The axis to join along (default -1); the batch axis is not allowed.

    Examples
    --------
    >>> from kerasque.layers import Concatenate, Input
    >>> Concatenate()([Input(shape=(2,)), Input(shape=(3,))]).shape
    (None, 5)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = _check_axis_int(f"Concatenate {self.name!r}", "axis", axis)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        shapes = _shapes(input_shape)
        ndim = len(shapes[0])
        if any(len(s) != ndim for s in shapes):
            raise self._mismatch(shapes)
        axis = _normalize_axis(self, self.axis, ndim)
        out = list(shapes[0])
        for i in range(ndim):
            sizes = [s[i] for s in shapes]
            if i == axis:
                out[i] = None if any(v is None for v in sizes) else sum(sizes)
                continue
            known = {v for v in sizes if v is not None}
            if len(known) > 1:
                raise self._mismatch(shapes)
            out[i] = known.pop() if known else None
        return tuple(out)

    def _mismatch(self, shapes) -> ValueError:
        return ValueError(
            f"Layer {self.name!r} (Concatenate) needs inputs whose shapes match except "
            f"on axis {self.axis}, received shapes {shapes}."
        )

    def call(self, inputs):
        return pt.concatenate(list(inputs), axis=self.axis % inputs[0].ndim)

    def compute_mask(self, inputs, mask=None):
        masks = self._check_masks(inputs, mask)
        if masks is None:
            return None
        ndim = inputs[0].ndim
        axis = self.axis % ndim
        full = []
        for x, m in zip(inputs, masks):
            if m is None:
                m = pt.ones(_symbolic_shape(x), dtype="bool")
            else:
                m = _as_bool(m)
                if m.ndim < ndim:
                    m = pt.broadcast_to(pt.shape_padright(m, ndim - m.ndim), _symbolic_shape(x))
            full.append(m)
        joined = pt.concatenate(full, axis=axis)
        return pt.all(joined, axis=-1)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


class Dot(_Merge):
    """Dot products between the samples of two tensors, over ``axes``.

    For inputs ``(batch, n)`` and ``(batch, n)`` with ``axes=1`` the output
    is ``(batch, 1)``; in general the output has the remaining axes of the
    first input, then those of the second (Keras's ``batch_dot``).

    Parameters
    ----------
    axes : int or tuple of two ints
        The axis to contract in each input (the same for both when an int);
        the batch axis is not allowed.
    normalize : bool
        L2-normalize each input along its axis first, so the product is the
        cosine similarity.

    Examples
    --------
    >>> from kerasque.layers import Dot, Input
    >>> Dot(axes=1, normalize=True)([Input(shape=(4,)), Input(shape=(4,))]).shape
    (None, 1)
    """

    n_inputs = 2

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        owner = f"Dot {self.name!r}"
        if isinstance(axes, (list, tuple)):
            if len(axes) != 2:
                raise ValueError(
                    f"{owner}: axes must be an int or a pair of ints, received {axes!r}."
                )
            axes = [_check_axis_int(owner, "axes", a) for a in axes]
        else:
            axes = _check_axis_int(owner, "axes", axes)
        self.axes = axes
        self.normalize = check_bool(owner, "normalize", normalize)

    def _axes(self, shapes) -> tuple[int, int]:
        axes = self.axes if isinstance(self.axes, list) else [self.axes, self.axes]
        return tuple(_normalize_axis(self, a, len(s), "axes entry") for a, s in zip(axes, shapes))

    def build(self, input_shape):
        self.compute_output_shape(input_shape)

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        a, b = _shapes(input_shape)
        ax, bx = self._axes([a, b])
        if a[ax] is not None and b[bx] is not None and a[ax] != b[bx]:
            raise ValueError(
                f"Layer {self.name!r} (Dot): the contracted axes differ in size: axis {ax} of "
                f"{a} has {a[ax]}, axis {bx} of {b} has {b[bx]}."
            )
        rest = [s for i, s in enumerate(a) if i not in (0, ax)]
        rest += [s for i, s in enumerate(b) if i not in (0, bx)]
        return (a[0], *(rest or [1]))

    def call(self, inputs):
        x, y = inputs
        ax, bx = self._axes([x.type.shape, y.type.shape])
        if self.normalize:
            x, y = _l2_normalize(x, ax), _l2_normalize(y, bx)
        return batch_dot(x, y, ax, bx)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self) -> dict:
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def _l2_normalize(x, axis):
    norm = pt.sqrt(pt.maximum(pt.sum(pt.sqr(x), axis=axis, keepdims=True), 1e-12))
    return x / norm


def batch_dot(x, y, x_axis: int, y_axis: int):
    """Per-sample tensor product of ``x`` and ``y`` contracting ``x_axis`` with ``y_axis``.

    Each sample's result has ``x``'s other axes then ``y``'s; a result with
    no axis but the batch one gets a trailing axis of 1 (Keras's rule).
    """
    x_rest = [i for i in range(1, x.ndim) if i != x_axis]
    y_rest = [i for i in range(1, y.ndim) if i != y_axis]
    xm = x.dimshuffle(0, *x_rest, x_axis)
    ym = y.dimshuffle(0, y_axis, *y_rest)
    batch = x.shape[0]
    k = x.shape[x_axis]
    x_sizes = [x.shape[i] for i in x_rest]
    y_sizes = [y.shape[i] for i in y_rest]
    x2 = pt.reshape(xm, (batch, -1, k), ndim=3)
    y2 = pt.reshape(ym, (batch, k, -1), ndim=3)
    out = pt.matmul(x2, y2)
    sizes = x_sizes + y_sizes
    if not sizes:
        return pt.reshape(out, (batch, 1), ndim=2)
    return pt.reshape(out, (batch, *sizes), ndim=1 + len(sizes))


def add(inputs, **kwargs):
    """``Add(**kwargs)(inputs)``."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """``Subtract(**kwargs)(inputs)``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """``Multiply(**kwargs)(inputs)``."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """``Average(**kwargs)(inputs)``."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """``Maximum(**kwargs)(inputs)``."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """``Minimum(**kwargs)(inputs)``."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """``Concatenate(axis=axis, **kwargs)(inputs)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    """``Dot(axes, normalize, **kwargs)(inputs)``."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
