"""``clone_model``: the same architecture with fresh weights."""

from __future__ import annotations

from kerasque.engine.base_layer import Layer
from kerasque.engine.input_layer import Input, InputLayer
from kerasque.engine.symbolic import SymbolicTensor, topological_nodes
from kerasque.utils.generic import to_list


def clone_layer(layer):
    """A new layer built from ``layer``'s config (new, freshly initialized weights)."""
    return type(layer).from_config(layer.get_config())


def clone_model(model, input_tensors=None, clone_function=None):
    """Clone a functional or Sequential model: same layers, new weights.

    As Keras's ``clone_model``: every layer is rebuilt from its config (so
    its weights are freshly initialized, not copied; use
    ``clone.set_weights(model.get_weights())`` to copy them), and a layer
    shared inside the model stays shared in the clone.

    Parameters
    ----------
    model : Model or Sequential
    input_tensors : tensor or list of tensors, optional
        ``Input`` tensors for the clone to start from, instead of new ones.
    clone_function : callable, optional
        ``layer -> new layer``, applied to every layer but the inputs;
        rebuilding from the config by default.

    Returns
    -------
    Model or Sequential

    Examples
    --------
    >>> from kerasque.models import Sequential, clone_model
    >>> from kerasque.layers import Dense
    >>> model = Sequential([Dense(3, input_shape=(4,))])
    >>> twin = clone_model(model)
    >>> twin.output_shape
    (None, 3)
    """
    from kerasque.engine.functional import Functional
    from kerasque.engine.sequential import Sequential

    if not isinstance(model, Functional):
        raise TypeError(
            f"clone_model expects a Model or Sequential, received {type(model).__name__}."
        )
    clone_function = clone_function or clone_layer
    if not callable(clone_function):
        raise TypeError(
            f"clone_model: clone_function must be callable, received {clone_function!r}."
        )
    inputs = _check_input_tensors(model, input_tensors)
    model._warn_config_drops_tensor_losses()
    if isinstance(model, Sequential):
        return _clone_sequential(model, inputs, clone_function)
    return _clone_functional(model, inputs, clone_function)


def _check_input_tensors(model, input_tensors):
    if input_tensors is None:
        return None
    tensors = to_list(input_tensors)
    for t in tensors:
        if not (isinstance(t, SymbolicTensor) and isinstance(t.node.layer, InputLayer)):
            raise TypeError(
                f"clone_model: input_tensors must be tensors from Input(...), received {t!r}."
            )
    expected = len(model.inputs) if model.inputs else 1
    if len(tensors) != expected:
        raise ValueError(
            f"clone_model: model {model.name!r} has {expected} input(s), received "
            f"{len(tensors)} input tensors."
        )
    return tensors


def _cloned(layer, clone_function):
    new = clone_function(layer)
    if not isinstance(new, Layer):
        raise TypeError(
            f"clone_model: clone_function returned {type(new).__name__} for layer "
            f"{layer.name!r}; it must return a Layer."
        )
    return new


def _clone_sequential(model, inputs, clone_function):
    from kerasque.engine.sequential import Sequential

    clone = Sequential(name=model.name)
    if inputs is not None:
        clone.add(inputs[0])
    elif model.inputs and not model._auto_input:
        t = model.inputs[0]
        clone.add(Input(batch_shape=t.shape, dtype=t.dtype))
    for layer in model.layers:
        clone.add(_cloned(layer, clone_function))
    if not clone.inputs and model.inputs:
        clone.build(model.inputs[0].shape)
    return clone


def _clone_functional(model, inputs, clone_function):
    from kerasque.engine.training import Model

    tensors: dict[int, SymbolicTensor] = {}
    for i, t in enumerate(model.inputs):
        new = (
            inputs[i]
            if inputs is not None
            else Input(batch_shape=t.shape, dtype=t.dtype, name=t.node.layer.name)
        )
        tensors[id(t)] = new
    layers: dict[int, Layer] = {}
    for node in topological_nodes(model.outputs):
        if isinstance(node.layer, InputLayer):
            continue
        layer = node.layer
        if id(layer) not in layers:
            layers[id(layer)] = _cloned(layer, clone_function)
        xs = [tensors[id(t)] for t in node.inputs]
        outs = to_list(layers[id(layer)](xs[0] if len(xs) == 1 else xs, **node.kwargs))
        tensors.update({id(t): new for t, new in zip(node.outputs, outs)})
    outputs = [tensors[id(t)] for t in model.outputs]
    new_inputs = [tensors[id(t)] for t in model.inputs]
    return Model(
        new_inputs if len(new_inputs) > 1 else new_inputs[0],
        outputs if len(outputs) > 1 else outputs[0],
        name=model.name,
    )
