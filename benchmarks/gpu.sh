#!/usr/bin/env bash
# The benchmark on a lent GPU machine (issue 5), as one prepared script.
#
# The machine has no network: PyTensor, Keras and their small pure-Python
# dependencies travel as wheels in .whl/ (see benchmarks/README.md, "On a
# GPU"), while JAX with CUDA, PyTorch with CUDA, NumPy, SciPy and h5py come
# with its image. Writes the log and JSON results to $OUT (or /tmp/kq-gpu).
set -u -o pipefail
OUT=${OUT:-/tmp/kq-gpu}
mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1 XLA_PYTHON_CLIENT_PREALLOCATE=false
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
python3 - <<'PY' 2>&1 | tee "$OUT/smoke.log" || exit 1
import time, numpy as np, jax
from kerasque.layers import Dense, Dropout
from kerasque.models import Sequential
print("jax", jax.__version__, jax.devices())
m = Sequential([Dense(64, activation="relu", input_shape=(20,)), Dropout(0.5),
                Dense(3, activation="softmax")])
m.compile("adam", "sparse_categorical_crossentropy", mode="JAX")
x = np.random.default_rng(0).normal(size=(256, 20)).astype("float32")
y = (x[:, 0] > 0).astype("int32")
t = time.perf_counter(); h = m.fit(x, y, epochs=3, batch_size=64, verbose=0)
print("smoke fit", [round(v, 4) for v in h.history["loss"]], f"{time.perf_counter() - t:.1f}s",
      "weights on", getattr(m.layers[0].weights[0].get_value(borrow=True), "devices", lambda: "host")())
PY
python3 benchmarks/run.py --device gpu --modes JAX --frameworks kerasque,torch,keras \
    --blas1-modes '' --reps "${REPS:-3}" --scale "${SCALE:-10}" --json "$OUT/bench.json" \
    2>&1 | tee "$OUT/bench.log"
