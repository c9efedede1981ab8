"""Seeds as Keras users expect: ``np.random.seed`` makes a run reproducible."""

import os
import subprocess
import sys

import numpy as np

from kerasque.layers import Dense
from kerasque.models import Sequential
from kerasque.utils import set_random_seed

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCRIPT = r"""
import sys
import numpy as np
np.random.seed(int(sys.argv[1]))
from kerasque.layers import Dense, Dropout
from kerasque.models import Sequential
model = Sequential([Dense(8, activation="relu", input_shape=(4,)), Dropout(0.5), Dense(1)])
model.compile("sgd", "mse")
x = np.random.rand(32, 4).astype("float32")
model.fit(x, x.sum(1, keepdims=True), batch_size=8, epochs=2, verbose=0)
np.save(sys.argv[2], np.concatenate([w.ravel() for w in model.get_weights()]))
"""


def _run(seed: int, path) -> np.ndarray:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])),
    }
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(seed), str(path)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return np.load(path)


def test_numpy_seed_makes_two_processes_train_to_identical_weights(tmp_path):
    first = _run(1337, tmp_path / "a.npy")
    second = _run(1337, tmp_path / "b.npy")
    other = _run(7, tmp_path / "c.npy")
    np.testing.assert_array_equal(first, second)
    assert not np.allclose(first, other)


def test_set_random_seed_wins_over_the_numpy_seed():
    def weights(numpy_seed):
        np.random.seed(numpy_seed)
        set_random_seed(5)
        return Sequential([Dense(3, input_shape=(2,))]).get_weights()[0]

    np.testing.assert_array_equal(weights(1), weights(2))
