"""Symbolic tensors and nodes: the record of who called which layer on what.

Calling a layer on a :class:`SymbolicTensor` (from ``Input``) applies no
PyTensor op; it records a :class:`Node` and returns symbolic outputs with
their static shapes. A model replays these nodes into a PyTensor graph once
per phase (train, test, predict), each time in a fresh forward pass, which is
how each compiled function gets exactly its own updates.
"""

from __future__ import annotations


class SymbolicTensor:
    """A placeholder with a static shape (``None`` for unknown sizes)."""

    def __init__(self, shape, dtype, node=None, index=0, name=None):
        self.shape = tuple(shape)
        self.dtype = dtype
        self.node = node
        self.index = index
        self.name = name

    @property
    def ndim(self) -> int:
        return len(self.shape)

    # Keras 2's bookkeeping names, for code (and tests) that read them.
    @property
    def _keras_shape(self) -> tuple:
        return self.shape

    @property
    def _keras_history(self) -> tuple:
        """``(layer, node_index, tensor_index)`` of the call that made this tensor."""
        layer = self.node.layer
        return layer, layer._inbound_nodes.index(self.node), self.index

    @property
    def _uses_learning_phase(self) -> bool:
        """Whether the value depends on the training phase (a Dropout upstream, say)."""
        return uses_learning_phase([self])

    def __repr__(self):
        who = self.node.layer.name if self.node is not None else "?"
        return f"<SymbolicTensor shape={self.shape} dtype={self.dtype} from {who!r}>"

    # Arithmetic makes a layer node, as Keras 3's operators on KerasTensors do
    # (kerasque.backend.model_tensors); NumPy defers to these.
    __array_ufunc__ = None

    def _op(self, name, *operands):
        from kerasque.backend.model_tensors import apply_operator

        return apply_operator(name, *operands)

    def __add__(self, other):
        return self._op("add", self, other)

    def __radd__(self, other):
        return self._op("add", other, self)

    def __sub__(self, other):
        return self._op("subtract", self, other)

    def __rsub__(self, other):
        return self._op("subtract", other, self)

    def __mul__(self, other):
        return self._op("multiply", self, other)

    def __rmul__(self, other):
        return self._op("multiply", other, self)

    def __truediv__(self, other):
        return self._op("divide", self, other)

    def __rtruediv__(self, other):
        return self._op("divide", other, self)

    def __pow__(self, other):
        return self._op("power", self, other)

    def __neg__(self):
        return self._op("negative", self)


class Node:
    """One application of a layer to symbolic inputs."""

    def __init__(self, layer, inputs, output_shapes, output_dtypes, kwargs=None):
        self.layer = layer
        self.inputs = list(inputs)
        self.kwargs = dict(kwargs or {})
        self.outputs = [
            SymbolicTensor(s, d, node=self, index=i, name=f"{layer.name}/out{i}")
            for i, (s, d) in enumerate(zip(output_shapes, output_dtypes))
        ]
        for t in self.inputs:
            outbound = getattr(t.node.layer, "_outbound_nodes", None)
            if outbound is not None:
                outbound.append(self)

    # Keras 2's names for a node's parts.
    @property
    def outbound_layer(self):
        return self.layer

    @property
    def inbound_layers(self) -> list:
        return [t.node.layer for t in self.inputs]

    @property
    def input_tensors(self) -> list:
        """The inputs; an ``Input``'s node reports its own tensor, as in Keras."""
        return list(self.inputs) if self.inputs else list(self.outputs)

    @property
    def output_tensors(self) -> list:
        return list(self.outputs)

    @property
    def input_shapes(self) -> list:
        return [t.shape for t in self.input_tensors]

    @property
    def output_shapes(self) -> list:
        return [t.shape for t in self.outputs]

    @property
    def input_masks(self) -> list:
        """``None`` per input: kerasque computes masks when the graph is replayed."""
        return [None] * len(self.input_tensors)

    @property
    def output_masks(self) -> list:
        return [None] * len(self.outputs)

    @property
    def node_indices(self) -> list:
        return [t._keras_history[1] for t in self.inputs]

    @property
    def tensor_indices(self) -> list:
        return [t.index for t in self.inputs]

    def get_config(self) -> dict:
        return {
            "outbound_layer": self.layer.name,
            "inbound_layers": [layer.name for layer in self.inbound_layers],
            "node_indices": self.node_indices,
            "tensor_indices": self.tensor_indices,
        }

    def detach(self) -> None:
        """Forget this node (its layer leaves a Sequential)."""
        if self in self.layer._inbound_nodes:
            self.layer._inbound_nodes.remove(self)
        for t in self.inputs:
            outbound = getattr(t.node.layer, "_outbound_nodes", None)
            if outbound is not None and self in outbound:
                outbound.remove(self)


def topological_nodes(outputs) -> list[Node]:
    """Nodes needed for ``outputs``, each after the nodes it reads."""
    order: list[Node] = []
    done: set[int] = set()

    def visit(node):
        if node is None or id(node) in done:
            return
        done.add(id(node))
        for t in node.inputs:
            visit(t.node)
        order.append(node)

    for t in outputs:
        visit(t.node)
    return order


def source_inputs(tensor) -> list:
    """The ``Input`` tensors that ``tensor`` is computed from (Keras's get_source_inputs)."""
    found = []
    for node in topological_nodes(tensor if isinstance(tensor, list) else [tensor]):
        if not node.inputs:
            found.extend(t for t in node.outputs if t not in found)
    return found


def _layer_reads_phase(layer) -> bool:
    import inspect

    if getattr(layer, "_graph_layers", None) is not None and getattr(layer, "outputs", None):
        return uses_learning_phase(layer.outputs)
    if getattr(layer, "rngs", None):
        return True
    try:
        return "training" in inspect.signature(type(layer).call).parameters
    except (TypeError, ValueError):
        return False


def uses_learning_phase(outputs) -> bool:
    """Whether any node behind ``outputs`` reads the phase (no ``training=`` fixed)."""
    return any(
        "training" not in node.kwargs and node.inputs and _layer_reads_phase(node.layer)
        for node in topological_nodes(outputs)
    )


def run_nodes(inputs, input_values, outputs, training):
    """Replay the nodes between symbolic ``inputs`` and ``outputs``.

    Parameters
    ----------
    inputs : list of SymbolicTensor
    input_values : list of PyTensor variables, one per input
    outputs : list of SymbolicTensor
    training : bool or symbolic flag

    Returns
    -------
    (list of PyTensor variables, list of masks or None)
    """
    values: dict[int, tuple] = {id(t): (v, None) for t, v in zip(inputs, input_values)}
    for node in topological_nodes(outputs):
        if all(id(o) in values for o in node.outputs):
            continue
        missing = [t for t in node.inputs if id(t) not in values]
        if missing:
            raise ValueError(
                f"Layer {node.layer.name!r} needs {missing[0]!r}, which is not computed from "
                "the given inputs. Pass every Input the outputs depend on."
            )
        xs = [values[id(t)][0] for t in node.inputs]
        masks = [values[id(t)][1] for t in node.inputs]
        kwargs = dict(node.kwargs)
        # A call's own training= (layer(x, training=True)) overrides the phase.
        phase = kwargs.pop("training", None)
        phase = training if phase is None else phase
        outs, out_masks = node.layer._apply(xs, masks, phase, **kwargs)
        for t, v, m in zip(node.outputs, outs, out_masks):
            values[id(t)] = (v, m)
    return [values[id(t)][0] for t in outputs], [values[id(t)][1] for t in outputs]
