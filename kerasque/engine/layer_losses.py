"""Helpers of ``Layer.add_loss`` / ``add_update``: checks and graph dependency tests."""

from __future__ import annotations

import numpy as np
import pytensor
import pytensor.tensor as pt

from kerasque.config import floatx
from kerasque.utils.generic import to_list

__all__ = ["as_loss", "check_update", "reads_any", "reads_graph_input", "variables_of"]


def as_loss(layer, value):
    if isinstance(value, (int, float, np.number, np.ndarray)):
        value = pt.as_tensor_variable(np.asarray(value, dtype=floatx()))
    if not isinstance(value, pytensor.graph.basic.Variable):
        raise TypeError(
            f"Layer {layer.name!r}: a loss must be a tensor, a number or a zero-argument "
            f"callable returning one, received {type(value).__name__}."
        )
    return pt.sum(value) if value.ndim else value


def check_update(layer, pair):
    from pytensor.compile.sharedvalue import SharedVariable

    if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
        raise TypeError(
            f"Layer {layer.name!r}: add_update expects (variable, new_value) pairs, "
            f"received {pair!r}."
        )
    var, value = pair
    if not isinstance(var, SharedVariable):
        raise TypeError(
            f"Layer {layer.name!r}: an update's target must be a shared variable (a weight "
            f"or K.variable), received {type(var).__name__}."
        )
    return var, pt.as_tensor_variable(value)


def reads_graph_input(value) -> bool:
    """Whether ``value`` depends on a graph input (not only weights and constants)."""
    from pytensor.compile.sharedvalue import SharedVariable
    from pytensor.graph.basic import Constant
    from pytensor.graph.traversal import graph_inputs

    return any(not isinstance(v, (SharedVariable, Constant)) for v in graph_inputs([value]))


def variables_of(inputs) -> list:
    return [x for x in to_list(inputs) if isinstance(x, pytensor.graph.basic.Variable)]


def reads_any(value, targets) -> bool:
    from pytensor.graph.traversal import ancestors

    seen = set(ancestors([value]))
    return any(t in seen for t in targets)
