"""Test setup: the default mode, warnings as errors (pyproject), fresh seeds.

The suite runs in the mode users get by default (``modes.default_mode()``:
'JAX', or 'NUMBA' where jax does not import) unless ``KERASQUE_TEST_MODE``
names another, e.g. ``KERASQUE_TEST_MODE=FAST_COMPILE`` for few rewrites and
cached C thunks (no JAX). ``tests/test_modes.py`` covers 'C' and 'NUMBA' on
a smaller set whatever the mode.
"""

import os

import pytest

from kerasque import backend
from kerasque.engine import modes
from kerasque.utils import set_random_seed

TEST_MODE = os.environ.get("KERASQUE_TEST_MODE") or modes.default_mode()


@pytest.fixture(autouse=True)
def _mode_and_seed():
    backend.set_mode(TEST_MODE)
    backend.set_floatx("float32")
    set_random_seed(1234)
    yield
    backend.set_mode(None)
    backend.set_floatx("float32")
