"""Property-based fuzzing of saved files: every corruption loads as before or fails cleanly.

Random corruptions of a saved model file (truncation, replaced bytes,
attributes replaced by other types, JSON entries removed or retyped, links
and external storage added, dataset shapes and dtypes changed) must either
load and predict exactly as the original, or raise ``ValueError``,
``TypeError`` or ``OSError`` naming the file: never another exception type,
never a ``MemoryError``, never bytes of another file in a weight, never a
partly changed model (``load_weights`` into a live model leaves it as it was).

Bounded for CI: a few dozen derandomized examples per property, one small
model, one compiled predict function per successful load.
"""

import json
import os
import tempfile
from pathlib import Path

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kerasque.layers import Dense, Dropout
from kerasque.models import Sequential, load_model

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
SECRET_VALUE = 7777.0
X = np.random.RandomState(0).rand(3, 4).astype("float32")

DATASETS = [
    "/model_weights/first/first/kernel:0",
    "/model_weights/first/first/bias:0",
    "/model_weights/second/second/kernel:0",
    "/optimizer_weights/SGD/iterations:0",
]
GROUPS = [
    "/model_weights",
    "/model_weights/first",
    "/model_weights/second/second",
    "/training_state",
    "/optimizer_weights",
]
ATTRS = [
    ("/", "model_config"),
    ("/", "training_config"),
    ("/", "floatx"),
    ("/model_weights", "layer_names"),
    ("/model_weights/first", "weight_names"),
    ("/optimizer_weights", "weight_names"),
    ("/training_state", "epoch"),
    ("/training_state", "learning_rate"),
    ("/training_state", "shuffle_rng"),
    ("/training_state", "generator_states"),
]
JSON_ATTRS = [
    ("/", "model_config"),
    ("/", "training_config"),
    ("/training_state", "shuffle_rng"),
    ("/training_state", "generator_states"),
]


def _original():
    model = Sequential(
        [
            Dense(3, activation="tanh", input_shape=(4,), name="first"),
            Dropout(0.5, name="drop"),
            Dense(2, activation="softmax", name="second"),
        ]
    )
    model.compile("sgd", "categorical_crossentropy")
    return model


@pytest.fixture(scope="module")
def world():
    """The original model, its file's bytes, its predictions, and a scratch folder."""
    folder = tempfile.mkdtemp(prefix="kerasque-fuzz-")
    model = _original()
    path = os.path.join(folder, "original.h5")
    model.save(path)
    secret = os.path.join(folder, "secret.bin")
    np.full(64, SECRET_VALUE, dtype="float32").tofile(secret)
    with h5py.File(os.path.join(folder, "other.h5"), "w") as f:
        for name in {d.rsplit("/", 1)[-1] for d in DATASETS + GROUPS} | {"weights"}:
            f[name] = np.full((4, 3), SECRET_VALUE, dtype="float32")
    target = _original()
    yield {
        "folder": folder,
        "bytes": Path(path).read_bytes(),
        "weights": model.get_weights(),
        "predict": model.predict(X),
        "secret": secret,
        "target": target,
        "other": os.path.join(folder, "other.h5"),
        "count": [0],
    }


def _fresh(world) -> str:
    world["count"][0] += 1
    path = os.path.join(world["folder"], f"case{world['count'][0]}.h5")
    with open(path, "wb") as fh:
        fh.write(world["bytes"])
    return path


# -- corruptions -------------------------------------------------------------------------------
def truncate(path, world, data):
    size = os.path.getsize(path)
    cut = data.draw(st.integers(0, size - 1), label="cut")
    with open(path, "r+b") as fh:
        fh.truncate(cut)


def replace_bytes(path, world, data):
    raw = bytearray(Path(path).read_bytes())
    for _ in range(data.draw(st.integers(1, 8), label="count")):
        pos = data.draw(st.integers(0, len(raw) - 1), label="pos")
        raw[pos] = data.draw(st.integers(0, 255), label="byte")
    with open(path, "wb") as fh:
        fh.write(raw)


ATTR_VALUES = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.floats(),
    st.text(max_size=20),
    st.binary(max_size=20).map(np.bytes_),
    st.lists(st.integers(-5, 5), max_size=4).map(np.array),
    st.just(np.array([[1.5, 2.5]])),
    st.just(np.array([b"a", b"\xff"])),
)


def replace_attr(path, world, data):
    obj, name = data.draw(st.sampled_from(ATTRS), label="attr")
    value = data.draw(ATTR_VALUES, label="value")
    with h5py.File(path, "a") as f:
        f[obj].attrs[name] = value


JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-3, 64),
        st.sampled_from([2**40, 2**62]),
        st.floats(allow_nan=False),
        st.text(max_size=8),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def _containers(value, trail=()):
    """Every (trail, container) in a JSON tree."""
    if isinstance(value, (dict, list)):
        yield trail, value
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            yield from _containers(item, (*trail, key))


def edit_json(path, world, data):
    obj, name = data.draw(st.sampled_from(JSON_ATTRS), label="json attr")
    with h5py.File(path, "a") as f:
        value = json.loads(f[obj].attrs[name])
        spots = [c for _, c in _containers(value) if c]
        if not spots:
            return
        container = data.draw(st.sampled_from(spots), label="container")
        keys = list(container) if isinstance(container, dict) else list(range(len(container)))
        key = data.draw(st.sampled_from(keys), label="key")
        if data.draw(st.booleans(), label="delete"):
            del container[key]
        else:
            container[key] = data.draw(JSON_VALUES, label="json value")
        f[obj].attrs[name] = json.dumps(value)


def add_link(path, world, data):
    where = data.draw(st.sampled_from(DATASETS + GROUPS[:3]), label="where")
    kind = data.draw(
        st.sampled_from(["external", "soft-out", "soft-cycle", "soft-external"]), label="kind"
    )
    with h5py.File(path, "a") as f:
        del f[where]
        if kind == "external":
            f[where] = h5py.ExternalLink(world["other"], "/" + where.rsplit("/", 1)[-1])
        elif kind == "soft-out":
            f["/stash"] = np.full((4, 3), SECRET_VALUE, dtype="float32")
            f[where] = h5py.SoftLink("/stash")
        elif kind == "soft-cycle":
            f[where] = h5py.SoftLink(where)
        else:
            f["/evil"] = h5py.ExternalLink(world["other"], "/weights")
            f[where] = h5py.SoftLink("/evil")


def external_storage(path, world, data):
    where = data.draw(st.sampled_from(DATASETS[:3]), label="where")
    virtual = data.draw(st.booleans(), label="virtual")
    with h5py.File(path, "a") as f:
        shape, dtype = f[where].shape, f[where].dtype
        del f[where]
        if virtual:
            layout = h5py.VirtualLayout(shape=shape, dtype=dtype)
            layout[...] = h5py.VirtualSource(world["other"], "kernel:0", shape=shape)
            f.create_virtual_dataset(where, layout)
        else:
            nbytes = int(np.prod(shape)) * dtype.itemsize
            f.create_dataset(
                where, shape=shape, dtype=dtype, external=[(world["secret"], 0, nbytes)]
            )


SHAPES = st.one_of(
    st.lists(st.integers(0, 6), max_size=3).map(tuple), st.just((2**20, 2**20)), st.just((2**40,))
)
# float16 would round the values: a different, valid file, so not among the retypes.
DTYPES = st.sampled_from(["int8", "int64", "uint16", "float64", "bool", "complex64", "S3"])


def reshape_or_retype(path, world, data):
    where = data.draw(st.sampled_from(DATASETS), label="where")
    with h5py.File(path, "a") as f:
        old = f[where]
        shape = data.draw(st.one_of(st.just(old.shape), SHAPES), label="shape")
        dtype = data.draw(st.one_of(st.just(str(old.dtype)), DTYPES), label="dtype")
        value = old[()]
        del f[where]
        if int(np.prod(shape, dtype=object)) > 10**6:
            f.create_dataset(where, shape=shape, dtype=dtype, chunks=True, compression="gzip")
        elif shape == old.shape:
            if old.dtype.kind == "f" and np.dtype(dtype).kind in "iu":
                dtype = "float64"  # truncating floats to integers would write other values
            f[where] = np.asarray(value).astype(dtype)
        else:
            f.create_dataset(where, data=np.ones(shape, dtype=dtype))  # a shape the model refuses


CORRUPTIONS = [
    truncate,
    replace_bytes,
    replace_attr,
    edit_json,
    add_link,
    external_storage,
    reshape_or_retype,
]


# -- the properties ---------------------------------------------------------------------------
def _no_secret(model):
    for w in model.get_weights():
        assert not np.any(np.asarray(w) == SECRET_VALUE), "bytes of another file were loaded"


def _check_clean_error(err, path):
    assert isinstance(err, (ValueError, TypeError, OSError)), repr(err)
    assert os.path.basename(path) in str(err), f"error does not name the file: {err!r}"


@SETTINGS
@given(data=st.data(), corrupt=st.sampled_from(CORRUPTIONS))
def test_a_corrupted_model_file_loads_as_before_or_fails_naming_the_file(world, data, corrupt):
    path = _fresh(world)
    corrupt(path, world, data)
    try:
        loaded = load_model(path)
    except (ValueError, TypeError, OSError) as err:
        _check_clean_error(err, path)
        return
    except Exception as err:  # noqa: BLE001 - the property is about the type
        pytest.fail(f"{corrupt.__name__}: load_model raised {type(err).__name__}: {err}")
    _no_secret(loaded)
    for a, b in zip(loaded.get_weights(), world["weights"]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(loaded.predict(X), world["predict"])


@SETTINGS
@given(data=st.data(), corrupt=st.sampled_from(CORRUPTIONS))
def test_load_weights_from_a_corrupted_file_changes_nothing_or_loads_everything(
    world, data, corrupt
):
    path = _fresh(world)
    corrupt(path, world, data)
    target = world["target"]
    zeros = [np.zeros_like(w) for w in target.get_weights()]
    target.set_weights(zeros)
    try:
        target.load_weights(path)
    except (ValueError, TypeError, OSError) as err:
        _check_clean_error(err, path)
        for a in target.get_weights():
            assert not np.any(a), "a failed load_weights changed the model"
        return
    except Exception as err:  # noqa: BLE001 - the property is about the type
        pytest.fail(f"{corrupt.__name__}: load_weights raised {type(err).__name__}: {err}")
    _no_secret(target)
    for a, b in zip(target.get_weights(), world["weights"]):
        np.testing.assert_array_equal(a, b)


# -- random layer configs, through the load edge ------------------------------------------------
@pytest.fixture(scope="module")
def layer_files(world):
    """One saved model per layer of tests/test_saving.py's round-trip cases."""
    from test_saving import LAYER_CASES, _apply_case

    from kerasque.models import Model

    files = {}
    for name in sorted(LAYER_CASES):
        _, inputs, out = _apply_case(name)
        path = os.path.join(world["folder"], f"layer-{name}.h5")
        Model(inputs, out).save(path)
        files[name] = Path(path).read_bytes()
    return files


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_a_random_layer_config_in_a_file_loads_or_fails_naming_the_file(world, layer_files, data):
    name = data.draw(st.sampled_from(sorted(layer_files)), label="layer")
    path = _fresh(world)
    Path(path).write_bytes(layer_files[name])
    with h5py.File(path, "a") as f:
        config = json.loads(f.attrs["model_config"])
        entry = next(e for e in config["config"]["layers"] if e["class_name"] == name)
        inner = entry["config"]
        key = data.draw(st.sampled_from(sorted(inner)), label="key")
        if data.draw(st.booleans(), label="delete"):
            del inner[key]
        else:
            inner[key] = data.draw(JSON_VALUES, label="value")
        f.attrs["model_config"] = json.dumps(config)
    try:
        load_model(path, compile=False)
    except (ValueError, TypeError) as err:
        _check_clean_error(err, path)
    except Exception as err:  # noqa: BLE001 - the property is about the type
        pytest.fail(f"layer {name}, key {key!r}: load_model raised {type(err).__name__}: {err}")
