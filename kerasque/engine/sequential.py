"""Sequential: a linear stack of layers, built now or from the first data.

A ``Sequential`` whose first layer knows its input shape (``input_shape=``,
``input_dim=``, an ``Input`` added first) builds its graph as layers are
added. Otherwise it is *deferred*, as in Keras: it holds the layers and
builds when it first learns an input shape, from ``model.build(shape)``,
from being called on a tensor, or from the first data given to ``fit``,
``evaluate``, ``predict`` or ``train_on_batch`` (the training code calls
:meth:`Sequential._maybe_build_from_data`). Until then ``inputs`` and
``outputs`` are empty lists and ``built`` is False, as in Keras 2.
"""

from __future__ import annotations

import warnings

import numpy as np

from kerasque.config import floatx
from kerasque.engine.base_keywords import check_shape
from kerasque.engine.base_layer import Layer
from kerasque.engine.input_layer import Input, InputLayer
from kerasque.engine.symbolic import SymbolicTensor
from kerasque.engine.training import Model


class Sequential(Model):
    """A model whose layers each take the previous layer's output.

    Parameters
    ----------
    layers : list of Layer, optional
        An ``Input(shape)`` or ``InputLayer`` may come first.
    name : str, optional

    Examples
    --------
    >>> from kerasque.models import Sequential
    >>> from kerasque.layers import Dense, Dropout
    >>> model = Sequential([Dense(16, activation="relu", input_shape=(8,)),
    ...                     Dropout(0.5), Dense(1)])
    >>> later = Sequential([Dense(4), Dense(1)])   # built by the first data
    >>> later.build((None, 8))
    >>> later.output_shape
    (None, 1)
    """

    def __init__(self, layers=None, name=None):
        Layer.__init__(self, name=name)
        self._init_training()
        self._stack: list = []
        self._layer_outputs: list = []  # output tensor of each stacked layer
        self._auto_input = False  # whether the Input was made by the model
        self.inputs: list = []
        self.outputs: list = []
        self._graph_layers = []
        self.built = False
        if layers is not None and not isinstance(layers, (list, tuple)):
            raise TypeError(
                f"Sequential expects a list of layers, received {type(layers).__name__}."
            )
        for layer in layers or []:
            self.add(layer)

    # -- building the stack -----------------------------------------------
    def add(self, layer) -> None:
        """Append a layer (or an ``Input`` tensor / ``InputLayer`` as the first item)."""
        if isinstance(layer, InputLayer):
            layer = layer.output
        if isinstance(layer, SymbolicTensor):
            self._add_input(layer)
            return
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Sequential.add expects a Layer instance, received {type(layer).__name__}."
            )
        if layer is self or layer in self._stack:
            raise ValueError(f"Layer {layer.name!r} is already in Sequential {self.name!r}.")
        if not self.inputs and not self._stack:
            shape, dtype = _first_input(layer)
            if shape is not None:
                self._stack.append(layer)
                try:
                    self._start(shape, dtype, auto=True)
                except Exception:
                    self._stack.pop()
                    raise
                self._changed()
                return
        if self.inputs:
            self._connect(layer)
        self._stack.append(layer)
        self._changed()

    def _add_input(self, tensor) -> None:
        if not isinstance(tensor.node.layer, InputLayer):
            raise TypeError(
                "Sequential.add takes layers, or an Input(shape) as the first item; received "
                f"the output of layer {tensor.node.layer.name!r}."
            )
        if self._stack or self.inputs:
            raise ValueError("Sequential.add: an Input can only be the first item.")
        self.inputs, self.outputs = [tensor], [tensor]
        self._auto_input = False
        self._changed()

    def _start(self, batch_shape, dtype, auto: bool) -> None:
        """Create the Input and call every stacked layer on it."""
        first = self._stack[0]
        x = Input(batch_shape=tuple(batch_shape), dtype=dtype, name=f"{first.name}_input")
        self.inputs, self.outputs, self._layer_outputs = [x], [x], []
        self._auto_input = auto
        try:
            for layer in self._stack:
                self._connect(layer)
        except Exception:
            for layer, out in zip(self._stack, self._layer_outputs):
                _drop_node(layer, out)
            self.inputs, self.outputs, self._layer_outputs = [], [], []
            raise

    def _connect(self, layer) -> None:
        out = layer(self.outputs[0])
        if isinstance(out, list):
            _drop_node(layer, out[0])
            raise ValueError(  # noqa: TRY004 - a count, not a type
                f"Sequential: layer {layer.name!r} returns {len(out)} tensors; a Sequential "
                "needs single-output layers. Use the functional Model instead."
            )
        self.outputs = [out]
        self._layer_outputs.append(out)
        layer._containers.add(self)

    def _changed(self) -> None:
        self._graph_layers = list(self._stack)
        self.built = bool(self.inputs)
        self._invalidate()

    def pop(self) -> None:
        """Remove the last layer (Keras's ``Sequential.pop``)."""
        if not self._stack:
            raise ValueError(f"Sequential.pop: model {self.name!r} has no layers.")
        layer = self._stack.pop()
        layer._containers.discard(self)
        if self.inputs and self._layer_outputs:
            _drop_node(layer, self._layer_outputs.pop())
            self.outputs = [self._layer_outputs[-1]] if self._layer_outputs else [self.inputs[0]]
            if not self._stack and self._auto_input:
                self.inputs, self.outputs = [], []
        self._changed()

    def build(self, input_shape=None) -> None:
        """Build the graph for ``input_shape`` (batch axis first), as Keras's.

        Without ``input_shape``, the first layer's own input shape is used.
        """
        if input_shape is None:
            if self.inputs:
                return
            if not self._stack:
                raise ValueError(f"Sequential {self.name!r} has no layers to build.")
            shape, dtype = _first_input(self._stack[0])
            if shape is None:
                raise ValueError(
                    f"Sequential {self.name!r}: build() needs input_shape= (batch axis first, "
                    "e.g. model.build((None, 16))): its first layer has no input shape."
                )
        else:
            shape = check_shape(
                f"Sequential {self.name!r}", "input_shape", input_shape, batch_axis=True
            )
            if self.inputs:
                self._check_built_shape(shape)
                return
            if not self._stack:
                raise ValueError(f"Sequential {self.name!r} has no layers to build.")
            dtype = _first_input(self._stack[0])[1]
        self._start(shape, dtype, auto=True)
        self._changed()

    def _check_built_shape(self, shape) -> None:
        built = self.inputs[0].shape
        if len(built) != len(shape) or any(
            a is not None and b is not None and a != b for a, b in zip(built[1:], shape[1:])
        ):
            raise ValueError(
                f"Sequential {self.name!r} is built for input shape {built}, received {shape}."
            )

    def _maybe_build_from_data(self, x) -> None:
        """Build from the shape of the user's first data (deferred build)."""
        if self.inputs or not self._stack:
            return
        arr = _first_array(x)
        if arr is None:
            return
        if arr.ndim < 1:
            raise ValueError(
                f"Sequential {self.name!r}: input data needs a batch axis, received a scalar."
            )
        dtype = _first_input(self._stack[0])[1]
        self._start((None, *arr.shape[1:]), dtype, auto=True)
        self._changed()

    def _maybe_build(self, input_shape) -> None:
        # Called on a tensor before being built: the batch axis stays open.
        if not self.inputs:
            self.build((None, *tuple(input_shape)[1:]))
        self.built = True

    def check_input_shape(self, shapes) -> None:
        if self.inputs:
            super().check_input_shape(shapes)
        elif len(shapes) != 1:
            raise ValueError(f"Sequential {self.name!r} takes one input, received {len(shapes)}.")

    # -- the model as an object -----------------------------------------------
    @property
    def layers(self) -> list:
        return list(self._stack)

    @property
    def sublayers(self) -> list:
        return list(self._stack)

    def _ensure_graph(self) -> None:
        if not self._stack and not self.inputs:
            raise ValueError(
                f"Sequential {self.name!r} has no layers; add some with model.add(...)."
            )
        if not self.inputs:
            first = self._stack[0]
            raise ValueError(
                f"Sequential {self.name!r} is not built yet: its first layer {first.name!r} "
                f"({type(first).__name__}) has no input shape. It builds from the first data "
                "given to fit/evaluate/predict, from model.build(input_shape) (batch axis "
                f"first, e.g. (None, 20)), or pass input_shape= to the first layer, e.g. "
                f"{type(first).__name__}(..., input_shape=(20,))."
            )

    # -- Keras 2's Sequential-only predictions --------------------------------
    def predict_proba(self, x, batch_size=32, verbose=0):
        """``predict``, warning when the outputs are not probabilities (Keras 2)."""
        preds = self.predict(x, batch_size=batch_size, verbose=verbose)
        if preds.min() < 0.0 or preds.max() > 1.0:
            warnings.warn(
                f"Sequential {self.name!r} returns values outside [0, 1]; its last layer may "
                "not turn predictions into probabilities (softmax or sigmoid would).",
                UserWarning,
                stacklevel=2,
            )
        return preds

    def predict_classes(self, x, batch_size=32, verbose=0):
        """Class ids: the argmax over the last axis, or ``p > 0.5`` for one unit (Keras 2)."""
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype("int32")

    # -- configuration ------------------------------------------------------
    def get_config(self) -> dict:
        self._warn_config_drops_tensor_losses()
        config = {"name": self.name, "layers": [_layer_config(l) for l in self._stack]}
        if self.inputs:
            # An Input added first is not a layer of the stack: keep its shape.
            config["build_input_shape"] = list(self.inputs[0].shape)
            config["input_dtype"] = self.inputs[0].dtype
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from kerasque.saving.serialization import deserialize_layer

        if isinstance(config, list):  # Keras 2.1 saved a bare list of layers
            config = {"layers": config}
        if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
            raise ValueError(  # noqa: TRY004 - a corrupt config is a ValueError
                "A Sequential config needs a list 'layers', received "
                f"{type(config).__name__} {sorted(config) if isinstance(config, dict) else ''}."
            )
        model = cls(name=config.get("name"))
        layers = [deserialize_layer(c, custom_objects) for c in config["layers"]]
        shape = config.get("build_input_shape")
        if shape is not None and layers and layers[0].batch_input_shape is None:
            model.add(Input(batch_shape=tuple(shape), dtype=config.get("input_dtype")))
        for layer in layers:
            model.add(layer)
        return model


def _first_input(layer) -> tuple:
    """``(batch_input_shape, dtype)`` a first layer declares, or ``(None, dtype)``."""
    dtype = layer.input_dtype or floatx()
    if layer.batch_input_shape is not None:
        return layer.batch_input_shape, dtype
    inputs = getattr(layer, "inputs", None)
    if inputs:  # a model as first layer
        if len(inputs) != 1:
            raise ValueError(
                f"Sequential: model {layer.name!r} has {len(inputs)} inputs; a Sequential "
                "needs single-input layers."
            )
        return inputs[0].shape, inputs[0].dtype
    if isinstance(layer, Sequential) and layer.layers:
        return _first_input(layer.layers[0])[0], dtype
    return None, dtype


def _first_array(x):
    """The array of a single-input model's data (array, list, tuple or dict)."""
    if x is None:
        return None
    if isinstance(x, dict):
        if len(x) != 1:
            return None
        x = next(iter(x.values()))
    if isinstance(x, (list, tuple)):
        if not x:
            return None
        if hasattr(x[0], "shape") and getattr(x[0], "ndim", 0) >= 1:
            x = x[0]
    if isinstance(x, np.ndarray) or hasattr(x, "shape") or isinstance(x, (list, tuple)):
        try:
            return np.asarray(x)
        except (TypeError, ValueError):
            return None
    return None


def _drop_node(layer, tensor) -> None:
    """Forget the node that produced ``tensor`` (a layer leaving the stack)."""
    node = getattr(tensor, "node", None)
    if node is not None and node.layer is layer:
        node.detach()


def _layer_config(layer) -> dict:
    return {"class_name": type(layer).__name__, "config": layer.get_config()}
