"""Validation of the arguments of ``fit``, ``evaluate`` and ``predict``.

Each check names the argument, what was expected and what was received.
Wrong types raise ``TypeError`` where the value cannot be a number or flag
at all, ``ValueError`` for a number out of range (as the rest of kerasque).
"""

from __future__ import annotations

import inspect
import numbers

import numpy as np


def params_of(method) -> tuple:
    """Parameter names of ``method``, for "did you mean" hints on bad keywords."""
    return tuple(p for p in inspect.signature(method).parameters if p not in ("self", "kwargs"))


def _is_int(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, np.integer))


def check_batch_size(batch_size) -> int:
    """A positive integer; None means Keras's default, 32."""
    if batch_size is None:
        return 32
    if not _is_int(batch_size) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, received {batch_size!r}.")
    return int(batch_size)


def check_count(owner: str, name: str, value, minimum: int = 0) -> int:
    """An integer >= ``minimum`` (epochs, initial_epoch, samples)."""
    if not _is_int(value) or value < minimum:
        word = "a non-negative" if minimum == 0 else f"an integer >= {minimum}, i.e. a"
        raise ValueError(f"{owner}: {name} must be {word} integer, received {value!r}.")
    return int(value)


def check_steps(owner: str, name: str, value):
    """None or a positive integer (steps_per_epoch, validation_steps, steps)."""
    if value is None:
        return None
    if not _is_int(value) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer or None, received {value!r}.")
    return int(value)


def check_verbose(owner: str, verbose) -> int:
    if isinstance(verbose, bool) or verbose not in (0, 1, 2):
        raise ValueError(f"{owner}: verbose must be 0, 1 or 2, received {verbose!r}.")
    return int(verbose)


def check_validation_split(value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise ValueError(f"fit: validation_split must be a number in [0, 1), received {value!r}.")
    return float(value)


def check_shuffle(value):
    """True, False or 'batch' (shuffle whole batches, for HDF5-like data)."""
    if value == "batch" or isinstance(value, (bool, np.bool_)):
        return value if value == "batch" else bool(value)
    raise ValueError(f"fit: shuffle must be True, False or 'batch', received {value!r}.")


def unpack_validation_data(data):
    """``(x, y)`` or ``(x, y, sample_weight)``."""
    if not isinstance(data, (list, tuple)) or len(data) not in (2, 3):
        raise ValueError(
            "fit: validation_data must be a tuple (x_val, y_val) or (x_val, y_val, "
            f"val_sample_weight), or a generator or Sequence; received {_describe(data)}."
        )
    return data[0], data[1], data[2] if len(data) == 3 else None


def check_epochs(epochs, initial_epoch) -> tuple[int, int]:
    return check_count("fit", "epochs", epochs), check_count("fit", "initial_epoch", initial_epoch)


def split_validation(arrays: list, n: int, fraction: float):
    """The last ``fraction`` of the samples for validation, as Keras does (before shuffling).

    Returns ``(train arrays, n_train, validation arrays, n_val)``.
    """
    split = int(n * (1 - fraction))
    if split in (0, n):
        raise ValueError(
            f"fit: validation_split={fraction} leaves no training or no validation samples "
            f"out of {n}."
        )
    return [a[:split] for a in arrays], split, [a[split:] for a in arrays], n - split


def _describe(value) -> str:
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)} item(s)"
    return type(value).__name__
