"""Where kerasque's time goes on workload B (the GRU char-LM) or A in one mode.

Splits the time of one training batch into: the ``fit`` loop (shuffling,
slicing, callbacks), the compiled function's Python call, and (JAX mode) the
jitted XLA computation alone; times the forward pass alone (the stochastic
predictor); and, with ``--pytensor-profile``, prints PyTensor's per-op
profile (NUMBA / C modes).

    python benchmarks/profile_gru.py --mode JAX
    python benchmarks/profile_gru.py --mode JAX --workload A
    python benchmarks/profile_gru.py --mode NUMBA --pytensor-profile

Not part of the test suite; findings are in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np


def timed(fn, reps=5, inner=1):
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t0) / inner)
    return statistics.median(times)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mode", default="JAX")
    p.add_argument("--workload", choices=["A", "B"], default="B")
    p.add_argument("--batches", type=int, default=8)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--pytensor-profile", action="store_true")
    args = p.parse_args(argv)

    if args.pytensor_profile:
        import pytensor

        pytensor.config.profile = True
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    import run as bench

    w = args.workload
    x, y = bench.load_data(w, "synthetic", args.batches)
    runner = bench.KerasqueRunner(w, args.mode)
    runner.compile()
    model = runner.model
    bs = bench.BATCH[w]
    tokens = bs * (bench.SEQ if w == "B" else 1)
    runner.first_batch(x, y)
    runner.train_epoch(x, y)
    train = model.make_train_function()
    on_device = args.mode.upper() == "JAX"
    xb, yb = x[:bs], y[:bs]

    t_fit = timed(lambda: runner.train_epoch(x, y), args.reps) / args.batches
    t_call = timed(lambda: train(xb, yb), args.reps, inner=args.batches)
    if on_device:
        import jax

        def dispatched():
            out = None
            for _ in range(args.batches):
                out = train.dispatch(xb, yb)
            jax.block_until_ready(out)

        t_async = timed(dispatched, args.reps) / args.batches
    print(
        f"mode {args.mode}, workload {w}: one batch of {tokens} "
        f"{'tokens' if w == 'B' else 'samples'}"
    )
    print(f"  fit loop, per batch           {t_fit * 1e3:8.2f} ms  ({tokens / t_fit:,.0f} /s)")
    print(f"  compiled train call           {t_call * 1e3:8.2f} ms  ({tokens / t_call:,.0f} /s)")
    if on_device:
        print(
            f"  train calls, not waiting      {t_async * 1e3:8.2f} ms  ({tokens / t_async:,.0f} /s)"
        )

    if args.mode.upper() == "JAX":
        import jax

        from kerasque.engine.jax.generators import rng_value

        spec = train._last  # the specialization in use (an _ExportedSpec)
        rng_args = [rng_value(r) for r in train.rngs]
        inputs = [np.asarray(xb, v.dtype) for v, xb in zip(train.inputs, (xb, yb))]
        values = [c[0] for c in spec.shared]

        def pure():
            # Updated weights are donated: feed each call the previous call's updates.
            _, new = jax.block_until_ready(spec.jit_fn(*inputs, *rng_args, *values))
            for i, v in zip(spec.updates, new):
                values[i] = v

        t_jit = timed(pure, args.reps, inner=args.batches)
        for i in spec.updates:  # hand the live buffers back to the model
            spec.shared[i][0] = values[i]
        call_args = inputs + rng_args + values
        jit_fn = spec.jit_fn
        print(f"  jitted XLA function alone     {t_jit * 1e3:8.2f} ms  ({tokens / t_jit:,.0f} /s)")
        jaxpr = jax.make_jaxpr(jit_fn)(*call_args)
        print(
            f"  jaxpr: {len(jaxpr.eqns)} top-level equations; scans: "
            + ", ".join(
                f"{len(e.params['jaxpr'].eqns)} eqns x {e.params['length']} steps"
                for e in jaxpr.eqns
                if e.primitive.name == "scan"
            )
        )

    stoch = model.make_predict_function(training=True)
    stoch(xb)
    t_fwd = timed(lambda: stoch(xb), args.reps, inner=args.batches)
    print(f"  forward only (MC predictor)   {t_fwd * 1e3:8.2f} ms")

    if args.pytensor_profile:
        fn = train.fn  # a HostFunction wraps the PyTensor function
        fn.profile.summary(file=sys.stdout, n_ops_to_print=15, n_apply_to_print=15)


if __name__ == "__main__":
    main()
