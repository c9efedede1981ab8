"""Functional models: a graph of layers from ``Input`` tensors to outputs."""

from __future__ import annotations

from kerasque.engine.base_layer import Layer
from kerasque.engine.input_layer import InputLayer
from kerasque.engine.symbolic import SymbolicTensor, run_nodes, topological_nodes
from kerasque.utils.generic import to_list, unpack_singleton


class Functional(Layer):
    """A graph of layers; itself a layer, so models nest."""

    def _init_graph(self, inputs, outputs) -> None:
        inputs, outputs = to_list(inputs), to_list(outputs)
        for t in inputs + outputs:
            if not isinstance(t, SymbolicTensor):
                raise TypeError(
                    f"Model {self.name!r}: inputs and outputs must be symbolic tensors from "
                    f"Input(...) and layer calls, received {type(t).__name__}."
                )
        for t in inputs:
            if not isinstance(t.node.layer, InputLayer):
                raise ValueError(
                    f"Model {self.name!r}: every input must come from Input(...); "
                    f"{t!r} is the output of layer {t.node.layer.name!r}."
                )
        nodes = topological_nodes(outputs)
        given = {id(t.node) for t in inputs}
        for node in nodes:
            if isinstance(node.layer, InputLayer) and id(node) not in given:
                raise ValueError(
                    f"Model {self.name!r}: the outputs depend on Input {node.layer.name!r}, "
                    "which is not among the model's inputs."
                )
        self.inputs = inputs
        self.outputs = outputs
        layers: list = []
        for node in nodes:
            if node.layer not in layers:
                layers.append(node.layer)
        self._graph_layers = layers
        self.built = True

    @property
    def layers(self) -> list:
        return list(self._graph_layers)

    @property
    def sublayers(self) -> list:
        return [lay for lay in self.layers if not isinstance(lay, InputLayer)]

    def get_layer(self, name: str):
        for lay in self.layers:
            if lay.name == name:
                return lay
        raise ValueError(f"Model {self.name!r} has no layer {name!r}; layers: {[l.name for l in self.layers]}.")

    def call(self, inputs, training=None):
        outs, _ = run_nodes(self.inputs, to_list(inputs), self.outputs, training)
        return unpack_singleton(outs)

    def check_input_shape(self, shapes) -> None:
        if len(shapes) != len(self.inputs):
            raise ValueError(
                f"Model {self.name!r} expects {len(self.inputs)} inputs, received {len(shapes)}."
            )
        for t, s in zip(self.inputs, shapes):
            if len(s) != len(t.shape) or any(a is not None and b is not None and a != b for a, b in zip(t.shape[1:], s[1:])):
                raise ValueError(
                    f"Model {self.name!r} expects input of shape {t.shape}, received {tuple(s)}."
                )

    def compute_output_shape(self, input_shape):
        shapes = [t.shape for t in self.outputs]
        return shapes if len(shapes) > 1 else shapes[0]

    def compute_mask(self, inputs, mask=None):
        return None
