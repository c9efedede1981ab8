"""``InputSpec``: what a layer accepts, checked when it is called."""

from __future__ import annotations


class InputSpec:
    """Rank, axis sizes and dtype a layer accepts (Keras's ``InputSpec``).

    Parameters
    ----------
    dtype : str, optional
    shape : tuple, optional
        The full shape, batch axis first (``None`` for any size).
    ndim, max_ndim, min_ndim : int, optional
        Exact, maximum and minimum rank.
    axes : dict, optional
        ``{axis: size}`` for axes of a fixed size (``{-1: 16}``).
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None):
        self.dtype = dtype
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(self.shape) if self.shape is not None and ndim is None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = dict(axes or {})

    def __repr__(self):
        fields = {k: v for k, v in vars(self).items() if v not in (None, {})}
        return "InputSpec(" + ", ".join(f"{k}={v!r}" for k, v in fields.items()) + ")"


def violation(spec: InputSpec, shape) -> str | None:
    """What ``shape`` lacks to satisfy ``spec``, in words, or None."""
    rank = len(shape)
    if spec.ndim is not None and rank != spec.ndim:
        return f"{spec.ndim} dimensions"
    if spec.min_ndim is not None and rank < spec.min_ndim:
        return f"at least {spec.min_ndim} dimensions"
    if spec.max_ndim is not None and rank > spec.max_ndim:
        return f"at most {spec.max_ndim} dimensions"
    for axis, size in spec.axes.items():
        if not -rank <= axis < rank:
            return f"an axis {axis}"
        if shape[axis] is not None and size is not None and shape[axis] != size:
            return f"size {size} on axis {axis}"
    if spec.shape is not None:
        for want, got in zip(spec.shape, shape):
            if want is not None and got is not None and want != got:
                return f"shape {spec.shape}"
    return None


def check_input_specs(layer, specs, shapes) -> None:
    """Raise ValueError naming ``layer`` when a shape violates its spec(s).

    ``specs`` is one spec for every input, or a list with one per input
    (a layer with several inputs, as Keras allows).
    """
    if specs is None:
        return
    if isinstance(specs, (list, tuple)):
        if len(specs) != len(shapes):
            raise ValueError(
                f"Layer {layer.name!r} ({type(layer).__name__}) expects {len(specs)} inputs, "
                f"received {len(shapes)}."
            )
        pairs = list(zip(specs, shapes))
    else:
        pairs = [(specs, s) for s in shapes]
    for spec, shape in pairs:
        if spec is None:
            continue
        what = violation(spec, tuple(shape))
        if what:
            raise ValueError(
                f"Layer {layer.name!r} ({type(layer).__name__}) expects input with {what}, "
                f"received input of shape {tuple(shape)}."
            )
