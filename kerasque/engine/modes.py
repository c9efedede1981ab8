"""Execution modes, chosen in one place.

PyTensor compiles a graph with a *linker*. kerasque exposes the ones worth
choosing between:

``'JAX'``
    The default when ``jax`` is installed (it is a dependency of kerasque):
    PyTensor's JAX linker. Compiles in seconds and runs fastest on CPU (see
    ``benchmarks/README.md``). kerasque compiles one specialization per set
    of input shapes (JAX needs concrete shapes for reshapes, index ranges
    and random draws) and threads generator states through each call
    explicitly (see :mod:`kerasque.engine.jax`). JAX computes in 32 bits unless
    told otherwise; a function whose graph holds a float64 variable runs
    with 64-bit JAX (``jax.enable_x64``) for its own tracing and calls only,
    so float64 models compute in float64 and the process-wide JAX setting
    stays as it was (see :mod:`kerasque.engine.jax.linker`).
``'NUMBA'``
    PyTensor 3's default, and kerasque's when ``jax`` does not import: every
    op JIT-compiled by Numba. Fast at run time, slow to compile cold (tens
    of seconds), fast from its disk cache.
``'C'``
    The C/VM linker: ops compiled to C by g++, cached in ``~/.pytensor``.
``'FAST_COMPILE'``
    Few graph rewrites and the VM linker: cheap to compile, slow to run; for
    debugging and quick local test runs (``KERASQUE_TEST_MODE=FAST_COMPILE``).

The mode comes from, in order: ``compile(..., mode=...)``,
:func:`kerasque.backend.set_mode`, the ``KERASQUE_MODE`` environment
variable, and else :func:`default_mode`: ``'JAX'`` when ``jax`` imports,
``'NUMBA'`` otherwise (an automatic fallback for an install without jax).
"""

from __future__ import annotations

import os

from pytensor.compile.mode import get_mode

from kerasque.engine.jax.linker import JaxLinker, jax_pytensor_mode
from kerasque.utils.generic import lookup

MODES = {
    "NUMBA": "NUMBA",
    "C": "CVM",
    "FAST_COMPILE": "FAST_COMPILE",
    "JAX": "JAX",
}
_chosen: dict = {"mode": None}


def default_mode() -> str:
    """The mode used when none is chosen: ``'JAX'`` if ``jax`` imports, else ``'NUMBA'``."""
    try:
        import jax  # noqa: F401
    except ImportError:
        return "NUMBA"
    return "JAX"


def set_mode(mode: str | None) -> None:
    """Set the process-wide mode (``None`` returns to the default)."""
    if mode is not None:
        lookup("mode", str(mode).upper(), MODES)
        mode = str(mode).upper()
    _chosen["mode"] = mode


def resolve(mode: str | None = None) -> str:
    """The kerasque mode name in force for an explicit ``mode`` (or None)."""
    name = mode or _chosen["mode"] or os.environ.get("KERASQUE_MODE") or default_mode()
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
    """The PyTensor Mode object for a kerasque mode name.

    For ``'JAX'``, PyTensor's JAX mode with :class:`JaxLinker`, so that a
    float64 graph computes in float64 here too (``verify_grad``).
    """
    name = resolve(mode)
    if name == "JAX":
        return jax_pytensor_mode(JaxLinker)
    return get_mode(MODES[name])
