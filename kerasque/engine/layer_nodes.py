"""Connectivity of a layer: the inputs, outputs and shapes of its symbolic calls.

Each call of a layer on symbolic tensors (from ``Input``) records a node;
these are Keras's accessors over them (``layer.input``, ``layer.output``,
``get_input_at(i)``, ...), mixed into :class:`~kerasque.engine.base_layer.Layer`.
"""

from __future__ import annotations

import numpy as np

from kerasque.utils.generic import unpack_singleton


class NodeAccess:
    """Keras's accessors over ``self._inbound_nodes``."""

    # -- connectivity (the nodes recorded by symbolic calls) --------------
    def _node_at(self, node_index: int, what: str):
        nodes = self._inbound_nodes
        if not nodes:
            raise AttributeError(
                f"Layer {self.name!r} is not connected: it has never been called on a "
                f"symbolic tensor (from Input), so it has no {what}."
            )
        if not isinstance(node_index, (int, np.integer)) or not -len(nodes) <= node_index < len(
            nodes
        ):
            raise ValueError(
                f"Layer {self.name!r} has {len(nodes)} inbound node(s); asked for the {what} "
                f"at node index {node_index!r}."
            )
        return nodes[node_index]

    def _single_node(self, what: str, method: str):
        if len(self._inbound_nodes) > 1:
            raise AttributeError(
                f"Layer {self.name!r} has been called {len(self._inbound_nodes)} times, so its "
                f"{what} is ambiguous; use {method}(node_index) instead."
            )
        return self._node_at(0, what)

    def get_input_at(self, node_index: int):
        """The input tensor(s) of the ``node_index``-th call of this layer."""
        node = self._node_at(node_index, "input")
        return unpack_singleton(node.inputs or node.outputs)

    def get_output_at(self, node_index: int):
        """The output tensor(s) of the ``node_index``-th call of this layer."""
        return unpack_singleton(self._node_at(node_index, "output").outputs)

    def get_input_shape_at(self, node_index: int):
        node = self._node_at(node_index, "input shape")
        return unpack_singleton([t.shape for t in node.inputs or node.outputs])

    def get_output_shape_at(self, node_index: int):
        return unpack_singleton(
            [t.shape for t in self._node_at(node_index, "output shape").outputs]
        )

    @property
    def input(self):
        """The input tensor(s) of a layer called once on symbolic tensors."""
        node = self._single_node("input", "get_input_at")
        return unpack_singleton(node.inputs or node.outputs)

    @property
    def output(self):
        """The output tensor(s) of a layer called once on symbolic tensors."""
        return unpack_singleton(self._single_node("output", "get_output_at").outputs)

    @property
    def input_shape(self):
        """The input shape (batch axis first) shared by every call of the layer.

        A layer not called yet answers its ``batch_input_shape`` when it has
        one.
        """
        return self._shared_shape("input", lambda n: [t.shape for t in n.inputs or n.outputs])

    @property
    def output_shape(self):
        """The output shape (batch axis first) shared by every call of the layer."""
        if not self._inbound_nodes and self.batch_input_shape is not None:
            return self.compute_output_shape(self.batch_input_shape)
        return self._shared_shape("output", lambda n: [t.shape for t in n.outputs])

    def _shared_shape(self, what: str, shapes_of):
        if not self._inbound_nodes:
            if self.batch_input_shape is not None:
                return self.batch_input_shape
            raise AttributeError(
                f"Layer {self.name!r} has never been called and has no input shape, so its "
                f"{what} shape is not defined."
            )
        found = {tuple(map(tuple, shapes_of(n))) for n in self._inbound_nodes}
        if len(found) > 1:
            raise AttributeError(
                f"Layer {self.name!r} has been called on inputs of different shapes, so its "
                f"{what} shape is ambiguous; use get_{what}_shape_at(node_index) instead."
            )
        return unpack_singleton(list(found.pop()))

    # Masks: kerasque computes them when a model's graph is replayed (an
    # Embedding(mask_zero=True) feeds its GRU then); the symbolic record of a
    # call holds none, so these answer None as Keras does for unmasked calls.
    def get_input_mask_at(self, node_index: int):
        return unpack_singleton(self._node_at(node_index, "input mask").input_masks)

    def get_output_mask_at(self, node_index: int):
        return unpack_singleton(self._node_at(node_index, "output mask").output_masks)

    @property
    def input_mask(self):
        return unpack_singleton(self._single_node("input mask", "get_input_mask_at").input_masks)

    @property
    def output_mask(self):
        return unpack_singleton(self._single_node("output mask", "get_output_mask_at").output_masks)
