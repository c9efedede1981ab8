"""Functions, gradients, the learning phase and loops (``rnn``, ``map_fn``, folds)."""

from __future__ import annotations

import numpy as np
import pytensor
import pytensor.tensor as pt
from pytensor.gradient import disconnected_grad
from pytensor.ifelse import ifelse

from kerasque.engine import context
from kerasque.engine.compile import compile_function
from kerasque.engine.tracing import trace

__all__ = [
    "foldl",
    "foldr",
    "function",
    "gradients",
    "in_test_phase",
    "in_train_phase",
    "learning_phase",
    "map_fn",
    "rnn",
    "set_learning_phase",
    "stop_gradient",
    "switch",
]

learning_phase = context.learning_phase
set_learning_phase = context.set_learning_phase


# -- functions ------------------------------------------------------------------
def _update_pairs(updates) -> list:
    if updates is None:
        return []
    if isinstance(updates, dict):
        updates = list(updates.items())
    pairs = []
    for item in updates:
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            raise TypeError(
                "function: updates must be (variable, new value) pairs, as K.update, "
                f"K.update_add and K.moving_average_update return; received {item!r}."
            )
        var, value = item
        if isinstance(var.type, pt.TensorType):
            value = pt.as_tensor_variable(value)
            if value.dtype != var.dtype:
                value = pt.cast(value, var.dtype)
        pairs.append((var, value))
    return pairs


def function(inputs, outputs, updates=None, mode=None, name=None, **kwargs):
    """Compile a function, gathering generator and layer-state updates itself.

    Parameters
    ----------
    inputs : list
        PyTensor variables or symbolic tensors of a model (``model.inputs``);
        :func:`learning_phase` may be among them (1 = train, 0 = test).
    outputs : list or single
        PyTensor variables, or symbolic tensors of a model.
    updates : list of (variable, value), optional
        Extra updates (``K.update(...)`` pairs, an optimizer's updates); the
        advances of the generators drawn from and the state updates of the
        layers the outputs go through are added.
    mode : str, optional
        A kerasque mode ('JAX', 'NUMBA', 'C', 'FAST_COMPILE').

    Returns
    -------
    callable
        Takes a list of arrays (Keras's way) or the arrays as arguments, and
        returns a list of arrays (one array when ``outputs`` was single).
    """
    if kwargs:
        raise TypeError(
            f"function got unexpected keyword argument(s) {sorted(kwargs)}; it accepts "
            "inputs, outputs, updates, mode and name."
        )
    single = not isinstance(outputs, (list, tuple))
    outs = [outputs] if single else list(outputs)
    with context.floatx_scope():
        traced = trace(list(inputs), outs, _update_pairs(updates))
        fn = compile_function(
            traced.inputs,
            traced.outputs,
            traced.updates,
            draw_owner=traced.draw_owner,
            mode=mode,
            name=name,
        )

    def call(*args):
        values = args[0] if len(args) == 1 and isinstance(args[0], (list, tuple)) else args
        result = fn(*[np.asarray(a) for a in values])
        return result[0] if single else result

    call.compiled = fn
    return call


def gradients(loss, variables):
    """Gradients of scalar ``loss`` with respect to each of ``variables`` (a list)."""
    return pt.grad(loss, list(variables) if isinstance(variables, (list, tuple)) else variables)


def stop_gradient(variables):
    """``variables`` (a tensor or a list) with zero gradient to everything before them."""
    if isinstance(variables, (list, tuple)):
        return [disconnected_grad(v) for v in variables]
    return disconnected_grad(variables)


# -- selection and the phase ---------------------------------------------------------
def switch(condition, then_expression, else_expression):
    """Element-wise ``then`` where ``condition`` else ``else`` (callables are called).

    A condition with fewer axes than the expressions gets trailing axes of
    size 1, so a per-sample condition selects whole rows.
    """
    then_expression = then_expression() if callable(then_expression) else then_expression
    else_expression = else_expression() if callable(else_expression) else else_expression
    condition = pt.as_tensor_variable(condition)
    then_expression = pt.as_tensor_variable(then_expression)
    missing = then_expression.ndim - condition.ndim
    if missing > 0:
        condition = pt.shape_padright(condition, missing)
    return pt.switch(condition, then_expression, else_expression)


def _is_flag(value) -> bool:
    return isinstance(value, (bool, int, np.integer)) and not isinstance(value, pt.TensorVariable)


def in_train_phase(x, alt, training=None):
    """``x`` in the train phase, ``alt`` in the test phase (callables are called lazily).

    ``training`` is a Python bool or 0/1 (only the chosen branch is built:
    a test graph holds no random node) or a symbolic flag (a lazy ``ifelse``
    of both). ``None`` takes the phase of the graph being built (a model's
    train graph trains) and, outside a model build, :func:`learning_phase`.
    """
    if training is None:
        training = learning_phase()
    if _is_flag(training):
        chosen = x if training else alt
        return chosen() if callable(chosen) else chosen
    a = x() if callable(x) else x
    b = alt() if callable(alt) else alt
    a, b = pt.as_tensor_variable(a), pt.as_tensor_variable(b)
    if a.dtype != b.dtype:
        b = pt.cast(b, a.dtype)
    return ifelse(pt.neq(training, 0), a, b)


def in_test_phase(x, alt, training=None):
    """``x`` in the test phase, ``alt`` in the train phase (see :func:`in_train_phase`)."""
    return in_train_phase(alt, x, training=training)


# -- loops --------------------------------------------------------------------
def _time_major(x):
    return x.dimshuffle([1, 0, *range(2, x.ndim)])


def _keep_where(mask_t, new, old):
    """``new`` where the per-sample ``mask_t`` is set, else ``old``."""
    m = pt.shape_padright(mask_t, new.ndim - 1) if new.ndim > 1 else mask_t
    return pt.switch(m, new, old)


def rnn(
    step_function,
    inputs,
    initial_states,
    go_backwards=False,
    mask=None,
    constants=None,
    unroll=False,
    input_length=None,
):
    """Iterate ``step_function`` over the time axis (axis 1) of ``inputs``.

    Parameters
    ----------
    step_function : callable
        ``step_function(input_t, states) -> (output_t, new_states)``; ``states``
        is the list of states followed by ``constants``.
    inputs : tensor
        ``(samples, time, ...)``.
    initial_states : list of tensors
        ``(samples, ...)`` each.
    go_backwards : bool
        Iterate from the last step; the outputs come in iteration order.
    mask : tensor, optional
        ``(samples, time)``, 0 where a step is padding: there the output and
        the states stay those of the previous step.
    constants : list, optional
        Passed to every step after the states.
    unroll : bool
        Build a Python loop instead of a scan (needs ``input_length``).
    input_length : int, optional
        The number of steps (for ``unroll``).

    Returns
    -------
    (last_output, outputs, new_states)
        ``(samples, ...)``, ``(samples, time, ...)`` and the last states.

    Notes
    -----
    Draw random masks outside ``step_function`` and pass them in
    ``constants``: a scan whose step draws has no gradient in PyTensor.
    """
    inputs = pt.as_tensor_variable(inputs)
    if inputs.ndim < 3:
        raise ValueError(
            f"rnn expects inputs of at least 3 axes (samples, time, ...), received {inputs.ndim}."
        )
    if unroll and input_length is None:
        raise ValueError("rnn: unroll=True needs input_length, the number of time steps.")
    constants = list(constants or [])
    states0 = [pt.as_tensor_variable(s) for s in initial_states]
    xs = _time_major(inputs)
    masks = (
        None
        if mask is None
        else _time_major(
            pt.as_tensor_variable(mask).reshape((inputs.shape[0], inputs.shape[1]), ndim=2)
        )
    )
    if unroll:
        return _rnn_unrolled(
            step_function, xs, states0, masks, constants, go_backwards, input_length
        )
    return _rnn_scan(step_function, xs, states0, masks, constants, go_backwards)


def _rnn_scan(step_function, xs, states0, masks, constants, go_backwards):
    n_states = len(states0)
    first_out, _ = step_function(xs[0], list(states0) + constants)
    out0 = pt.zeros_like(first_out)

    def step(*args):
        x_t, rest = args[0], list(args[1:])
        m_t = None
        if masks is not None:
            m_t, rest = rest[0], rest[1:]
        prev_out, states = rest[0], rest[1 : 1 + n_states]
        consts = rest[1 + n_states :]
        out, new_states = step_function(x_t, list(states) + list(consts))
        new_states = [pt.cast(n, s.dtype) for n, s in zip(new_states, states)]
        if m_t is not None:
            out = _keep_where(m_t, out, prev_out)
            new_states = [_keep_where(m_t, n, s) for n, s in zip(new_states, states)]
        return [pt.cast(out, prev_out.dtype), *new_states]

    sequences = [xs] if masks is None else [xs, masks]
    results = pytensor.scan(
        step,
        sequences=sequences,
        outputs_info=[out0, *states0],
        non_sequences=constants,
        go_backwards=go_backwards,
        return_updates=False,
    )
    results = results if isinstance(results, (list, tuple)) else [results]
    outputs, states = results[0], results[1:]
    return outputs[-1], _time_major(outputs), [s[-1] for s in states]


def _rnn_unrolled(step_function, xs, states, masks, constants, go_backwards, length):
    steps = range(length - 1, -1, -1) if go_backwards else range(length)
    outputs = []
    for t in steps:
        out, new_states = step_function(xs[t], list(states) + constants)
        if masks is not None:
            prev = outputs[-1] if outputs else pt.zeros_like(out)
            out = _keep_where(masks[t], out, prev)
            new_states = [_keep_where(masks[t], n, s) for n, s in zip(new_states, states)]
        outputs.append(out)
        states = list(new_states)
    stacked = pt.stack(outputs, axis=1)
    return outputs[-1], stacked, states


def map_fn(fn, elems, name=None, dtype=None):
    """``fn`` applied to each element of ``elems`` along axis 0, stacked."""
    out = pytensor.scan(fn, sequences=[elems], name=name, return_updates=False)
    return pt.cast(out, dtype) if dtype is not None else out


def _accumulate(fn):
    # scan wants the state's type back; Keras's fn takes (accumulator, element)
    return lambda x, acc: pt.cast(fn(acc, x), acc.dtype)


def foldl(fn, elems, initializer=None, name=None):
    """Reduce ``elems`` along axis 0 from the left with ``fn(accumulator, element)``.

    ``initializer`` defaults to ``elems[0]`` (the fold then starts at ``elems[1]``).
    """
    elems = pt.as_tensor_variable(elems)
    if initializer is None:
        initializer, elems = elems[0], elems[1:]
    result = pytensor.scan(
        _accumulate(fn),
        sequences=[elems],
        outputs_info=[pt.as_tensor_variable(initializer)],
        name=name,
        return_updates=False,
    )
    return result[-1]


def foldr(fn, elems, initializer=None, name=None):
    """Reduce ``elems`` along axis 0 from the right with ``fn(accumulator, element)``."""
    elems = pt.as_tensor_variable(elems)
    if initializer is None:
        initializer, elems = elems[-1], elems[:-1]
    result = pytensor.scan(
        _accumulate(fn),
        sequences=[elems],
        outputs_info=[pt.as_tensor_variable(initializer)],
        name=name,
        go_backwards=True,
        return_updates=False,
    )
    return result[-1]
