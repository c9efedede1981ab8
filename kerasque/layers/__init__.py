"""Layers: the building blocks of models."""

from kerasque.engine.base_layer import InputSpec, Layer
from kerasque.engine.input_layer import Input, InputLayer
from kerasque.layers.core import Activation, Dense, Flatten
from kerasque.layers.embedding import Embedding
from kerasque.layers.merge import Add, Concatenate
from kerasque.layers.noise import Dropout, GaussianDropout, GaussianNoise, SpatialDropout1D
from kerasque.layers.normalization import BatchNormalization
from kerasque.layers.time_distributed import TimeDistributed
from kerasque.layers.wrappers import DropConnect, Wrapper, ZoneOut

# Recurrent layers (the rnn helper's block).
from kerasque.layers.rnn import (GRU, LSTM, RNN, GRUCell, LSTMCell, SimpleRNN,  # noqa: E402
                                 SimpleRNNCell, StackedRNNCells)
from kerasque.layers.rnn.bidirectional import Bidirectional  # noqa: E402



def deserialize(config: dict, custom_objects: dict | None = None) -> Layer:
    """Rebuild a layer from ``{"class_name": ..., "config": ...}`` (no code is run)."""
    from kerasque.saving.serialization import deserialize_layer

    return deserialize_layer(config, custom_objects)


__all__ = [
    "Layer",
    "deserialize",
    "InputSpec",
    "Input",
    "InputLayer",
    "Dense",
    "Activation",
    "Flatten",
    "Dropout",
    "GaussianNoise",
    "GaussianDropout",
    "SpatialDropout1D",
    "BatchNormalization",
    "TimeDistributed",
    "GRU",
    "LSTM",
    "SimpleRNN",
    "RNN",
    "GRUCell",
    "LSTMCell",
    "SimpleRNNCell",
    "StackedRNNCells",
    "Bidirectional",
    "Wrapper",
    "DropConnect",
    "ZoneOut",
    "Embedding",
    "Concatenate",
    "Add",
]
