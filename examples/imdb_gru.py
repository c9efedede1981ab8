"""Keras 2's ``examples/imdb_lstm.py`` with a GRU, run through ``import kerasque``.

The Keras script below the data section is Keras 2's recipe with only its
imports changed (``keras`` -> ``kerasque``) and ``LSTM`` swapped for
``GRU`` (kerasque has no LSTM). IMDB itself needs a download, so the data
come from :func:`load_data`, a generated sentiment-like task with the same
interface as ``keras.datasets.imdb.load_data``: reviews are lists of word
ids of varying length (1 starts a review, 2 is an out-of-vocabulary word,
real words start at 3, as Keras's index_from=3), mostly neutral words with
a few "positive" and "negative" ones; the label says which kind wins.

As in the Keras 2 file, the first layer has no input shape: the Sequential
builds itself from the first data ``fit`` sees. The sizes come from the
command line so that a test can run the recipe small.

Run: python examples/imdb_gru.py [--samples N] [--epochs N] [--maxlen N] [--units N]

With the defaults (2,500 reviews each way, 3 epochs, 64 units; Keras used
25,000, 15 and 128) it reaches about 0.80 test accuracy in about two
minutes on two CPU cores, most of it the first epoch's compilation.
"""

# ruff: noqa: I001, UP010 - the import lines are kept as in the Keras 2 script
from __future__ import print_function

import argparse

import numpy as np

# ---- the only lines that differ from a Keras 2 script: the imports -------
from kerasque.preprocessing import sequence
from kerasque.models import Sequential
from kerasque.layers import Dense, Embedding
from kerasque.layers import GRU


def load_data(num_words=20000, samples=25000, seed=113, min_len=10, max_len=120):
    """A sentiment-like task shaped as ``imdb.load_data``: ((x, y), (x, y)).

    Word ids 3 .. 12 are "positive", 13 .. 22 "negative", the rest neutral;
    each review holds one to four sentiment words among the neutral ones and
    is positive (label 1) when it has more positive than negative words (a
    tie is broken by the last sentiment word).
    """
    rng = np.random.RandomState(seed)
    pos, neg = np.arange(3, 13), np.arange(13, 23)
    xs, ys = [], []
    for _ in range(2 * samples):
        length = rng.randint(min_len, max_len + 1)
        words = rng.randint(23, num_words, size=length)
        label = rng.randint(2)
        count = rng.randint(1, 5)
        picks = rng.rand(count) < (0.8 if label else 0.2)
        if picks.sum() * 2 == count:
            picks[-1] = bool(label)
        label = int(picks.sum() * 2 > count)
        where = rng.choice(length, size=count, replace=False)
        words[where] = np.where(picks, rng.choice(pos, count), rng.choice(neg, count))
        oov = rng.rand(length) < 0.02
        words[oov] = 2
        xs.append([1] + words.tolist())
        ys.append(label)
    ys = np.array(ys)
    return (xs[:samples], ys[:samples]), (xs[samples:], ys[samples:])


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--samples", type=int, default=2500, help="training reviews (and test reviews)")
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--maxlen", type=int, default=80)
parser.add_argument("--units", type=int, default=64)
args = parser.parse_args()
np.random.seed(1337)  # as Keras 2 scripts did: this makes the run reproducible

# ---- Keras 2's imdb_lstm.py, with GRU -------------------------------------
max_features = 20000
maxlen = (
    args.maxlen
)  # cut texts after this number of words (among top max_features most common words)
batch_size = 32

print("Loading data...")
(x_train, y_train), (x_test, y_test) = load_data(num_words=max_features, samples=args.samples)
print(len(x_train), "train sequences")
print(len(x_test), "test sequences")

print("Pad sequences (samples x time)")
x_train = sequence.pad_sequences(x_train, maxlen=maxlen)
x_test = sequence.pad_sequences(x_test, maxlen=maxlen)
print("x_train shape:", x_train.shape)
print("x_test shape:", x_test.shape)

print("Build model...")
model = Sequential()
model.add(Embedding(max_features, args.units))
model.add(GRU(args.units, dropout=0.2, recurrent_dropout=0.2))
model.add(Dense(1, activation="sigmoid"))

# try using different optimizers and different optimizer configs
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])

print("Train...")
model.fit(
    x_train, y_train, batch_size=batch_size, epochs=args.epochs, validation_data=(x_test, y_test)
)
score, acc = model.evaluate(x_test, y_test, batch_size=batch_size)
print("Test score:", score)
print("Test accuracy:", acc)
