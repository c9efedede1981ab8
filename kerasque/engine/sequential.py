"""Sequential: a linear stack of layers."""

from __future__ import annotations

from kerasque.engine.base_layer import Layer
from kerasque.engine.input_layer import Input, InputLayer
from kerasque.engine.symbolic import SymbolicTensor
from kerasque.engine.training import Model


class Sequential(Model):
    """A model whose layers each take the previous layer's output.

    Parameters
    ----------
    layers : list of Layer, optional
    name : str, optional

    Examples
    --------
    >>> from kerasque.models import Sequential
    >>> from kerasque.layers import Dense, Dropout
    >>> model = Sequential([Dense(16, activation="relu", input_shape=(8,)),
    ...                     Dropout(0.5), Dense(1)])
    """

    def __init__(self, layers=None, name=None):
        Layer.__init__(self, name=name)
        self._init_training()
        self._stack: list = []
        self.inputs = None
        self.outputs = None
        self._graph_layers = []
        for layer in layers or []:
            self.add(layer)

    def add(self, layer) -> None:
        """Append a layer (or an ``Input`` tensor as the first item)."""
        if isinstance(layer, SymbolicTensor) and isinstance(layer.node.layer, InputLayer):
            if self._stack:
                raise ValueError("Sequential.add: an Input can only be the first item.")
            self.inputs, self.outputs = [layer], [layer]
            return
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Sequential.add expects a Layer instance, received {type(layer).__name__}."
            )
        if layer in self._stack:
            raise ValueError(f"Layer {layer.name!r} is already in Sequential {self.name!r}.")
        if self.outputs is None and not self._stack:
            shape, dtype = layer.batch_input_shape, layer.input_dtype
            if shape is None and getattr(layer, "inputs", None):  # a model as first layer
                if len(layer.inputs) != 1:
                    raise ValueError(
                        f"Sequential: model {layer.name!r} has {len(layer.inputs)} inputs; a "
                        "Sequential needs single-input layers."
                    )
                shape, dtype = layer.inputs[0].shape, layer.inputs[0].dtype
            if shape is not None:
                x = Input(batch_shape=shape, dtype=dtype, name=f"{layer.name}_input")
                self.inputs, self.outputs = [x], [x]
        if self.outputs is not None:
            out = layer(self.outputs[0])
            if isinstance(out, list):
                raise ValueError(
                    f"Sequential: layer {layer.name!r} returns {len(out)} tensors; a Sequential "
                    "needs single-output layers. Use the functional Model instead."
                )
            self.outputs = [out]
        self._stack.append(layer)
        self._graph_layers = list(self._stack)
        self._invalidate()

    def pop(self) -> None:
        """Remove the last layer."""
        if not self._stack:
            raise ValueError("Sequential.pop: the model has no layers.")
        layers = self._stack[:-1]
        inputs = self.inputs
        self._stack, self.outputs = [], inputs
        for layer in layers:
            self._stack.append(layer)
            self.outputs = [layer(self.outputs[0])] if self.outputs else None
        self._graph_layers = list(self._stack)
        self._invalidate()

    @property
    def layers(self) -> list:
        return list(self._stack)

    @property
    def sublayers(self) -> list:
        return list(self._stack)

    def _ensure_graph(self) -> None:
        if not self._stack:
            raise ValueError(f"Sequential {self.name!r} has no layers; add some with model.add(...).")
        if self.outputs is None:
            first = self._stack[0]
            raise ValueError(
                f"The first layer of Sequential {self.name!r}, {first.name!r} "
                f"({type(first).__name__}), has no input shape, so the model cannot be built. "
                f"Pass input_shape= to it, e.g. {type(first).__name__}(..., input_shape=(20,)), "
                "or add an Input(shape) first."
            )

    def get_config(self) -> dict:
        config = {"name": self.name, "layers": [_layer_config(l) for l in self._stack]}
        if self.inputs:
            # An Input added first is not a layer of the stack: keep its shape.
            config["build_input_shape"] = list(self.inputs[0].shape)
            config["input_dtype"] = self.inputs[0].dtype
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        from kerasque.saving.serialization import deserialize_layer

        model = cls(name=config.get("name"))
        layers = [deserialize_layer(c, custom_objects) for c in config["layers"]]
        shape = config.get("build_input_shape")
        if shape is not None and layers and layers[0].batch_input_shape is None:
            model.add(Input(batch_shape=tuple(shape), dtype=config.get("input_dtype")))
        for layer in layers:
            model.add(layer)
        return model


def _layer_config(layer) -> dict:
    return {"class_name": type(layer).__name__, "config": layer.get_config()}
