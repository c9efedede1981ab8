"""kerasque's backend: Keras's ``K`` on PyTensor.

``from kerasque import backend as K`` gives the functions of Keras 2.2.4's
backend with its signatures and semantics, working on PyTensor variables,
on ``K.variable``s and (for introspection) on the symbolic tensors of
models. Convolution, pooling, padding, image resizing and CTC are not here.

The pieces, one concept per module:

- :mod:`~kerasque.backend.variables`: variables, placeholders, values,
  introspection, update pairs, names;
- :mod:`~kerasque.backend.math`: products, reductions, element-wise maths;
- :mod:`~kerasque.backend.shapes`: joining, reshaping, slicing;
- :mod:`~kerasque.backend.neural`: activations, cross-entropies, batch
  normalization;
- :mod:`~kerasque.backend.random`: random draws the compile step advances,
  and ``dropout``;
- :mod:`~kerasque.backend.control`: ``function``, gradients, the learning
  phase, ``rnn`` and the folds.

Importing this package changes no PyTensor setting; graphs are built with
PyTensor's ``floatX`` set to :func:`floatx` for the duration of each build
(see :mod:`kerasque.engine.context`).
"""

from __future__ import annotations

from kerasque.backend.control import *
from kerasque.backend.control import __all__ as _control
from kerasque.backend.math import *
from kerasque.backend.math import __all__ as _math
from kerasque.backend.neural import *
from kerasque.backend.neural import __all__ as _neural
from kerasque.backend.random import *
from kerasque.backend.random import __all__ as _random
from kerasque.backend.shapes import *
from kerasque.backend.shapes import __all__ as _shapes
from kerasque.backend.variables import *
from kerasque.backend.variables import __all__ as _variables
from kerasque.config import (
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)
from kerasque.engine.modes import resolve as get_mode
from kerasque.engine.modes import set_mode

_BACKEND = "pytensor"

# The tensor functions also take a model's symbolic tensors (see model_tensors).
from kerasque.backend.model_tensors import accepting_model_tensors as _accepting  # noqa: E402

for _name in (*_math, *_shapes, *_neural):
    globals()[_name] = _accepting(globals()[_name], _name)
del _name


def backend() -> str:
    """``'pytensor'``: the name of the library kerasque computes with.

    Keras 2 code that tests ``K.backend() == 'theano'`` works around Theano's
    quirks (``pattern_broadcast``, the ``'full'`` padding, ``batch_dot``
    shapes); kerasque follows the documented, backend-neutral behaviour, so
    such code takes its TensorFlow branch, which is the one meant for a
    backend without those quirks.
    """
    return _BACKEND


def clear_session() -> None:
    """Reset the state that graphs leave behind: name counters and the learning phase.

    Layer names start again at ``dense_1``, :func:`get_uid` counters restart
    and a fixed learning phase returns to the symbolic flag. Models built
    before keep working.
    """
    from kerasque.engine import base_layer

    reset_uids()
    base_layer._NAME_COUNTS.clear()
    set_learning_phase(None)


__all__ = [  # noqa: PLE0604  (the submodules' __all__ lists, spread)
    *_variables,
    *_math,
    *_shapes,
    *_neural,
    *_random,
    *_control,
    "floatx",
    "set_floatx",
    "epsilon",
    "set_epsilon",
    "image_data_format",
    "set_image_data_format",
    "set_mode",
    "get_mode",
    "backend",
    "clear_session",
]
