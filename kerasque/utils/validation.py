"""Argument validators shared by layers, initializers, constraints and regularizers.

One rule everywhere: a value of the wrong type is a ``TypeError``, a value of
the right type outside its domain is a ``ValueError``, and the message names
the owner (``"Dropout 'dropout_1'"``), the argument, what was expected and
what was received. NumPy scalars (``np.float32(0.5)``, ``np.int64(3)``) are
accepted wherever Python numbers are; booleans are not numbers here. Rates,
factors and norms must be finite: NaN and infinities are refused.
"""

from __future__ import annotations

import math
import numbers

from kerasque.utils.random_state import next_seed

__all__ = [
    "ArgumentTypeError",
    "check_bool",
    "check_choice",
    "check_fraction",
    "check_int",
    "check_number",
    "check_optional_positive_int",
    "check_positive_int",
    "check_rate",
    "check_seed",
    "check_stddev",
    "resolve_nested",
]


class ArgumentTypeError(TypeError, ValueError):
    """A value of the wrong type where Keras raises ValueError: catchable as either.

    ``activations.get(6)`` and its kin raise ValueError in Keras 2 and 3;
    kerasque's rule is TypeError for a wrong type. This class is both, so
    code written for Keras and code written for kerasque catch it alike.
    """


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_number(
    owner: str,
    name: str,
    value,
    *,
    low=None,
    high=None,
    low_open: bool = False,
    high_open: bool = False,
    hint: str = "",
) -> float:
    """Validate a finite real number in an interval.

    Parameters
    ----------
    owner : str
        Who takes the argument (``"MaxNorm"``, ``"Dropout 'd'"``).
    name : str
        The argument's name.
    value : object
        What the user passed.
    low, high : float, optional
        Bounds of the interval (``None`` for unbounded).
    low_open, high_open : bool
        Whether the bound itself is excluded.
    hint : str
        A sentence appended to a ValueError (what the argument means).

    Returns
    -------
    float
    """
    lo = "" if low is None else ("(" if low_open else "[") + f"{low:g}"
    hi = "" if high is None else f"{high:g}" + (")" if high_open else "]")
    if low is not None and high is not None:
        domain = f"a finite number in {lo}, {hi}"
    elif low is not None:
        domain = f"a finite number {'>' if low_open else '>='} {low:g}"
    elif high is not None:
        domain = f"a finite number {'<' if high_open else '<='} {high:g}"
    else:
        domain = "a finite number"
    if not _is_real(value):
        raise TypeError(f"{owner}: {name} must be {domain}, received {_describe(value)}.")
    bad = not math.isfinite(value)
    bad = bad or (low is not None and (value <= low if low_open else value < low))
    bad = bad or (high is not None and (value >= high if high_open else value > high))
    if bad:
        tail = f" {hint}" if hint else ""
        raise ValueError(f"{owner}: {name} must be {domain}, received {_show(value)}.{tail}")
    return float(value)


def check_fraction(
    owner: str, name: str, value, meaning: str = "the fraction of units to drop (0.5 drops half)"
) -> float:
    """Validate a probability argument (``rate=``, ``dropout=``) in [0, 1)."""
    if not _is_real(value):
        raise TypeError(f"{owner}: {name} must be a number in [0, 1), received {_describe(value)}.")
    if not 0 <= value < 1:  # False for NaN too
        raise ValueError(
            f"{owner}: {name} must be a number in [0, 1), received {_show(value)}. "
            f"It is {meaning}; 0 turns it off."
        )
    return float(value)


def check_rate(
    owner: str,
    rate,
    name: str = "rate",
    meaning: str = "the fraction of units to drop (0.5 drops half)",
) -> float:
    """Validate a drop probability in [0, 1) (:func:`check_fraction` named ``rate``)."""
    return check_fraction(owner, name, rate, meaning)


def check_stddev(owner: str, stddev, name: str = "stddev") -> float:
    """Validate a noise standard deviation: a finite number >= 0."""
    return check_number(
        owner,
        name,
        stddev,
        low=0,
        hint="It is the standard deviation of the added noise (0 disables it).",
    )


def check_seed(owner: str, seed) -> int:
    """A non-negative integer seed; ``None`` draws one from the global seed."""
    if seed is None:
        return next_seed()
    if not _is_int(seed):
        raise TypeError(
            f"{owner}: seed must be a non-negative integer or None, received {_describe(seed)}."
        )
    if seed < 0:
        raise ValueError(
            f"{owner}: seed must be a non-negative integer or None, received {_show(seed)}."
        )
    return int(seed)


def check_int(owner: str, name: str, value, *, low=None, high=None) -> int:
    """Validate an integer (an axis, a count) in ``[low, high]``."""
    if not _is_int(value):
        raise TypeError(f"{owner}: {name} must be an int, received {_describe(value)}.")
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        raise ValueError(
            f"{owner}: {name} must be an int in [{lo}, {hi}], received {_show(value)}."
        )
    return int(value)


def check_positive_int(owner: str, name: str, value) -> int:
    """Validate an integer > 0 (units, sizes, repeats)."""
    if not _is_int(value):
        raise TypeError(f"{owner}: {name} must be a positive integer, received {_describe(value)}.")
    if value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive integer, received {_show(value)}.")
    return int(value)


def check_optional_positive_int(owner: str, name: str, value) -> int | None:
    """``None`` or an integer > 0 (``input_length``)."""
    return None if value is None else check_positive_int(owner, name, value)


def check_bool(owner: str, name: str, value) -> bool:
    """Validate a flag: ``True`` or ``False`` (NumPy booleans too)."""
    if type(value).__name__ not in ("bool", "bool_"):
        raise TypeError(f"{owner}: {name} must be True or False, received {_describe(value)}.")
    return bool(value)


def check_choice(owner: str, name: str, value, choices) -> str:
    """Validate one of a few strings."""
    choices = list(choices)
    if len(choices) == 2:
        listed = f"{choices[0]!r} or {choices[1]!r}"
    else:
        listed = "one of " + ", ".join(repr(c) for c in choices)
    if not isinstance(value, str):
        raise TypeError(f"{owner}: {name} must be {listed}, received {_describe(value)}.")
    if value not in choices:
        raise ValueError(f"{owner}: {name} must be {listed}, received {_show(value)}.")
    return value


def resolve_nested(owner: str, name: str, getter, value):
    """``getter(value)`` (``initializers.get`` and the like), errors naming the argument.

    A nested object config (``{"class_name": "MaxNorm", ...}``) either
    resolves to a registered class or is refused with the owner and the
    argument in the message, keeping the exception type.
    """
    try:
        return getter(value)
    except (TypeError, ValueError) as err:
        raise type(err)(f"{owner}: {name}: {err}") from None


def _show(value) -> str:
    """``repr`` of a value, NumPy scalars shown as the Python number they hold."""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        value = value.item()
    return repr(value)


def _describe(value) -> str:
    text = _show(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{text} ({type(value).__name__})"
