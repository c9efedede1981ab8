"""Machinery behind the user API: layers' base, graphs, compiling, training.

Keras 2's ``keras.engine`` names (``Input``, ``InputLayer``, ``InputSpec``,
``Layer``, ``Model``, ``get_source_inputs``) resolve here on first use, so
importing this package stays free of import cycles.
"""

_EXPORTS = {
    "Input": "kerasque.engine.input_layer",
    "InputLayer": "kerasque.engine.input_layer",
    "InputSpec": "kerasque.engine.input_spec",
    "Layer": "kerasque.engine.base_layer",
    "Model": "kerasque.engine.training",
    "Network": "kerasque.engine.functional",
    "get_source_inputs": "kerasque.engine.symbolic",
}


def __getattr__(name):
    import importlib

    if name not in _EXPORTS:
        raise AttributeError(f"module 'kerasque.engine' has no attribute {name!r}")
    module = importlib.import_module(_EXPORTS[name])
    if name == "get_source_inputs":
        return module.source_inputs
    if name == "Network":
        return module.Functional
    return getattr(module, name)
