"""Execution modes, chosen in one place.

PyTensor compiles a graph with a *linker*. kerasque exposes the ones worth
choosing between:

``'NUMBA'``
    PyTensor 3's default: every op JIT-compiled by Numba. Fast at run time,
    slow to compile cold (tens of seconds), fast from its disk cache.
``'C'``
    The C/VM linker: ops compiled to C by g++, cached in ``~/.pytensor``.
``'FAST_COMPILE'``
    Few graph rewrites and the VM linker: the cheapest to compile; for tests
    and debugging.
``'JAX'``
    PyTensor's JAX linker, when ``jax`` is installed.

The mode comes from, in order: ``compile(..., mode=...)``,
:func:`kerasque.backend.set_mode`, the ``KERASQUE_MODE`` environment
variable, and else ``'NUMBA'``.
"""

from __future__ import annotations

import os

from pytensor.compile.mode import get_mode

from kerasque.utils.generic import lookup

MODES = {
    "NUMBA": "NUMBA",
    "C": "CVM",
    "FAST_COMPILE": "FAST_COMPILE",
    "JAX": "JAX",
}
DEFAULT_MODE = "NUMBA"
_chosen: dict = {"mode": None}


def set_mode(mode: str | None) -> None:
    """Set the process-wide mode (``None`` returns to the default)."""
    if mode is not None:
        lookup("mode", str(mode).upper(), MODES)
        mode = str(mode).upper()
    _chosen["mode"] = mode


def resolve(mode: str | None = None) -> str:
    """The kerasque mode name in force for an explicit ``mode`` (or None)."""
    name = mode or _chosen["mode"] or os.environ.get("KERASQUE_MODE") or DEFAULT_MODE
    name = str(name).upper()
    lookup("mode", name, MODES)
    if name == "JAX":
        try:
            import jax  # noqa: F401
        except ImportError as err:
            raise ValueError(
                "Mode 'JAX' needs the jax package: pip install jax jaxlib "
                "(or choose 'NUMBA' or 'C')."
            ) from err
    return name


def pytensor_mode(mode: str | None = None):
    """The PyTensor Mode object for a kerasque mode name."""
    return get_mode(MODES[resolve(mode)])
