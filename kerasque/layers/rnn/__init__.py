"""Recurrent layers: cells, the loop that runs them, and the layers built on both."""

from kerasque.layers.rnn.cell import Cell, check_fraction
from kerasque.layers.rnn.cells import GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells
from kerasque.layers.rnn.layers import GRU, LSTM, SimpleRNN
from kerasque.layers.rnn.rnn import RNN

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
