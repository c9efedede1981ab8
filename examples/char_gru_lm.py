"""A character-level GRU language model with DropConnect and ZoneOut.

In the spirit of the dropout tutorial this project grew from: an embedding,
a GRU whose recurrent weights are dropped (DropConnect, the AWD-LSTM
weight-drop) and whose units zone out, and a softmax over the next character
at every step, trained with Adam on the help texts that ship with every
Python (``pydoc_data.topics``; no download).

Run it from the repository root::

    python examples/char_gru_lm.py

It trains for a few minutes on 2 CPU cores, prints the validation loss in
bits per character after each epoch, then samples a paragraph.
"""

from __future__ import annotations

import argparse
import math
import time
import warnings

import numpy as np

from kerasque.callbacks import Callback, LearningRateScheduler
from kerasque.datasets import pydoc_text
from kerasque.layers import GRU, Dense, DropConnect, Embedding, ZoneOut
from kerasque.models import Sequential
from kerasque.optimizers import Adam
from kerasque.utils import set_random_seed

# PyTensor's C linker warns once that it found no system BLAS (a plain pip
# install); it then calls NumPy's BLAS, which is what this demo measured.
warnings.filterwarnings("ignore", "PyTensor could not link to a BLAS")

# The default mode (JAX when jax is installed) is the fastest here on 2 CPU
# cores: with these defaults (one epoch = 8372 windows of 50 characters) a
# warm epoch takes about 25 s in 'JAX', 41 s in 'C' and 40 s in 'NUMBA', and
# a first run with empty compile caches spends seconds compiling in 'JAX'
# against about 110 s in 'C' and 160 s in 'NUMBA' (which compiles lazily,
# during the first batches). 'FAST_COMPILE', the cheapest to compile, runs
# Python implementations of most ops: 15 s against 0.4 s in 'C' for a batch
# of 64 x 100 characters.
MODE = None


class BitsPerCharacter(Callback):
    """Print validation bits per character (val_loss / ln 2) after each epoch."""

    def __init__(self):
        super().__init__()
        self.bpc: list[float] = []

    def on_epoch_end(self, epoch, logs=None):
        bpc = (logs or {})["val_loss"] / math.log(2)
        self.bpc.append(bpc)
        print(f"epoch {epoch + 1}: validation {bpc:.3f} bits per character")


def build_model(vocab, seq_len, units, embed_dim, weight_drop, zoneout, learning_rate, mode):
    gru = GRU(units, return_sequences=True)
    model = Sequential(
        [
            Embedding(vocab, embed_dim, input_length=seq_len),
            ZoneOut(DropConnect(gru, weight_drop, weights=["recurrent_kernel"]), zoneout),
            Dense(vocab, activation="softmax"),
        ]
    )
    model.compile(
        Adam(learning_rate=learning_rate, clipnorm=5.0),
        "sparse_categorical_crossentropy",
        mode=mode,
    )
    return model


def sample(model, seed_ids, length, temperature, rng):
    """Generate ``length`` characters after ``seed_ids``, one predict call per character.

    The model reads a fixed window, so each step feeds the last ``seq_len``
    characters and samples from the distribution at the last position.
    """
    seq_len = model.inputs[0].shape[1]
    ids = list(seed_ids)
    for _ in range(length):
        window = np.asarray(ids[-seq_len:], dtype="int32")[None]
        probs = model.predict(window)[0, -1].astype("float64")
        logits = np.log(np.maximum(probs, 1e-12)) / temperature
        p = np.exp(logits - logits.max())
        ids.append(int(rng.choice(len(p), p=p / p.sum())))
    return ids[len(seed_ids) :]


def train_and_sample(model, train, valid, valid_text, vocab, args, started):
    """Fit with a halving learning rate, print a sample and the bits per character.

    Shared with ``examples/awd_lstm_lm.py``; ``args`` holds the command line
    (``batch_size``, ``epochs``, ``learning_rate``, ``seq_len``, ``seed``,
    ``sample_length``, ``temperature``). Returns the validation bits per
    character after each epoch.
    """
    bpc = BitsPerCharacter()
    # A high rate learns fast early on; halving it from the third epoch on lets
    # the loss settle instead of plateauing.
    decay = LearningRateScheduler(lambda epoch: args.learning_rate * 0.5 ** max(0, epoch - 1))
    model.fit(
        *train,
        batch_size=args.batch_size,
        epochs=args.epochs,
        validation_data=valid,
        callbacks=[bpc, decay],
        verbose=1,
    )
    trained = time.time() - started

    rng = np.random.default_rng(args.seed)
    start = valid_text.find("The ")
    seed_text = valid_text[start : start + args.seq_len]
    chars, char_to_index = vocab
    ids = sample(
        model,
        pydoc_text.encode(seed_text, char_to_index),
        args.sample_length,
        args.temperature,
        rng,
    )
    print(f"\nSample (temperature {args.temperature}), after: {seed_text!r}\n")
    print(pydoc_text.decode(ids, chars))
    print(
        f"\nfinal validation: {bpc.bpc[-1]:.3f} bits per character; trained in {trained:.0f} s, "
        f"{time.time() - started:.0f} s in all"
    )
    return bpc.bpc


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seq-len", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--units", type=int, default=256)
    parser.add_argument("--embed-dim", type=int, default=32)
    parser.add_argument("--max-chars", type=int, default=None)
    parser.add_argument("--learning-rate", type=float, default=0.01)
    parser.add_argument("--weight-drop", type=float, default=0.3)
    parser.add_argument("--zoneout", type=float, default=0.05)
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument("--sample-length", type=int, default=400)
    parser.add_argument("--mode", default=MODE)
    parser.add_argument("--seed", type=int, default=2013)
    args = parser.parse_args(argv)

    started = time.time()
    set_random_seed(args.seed)
    train_text, valid_text = pydoc_text.load_data(max_chars=args.max_chars)
    chars, char_to_index = pydoc_text.build_vocab(train_text + valid_text)
    x, y = pydoc_text.make_sequences(pydoc_text.encode(train_text, char_to_index), args.seq_len)
    vx, vy = pydoc_text.make_sequences(pydoc_text.encode(valid_text, char_to_index), args.seq_len)
    print(
        f"{len(train_text):,} training and {len(valid_text):,} validation characters, "
        f"{len(chars)} symbols; {len(x)} windows of {args.seq_len}"
    )

    model = build_model(
        len(chars),
        args.seq_len,
        args.units,
        args.embed_dim,
        args.weight_drop,
        args.zoneout,
        args.learning_rate,
        args.mode,
    )
    model.summary()
    return train_and_sample(
        model, (x, y), (vx, vy), valid_text, (chars, char_to_index), args, started
    )


if __name__ == "__main__":
    main()
