"""The text of ``model.summary()``."""

from __future__ import annotations

import numpy as np

from kerasque.engine.input_layer import InputLayer


def _shape_text(layer, model) -> str:
    shapes = [t.shape for node in layer._inbound_nodes for t in node.outputs
              if _in_model(node, model)]
    if not shapes:
        return "?"
    text = [str(tuple(s)).replace(",)", ")") for s in shapes[:1]]
    return text[0] if len(shapes) == 1 else str([tuple(s) for s in shapes])


def _in_model(node, model) -> bool:
    from kerasque.engine.symbolic import topological_nodes

    return node in topological_nodes(model.outputs)


def summary_lines(model, width=78) -> list[str]:
    cols = (32, 25, 12)
    rule = "_" * width
    lines = [f'Model: "{model.name}"', rule,
             f"{'Layer (type)':<{cols[0]}}{'Output Shape':<{cols[1]}}{'Param #':>{cols[2]}}",
             "=" * width]
    for layer in model.layers:
        if isinstance(layer, InputLayer):
            shape = str(layer.batch_input_shape)
        else:
            shape = _shape_text(layer, model)
        label = f"{layer.name} ({type(layer).__name__})"
        lines.append(f"{label:<{cols[0]}}{shape:<{cols[1]}}{layer.count_params():>{cols[2]},}")
    trainable = int(sum(np.prod(w.get_value(borrow=True).shape) for w in model.trainable_weights))
    total = model.count_params()
    lines += ["=" * width, f"Total params: {total:,}", f"Trainable params: {trainable:,}",
              f"Non-trainable params: {total - trainable:,}", rule]
    return lines
