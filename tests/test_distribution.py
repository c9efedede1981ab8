"""kerasque.distribution: data-parallel training over a JAX device mesh.

JAX reads ``XLA_FLAGS=--xla_force_host_platform_device_count=4`` (four
virtual CPU devices) only when it starts, so the checks run in one
subprocess that prints its findings as JSON; the tests assert on them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent(r"""
    import json
    import sys
    import numpy as np
    import jax
    import kerasque.engine.jax.function as jax_function
    from kerasque import distribution as D
    from kerasque.backend import set_mode
    from kerasque.layers import GRU, Dense, DropConnect, Dropout, ZoneOut
    from kerasque.models import Sequential, load_model
    from kerasque.utils import set_random_seed

    out_dir = sys.argv[1]
    out = {"devices": D.list_devices()}
    rng = np.random.default_rng(0)
    x = rng.normal(size=(70, 8)).astype("float32")
    y = rng.normal(size=(70, 1)).astype("float32")
    seqs = rng.normal(size=(24, 5, 3)).astype("float32")
    seq_y = rng.normal(size=(24, 4)).astype("float32")

    def mlp():
        set_random_seed(7)
        model = Sequential([Dense(16, activation="relu", input_shape=(8,)), Dropout(0.5),
                            Dense(1)])
        model.compile("sgd", "mse")
        return model

    def recurrent():
        set_random_seed(7)
        model = Sequential([ZoneOut(DropConnect(GRU(4, dropout=0.2), 0.3,
                                                weights=["recurrent_kernel"]), 0.1,
                                    input_shape=(5, 3))])
        model.compile("sgd", "mse")
        return model

    def weights(model):
        return np.concatenate([w.ravel() for w in model.get_weights()])

    def rel(a, b):
        return float(np.max(np.abs(a - b)) / np.max(np.abs(a)))

    # One device (no distribution) then four, same seed: batch 16 of 70
    # samples, so the last batch (6) runs unsharded.
    single = mlp()
    single.fit(x, y, batch_size=16, epochs=2, verbose=0)
    pred_single = single.predict(x, batch_size=16)
    seq_single = recurrent()
    seq_single.fit(seqs, seq_y, batch_size=8, epochs=2, verbose=0)
    ones = np.ones((8, 64), "float32")
    set_random_seed(3)
    drop = Sequential([Dropout(0.5, input_shape=(64,))])
    masks_single = drop.predict(ones, batch_size=8, training=True)

    placed = []
    real_place, real_replicate = jax_function.place_batch, jax_function.replicate
    def recording_place(args):
        args, like = real_place(args)
        placed.append([args])
        return args, like
    def recording_replicate(rng_values, cells):
        rng_values = real_replicate(rng_values, cells)
        placed[-1] += [rng_values, cells]
        return rng_values
    jax_function.place_batch, jax_function.replicate = recording_place, recording_replicate

    dist = D.DataParallel(devices=D.list_devices()[:4])
    with dist.scope():
        out["in_scope"] = D.distribution() is dist
        four = mlp()
        four.fit(x, y, batch_size=16, epochs=2, verbose=0)
        train = four._functions[next(k for k in four._functions if "train" in str(k))]
        args, rng_values, cells = next(p for p in placed if p[0][0].shape[0] == 16)
        out["placed"] = [[str(p) for p in a.sharding.spec] for a in args]
        out["last_batch"] = [p[0][0].sharding.is_fully_replicated for p in placed
                             if p[0][0].shape[0] == 70 % 16][:1]
        spec = train._specs[tuple(a.shape for a in args)]
        compiled = spec.jit_fn.lower(*args, *rng_values, *[c[0] for c in cells]).compile()
        shardings = jax.tree.leaves(compiled.input_shardings[0])
        out["compiled_inputs"] = [[str(p) for p in s.spec] for s in shardings[:len(args)]]
        out["compiled_devices"] = len(shardings[0].device_set)
        out["compiled_params"] = [s.is_fully_replicated for s in shardings[len(args):]]
        pred_four = four.predict(x, batch_size=16)
        seq_four = recurrent()
        seq_four.fit(seqs, seq_y, batch_size=8, epochs=2, verbose=0)
        set_random_seed(3)
        drop = Sequential([Dropout(0.5, input_shape=(64,))])
        masks_four = drop.predict(ones, batch_size=8, training=True)
        four.save(out_dir + "/four.h5")
    out["after_scope"] = D.distribution() is None
    single.save(out_dir + "/single.h5")
    reloaded = load_model(out_dir + "/four.h5")
    out["saved_equal"] = bool(np.array_equal(weights(reloaded), weights(four)))
    out["saved_rel_to_single"] = rel(weights(load_model(out_dir + "/single.h5")),
                                     weights(reloaded))
    out["mlp_rel"] = rel(weights(single), weights(four))
    out["gru_rel"] = rel(weights(seq_single), weights(seq_four))
    out["predict_diff"] = float(np.max(np.abs(pred_single - pred_four)))
    out["masks_equal_1_vs_4"] = bool(np.array_equal(masks_single, masks_four))
    shards = [(masks_four[2 * i:2 * i + 2] != 0) for i in range(4)]
    out["shard_masks_distinct"] = len({s.tobytes() for s in shards}) == 4

    def error(fn):
        try:
            fn()
        except Exception as err:
            return [type(err).__name__, str(err)]
        return None

    out["too_many"] = error(lambda: D.DataParallel(devices=["cpu:0", "cpu:9"]))
    out["too_big_mesh"] = error(lambda: D.DeviceMesh((8,), ["batch"]))
    def numba_fit_under_a_distribution():
        numba_model = Sequential([Dense(2, input_shape=(3,))])
        numba_model.compile("sgd", "mse", mode="NUMBA")
        with D.DataParallel().scope():
            numba_model.fit(np.ones((8, 3), "float32"), np.ones((8, 2), "float32"), verbose=0)

    out["numba_compile"] = error(numba_fit_under_a_distribution)
    set_mode("NUMBA")
    out["numba"] = error(lambda: D.set_distribution(D.DataParallel()))
    print("RESULT" + json.dumps(out))
""")


PROCESS_SCRIPT = textwrap.dedent(r"""
    import json
    import sys
    import jax
    import numpy as np
    from kerasque import distribution as D

    pid, port = int(sys.argv[1]), sys.argv[2]
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    D.initialize(f"127.0.0.1:{port}", 2, pid)
    from kerasque.layers import Dense, Dropout
    from kerasque.models import Sequential
    from kerasque.utils import set_random_seed

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 8)).astype("float32")
    y = rng.normal(size=(64, 1)).astype("float32")

    def fit(x, y, batch_size):
        set_random_seed(7)
        model = Sequential([Dense(16, activation="relu", input_shape=(8,)), Dropout(0.5),
                            Dense(1)])
        model.compile("sgd", "mse")
        model.fit(x, y, batch_size=batch_size, epochs=2, verbose=0, shuffle=False)
        return np.concatenate([w.ravel() for w in model.get_weights()])

    D.set_distribution(D.DataParallel())
    # Each global batch of 16: its first 8 rows come from process 0, the rest from 1.
    share = np.arange(64).reshape(4, 2, 8)[:, pid].ravel()
    job = fit(x[share], y[share], 8)
    out = {"devices": len(D.list_devices()), "processes": jax.process_count()}
    if pid == 0:
        D.set_distribution(None)
        alone = fit(x, y, 16)
        out["rel"] = float(np.max(np.abs(job - alone)) / np.max(np.abs(alone)))
    print("RESULT" + json.dumps(out), flush=True)
""")


def _free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(devices):
    return dict(
        os.environ,
        XLA_FLAGS=f"--xla_force_host_platform_device_count={devices}",
        PYTHONPATH=str(ROOT),
        KERASQUE_MODE="JAX",
    )


@pytest.fixture(scope="module")
def processes():
    port = str(_free_port())
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", PROCESS_SCRIPT, str(pid), port],
            env=_env(2),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for pid in (0, 1)
    ]
    outs = [p.communicate(timeout=600) for p in procs]
    results = []
    for proc, (stdout, stderr) in zip(procs, outs):
        lines = [ln for ln in stdout.splitlines() if ln.startswith("RESULT")]
        assert proc.returncode == 0 and lines, stderr[-4000:]
        results.append(json.loads(lines[-1][len("RESULT") :]))
    return results


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out_dir = str(tmp_path_factory.mktemp("distribution"))
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, out_dir],
        env=_env(4),
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT")]
    assert proc.returncode == 0 and lines, proc.stderr[-4000:]
    return json.loads(lines[-1][len("RESULT") :])


def test_list_devices_names_the_four_virtual_cpu_devices(result):
    assert result["devices"] == ["cpu:0", "cpu:1", "cpu:2", "cpu:3"]


def test_scope_sets_and_restores_the_distribution(result):
    assert result["in_scope"] and result["after_scope"]


def test_mlp_with_dropout_on_four_devices_equals_one_device(result):
    assert result["mlp_rel"] < 1e-5


def test_zoneout_dropconnect_gru_on_four_devices_equals_one_device(result):
    assert result["gru_rel"] < 1e-5


def test_predict_on_four_devices_equals_one_device(result):
    assert result["predict_diff"] < 1e-5


def test_per_sample_masks_differ_across_shards_and_match_one_device(result):
    assert result["shard_masks_distinct"]
    assert result["masks_equal_1_vs_4"]


def test_batches_are_placed_sharded_along_the_batch_axis(result):
    assert result["placed"] == [["batch"]] * 2


def test_last_partial_batch_runs_unsharded(result):
    assert result["last_batch"] == [True]


def test_compiled_step_takes_sharded_inputs_and_replicated_parameters(result):
    assert result["compiled_devices"] == 4
    assert result["compiled_inputs"] == [["batch"]] * 2
    assert len(result["compiled_params"]) > 4 and all(result["compiled_params"])


def test_more_devices_than_exist_is_a_clear_error(result):
    kind, message = result["too_many"]
    assert kind == "ValueError" and "cpu:9" in message
    kind, message = result["too_big_mesh"]
    assert kind == "ValueError" and "needs 8 devices" in message and "has 4" in message


def test_a_distribution_in_the_numba_mode_is_a_clear_error(result):
    kind, message = result["numba"]
    assert kind == "ValueError" and "'NUMBA'" in message and "'JAX'" in message


def test_a_model_compiled_for_numba_refuses_to_fit_under_a_distribution(result):
    kind, message = result["numba_compile"]
    assert kind == "ValueError" and "'NUMBA'" in message and "'JAX'" in message


def test_a_model_saved_under_a_distribution_loads_on_one_device_with_its_weights(result):
    assert result["saved_equal"]
    assert result["saved_rel_to_single"] < 1e-5


def test_two_processes_train_as_one_job_equal_to_one_process(processes):
    assert [r["processes"] for r in processes] == [2, 2]
    assert [r["devices"] for r in processes] == [4, 4]
    assert processes[0]["rel"] < 1e-5


def test_set_distribution_rejects_a_wrong_type():
    from kerasque import distribution as D

    with pytest.raises(TypeError, match="DataParallel"):
        D.set_distribution("data_parallel")


def test_initialize_checks_job_addresses_against_num_processes():
    from kerasque import distribution as D

    with pytest.raises(ValueError, match="lists 2 processes"):
        D.initialize("127.0.0.1:1234,127.0.0.1:1235", num_processes=3, process_id=0)


def test_initialize_reads_keras_environment_variables(monkeypatch):
    from kerasque import distribution as D

    monkeypatch.setenv("KERAS_DISTRIBUTION_NUM_PROCESSES", "2")
    monkeypatch.setenv("KERAS_DISTRIBUTION_PROCESS_ID", "5")
    with pytest.raises(ValueError, match=r"process_id must be in \[0, 2\); received 5"):
        D.initialize("127.0.0.1:1234")
