"""K's variables, placeholders, introspection, values, update pairs and names."""

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from kerasque import backend as K
from kerasque.layers import Dense, Input, Layer


def test_a_variable_holds_its_value_in_floatx_with_a_static_shape():
    v = K.variable([[1, 2], [3, 4]], name="v")
    assert K.dtype(v) == "float32"
    assert K.int_shape(v) == (2, 2)
    assert K.ndim(v) == 2
    np.testing.assert_array_equal(K.get_value(v), [[1, 2], [3, 4]])
    np.testing.assert_array_equal(K.eval(v), [[1, 2], [3, 4]])
    assert K.count_params(v) == 4
    assert K.get_variable_shape(v) == (2, 2)
    assert K.dtype(K.variable(np.ones(3), dtype="float64")) == "float64"


def test_a_variable_keeps_its_constraint_for_optimizers():
    def constraint(w):
        return w

    assert K.variable(1.0, constraint=constraint).constraint is constraint


def test_set_value_and_batch_set_value_write_values_cast_to_the_variable_dtype():
    a, b = K.zeros((2,)), K.ones((3,), dtype="int32")
    K.set_value(a, [1.5, 2.5])
    K.batch_set_value([(b, [7, 8, 9])])
    np.testing.assert_array_equal(K.batch_get_value([a, b])[0], [1.5, 2.5])
    assert K.get_value(b).dtype == np.int32
    np.testing.assert_array_equal(K.get_value(b), [7, 8, 9])


def test_set_value_with_a_wrong_shape_says_both_shapes():
    with pytest.raises(ValueError, match=r"has shape \(2,\), received a value of shape \(3,\)"):
        K.set_value(K.zeros((2,)), [1, 2, 3])


def test_get_value_of_an_expression_points_to_eval():
    with pytest.raises(TypeError, match="use K.eval"):
        K.get_value(K.variable(1.0) + 1)


def test_zeros_ones_eye_and_likes_follow_numpy():
    np.testing.assert_array_equal(K.eval(K.zeros((2, 3))), np.zeros((2, 3)))
    np.testing.assert_array_equal(K.eval(K.ones((2,))), np.ones(2))
    np.testing.assert_array_equal(K.eval(K.eye(3)), np.eye(3))
    np.testing.assert_array_equal(K.eval(K.eye((2, 3))), np.eye(2, 3))
    v = K.variable(np.arange(6).reshape(2, 3))
    np.testing.assert_array_equal(K.eval(K.zeros_like(v)), np.zeros((2, 3)))
    np.testing.assert_array_equal(K.eval(K.ones_like(v, dtype="int32")), np.ones((2, 3)))
    assert K.dtype(K.ones_like(v, dtype="int32")) == "int32"
    np.testing.assert_array_equal(K.eval(K.identity(v)), np.arange(6).reshape(2, 3))


def test_constant_broadcasts_a_value_to_a_shape():
    c = K.constant(2, shape=(2, 3))
    assert K.dtype(c) == "float32"
    np.testing.assert_array_equal(K.eval(c), np.full((2, 3), 2.0))
    np.testing.assert_array_equal(K.eval(K.constant([1, 2], dtype="int32")), [1, 2])


def test_random_variables_have_the_asked_shape_and_moments():
    u = K.get_value(K.random_uniform_variable((200, 50), -1.0, 1.0, seed=1))
    n = K.get_value(K.random_normal_variable((200, 50), 2.0, 0.5, seed=1))
    assert u.shape == n.shape == (200, 50) and u.dtype == np.float32
    assert u.min() >= -1 and u.max() <= 1 and abs(u.mean()) < 0.05
    assert abs(n.mean() - 2.0) < 0.02 and abs(n.std() - 0.5) < 0.02
    again = K.get_value(K.random_uniform_variable((200, 50), -1.0, 1.0, seed=1))
    np.testing.assert_array_equal(u, again)


def test_placeholder_has_a_static_shape_and_is_a_placeholder():
    x = K.placeholder(shape=(None, 4, 5), name="x")
    assert K.int_shape(x) == (None, 4, 5)
    assert K.dtype(x) == "float32"
    assert K.is_placeholder(x)
    assert not K.is_placeholder(K.variable(1.0))
    y = K.placeholder(ndim=3, dtype="int32")
    assert K.int_shape(y) == (None, None, None) and K.dtype(y) == "int32"
    with pytest.raises(ValueError, match="needs a shape or an ndim"):
        K.placeholder()


def test_introspection_works_on_model_tensors():
    inp = Input(shape=(7,))
    out = Dense(3)(inp)
    assert K.int_shape(out) == (None, 3)
    assert K.ndim(out) == 2
    assert K.dtype(out) == "float32"
    assert K.is_keras_tensor(inp) and K.is_keras_tensor(out)
    assert K.is_tensor(out)


def test_is_keras_tensor_is_false_for_variables_and_refuses_arrays():
    assert not K.is_keras_tensor(K.variable(1.0))
    assert not K.is_keras_tensor(K.placeholder((2,)))
    with pytest.raises(ValueError, match="expects a symbolic tensor"):
        K.is_keras_tensor(np.ones(2))
    assert K.is_tensor(pt.matrix()) and K.is_tensor(K.variable(1.0))
    assert not K.is_tensor(np.ones(2))


def test_shape_is_symbolic_and_int_shape_static():
    x = K.placeholder((None, 3))
    f = K.function([x], K.shape(x))
    np.testing.assert_array_equal(f(np.ones((5, 3))), [5, 3])
    assert K.int_shape(x) == (None, 3)


def test_cast_changes_the_dtype():
    v = K.variable([1.7, -2.2])
    assert K.dtype(K.cast(v, "int32")) == "int32"
    np.testing.assert_array_equal(K.eval(K.cast(v, "int32")), [1, -2])


def test_update_pairs_apply_in_a_function():
    v, w, m = K.variable(1.0), K.variable(10.0), K.variable(0.0)
    f = K.function(
        [],
        [],
        updates=[K.update_add(v, 2.0), K.update_sub(w, 1.0), K.moving_average_update(m, 1.0, 0.9)],
    )
    f([])
    f([])
    assert float(K.get_value(v)) == 5.0
    assert float(K.get_value(w)) == 8.0
    np.testing.assert_allclose(K.get_value(m), 0.19, rtol=1e-6)
    u = K.variable(0.0)
    K.function([], [], updates=[K.update(u, 4.0)])([])
    assert float(K.get_value(u)) == 4.0


def test_name_scope_prefixes_names():
    with K.name_scope("block"):
        with K.name_scope("inner"):
            v = K.variable(1.0, name="w")
        c = K.constant(1.0, name="c")
    assert v.name == "block/inner/w"
    assert c.name == "block/c"
    assert K.variable(1.0, name="plain").name == "plain"


def test_get_uid_counts_per_prefix_and_reset_uids_restarts():
    K.reset_uids()
    assert [K.get_uid("dense"), K.get_uid("dense"), K.get_uid("conv")] == [1, 2, 1]
    K.reset_uids()
    assert K.get_uid("dense") == 1


def test_clear_session_restarts_layer_names_and_the_learning_phase():
    Dense(2)
    K.set_learning_phase(1)
    K.clear_session()
    assert Dense(2).name == "dense_1"
    assert K.learning_phase() is not 1  # noqa: F632  (the symbolic flag again)
    assert K.get_uid("x") == 1


def test_print_tensor_prints_and_returns_the_same_values(capfd):
    x = K.placeholder((2,))
    f = K.function([x], K.print_tensor(x * 2, message="doubled"), mode="FAST_COMPILE")
    np.testing.assert_array_equal(f(np.array([1.0, 2.0])), [2.0, 4.0])
    assert "doubled" in capfd.readouterr().out


def test_print_tensor_in_the_jax_mode_names_the_modes_that_print():
    x = K.placeholder((2,))
    with pytest.raises(NotImplementedError, match="cannot print in the JAX mode.*mode='C'"):
        K.function([x], K.print_tensor(x, message="m"), mode="JAX")(np.ones(2))


def test_config_functions_are_there_and_backend_is_pytensor():
    assert K.floatx() == "float32" and K.epsilon() == 1e-7
    assert K.image_data_format() == "channels_last"
    assert K.backend() == "pytensor"
    K.set_epsilon(1e-5)
    try:
        assert K.epsilon() == 1e-5
    finally:
        K.set_epsilon(1e-7)


def test_importing_the_backend_leaves_pytensor_floatx_alone():
    import subprocess
    import sys

    code = (
        "import pytensor; before = pytensor.config.floatX; "
        "from kerasque import backend as K; import kerasque; "
        "assert pytensor.config.floatX == before, pytensor.config.floatX; print(before)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == pytensor.config.floatX or out.stdout.strip() == "float64"


class _Scaled(Layer):
    def call(self, inputs):
        return inputs * 0.1


def test_layer_calls_take_kerasque_floatx_whatever_pytensor_says():
    with pytensor.config.change_flags(floatX="float64"):
        x = K.placeholder((None, 3))
        assert _Scaled()(x).dtype == "float32"
        assert Dense(2)(x).dtype == "float32"
