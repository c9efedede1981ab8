"""Data-parallel training throughput of kerasque on 1, 2 and 4 devices (issue 14).

Trains workload A (MLP 784-512-512-10, Dropout 0.5, global batch 128,
Adam) and workload B (GRU char-LM, DropConnect on the recurrent kernel,
global batch 32 of 50 tokens, Adam) of ``benchmarks/run.py``, whose models,
constants and synthetic data it imports, under
``kerasque.distribution.DataParallel`` in the JAX mode. Each (workload,
device count) runs in its own subprocess: JAX reads
``XLA_FLAGS=--xla_force_host_platform_device_count=N`` only when it starts.
A worker warms up with one ``fit`` epoch (compiling the sharded step), then
times ``--reps`` epochs of ``--batches`` batches each; the table reports the
median samples/s (tokens/s for B) and the ratio to 1 device.

The numbers are informational. By default the devices are virtual CPU
devices (``JAX_PLATFORMS=cpu``) that share the machine's cores, so more
devices cannot be faster than the cores allow: the ratio shows the cost of
sharding (partitioned step, gradient all-reduce), not a speed-up. With
``--device gpu`` the workers use the GPU devices JAX sees
(``list_devices('gpu')``); device counts beyond them are skipped. PyTorch
DDP is not run beside it (issue 14 asks for it where it runs; this script
leaves it out).

    python benchmarks/distributed.py                       # CPU, 1/2/4 devices
    python benchmarks/distributed.py --batches 2 --reps 1  # a smoke test
    python benchmarks/distributed.py --device gpu --batches 500 --json /tmp/dist.json

Not part of the test suite; how to run it and the numbers are in
benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def _bench():
    """benchmarks/run.py, imported as a module (as profile_gru.py does)."""
    sys.path.insert(0, HERE)
    import run

    return run


def worker(workload: str, devices: int, device: str, batches: int, reps: int) -> dict:
    """Time ``fit`` epochs of one workload under DataParallel on ``devices`` devices."""
    bench = _bench()
    from kerasque import distribution as D

    try:
        names = D.list_devices(device)
    except RuntimeError:  # JAX has no such backend here
        names = []
    if len(names) < devices:
        return {"skipped": f"{devices} {device} devices asked for; JAX sees {len(names)}"}
    x, y = bench.load_data(workload, "synthetic", batches)
    with D.DataParallel(devices=names[:devices]).scope():
        runner = bench.KerasqueRunner(workload, "JAX")
        runner.compile()
        runner.train_epoch(x, y)  # warm-up: compiles the sharded step
        seconds = []
        for _ in range(reps):
            t0 = time.perf_counter()
            runner.train_epoch(x, y)
            seconds.append(time.perf_counter() - t0)
    items = len(x) * (bench.SEQ if workload == "B" else 1)
    return {
        "seconds": seconds,
        "items": items,
        "per_device_batch": bench.BATCH[workload] // devices,
    }


def run_worker(workload, devices, args) -> dict:
    """Run :func:`worker` in a fresh process (on the CPU: with ``devices`` virtual devices)."""
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")]))
    )
    if args.device == "cpu":
        env["JAX_PLATFORMS"] = "cpu"
        env["XLA_FLAGS"] = (
            env.get("XLA_FLAGS", "") + f" --xla_force_host_platform_device_count={devices}"
        ).strip()
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", workload, str(devices)]
    cmd += ["--device", args.device, "--batches", str(args.batches[workload])]
    cmd += ["--reps", str(args.reps)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT")]
    if proc.returncode != 0 or not lines:
        return {"error": proc.stderr[-2000:] or f"exit status {proc.returncode}"}
    return json.loads(lines[-1][len("RESULT") :])


def table(rows) -> str:
    out = [
        "| workload | devices | per-device batch | throughput | vs 1 device |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        if "rate" not in r:
            why = r.get("skipped") or "failed: " + r["error"].strip().splitlines()[-1]
            out.append(f"| {r['title']} | {r['devices']} | - | {why} | - |")
            continue
        ratio = f"{r['ratio']:.2f}x" if r.get("ratio") else "-"
        out.append(
            f"| {r['title']} | {r['devices']} | {r['per_device_batch']} | "
            f"{r['rate']:,.0f} {r['unit']} | {ratio} |"
        )
    return "\n".join(out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    p.add_argument("--devices", default="1,2,4", help="device counts, comma-separated")
    p.add_argument("--workload", choices=["A", "B", "all"], default="all")
    p.add_argument("--batches", type=int, help="timed batches per epoch (default: run.py's)")
    p.add_argument("--reps", type=int, default=3, help="timed epochs; the median is reported")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    p.add_argument("--worker", nargs=2, metavar=("WORKLOAD", "DEVICES"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        sys.stdout, out = sys.stderr, sys.stdout  # keep library chatter off the result line
        result = worker(args.worker[0], int(args.worker[1]), args.device, args.batches, args.reps)
        print("RESULT" + json.dumps(result), file=out, flush=True)
        return

    os.environ["KQ_BENCH_DEVICE"] = args.device  # run.machine() names the GPU
    bench = _bench()
    workloads = ["A", "B"] if args.workload == "all" else [args.workload]
    counts = [int(n) for n in args.devices.split(",")]
    args.batches = {w: args.batches or bench.CHUNK[w]["train"] for w in workloads}
    rows = []
    for w in workloads:
        base = None
        for n in counts:
            t0 = time.perf_counter()
            r = run_worker(w, n, args)
            r.update(workload=w, devices=n, title=bench.TITLES[w])
            if "seconds" in r:
                r["rate"] = r["items"] / statistics.median(r["seconds"])
                r["unit"] = "tokens/s" if w == "B" else "samples/s"
                base = r["rate"] if n == 1 else base
                r["ratio"] = r["rate"] / base if base else None
            print(
                f"# {w} on {n} {args.device} device(s): {time.perf_counter() - t0:.0f} s",
                file=sys.stderr,
                flush=True,
            )
            rows.append(r)
    sizes = ", ".join(f"{w} {n}" for w, n in args.batches.items())
    print(f"\n{args.device}: medians of {args.reps} fit epochs of {sizes} batches\n")
    print(table(rows))
    if args.json:
        doc = {
            "device": args.device,
            "reps": args.reps,
            "batches": args.batches,
            "machine": bench.machine(),
            "versions": bench.versions(),
            "rows": rows,
        }
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=2)


if __name__ == "__main__":
    main()
