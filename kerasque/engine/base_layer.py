"""The Layer base class: weights, generators, the call protocol.

Subclasses implement ``build(input_shape)``, ``call(inputs, training=...)``
and ``compute_output_shape(input_shape)``; ``__call__`` lives here only. It
checks the input spec, builds once, and either records a node (symbolic
inputs from ``Input``) or applies ``call`` to PyTensor variables.
"""

from __future__ import annotations

import inspect
import re
import weakref
from collections import defaultdict

import numpy as np
import pytensor
import pytensor.tensor as pt
from pytensor.graph.traversal import ancestors

from kerasque import constraints as constraints_mod
from kerasque import initializers as initializers_mod
from kerasque import regularizers as regularizers_mod
from kerasque.config import floatx
from kerasque.engine import context, registry
from kerasque.engine.base_keywords import (
    check_bool,
    check_dtype,
    check_initial_weights,
    check_regularizer,
    check_shape,
    check_weight_size,
    input_shape_from_keywords,
)
from kerasque.engine.input_spec import InputSpec, check_input_specs
from kerasque.engine.layer_losses import (
    as_loss,
    check_loss,
    check_update,
    graph_inputs_of,
    input_key,
    is_graph_value,
    reads_any,
    reads_graph_input,
    variables_of,
)
from kerasque.engine.layer_nodes import NodeAccess
from kerasque.engine.symbolic import Node, SymbolicTensor
from kerasque.utils.generic import check_kwargs, to_list, unpack_singleton
from kerasque.utils.random_state import next_seed, numpy_generator

_NAME_COUNTS: dict[str, int] = defaultdict(int)
_BASE_KWARGS = (
    "name",
    "trainable",
    "dtype",
    "input_shape",
    "batch_input_shape",
    "batch_size",
    "weights",
    "activity_regularizer",
    "input_dtype",
)


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


class Layer(NodeAccess):
    """Base class of every layer.

    Parameters
    ----------
    name : str, optional
        Unique name; defaults to the snake-cased class name and a counter.
    trainable : bool
        Whether the optimizer updates this layer's weights.
    input_shape : tuple, optional
        Shape of one sample, for the first layer of a ``Sequential``.
    batch_input_shape : tuple, optional
        The full input shape, batch axis first (``(None, 16)``).
    batch_size : int, optional
        A fixed batch size, with ``input_shape``.
    input_dim : int, optional
        Keras 2's ``Dense(32, input_dim=16)``: ``input_shape=(16,)``. For
        recurrent layers it is the last axis, with ``input_length`` the
        number of steps: ``input_shape=(input_length, input_dim)``.
    dtype : str, optional
        The dtype of the weights and outputs; ``floatx()`` by default.
    weights : list of numpy.ndarray, optional
        Initial weights, set when the layer is built (in :attr:`weights`
        order).
    activity_regularizer : str or callable, optional
        A penalty on the layer's output, added to the training loss of each
        forward pass (as in Keras 2: the penalty of the whole batch, not
        divided by its size).

    Notes
    -----
    Losses and updates come in two kinds here, as in Keras 2, but kerasque
    replays a model's graph once per compiled function, so the kinds live
    in different places:

    - *unconditional* ones (weight regularization, ``add_loss`` of a tensor
      of weights or of a zero-argument callable, ``add_update`` of weights
      only, made outside ``call``) live on the layer: :attr:`losses`,
      :attr:`updates`, ``get_losses_for(None)``;
    - *input-conditional* ones (activity regularization, ``add_loss`` or
      ``add_update`` inside ``call``, BatchNormalization's moving averages)
      are recorded in the forward pass that builds a graph
      (:mod:`kerasque.engine.context`), so each compiled function gets
      exactly its own; ``get_losses_for(inputs)`` finds those of the
      current pass that read ``inputs``.
    """

    supports_masking = False
    #: Keywords that give one sample's axes, in order. None: inferred from
    #: the constructor (recurrent layers take ``input_length`` and
    #: ``input_dim``; a layer whose own ``input_dim`` means something else,
    #: such as ``Embedding``'s vocabulary, takes ``input_length``).
    input_keywords: tuple | None = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        registry.register(cls)

    def __init__(self, **kwargs):
        cls = type(self)
        axis_keywords = _axis_keywords(cls)
        check_kwargs(cls.__name__, kwargs, _BASE_KWARGS + axis_keywords + _init_params(cls))
        name = kwargs.get("name")
        if name is not None and (not isinstance(name, str) or not name):
            raise TypeError(
                f"{cls.__name__}: name must be a non-empty string, received {name!r} "
                f"(type {type(name).__name__})."
            )
        if name:
            reserve_name(name)
        self.name = name or unique_name(snake_case(cls.__name__))
        owner = f"Layer {self.name!r} ({cls.__name__})"
        self._trainable = check_bool(owner, "trainable", kwargs.get("trainable", True))
        self.dtype = check_dtype(owner, "dtype", kwargs.get("dtype"))
        self.input_dtype = check_dtype(owner, "input_dtype", kwargs.get("input_dtype"))
        self.batch_input_shape = input_shape_from_keywords(owner, kwargs, axis_keywords)
        self._initial_weights = check_initial_weights(owner, kwargs.get("weights"))
        self.activity_regularizer = check_regularizer(owner, kwargs.get("activity_regularizer"))
        self.built = False
        self.input_spec: InputSpec | None = None
        self._trainable_weights: list = []
        self._non_trainable_weights: list = []
        self._regularized: list = []
        self._own_losses: list = []
        self._own_updates: list = []
        self._conditional_losses: list = []  # (input key, term) from add_loss(inputs=)
        self._conditional_updates: list = []
        self._outbound_nodes: list = []
        self._call_depth = 0
        self.constraints: dict = {}
        self._rngs: list = []
        self._inbound_nodes: list = []
        self._containers = weakref.WeakSet()

    def __getstate__(self):
        # The back-references to containing models are weak; they are not state.
        state = self.__dict__.copy()
        state.pop("_containers", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._containers = weakref.WeakSet()

    # -- trainable ----------------------------------------------------------
    @property
    def trainable(self) -> bool:
        """Whether the optimizer updates this layer's weights (settable).

        As in Keras, a change after ``compile`` takes effect at the next
        ``compile``; ``fit`` / ``train_on_batch`` warn once until then.
        """
        return self._trainable

    @trainable.setter
    def trainable(self, value) -> None:
        # No warning here: as in Keras, fit and train_on_batch say once that a
        # compiled model must be recompiled for the change to take effect.
        self._trainable = check_bool(
            f"Layer {getattr(self, 'name', type(self).__name__)!r}", "trainable", value
        )

    # -- weights ----------------------------------------------------------
    def add_weight(
        self,
        name=None,
        shape=None,
        initializer=None,
        regularizer=None,
        constraint=None,
        trainable=True,
        dtype=None,
        **kwargs,
    ):
        """Create a shared variable named ``'{layer}/{name}'``.

        Takes Keras 2's keywords (``name, shape, dtype, initializer,
        regularizer, trainable, constraint``) and Keras 3's (``shape``
        first, ``name`` optional). Biases should pass no regularizer: only
        what is passed is penalized. A weight larger than the machine's
        memory is refused before anything is allocated.

        Parameters
        ----------
        name : str, optional
        shape : tuple of int
        initializer : str or callable, optional
            ``'glorot_uniform'`` for trainable float weights (Keras 3's
            default), ``'zeros'`` for state (non-trainable) and integer
            weights.
        regularizer, constraint : optional
        trainable : bool
        dtype : str, optional
            The layer's ``dtype`` (``floatx()``) by default. A trainable
            weight needs a float dtype.
        """
        check_kwargs(
            f"{type(self).__name__}.add_weight",
            kwargs,
            ("autocast", "aggregation", "synchronization", "overwrite_with_gradient"),
        )
        if shape is None and isinstance(name, (tuple, list)):
            name, shape = None, name  # Keras 3 passes the shape first
        if shape is None:
            raise TypeError(f"Layer {self.name!r}: add_weight needs shape=, e.g. shape=(16, 8).")
        if name is None:
            name = f"variable{len(self._trainable_weights) + len(self._non_trainable_weights)}"
        if not isinstance(name, str) or not name:
            raise TypeError(
                f"Layer {self.name!r}: add_weight name must be a non-empty string, "
                f"received {name!r}."
            )
        owner = f"Layer {self.name!r} ({type(self).__name__})"
        dtype = check_dtype(owner, "dtype", dtype or self.dtype or floatx())
        trainable = check_bool(owner, "trainable", trainable)
        floating = np.issubdtype(np.dtype(dtype), np.floating)
        if trainable and not floating:
            raise ValueError(
                f"{owner}: weight {name!r} is trainable, so it needs a float dtype (gradients "
                f"are real numbers), received dtype={dtype!r}. Leave the layer's dtype unset "
                "(floatx()) or pass dtype='float32'."
            )
        shape = check_weight_size(self.name, name, shape, dtype)
        if initializer is None:
            initializer = "glorot_uniform" if floating and trainable else "zeros"
        init = initializers_mod.get(initializer)
        value = np.asarray(init(shape, dtype=dtype, rng=numpy_generator()), dtype=dtype)
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
        return own + [
            w for lay in self.sublayers for w in lay.weights if not (w in seen or seen.add(w))
        ]

    # -- losses and updates -------------------------------------------------
    @property
    def losses(self) -> list:
        """Every loss term kept on the layer, with those of sublayers.

        As in Keras 2: the unconditional terms (``get_losses_for(None)``)
        and then those that :meth:`add_loss` kept as conditional on inputs
        outside a forward pass. Terms recorded inside ``call`` (activity
        regularization, ``add_loss`` in ``call``) are not here: they belong
        to each forward pass, and the training code adds them per compiled
        function.
        """
        return self.get_losses_for(None) + self._conditional_terms("_conditional_losses")

    def _unconditional_losses(self) -> list:
        """Weight penalties and input-free ``add_loss`` terms, with sublayers'."""
        own = [reg(var) for var, reg in self._regularized]
        for item in self._own_losses:
            value = item() if callable(item) and not is_graph_value(item) else item
            own.append(as_loss(self, value) if is_graph_value(value) else value)
        return own + [p for lay in self.sublayers for p in lay.get_losses_for(None)]

    def _conditional_terms(self, attr: str, key=None) -> list:
        """Values of ``attr`` (``(input key, value)`` pairs), with sublayers'.

        ``key`` None: all of them; otherwise those kept for that key.
        """
        own = [value for k, value in getattr(self, attr, ()) if key is None or k == key]
        subs = [
            v
            for lay in self.sublayers
            if attr != "_conditional_updates" or lay._keeps_updates()
            for v in lay._conditional_terms(attr, key)
        ]
        return own + subs

    def add_loss(self, losses, inputs=None) -> None:
        """Add loss terms: tensors, numbers or zero-argument callables.

        Inside ``call`` the term is recorded in the current forward pass
        (``context.current().add_loss``), so it joins the objective of the
        function being built. Outside ``call``, a term given with Keras 2's
        ``inputs=``, or a tensor that reads graph inputs, is kept as
        conditional on those inputs (see :meth:`get_losses_for`); any other
        (a tensor of weights only, a number, a callable) is unconditional
        and reported by :attr:`losses`.
        """
        fp = context.current()
        for item in to_list(losses):
            if item is None:
                continue
            if isinstance(item, SymbolicTensor) and self._add_tensor_loss(item):
                continue
            value = check_loss(self, item)
            if self._call_depth:
                fp.add_loss(as_loss(self, value), owner=self.name)
            elif inputs is not None:
                self._conditional_losses.append((input_key(inputs), value))
            elif is_graph_value(value) and reads_graph_input(value):
                self._conditional_losses.append((input_key(graph_inputs_of(value)), value))
            else:
                self._own_losses.append(value)

    def _add_tensor_loss(self, tensor) -> bool:
        """Keep a loss on a model tensor (a Model does; a layer refuses, in check_loss)."""
        return False

    @property
    def updates(self) -> list:
        """Updates (``(variable, new_value)`` pairs) kept on the layer, with sublayers'.

        As in Keras 2: what :meth:`add_update` kept outside a forward pass,
        unconditional ones first, and nothing while the layer is frozen
        (``trainable=False``) unless it is ``stateful``. Pass them to
        ``K.function(..., updates=)``. Updates made inside ``call``
        (BatchNormalization's moving averages) and generator advances belong
        to each forward pass instead, and each compiled function collects its
        own (Keras 2 filtered one list by input; kerasque keeps them apart
        from the start).
        """
        if not self._keeps_updates():
            return []
        return self.get_updates_for(None) + self._conditional_terms("_conditional_updates")

    def _keeps_updates(self) -> bool:
        return self.trainable or bool(getattr(self, "stateful", False))

    def add_update(self, updates, inputs=None) -> None:
        """Add ``(variable, new_value)`` updates (one pair or a list of pairs).

        Inside ``call`` the update is recorded in the current forward pass.
        Outside ``call`` an update given with ``inputs=``, or one whose value
        reads graph inputs, is kept as conditional on them (see
        :meth:`get_updates_for`); any other is reported by :attr:`updates`.
        """
        if isinstance(updates, dict):
            updates = list(updates.items())
        elif isinstance(updates, tuple) and len(updates) == 2 and not isinstance(updates[0], tuple):
            updates = [updates]
        fp = context.current()
        for item in to_list(updates):
            item = check_update(self, item)
            var, value = item if isinstance(item, tuple) else (None, None)
            if var is not None and self._call_depth:
                fp.add_update(var, value, owner=self.name)
            elif inputs is not None:
                self._conditional_updates.append((input_key(inputs), item))
            elif var is not None and reads_graph_input(value):
                self._conditional_updates.append((input_key(graph_inputs_of(value)), item))
            else:
                self._own_updates.append(item)

    def get_losses_for(self, inputs) -> list:
        """The loss terms that depend on ``inputs``; ``None``: the unconditional ones.

        For tensors, the terms added with ``add_loss(..., inputs=inputs)``
        (by this layer or a sublayer) and those this layer or a sublayer
        recorded in the current forward pass that read ``inputs``.
        """
        if inputs is None:
            return self._unconditional_losses()
        found = self._conditional_terms("_conditional_losses", input_key(inputs))
        targets = variables_of(inputs)
        names = self._owner_names()
        return found + [
            value
            for value, owner in context.current().loss_records()
            if owner in names and reads_any(value, targets)
        ]

    def get_updates_for(self, inputs) -> list:
        """The updates that depend on ``inputs``; ``None``: the unconditional ones.

        Empty while the layer is frozen and not ``stateful``, as in Keras 2.
        """
        if not self._keeps_updates():
            return []
        if inputs is None:
            own = list(self._own_updates)
            return own + [u for lay in self.sublayers for u in lay.get_updates_for(None)]
        found = self._conditional_terms("_conditional_updates", input_key(inputs))
        targets = variables_of(inputs)
        names = self._owner_names()
        return found + [
            (var, value)
            for var, value, owner in context.current().state_updates()
            if owner in names and reads_any(value, targets)
        ]

    def _owner_names(self) -> set:
        """Names of this layer and of its sublayers, at any depth."""
        names = {self.name}
        for lay in self.sublayers:
            names |= lay._owner_names()
        return names

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
        """The number of scalars in :attr:`weights` (the layer must be built)."""
        if not self.built and not self.weights:
            raise ValueError(
                f"Layer {self.name!r} is not built yet, so it has no weights to count. Call it "
                "on an input first, or build it: layer.build(batch_input_shape)."
            )
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
        """Create weights for ``input_shape`` (batch axis included).

        A subclass's ``build`` may end with ``super().build(input_shape)``,
        as Keras's guide writes it; this marks the layer built.
        """
        self.built = True

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
            if self._initial_weights is not None:
                initial, self._initial_weights = self._initial_weights, None
                self.set_weights(initial)

    def check_input_shape(self, shapes) -> None:
        """Raise ValueError when an input shape violates :attr:`input_spec`."""
        check_input_specs(self, self.input_spec, shapes)

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
        check_kwargs(f"{type(self).__name__}.__call__", kwargs, ("training", "mask"))
        xs = [pt.as_tensor_variable(x) for x in xs]
        training = kwargs.get("training")
        phase = context.learning_phase() if training is None else None
        mask = kwargs.get("mask")
        masks = to_list(mask) if mask is not None else [None] * len(xs)
        outs, _ = self._apply(xs, masks, training if phase is None else phase)
        for out in outs:  # Keras 2's mark: the value switches with the learning phase
            out._uses_learning_phase = phase is not None and phase in ancestors([out])
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
        self._call_depth += 1
        try:
            with fp.layer_scope(self.name), context.frozen_scope(not self.trainable):
                outs = to_list(self.call(inputs, **call_kwargs))
                out_masks = to_list(self.compute_mask(inputs, mask))
                if self.activity_regularizer is not None:
                    for out in outs:
                        fp.add_loss(self.activity_regularizer(out), owner=self.name)
        finally:
            self._call_depth -= 1
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
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers_mod.serialize(self.activity_regularizer)
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
                names += [
                    p for p in inspect.signature(init).parameters if p not in ("self", "kwargs")
                ]
        _INIT_CACHE[cls] = tuple(dict.fromkeys(names))
    return _INIT_CACHE[cls]


def _call_params(cls) -> set:
    if cls not in _PARAMS_CACHE:
        _PARAMS_CACHE[cls] = set(inspect.signature(cls.call).parameters)
    return _PARAMS_CACHE[cls]


def _axis_keywords(cls) -> tuple:
    """The keywords giving one sample's axes for layer class ``cls``."""
    if cls.input_keywords is not None:
        return tuple(cls.input_keywords)
    params = _init_params(cls)
    if "return_sequences" in params:
        return ("input_length", "input_dim")
    if "input_dim" in params:
        return ("input_length",)
    return ("input_dim",)


def _as_shape(shape, owner: str) -> tuple:
    """One sample's shape from ``input_shape`` (kept for existing callers)."""
    return check_shape(f"Layer {owner!r}", "input_shape", shape)
