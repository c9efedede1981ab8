"""The forward-pass context: where random draws and state updates are collected.

A layer never stores the updates it produces. While a model's graph is being
built, every draw from a generator and every state update (a
BatchNormalization moving mean, say) is recorded in the innermost
:class:`ForwardPass`. The compile step asks that pass for its updates, so the
train graph's updates can never leak into a predict graph built by another
pass.

Draws from one generator are chained inside a pass: a layer applied twice
reads the state the first application left, so two applications never share
a mask, and the pass's single update for that generator is the end of the
chain.

Forward passes are always scoped (:func:`forward_pass`). Outside any pass (a
layer called directly on PyTensor variables, ``K.random_normal`` at the top
level) :func:`current` returns :class:`DirectCalls`, which keeps nothing
between calls: it writes what a call produced onto the graph it built (draw
nodes are tagged, a layer's state updates and losses ride on its outputs'
tags), and :func:`graph_records` reads them back from the outputs a function
is compiled for. Unrelated graphs share no state, and a function gets the
updates of exactly the layers its outputs go through.

Notes
-----
Graph building happens with PyTensor's ``floatX`` set to kerasque's
:func:`~kerasque.config.floatx` for the duration of a pass or a layer call
(:func:`floatx_scope`), so Python constants in layer code take kerasque's
float type without kerasque changing PyTensor's configuration at import.
"""

from __future__ import annotations

import contextlib
import dataclasses
import weakref

import pytensor
import pytensor.tensor as pt
from pytensor.compile.sharedvalue import SharedVariable
from pytensor.graph.traversal import ancestors, apply_ancestors, toposort
from pytensor.tensor.random.op import RandomVariable

from kerasque.config import floatx

__all__ = [
    "DirectCalls",
    "ForwardPass",
    "current",
    "floatx_scope",
    "forward_pass",
    "frozen_scope",
    "graph_records",
    "inside_frozen",
    "learning_phase",
    "set_learning_phase",
]

# The passes training.py opens, and the phase each builds in (a fallback for
# callers that do not pass ``phase=``).
_PHASE_BY_NAME = {"train": True, "predict_stochastic": True, "test": False, "predict": False}
_DRAW_TAG = "kerasque_draw_owner"  # on the Apply node of a draw made outside any pass
_RECORDS_TAG = "kerasque_records"  # on a layer output: state updates and losses of that call


def floatx_scope():
    """A context in which PyTensor's ``floatX`` is kerasque's :func:`floatx`."""
    return pytensor.config.change_flags(floatX=floatx())


def _cast_like(value, variable):
    value = pt.as_tensor_variable(value)
    if value.type != variable.type:
        value = pt.cast(value, variable.dtype)
    return value


class ForwardPass:
    """Updates produced while building one graph.

    Parameters
    ----------
    name : str
        What the pass builds ('train', 'test', 'predict', 'function', ...).
    phase : bool, symbolic flag or None
        The phase the graph is built in; ``K.in_train_phase(..., training=None)``
        uses it. ``None`` takes the phase of the standard names ('train' and
        'predict_stochastic' train; 'test' and 'predict' test).
    """

    def __init__(self, name: str = "forward pass", phase=None):
        self.name = name
        self.phase = _PHASE_BY_NAME.get(name) if phase is None else phase
        self._rng_state: dict = {}  # shared generator -> latest state variable
        self._rng_owner: dict = {}  # shared generator -> layer name
        self._state: dict = {}  # shared variable -> (new value, owner)
        self._losses: list = []  # (scalar loss, owner) added by layers while building
        self.draw_owner: dict = {}  # RandomVariable Apply node -> layer name
        self._layers: list[str] = []

    # -- randomness -------------------------------------------------------
    def draw(self, rng, distribution: str, *params, size, dtype=None, owner=None):
        """Draw from ``rng`` with the explicit API and record the advance."""
        state = self._rng_state.get(rng, rng)
        next_state, value = _draw(state, distribution, params, size, dtype)
        self._rng_state[rng] = next_state
        who = owner or (self._layers[-1] if self._layers else None)
        self._rng_owner.setdefault(rng, who)
        self.draw_owner[value.owner] = who
        return value

    def rng_updates(self) -> list[tuple]:
        """``(generator, final state, owner)`` for every generator drawn from."""
        return [(r, s, self._rng_owner.get(r)) for r, s in self._rng_state.items()]

    # -- layer state ------------------------------------------------------
    def add_update(self, variable, value, owner: str | None = None) -> None:
        """Record that ``variable`` takes ``value`` after the function runs."""
        who = owner or (self._layers[-1] if self._layers else None)
        if variable in self._state:
            other = self._state[variable][1]
            raise ValueError(
                f"Two writers update {variable.name or variable!r} in one graph: "
                f"layer {other!r} and layer {who!r}. A shared variable can have one "
                "update per function; apply the stateful layer once or give each "
                "application its own state."
            )
        self._state[variable] = (_cast_like(value, variable), who)

    def state_updates(self) -> list[tuple]:
        """``(variable, value, owner)`` for every recorded state update."""
        return [(v, val, who) for v, (val, who) in self._state.items()]

    # -- losses added while building (Layer.add_loss, activity regularizers)
    def add_loss(self, value, owner: str | None = None) -> None:
        """Record a scalar loss term computed from this pass's tensors."""
        who = owner or (self._layers[-1] if self._layers else None)
        self._losses.append((value, who))

    def losses(self) -> list:
        """Scalar loss terms recorded in this pass (add them to the objective)."""
        return [value for value, _ in self._losses]

    def loss_records(self) -> list[tuple]:
        """``(loss term, owner)`` for every term recorded in this pass."""
        return list(self._losses)

    def all_updates(self) -> list[tuple]:
        return self.rng_updates() + self.state_updates()

    # -- attribution ------------------------------------------------------
    @contextlib.contextmanager
    def layer_scope(self, name: str):
        """Attribute draws made inside the block to layer ``name``."""
        self._layers.append(name)
        try:
            with floatx_scope():
                yield
        finally:
            self._layers.pop()

    def attribute_draws(self, outputs, name: str) -> None:
        """Credit any unattributed draw feeding ``outputs`` to layer ``name``.

        This catches layers that draw without going through :meth:`draw`, so
        the compile-time check can name them.
        """
        for node in apply_ancestors([o for o in outputs if o is not None]):
            if isinstance(node.op, RandomVariable) and node not in self.draw_owner:
                self.draw_owner[node] = name


def _draw(state, distribution, params, size, dtype):
    fn = getattr(pt.random, distribution)
    kwargs = {"size": size, "rng": state, "return_next_rng": True}
    if dtype is not None:
        kwargs["dtype"] = dtype
    with floatx_scope():
        return fn(*params, **kwargs)


@dataclasses.dataclass
class _Frame:
    """What one layer call outside any pass produced besides its outputs."""

    name: str
    updates: list = dataclasses.field(default_factory=list)  # (variable, value, owner)
    losses: list = dataclasses.field(default_factory=list)  # (value, owner)


class DirectCalls:
    """The context outside any forward pass: the graph itself keeps the record.

    Draws read their generator's shared state directly and are tagged as
    direct draws; :func:`graph_records` chains the direct draws of one
    function at compile time, so two draws from one generator in one
    function never repeat a mask, while graphs that never meet in a function
    never share generator states. A layer's state updates and losses are
    kept on its outputs' tags. Between two layer calls this object holds
    nothing.
    """

    name = "outside any forward pass"
    phase = None

    def __init__(self):
        self._frames: list[_Frame] = []
        self._finished: _Frame | None = None
        # Outputs that carry a call's records, for Layer.get_updates_for and
        # get_losses_for only; compiling never reads it, and it forgets a
        # graph once nothing else holds it.
        self._carriers: weakref.WeakSet = weakref.WeakSet()

    def draw(self, rng, distribution: str, *params, size, dtype=None, owner=None):
        """Draw from ``rng``'s shared state and tag the draw as direct."""
        _, value = _draw(rng, distribution, params, size, dtype)
        who = owner or (self._frames[-1].name if self._frames else None)
        setattr(value.owner.tag, _DRAW_TAG, who)
        return value

    def _frame(self, what: str, instead: str) -> _Frame:
        if not self._frames:
            raise RuntimeError(
                f"{what} was called outside a layer's call and outside any forward pass, "
                f"so no compiled function would use it. Call it inside a layer's call(), {instead}."
            )
        return self._frames[-1]

    def add_update(self, variable, value, owner: str | None = None) -> None:
        """Keep ``variable <- value`` for the outputs of the running layer call."""
        frame = self._frame(
            "add_update",
            "or pass the pair to K.function(inputs, outputs, updates=[(variable, value)])",
        )
        frame.updates.append((variable, _cast_like(value, variable), owner or frame.name))

    def add_loss(self, value, owner: str | None = None) -> None:
        """Keep a loss term for the outputs of the running layer call."""
        frame = self._frame("add_loss", "or add the term to the loss function given to compile")
        frame.losses.append((value, owner or frame.name))

    def losses(self) -> list:
        return []

    def _carried(self, index: int) -> list:
        found: list = []
        for out in list(self._carriers):
            for item in getattr(out.tag, _RECORDS_TAG, ((), ()))[index]:
                if not any(item is f for f in found):
                    found.append(item)
        return found

    def state_updates(self) -> list[tuple]:
        """``(variable, value, owner)`` of the direct layer calls whose outputs still exist."""
        return self._carried(0)

    def loss_records(self) -> list[tuple]:
        """``(value, owner)`` of the direct layer calls whose outputs still exist."""
        return self._carried(1)

    @property
    def _losses(self) -> list:
        return self.loss_records()

    @contextlib.contextmanager
    def layer_scope(self, name: str):
        """Collect what the block records for the layer call ``name``."""
        frame = _Frame(name)
        self._frames.append(frame)
        try:
            with floatx_scope():
                yield
        finally:
            self._frames.pop()
            if self._frames:  # a wrapper's inner layer: its outer call's outputs carry it
                self._frames[-1].updates += frame.updates
                self._frames[-1].losses += frame.losses
            else:
                self._finished = frame

    def attribute_draws(self, outputs, name: str) -> None:
        """Tag untagged draws feeding ``outputs`` and attach the call's records."""
        outputs = [o for o in outputs if o is not None]
        for node in apply_ancestors(outputs):
            if isinstance(node.op, RandomVariable) and not hasattr(node.tag, _DRAW_TAG):
                setattr(node.tag, _DRAW_TAG, name)
        frame, self._finished = self._finished, None
        if frame is None or frame.name != name or not (frame.updates or frame.losses):
            return
        for out in outputs:
            self._carriers.add(out)
            updates, losses = getattr(out.tag, _RECORDS_TAG, ((), ()))
            setattr(
                out.tag,
                _RECORDS_TAG,
                (tuple(updates) + tuple(frame.updates), tuple(losses) + tuple(frame.losses)),
            )


_STACK: list[ForwardPass] = []
_FROZEN: list = []  # one entry per frozen layer whose call is being built
_DIRECT = DirectCalls()
_PHASE_SETTING: dict = {"value": None}
_PHASE = pt.scalar("keras_learning_phase", dtype="uint8")


def current():
    """The innermost forward pass, or :class:`DirectCalls` outside any pass."""
    return _STACK[-1] if _STACK else _DIRECT


@contextlib.contextmanager
def forward_pass(name: str = "forward pass", phase=None):
    """Open a new pass (PyTensor's floatX set to kerasque's); yields it."""
    fp = ForwardPass(name, phase)
    _STACK.append(fp)
    try:
        with floatx_scope():
            yield fp
    finally:
        _STACK.remove(fp)


@contextlib.contextmanager
def frozen_scope(frozen: bool):
    """Build the block as part of a frozen (``trainable=False``) layer when ``frozen``.

    Keras 3 freezes a model's sublayers along with it; kerasque keeps each
    layer's own flag, and a layer whose frozen behaviour differs
    (BatchNormalization runs in inference mode) asks :func:`inside_frozen`
    whether any layer around its call is frozen.
    """
    if not frozen:
        yield
        return
    _FROZEN.append(True)
    try:
        yield
    finally:
        _FROZEN.pop()


def inside_frozen() -> bool:
    """Whether the graph being built is inside a frozen layer's call (:func:`frozen_scope`)."""
    return bool(_FROZEN)


def learning_phase():
    """The learning phase: 1 (train), 0 (test) or the symbolic uint8 flag.

    Inside a model's build it is the phase of the graph being built (1 in
    the train graph, 0 in the test and predict graphs), so a layer that asks
    for it while a model compiles gets a constant. Elsewhere it is the value
    fixed by :func:`set_learning_phase`, else the symbolic flag, which
    ``K.function`` takes among its inputs to choose the phase per call.
    """
    phase = _STACK[-1].phase if _STACK else None
    if isinstance(phase, bool):
        return int(phase)
    if phase is not None:  # a build under the symbolic flag
        return phase
    value = _PHASE_SETTING["value"]
    return _PHASE if value is None else value


def set_learning_phase(value) -> None:
    """Fix the learning phase to 0 (test) or 1 (train); ``None`` returns to the symbolic flag."""
    if value is not None and (isinstance(value, bool) or value not in (0, 1)):
        raise ValueError(f"set_learning_phase expects 0 or 1 (or None), received {value!r}.")
    _PHASE_SETTING["value"] = value


def phase_symbol():
    """The symbolic learning-phase flag itself (whatever :func:`set_learning_phase` fixed)."""
    return _PHASE


# -- reading the records back -------------------------------------------------
def graph_records(roots):
    """Updates, draws and losses that the graphs of ``roots`` carry.

    Parameters
    ----------
    roots : list of Variable
        A function's outputs and the values of its explicit updates.

    Returns
    -------
    (roots, updates, draw_owner, losses)
        ``roots`` rebuilt so that direct draws from one generator form one
        chain (unchanged when no generator is drawn from twice); ``updates``
        as ``(variable, value, owner)``: each direct generator's advance and
        the state updates of the layer calls the roots go through;
        ``draw_owner`` maps draw nodes to layer names for compile's errors.
    """
    roots = list(roots)
    state, losses = _layer_records(roots)
    all_roots = roots + [value for _, value, _ in state]
    rebuilt, rng_updates, owner = _chain_direct_draws(all_roots)
    roots = rebuilt[: len(roots)]
    state = [(var, value, who) for (var, _, who), value in zip(state, rebuilt[len(roots) :])]
    return roots, rng_updates + state, owner, losses


def _layer_records(roots):
    """State updates and losses tagged on the ancestors of ``roots`` (to a fixpoint)."""
    updates, losses, seen, frontier = [], [], set(), list(roots)
    while frontier:
        found = []
        for var in ancestors(frontier):
            if var in seen:
                continue
            seen.add(var)
            records = getattr(var.tag, _RECORDS_TAG, None)
            if records is not None:
                for item in records[0]:
                    if not any(item is u for u in updates):
                        updates.append(item)
                        found.append(item[1])
                losses += [item for item in records[1] if not any(item is x for x in losses)]
        frontier = found
    return updates, [value for value, _ in losses]


def _chain_direct_draws(roots):
    order = list(toposort(roots))
    direct = {n for n in order if isinstance(n.op, RandomVariable) and hasattr(n.tag, _DRAW_TAG)}
    readers: dict = {}
    for node in order:
        if node in direct and isinstance(node.inputs[0], SharedVariable):
            readers.setdefault(node.inputs[0], []).append(node)
    if all(len(nodes) == 1 for nodes in readers.values()):
        updates = [
            (gen, nodes[0].outputs[0], getattr(nodes[0].tag, _DRAW_TAG))
            for gen, nodes in readers.items()
        ]
        return roots, updates, {n: getattr(n.tag, _DRAW_TAG) for n in direct}
    return _rebuild_chained(roots, order, readers)


def _rebuild_chained(roots, order, readers):
    """Clone the graph so each generator's direct draws read one another's states."""
    chained = {node for nodes in readers.values() for node in nodes}
    memo: dict = {}
    latest: dict = {}
    owners: dict = {}
    for node in order:
        inputs = [memo.get(i, i) for i in node.inputs]
        if node in chained:
            inputs[0] = latest.get(node.inputs[0], node.inputs[0])
        new = node
        if any(a is not b for a, b in zip(inputs, node.inputs)):
            new = node.clone_with_new_inputs(inputs)
            memo.update(zip(node.outputs, new.outputs))
        if node in chained:
            latest[node.inputs[0]] = new.outputs[0]
        if isinstance(node.op, RandomVariable) and hasattr(node.tag, _DRAW_TAG):
            owners[new] = getattr(node.tag, _DRAW_TAG)
    first_owner = {gen: getattr(nodes[0].tag, _DRAW_TAG) for gen, nodes in readers.items()}
    updates = [(gen, state, first_owner[gen]) for gen, state in latest.items()]
    return [memo.get(r, r) for r in roots], updates, owners
