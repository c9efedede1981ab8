"""kerasque: Keras-style deep learning on PyTensor, with stochastic regularization done right."""

__version__ = "0.1.0"

from kerasque import backend  # noqa: E402,F401  (sets floatX before anything builds)
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
