"""The forward-pass context: where random draws and state updates are collected.

A layer never stores the updates it produces. While a graph is being built,
every draw from a generator and every state update (a BatchNormalization
moving mean, say) is recorded in the innermost :class:`ForwardPass`. The
compile step asks that pass for its updates, so the train graph's updates can
never leak into a predict graph built by another pass.

Draws from one generator are chained inside a pass: a layer applied twice
reads the state the first application left, so two applications never share
a mask, and the pass's single update for that generator is the end of the
chain.
"""

from __future__ import annotations

import contextlib

import pytensor.tensor as pt
from pytensor.graph.traversal import apply_ancestors
from pytensor.tensor.random.op import RandomVariable


class ForwardPass:
    """Updates produced while building one graph."""

    def __init__(self, name: str = "forward pass"):
        self.name = name
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
        fn = getattr(pt.random, distribution)
        kwargs = {"size": size, "rng": state, "return_next_rng": True}
        if dtype is not None:
            kwargs["dtype"] = dtype
        next_state, value = fn(*params, **kwargs)
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
        if value.type != variable.type:
            value = pt.cast(value, variable.dtype)
        self._state[variable] = (value, who)

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

    def all_updates(self) -> list[tuple]:
        return self.rng_updates() + self.state_updates()

    # -- attribution ------------------------------------------------------
    @contextlib.contextmanager
    def layer_scope(self, name: str):
        """Attribute draws made inside the block to layer ``name``."""
        self._layers.append(name)
        try:
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


_STACK: list[ForwardPass] = [ForwardPass("default pass")]


def current() -> ForwardPass:
    """The innermost forward pass (the default pass outside any graph build)."""
    return _STACK[-1]


def default_pass() -> ForwardPass:
    """The pass that collects draws of layers called outside a model build."""
    return _STACK[0]


@contextlib.contextmanager
def forward_pass(name: str = "forward pass"):
    """Open a new pass; yields it and closes it on exit."""
    fp = ForwardPass(name)
    _STACK.append(fp)
    try:
        yield fp
    finally:
        _STACK.remove(fp)
