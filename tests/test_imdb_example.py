"""examples/imdb_gru.py: Keras 2's IMDB recipe runs with only its imports changed."""

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "imdb_gru.py")


def test_imdb_example_trains_and_reports_test_accuracy():
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])),
    }
    proc = subprocess.run(
        [
            sys.executable,
            EXAMPLE,
            "--samples",
            "96",
            "--epochs",
            "1",
            "--maxlen",
            "12",
            "--units",
            "4",
        ],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=ROOT,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "x_train shape: (96, 12)" in proc.stdout
    accuracy = float(re.search(r"Test accuracy: ([0-9.]+)", proc.stdout).group(1))
    assert 0.0 <= accuracy <= 1.0


def test_imdb_example_uses_keras_code_with_only_imports_changed():
    with open(EXAMPLE, encoding="utf-8") as f:
        source = f.read()
    imports = [line for line in source.splitlines() if line.startswith(("from ", "import "))]
    assert all("keras" not in line or line.startswith("from kerasque") for line in imports)
    assert "sequence.pad_sequences(x_train, maxlen=maxlen)" in source
    assert "GRU(args.units, dropout=0.2, recurrent_dropout=0.2)" in source
    assert "model.add(Embedding(max_features, args.units))" in source  # built from the data
