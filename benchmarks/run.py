"""Side-by-side speed benchmark: kerasque (every mode) against PyTorch and Keras 3 on JAX.

Workloads (issue 5):

A. MLP 784-512-512-10, ReLU, Dropout(0.5) after each hidden layer, softmax
   cross-entropy, batch 128, Adam, float32, synthetic data.
B. GRU character language model: vocabulary 65, Embedding 64, GRU 256 with
   DropConnect on the recurrent kernel only (one mask per batch), sequences
   of 50, batch 32, a softmax at every step, Adam.
C. LSTM character language model: B's shapes with an LSTM 256 and weight-drop
   (DropConnect on the recurrent kernel, one mask per batch) as in AWD-LSTM;
   Keras 3 runs ``LSTM(recurrent_dropout=)`` (its nearest built-in), PyTorch
   ``nn.LSTM`` with the same weight-drop.

Each framework/mode runs in its own long-lived worker process (so thread
pools and caches never interfere); the driver asks the workers in turn for
one timed chunk of work, rotating the order every repetition, and reports
medians. Compile time (from ``compile`` to the end of the first training
batch) is measured in fresh processes: cold with empty PyTensor/Numba caches,
then warm with the caches the cold run filled. The machine's float32 GEMM
peak (NumPy matmul of large square matrices) is measured in the same run.

Run from the repository root (see benchmarks/README.md for the venv)::

    python benchmarks/run.py                 # everything, ~10-15 min on 2 cores
    python benchmarks/run.py --reps 2 --workload A --modes JAX --no-compile-times

This file is not part of the test suite.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

MODES = ("NUMBA", "C", "JAX", "FAST_COMPILE")
# FAST_COMPILE (the test suite's mode: Python implementations of many ops) is
# an order of magnitude slower; measure it on request with --modes.
DEFAULT_MODES = ("NUMBA", "C", "JAX")
# Per timed chunk: batches of training, and (A only) batches of inference.
CHUNK = {"A": {"train": 50, "infer": 100}, "B": {"train": 8}, "C": {"train": 8}}
BATCH = {"A": 128, "B": 32, "C": 32}
TITLES = {"A": "A: MLP 784-512-512-10", "B": "B: GRU char-LM", "C": "C: LSTM char-LM, weight-drop"}
SEQ, VOCAB, EMBED, UNITS = 50, 65, 64, 256
DROP_A, DROP_B = 0.5, 0.3  # Dropout rate (A), DropConnect / recurrent_dropout rate (B)
LR = 1e-3
# "cpu" or "gpu" (--device); workers read it from the environment.
DEVICE = os.environ.get("KQ_BENCH_DEVICE", "cpu")
# Multiplies the batches per timed chunk (--scale; a GPU step is ~20x shorter).
SCALE = int(os.environ.get("KQ_BENCH_SCALE", "1"))


# ---------------------------------------------------------------------------
# Data (the same arrays in every worker: generated from a fixed seed)
# ---------------------------------------------------------------------------
def data_a(batches: int):
    rng = np.random.default_rng(0)
    n = batches * BATCH["A"]
    x = rng.normal(size=(n, 784)).astype("float32")
    y = rng.integers(0, 10, size=n).astype("int32")
    return x, y


def data_b(batches: int, source: str):
    n = batches * BATCH["B"]
    rng = np.random.default_rng(0)
    if source == "pydoc":
        from kerasque.datasets import pydoc_text

        text, _ = pydoc_text.load_data(max_chars=n * (SEQ + 1) + 1000)
        # Fold the text to 65 symbols: the 64 most frequent characters + "other".
        chars, counts = np.unique(
            np.frombuffer(text.encode("utf-32-le"), dtype="<u4"), return_counts=True
        )
        top = chars[np.argsort(-counts)[: VOCAB - 1]]
        table = {int(c): i for i, c in enumerate(top)}
        ids = np.array([table.get(ord(c), VOCAB - 1) for c in text], dtype="int32")
        starts = rng.integers(0, len(ids) - SEQ - 1, size=n)
        x = np.stack([ids[s : s + SEQ] for s in starts])
        y = np.stack([ids[s + 1 : s + SEQ + 1] for s in starts])
    else:
        x = rng.integers(0, VOCAB, size=(n, SEQ)).astype("int32")
        y = rng.integers(0, VOCAB, size=(n, SEQ)).astype("int32")
    return x, y


def mlp_flops_per_sample() -> float:
    """FLOPs of one training sample of workload A (forward + backward matmuls)."""
    layers = [(784, 512), (512, 512), (512, 10)]
    forward = sum(2 * i * o for i, o in layers)
    # Backward: weight gradients (= forward) + input gradients (all but the first layer).
    return 3 * forward - 2 * 784 * 512


# ---------------------------------------------------------------------------
# Models, one builder per framework. Each returns (train_epoch, infer, first_batch)
# closures over its data; train_epoch(x, y) trains one pass over x.
# ---------------------------------------------------------------------------
class KerasqueRunner:
    def __init__(self, workload, mode):
        from kerasque.layers import GRU, LSTM, Dense, DropConnect, Dropout, Embedding
        from kerasque.models import Sequential
        from kerasque.optimizers import Adam
        from kerasque.utils import set_random_seed

        set_random_seed(1)
        self.workload, self.mode = workload, mode
        if workload == "A":
            self.model = Sequential(
                [
                    Dense(512, activation="relu", input_shape=(784,)),
                    Dropout(DROP_A),
                    Dense(512, activation="relu"),
                    Dropout(DROP_A),
                    Dense(10, activation="softmax"),
                ]
            )
        else:
            rnn = GRU if workload == "B" else LSTM
            self.model = Sequential(
                [
                    Embedding(VOCAB, EMBED, input_length=SEQ),
                    DropConnect(
                        rnn(UNITS, return_sequences=True), DROP_B, weights=["recurrent_kernel"]
                    ),
                    Dense(VOCAB, activation="softmax"),
                ]
            )
        self._adam = Adam
        self.batch = BATCH[workload]

    def compile(self):
        self.model.compile(
            self._adam(learning_rate=LR), "sparse_categorical_crossentropy", mode=self.mode
        )

    def first_batch(self, x, y):
        self.model.train_on_batch(x[: self.batch], y[: self.batch])

    def train_epoch(self, x, y):
        self.model.fit(x, y, batch_size=self.batch, epochs=1, verbose=0, shuffle=True)

    def infer(self, x):
        self.model.predict(x, batch_size=self.batch)


class TorchRunner:
    def __init__(self, workload, mode=None):
        import torch
        from torch import nn

        if DEVICE == "cpu":
            torch.set_num_threads(2)
        torch.manual_seed(1)
        self.torch, self.workload, self.batch = torch, workload, BATCH[workload]
        self.device = torch.device("cuda" if DEVICE == "gpu" else "cpu")
        self._on_device: dict = {}
        if workload == "A":
            self.model = nn.Sequential(
                nn.Linear(784, 512),
                nn.ReLU(),
                nn.Dropout(DROP_A),
                nn.Linear(512, 512),
                nn.ReLU(),
                nn.Dropout(DROP_A),
                nn.Linear(512, 10),
            )
        else:
            self.model = _TorchCharRNN(torch, nn, nn.GRU if workload == "B" else nn.LSTM)
        self.model.to(self.device)
        self.loss = nn.CrossEntropyLoss()  # log-softmax + NLL, fused

    def compile(self):
        self.opt = self.torch.optim.Adam(self.model.parameters(), lr=LR)

    def _step(self, xb, yb):
        self.opt.zero_grad(set_to_none=True)
        out = self.model(xb)
        loss = self.loss(out.reshape(-1, out.shape[-1]), yb.reshape(-1))
        loss.backward()
        self.opt.step()
        return loss

    def _tensors(self, x, y):
        # The data goes to the device once (kerasque's JAX mode does the same).
        key = (id(x), id(y), len(x))
        if key not in self._on_device:
            self._on_device[key] = (
                self.torch.from_numpy(x).to(self.device),
                self.torch.from_numpy(y.astype("int64")).to(self.device),
            )
        return self._on_device[key]

    def first_batch(self, x, y):
        self.model.train()
        xt, yt = self._tensors(x[: self.batch], y[: self.batch])
        self._step(xt, yt).item()

    def train_epoch(self, x, y):
        self.model.train()
        xt, yt = self._tensors(x, y)
        order = self.torch.randperm(len(xt), device=self.device)
        for s in range(0, len(xt), self.batch):
            idx = order[s : s + self.batch]
            loss = self._step(xt[idx], yt[idx])
        loss.item()

    def infer(self, x):
        self.model.eval()
        xt = self.torch.from_numpy(x).to(self.device)
        with self.torch.no_grad():
            outs = [
                self.torch.softmax(self.model(xt[s : s + self.batch]), -1).cpu().numpy()
                for s in range(0, len(xt), self.batch)
            ]
        np.concatenate(outs)


def _TorchCharRNN(torch, nn, rnn):
    """nn.GRU or nn.LSTM with weight-drop on weight_hh (AWD-LSTM style: one mask per batch)."""

    class CharRNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(VOCAB, EMBED)
            self.gru = rnn(EMBED, UNITS, batch_first=True)
            self.out = nn.Linear(UNITS, VOCAB)

        def forward(self, x):
            e = self.embed(x)
            if self.training:
                w = self.gru.weight_hh_l0
                keep = 1.0 - DROP_B
                mask = torch.bernoulli(torch.full_like(w, keep)) / keep
                h, _ = torch.func.functional_call(self.gru, {"weight_hh_l0": w * mask}, (e,))
            else:
                h, _ = self.gru(e)
            return self.out(h)

    return CharRNN()


class KerasRunner:
    def __init__(self, workload, mode=None):
        os.environ.setdefault("KERAS_BACKEND", "jax")
        import keras

        keras.utils.set_random_seed(1)
        self.keras, self.workload, self.batch = keras, workload, BATCH[workload]
        L = keras.layers
        if workload == "A":
            self.model = keras.Sequential(
                [
                    keras.Input((784,)),
                    L.Dense(512, activation="relu"),
                    L.Dropout(DROP_A),
                    L.Dense(512, activation="relu"),
                    L.Dropout(DROP_A),
                    L.Dense(10, activation="softmax"),
                ]
            )
        else:
            rnn = L.GRU if workload == "B" else L.LSTM
            self.model = keras.Sequential(
                [
                    keras.Input((SEQ,), dtype="int32"),
                    L.Embedding(VOCAB, EMBED),
                    rnn(UNITS, return_sequences=True, recurrent_dropout=DROP_B),
                    L.Dense(VOCAB, activation="softmax"),
                ]
            )

    def compile(self):
        self.model.compile(
            self.keras.optimizers.Adam(learning_rate=LR), "sparse_categorical_crossentropy"
        )

    def first_batch(self, x, y):
        self.model.train_on_batch(x[: self.batch], y[: self.batch])

    def train_epoch(self, x, y):
        self.model.fit(x, y, batch_size=self.batch, epochs=1, verbose=0, shuffle=True)

    def infer(self, x):
        self.model.predict(x, batch_size=self.batch, verbose=0)


RUNNERS = {"kerasque": KerasqueRunner, "torch": TorchRunner, "keras": KerasRunner}


def load_data(workload, source, batches):
    return data_a(batches) if workload == "A" else data_b(batches, source)


# ---------------------------------------------------------------------------
# Worker and probe processes
# ---------------------------------------------------------------------------
def worker_main(framework, mode, workload, source):
    """Build, warm up, then answer 'train' / 'infer' / 'quit' on stdin with JSON."""
    out = sys.stdout
    sys.stdout = sys.stderr  # keep library chatter off the protocol channel
    try:
        chunk = {k: v * SCALE for k, v in CHUNK[workload].items()}
        x, y = load_data(workload, source, chunk["train"])
        runner = RUNNERS[framework](workload, mode)
        t0 = time.perf_counter()
        runner.compile()
        runner.first_batch(x, y)
        first = time.perf_counter() - t0
        runner.train_epoch(x[: 3 * runner.batch], y[: 3 * runner.batch])  # warm the fit path
        xi = None
        if "infer" in chunk:
            xi, _ = data_a(chunk["infer"])
            runner.infer(xi[: 2 * runner.batch])
        print(json.dumps({"ready": True, "first_batch_s": first}), file=out, flush=True)
    except Exception as err:  # noqa: BLE001 - report, so the driver can skip this worker
        print(
            json.dumps({"ready": False, "error": f"{type(err).__name__}: {err}"[:2000]}),
            file=out,
            flush=True,
        )
        return
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "quit":
            break
        t0 = time.perf_counter()
        if cmd == "train":
            runner.train_epoch(x, y)
            items = len(x) * (1 if workload == "A" else SEQ)
        elif cmd == "infer":
            runner.infer(xi)
            items = len(xi)
        else:
            items = 0
        dt = time.perf_counter() - t0
        print(json.dumps({"seconds": dt, "items": items}), file=out, flush=True)


def probe_main(framework, mode, workload, source):
    """One compile-to-first-batch measurement in this (fresh) process."""
    t_import = time.perf_counter()
    if mode == "JAX":
        # Import JAX with the framework, as Keras does on `import keras`, so
        # both compile windows start with JAX loaded (~0.8 s here).
        import jax  # noqa: F401
    runner = RUNNERS[framework](workload, mode)  # imports the framework, builds the model
    t_built = time.perf_counter()
    x, y = load_data(workload, source, 1)
    t0 = time.perf_counter()
    runner.compile()
    runner.first_batch(x, y)
    t1 = time.perf_counter()
    print(json.dumps({"compile_s": t1 - t0, "import_build_s": t_built - t_import}), flush=True)


class Worker:
    def __init__(self, framework, mode, workload, source, blas1=False):
        self.label = framework if framework != "kerasque" else f"kerasque {mode}"
        if blas1:
            self.label += " blas1"
        self.framework, self.mode = framework, mode
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives as long as the worker
            "w+",
            prefix=f"kq-bench-{workload}-{self.label.replace(' ', '-')}-",
            suffix=".log",
            delete=False,
        )
        self.proc = subprocess.Popen(
            [
                sys.executable,
                os.path.abspath(__file__),
                "--worker",
                framework,
                mode or "-",
                workload,
                "--data",
                source,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env=_env(framework, BLAS1 if blas1 else None),
        )
        self.ready = None

    def _reply(self) -> dict:
        # Skip anything a library printed to the protocol channel at C level.
        for line in self.proc.stdout:
            if line.startswith("{"):
                return json.loads(line)
        return {"ready": False, "error": f"worker died; see {self.log.name}"}

    def wait_ready(self):
        msg = self._reply()
        self.ready = msg.get("ready", False)
        self.error = msg.get("error")
        self.first_batch_s = msg.get("first_batch_s")
        return self.ready

    def ask(self, cmd):
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()
        msg = self._reply()
        if "seconds" not in msg:
            raise RuntimeError(f"{self.label}: {msg.get('error')}")
        return msg

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=30)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.proc.kill()


# Single-threaded BLAS for the NumPy/SciPy OpenBLAS that PyTensor's C and
# Numba code calls (set before the worker imports NumPy).
BLAS1 = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _env(framework, extra=None):
    env = dict(os.environ)
    env.setdefault("KERAS_BACKEND", "jax")
    if DEVICE == "gpu":
        # Two JAX workers share the GPU with PyTorch: no 75% preallocation each.
        env["XLA_PYTHON_CLIENT_PREALLOCATE"] = "false"
    else:
        env.setdefault("JAX_PLATFORMS", "cpu")
    env.update(extra or {})
    return env


def compile_probe(framework, mode, workload, source, dirs):
    """Cold then warm compile-to-first-batch time, each in a fresh process."""
    results = {}
    for phase in ("cold", "warm"):
        extra = {}
        if framework == "kerasque":
            extra = {
                "PYTENSOR_FLAGS": f"base_compiledir={dirs['pytensor']}",
                "NUMBA_CACHE_DIR": dirs["numba"],
            }
        proc = subprocess.run(
            [
                sys.executable,
                os.path.abspath(__file__),
                "--probe",
                framework,
                mode or "-",
                workload,
                "--data",
                source,
            ],
            capture_output=True,
            text=True,
            env=_env(framework, extra),
            timeout=900,
            check=False,
        )
        lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
        if proc.returncode or not lines:
            results[phase] = None
            results["error"] = proc.stderr.strip().splitlines()[-1:] if proc.stderr else "?"
            break
        results[phase] = json.loads(lines[-1])
    return results


# ---------------------------------------------------------------------------
# The driver
# ---------------------------------------------------------------------------
def gemm_peak(sizes=(2048, 3072), repeats=5) -> float:
    """Best float32 GFLOP/s of NumPy matmul on large square matrices.

    With ``--device gpu``: PyTorch's CUDA matmul in true float32 (no TF32)
    on 8192 matrices, when PyTorch is installed.
    """
    if DEVICE == "gpu" and importlib.util.find_spec("torch"):
        import torch

        torch.backends.cuda.matmul.allow_tf32 = False
        n, best = 8192, 0.0
        a = torch.randn(n, n, device="cuda")
        b = torch.randn(n, n, device="cuda")
        a @ b
        for _ in range(repeats):
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            a @ b
            torch.cuda.synchronize()
            best = max(best, 2 * n**3 / (time.perf_counter() - t0) / 1e9)
        return best
    rng = np.random.default_rng(0)
    best = 0.0
    for n in sizes:
        a = rng.normal(size=(n, n)).astype("float32")
        b = rng.normal(size=(n, n)).astype("float32")
        a @ b
        for _ in range(repeats):
            t0 = time.perf_counter()
            a @ b
            best = max(best, 2 * n**3 / (time.perf_counter() - t0) / 1e9)
    return best


def versions() -> dict:
    out = {"python": platform.python_version()}
    for pkg in ("kerasque", "pytensor", "numpy", "numba", "torch", "jax", "jaxlib", "keras"):
        try:
            out[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def machine() -> dict:
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    out = {"nproc": os.cpu_count(), "cpu": model, "platform": platform.platform()}
    if DEVICE == "gpu":
        try:
            out["gpu"] = subprocess.run(
                ["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out["gpu"] = "?"
    return out


def loadavg() -> float:
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except OSError:
        return float("nan")


def available(frameworks, modes, blas1_modes=()):
    def have(module):
        return importlib.util.find_spec(module) is not None

    workers = []
    if "kerasque" in frameworks:
        for mode in modes:
            if mode == "JAX" and not have("jax"):
                print("skipping kerasque JAX: jax is not installed", file=sys.stderr)
                continue
            workers.append(("kerasque", mode, False))
            if mode in blas1_modes:
                workers.append(("kerasque", mode, True))
    if "torch" in frameworks:
        if have("torch"):
            workers.append(("torch", None, False))
        else:
            print("skipping PyTorch: not installed (see benchmarks/README.md)", file=sys.stderr)
    if "keras" in frameworks:
        if have("keras") and have("jax"):
            workers.append(("keras", None, False))
        else:
            print("skipping Keras 3 on JAX: keras or jax not installed", file=sys.stderr)
    return workers


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')} load {loadavg():.2f}] {msg}", file=sys.stderr, flush=True)


def run_workload(workload, combos, args, results):
    log(f"workload {workload}: starting {len(combos)} workers")
    workers = []
    for fw, mode, blas1 in combos:  # start one at a time: compiles must not overlap
        w = Worker(fw, mode, workload, args.data, blas1)
        if not w.wait_ready():
            log(f"  {w.label}: FAILED: {w.error}")
            results.setdefault("failures", {})[f"{workload} {w.label}"] = w.error
            w.close()
            continue
        log(f"  {w.label}: ready (first batch {w.first_batch_s:.1f} s)")
        workers.append(w)
    kinds = ["train"] + (["infer"] if workload == "A" else [])
    samples = {(w.label, k): [] for w in workers for k in kinds}
    try:
        for rep in range(args.reps):
            order = workers[rep % len(workers) :] + workers[: rep % len(workers)] if workers else []
            for kind in kinds:
                for w in order:
                    r = w.ask(kind)
                    samples[(w.label, kind)].append(r["items"] / r["seconds"])
            log(f"  rep {rep + 1}/{args.reps} done")
    finally:
        for w in workers:
            w.close()
    out = results.setdefault("throughput", {}).setdefault(workload, {})
    for (label, kind), vals in samples.items():
        out.setdefault(label, {})[kind] = {"median": statistics.median(vals), "all": vals}


def fmt_table(results) -> str:
    lines = []
    peak = results["gemm_peak_gflops"]
    for workload, table in results.get("throughput", {}).items():
        unit = "samples/s" if workload == "A" else "tokens/s"
        torch_v = table.get("torch", {})
        keras_v = table.get("keras", {})
        kinds = ["train"] + (["infer"] if workload == "A" else [])
        title = TITLES[workload]
        lines.append(f"\n### Workload {title} (medians of {results['reps']} reps)\n")
        head = "| framework / mode |"
        sep = "|---|"
        for k in kinds:
            head += f" {k} {unit} | vs PyTorch | vs Keras-JAX |"
            sep += "---:|---:|---:|"
        if workload == "A":
            head += " train GEMM-peak fraction |"
            sep += "---:|"
        lines += [head, sep]
        for label, row in table.items():
            cells = f"| {label} |"
            for k in kinds:
                v = row[k]["median"]
                rt = v / torch_v[k]["median"] if k in torch_v else None
                rk = v / keras_v[k]["median"] if k in keras_v else None
                cells += f" {v:,.0f} | {_ratio(rt)} | {_ratio(rk)} |"
            if workload == "A":
                frac = row["train"]["median"] * mlp_flops_per_sample() / 1e9 / peak
                cells += f" {frac:.0%} |"
            lines.append(cells)
    comp = results.get("compile", {})
    if comp:
        lines.append("\n### Compile: `compile` to the end of the first training batch (s)\n")
        lines.append(
            "| workload | framework / mode | cold (empty caches) | warm | import+build (cold) |"
        )
        lines.append("|---|---|---:|---:|---:|")
        for key, r in comp.items():
            workload, label = key.split(" ", 1)
            cold = r.get("cold") or {}
            warm = r.get("warm") or {}
            lines.append(
                f"| {workload} | {label} | {_sec(cold.get('compile_s'))} | "
                f"{_sec(warm.get('compile_s'))} | {_sec(cold.get('import_build_s'))} |"
            )
    source = "PyTorch CUDA matmul, no TF32" if results.get("device") == "gpu" else "NumPy matmul"
    lines.append(
        f"\nfloat32 GEMM peak ({source}): {peak:.1f} GFLOP/s; "
        f"MLP training FLOPs per sample: {mlp_flops_per_sample() / 1e6:.2f} M"
    )
    return "\n".join(lines)


def _ratio(r):
    return "-" if r is None else f"{r:.2f}x"


def _sec(s):
    return "-" if s is None else f"{s:.1f}"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=5, help="timed repetitions per framework (5)")
    p.add_argument("--workload", choices=["A", "B", "C", "all"], default="all")
    p.add_argument(
        "--frameworks", default="kerasque,torch,keras", help="comma list from kerasque,torch,keras"
    )
    p.add_argument(
        "--modes",
        default=",".join(DEFAULT_MODES),
        help=f"kerasque modes, comma list from {','.join(MODES)} "
        f"(default {','.join(DEFAULT_MODES)})",
    )
    p.add_argument(
        "--compile-modes",
        default=None,
        help="modes whose cold/warm compile is measured (default: --modes)",
    )
    p.add_argument("--no-compile-times", action="store_true", help="skip cold/warm probes")
    p.add_argument(
        "--blas1-modes",
        default="NUMBA,C",
        help="kerasque modes also run with single-threaded BLAS (rows '... blas1'); '' for none",
    )
    p.add_argument(
        "--data",
        choices=["pydoc", "synthetic"],
        default="pydoc",
        help="workload B text: pydoc help folded to 65 symbols, or random ids",
    )
    p.add_argument("--json", help="also write the results here")
    p.add_argument(
        "--device",
        choices=["cpu", "gpu"],
        default=None,
        help="cpu (default; JAX_PLATFORMS=cpu for the JAX workers) or gpu "
        "(PyTorch on CUDA, JAX on its default GPU backend)",
    )
    p.add_argument(
        "--scale",
        type=int,
        default=None,
        help="multiply the batches per timed chunk (default 1; try 10 on a GPU)",
    )
    # Internal entry points.
    p.add_argument("--worker", nargs=3, metavar=("FRAMEWORK", "MODE", "WORKLOAD"))
    p.add_argument("--probe", nargs=3, metavar=("FRAMEWORK", "MODE", "WORKLOAD"))
    args = p.parse_args(argv)

    for entry, fn in ((args.worker, worker_main), (args.probe, probe_main)):
        if entry:
            fw, mode, workload = entry
            return fn(fw, None if mode == "-" else mode, workload, args.data)

    global DEVICE, SCALE
    if args.device:
        DEVICE = os.environ["KQ_BENCH_DEVICE"] = args.device
    if args.scale:
        SCALE = args.scale
        os.environ["KQ_BENCH_SCALE"] = str(args.scale)
    frameworks = [f.strip() for f in args.frameworks.split(",") if f.strip()]
    modes = [m.strip().upper() for m in args.modes.split(",") if m.strip()]
    for m in modes:
        if m not in MODES:
            p.error(f"unknown mode {m!r}; choose from {', '.join(MODES)}")
    workloads = ["A", "B", "C"] if args.workload == "all" else [args.workload]
    blas1 = [m.strip().upper() for m in args.blas1_modes.split(",") if m.strip()]
    combos = available(frameworks, modes, blas1)
    started = time.time()
    results = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "versions": versions(),
        "machine": machine(),
        "reps": args.reps,
        "data_b": args.data,
        "device": DEVICE,
        "scale": SCALE,
        "load_at_start": loadavg(),
    }
    log(f"versions {results['versions']}")
    results["gemm_peak_gflops"] = gemm_peak()
    log(f"float32 GEMM peak {results['gemm_peak_gflops']:.1f} GFLOP/s")

    if not args.no_compile_times:
        cmodes = (
            modes
            if args.compile_modes is None
            else [m.strip().upper() for m in args.compile_modes.split(",") if m.strip()]
        )
        for workload in workloads:
            for fw, mode, single in combos:
                if fw == "torch" or single or (fw == "kerasque" and mode not in cmodes):
                    continue
                label = fw if fw != "kerasque" else f"kerasque {mode}"
                root = tempfile.mkdtemp(prefix="kq-bench-cache-")
                dirs = {
                    "pytensor": os.path.join(root, "pytensor"),
                    "numba": os.path.join(root, "numba"),
                }
                try:
                    r = compile_probe(fw, mode, workload, args.data, dirs)
                finally:
                    shutil.rmtree(root, ignore_errors=True)
                results.setdefault("compile", {})[f"{workload} {label}"] = r
                log(
                    f"compile {workload} {label}: cold "
                    f"{_sec((r.get('cold') or {}).get('compile_s'))} s, warm "
                    f"{_sec((r.get('warm') or {}).get('compile_s'))} s"
                )

    for workload in workloads:
        run_workload(workload, combos, args, results)
    results["load_at_end"] = loadavg()
    results["wall_s"] = time.time() - started
    print(f"# kerasque benchmark, {results['date']}")
    print(f"machine: {results['machine']}")
    print(f"versions: {results['versions']}")
    print(
        f"load average (1 min) at start {results['load_at_start']:.2f}, at end "
        f"{results['load_at_end']:.2f}; wall {results['wall_s'] / 60:.1f} min"
    )
    print(fmt_table(results))
    for key, err in results.get("failures", {}).items():
        print(f"FAILED {key}: {err}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
