"""Test setup: the one test mode, warnings as errors (pyproject), fresh seeds.

The suite runs in one mode, :data:`TEST_MODE`: the mode users get by default
(``modes.default_mode()``: 'JAX', or 'NUMBA' where jax does not import)
unless ``KERASQUE_TEST_MODE`` names another, e.g.
``KERASQUE_TEST_MODE=FAST_COMPILE`` for few rewrites and cached C thunks (no
JAX). Every test runs with it set (the autouse fixture below); a module-scoped
fixture, which runs before that, compiles with ``mode=TEST_MODE`` (``from
conftest import TEST_MODE``). ``tests/test_modes.py`` covers 'C' and 'NUMBA'
on a smaller set whatever the mode; tests of one mode's machinery (the JAX
mode's graph cache) name their mode explicitly.
"""

import os

import pytest

from kerasque import backend
from kerasque.engine import modes
from kerasque.utils import set_random_seed

TEST_MODE = modes.resolve(os.environ.get("KERASQUE_TEST_MODE") or modes.default_mode())


@pytest.fixture(autouse=True)
def _mode_and_seed():
    backend.set_mode(TEST_MODE)
    backend.set_floatx("float32")
    set_random_seed(1234)
    yield
    backend.set_mode(None)
    backend.set_floatx("float32")
