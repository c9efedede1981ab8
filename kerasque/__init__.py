"""kerasque: Keras-style deep learning on PyTensor, with stochastic regularization done right."""

__version__ = "0.1.0"

from kerasque import backend  # noqa: E402,F401
from kerasque import (  # noqa: E402,F401
    activations,
    callbacks,
    constraints,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    preprocessing,
    regularizers,
    utils,
)
from kerasque.engine.input_layer import Input  # noqa: F401  (keras.Input)
from kerasque.models import Model, Sequential  # noqa: F401  (keras.Model, keras.Sequential)
