"""Checking user data against a model before any compiled code runs.

``x`` and ``y`` come as one array, a list of arrays (one per input or
output), or a dict by input / output name; ``sample_weight`` likewise, and
``class_weight`` as one dict of class -> weight or a dict of those by output
name. Everything is checked here, so an error names the user's argument
rather than a NumPy or PyTensor internal.
"""

from __future__ import annotations

import numbers

import numpy as np

from kerasque import losses
from kerasque.config import floatx
from kerasque.engine.symbolic import topological_nodes
from kerasque.utils.generic import did_you_mean


def _owner(t) -> str:
    return t.node.layer.name if t.node is not None else "input"


def input_names(model) -> list:
    """The names of a model's inputs (their Input layers' names)."""
    return [_owner(t) for t in model.inputs]


def _as_array(value, what: str) -> np.ndarray:
    """``value`` as a NumPy array of numbers, or a TypeError naming ``what``."""
    if value is None:
        raise TypeError(f"{what} is None; pass a NumPy array of numbers.")
    try:
        a = np.asarray(value)
    except (ValueError, TypeError) as err:
        raise TypeError(
            f"{what} could not be read as one array of numbers ({err}); pass a NumPy array "
            "whose rows all have the same shape."
        ) from None
    if a.dtype.kind not in "biuf":
        kind = "strings" if a.dtype.kind in "US" else "None or Python objects"
        raise TypeError(
            f"{what} must hold numbers; received an array of dtype {a.dtype} ({kind} among "
            "its entries). Convert it to a numeric NumPy array first."
        )
    return a


def _is_nested_numbers(data) -> bool:
    """True for a plain list of numbers (one array), False for a list of arrays."""
    return len(data) > 0 and not isinstance(data[0], (np.ndarray, list, tuple, type(None)))


def _split(data, what: str, names: list, optional=False) -> list:
    """One entry per name from an array, a list or a dict by name."""
    if isinstance(data, dict):
        unknown = [k for k in data if k not in names]
        if unknown:
            raise ValueError(
                f"{what} names {unknown[0]!r}, which the model does not have."
                f"{did_you_mean(str(unknown[0]), names)} Expected names: {names}."
            )
        missing = [n for n in names if n not in data]
        if missing and not optional:
            raise ValueError(f"{what} has no entry for {missing[0]!r}; expected names: {names}.")
        return [data.get(n) for n in names]
    if isinstance(data, (list, tuple)) and not _is_nested_numbers(data):
        if len(names) == 1 and not (len(data) == 1 and isinstance(data[0], np.ndarray)):
            # One input: nested lists are the rows of one array.
            return [data] if not all(isinstance(d, np.ndarray) for d in data) else list(data)
        return list(data)
    return [data]


def standardize_inputs(model, x) -> list:
    """Check ``x`` against ``model.inputs``: count, rank and sizes; cast dtypes."""
    names = input_names(model)
    items = _split(x, "x", names)
    if len(items) != len(model.inputs):
        raise ValueError(
            f"Model {model.name!r} expects {len(model.inputs)} input array(s) {names}, "
            f"received {len(items)}."
        )
    raw = []
    for t, item, name in zip(model.inputs, items, names):
        what = "x" if len(names) == 1 else f"x (input {name!r})"
        a = _as_array(item, what)
        expected = t.shape
        fits = a.ndim == len(expected) and all(
            e is None or e == s for e, s in zip(expected[1:], a.shape[1:])
        )
        if not fits:
            raise ValueError(
                f"Input {name!r} of model {model.name!r} expects arrays of shape "
                f"{_fmt(expected)}, received shape {a.shape}."
            )
        raw.append(a)
    # Vet values before the cast: an int64 id of 2**32 + 3 must not become id 3.
    _check_values(model, raw)
    return [_cast(a, t.dtype, name) for t, a, name in zip(model.inputs, raw, names)]


def _check_values(model, arrays) -> None:
    """Let layers that read an input directly vet its values (Embedding ids)."""
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
        info = np.iinfo(dtype)
        if a.size and a.dtype.kind in "iuf" and (a.min() < info.min or a.max() > info.max):
            raise ValueError(
                f"Input {owner!r} expects {dtype} values, received values from {a.min()} to "
                f"{a.max()}, outside [{info.min}, {info.max}]: they would wrap around."
            )
        return a.astype(dtype, copy=False)
    return a.astype(dtype, copy=False)


def _fmt(shape) -> str:
    return (
        "("
        + ", ".join("None" if s is None else str(s) for s in shape)
        + ("," if len(shape) == 1 else "")
        + ")"
    )


def standardize_targets(model, y, specs) -> list:
    """Check ``y`` against the trained outputs and the loss each trains with.

    ``y`` has one entry per output with a loss (``specs[i].loss``); a list
    with one entry per output is accepted too, its untrained entries ignored.
    """
    trained = [i for i, s in enumerate(specs) if s.loss is not None]
    if not trained:
        return []
    names = [specs[i].name for i in trained]
    if isinstance(y, dict):
        items = _split(y, "y", [s.name for s in specs], optional=True)
        items = [items[i] for i in trained]
    else:
        if y is None:
            raise TypeError("y is None; pass the target array(s) the loss compares with.")
        items = _split(y, "y", names)
        if len(items) == len(specs) != len(trained):
            items = [items[i] for i in trained]
    if len(items) != len(trained):
        raise ValueError(
            f"Model {model.name!r} has {len(trained)} output(s) with a loss {names}, received "
            f"{len(items)} target array(s)."
        )
    out = []
    for i, item in zip(trained, items):
        what = "y" if len(specs) == 1 else f"y (output {specs[i].name!r})"
        out.append(_target(model.outputs[i], _as_array(item, what), specs[i].loss))
    return out


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
            raise ValueError(
                f"Output {owner!r}: sparse labels must be integers, received non-integer values."
            )
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
            f"kerasque.utils.to_categorical(y, {classes}) or "
            "loss='sparse_categorical_crossentropy'."
        )
    if a.ndim == len(t.shape) - 1 and classes == 1:
        a = a[..., None]
    if a.ndim != len(t.shape) or any(
        e is not None and e != s for e, s in zip(t.shape[1:], a.shape[1:])
    ):
        raise ValueError(
            f"Output {owner!r} has shape {_fmt(t.shape)}; targets must match it, received "
            f"shape {a.shape}."
        )
    return a.astype(floatx(), copy=False)


# -- sample and class weights -------------------------------------------------------
def standardize_weights(specs, ys, sample_weight=None, class_weight=None):
    """Per-sample weights for each trained output, or None when none are given.

    As Keras 2.2.4's ``standardize_weights``: an output's ``sample_weight``
    (shape (samples,), or (samples, steps) for a 'temporal' output) wins over
    its ``class_weight``; without either its weights are ones.
    """
    if sample_weight is None and class_weight is None:
        return None
    trained = [s for s in specs if s.loss is not None]
    names = [s.name for s in trained]
    sws = _per_trained("sample_weight", sample_weight, names)
    cws = _per_trained_class_weights(class_weight, names)
    return [_weights(s, y, sw, cw) for s, y, sw, cw in zip(trained, ys, sws, cws)]


def _per_trained(what: str, value, names: list) -> list:
    if value is None:
        return [None] * len(names)
    items = _split(value, what, names, optional=True)
    if len(items) != len(names):
        raise ValueError(
            f"{what} needs one array per output with a loss {names}, received {len(items)}."
        )
    return items


def _per_trained_class_weights(class_weight, names: list) -> list:
    if class_weight is None:
        return [None] * len(names)
    if not isinstance(class_weight, dict):
        raise TypeError(
            f"class_weight must be a dict mapping class index to weight (or a dict of those by "
            f"output name), received {type(class_weight).__name__}."
        )
    if class_weight and all(isinstance(v, dict) for v in class_weight.values()):
        return _split(class_weight, "class_weight", names, optional=True)
    if len(names) > 1:
        raise ValueError(
            f"class_weight for a model with several outputs {names} must be a dict by output "
            "name, e.g. {" + repr(names[0]) + ": {0: 1.0, 1: 5.0}}."
        )
    return [class_weight]


def _weights(spec, y, sample_weight, class_weight) -> np.ndarray:
    n = len(y)
    what = f"sample_weight (output {spec.name!r})"
    if sample_weight is not None:
        w = _as_array(sample_weight, what).astype(floatx(), copy=False)
        want = 2 if spec.temporal else 1
        if (
            w.ndim != want
            or w.shape[0] != n
            or (spec.temporal and y.ndim > 1 and w.shape[1] != y.shape[1])
        ):
            shape = "(samples, steps)" if spec.temporal else "(samples,)"
            hint = (
                ""
                if spec.temporal
                else " For per-step weights compile with sample_weight_mode='temporal'."
            )
            raise ValueError(
                f"{what} must have shape {shape} = {(n, *y.shape[1:2])[:want]}, received shape "
                f"{w.shape}.{hint}"
            )
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueError(f"{what} must hold finite, non-negative numbers.")
        return w
    if class_weight is not None:
        return _class_weights(spec, y, class_weight)
    shape = (n, y.shape[1]) if spec.temporal else (n,)
    return np.ones(shape, dtype=floatx())


def _class_weights(spec, y, class_weight) -> np.ndarray:
    what = f"class_weight (output {spec.name!r})"
    for k, v in class_weight.items():
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v) or v < 0:
            raise ValueError(
                f"{what}: the weight of class {k!r} must be a finite number >= 0, received {v!r}."
            )
    if spec.sparse:
        classes = y
    elif y.ndim >= 2 and y.shape[-1] > 1:
        classes = np.argmax(y, axis=-1)
    else:
        classes = np.reshape(y, y.shape[:-1]) if y.ndim >= 2 else y
        classes = np.round(classes).astype("int64")
    if classes.ndim > (2 if spec.temporal else 1):
        raise ValueError(
            f"{what} is supported for targets of one class per sample (or per step "
            "with sample_weight_mode='temporal')."
        )
    if not spec.temporal and classes.ndim > 1:
        raise ValueError(f"{what}: per-step targets need sample_weight_mode='temporal'.")
    missing = sorted({int(c) for c in np.unique(classes)} - {int(k) for k in class_weight})
    if missing:
        raise ValueError(
            f"{what} must give a weight to every class in the data; classes "
            f"{missing[:5]} have none."
        )
    table = {int(k): float(v) for k, v in class_weight.items()}
    return np.vectorize(table.__getitem__, otypes=[floatx()])(classes.astype("int64"))


def check_sample_counts(xs, ys=(), ws=()) -> int:
    """All arrays must share their first (sample) axis; return its size."""
    counts = {len(a) for a in list(xs) + list(ys) + list(ws or ())}
    if len(counts) > 1:
        extra = f" and sample weights with {[len(a) for a in ws]}" if ws else ""
        raise ValueError(
            f"x and y must have the same number of samples; received x with "
            f"{[len(a) for a in xs]} and y with {[len(a) for a in ys]} samples{extra}."
        )
    n = counts.pop() if counts else 0
    if n == 0:
        raise ValueError("Received no samples (arrays of length 0).")
    return n
