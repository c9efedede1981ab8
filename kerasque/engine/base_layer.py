"""The Layer base class: weights, generators, the call protocol.

Subclasses implement ``build(input_shape)``, ``call(inputs, training=...)``
and ``compute_output_shape(input_shape)``; ``__call__`` lives here only. It
checks the input spec, builds once, and either records a node (symbolic
inputs from ``Input``) or applies ``call`` to PyTensor variables.
"""

from __future__ import annotations

import inspect
import re
from collections import defaultdict

import numpy as np
import pytensor
import pytensor.tensor as pt

from kerasque.config import floatx
from kerasque import constraints as constraints_mod
from kerasque import initializers as initializers_mod
from kerasque import regularizers as regularizers_mod
from kerasque.engine import context, registry
from kerasque.engine.symbolic import Node, SymbolicTensor
from kerasque.utils.generic import check_kwargs, to_list, unpack_singleton
from kerasque.utils.random_state import next_seed, numpy_generator

_NAME_COUNTS: dict[str, int] = defaultdict(int)
_BASE_KWARGS = ("name", "trainable", "dtype", "input_shape", "batch_input_shape", "input_dtype")


def unique_name(base: str) -> str:
    """``'dense'`` -> ``'dense_1'``, ``'dense_2'``, ... (Keras's names)."""
    _NAME_COUNTS[base] += 1
    return f"{base}_{_NAME_COUNTS[base]}"


def reserve_name(name: str) -> None:
    """Note an explicit ``'dense_7'`` so later automatic names do not repeat it."""
    base, _, number = name.rpartition("_")
    if base and number.isdigit():
        _NAME_COUNTS[base] = max(_NAME_COUNTS[base], int(number))


def snake_case(name: str) -> str:
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


class InputSpec:
    """What a layer accepts: exact or minimum rank and fixed axis sizes."""

    def __init__(self, ndim=None, min_ndim=None, axes=None):
        self.ndim = ndim
        self.min_ndim = min_ndim
        self.axes = dict(axes or {})


class Layer:
    """Base class of every layer.

    Parameters
    ----------
    name : str, optional
        Unique name; defaults to the snake-cased class name and a counter.
    trainable : bool
        Whether the optimizer updates this layer's weights.
    input_shape : tuple, optional
        Shape of one sample, for the first layer of a ``Sequential``.
    """

    supports_masking = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        registry.register(cls)

    def __init__(self, **kwargs):
        check_kwargs(type(self).__name__, kwargs, _BASE_KWARGS + _init_params(type(self)))
        name = kwargs.get("name")
        if name is not None and (not isinstance(name, str) or not name):
            raise TypeError(f"{type(self).__name__}: name must be a non-empty string, received {name!r}.")
        if name:
            reserve_name(name)
        self.name = name or unique_name(snake_case(type(self).__name__))
        self.trainable = kwargs.get("trainable", True)
        self.dtype = kwargs.get("dtype")
        self.input_dtype = kwargs.get("input_dtype")
        shape = kwargs.get("batch_input_shape")
        if shape is None and kwargs.get("input_shape") is not None:
            shape = (None, *_as_shape(kwargs["input_shape"], self.name))
        self.batch_input_shape = tuple(shape) if shape is not None else None
        self.built = False
        self.input_spec: InputSpec | None = None
        self._trainable_weights: list = []
        self._non_trainable_weights: list = []
        self._regularized: list = []
        self.constraints: dict = {}
        self._rngs: list = []
        self._inbound_nodes: list = []

    # -- weights ----------------------------------------------------------
    def add_weight(self, name, shape, initializer="zeros", regularizer=None,
                   constraint=None, trainable=True, dtype=None):
        """Create a shared variable named ``'{layer}/{name}'``.

        Biases should pass no regularizer: only what is passed is penalized.
        """
        dtype = dtype or self.dtype or floatx()
        init = initializers_mod.get(initializer)
        value = np.asarray(init(tuple(shape), dtype=dtype, rng=numpy_generator()), dtype=dtype)
        var = pytensor.shared(value, name=f"{self.name}/{name}", shape=value.shape)
        (self._trainable_weights if trainable else self._non_trainable_weights).append(var)
        if regularizer is not None:
            self._regularized.append((var, regularizers_mod.get(regularizer)))
        if constraint is not None:
            self.constraints[var] = constraints_mod.get(constraint)
        return var

    @property
    def sublayers(self) -> list:
        """Layers owned by this one (wrappers, models)."""
        return []

    @property
    def trainable_weights(self) -> list:
        if not self.trainable:
            return []
        own = list(self._trainable_weights)
        return own + [w for lay in self.sublayers for w in lay.trainable_weights]

    @property
    def non_trainable_weights(self) -> list:
        own = list(self._non_trainable_weights)
        if not self.trainable:
            own = list(self._trainable_weights) + own
        subs = [w for lay in self.sublayers for w in lay.weights if w not in self.trainable_weights]
        return own + subs

    @property
    def weights(self) -> list:
        own = self._trainable_weights + self._non_trainable_weights
        seen = set(own)
        return own + [w for lay in self.sublayers for w in lay.weights if not (w in seen or seen.add(w))]

    @property
    def losses(self) -> list:
        """Regularization penalties as symbolic scalars."""
        own = [reg(var) for var, reg in self._regularized]
        return own + [p for lay in self.sublayers for p in lay.losses]

    def all_constraints(self) -> dict:
        out = dict(self.constraints)
        for lay in self.sublayers:
            out.update(lay.all_constraints())
        return out

    def get_weights(self) -> list:
        # np.asarray: in JAX mode a shared value is a JAX array; users get NumPy.
        return [np.asarray(w.get_value()) for w in self.weights]

    def set_weights(self, weights) -> None:
        """Set weights from a list of arrays in :attr:`weights` order."""
        own = self.weights
        weights = list(weights)
        if len(weights) != len(own):
            raise ValueError(
                f"Layer {self.name!r} expects {len(own)} weight arrays "
                f"({[w.name for w in own]}), received {len(weights)}."
            )
        for var, value in zip(own, weights):
            value = np.asarray(value)
            expected = var.get_value(borrow=True).shape
            if value.shape != expected:
                raise ValueError(
                    f"Layer {self.name!r}: weight {var.name!r} expects shape {expected}, "
                    f"received {value.shape}."
                )
        for var, value in zip(own, weights):
            var.set_value(np.asarray(value, dtype=var.dtype))

    def count_params(self) -> int:
        return int(sum(np.prod(w.get_value(borrow=True).shape) for w in self.weights))

    # -- generators -------------------------------------------------------
    def add_rng(self, seed=None):
        """Create a generator owned by this layer, seeded from ``seed``.

        The k-th generator of a layer is spawned from the layer's seed, so the
        same ``seed=`` gives the same masks in every run.
        """
        base = seed if seed is not None else getattr(self, "seed", None)
        if base is None:
            base = next_seed()
        seq = np.random.SeedSequence(int(base), spawn_key=(len(self._rngs),))
        rng = pt.random.shared_rng(seed=seq, name=f"{self.name}/rng{len(self._rngs)}")
        self._rngs.append(rng)
        return rng

    @property
    def rngs(self) -> list:
        """Every generator of this layer and its sublayers."""
        return list(self._rngs) + [r for lay in self.sublayers for r in lay.rngs]

    # -- the call protocol ------------------------------------------------
    def build(self, input_shape) -> None:
        """Create weights for ``input_shape`` (batch axis included)."""

    def call(self, inputs, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement call().")

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_dtype(self, input_dtype):
        return self.dtype or floatx()

    def compute_mask(self, inputs, mask=None):
        return mask if self.supports_masking else None

    def _maybe_build(self, input_shape) -> None:
        if not self.built:
            self.build(input_shape)
            self.built = True

    def check_input_shape(self, shapes) -> None:
        """Raise ValueError when an input shape violates :attr:`input_spec`."""
        spec = self.input_spec
        if spec is None:
            return
        for shape in shapes:
            what = None
            if spec.ndim is not None and len(shape) != spec.ndim:
                what = f"{spec.ndim} dimensions"
            elif spec.min_ndim is not None and len(shape) < spec.min_ndim:
                what = f"at least {spec.min_ndim} dimensions"
            else:
                for axis, size in spec.axes.items():
                    if shape[axis] is not None and shape[axis] != size:
                        what = f"size {size} on axis {axis}"
            if what:
                raise ValueError(
                    f"Layer {self.name!r} ({type(self).__name__}) expects input with {what}, "
                    f"received input of shape {tuple(shape)}."
                )

    def __call__(self, inputs, **kwargs):
        xs = to_list(inputs)
        symbolic = [isinstance(x, SymbolicTensor) for x in xs]
        if all(symbolic):
            return self._call_symbolic(xs, kwargs)
        if any(symbolic):
            raise TypeError(
                f"Layer {self.name!r} received a mix of symbolic tensors (from Input) and "
                "other values; call a layer on one kind at a time."
            )
        return self._call_pytensor(xs, kwargs)

    def _call_symbolic(self, xs, kwargs):
        check_kwargs(f"{type(self).__name__}.__call__", kwargs, ("training",))
        shapes = [x.shape for x in xs]
        self.check_input_shape(shapes)
        self._maybe_build(unpack_singleton(shapes))
        out_shape = self.compute_output_shape(unpack_singleton(shapes))
        multi = isinstance(out_shape, list)
        out_shapes = out_shape if multi else [out_shape]
        dtype = self.compute_output_dtype(xs[0].dtype)
        node = Node(self, xs, out_shapes, [dtype] * len(out_shapes), kwargs)
        self._inbound_nodes.append(node)
        return node.outputs if multi else node.outputs[0]

    def _call_pytensor(self, xs, kwargs):
        from kerasque.backend import learning_phase

        check_kwargs(f"{type(self).__name__}.__call__", kwargs, ("training", "mask"))
        xs = [pt.as_tensor_variable(x) for x in xs]
        training = kwargs.get("training")
        training = learning_phase() if training is None else training
        mask = kwargs.get("mask")
        masks = to_list(mask) if mask is not None else [None] * len(xs)
        outs, _ = self._apply(xs, masks, training)
        return unpack_singleton(outs)

    def _apply(self, xs, masks, training, **kwargs):
        """Build the PyTensor graph of this layer on variables ``xs``."""
        shapes = [tuple(x.type.shape) for x in xs]
        self.check_input_shape(shapes)
        self._maybe_build(unpack_singleton(shapes))
        params = _call_params(type(self))
        call_kwargs = {}
        if "training" in params:
            call_kwargs["training"] = training
        mask = unpack_singleton(masks)
        if "mask" in params:
            call_kwargs["mask"] = mask
        fp = context.current()
        inputs = unpack_singleton(xs)
        with fp.layer_scope(self.name):
            outs = to_list(self.call(inputs, **call_kwargs))
            out_masks = to_list(self.compute_mask(inputs, mask))
        fp.attribute_draws(outs, self.name)
        if len(out_masks) != len(outs):
            out_masks = out_masks[:1] * len(outs)
        return outs, out_masks

    # -- configuration ----------------------------------------------------
    def get_config(self) -> dict:
        """JSON-serialisable constructor arguments."""
        config = {"name": self.name, "trainable": self.trainable}
        if self.dtype is not None:
            config["dtype"] = self.dtype
        if self.batch_input_shape is not None:
            config["batch_input_shape"] = list(self.batch_input_shape)
        return config

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


_PARAMS_CACHE: dict = {}
_INIT_CACHE: dict = {}


def _init_params(cls) -> tuple:
    """Constructor parameter names of ``cls`` and its bases (for "did you mean")."""
    if cls not in _INIT_CACHE:
        names = []
        for klass in cls.__mro__:
            init = klass.__dict__.get("__init__")
            if init is not None:
                names += [p for p in inspect.signature(init).parameters if p not in ("self", "kwargs")]
        _INIT_CACHE[cls] = tuple(dict.fromkeys(names))
    return _INIT_CACHE[cls]


def _call_params(cls) -> set:
    if cls not in _PARAMS_CACHE:
        _PARAMS_CACHE[cls] = set(inspect.signature(cls.call).parameters)
    return _PARAMS_CACHE[cls]


def _as_shape(shape, owner: str) -> tuple:
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    try:
        shape = tuple(None if s is None else int(s) for s in shape)
    except TypeError:
        raise TypeError(
            f"Layer {owner!r}: input_shape must be a tuple of ints (one sample's shape, "
            f"without the batch axis), received {shape!r}."
        ) from None
    return shape
