"""Helpers of ``Layer.add_loss`` / ``add_update``: checks and graph dependency tests."""

from __future__ import annotations

import numpy as np
import pytensor
import pytensor.tensor as pt

from kerasque.config import floatx
from kerasque.utils.generic import to_list

__all__ = [
    "as_loss",
    "check_loss",
    "check_update",
    "graph_inputs_of",
    "input_key",
    "is_graph_value",
    "reads_any",
    "reads_graph_input",
    "variables_of",
]


def check_loss(layer, item):
    """A loss term as given: a tensor, a number or a zero-argument callable."""
    from kerasque.engine.symbolic import SymbolicTensor

    if isinstance(item, SymbolicTensor):
        raise TypeError(
            f"Layer {layer.name!r}: add_loss received a symbolic model tensor {item!r}; "
            "only a Model takes a loss on its own tensors (model.add_loss(K.mean(out)), "
            "Keras 2's idiom); in a layer, add it from inside call() (or use an "
            "ActivityRegularization layer), where it is a PyTensor variable."
        )
    numeric = isinstance(item, (int, float, np.number, np.ndarray)) and not isinstance(item, bool)
    if not (numeric or is_graph_value(item) or callable(item)):
        raise TypeError(
            f"Layer {layer.name!r}: a loss must be a tensor, a number or a zero-argument "
            f"callable returning one, received {type(item).__name__}."
        )
    return item


def is_graph_value(value) -> bool:
    return isinstance(value, pytensor.graph.basic.Variable)


def as_loss(layer, value):
    """``value`` as a scalar PyTensor term (summed when it is not a scalar)."""
    if not is_graph_value(value):
        value = pt.as_tensor_variable(np.asarray(value, dtype=floatx()))
    return pt.sum(value) if value.ndim else value


def check_update(layer, item):
    """A ``(shared variable, new value)`` pair, or any other update object as given.

    Keras 2 let an update be a backend op; kerasque keeps such objects for
    bookkeeping (``get_updates_for``) and lets ``K.function`` judge them.
    A pair must target a shared variable.
    """
    from pytensor.compile.sharedvalue import SharedVariable

    if not (isinstance(item, (tuple, list)) and len(item) == 2):
        return item
    var, value = item
    if not isinstance(var, SharedVariable):
        raise TypeError(
            f"Layer {layer.name!r}: an update's target must be a shared variable (a weight "
            f"or K.variable), received {type(var).__name__}."
        )
    return var, pt.as_tensor_variable(value)


def input_key(inputs) -> tuple:
    """Identity of a list of inputs, for Keras 2's ``get_*_for(inputs)``."""
    return tuple(id(x) for x in to_list(inputs))


def reads_graph_input(value) -> bool:
    """Whether ``value`` depends on a graph input (not only weights and constants)."""
    from pytensor.compile.sharedvalue import SharedVariable
    from pytensor.graph.basic import Constant
    from pytensor.graph.traversal import graph_inputs

    return any(not isinstance(v, (SharedVariable, Constant)) for v in graph_inputs([value]))


def graph_inputs_of(value) -> list:
    """The graph inputs (placeholders) that ``value`` reads, in graph order."""
    from pytensor.compile.sharedvalue import SharedVariable
    from pytensor.graph.basic import Constant
    from pytensor.graph.traversal import graph_inputs

    return [v for v in graph_inputs([value]) if not isinstance(v, (SharedVariable, Constant))]


def variables_of(inputs) -> list:
    return [x for x in to_list(inputs) if isinstance(x, pytensor.graph.basic.Variable)]


def reads_any(value, targets) -> bool:
    from pytensor.graph.traversal import ancestors

    seen = set(ancestors([value]))
    return any(t in seen for t in targets)
