"""Layers: the building blocks of models."""

from kerasque.engine.base_layer import InputSpec, Layer
from kerasque.engine.input_layer import Input, InputLayer
from kerasque.layers.advanced_activations import (
    ELU,
    LeakyReLU,
    PReLU,
    ReLU,
    Softmax,
    ThresholdedReLU,
)
from kerasque.layers import backend_op  # noqa: F401  (registers BackendOp for loading)
from kerasque.layers.core import Activation, ActivityRegularization, Dense, Masking
from kerasque.layers.embedding import Embedding
from kerasque.layers.lambda_layer import Lambda
from kerasque.layers.merge import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from kerasque.layers.noise import (
    AlphaDropout,
    Dropout,
    GaussianDropout,
    GaussianNoise,
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)
from kerasque.layers.normalization import BatchNormalization
from kerasque.layers.reshaping import Flatten, Permute, RepeatVector, Reshape
from kerasque.layers.rnn import (
    GRU,
    LSTM,
    RNN,
    GRUCell,
    LSTMCell,
    SimpleRNN,
    SimpleRNNCell,
    StackedRNNCells,
)
from kerasque.layers.rnn.bidirectional import Bidirectional
from kerasque.layers.stochastic import StochasticLayer
from kerasque.layers.time_distributed import TimeDistributed
from kerasque.layers.wrappers import DropConnect, Wrapper, ZoneOut


def deserialize(config: dict, custom_objects: dict | None = None) -> Layer:
    """Rebuild a layer from ``{"class_name": ..., "config": ...}`` (no code is run)."""
    from kerasque.saving.serialization import deserialize_layer

    return deserialize_layer(config, custom_objects)


__all__ = [
    # base classes and inputs
    "InputSpec",
    "Layer",
    "Input",
    "InputLayer",
    "deserialize",
    # advanced_activations
    "ELU",
    "LeakyReLU",
    "PReLU",
    "ReLU",
    "Softmax",
    "ThresholdedReLU",
    # core
    "Activation",
    "ActivityRegularization",
    "Dense",
    "Masking",
    # embedding
    "Embedding",
    # lambda_layer
    "Lambda",
    # merge
    "Add",
    "Average",
    "Concatenate",
    "Dot",
    "Maximum",
    "Minimum",
    "Multiply",
    "Subtract",
    "add",
    "average",
    "concatenate",
    "dot",
    "maximum",
    "minimum",
    "multiply",
    "subtract",
    # noise
    "AlphaDropout",
    "Dropout",
    "GaussianDropout",
    "GaussianNoise",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    # normalization
    "BatchNormalization",
    # rnn
    "RNN",
    "GRU",
    "LSTM",
    "SimpleRNN",
    "GRUCell",
    "LSTMCell",
    "SimpleRNNCell",
    "StackedRNNCells",
    "Bidirectional",
    # reshaping
    "Flatten",
    "Permute",
    "RepeatVector",
    "Reshape",
    # stochastic
    "StochasticLayer",
    # time_distributed
    "TimeDistributed",
    # wrappers
    "DropConnect",
    "Wrapper",
    "ZoneOut",
]
