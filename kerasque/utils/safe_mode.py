"""Safe mode: whether loading may rebuild Python code stored in a file.

Loading never runs code from a file by default. A ``Lambda`` layer saved with
its function's bytecode is rebuilt only when the user passes that function in
``custom_objects`` or loads with ``safe_mode=False`` (as in Keras 3).
``load_model(..., safe_mode=...)`` opens a :func:`safe_mode_scope`; layers ask
:func:`in_safe_mode` while they are deserialized.
"""

from __future__ import annotations

import contextlib

_STATE = {"safe": True}


def in_safe_mode() -> bool:
    """True unless the innermost load was called with ``safe_mode=False``."""
    return _STATE["safe"]


@contextlib.contextmanager
def safe_mode_scope(safe: bool = True):
    """Set safe mode for the block (restored afterwards, however it ends)."""
    if not isinstance(safe, bool):
        raise TypeError(f"safe_mode must be True or False, received {safe!r}.")
    saved = _STATE["safe"]
    _STATE["safe"] = safe
    try:
        yield
    finally:
        _STATE["safe"] = saved
