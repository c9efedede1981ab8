"""The command line: ``python -m kerasque summary model.h5``."""

import os
import subprocess
import sys

import pytest

from kerasque.__main__ import main
from kerasque.layers import Dense, Dropout
from kerasque.models import Sequential

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _model():
    model = Sequential(
        [
            Dense(8, activation="relu", input_shape=(4,), name="hidden"),
            Dropout(0.5, name="drop"),
            Dense(3, activation="softmax", name="out"),
        ]
    )
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    return model


def test_summary_command_prints_layers_params_and_training_config(tmp_path):
    path = tmp_path / "model.h5"
    _model().save(path)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "kerasque", "summary", str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "hidden (Dense)" in out and "(None, 8)" in out and "40" in out  # 4*8 + 8
    assert "drop (Dropout)" in out
    assert "out (Dense)" in out and "27" in out  # 8*3 + 3
    assert "Total params: 67" in out
    assert "Loss: categorical_crossentropy" in out
    assert "Metrics: accuracy" in out
    assert "Optimizer: Adam" in out and '"learning_rate"' in out
    assert "Epochs trained: 0" in out


def test_summary_of_a_weights_file_lists_each_weight_and_shape(tmp_path, capsys):
    path = tmp_path / "weights.h5"
    _model().save_weights(path)
    assert main(["summary", str(path)]) == 0
    out = capsys.readouterr().out
    assert "hidden/kernel:0" in out and "(4, 8)" in out
    assert "out/bias:0" in out and "(3,)" in out
    assert "Total params: 67" in out


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "No file at"),
        (b"", "is empty"),
        (b"plain text, not HDF5", "as an HDF5 file"),
    ],
)
def test_summary_of_a_bad_file_prints_one_error_line_and_exits_1(
    tmp_path, capsys, content, message
):
    path = tmp_path / "bad.h5"
    if content is not None:
        path.write_bytes(content)
    assert main(["summary", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and str(path) in err
    assert "Traceback" not in err


def test_summary_requires_a_path():
    with pytest.raises(SystemExit) as info:
        main(["summary"])
    assert info.value.code == 2
