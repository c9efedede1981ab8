"""The JAX mode's graph cache, device-side batches and asynchronous fit."""

import numpy as np
import pytensor.tensor as pt
import pytest

from kerasque import callbacks
from kerasque.engine.batches import HostBatches
from kerasque.engine.jax import function as jax_function
from kerasque.engine.jax import graph_cache
from kerasque.engine.jax.batches import DeviceBatches, device_batches
from kerasque.layers import GRU, Dense, DropConnect, Dropout, Embedding
from kerasque.models import Sequential
from kerasque.utils import set_random_seed


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(graph_cache, "cache_dir", lambda: tmp_path)
    monkeypatch.delenv("KERASQUE_GRAPH_CACHE", raising=False)
    return tmp_path


def _mlp(units=16, seed=3):
    set_random_seed(seed)
    model = Sequential(
        [
            Dense(units, activation="relu", input_shape=(6,)),
            Dropout(0.5),
            Dense(3, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"], mode="JAX")
    return model


def _data(n=32):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 6)).astype("float32"), rng.integers(0, 3, size=n)


def _train_spec(model):
    return model.make_train_function()._last


def test_a_second_identical_model_loads_the_stored_function_and_trains_identically(cache_dir):
    x, y = _data()
    first = _mlp()
    loss_first = first.train_on_batch(x, y)
    assert len(list(cache_dir.glob("*.jaxexport"))) == 1
    assert _train_spec(first)._fn is not None  # compiled here, then exported

    second = _mlp()
    loss_second = second.train_on_batch(x, y)
    spec = _train_spec(second)
    assert isinstance(spec, jax_function._ExportedSpec)
    assert spec._fn is None  # loaded: PyTensor compiled nothing
    assert loss_second == loss_first
    np.testing.assert_array_equal(second.get_weights()[0], first.get_weights()[0])
    # The loaded function still updates the model and advances its generator.
    before = second.get_weights()[0].copy()
    second.train_on_batch(x, y)
    assert not np.array_equal(second.get_weights()[0], before)
    # Introspection compiles the PyTensor function on demand.
    assert second.make_train_function().random_nodes()


def test_a_changed_graph_gets_another_key(cache_dir):
    x, y = _data()
    _mlp(units=16).train_on_batch(x, y)
    _mlp(units=17).train_on_batch(x, y)
    assert len(list(cache_dir.glob("*.jaxexport"))) == 2


def test_the_key_is_stable_for_the_same_graph_and_differs_for_another():
    x = pt.matrix("x", shape=(4, 3))
    w = pt.constant(np.ones((3, 2), "float32"))
    key1, shared1 = graph_cache.graph_key([x], [pt.tanh(x @ w)], [])
    key2, _ = graph_cache.graph_key([x], [pt.tanh(x @ w)], [])
    key3, _ = graph_cache.graph_key([x], [pt.sigmoid(x @ w)], [])
    w2 = pt.constant(2 * np.ones((3, 2), "float32"))
    key4, _ = graph_cache.graph_key([x], [pt.tanh(x @ w2)], [])
    assert key1 == key2 and shared1 == []
    assert len({key1, key3, key4}) == 3


def test_a_damaged_entry_is_a_miss_and_is_replaced(cache_dir):
    x, y = _data()
    loss = _mlp().train_on_batch(x, y)
    (path,) = cache_dir.glob("*.jaxexport")
    path.write_bytes(b"not an exported module")
    model = _mlp()
    assert model.train_on_batch(x, y) == loss
    assert _train_spec(model)._fn is not None  # compiled again
    assert path.read_bytes() != b"not an exported module"


def test_the_cache_can_be_turned_off(cache_dir, monkeypatch):
    monkeypatch.setenv("KERASQUE_GRAPH_CACHE", "0")
    x, y = _data()
    _mlp().train_on_batch(x, y)
    assert list(cache_dir.glob("*.jaxexport")) == []


def test_an_op_without_a_faithful_description_makes_the_graph_uncacheable():
    from pytensor.graph.basic import Apply
    from pytensor.graph.op import Op

    class Opaque(Op):  # no __props__: two instances could differ invisibly
        def make_node(self, x):
            return Apply(self, [x], [x.type()])

        def perform(self, node, inputs, outputs):
            outputs[0][0] = inputs[0]

    x = pt.vector("x", shape=(3,))
    assert graph_cache.graph_key([x], [Opaque()(x)], []) == (None, None)


def test_a_scan_graph_is_cacheable_and_loaded(cache_dir):
    x = np.random.default_rng(1).integers(0, 9, size=(8, 5))

    def lm():
        set_random_seed(5)
        model = Sequential(
            [
                Embedding(9, 4, input_length=5),
                DropConnect(GRU(6, return_sequences=True), 0.3, weights=["recurrent_kernel"]),
                Dense(9, activation="softmax"),
            ]
        )
        model.compile("adam", "sparse_categorical_crossentropy", mode="JAX")
        return model

    first = lm().train_on_batch(x, x)
    model = lm()
    assert model.train_on_batch(x, x) == first
    assert (
        isinstance(_train_spec(model), jax_function._ExportedSpec)
        and _train_spec(model)._fn is None
    )


# -- batches and the asynchronous fit ------------------------------------------
def test_device_batches_follow_the_epoch_order_like_host_batches():
    a = np.arange(20, dtype="float32").reshape(10, 2)
    b = np.arange(10, dtype="int32")
    order = np.random.default_rng(0).permutation(10)
    host, dev = HostBatches([a, b]), DeviceBatches([a, b], ["float32", "int32"])
    for feed in (host, dev):
        feed.epoch(order)
    for start, stop in ((0, 4), (4, 8), (8, 10)):
        for h, d in zip(host.batch(start, stop), dev.batch(start, stop)):
            np.testing.assert_array_equal(np.asarray(d), h)
    dev.epoch()
    np.testing.assert_array_equal(np.asarray(dev.batch(2, 5)[0]), a[2:5])


def test_64_bit_data_stays_on_the_host():
    a = np.ones((4, 2))
    assert isinstance(device_batches([a], ["float64"]), HostBatches)
    assert isinstance(device_batches([a], ["float32"]), DeviceBatches)


def test_fit_reads_batch_values_only_for_callbacks_that_use_them():
    class Reads(callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.losses = []

        def on_batch_end(self, batch, logs=None):
            self.losses.append(logs["loss"])

    class EpochsOnly(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.last = logs

    reads, epochs = Reads(), EpochsOnly()
    assert callbacks.needs_batch_values([reads])
    assert not callbacks.needs_batch_values([epochs, callbacks.ProgbarLogger(1)])
    x, y = _data(40)
    model = _mlp()
    h = model.fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[reads, epochs])
    assert len(reads.losses) == 6 and all(isinstance(v, float) for v in reads.losses)
    # The epoch's mean loss is the size-weighted mean of its batches' losses.
    np.testing.assert_allclose(
        h.history["loss"][1], np.average(reads.losses[3:], weights=[16, 16, 8]), rtol=1e-5
    )
    assert isinstance(epochs.last["loss"], float)


def test_fit_writes_the_generator_state_back_at_every_epoch_end():
    x, y = _data(40)
    model = _mlp()
    rng = model.layers[1].rng
    seen = []

    class State(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(rng.get_value().bit_generator.state["state"]["state"])

    model.fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[State()])
    assert len(set(seen)) == 2
    # Written back to the layer itself: the Monte Carlo predictor reads it
    # from there and advances it further.
    model.predict(x, training=True)
    assert rng.get_value().bit_generator.state["state"]["state"] not in seen


def test_a_recurrent_model_predicts_and_trains_on_a_single_sample():
    # PyTensor's scan refuses to be specialized to a batch of exactly one;
    # the JAX mode runs such a batch as two copies of the sample.
    set_random_seed(2)
    model = Sequential(
        [
            Embedding(9, 4, input_length=5),
            GRU(6, return_sequences=True),
            Dense(9, activation="softmax"),
        ]
    )
    model.compile("sgd", "sparse_categorical_crossentropy", mode="JAX")
    x = np.random.default_rng(1).integers(0, 9, size=(4, 5))
    one = model.predict(x[:1])
    assert one.shape == (1, 5, 9)
    np.testing.assert_allclose(one, model.predict(x)[:1], rtol=1e-5, atol=1e-6)
    loss = model.evaluate(x[:1], x[:1])
    np.testing.assert_allclose(model.train_on_batch(x[:1], x[:1]), loss, rtol=1e-5)
    assert model.evaluate(x[:1], x[:1]) < loss
    h = model.fit(x[:3], x[:3], batch_size=2, epochs=1, verbose=0)  # last batch: one sample
    assert np.isfinite(h.history["loss"][0])
