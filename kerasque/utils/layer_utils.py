"""Keras's ``keras.utils.layer_utils``: ``print_summary`` and ``count_params``."""

from __future__ import annotations


def print_summary(model, line_length=None, positions=None, print_fn=None) -> None:
    """Print ``model``'s layers, output shapes and parameter counts (``model.summary()``).

    Parameters
    ----------
    model : Model or Sequential
    line_length : int, optional
        Width of the table (98 when the model is not a plain stack, 65 else, as Keras).
    positions : list of float or int, optional
        Where each column ends, as fractions of ``line_length`` or characters.
    print_fn : callable, optional
        Called with each line; ``print`` by default.
    """
    from kerasque.engine.functional import Functional
    from kerasque.engine.summary import summary_lines

    if not isinstance(model, Functional):
        raise TypeError(f"print_summary expects a model, received {type(model).__name__}.")
    if print_fn is not None and not callable(print_fn):
        raise TypeError(f"print_summary: print_fn must be callable, received {print_fn!r}.")
    model._ensure_graph()
    for line in summary_lines(model, line_length=line_length, positions=positions):
        (print_fn or print)(line)


def count_params(weights) -> int:
    """The number of scalars in a list of weights (shared variables or arrays)."""
    import numpy as np

    total = 0
    for w in weights:
        value = w.get_value(borrow=True) if hasattr(w, "get_value") else np.asarray(w)
        total += int(np.prod(np.shape(value)))
    return total
