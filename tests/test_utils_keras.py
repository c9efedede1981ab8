"""kerasque.utils at Keras's paths: to_categorical, normalize, custom objects, summary."""

import numpy as np
import pytest

from kerasque.layers import Dense, Input, Layer
from kerasque.models import Model, load_model
from kerasque.utils import (
    CustomObjectScope,
    custom_object_scope,
    generic_utils,
    get_custom_objects,
    normalize,
    np_utils,
    to_categorical,
)
from kerasque.utils.generic import check_kwargs


class Doubler(Layer):
    def call(self, inputs):
        return 2 * inputs


def _saved_model(tmp_path):
    x = Input(shape=(2,))
    model = Model(x, Doubler(name="dbl")(Dense(2)(x)))
    path = tmp_path / "m.h5"
    model.save(path)
    return path


def test_keras2_module_paths_hold_the_utilities():
    assert np_utils.to_categorical is to_categorical and np_utils.normalize is normalize
    assert generic_utils.get_custom_objects is get_custom_objects
    assert generic_utils.CustomObjectScope is CustomObjectScope
    assert generic_utils.Progbar is not None


def test_to_categorical_one_hot_encodes():
    np.testing.assert_array_equal(to_categorical([0, 2], 3), [[1, 0, 0], [0, 0, 1]])


def test_normalize_gives_unit_rows_and_leaves_zero_rows():
    out = normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]])
    np.testing.assert_allclose(
        normalize([[1.0, 1.0], [2.0, 2.0]], axis=0, order=1), [[1 / 3, 1 / 3], [2 / 3, 2 / 3]]
    )
    with pytest.raises(ValueError, match=r"axis 3 is out of range for data of rank 2"):
        normalize(np.ones((2, 2)), axis=3)
    with pytest.raises(TypeError, match=r"expects numeric data"):
        normalize(np.array(["a", "b"]))


def test_get_custom_objects_is_the_live_registry_used_by_loads(tmp_path):
    path = _saved_model(tmp_path)
    with pytest.raises(ValueError, match=r"Unknown layer class 'Doubler'"):
        load_model(path)
    registry = get_custom_objects()
    registry["Doubler"] = Doubler
    try:
        assert isinstance(load_model(path).get_layer("dbl"), Doubler)
    finally:
        del registry["Doubler"]


def test_custom_object_scope_lasts_for_its_block(tmp_path):
    path = _saved_model(tmp_path)
    with custom_object_scope({"Doubler": Doubler}):
        assert "Doubler" in get_custom_objects()
        assert isinstance(load_model(path).get_layer("dbl"), Doubler)
    assert "Doubler" not in get_custom_objects()
    with CustomObjectScope({"Doubler": Doubler}):
        load_model(path)


def test_custom_object_scope_refuses_what_is_not_a_name_to_object_dict():
    with pytest.raises(TypeError, match=r"expects dicts of name -> class or function"):
        CustomObjectScope(["Doubler"])
    with pytest.raises(TypeError, match=r"'Doubler' must map to a class or function"):
        CustomObjectScope({"Doubler": "Doubler"})


def test_old_keras_spellings_suggest_the_current_name():
    with pytest.raises(
        TypeError, match=r"'lr'. Did you mean 'learning_rate'\? \('lr' is Keras's older"
    ):
        check_kwargs("SGD", {"lr": 0.1}, ("learning_rate", "momentum"))
    with pytest.raises(TypeError, match=r"'momentun'. Did you mean 'momentum'"):
        check_kwargs("SGD", {"momentun": 0.9}, ("learning_rate", "momentum"))
    with pytest.raises(TypeError, match=r"'nb_epoch'. Did you mean 'epochs'"):
        check_kwargs("fit", {"nb_epoch": 3}, ("epochs", "batch_size"))
    with pytest.raises(TypeError, match=r"keyword names must be strings"):
        check_kwargs("fit", {1: 3}, ("epochs",))


def test_serialize_and_deserialize_keras_object_by_name_only():
    from kerasque import regularizers

    reg = regularizers.l2(0.5)
    config = generic_utils.serialize_keras_object(reg)
    assert config["class_name"] == type(reg).__name__ == "L2"
    back = generic_utils.deserialize_keras_object(
        config, module_objects={type(reg).__name__: type(reg)}
    )
    assert back.l2 == 0.5
    assert generic_utils.deserialize_keras_object("relu", {"relu": abs}) is abs
    with pytest.raises(ValueError, match=r"Unknown activation: 'rleu'. Did you mean 'relu'"):
        generic_utils.deserialize_keras_object(
            "rleu", {"relu": abs}, printable_module_name="activation"
        )
    with pytest.raises(TypeError, match=r"Could not interpret object identifier 3"):
        generic_utils.deserialize_keras_object(3)


def test_has_arg_and_func_dump_round_trip():
    def f(x, scale=2, *, shift=1):
        return x * scale + shift

    assert generic_utils.has_arg(f, "shift") and not generic_utils.has_arg(f, "y")
    assert generic_utils.has_arg(lambda **kw: 0, "y", accept_all=True)
    g = generic_utils.func_load(generic_utils.func_dump(f))
    assert g(3, shift=0) == 6
    with pytest.raises(ValueError, match=r"not marshalled Python bytecode|does not hold a code"):
        generic_utils.func_load("bm90IGNvZGU=")
