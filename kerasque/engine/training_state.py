"""The state that resumes training exactly, as data: :class:`TrainingState`, a base of ``Model``.

Saving needs more than weights to resume a run bit for bit: the epoch
reached, the live learning rate (a schedule may have changed it), the shuffle
generator of ``fit``, every layer's mask generators and the states of
stateful layers. ``Model`` offers them through the public methods of this
mixin, so :mod:`kerasque.saving` reads and writes plain data and never
reaches into the model's private attributes:

- :meth:`TrainingState.get_training_state` returns it as a dict;
- :meth:`TrainingState.check_training_state` validates such a dict against
  the model and raises ``ValueError`` naming the first bad entry;
- :meth:`TrainingState.set_training_state` checks every entry first and
  only then sets them all, so a bad entry leaves the model unchanged;
- :meth:`TrainingState.build_optimizer_state` creates the optimizer's slots.

The dict::

    {"epoch": int >= 0,
     "learning_rate": float >= 0, or None (not compiled),
     "shuffle_rng": NumPy bit-generator state of fit's shuffle, or None,
     "generator_states": {layer name: [bit-generator state, ...]},  # layer.rngs order
     "layer_states": {layer name: [array, ...]}}                    # layer.states order
"""

from __future__ import annotations

import math

import numpy as np

from kerasque.engine.function import flush_pending

BIT_GENERATORS = ("PCG64", "PCG64DXSM", "Philox", "SFC64", "MT19937")
_KEYS = ("epoch", "learning_rate", "shuffle_rng", "generator_states", "layer_states")


def stateful_layers(layers) -> dict:
    """Name -> layer for every layer with a non-empty ``states`` list, nested ones too.

    A layer that exposes ``states`` is taken whole (a wrapper that forwards
    its inner layer's states is not counted twice).
    """
    found: dict = {}

    def visit(layer):
        states = getattr(layer, "states", None)
        if isinstance(states, (list, tuple)) and states and all(s is not None for s in states):
            found.setdefault(layer.name, layer)
            return
        for sub in getattr(layer, "sublayers", []):
            visit(sub)

    for layer in layers:
        visit(layer)
    return found


def generator_from_state(state, what: str) -> np.random.Generator:
    """A NumPy ``Generator`` in bit-generator ``state``; ValueError naming ``what`` if invalid."""
    kind = state.get("bit_generator") if isinstance(state, dict) else None
    if kind not in BIT_GENERATORS:
        raise ValueError(
            f"training_state {what}: expected a NumPy bit-generator state with 'bit_generator' "
            f"one of {list(BIT_GENERATORS)}, received {_short(state)}."
        )
    gen = np.random.Generator(getattr(np.random, kind)(0))
    try:
        gen.bit_generator.state = state
    except (ValueError, TypeError, KeyError, OverflowError, AttributeError) as err:
        raise ValueError(
            f"training_state {what}: invalid {kind} state ({type(err).__name__}: {err})."
        ) from None
    return gen


def _short(value, limit: int = 100) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_epoch(value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(
            f"training_state 'epoch' must be a non-negative integer, received {_short(value)}."
        )
    return int(value)


def _check_learning_rate(value) -> float | None:
    if value is None:
        return None
    ok = not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))
    if not ok or not math.isfinite(float(value)) or float(value) < 0:
        raise ValueError(
            "training_state 'learning_rate' must be a finite number >= 0, received "
            f"{_short(value)}."
        )
    return float(value)


def _check_mapping(value, key: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise ValueError(
            f"training_state {key!r} must be a dict {{layer name: [...]}}, received "
            f"{type(value).__name__}."
        )
    for name, items in value.items():
        if not isinstance(items, (list, tuple)):
            raise ValueError(
                f"training_state {key!r} of layer {name!r} must be a list, received "
                f"{type(items).__name__}."
            )
    return value


def _state_array(var, value, what: str) -> np.ndarray:
    array = value if isinstance(value, np.ndarray) else None
    if array is None or array.dtype.kind not in "fiu":
        kind = f"dtype {array.dtype}" if array is not None else type(value).__name__
        raise ValueError(f"training_state {what} must be a numeric array, received {kind}.")
    expected = tuple(var.get_value(borrow=True).shape)
    if array.shape != expected:
        raise ValueError(
            f"training_state {what}: the layer expects shape {expected}, received {array.shape}."
        )
    with np.errstate(all="ignore"):
        cast = array.astype(var.dtype)
    if np.dtype(var.dtype).kind == "f" and not np.array_equal(
        np.isfinite(cast), np.isfinite(array)
    ):
        raise ValueError(f"training_state {what} holds values too large for {var.dtype}.")
    return cast


class TrainingState:
    """Mixin of ``Model``: public access to the state that resumes training exactly.

    Relies on the model's ``layers``, ``epoch``, ``compiled``, ``optimizer``,
    and on the engine's own ``_shuffle_rng``, ``_ensure_graph`` and
    ``_function``, which it keeps out of other packages' sight.
    """

    # -- reading ----------------------------------------------------------
    def get_training_state(self) -> dict:
        """The epoch, learning rate and every generator and layer state, as data.

        Generator states held back by the JAX mode are written back first.
        """
        flush_pending()
        shuffle = getattr(self, "_shuffle_rng", None)
        compiled = getattr(self, "compiled", False)
        return {
            "epoch": int(getattr(self, "epoch", 0)),
            "learning_rate": float(self.optimizer.learning_rate) if compiled else None,
            "shuffle_rng": shuffle.bit_generator.state if shuffle is not None else None,
            "generator_states": {
                layer.name: [r.get_value(borrow=True).bit_generator.state for r in layer.rngs]
                for layer in self.layers
                if layer.rngs
            },
            "layer_states": {
                name: [np.asarray(s.get_value()) for s in layer.states]
                for name, layer in stateful_layers(self.layers).items()
            },
        }

    # -- checking and setting ---------------------------------------------
    def check_training_state(self, state: dict) -> None:
        """Raise ``ValueError`` naming the first entry of ``state`` this model cannot take.

        Checks types and ranges (a non-negative integer epoch, a finite
        positive learning rate, valid bit-generator states), that every layer
        named exists and has as many generators and states as the entry, and
        the shapes of state arrays. Changes nothing.
        """
        self._prepare_training_state(state)

    def set_training_state(self, state: dict) -> None:
        """Check every entry of ``state`` first, then set them all.

        A bad entry raises ``ValueError`` before anything is set, so the
        model is left exactly as it was. Missing keys keep their current value.
        """
        for apply in self._prepare_training_state(state):
            apply()

    def build_optimizer_state(self) -> list:
        """Create the optimizer's slot variables and return ``optimizer.weights``.

        As in Keras, slots (momenta, moving averages) exist once the train
        function is built; this builds it. Needs a compiled model.
        """
        if not getattr(self, "compiled", False):
            raise RuntimeError(
                f"Model {self.name!r} has no optimizer state before compile; compile it first."
            )
        self._function("train")
        return self.optimizer.weights

    def require_graph(self) -> None:
        """Raise ``ValueError`` if the model has no graph yet (a Sequential with no input shape)."""
        self._ensure_graph()

    # -- internals --------------------------------------------------------
    def _prepare_training_state(self, state) -> list:
        """Check ``state``; return the assignments that set it (none run yet)."""
        if not isinstance(state, dict):
            raise ValueError(f"training_state must be a dict, received {type(state).__name__}.")
        unknown = sorted(set(state) - set(_KEYS))
        if unknown:
            raise ValueError(
                f"training_state has unknown entries {unknown}; known entries: {list(_KEYS)}."
            )
        applies = []
        if "epoch" in state:
            epoch = _check_epoch(state["epoch"])
            applies.append(lambda: setattr(self, "epoch", epoch))
        lr = _check_learning_rate(state.get("learning_rate"))
        if lr is not None and getattr(self, "compiled", False):
            applies.append(lambda: setattr(self.optimizer, "learning_rate", lr))
        if state.get("shuffle_rng") is not None:
            gen = generator_from_state(state["shuffle_rng"], "'shuffle_rng'")
            applies.append(lambda: setattr(self, "_shuffle_rng", gen))
        applies += self._prepare_generators(state.get("generator_states"))
        applies += self._prepare_layer_states(state.get("layer_states"))
        return applies

    def _named_layer(self, name: str, key: str):
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(
            f"training_state {key!r} names layer {name!r}, which model {self.name!r} does not "
            f"have; layers: {[layer.name for layer in self.layers]}."
        )

    def _prepare_generators(self, states) -> list:
        applies = []
        for name, layer_states in _check_mapping(states, "generator_states").items():
            rngs = self._named_layer(name, "generator_states").rngs
            if len(rngs) != len(layer_states):
                raise ValueError(
                    f"training_state 'generator_states': layer {name!r} has {len(rngs)} random "
                    f"generators, the entry holds {len(layer_states)} states."
                )
            for i, (rng, st) in enumerate(zip(rngs, layer_states)):
                gen = generator_from_state(st, f"'generator_states' of layer {name!r} [{i}]")
                applies.append(lambda rng=rng, gen=gen: rng.set_value(gen))
        return applies

    def _prepare_layer_states(self, states) -> list:
        applies = []
        owners = stateful_layers(self.layers)
        for name, values in _check_mapping(states, "layer_states").items():
            if name not in owners:
                raise ValueError(
                    f"training_state 'layer_states' names layer {name!r}, which is not a "
                    f"stateful layer of model {self.name!r}; stateful layers: {sorted(owners)}."
                )
            variables = list(owners[name].states)
            if len(variables) != len(values):
                raise ValueError(
                    f"training_state 'layer_states': layer {name!r} has {len(variables)} "
                    f"states, the entry holds {len(values)}."
                )
            for i, (var, value) in enumerate(zip(variables, values)):
                array = _state_array(var, value, f"'layer_states' of layer {name!r} [{i}]")
                applies.append(lambda var=var, array=array: var.set_value(array))
        return applies
