"""Keras's mnist_mlp recipe on the digits that ship with kerasque.

Trains Dense-ReLU-Dropout twice and a softmax with RMSprop, shows the
progress bar, reports test accuracy, then trains the same network without
Dropout and prints train vs validation loss side by side so the
regularization effect is visible. Where matplotlib is installed
(``pip install 'kerasque[plot]'``) it also draws both runs' curves to a PNG.

Run: python examples/digits_mlp.py [--epochs N] [--mode JAX|NUMBA|C|FAST_COMPILE]
                                   [--plot PATH | --no-plot]
"""

from __future__ import annotations

import argparse
import time

from kerasque.datasets import digits
from kerasque.layers import Dense, Dropout
from kerasque.models import Sequential
from kerasque.optimizers import RMSprop
from kerasque.utils import plot_history, set_random_seed, to_categorical


def build(dropout: float) -> Sequential:
    layers = [Dense(512, activation="relu", input_shape=(64,))]
    if dropout:
        layers.append(Dropout(dropout))
    layers.append(Dense(512, activation="relu"))
    if dropout:
        layers.append(Dropout(dropout))
    layers.append(Dense(10, activation="softmax"))
    return Sequential(layers)


def train(dropout, data, epochs, mode, verbose):
    (x_train, y_train), (x_test, y_test) = data
    set_random_seed(7)
    model = build(dropout)
    model.compile(
        RMSprop(learning_rate=1e-3), "categorical_crossentropy", metrics=["accuracy"], mode=mode
    )
    start = time.time()
    history = model.fit(
        x_train,
        y_train,
        batch_size=64,
        epochs=epochs,
        verbose=verbose,
        validation_data=(x_test, y_test),
    )
    _, acc = model.evaluate(x_test, y_test)
    return model, history.history, acc, time.time() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--mode", default=None, help="compile mode (default: kerasque's)")
    parser.add_argument(
        "--plot",
        default="digits_dropout.png",
        help="where to draw the loss and accuracy curves (needs matplotlib)",
    )
    parser.add_argument("--no-plot", dest="plot", action="store_const", const=None)
    args = parser.parse_args()

    (x_train, y_train), (x_test, y_test) = digits.load_data()
    data = (
        (x_train.reshape(-1, 64), to_categorical(y_train, 10)),
        (x_test.reshape(-1, 64), to_categorical(y_test, 10)),
    )
    print(f"{len(x_train)} train samples, {len(x_test)} test samples")

    model, with_dropout, acc, took = train(0.2, data, args.epochs, args.mode, verbose=1)
    model.summary()
    print(f"\nWith Dropout(0.2): test accuracy {acc:.4f} ({took:.1f} s including compile)")

    print("\nSame network without Dropout (training quietly)...")
    _, without, acc_plain, _ = train(0.0, data, args.epochs, args.mode, verbose=0)
    print(f"Without Dropout: test accuracy {acc_plain:.4f}\n")

    print(
        f"{'epoch':>5} | {'dropout: train':>14} {'val':>8} {'gap':>7} | "
        f"{'no dropout: train':>17} {'val':>8} {'gap':>7}"
    )
    for e in range(args.epochs):
        a, b = with_dropout["loss"][e], with_dropout["val_loss"][e]
        c, d = without["loss"][e], without["val_loss"][e]
        print(
            f"{e + 1:>5} | {a:>14.4f} {b:>8.4f} {b - a:>7.4f} | {c:>17.4f} {d:>8.4f} {d - c:>7.4f}"
        )
    print("\n'gap' = validation loss - training loss: the overfitting that Dropout holds back.")
    if args.plot:
        runs = {"Dropout(0.2)": with_dropout, "no Dropout": without}
        try:
            plot_history(
                runs, to_file=args.plot, title="digits MLP: train (solid), validation (dashed)"
            )
            print(f"Curves drawn to {args.plot}")
        except ImportError as err:
            print(f"No curves drawn: {err}")
    if acc < 0.95:
        raise SystemExit(f"test accuracy {acc:.4f} is below the 0.95 this demo promises")


if __name__ == "__main__":
    main()
