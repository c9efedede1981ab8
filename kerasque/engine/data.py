"""Checking user data against a model before any compiled code runs."""

from __future__ import annotations

import numpy as np

from kerasque.config import floatx
from kerasque import losses
from kerasque.utils.generic import to_list


def _owner(t) -> str:
    return t.node.layer.name if t.node is not None else "input"


def _arrays(data, what: str) -> list:
    if data is None:
        raise ValueError(f"{what} is None; pass a NumPy array (or a list of arrays).")
    items = to_list(data) if isinstance(data, (list, tuple)) and not _is_nested_numbers(data) else [data]
    return [np.asarray(a) for a in items]


def _is_nested_numbers(data) -> bool:
    """True for a plain list of numbers (one array), False for a list of arrays."""
    return len(data) > 0 and not isinstance(data[0], (np.ndarray, list, tuple))


def standardize_inputs(model, x) -> list:
    """Check ``x`` against ``model.inputs``: count, rank and sizes; cast dtypes."""
    arrays = _arrays(x, "x")
    if len(arrays) != len(model.inputs):
        names = [_owner(t) for t in model.inputs]
        raise ValueError(
            f"Model {model.name!r} expects {len(model.inputs)} input array(s) {names}, "
            f"received {len(arrays)}."
        )
    out = []
    for t, a in zip(model.inputs, arrays):
        expected = t.shape
        fits = a.ndim == len(expected) and all(
            e is None or e == s for e, s in zip(expected[1:], a.shape[1:])
        )
        if not fits:
            raise ValueError(
                f"Input {_owner(t)!r} of model {model.name!r} expects arrays of shape "
                f"{_fmt(expected)}, received shape {a.shape}."
            )
        out.append(_cast(a, t.dtype, _owner(t)))
    _check_values(model, out)
    return out


def _check_values(model, arrays) -> None:
    """Let layers that read an input directly vet its values (Embedding ids)."""
    from kerasque.engine.symbolic import topological_nodes

    position = {id(t): i for i, t in enumerate(model.inputs)}
    for node in topological_nodes(model.outputs):
        check = getattr(node.layer, "check_input_values", None)
        if check is None:
            continue
        for t in node.inputs:
            if id(t) in position:
                check(arrays[position[id(t)]])


def _cast(a, dtype, owner):
    if np.dtype(dtype).kind in "iu":
        if a.dtype.kind == "f" and not np.all(np.mod(a, 1) == 0):
            raise ValueError(f"Input {owner!r} expects integer ids, received non-integer floats.")
        return a.astype(dtype, copy=False)
    if a.dtype.kind not in "biuf":
        raise ValueError(f"Input {owner!r} expects numbers, received dtype {a.dtype}.")
    return a.astype(dtype, copy=False)


def _fmt(shape) -> str:
    return "(" + ", ".join("None" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def standardize_targets(model, y) -> list:
    """Check ``y`` against the outputs and the loss each output trains with."""
    arrays = _arrays(y, "y")
    if len(arrays) != len(model.outputs):
        raise ValueError(
            f"Model {model.name!r} has {len(model.outputs)} output(s), received "
            f"{len(arrays)} target array(s)."
        )
    return [
        _target(t, a, fn) for t, a, fn in zip(model.outputs, arrays, model.loss_functions)
    ]


def _target(t, a, loss_fn):
    kind = losses.TARGETS.get(loss_fn, "same")
    owner = _owner(t)
    classes = t.shape[-1]
    if kind == "sparse":
        if a.ndim == len(t.shape) and a.shape[-1] == 1:
            a = a[..., 0]
        if a.ndim != len(t.shape) - 1 or any(
            e is not None and e != s for e, s in zip(t.shape[1:-1], a.shape[1:])
        ):
            raise ValueError(
                f"Output {owner!r} has shape {_fmt(t.shape)}; sparse_categorical_crossentropy "
                f"expects integer labels of shape {_fmt(t.shape[:-1])}, received shape {a.shape}."
            )
        if a.size and (a.dtype.kind == "f" and not np.all(np.mod(a, 1) == 0)):
            raise ValueError(f"Output {owner!r}: sparse labels must be integers, received non-integer values.")
        if a.size and (a.min() < 0 or (classes is not None and a.max() >= classes)):
            raise ValueError(
                f"Output {owner!r} has {classes} classes; sparse labels must be in "
                f"[0, {classes}), received labels from {a.min()} to {a.max()}."
            )
        return a.astype("int32", copy=False)
    if kind == "onehot" and (a.ndim != len(t.shape) or a.shape[-1] != classes):
        width = a.shape[-1] if a.ndim == len(t.shape) else "none (integer labels)"
        raise ValueError(
            f"Output {owner!r} has {classes} units, so categorical_crossentropy expects one-hot "
            f"targets of shape {_fmt(t.shape)}; received shape {a.shape} (width {width}). Use "
            f"kerasque.utils.to_categorical(y, {classes}) or loss='sparse_categorical_crossentropy'."
        )
    if a.ndim == len(t.shape) - 1 and classes == 1:
        a = a[..., None]
    if a.ndim != len(t.shape) or any(e is not None and e != s for e, s in zip(t.shape[1:], a.shape[1:])):
        raise ValueError(
            f"Output {owner!r} has shape {_fmt(t.shape)}; targets must match it, received "
            f"shape {a.shape}."
        )
    return a.astype(floatx(), copy=False)


def check_sample_counts(xs, ys=()) -> int:
    """All arrays must share their first (sample) axis; return its size."""
    counts = {len(a) for a in list(xs) + list(ys)}
    if len(counts) > 1:
        raise ValueError(
            f"x and y must have the same number of samples; received x with "
            f"{[len(a) for a in xs]} and y with {[len(a) for a in ys]} samples."
        )
    n = counts.pop() if counts else 0
    if n == 0:
        raise ValueError("Received no samples (arrays of length 0).")
    return n
