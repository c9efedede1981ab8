"""Generators and Sequences in fit / evaluate / predict and the *_generator methods."""

import numpy as np
import pytest

from kerasque.layers import Dense, Dropout
from kerasque.models import Sequential, load_model
from kerasque.utils import set_random_seed
from kerasque.utils.data_utils import Sequence

X = np.random.default_rng(3).normal(size=(10, 4)).astype("float32")
Y = (X[:, :1] > 0).astype("float32")


class Batches(Sequence):
    """Batches of 4 (the last of 2), recording which were read and each epoch's end."""

    def __init__(self, x=X, y=Y, size=4, weights=None):
        self.x, self.y, self.size, self.weights = x, y, size, weights
        self.read, self.epochs_ended = [], 0

    def __len__(self):
        return len(range(0, len(self.x), self.size))

    def __getitem__(self, i):
        self.read.append(i)
        s = slice(i * self.size, (i + 1) * self.size)
        if self.weights is not None:
            return self.x[s], self.y[s], self.weights[s]
        return self.x[s], self.y[s]

    def on_epoch_end(self):
        self.epochs_ended += 1


def _model(seed=0):
    set_random_seed(seed)
    model = Sequential(
        [
            Dense(3, activation="tanh", input_shape=(4,)),
            Dropout(0.3),
            Dense(1, activation="sigmoid"),
        ]
    )
    model.compile("adam", "binary_crossentropy", metrics=["acc"])
    return model


def _forever(x=X, y=Y, size=4):
    while True:
        for s in range(0, len(x), size):
            yield x[s : s + size], y[s : s + size]


def test_fit_on_a_sequence_reads_every_batch_in_order_and_ends_each_epoch():
    seq = Batches()
    history = _model().fit(seq, epochs=2, shuffle=False, verbose=0)
    assert seq.read == [0, 1, 2, 0, 1, 2] and seq.epochs_ended == 2
    assert set(history.history) == {"loss", "acc"}


def test_a_shuffled_sequence_visits_each_batch_once_per_epoch_in_a_seeded_order():
    seq, again = Batches(), Batches()
    _model().fit(seq, epochs=3, shuffle=True, verbose=0)
    _model().fit(again, epochs=3, shuffle=True, verbose=0)
    epochs = [seq.read[i : i + 3] for i in (0, 3, 6)]
    assert all(sorted(e) == [0, 1, 2] for e in epochs)
    assert seq.read == again.read


def test_a_sequence_fit_matches_the_array_fit_batch_for_batch():
    a, b = _model(5), _model(5)
    a.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    b.fit(Batches(), epochs=2, shuffle=False, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6)


def test_fit_generator_with_steps_and_generator_validation():
    model = _model()
    history = model.fit_generator(
        _forever(),
        steps_per_epoch=3,
        epochs=2,
        verbose=0,
        validation_data=_forever(),
        validation_steps=3,
        max_queue_size=4,
        workers=2,
        use_multiprocessing=False,
    )
    assert len(history.history["val_loss"]) == 2
    assert history.history["val_loss"][-1] == pytest.approx(
        model.evaluate(X, Y, batch_size=4)[0], rel=1e-5
    )


def test_fit_generator_with_array_validation_data():
    history = _model().fit_generator(
        _forever(), steps_per_epoch=3, epochs=1, verbose=0, validation_data=(X, Y)
    )
    assert "val_acc" in history.history


def test_evaluate_and_predict_generators_agree_with_arrays():
    model = _model()
    assert model.evaluate_generator(_forever(), steps=3) == pytest.approx(
        model.evaluate(X, Y, batch_size=4), rel=1e-5
    )
    np.testing.assert_allclose(
        model.predict_generator(_forever(), steps=3), model.predict(X), rtol=1e-5
    )
    np.testing.assert_allclose(model.predict(Batches()), model.predict(X), rtol=1e-5)
    assert model.evaluate(Batches()) == pytest.approx(model.evaluate(X, Y, batch_size=4), rel=1e-5)


def test_a_generator_needs_steps_and_must_not_run_dry():
    model = _model()
    with pytest.raises(
        ValueError,
        match=r"fit: a generator has no length, so pass the number of batches per epoch "
        r"\(steps_per_epoch=",
    ):
        model.fit(_forever(), verbose=0)
    with pytest.raises(
        ValueError, match=r"the generator stopped after 1 batch\(es\) of the 3 asked for"
    ):
        model.fit(iter([(X[:4], Y[:4])]), steps_per_epoch=3, verbose=0)


def test_a_batch_that_is_not_an_x_y_tuple_is_a_type_error():
    with pytest.raises(
        TypeError,
        match=r"each batch of a generator or Sequence must be a tuple \(x, y\) or \(x, y, "
        r"sample_weight\), received ndarray",
    ):
        _model().fit(iter([X] * 3), steps_per_epoch=2, verbose=0)
    with pytest.raises(
        TypeError,
        match="fit_generator expects a generator or a kerasque.utils.Sequence, received ndarray",
    ):
        _model().fit_generator(X, steps_per_epoch=1)


def test_sequence_batches_with_sample_weights_train_the_weighted_function():
    w = np.linspace(0.0, 1.0, len(X)).astype("float32")
    a, b = _model(2), _model(2)
    a.fit(X, Y, sample_weight=w, batch_size=4, epochs=1, shuffle=False, verbose=0)
    b.fit(Batches(weights=w), epochs=1, shuffle=False, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6)


def test_batches_of_varying_size_reuse_one_function():
    model = _model()
    model.fit(Batches(size=3), epochs=2, shuffle=False, verbose=0)  # sizes 3, 3, 3, 1
    train = model.make_train_function()
    assert model.make_train_function() is train
    if hasattr(train, "specializations"):  # the JAX mode compiles once per batch shape
        assert train.specializations == 2


def test_exact_resume_with_a_shuffled_sequence(tmp_path):
    straight = _model(9)
    straight.fit(Batches(), epochs=3, shuffle=True, verbose=0)
    first = _model(9)
    first.fit(Batches(), epochs=1, shuffle=True, verbose=0)
    first.save(tmp_path / "run.h5")
    resumed = load_model(tmp_path / "run.h5")
    resumed.fit(Batches(), epochs=3, initial_epoch=1, shuffle=True, verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_progress_for_a_sequence_counts_batches(capsys):
    _model().fit(Batches(), epochs=1, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/1" in out and "3/3" in out
    _model().fit_generator(_forever(), steps_per_epoch=2, epochs=1, verbose=2)
    assert "2/2" in capsys.readouterr().out


def test_y_sample_weight_and_validation_split_are_refused_with_a_generator():
    model = _model()
    with pytest.raises(
        ValueError, match=r"fit: y cannot be used when x is a generator or a Sequence"
    ):
        model.fit(Batches(), Y, verbose=0)
    with pytest.raises(
        ValueError, match=r"fit: validation_split cannot be used when x is a generator"
    ):
        model.fit(Batches(), validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match=r"evaluate: sample_weight cannot be used"):
        model.evaluate(Batches(), sample_weight=np.ones(10))
