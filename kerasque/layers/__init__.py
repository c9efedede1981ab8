"""Layers: the building blocks of models."""

from kerasque.engine.base_layer import InputSpec, Layer
from kerasque.engine.input_layer import Input, InputLayer
from kerasque.layers.core import Activation, Dense, Flatten
from kerasque.layers.embedding import Embedding
from kerasque.layers.merge import Add, Concatenate
from kerasque.layers.noise import Dropout

__all__ = [
    "Layer",
    "InputSpec",
    "Input",
    "InputLayer",
    "Dense",
    "Activation",
    "Flatten",
    "Dropout",
    "Embedding",
    "Concatenate",
    "Add",
]
