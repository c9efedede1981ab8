"""Test setup: a cheap compile mode, warnings as errors (pyproject), fresh seeds.

PyTensor compiles every graph. The suite runs in ``KERASQUE_TEST_MODE``
(default 'FAST_COMPILE': few rewrites and cached C thunks, the cheapest cold
start measured on 2 cores); ``tests/test_modes.py`` covers the default
'NUMBA' mode on a smaller set.
"""

import os

import pytest

from kerasque import backend
from kerasque.utils import set_random_seed

TEST_MODE = os.environ.get("KERASQUE_TEST_MODE", "FAST_COMPILE")


@pytest.fixture(autouse=True)
def _mode_and_seed():
    backend.set_mode(TEST_MODE)
    backend.set_floatx("float32")
    set_random_seed(1234)
    yield
    backend.set_mode(None)
    backend.set_floatx("float32")
