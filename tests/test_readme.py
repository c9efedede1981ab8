"""The README's Keras examples run as written (the blocks that import kerasque as keras)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = [
    block
    for block in re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    if "import kerasque as keras" in block
]


def test_the_readme_has_a_keras_example():
    assert BLOCKS, "the README should show Keras code running with `import kerasque as keras`"


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_a_readme_keras_example_runs_unchanged(block):
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(block, str(README), "exec"), {"__name__": "readme_example"})
