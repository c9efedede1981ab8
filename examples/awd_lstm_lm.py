"""A character-level language model in the spirit of AWD-LSTM (Merity et al., 2017).

Two LSTM layers whose recurrent weights are dropped once per batch
(weight-drop: DropConnect on ``recurrent_kernel``), variational ("locked")
dropout on the embeddings, between the layers and on the last layer's
output (one mask per sequence, the same at every step), and optionally
ZoneOut on the states (Krueger et al., 2016: ``--zoneout 0.05 --cell-zoneout
0.5``), trained on the help texts that ship with every Python
(``pydoc_data.topics``; no download).

Run it from the repository root::

    python examples/awd_lstm_lm.py

It trains for a few minutes on 2 CPU cores, prints the validation loss in
bits per character after each epoch, then samples a paragraph.
"""

from __future__ import annotations

import argparse
import time
import warnings

from char_gru_lm import train_and_sample

from kerasque.datasets import pydoc_text
from kerasque.layers import LSTM, Dense, DropConnect, Embedding, SpatialDropout1D, ZoneOut
from kerasque.models import Sequential
from kerasque.optimizers import Adam
from kerasque.utils import set_random_seed

warnings.filterwarnings("ignore", "PyTensor could not link to a BLAS")


def recurrent_layer(units, input_dropout, weight_drop, zoneout, cell_zoneout):
    """One AWD layer: variational dropout on its input, weight-drop, optional ZoneOut."""
    layer = DropConnect(
        LSTM(units, return_sequences=True, dropout=input_dropout),
        weight_drop,
        weights=["recurrent_kernel"],
    )
    if zoneout or cell_zoneout:
        layer = ZoneOut(layer, zoneout, cell_rate=cell_zoneout)
    return layer


def build_model(vocab, seq_len, args):
    layers = [Embedding(vocab, args.embed_dim, input_length=seq_len)]
    for i in range(args.layers):
        dropout = args.embed_dropout if i == 0 else args.hidden_dropout
        layers.append(
            recurrent_layer(args.units, dropout, args.weight_drop, args.zoneout, args.cell_zoneout)
        )
    # Locked dropout on the last layer's output: one mask per sequence.
    layers += [SpatialDropout1D(args.output_dropout), Dense(vocab, activation="softmax")]
    model = Sequential(layers)
    model.compile(
        Adam(learning_rate=args.learning_rate, clipnorm=5.0),
        "sparse_categorical_crossentropy",
        mode=args.mode,
    )
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seq-len", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--units", type=int, default=192)
    parser.add_argument("--embed-dim", type=int, default=32)
    parser.add_argument("--max-chars", type=int, default=None)
    parser.add_argument("--learning-rate", type=float, default=0.01)
    parser.add_argument("--weight-drop", type=float, default=0.2)
    parser.add_argument("--embed-dropout", type=float, default=0.1)
    parser.add_argument("--hidden-dropout", type=float, default=0.1)
    parser.add_argument("--output-dropout", type=float, default=0.1)
    parser.add_argument("--zoneout", type=float, default=0.0)
    parser.add_argument("--cell-zoneout", type=float, default=0.0)
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument("--sample-length", type=int, default=400)
    parser.add_argument("--mode", default=None)
    parser.add_argument("--seed", type=int, default=2017)
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

    model = build_model(len(chars), args.seq_len, args)
    model.summary()
    return train_and_sample(
        model, (x, y), (vx, vy), valid_text, (chars, char_to_index), args, started
    )


if __name__ == "__main__":
    main()
