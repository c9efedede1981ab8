"""The symbolic backend: floatX, the learning phase, random draws, functions.

This is the small, user-facing face of PyTensor in kerasque, as Keras's
``backend`` was for Theano. Custom layers draw random numbers through
:func:`random_bernoulli`, :func:`random_normal` and :func:`random_uniform`,
which record the generator advance in the current forward pass so compile
can wire it; user-built functions come from :func:`function`, which gathers
those updates itself.
"""

from __future__ import annotations

import numpy as np
import pytensor
import pytensor.tensor as pt
from pytensor.ifelse import ifelse

from kerasque.config import epsilon, floatx, set_floatx
from kerasque.engine import context
from kerasque.engine.compile import compile_function
from kerasque.engine.modes import set_mode
from kerasque.engine.modes import resolve as get_mode

__all__ = [
    "floatx",
    "set_floatx",
    "epsilon",
    "learning_phase",
    "in_train_phase",
    "function",
    "set_mode",
    "get_mode",
    "random_bernoulli",
    "random_normal",
    "random_uniform",
    "add_update",
]

_PHASE = pt.scalar("keras_learning_phase", dtype="uint8")
pytensor.config.floatX = floatx()


def learning_phase():
    """The symbolic train-phase flag (uint8 scalar: 1 = train, 0 = test).

    Pass it among the inputs of :func:`function` to choose the phase per call.
    """
    return _PHASE


def in_train_phase(train, test, training):
    """Select ``train()`` or ``test()`` by ``training``.

    A Python bool builds only the chosen branch (no random node in a test
    graph); a symbolic flag builds a lazy ``ifelse`` of both, as the seed
    tutorial's dropout layer did.
    """
    if training is True:
        return train()
    if training is False or training is None:
        return test()
    a, b = train(), test()
    if a.dtype != b.dtype:
        b = pt.cast(b, a.dtype)
    return ifelse(pt.neq(training, 0), a, b)


def _shape(shape):
    return tuple(shape) if isinstance(shape, (list, tuple)) else shape


def random_bernoulli(rng, p, shape, dtype=None, owner=None):
    """Draw a 0/1 tensor, ``P(1) = p``, from layer generator ``rng``.

    The advance of ``rng`` is recorded in the current forward pass, so the
    compiled function writes it back and the next call draws anew.
    """
    value = context.current().draw(rng, "bernoulli", p, size=_shape(shape), owner=owner)
    return pt.cast(value, dtype or floatx())


def random_normal(rng, mean, stddev, shape, dtype=None, owner=None):
    """Draw ``N(mean, stddev**2)`` samples from ``rng`` (advance recorded)."""
    value = context.current().draw(
        rng, "normal", mean, stddev, size=_shape(shape), dtype=dtype or floatx(), owner=owner
    )
    return value


def random_uniform(rng, low, high, shape, dtype=None, owner=None):
    """Draw ``U(low, high)`` samples from ``rng`` (advance recorded)."""
    return context.current().draw(
        rng, "uniform", low, high, size=_shape(shape), dtype=dtype or floatx(), owner=owner
    )


def add_update(variable, value, owner=None) -> None:
    """Record a layer-state update (e.g. a moving average) in the current pass."""
    context.current().add_update(variable, value, owner)


def function(inputs, outputs, updates=None, mode=None, name=None):
    """Compile a function, gathering generator and layer-state updates itself.

    Parameters
    ----------
    inputs : list
        PyTensor variables or symbolic tensors of a model (``model.inputs``);
        :func:`learning_phase` may be among them (1 = train, 0 = test).
    outputs : list or single
        PyTensor variables, or symbolic tensors of a model.
    updates : list of (variable, value), optional
        Extra updates; random-generator and layer-state updates are added.

    Returns
    -------
    callable
        Takes NumPy arrays for ``inputs`` and returns a list of arrays.
    """
    from kerasque.engine.tracing import trace

    single = not isinstance(outputs, (list, tuple))
    ins, outs, fp = trace(list(inputs), list(outputs) if not single else [outputs])
    relevant = _relevant_updates(fp, outs)
    fn = compile_function(
        ins,
        outs,
        list(updates or []) + relevant,
        draw_owner=fp.draw_owner,
        mode=mode,
        name=name,
    )

    def call(*args):
        arrays = [np.asarray(a) for a in (args[0] if len(args) == 1 and isinstance(args[0], (list, tuple)) else args)]
        result = fn(*arrays)
        return result[0] if single else result

    call.compiled = fn
    return call


def _relevant_updates(fp, outputs):
    """Updates of ``fp`` that concern the graph of ``outputs``."""
    from pytensor.graph.traversal import ancestors

    if fp is not context.default_pass():
        return fp.all_updates()
    # Layers called directly on PyTensor variables record into the default
    # pass, which outlives any one function: keep what these outputs use.
    seen = set(ancestors(outputs))
    rng = [(r, s, o) for r, s, o in fp.rng_updates() if r in seen]
    state = [(v, val, o) for v, val, o in fp.state_updates() if any(i in seen for i in ancestors([val]) if i.owner is None and not isinstance(i, pytensor.compile.SharedVariable))]
    return rng + state
