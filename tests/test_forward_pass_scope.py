"""Forward passes are scoped; layers called directly keep their records on the graph."""

import ast
import pathlib

import numpy as np
import pytensor.tensor as pt
import pytest

import kerasque
from kerasque import backend as K
from kerasque.engine import context
from kerasque.layers import BatchNormalization, Dense, Dropout, Layer


def test_no_forward_pass_is_open_outside_a_build():
    assert isinstance(context.current(), context.DirectCalls)
    with context.forward_pass("outer") as outer:
        assert context.current() is outer
        with context.forward_pass("inner") as inner:
            assert context.current() is inner
        assert context.current() is outer
    assert isinstance(context.current(), context.DirectCalls)


def test_a_pass_knows_its_phase():
    with context.forward_pass("train") as train, context.forward_pass("predict") as predict:
        pass
    assert train.phase is True and predict.phase is False
    with context.forward_pass("custom", phase=True) as custom:
        assert K.in_train_phase(lambda: 1, lambda: 0) == 1
    assert custom.phase is True


def test_one_layer_on_two_unrelated_graphs_needs_only_the_inputs_of_the_one_compiled():
    drop = Dropout(0.5, seed=1)
    x1, x2 = pt.matrix("x1"), pt.matrix("x2")
    drop(x1, training=True)
    out2 = drop(x2, training=True)
    f = K.function([x2], out2)  # used to need x1: the old default pass chained x1's draw in
    a, b = f(np.ones((4, 30), "float32")), f(np.ones((4, 30), "float32"))
    assert set(np.unique(a)) <= {0.0, 2.0} and not np.array_equal(a, b)


def test_a_layer_applied_twice_directly_draws_two_masks_in_one_function():
    drop = Dropout(0.5, seed=2)
    x = pt.matrix("x")
    f = K.function([x], [drop(x, training=True), drop(x, training=True)])
    a, b = f(np.ones((10, 50), "float32"))
    assert not np.array_equal(a, b)
    a2, _ = f(np.ones((10, 50), "float32"))
    assert not np.array_equal(a, a2)


def test_two_functions_over_one_direct_graph_each_advance_the_generator():
    drop = Dropout(0.5, seed=3)
    x = pt.matrix("x")
    y = drop(x, training=True)
    f, g = K.function([x], y), K.function([x], y * 1)
    ones = np.ones((5, 40), "float32")
    first, second = f(ones), g(ones)
    assert not np.array_equal(first, second)
    assert not np.array_equal(f(ones), first)


def test_a_direct_layer_call_leaves_nothing_behind_in_the_context():
    drop = Dropout(0.5, seed=4)
    drop(pt.matrix("x"), training=True)
    direct = context.current()
    assert direct._frames == [] and direct._finished is None


def test_state_updates_of_a_direct_call_go_with_its_outputs_only():
    bn = BatchNormalization(momentum=0.5)
    x, z = K.placeholder((None, 3)), pt.matrix("z")
    y = bn(x, training=True)
    other = K.function([z], z * 2)
    other(np.ones((2, 3), "float32"))
    np.testing.assert_array_equal(K.get_value(bn.moving_mean), np.zeros(3))
    f = K.function([x], y)
    f(np.full((4, 3), 2.0, "float32"))
    np.testing.assert_allclose(K.get_value(bn.moving_mean), np.full(3, 1.0), rtol=1e-6)


def test_state_updates_reach_a_function_through_later_layers():
    bn = BatchNormalization(momentum=0.0)
    x = K.placeholder((None, 3))
    out = Dense(2)(bn(x, training=True))
    K.function([x], out)(np.full((4, 3), 5.0, "float32"))
    np.testing.assert_allclose(K.get_value(bn.moving_mean), np.full(3, 5.0), rtol=1e-6)


def test_the_same_direct_state_update_twice_in_one_function_is_refused():
    bn = BatchNormalization()
    x = K.placeholder((None, 3))
    with pytest.raises(ValueError, match="Two writers update"):
        K.function([x], [bn(x, training=True), bn(x * 2, training=True)])


class _Counter(Layer):
    def build(self, input_shape):
        self.count = self.add_weight("count", (), initializer="zeros", trainable=False)

    def call(self, inputs):
        K.add_update(self.count, self.count + 1)
        return inputs


def test_a_custom_layer_update_called_directly_runs_with_its_function():
    layer = _Counter()
    x = pt.matrix("x")
    f = K.function([x], layer(x))
    f(np.ones((1, 1), "float32"))
    f(np.ones((1, 1), "float32"))
    assert float(K.get_value(layer.count)) == 2.0


def test_add_update_outside_a_layer_call_says_where_updates_go():
    with pytest.raises(
        RuntimeError, match=r"outside a layer's call and outside any forward pass.*K.function"
    ):
        K.add_update(K.variable(0.0), 1.0)


def test_draws_outside_any_layer_get_their_own_generator_update():
    a = K.random_uniform((3,), seed=1)
    b = a + K.random_normal((3,), seed=2)
    f = K.function([], [a, b])
    first, second = f([]), f([])
    assert not np.array_equal(first[0], second[0])


# -- the module graph -------------------------------------------------------------
def _imports(path: pathlib.Path, modules, top_level_only: bool):
    """Modules ``path`` imports; ``from pkg import submodule`` counts as the submodule only."""
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kerasque"):
            subs = {f"{node.module}.{a.name}" for a in node.names} & set(modules)
            found |= subs if subs and len(subs) == len(node.names) else {node.module} | subs
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("kerasque"))
    return found


def test_backend_tracing_context_and_config_sit_on_no_import_circle():
    root = pathlib.Path(kerasque.__file__).parent
    modules = {}
    for path in root.rglob("*.py"):
        name = ".".join(("kerasque", *path.relative_to(root).with_suffix("").parts))
        modules[name.removesuffix(".__init__")] = path
    mine = (
        "kerasque.backend",
        "kerasque.engine.tracing",
        "kerasque.engine.context",
        "kerasque.config",
    )
    graph = {}
    for name, path in modules.items():
        # every import of these modules (function-local too); others' top-level imports
        deep = name.startswith(mine)
        graph[name] = {m for m in _imports(path, modules, not deep) if m in modules and m != name}

    def reaches(start, goal, seen):
        for nxt in graph.get(start, ()):
            if nxt == goal or (nxt not in seen and (seen.add(nxt) or reaches(nxt, goal, seen))):
                return True
        return False

    circles = [m for m in modules if m.startswith(mine) and reaches(m, m, set())]
    assert circles == []


class _WithInnerDropout(Layer):
    """A Keras-style custom layer that calls another layer inside its call."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.drop = Dropout(0.5, seed=8)

    def call(self, inputs):
        return self.drop(inputs)


def test_a_layer_called_inside_a_model_build_gets_the_phase_of_that_build():
    from kerasque.models import Sequential

    model = Sequential([Dense(40, input_shape=(40,), use_bias=False), _WithInnerDropout()])
    model.compile("sgd", "mse")
    x = np.ones((6, 40), "float32")
    model.train_on_batch(x, x)  # the train graph drops without asking for the phase flag
    np.testing.assert_allclose(model.predict(x), model.predict(x))
    with context.forward_pass("train"):
        assert K.learning_phase() == 1
    with context.forward_pass("predict"):
        assert K.learning_phase() == 0
    assert K.learning_phase() is context.phase_symbol()
