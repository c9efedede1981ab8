#!/usr/bin/env python3
"""Set up and run kerasque's demo or tests with nothing but python3.

    python3 tasks.py demo    # create .venv, install kerasque, run examples/digits_mlp.py
    python3 tasks.py test    # create .venv, install kerasque[test]; ruff, the test suite, doctests
    python3 tasks.py lm      # the character-level GRU language model demo
    python3 tasks.py awd     # the AWD-LSTM-style character language model demo

Extra arguments after the task go to the demo script or to pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
STAMP = VENV / ".kerasque-installed"


def run(*cmd: str) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True)


def setup() -> None:
    """Create the virtual environment and install kerasque once per pyproject change."""
    if not PY.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = str((ROOT / "pyproject.toml").stat().st_mtime)
    if STAMP.exists() and STAMP.read_text() == stamp:
        return
    run(str(PY), "-m", "pip", "install", "-q", "--upgrade", "pip")
    run(str(PY), "-m", "pip", "install", "-q", "-e", ".[test]")
    STAMP.write_text(stamp)


def main(argv: list[str]) -> int:
    task, rest = (argv[0], argv[1:]) if argv else ("", [])
    scripts = {
        "demo": "examples/digits_mlp.py",
        "lm": "examples/char_gru_lm.py",
        "awd": "examples/awd_lstm_lm.py",
    }
    if task not in (*scripts, "test", "setup"):
        print(__doc__)
        return 2
    setup()
    try:
        if task == "test" and rest:
            run(str(PY), "-m", "pytest", "-q", "-p", "no:cacheprovider", *rest)
        elif task == "test":
            # Lint and format check, then the suite with the docstrings' examples.
            code = ("kerasque", "tests", "examples", "benchmarks", "setup.py", "tasks.py")
            run(str(PY), "-m", "ruff", "check", *code)
            run(str(PY), "-m", "ruff", "format", "--check", *code)
            run(
                str(PY),
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "--doctest-modules",
                "tests",
                "kerasque",
            )
        elif task in scripts:
            run(str(PY), scripts[task], *rest)
    except subprocess.CalledProcessError as err:
        return err.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
