"""Recurrent layers (Keras 2's module path); they live in :mod:`kerasque.layers.rnn`."""

from kerasque.layers.rnn import (
    GRU,
    LSTM,
    RNN,
    Cell,
    GRUCell,
    LSTMCell,
    SimpleRNN,
    SimpleRNNCell,
    StackedRNNCells,
    check_fraction,
)

__all__ = [
    "GRU",
    "LSTM",
    "RNN",
    "Cell",
    "GRUCell",
    "LSTMCell",
    "SimpleRNN",
    "SimpleRNNCell",
    "StackedRNNCells",
    "check_fraction",
]
