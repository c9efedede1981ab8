"""Constraints and regularizers: Keras 2 and 3 names and classes, numbers, configs, refusals."""

import json

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from kerasque import constraints, regularizers
from kerasque.layers import Dense
from kerasque.models import Sequential
from kerasque.utils import register_custom_object

W = np.random.default_rng(0).standard_normal((5, 4))


def _apply(fn, w=W):
    v = pt.matrix("v", dtype="float64")
    return pytensor.function([v], fn(v), mode="FAST_COMPILE")(w)


# -- constraints ------------------------------------------------------------------
def test_max_norm_projects_columns_with_a_larger_norm_and_leaves_the_others():
    out = _apply(constraints.MaxNorm(2.0))
    norms = np.linalg.norm(W, axis=0)
    np.testing.assert_allclose(np.linalg.norm(out, axis=0), np.minimum(norms, 2.0), rtol=1e-6)


def test_unit_norm_gives_every_column_norm_one():
    np.testing.assert_allclose(np.linalg.norm(_apply(constraints.UnitNorm()), axis=0), 1, rtol=1e-6)
    np.testing.assert_allclose(
        np.linalg.norm(_apply(constraints.UnitNorm(axis=1)), axis=1), 1, rtol=1e-6
    )


def test_non_neg_zeroes_negative_weights():
    np.testing.assert_array_equal(_apply(constraints.NonNeg()), np.where(W >= 0, W, 0))


def test_min_max_norm_moves_norms_into_its_range_at_its_rate():
    norms = np.linalg.norm(W, axis=0)
    full = _apply(constraints.MinMaxNorm(min_value=1.5, max_value=2.0))
    np.testing.assert_allclose(np.linalg.norm(full, axis=0), np.clip(norms, 1.5, 2.0), rtol=1e-5)
    half = _apply(constraints.MinMaxNorm(1.5, 2.0, rate=0.5))
    np.testing.assert_allclose(
        np.linalg.norm(half, axis=0), 0.5 * np.clip(norms, 1.5, 2.0) + 0.5 * norms, rtol=1e-5
    )


@pytest.mark.parametrize(
    "name, cls",
    [
        ("max_norm", constraints.MaxNorm),
        ("MaxNorm", constraints.MaxNorm),
        ("non_neg", constraints.NonNeg),
        ("NonNeg", constraints.NonNeg),
        ("unit_norm", constraints.UnitNorm),
        ("UnitNorm", constraints.UnitNorm),
        ("min_max_norm", constraints.MinMaxNorm),
        ("MinMaxNorm", constraints.MinMaxNorm),
    ],
)
def test_constraints_by_name_and_lowercase_alias(name, cls):
    assert type(constraints.get(name)) is cls
    assert getattr(constraints, name) is cls


@pytest.mark.parametrize(
    "config, check",
    [
        (
            {"class_name": "MaxNorm", "config": {"max_value": 3, "axis": 0}},
            lambda c: isinstance(c, constraints.MaxNorm) and c.max_value == 3,
        ),
        (
            {
                "module": "keras.constraints",
                "class_name": "MinMaxNorm",
                "config": {"min_value": 0.5, "max_value": 1.0, "rate": 1.0, "axis": 0},
                "registered_name": None,
            },
            lambda c: isinstance(c, constraints.MinMaxNorm) and c.min_value == 0.5,
        ),
        ({"class_name": "NonNeg", "config": {}}, lambda c: isinstance(c, constraints.NonNeg)),
        (
            {
                "module": "keras.constraints",
                "class_name": "UnitNorm",
                "config": {"axis": [0, 1]},
                "registered_name": None,
            },
            lambda c: c.axis == [0, 1],
        ),
    ],
)
def test_keras_2_and_keras_3_constraint_configs_deserialize(config, check):
    assert check(constraints.get(config))


@pytest.mark.parametrize(
    "con",
    [
        constraints.MaxNorm(3.0, axis=1),
        constraints.NonNeg(),
        constraints.UnitNorm(axis=[0, 1]),
        constraints.MinMaxNorm(0.1, 0.9, 0.5),
    ],
)
def test_constraint_configs_round_trip_through_json(con):
    config = json.loads(json.dumps(constraints.serialize(con)))
    assert constraints.serialize(constraints.deserialize(config)) == constraints.serialize(con)


def test_a_constraint_class_name_is_never_ignored():
    # kerasque once read any dict as MaxNorm's arguments.
    with pytest.raises(
        ValueError,
        match=r"Dense 'dc': kernel_constraint: Unknown constraint 'NonNegative'. Did you "
        r"mean 'NonNeg'\?",
    ):
        Dense(2, kernel_constraint={"class_name": "NonNegative", "config": {}}, name="dc")
    with pytest.raises(
        TypeError,
        match=r"Dense 'dc2': kernel_constraint: Cannot build constraint 'MaxNorm' from config",
    ):
        Dense(2, kernel_constraint={"class_name": "MaxNorm", "config": {"max_vale": 2}}, name="dc2")
    with pytest.raises(ValueError, match=r"constraint config needs a string 'class_name'"):
        constraints.get({"config": {"max_value": 2}})


def test_constraints_refuse_bad_axes():
    with pytest.raises(
        TypeError, match=r"MaxNorm: axis must be an int or a list of ints, received 'rows'"
    ):
        constraints.MaxNorm(2, axis="rows")


def test_a_registered_constraint_class_resolves_by_name():
    @register_custom_object
    class Clip(constraints.Constraint):
        def __call__(self, w):
            return pt.clip(w, -0.1, 0.1)

    assert isinstance(constraints.get({"class_name": "Clip", "config": {}}), Clip)
    np.testing.assert_allclose(_apply(constraints.get("Clip")), np.clip(W, -0.1, 0.1))


# -- regularizers -----------------------------------------------------------------
@pytest.mark.parametrize(
    "reg, expected",
    [
        (regularizers.l1(0.1), 0.1 * np.abs(W).sum()),
        (regularizers.l2(0.2), 0.2 * (W**2).sum()),
        (regularizers.l1_l2(0.1, 0.2), 0.1 * np.abs(W).sum() + 0.2 * (W**2).sum()),
        (regularizers.L1(0.3), 0.3 * np.abs(W).sum()),
        (regularizers.L2(0.3), 0.3 * (W**2).sum()),
        (regularizers.L1L2(l2=0.4), 0.4 * (W**2).sum()),
        (regularizers.get("l2"), 0.01 * (W**2).sum()),
        (regularizers.get("l1_l2"), 0.01 * np.abs(W).sum() + 0.01 * (W**2).sum()),
        (regularizers.get("L1"), 0.01 * np.abs(W).sum()),
    ],
)
def test_regularizers_compute_their_penalty(reg, expected):
    np.testing.assert_allclose(_apply(reg), expected, rtol=1e-6)


@pytest.mark.parametrize(
    "config, penalty",
    [
        ({"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.01}}, 0.01 * (W**2).sum()),  # Keras 2
        (
            {
                "module": "keras.regularizers",
                "class_name": "L2",
                "config": {"l2": 0.05},
                "registered_name": None,
            },
            0.05 * (W**2).sum(),
        ),  # Keras 3
        (
            {"class_name": "Regularizer", "config": {"l1": 0.1, "l2": 0.0}},
            0.1 * np.abs(W).sum(),
        ),  # old kerasque
        (
            {"class_name": "l2", "config": {"l": 0.2}},
            0.2 * (W**2).sum(),
        ),  # Keras 2's function by name
    ],
)
def test_keras_2_and_keras_3_regularizer_configs_deserialize(config, penalty):
    np.testing.assert_allclose(_apply(regularizers.get(config)), penalty, rtol=1e-6)


@pytest.mark.parametrize(
    "reg", [regularizers.l1(0.1), regularizers.L2(0.2), regularizers.l1_l2(0.3, 0.4)]
)
def test_regularizer_configs_round_trip_through_json(reg):
    config = json.loads(json.dumps(regularizers.serialize(reg)))
    again = regularizers.deserialize(config)
    assert type(again) is type(reg) and again.get_config() == reg.get_config()


def test_a_regularizer_class_name_is_never_ignored_and_the_argument_is_named():
    with pytest.raises(
        ValueError, match=r"Dense 'dr': kernel_regularizer: Unknown regularizer 'L3'"
    ):
        Dense(2, kernel_regularizer={"class_name": "L3", "config": {"l2": 0.1}}, name="dr")
    with pytest.raises(
        ValueError,
        match=r"Regularizer config names class 'Thing', which is a Dense, not a Regularizer",
    ):
        regularizers.deserialize(
            {"class_name": "Thing", "config": {}}, custom_objects={"Thing": Dense}
        )


def test_a_regularizer_adds_its_penalty_to_the_model_losses():
    layer = Dense(3, kernel_regularizer="l1_l2", kernel_initializer="ones", input_shape=(2,))
    Sequential([layer])
    value = pytensor.function([], layer.losses[0])()
    np.testing.assert_allclose(value, 0.01 * 6 + 0.01 * 6, rtol=1e-6)


def test_a_plain_function_works_as_regularizer_and_constraint():
    def small(w):
        return 0.5 * pt.sum(w)

    assert regularizers.get(small) is small
    assert regularizers.serialize(small) == "small"
    assert constraints.get(None) is None and regularizers.get(None) is None
    with pytest.raises(
        TypeError,
        match=r"Expected a regularizer: a name, a config dict, a Regularizer or a "
        r"function, received 3",
    ):
        regularizers.get(3)
