"""Model lifecycle: fit, evaluate, predict, callbacks, seeding, and every bad input."""

import io
import os
import signal

import numpy as np
import pytest

from kerasque.callbacks import (
    Callback,
    CSVLogger,
    EarlyStopping,
    LearningRateScheduler,
    TerminateOnNaN,
)
from kerasque.layers import Dense, Dropout, Embedding, Input
from kerasque.models import Model, Sequential
from kerasque.utils import set_random_seed, to_categorical


def _data(n=64, d=6, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    y = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5).astype(int)
    return x, y % classes


def _mlp(d=6, classes=3, dropout=0.2):
    return Sequential(
        [
            Dense(16, activation="relu", input_shape=(d,)),
            Dropout(dropout),
            Dense(classes, activation="softmax"),
        ]
    )


@pytest.fixture(scope="module")
def trained():
    set_random_seed(0)
    from kerasque import backend
    from conftest import TEST_MODE

    backend.set_mode(TEST_MODE)
    x, y = _data()
    model = _mlp()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=8, batch_size=16, verbose=0, validation_split=0.25)
    return model, history, x, y


def test_fit_cuts_the_loss_and_history_holds_loss_metric_and_validation(trained):
    model, history, x, y = trained
    h = history.history
    assert set(h) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(h["loss"]) == 8
    assert h["loss"][-1] < h["loss"][0]
    assert all(isinstance(v, float) for v in h["loss"])


def test_evaluate_returns_loss_and_metrics_and_predict_returns_probabilities(trained):
    model, _, x, y = trained
    loss, acc = model.evaluate(x, y)
    assert 0 <= acc <= 1 and loss > 0
    probs = model.predict(x, batch_size=10)
    assert probs.shape == (64, 3)
    np.testing.assert_allclose(probs.sum(1), 1, rtol=1e-5)
    np.testing.assert_allclose(model.predict_on_batch(x), probs, rtol=1e-6)
    assert isinstance(model.test_on_batch(x, y), list)


def test_categorical_and_sparse_accuracy_agree(trained):
    model, _, x, y = trained
    model2 = _mlp()
    model2.set_weights(model.get_weights())
    model2.compile("sgd", "categorical_crossentropy", metrics=["acc"])
    a = model.evaluate(x, y)[1]
    b = model2.evaluate(x, to_categorical(y, 3))[1]
    assert a == pytest.approx(b)


def test_set_random_seed_makes_training_bit_identical():
    x, y = _data()
    weights = []
    for _ in range(2):
        set_random_seed(42)
        model = _mlp(dropout=0.5)
        model.compile("rmsprop", "sparse_categorical_crossentropy")
        model.fit(x, y, epochs=2, batch_size=16, verbose=0)
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)


def test_progress_bar_shows_samples_eta_and_running_loss(capsys):
    x, y = _data()
    model = _mlp()
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=1, batch_size=16, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/1" in out and "64/64 [==============================]" in out
    assert "loss:" in out and "accuracy:" in out and "\r" in out
    model.fit(x, y, epochs=2, batch_size=16, verbose=2)
    lines = [l for l in capsys.readouterr().out.splitlines() if l]
    assert lines[0] == "Epoch 1/2" and lines[1].startswith("64/64 - ") and "\r" not in lines[1]
    model.fit(x, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""


def test_per_step_outputs_train_with_sparse_integer_targets():
    seq = np.random.default_rng(0).integers(1, 5, size=(12, 7))
    model = Sequential([Embedding(5, 4, input_length=7), Dense(5, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    h = model.fit(seq, seq, epochs=3, batch_size=4, verbose=0)
    assert model.predict(seq).shape == (12, 7, 5)
    assert h.history["loss"][-1] < h.history["loss"][0]


def test_functional_multi_input_model_fits():
    a, b = Input(shape=(3,), name="left"), Input(shape=(2,), name="right")
    from kerasque.layers import Concatenate

    out = Dense(1, activation="sigmoid")(Concatenate()([Dense(4)(a), b]))
    model = Model([a, b], out)
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    xa, xb = np.random.rand(20, 3), np.random.rand(20, 2)
    h = model.fit([xa, xb], (xa[:, 0] > 0.5).astype("float32"), epochs=2, verbose=0)
    assert "accuracy" in h.history
    with pytest.raises(
        ValueError, match=r"expects 2 input array\(s\) \['left', 'right'\], received 1"
    ):
        model.predict(xa)


# -- bad input ------------------------------------------------------------


@pytest.fixture(scope="module")
def compiled():
    from kerasque import backend
    from conftest import TEST_MODE

    backend.set_mode(TEST_MODE)
    model = _mlp()
    model.compile("sgd", "sparse_categorical_crossentropy")
    return model


def test_wrong_feature_width_names_the_input_and_both_shapes(compiled):
    with pytest.raises(
        ValueError,
        match=r"Input 'dense_\d+_input' of model 'sequential_\d+' expects arrays of shape "
        r"\(None, 6\), received shape \(4, 5\)",
    ):
        compiled.fit(np.ones((4, 5)), np.zeros(4), verbose=0)


def test_wrong_rank_is_refused(compiled):
    with pytest.raises(
        ValueError, match=r"expects arrays of shape \(None, 6\), received shape \(4, 6, 1\)"
    ):
        compiled.predict(np.ones((4, 6, 1)))


def test_x_and_y_with_different_sample_counts_are_refused(compiled):
    with pytest.raises(
        ValueError,
        match=r"x and y must have the same number of samples; received x with \[4\] and y "
        r"with \[3\]",
    ):
        compiled.fit(np.ones((4, 6)), np.zeros(3), verbose=0)


def test_sparse_labels_out_of_range_are_refused(compiled):
    with pytest.raises(
        ValueError,
        match=r"has 3 classes; sparse labels must be in \[0, 3\), received labels from 0 to 7",
    ):
        compiled.evaluate(np.ones((4, 6)), np.array([0, 1, 2, 7]))


def test_one_hot_targets_of_the_wrong_width_are_refused():
    model = _mlp()
    model.compile("sgd", "categorical_crossentropy")
    with pytest.raises(
        ValueError,
        match=r"has 3 units, so categorical_crossentropy expects one-hot targets of shape "
        r"\(None, 3\); received shape \(4, 4\)",
    ):
        model.fit(np.ones((4, 6)), np.eye(4), verbose=0)
    with pytest.raises(ValueError, match=r"to_categorical\(y, 3\)"):
        model.fit(np.ones((4, 6)), np.array([0, 1, 2, 1]), verbose=0)


def test_unknown_loss_is_a_value_error_listing_valid_names():
    model = _mlp()
    with pytest.raises(
        ValueError,
        match=r"Unknown loss 'categorical_crossentropyy'. Did you mean "
        r"'categorical_crossentropy'\?.*'mse'",
    ):
        model.compile("sgd", "categorical_crossentropyy")


def test_fit_evaluate_before_compile_say_to_call_compile():
    model = _mlp()
    with pytest.raises(
        RuntimeError, match=r"You must compile model 'sequential_\d+' before calling fit"
    ):
        model.fit(np.ones((2, 6)), np.zeros(2))
    with pytest.raises(RuntimeError, match="before calling evaluate"):
        model.evaluate(np.ones((2, 6)), np.zeros(2))
    assert model.predict(np.ones((2, 6))).shape == (2, 3)  # predict needs no compile


def test_a_sequential_without_input_shape_compiles_and_summary_says_how_to_build_it():
    model = Sequential([Dense(3), Dense(2)])
    model.compile("sgd", "mse")  # resolved once the model has a graph, as in Keras
    with pytest.raises(
        ValueError, match=r"is not built yet: .* has no input shape. It builds from the first data"
    ):
        model.summary()


def test_unknown_fit_keyword_is_a_type_error(compiled):
    with pytest.raises(
        TypeError, match=r"fit got an unexpected keyword argument 'epoch'. Did you mean"
    ):
        compiled.fit(np.ones((2, 6)), np.zeros(2), epoch=3)


# -- callbacks --------------------------------------------------------------


def test_terminate_on_nan_stops_at_once():
    model = Sequential([Dense(1, input_shape=(1,))])
    model.compile("sgd", "mse")
    x = np.ones((8, 1))
    x[3] = np.nan
    seen = []

    class Count(Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append(batch)

    model.fit(
        x,
        np.ones((8, 1)),
        batch_size=1,
        epochs=3,
        shuffle=False,
        verbose=0,
        callbacks=[TerminateOnNaN(), Count()],
    )
    assert seen == [0, 1, 2, 3]


def test_ctrl_c_stops_at_a_batch_boundary_and_the_model_stays_usable():
    model = Sequential([Dense(2, input_shape=(3,))])
    model.compile("sgd", "mse")
    before = signal.getsignal(signal.SIGINT)  # SIG_IGN in a background job

    class Interrupt(Callback):
        def on_batch_begin(self, batch, logs=None):
            if batch == 2:
                os.kill(os.getpid(), signal.SIGINT)

    history = model.fit(
        np.ones((10, 3)),
        np.ones((10, 2)),
        batch_size=2,
        epochs=5,
        verbose=0,
        callbacks=[Interrupt()],
    )
    assert history.interrupted
    assert model.optimizer.iterations.get_value() == 3  # batches 0, 1 and 2 finished
    assert model.predict(np.ones((1, 3))).shape == (1, 2)
    assert signal.getsignal(signal.SIGINT) is before  # fit put the handler back


def test_early_stopping_restores_the_best_weights():
    x, y = _data()
    model = _mlp()
    model.compile("sgd", "sparse_categorical_crossentropy")
    stop = EarlyStopping(monitor="loss", patience=0, min_delta=100, restore_best_weights=True)
    h = model.fit(x, y, epochs=10, verbose=0, callbacks=[stop])
    assert len(h.history["loss"]) == 2


def test_learning_rate_scheduler_and_csv_logger(tmp_path):
    x, y = _data()
    model = _mlp()
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    path = tmp_path / "log.csv"
    model.fit(
        x,
        y,
        epochs=3,
        verbose=0,
        callbacks=[LearningRateScheduler(lambda e: 0.1 / (e + 1)), CSVLogger(path)],
    )
    assert model.optimizer.learning_rate == pytest.approx(0.1 / 3)
    rows = path.read_text().splitlines()
    assert rows[0] == "epoch,accuracy,loss,lr" and len(rows) == 4


def test_summary_lists_layers_shapes_and_totals():
    model = _mlp()
    out = io.StringIO()
    model.summary(print_fn=lambda line: out.write(line + "\n"))
    text = out.getvalue()
    assert "(Dense)" in text and "(None, 16)" in text and "112" in text
    assert f"Total params: {model.count_params():,}" in text
    assert model.count_params() == 6 * 16 + 16 + 16 * 3 + 3


def test_set_weights_checks_count_and_shapes():
    model = _mlp()
    w = model.get_weights()
    with pytest.raises(ValueError, match=r"expects shape \(6, 16\), received \(16, 6\)"):
        model.set_weights([w[0].T] + w[1:])
    with pytest.raises(ValueError, match=r"expects 4 weight arrays"):
        model.set_weights(w[:2])


def test_embedding_ids_out_of_range_are_refused_before_compiled_code_runs():
    model = Sequential([Embedding(5, 2, input_length=3), Dense(1)])
    with pytest.raises(
        ValueError,
        match=r"\(Embedding\) has input_dim=5, so ids must be in \[0, 5\); "
        r"received ids from 0 to 5",
    ):
        model.predict(np.array([[0, 1, 5]]))
    assert model.predict(np.array([[0, 1, 4]])).shape == (1, 3, 1)
