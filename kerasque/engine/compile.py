"""The one place that calls :func:`pytensor.function`.

Every compiled function in kerasque comes from :func:`compile_function`, so
one place merges updates, refuses broken randomness and picks the mode.

The randomness check is what makes a frozen mask impossible. A draw reads a
generator state; unless the function writes the advanced state back, the
next call reads the same state and repeats the same numbers. The check walks
every draw in the outputs and updates and refuses:

- a draw from a shared generator that no update advances;
- an update of a generator that is not the end of that generator's draw chain
  (the advance would skip or repeat draws);
- two draws that read the same generator state (identical masks);
- a draw from a generator that is not a shared variable (it cannot advance);
- two updates of one variable (two writers).
"""

from __future__ import annotations

import pytensor
from pytensor.compile.sharedvalue import SharedVariable
from pytensor.graph.traversal import apply_ancestors
from pytensor.tensor.random.op import RandomVariable
from pytensor.tensor.random.type import RandomGeneratorType

from kerasque.distribution.data_parallel import check_mode, distribution
from kerasque.engine import modes
from kerasque.engine.function import CompiledFunction, HostFunction
from kerasque.engine.jax import JaxFunction


def _describe(var) -> str:
    return repr(var.name) if getattr(var, "name", None) else repr(var)


def _merge_updates(updates) -> tuple[dict, dict]:
    merged: dict = {}
    owners: dict = {}
    for item in updates:
        var, value, owner = (*item, None) if len(item) == 2 else item
        if var in merged:
            raise ValueError(
                f"Two writers update {_describe(var)}: {owners[var] or 'an explicit update'!s} "
                f"and {owner or 'an explicit update'!s}. A shared variable can have "
                "only one update per function."
            )
        if not isinstance(var, SharedVariable):
            raise TypeError(
                f"Updates must target shared variables; received {_describe(var)} "
                f"of type {type(var).__name__}."
            )
        merged[var] = value
        owners[var] = owner
    return merged, owners


def _drop_unread_draws(outputs, merged: dict) -> dict:
    """Drop generator updates none of whose draws reach an output or another update.

    ``K.in_train_phase(K.dropout(x, 0.5), x)`` in a test graph draws a mask
    that nothing reads: advancing the generator for it would waste the draw
    (and the JAX export cannot carry a state that no computation produced).
    """
    from pytensor.graph.traversal import ancestors

    is_rng = {v: isinstance(v.type, RandomGeneratorType) for v in merged}
    roots = list(outputs) + [val for var, val in merged.items() if not is_rng[var]]
    read = set(ancestors(roots)) if roots else set()
    kept = {}
    for var, value in merged.items():
        state, used = value, not is_rng[var]
        while not used and state.owner is not None and isinstance(state.owner.op, RandomVariable):
            used = state.owner.outputs[1] in read
            state = state.owner.inputs[0]
        if used or state is not var:  # keep anything that is not a plain chain of draws
            kept[var] = value
    return kept


def _chain_root(state):
    """Follow a generator state back through draws to its root variable."""
    while state.owner is not None and isinstance(state.owner.op, RandomVariable):
        state = state.owner.inputs[0]
    return state


def check_randomness(outputs, updates: dict, owners: dict, draw_owner: dict) -> None:
    """Refuse graphs whose random draws would freeze or repeat (see module doc)."""
    roots = list(outputs) + list(updates.values())
    readers: dict = {}
    for node in apply_ancestors(roots):
        if isinstance(node.op, RandomVariable):
            readers.setdefault(node.inputs[0], []).append(node)

    def who(node):
        name = draw_owner.get(node)
        return f"layer {name!r}" if name else "a draw outside any layer"

    for state, nodes in readers.items():
        if len(nodes) > 1:
            raise ValueError(
                f"{who(nodes[0])} and {who(nodes[1])} read the same state of generator "
                f"{_describe(_chain_root(state))}, so they would draw identical numbers. "
                "Chain draws: draw the second from the first's next_rng "
                "(kerasque.backend.random_* does this for you)."
            )
        root = _chain_root(state)
        if not isinstance(root, SharedVariable):
            raise ValueError(
                f"{who(nodes[0])} draws from generator {_describe(root)}, which is not a "
                "shared variable, so nothing can advance it and every call would repeat "
                "the same numbers. Create it with pytensor.tensor.random.shared_rng "
                "(Layer.add_rng does)."
            )
        if root not in updates:
            raise ValueError(
                f"{who(nodes[0])} draws from generator {_describe(root)} but nothing "
                "advances it: its mask would be frozen, the same in every call. Draw "
                "through kerasque.backend.random_* so compile gathers the update, or "
                "pass updates={rng: next_rng}."
            )
    for var, value in updates.items():
        if not isinstance(var.type, RandomGeneratorType):
            continue
        if value is var:
            continue
        ok = _chain_root(value) is var and value.owner is not None
        ok = ok and not any(value is n.inputs[0] for ns in readers.values() for n in ns)
        if not ok:
            raise ValueError(
                f"The update of generator {_describe(var)} "
                f"(from {owners.get(var) or 'an explicit update'}) "
                "is not the last state of that generator's draws in this graph, so "
                "draws would repeat or be skipped. Update it with the next_rng of its "
                "last draw."
            )


def compile_function(
    inputs, outputs, updates=(), draw_owner=None, mode=None, name=None
) -> CompiledFunction:
    """Compile ``inputs -> outputs`` with checked updates, in the mode in force.

    Parameters
    ----------
    inputs, outputs : list of Variable
    updates : iterable of ``(variable, value)`` or ``(variable, value, owner)``
        Every update the function must apply: optimizer, generator and layer
        state updates together.
    draw_owner : dict, optional
        Random-variable node -> layer name, used to name layers in errors.
    mode : str or None
        A kerasque mode name (see :mod:`kerasque.engine.modes`).
    name : str, optional

    Returns
    -------
    CompiledFunction
        A :class:`~kerasque.engine.jax.JaxFunction` in the JAX mode, else a
        :class:`~kerasque.engine.function.HostFunction`.
    """
    merged, owners = _merge_updates(updates)
    merged = _drop_unread_draws(outputs, merged)
    check_randomness(outputs, merged, owners, draw_owner or {})
    name = name or "function"
    if distribution() is not None:
        check_mode(mode)  # only the JAX mode distributes: say so rather than run on one device
    if modes.resolve(mode) == "JAX":
        # Specialized per input shape, generators threaded explicitly (see modes).
        return JaxFunction(inputs, outputs, merged, name, compiler=pytensor_function)
    fn = pytensor_function(
        inputs,
        outputs,
        updates=list(merged.items()),
        mode=modes.pytensor_mode(mode),
        name=name,
        on_unused_input="ignore",
        allow_input_downcast=True,
    )
    return HostFunction(fn, name)


def pytensor_function(inputs, outputs, updates, mode, name, **options):
    """The one call of :func:`pytensor.function` in kerasque (every mode's compile ends here)."""
    return pytensor.function(
        list(inputs), list(outputs), updates=list(updates), mode=mode, name=name, **options
    )
