"""Every mode's compiled function keeps one protocol: call, dispatch, flush; the layering holds."""

import ast
from pathlib import Path

import numpy as np
import pytest

from kerasque.engine.function import CompiledFunction, flush_pending
from kerasque.layers import Dense, Dropout
from kerasque.models import Sequential

ROOT = Path(__file__).resolve().parents[1] / "kerasque"


def _model(mode):
    model = Sequential([Dense(4, input_shape=(3,)), Dropout(0.5), Dense(1)])
    model.compile("sgd", "mse", mode=mode)
    return model


@pytest.mark.parametrize("mode", ["JAX", "FAST_COMPILE"])
def test_a_compiled_function_dispatches_calls_and_flushes_in_every_mode(mode):
    model = _model(mode)
    train = model.make_train_function()
    assert isinstance(train, CompiledFunction)
    x, y = np.ones((2, 3), "float32"), np.zeros((2, 1), "float32")
    rng = model.layers[1].rngs[0]
    before = rng.get_value().bit_generator.state
    loss = train.dispatch(x, y)[0]
    assert np.isfinite(float(loss))
    flush_pending()  # written back to the layer's generator, whatever the mode
    after = rng.get_value().bit_generator.state
    assert after != before
    outs = train(x, y)  # call: NumPy arrays, generator written back
    assert all(isinstance(o, np.ndarray) for o in outs)
    assert rng.get_value().bit_generator.state != after
    feed = train.batches([x, y])
    feed.epoch(np.array([1, 0]))
    np.testing.assert_array_equal(np.asarray(feed.batch(0, 1)[0]), x[1:])


def test_flush_is_a_no_op_without_pending_state():
    flush_pending()
    flush_pending()


def _imported_modules(path: Path) -> set:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


@pytest.mark.parametrize(
    "module",
    [
        "engine/training.py",
        "engine/fit_loop.py",
        "engine/feeds.py",
        "engine/function.py",
        "engine/objectives.py",
        "engine/data.py",
        "callbacks.py",
    ],
)
def test_the_training_code_knows_nothing_of_jax(module):
    imported = _imported_modules(ROOT / module)
    assert not any("jax" in name.split(".") for name in imported), imported


def test_compile_is_the_one_caller_of_pytensor_function():
    callers = []
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "function"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "pytensor"
            ):
                callers.append(path.relative_to(ROOT).as_posix())
    assert callers == ["engine/compile.py"]


def test_the_public_function_makers_return_the_cached_functions():
    model = _model(None)
    assert model.make_train_function() is model.make_train_function()
    assert model.make_test_function().random_nodes() == []
    assert model.make_predict_function().random_nodes() == []
    assert model.make_predict_function(training=True).random_nodes() != []
