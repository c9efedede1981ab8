"""A functional model's config (Keras's format), written and read back with every entry checked.

The config lists every layer with its inbound nodes ``[[layer_name,
node_index, tensor_index, call_kwargs], ...]``, and the model's
``input_layers`` and ``output_layers`` as ``[layer_name, node_index,
tensor_index]``. Node indices count only the nodes inside the model, so a
layer shared with other models serializes the same way.

Reading checks the structure before it builds anything: a missing key, a
wrong type, a layer named twice or never defined, an index out of range or a
node whose inputs are never computed is a ``ValueError`` naming the entry.
"""

from __future__ import annotations

from kerasque.engine.symbolic import topological_nodes

_CALL_KWARGS = ("training",)


def _short(value, limit: int = 100) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _layer_entry(layer) -> dict:
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def functional_config(model) -> dict:
    """Keras's config of a functional model: layers, nodes, inputs, outputs."""
    model_nodes = {id(n) for n in topological_nodes(model.outputs)}
    node_index: dict[int, int] = {}
    for layer in model.layers:
        kept = [n for n in layer._inbound_nodes if id(n) in model_nodes]
        node_index.update({id(n): i for i, n in enumerate(kept)})

    def ref(tensor) -> list:
        return [tensor.node.layer.name, node_index[id(tensor.node)], tensor.index]

    layers = []
    for layer in model.layers:
        nodes = [n for n in layer._inbound_nodes if id(n) in model_nodes and n.inputs]
        layers.append(
            {
                **_layer_entry(layer),
                "name": layer.name,
                "inbound_nodes": [[[*ref(t), dict(n.kwargs)] for t in n.inputs] for n in nodes],
            }
        )
    return {
        "name": model.name,
        "layers": layers,
        "input_layers": [ref(t) for t in model.inputs],
        "output_layers": [ref(t) for t in model.outputs],
    }


# -- checking ---------------------------------------------------------------
def _index(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(
            f"Model config: {what} must be a non-negative integer, received {_short(value)}."
        )
    return value


def _check_ref(ref, what: str, with_kwargs: bool) -> tuple:
    """``[name, node, tensor(, kwargs)]`` -> a checked tuple."""
    sizes = (3, 4) if with_kwargs else (3,)
    if not isinstance(ref, (list, tuple)) or len(ref) not in sizes:
        raise ValueError(
            f"Model config: {what} must be a list [layer_name, node_index, tensor_index"
            f"{', call_kwargs' if with_kwargs else ''}], received {_short(ref)}."
        )
    name, node, index = (
        ref[0],
        _index(ref[1], f"{what} node index"),
        _index(ref[2], f"{what} index"),
    )
    if not isinstance(name, str):
        raise ValueError(
            f"Model config: {what} must name a layer by string, received {_short(name)}."
        )
    kwargs = ref[3] if len(ref) > 3 and ref[3] is not None else {}
    if not isinstance(kwargs, dict) or set(kwargs) - set(_CALL_KWARGS):
        raise ValueError(
            f"Model config: {what} call kwargs must be a dict with keys among "
            f"{list(_CALL_KWARGS)}, received {_short(kwargs)}."
        )
    if kwargs.get("training") not in (None, True, False):
        raise ValueError(
            f"Model config: {what} 'training' must be True, False or None, "
            f"received {_short(kwargs['training'])}."
        )
    return name, node, index, kwargs


def _check_list(config: dict, key: str) -> list:
    if key not in config:
        raise ValueError(
            f"A functional Model config needs {key!r}; found keys {sorted(map(str, config))}."
        )
    value = config[key]
    if not isinstance(value, list):
        raise ValueError(f"Model config: {key!r} must be a list, received {type(value).__name__}.")
    return value


def _check_nodes(entry, name: str) -> list:
    nodes = entry.get("inbound_nodes", [])
    if not isinstance(nodes, list):
        raise ValueError(
            f"Model config: 'inbound_nodes' of layer {name!r} must be a list, "
            f"received {type(nodes).__name__}."
        )
    checked = []
    for k, node in enumerate(nodes):
        if not isinstance(node, list) or not node:
            raise ValueError(
                f"Model config: inbound node {k} of layer {name!r} must be a "
                f"non-empty list of inputs, received {_short(node)}."
            )
        checked.append(
            [
                _check_ref(r, f"input {j} of node {k} of layer {name!r}", True)
                for j, r in enumerate(node)
            ]
        )
    return checked


# -- rebuilding -------------------------------------------------------------
def functional_from_config(cls, config: dict, custom_objects=None):
    """Rebuild a functional model: create every layer, then replay its nodes.

    A shared layer's later node may read layers listed after it, so nodes are
    replayed in passes until every one has its inputs.
    """
    from kerasque.saving.serialization import deserialize_layer  # saving builds on engine

    if not isinstance(config, dict):
        raise ValueError(
            f"A functional Model config must be a dict, received {type(config).__name__}."
        )
    entries = _check_list(config, "layers")
    inputs_refs = [
        _check_ref(r, f"input_layers[{i}]", False)
        for i, r in enumerate(_check_list(config, "input_layers"))
    ]
    outputs_refs = [
        _check_ref(r, f"output_layers[{i}]", False)
        for i, r in enumerate(_check_list(config, "output_layers"))
    ]
    name = config.get("name")
    if name is not None and not isinstance(name, str):
        raise ValueError(f"Model config: 'name' must be a string, received {_short(name)}.")
    created: dict = {}
    pending: list = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ValueError(
                f"Model config: layers[{i}] must be a dict, received {type(entry).__name__}."
            )
        layer = deserialize_layer(entry, custom_objects)
        key = entry.get("name", layer.name)
        if not isinstance(key, str) or key in created:
            why = "is defined twice" if key in created else "is not a string"
            raise ValueError(f"Model config: layer name {_short(key)} {why}.")
        created[key] = layer
        pending.append([key, layer, _check_nodes(entry, key)])
    _replay(created, pending)
    inputs = [
        _tensor(created, *r[:3], what)
        for r, what in zip(inputs_refs, (f"input_layers[{i}]" for i in range(len(inputs_refs))))
    ]
    outputs = [
        _tensor(created, *r[:3], what)
        for r, what in zip(outputs_refs, (f"output_layers[{i}]" for i in range(len(outputs_refs))))
    ]
    if any(t is None for t in inputs + outputs):
        raise ValueError("Model config names an input or output node that does not exist.")
    return cls(inputs, outputs, name=name)


def _tensor(created: dict, name: str, node: int, index: int, what: str):
    """The output tensor a reference names, or None while its node is not built yet."""
    if name not in created:
        raise ValueError(
            f"Model config: {what} refers to layer {name!r}, which the config does not define."
        )
    nodes = created[name]._inbound_nodes
    if node >= len(nodes):
        return None
    outputs = nodes[node].outputs
    if index >= len(outputs):
        raise ValueError(
            f"Model config: {what} asks for output {index} of layer {name!r}, "
            f"which has {len(outputs)}."
        )
    return outputs[index]


def _replay(created: dict, pending: list) -> None:
    progress = True
    while progress and any(nodes for _, _, nodes in pending):
        progress = False
        for name, layer, nodes in pending:
            while nodes:
                refs = nodes[0]
                what = f"inbound node of layer {name!r}"
                inputs = [_tensor(created, *r[:3], what) for r in refs]
                if any(t is None for t in inputs):
                    break
                try:
                    layer(inputs[0] if len(inputs) == 1 else inputs, **refs[0][3])
                except (ValueError, TypeError) as err:
                    raise ValueError(
                        f"Model config: layer {name!r} cannot be applied to its saved inputs: {err}"
                    ) from err
                nodes.pop(0)
                progress = True
    stuck = [name for name, _, nodes in pending if nodes]
    if stuck:
        raise ValueError(
            f"Model config is inconsistent: the inputs of layers {stuck} are never computed."
        )
