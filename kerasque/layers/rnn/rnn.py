r"""RNN: the loop that runs any cell over time.

The loop owns the time axis, the states and every random mask. Before the scan
it applies the input dropout mask and draws the masks the step reads
(recurrent dropout, the regularizer wrappers' per-step masks); the scan then
carries the states, and each step computes the cell's input projection of its
own input (see :mod:`kerasque.layers.rnn.loop` for why inside the step).
Regularizer wrappers (:mod:`kerasque.layers.wrappers`) reach the loop through
one protocol, *edits*: a state edit (ZoneOut's) draws its values outside the
loop (one per state, per step or constant) and rewrites each new state from
the previous one inside it; a weight edit (DropConnect's) replaces named
weights in the graph the loop built, before the loop records its final states.
Neither needs to know which cell runs.
"""

from __future__ import annotations

import numpy as np
import pytensor
import pytensor.tensor as pt

from kerasque import backend as K
from kerasque import regularizers
from kerasque.config import floatx
from kerasque.engine.base_layer import InputSpec, Layer
from kerasque.engine.symbolic import SymbolicTensor
from kerasque.layers.core import Lambda
from kerasque.layers.noise import check_seed
from kerasque.layers.rnn import loop
from kerasque.layers.rnn.cell import state_sizes
from kerasque.layers.rnn.cells import StackedRNNCells, as_cell, project, run_step
from kerasque.utils.generic import to_list

__all__ = ["RNN"]


def _is_shape_list(shape) -> bool:
    return isinstance(shape, list) and bool(shape) and isinstance(shape[0], (list, tuple))


class RNN(Layer):
    r"""Run a recurrent cell over the time axis of ``(batch, time, features)`` inputs.

    Parameters
    ----------
    cell : cell, or list of cells
        A kerasque cell (:class:`SimpleRNNCell`, :class:`GRUCell`,
        :class:`LSTMCell`), a cell written as in Keras (a Layer, or any
        object, with ``state_size`` and ``call(inputs, states) -> (output,
        new_states)``), or a list of cells (a :class:`StackedRNNCells`).
    return_sequences : bool, default False
        Return the output at every step, ``(batch, time, units)``, instead
        of the last one.
    return_state : bool, default False
        Also return the final states: ``[output, *states]``.
    go_backwards : bool, default False
        Process time in reverse; the returned sequence is in processing
        order (reversed), as in Keras.
    stateful : bool, default False
        Start each batch from the final states of the previous one (sample
        ``i`` continues sample ``i``). Needs a fixed batch size
        (``batch_input_shape=`` or ``batch_size=``); :meth:`reset_states`
        restarts from zeros. The states are :attr:`states`.
    unroll : bool, default False
        Build a Python loop over the (known) time axis instead of a scan.
    seed : int, optional
        Seeds the variational dropout masks.
    activity_regularizer : Regularizer, optional
        A penalty on the output.
    weights : list of arrays, optional
        Initial weights, set when the layer is built (Keras 2's argument).

    Notes
    -----
    Call with ``initial_state=[...]`` (tensors, e.g. other ``Input``\s, which
    then are inputs of the model) to start from given states; a mask from
    ``Embedding(mask_zero=True)`` or ``Masking`` makes padded steps keep the
    previous states and output. Variational dropout (the cell's
    ``dropout`` and ``recurrent_dropout``; Gal and Ghahramani, 2016) draws one
    mask per sequence, outside the loop.

    References
    ----------
    Gal, Y. and Ghahramani, Z. (2016). A theoretically grounded application
    of dropout in recurrent neural networks. NeurIPS 29.

    Examples
    --------
    >>> from kerasque.layers import RNN, LSTMCell
    >>> layer = RNN(LSTMCell(8), return_sequences=True)
    >>> layer.compute_output_shape((None, 5, 3))
    (None, 5, 8)
    """

    supports_masking = True
    _owns_cell = False  # GRU, LSTM, SimpleRNN: cell weights named after the layer

    def __init__(
        self,
        cell,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        seed=None,
        activity_regularizer=None,
        weights=None,
        batch_size=None,
        input_dim=None,
        input_length=None,
        **kwargs,
    ):
        # The base layer turns Keras 2's input_dim / input_length / batch_size
        # into the input shape (naming each in its errors) and applies the
        # activity regularizer to the output, once.
        for key, value in (
            ("input_dim", input_dim),
            ("input_length", input_length),
            ("batch_size", batch_size),
            ("activity_regularizer", activity_regularizer),
        ):
            if value is not None:
                kwargs[key] = value
        super().__init__(**kwargs)
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(list(cell))
        owner = f"{type(self).__name__} {self.name!r}"
        self.cell = as_cell(cell, owner)
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.batch_size = batch_size
        self.seed = check_seed(owner, seed)
        self._initial_weights = weights
        self.rng = None
        self._states: list = []
        self.input_spec = InputSpec(ndim=3)

    # -- what the regularizers read -----------------------------------------
    @property
    def sublayers(self) -> list:
        return [self.cell]

    @property
    def state_names(self) -> tuple:
        names = tuple(getattr(self.cell, "state_names", ()))
        return names if len(names) == len(self.state_sizes) else ("h",) * len(self.state_sizes)

    @property
    def state_sizes(self) -> list[int]:
        return state_sizes(self.cell)

    @property
    def weight_names(self) -> list[str] | None:
        """Names of the cell's weights (None for a Keras cell that does not declare them)."""
        names = getattr(self.cell, "weight_names", None)
        return None if names is None else list(names)

    @property
    def states(self) -> list:
        """The state variables of a stateful layer (empty otherwise)."""
        return list(self._states)

    # -- shapes -------------------------------------------------------------
    def check_input_shape(self, shapes) -> None:
        x_shape = shapes[0]
        if len(x_shape) != 3:
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) expects a 3-D input (batch, time, "
                f"features), received input of shape {tuple(x_shape)}. Feed sequences, e.g. "
                "from Embedding, or add a time axis to single vectors."
            )
        self._check_initial_shapes(shapes[1:])
        super().check_input_shape([x_shape])

    def _check_initial_shapes(self, shapes) -> None:
        if not shapes:
            return
        sizes = self.state_sizes
        if len(shapes) != len(sizes):
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) has {len(sizes)} states of sizes "
                f"{sizes}, received {len(shapes)} initial states. Pass one (batch, size) tensor "
                "per state, e.g. initial_state=[h, c] for an LSTM."
            )
        for shape, size in zip(shapes, sizes):
            if len(shape) != 2 or shape[-1] not in (None, size):
                raise ValueError(
                    f"Layer {self.name!r} ({type(self).__name__}) expects initial states of "
                    f"shapes {[(None, s) for s in sizes]}, received {[tuple(s) for s in shapes]}."
                )

    def build(self, input_shape):
        x_shape = input_shape[0] if _is_shape_list(input_shape) else input_shape
        batch, dim = x_shape[0], x_shape[-1]
        if dim is None:
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) needs a known feature dimension "
                f"(the last axis), received input shape {tuple(x_shape)}."
            )
        if self.stateful and batch is None:
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) is stateful, so it needs a fixed "
                f"batch size, received input shape {tuple(x_shape)}. Pass batch_input_shape="
                "(batch, time, features) to the first layer (or batch_size= with input_shape=), "
                "or Input(batch_shape=...)."
            )
        self.cell._maybe_build((batch, dim))
        if self._owns_cell:
            for var in self.cell.weights:
                var.name = f"{self.name}/{var.name.rsplit('/', 1)[-1]}"
        if self._rates():
            self.rng = self.add_rng(self.seed)
        if self.stateful:
            self._states = [
                pytensor.shared(
                    np.zeros((batch, s), dtype=floatx()),
                    name=f"{self.name}/state_{i}",
                    shape=(batch, s),
                )
                for i, s in enumerate(self.state_sizes)
            ]
        self.input_spec = InputSpec(ndim=3, axes={-1: dim})
        if self._initial_weights is not None:
            weights, self._initial_weights = self._initial_weights, None
            self.set_weights(weights)

    def _rates(self) -> list:
        rates = [getattr(self.cell, "dropout", 0.0)]
        rates += [r for _, r in getattr(self.cell, "mask_specs", list)()]
        return [r for r in rates if r > 0]

    def compute_output_shape(self, input_shape):
        x_shape = input_shape[0] if _is_shape_list(input_shape) else input_shape
        batch, time = x_shape[0], x_shape[1]
        size = getattr(self.cell, "output_size", self.state_sizes[0])
        out = (batch, time, size) if self.return_sequences else (batch, size)
        if not self.return_state:
            return out
        return [out] + [(batch, s) for s in self.state_sizes]

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = None
        if mask is not None and self.return_sequences:
            out = mask[:, ::-1] if self.go_backwards else mask
        return [out] + [None] * len(self.state_sizes) if self.return_state else out

    # -- calling --------------------------------------------------------------
    def __call__(self, inputs, initial_state=None, constants=None, **kwargs):
        """Call on ``inputs``; ``initial_state=[...]`` become extra inputs of the call.

        Initial states that are not model tensors (backend variables, arrays)
        given with a model input (``Input``) are constants of the layer's
        graph, as in Keras 2: the layer keeps them and every call of the
        model starts from them.
        """
        if constants is not None:
            raise TypeError(
                f"Layer {self.name!r} ({type(self).__name__}) received constants=: cells that "
                "read external constants (Keras 2's call(inputs, states, constants)) are not "
                "supported (Keras 3 dropped them as well). Feed the constant as part of the "
                "input instead, e.g. RepeatVector(time) on it and Concatenate() with the "
                "sequence, or as an initial state."
            )
        self._fixed_initial = None
        if initial_state is not None:
            states = to_list(initial_state)
            symbolic = [isinstance(s, SymbolicTensor) for s in states]
            if isinstance(to_list(inputs)[0], SymbolicTensor) and not any(symbolic):
                self._fixed_initial = [pt.as_tensor_variable(s) for s in states]
            else:
                inputs = [*to_list(inputs), *states]
        return super().__call__(inputs, **kwargs)

    _fixed_initial = None

    def get_initial_state(self, inputs):
        """Zero states for a batch: Keras 2 passes the inputs, Keras 3 the batch size.

        Parameters
        ----------
        inputs : int, tensor or model tensor
            The batch size, or inputs ``(batch, time, features)``.

        Returns
        -------
        list
            One ``(batch, size)`` tensor of zeros per state (model tensors
            when ``inputs`` is one).
        """
        sizes = self.state_sizes
        if isinstance(inputs, SymbolicTensor):
            return [
                Lambda(lambda x, s=s: pt.zeros((x.shape[0], s), dtype=x.dtype))(inputs)
                for s in sizes
            ]
        if isinstance(inputs, (int, np.integer)):
            batch, dtype = int(inputs), floatx()
        else:
            x = pt.as_tensor_variable(inputs)
            batch, dtype = x.shape[0], x.dtype
        return [pt.zeros((batch, s), dtype=dtype) for s in sizes]

    def call(self, inputs, training=None, mask=None, edits=()):
        """Build the loop on ``inputs``; ``edits`` are the regularizer wrappers' edits.

        A state edit has ``values(...)`` (drawn before the loop) and
        ``apply(previous, new, value)`` (inside it); a weight edit has
        ``replace(outputs, weights)``.
        """
        x, *initial = to_list(inputs)
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        mask = self._check_mask(x, mask)
        x_mask, step_masks = self._variational_masks(x, training)
        if x_mask is not None:
            x = x * x_mask[:, None, :]
        xt = x.dimshuffle(1, 0, 2)
        if self.go_backwards:
            xt = xt[::-1]
        steps, batch = xt.shape[0], xt.shape[1]
        pad = (lambda v, steps=None: v) if self.unroll else loop.pad
        xt = pad(xt)
        states0 = [pad(s) for s in self._initial_states(x, initial)]
        sequences = [xt]
        if mask is not None:
            m = mask.dimshuffle(1, 0, "x")
            sequences.append(pad(m[::-1] if self.go_backwards else m, steps))
        constants = [pad(m) for m in step_masks if m is not None]
        weight_edits = [e for e in edits if hasattr(e, "replace")]
        edits = [e for e in edits if hasattr(e, "values")]
        edit_values = [self._edit_values(edit, steps, batch, x.dtype, training) for edit in edits]
        for values in edit_values:
            for value in values:
                if value is None:
                    continue
                if value.ndim == 3:
                    sequences.append(pad(value, steps))
                else:
                    constants.append(value)
        carried = self._run(xt, states0, sequences, constants, step_masks, edits, edit_values, mask)
        if not self.unroll:  # drop the row loop.pad added
            carried = [c[:, :-1] for c in carried]
        for edit in weight_edits:  # DropConnect: before the final states are recorded
            carried = edit.replace(carried, self.cell.weights)
        return self._outputs(carried)

    def _outputs(self, carried):
        n = len(self.state_sizes)
        seq = carried[0] if self._output_is_state() else carried[n]
        finals = [c[-1] for c in carried[:n]]
        for var, value in zip(self._states, finals):
            K.add_update(var, value)
        out = seq.dimshuffle(1, 0, 2) if self.return_sequences else seq[-1]
        return [out, *finals] if self.return_state else out

    def _output_is_state(self) -> bool:
        return bool(getattr(self.cell, "output_is_state", False))

    def _mask_specs(self) -> list:
        return list(getattr(self.cell, "mask_specs", list)())

    def _check_mask(self, inputs, mask):
        if mask is None:
            return None
        mask = pt.as_tensor_variable(mask)
        if mask.ndim != 2:
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) expects a mask of shape "
                f"(batch, time) with 2 dimensions, received a mask with {mask.ndim}. Masks come "
                "from Embedding(mask_zero=True) or Masking, or are a 0/1 array per step."
            )
        return pt.cast(mask, inputs.dtype)

    def _variational_masks(self, x, training):
        """One mask per sequence: ``(batch, features)`` for the input, then the step's."""

        def draw(size, rate):
            if rate == 0 or training is False or training is None:
                return None
            keep = 1.0 - rate
            shape = (x.shape[0], size)

            def train():
                m = K.random_bernoulli(self.rng, keep, shape, dtype=x.dtype)
                return m * pt.constant(1.0 / keep, dtype=x.dtype)

            return K.in_train_phase(train, lambda: pt.ones(shape, x.dtype), training)

        x_mask = draw(x.type.shape[-1], getattr(self.cell, "dropout", 0.0))
        return x_mask, [draw(size, rate) for size, rate in self._mask_specs()]

    def _initial_states(self, x, initial):
        initial = initial or self._fixed_initial
        if initial:
            return [pt.cast(pt.as_tensor_variable(s), x.dtype) for s in initial]
        if self._states:
            return [pt.cast(s, x.dtype) for s in self._states]
        return [pt.zeros((x.shape[0], s), dtype=x.dtype) for s in self.state_sizes]

    def _edit_values(self, edit, steps, batch, dtype, training):
        values = edit.values(self.state_names, self.state_sizes, steps, batch, dtype, training)
        if len(values) != len(self.state_sizes):
            raise ValueError(
                f"{edit!r} returned {len(values)} values for {len(self.state_sizes)} states."
            )
        return values

    def _run(self, xt, states0, sequences, constants, step_masks, edits, edit_values, mask):
        cell, n = self.cell, len(states0)
        masked = mask is not None
        carry_output = not self._output_is_state()
        if carry_output:
            size = getattr(cell, "output_size", self.state_sizes[0])
            states0 = states0 + [pt.zeros((states0[0].shape[0], size), dtype=xt.dtype)]
        live_masks = [m is not None for m in step_masks]
        # Which sequence / constant slot each edit value occupies.
        slots, seq_i, const_i = [], 1 + int(masked), sum(live_masks)
        for values in edit_values:
            row = []
            for value in values:
                if value is None:
                    row.append(None)
                elif value.ndim == 3:
                    row.append(("seq", seq_i))
                    seq_i += 1
                else:
                    row.append(("const", const_i))
                    const_i += 1
            slots.append(row)

        def step(seq_vals, prev, const_vals):
            it = iter(const_vals)
            masks = [next(it) if live else None for live in live_masks]
            out, new = run_step(cell, project(cell, seq_vals[0]), prev[:n], masks)
            # A cell whose output is its first state outputs that state as edited.
            out_is_state = out is new[0]
            for edit, row in zip(edits, slots):
                for i, slot in enumerate(row):
                    if slot is not None:
                        where = seq_vals if slot[0] == "seq" else const_vals
                        new[i] = edit.apply(prev[i], new[i], where[slot[1]])
            if out_is_state or not carry_output:
                out = new[0]
            new = [pt.cast(v, xt.dtype) for v in new]
            if carry_output:
                new.append(pt.cast(out, xt.dtype))
            if masked:
                m_t = seq_vals[1]
                new = [m_t * v + (1 - m_t) * p for v, p in zip(new, prev)]
            return new

        if self.unroll and xt.type.shape[0] is None:
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) has unroll=True, which needs a "
                "known number of time steps; give the input a fixed length "
                "(input_shape=(time, features)) or use unroll=False."
            )
        return loop.run(
            step, sequences, states0, constants, unroll=self.unroll, name=f"{self.name}_scan"
        )

    # -- stateful -------------------------------------------------------------
    def reset_states(self, states=None) -> None:
        """Set the states of a stateful layer to zeros, or to ``states`` (arrays)."""
        if not self.stateful:
            raise RuntimeError(
                f"Layer {self.name!r} ({type(self).__name__}) is not stateful; reset_states "
                "applies to layers built with stateful=True."
            )
        if not self._states:
            raise RuntimeError(
                f"Layer {self.name!r} ({type(self).__name__}) is not built yet, so it has no "
                "states to reset; call it (or build its model) first."
            )
        if states is None:
            states = [np.zeros(v.get_value().shape) for v in self._states]
        states = [np.asarray(s) for s in to_list(states)]
        if len(states) != len(self._states):
            raise ValueError(
                f"Layer {self.name!r} has {len(self._states)} states, received {len(states)} "
                "arrays in reset_states."
            )
        for var, value in zip(self._states, states):
            shape = np.shape(var.get_value())
            if value.shape != shape:
                raise ValueError(
                    f"Layer {self.name!r}: state {var.name!r} expects shape {shape}, received "
                    f"{value.shape}."
                )
        for var, value in zip(self._states, states):
            var.set_value(value.astype(var.dtype))

    # -- configuration ------------------------------------------------------
    def get_config(self) -> dict:
        config = {
            **super().get_config(),
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "seed": self.seed,
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
        }
        if self._owns_cell:
            return config
        cell = {"class_name": type(self.cell).__name__, "config": self.cell.get_config()}
        return {**config, "cell": cell}

    @classmethod
    def from_config(cls, config: dict):
        from kerasque import layers

        config = dict(config)
        cell = layers.deserialize(config.pop("cell"))
        return cls(cell, **config)
