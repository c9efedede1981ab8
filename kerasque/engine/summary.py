"""The text of ``model.summary()`` and ``kerasque.utils.print_summary``.

Keras's table: a plain stack shows ``Layer (type)``, ``Output Shape`` and
``Param #``; a graph where some layer reads several layers (or is shared)
adds ``Connected to``, naming each input as ``layer[node][tensor]``.
"""

from __future__ import annotations

import numpy as np

from kerasque.engine.input_layer import InputLayer
from kerasque.engine.symbolic import topological_nodes


def _model_nodes(model) -> list:
    return topological_nodes(model.outputs)


def _shape_text(layer, nodes) -> str:
    shapes = [t.shape for node in nodes if node.layer is layer for t in node.outputs]
    if not shapes:
        return "?"
    if len(shapes) == 1:
        return str(tuple(shapes[0]))
    return str([tuple(s) for s in shapes])


def _sequential_like(model, nodes) -> bool:
    from kerasque.engine.sequential import Sequential

    if isinstance(model, Sequential):
        return True
    seen = set()
    for node in nodes:
        if len(node.inputs) > 1 or id(node.layer) in seen:
            return False
        seen.add(id(node.layer))
    return True


def _connections(layer, nodes) -> list[str]:
    index = {}
    for node in nodes:
        index.setdefault(id(node.layer), []).append(node)
    out = []
    for node in index.get(id(layer), []):
        for t in node.inputs:
            k = index[id(t.node.layer)].index(t.node) if id(t.node.layer) in index else 0
            out.append(f"{t.node.layer.name}[{k}][{t.index}]")
    return out


def _columns(line_length, positions, sequential: bool):
    line_length = line_length or (65 if sequential else 98)
    if isinstance(line_length, bool) or not isinstance(line_length, int) or line_length < 20:
        raise ValueError(
            f"summary: line_length must be an integer >= 20, received {line_length!r}."
        )
    positions = positions or ([0.45, 0.85, 1.0] if sequential else [0.33, 0.55, 0.67, 1.0])
    expected = 3 if sequential else 4
    if len(positions) != expected:
        raise ValueError(
            f"summary: positions needs {expected} column ends, received {positions!r}."
        )
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    return line_length, list(positions)


def _row(fields, positions) -> str:
    line = ""
    for field, end in zip(fields, positions):
        line = (line + str(field))[: end - 1].ljust(end)
    return line.rstrip()


def summary_lines(model, width=None, line_length=None, positions=None) -> list[str]:
    """The lines of Keras's summary table for ``model`` (built)."""
    nodes = _model_nodes(model)
    sequential = _sequential_like(model, nodes)
    line_length, positions = _columns(line_length or width, positions, sequential)
    header = ["Layer (type)", "Output Shape", "Param #"] + ([] if sequential else ["Connected to"])
    lines = [
        f'Model: "{model.name}"',
        "_" * line_length,
        _row(header, positions),
        "=" * line_length,
    ]
    for i, layer in enumerate(model.layers):
        if isinstance(layer, InputLayer):
            shape = str(tuple(layer.batch_input_shape))
        else:
            shape = _shape_text(layer, nodes)
        label = f"{layer.name} ({type(layer).__name__})"
        params = str(layer.count_params()) if layer.built or layer.weights else "0"
        links = [] if sequential else _connections(layer, nodes)
        lines.append(
            _row(
                [label, shape, params] + ([] if sequential else [links[0] if links else ""]),
                positions,
            )
        )
        for extra in links[1:]:
            lines.append(_row(["", "", "", extra], positions))
        lines.append(("=" if i == len(model.layers) - 1 else "_") * line_length)
    trainable = int(sum(np.prod(w.get_value(borrow=True).shape) for w in model.trainable_weights))
    total = model.count_params()
    lines += [
        f"Total params: {total:,}",
        f"Trainable params: {trainable:,}",
        f"Non-trainable params: {total - trainable:,}",
        "_" * line_length,
    ]
    return lines
