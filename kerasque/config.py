"""Global configuration: the float type, the fuzz factor, the image data format.

The bottom of kerasque's module graph: it imports nothing from kerasque, so
every module may import it at the top. Importing it changes nothing; the
setters change PyTensor's ``config.floatX`` along with kerasque's own value.
"""

from __future__ import annotations

import math

_STATE = {"floatx": "float32", "epsilon": 1e-7, "image_data_format": "channels_last"}

__all__ = [
    "epsilon",
    "floatx",
    "image_data_format",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
]


def floatx() -> str:
    """The default float type of weights and inputs ('float32')."""
    return _STATE["floatx"]


def set_floatx(dtype: str) -> None:
    """Set the default float type: 'float32' or 'float64' ('float16' is not supported).

    PyTensor's ``config.floatX`` follows, so Python constants in graphs take
    the same type.
    """
    import pytensor

    if dtype not in ("float32", "float64"):
        raise ValueError(f"set_floatx expects 'float32' or 'float64', received {dtype!r}.")
    _STATE["floatx"] = dtype
    pytensor.config.floatX = dtype


def epsilon() -> float:
    """The fuzz factor used to keep logs and divisions finite (1e-7)."""
    return _STATE["epsilon"]


def set_epsilon(value: float) -> None:
    """Set the fuzz factor returned by :func:`epsilon`."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        and not hasattr(value, "__float__")
    ):
        raise TypeError(f"set_epsilon expects a number, received {type(value).__name__}.")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"set_epsilon expects a finite number > 0, received {value!r}.")
    _STATE["epsilon"] = value


def image_data_format() -> str:
    """'channels_last' (the default) or 'channels_first'."""
    return _STATE["image_data_format"]


def set_image_data_format(data_format: str) -> None:
    """Set the default image data format: 'channels_last' or 'channels_first'."""
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            "set_image_data_format expects 'channels_last' or 'channels_first', "
            f"received {data_format!r}."
        )
    _STATE["image_data_format"] = data_format
