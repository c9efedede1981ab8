"""Functional models: a graph of layers from ``Input`` tensors to outputs.

:class:`Functional` holds what every model has as an object (its inputs and
outputs, layers, weights, losses, JSON); ``Model`` (training.py) adds
compile and fit on top.
"""

from __future__ import annotations

import json
import warnings

from kerasque.engine import context
from kerasque.engine.base_layer import Layer
from kerasque.engine.input_layer import InputLayer
from kerasque.engine.layer_losses import as_loss
from kerasque.engine.symbolic import (
    SymbolicTensor,
    run_nodes,
    source_inputs,
    topological_nodes,
    uses_learning_phase,
)
from kerasque.utils.generic import to_list, unpack_singleton


def graph_arguments(inputs, outputs, kwargs: dict, owner: str = "Model") -> tuple:
    """``(inputs, outputs)`` from Keras 3's or Keras 2's keywords.

    Keras 2 also spelled them ``Model(input=x, output=y)``; both are
    accepted, but not both spellings of one argument.
    """
    from kerasque.utils.generic import check_kwargs

    check_kwargs(owner, kwargs, ("input", "output", "inputs", "outputs", "name"))
    for old, new, value in (("input", "inputs", inputs), ("output", "outputs", outputs)):
        if old in kwargs and value is not None:
            raise TypeError(f"{owner}: pass {new}= or {old}=, not both.")
    inputs = kwargs.get("input", inputs)
    outputs = kwargs.get("output", outputs)
    if inputs is None or outputs is None:
        raise TypeError(
            f"{owner} needs inputs= and outputs=, e.g. Model(inputs=x, outputs=y) with "
            "x = Input(shape=(16,)) and y the output of layers called on x."
        )
    return inputs, outputs


class GraphArgumentError(TypeError, ValueError):
    """A model's inputs or outputs are not tensors of the graph.

    Both a TypeError (the kerasque convention for a wrong type) and a
    ValueError (what Keras 2 and 3 raise here), so code written for either
    catches it.
    """


class Functional(Layer):
    """A graph of layers; itself a layer, so models nest."""

    def _init_graph(self, inputs, outputs) -> None:
        inputs, outputs = to_list(inputs), to_list(outputs)
        for t in inputs + outputs:
            if not isinstance(t, SymbolicTensor):
                raise GraphArgumentError(
                    f"Model {self.name!r}: inputs and outputs must be symbolic tensors from "
                    f"Input(...) and layer calls, received {type(t).__name__}."
                )
        for t in inputs:
            if not isinstance(t.node.layer, InputLayer):
                raise ValueError(  # noqa: TRY004 - a bad graph is a ValueError in Keras
                    f"Model {self.name!r}: every input must come from Input(...); "
                    f"{t!r} is the output of layer {t.node.layer.name!r}."
                )
        if len({id(t) for t in inputs}) != len(inputs):
            raise ValueError(
                f"Model {self.name!r}: an Input appears more than once among the inputs; "
                "pass each input once."
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
        self._graph_layers = _layers_by_depth(nodes, outputs)
        layers = self._graph_layers
        for layer in layers:
            layer._containers.add(self)
        self.built = True

    # -- the model as an object -----------------------------------------------
    @property
    def layers(self) -> list:
        return list(self._graph_layers)

    @property
    def sublayers(self) -> list:
        return [lay for lay in self.layers if not isinstance(lay, InputLayer)]

    def get_layer(self, name: str | None = None, index: int | None = None):
        """A layer by ``name`` or by ``index`` in :attr:`layers` (Keras's order)."""
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, int):
                raise TypeError(f"get_layer: index must be an integer, received {index!r}.")
            layers = self.layers
            if not -len(layers) <= index < len(layers):
                raise ValueError(
                    f"get_layer: asked for the layer at index {index}, but model "
                    f"{self.name!r} has {len(layers)} layers."
                )
            return layers[index]
        if name is None:
            raise ValueError("get_layer: provide a layer name= or index=.")
        if not isinstance(name, str):
            raise TypeError(
                f"get_layer: name must be a string, received {name!r} (type {type(name).__name__})."
            )
        for lay in self.layers:
            if lay.name == name:
                return lay
        raise ValueError(
            f"Model {self.name!r} has no layer {name!r}; layers: {[l.name for l in self.layers]}."
        )

    @property
    def input(self):
        """The model's input tensor (a list for several inputs)."""
        return unpack_singleton(list(self._graph_ends("inputs")))

    @property
    def output(self):
        """The model's output tensor (a list for several outputs)."""
        return unpack_singleton(list(self._graph_ends("outputs")))

    @property
    def input_shape(self):
        """Shape of the model's input, batch axis first (a list for several)."""
        return unpack_singleton([t.shape for t in self._graph_ends("inputs")])

    @property
    def output_shape(self):
        """Shape of the model's output, batch axis first (a list for several)."""
        return unpack_singleton([t.shape for t in self._graph_ends("outputs")])

    def _graph_ends(self, which: str) -> list:
        self._ensure_graph()
        return getattr(self, which)

    def _ensure_graph(self) -> None:
        """Raise if the model has no graph yet (Sequential without input shape)."""

    def _maybe_build_from_data(self, x) -> None:
        """Build the graph from the user's first data; a functional model is built."""

    def count_params(self) -> int:
        self._ensure_graph()
        return super().count_params()

    # -- JSON ---------------------------------------------------------------
    def to_json(self, **kwargs) -> str:
        """The architecture as a JSON string (no weights); see ``model_from_json``.

        Keyword arguments go to :func:`json.dumps` (``indent=2``).
        """
        from kerasque import __version__

        self._ensure_graph()
        config = {
            "class_name": type(self).__name__,
            "config": self.get_config(),
            "keras_version": __version__,
            "backend": "pytensor",
        }
        return json.dumps(config, **kwargs)

    def to_yaml(self, **kwargs):
        """Not supported: YAML configs could run code when loaded."""
        raise RuntimeError(
            "model.to_yaml() is not supported: loading YAML configs could run arbitrary code "
            "(Keras removed it for the same reason). Use model.to_json() and "
            "kerasque.models.model_from_json() instead."
        )

    # -- losses on the model's own tensors -------------------------------------
    def _add_tensor_loss(self, tensor) -> bool:
        """Keras 2's ``model.add_loss(K.mean(out))``: a loss on a tensor of this model.

        The tensor is computed with the outputs, in the same forward pass
        (the same dropout masks), and its sum joins the training objective.
        Keras 3 refuses it; accepting it changes no Keras 3 program.
        """
        inputs = getattr(self, "inputs", None)
        if not inputs:
            return False
        given = {id(t) for t in inputs}
        for source in source_inputs(tensor):
            if id(source) not in given:
                raise ValueError(
                    f"Model {self.name!r}: add_loss received {tensor!r}, which is computed "
                    f"from Input {source.node.layer.name!r}, not among the model's inputs; "
                    "add losses on tensors computed from the model's inputs."
                )
        self._tensor_losses = [*getattr(self, "_tensor_losses", ()), tensor]
        return True

    @property
    def losses(self) -> list:
        """Keras 2's list: the layer's terms, then the model tensors given to :meth:`add_loss`."""
        return super().losses + list(getattr(self, "_tensor_losses", ()))

    def _warn_config_drops_tensor_losses(self) -> None:
        n = len(getattr(self, "_tensor_losses", ()))
        if n:
            warnings.warn(
                f"Model {self.name!r}: its config does not hold the {n} loss term(s) added "
                "with add_loss on model tensors (Keras 2 does not save them either); add "
                "them again to a model rebuilt from it (load_model, clone_model, "
                "model_from_json).",
                stacklevel=3,
            )

    def run_with_losses(self, input_values, training):
        """Outputs, their masks and the model-tensor loss terms, in one forward pass."""
        extra = list(getattr(self, "_tensor_losses", ()))
        outs, masks = run_nodes(self.inputs, input_values, self.outputs + extra, training)
        n = len(self.outputs)
        terms = [as_loss(self, value) for value in outs[n:]]
        return outs[:n], masks[:n], terms

    # -- the model as a layer -------------------------------------------------
    def call(self, inputs, training=None):
        outs, _, terms = self.run_with_losses(to_list(inputs), training)
        fp = context.current()
        for term in terms:  # a nested model's losses join the outer objective
            fp.add_loss(term, owner=self.name)
        return unpack_singleton(outs)

    def check_input_shape(self, shapes) -> None:
        if len(shapes) != len(self.inputs):
            raise ValueError(
                f"Model {self.name!r} expects {len(self.inputs)} inputs, received {len(shapes)}."
            )
        for t, s in zip(self.inputs, shapes):
            if len(s) != len(t.shape) or any(
                a is not None and b is not None and a != b for a, b in zip(t.shape[1:], s[1:])
            ):
                raise ValueError(
                    f"Model {self.name!r} expects input of shape {t.shape}, received {tuple(s)}."
                )

    @property
    def _input_layers(self) -> list:
        return [t.node.layer for t in self.inputs]

    @property
    def _output_layers(self) -> list:
        return [t.node.layer for t in self.outputs]

    @property
    def uses_learning_phase(self) -> bool:
        """Whether an output depends on the training phase (Dropout, BatchNormalization...)."""
        self._ensure_graph()
        return uses_learning_phase(self.outputs)

    def compute_output_shape(self, input_shape):
        """Output shape(s) for ``input_shape``, run through every layer's own rule."""
        self._ensure_graph()
        shapes = [list(s) if s is not None else None for s in _shape_list(input_shape)]
        if len(shapes) != len(self.inputs):
            raise ValueError(
                f"Model {self.name!r} has {len(self.inputs)} inputs, received "
                f"{len(shapes)} input shapes."
            )
        known = {id(t): tuple(s) for t, s in zip(self.inputs, shapes)}
        for node in topological_nodes(self.outputs):
            if not node.inputs:
                continue
            ins = [known[id(t)] for t in node.inputs]
            out = node.layer.compute_output_shape(ins[0] if len(ins) == 1 else ins)
            outs = out if isinstance(out, list) else [out]
            known.update({id(t): tuple(o) for t, o in zip(node.outputs, outs)})
        result = [known[id(t)] for t in self.outputs]
        return result if len(result) > 1 else result[0]

    def compute_mask(self, inputs, mask=None):
        """No mask leaves a model (one ``None`` per output), as Keras's."""
        return [None] * len(self.outputs) if len(self.outputs) > 1 else None


def _layers_by_depth(nodes, outputs) -> list:
    """The graph's layers, deepest first (inputs first), as Keras orders them.

    A node's depth is the longest path from it to an output; layers of
    equal depth keep the order of the graph walk.
    """
    depth = {id(t.node): 0 for t in outputs}
    for node in reversed(nodes):  # consumers before producers
        d = depth.setdefault(id(node), 0)
        for t in node.inputs:
            depth[id(t.node)] = max(depth.get(id(t.node), 0), d + 1)
    layer_depth: dict = {}
    order: list = []
    for node in nodes:
        key = id(node.layer)
        if key not in layer_depth:
            order.append(node.layer)
        layer_depth[key] = max(layer_depth.get(key, 0), depth[id(node)])
    return sorted(order, key=lambda layer: -layer_depth[id(layer)])


def _shape_list(input_shape) -> list:
    """One shape, or a list of shapes, as a list of shapes."""
    if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (tuple, list)):
        return input_shape
    return [input_shape]
