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

    def __repr__(self):
        who = self.node.layer.name if self.node is not None else "?"
        return f"<SymbolicTensor shape={self.shape} dtype={self.dtype} from {who!r}>"


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
