r"""GRU: a gated recurrent layer whose every random mask is drawn outside the loop.

The loop is one :func:`pytensor.scan` over time. Everything that does not
depend on the previous state happens before it: the input projection of all
steps is one matrix product, and every random mask (variational dropout,
DropConnect weights, ZoneOut) is drawn in one go and fed in, as a
non-sequence when it is constant over time and as a sequence when it changes
every step. The step itself only multiplies by the recurrent kernel and
applies the gates. Random draws inside a scan step repeat themselves (a
generator given as a non-sequence is never advanced) and block gradients in
PyTensor, so no generator ever enters the loop.
"""

from __future__ import annotations

import numbers

import pytensor
import pytensor.tensor as pt

from kerasque import activations, initializers, regularizers
from kerasque import backend as K
from kerasque.engine.base_layer import InputSpec, Layer
from kerasque.layers.core import _check_positive_int
from kerasque.layers.noise import check_seed


def check_fraction(owner: str, name: str, value,
                   meaning: str = "the fraction of units to drop (0.5 drops half)") -> float:
    """Validate a probability argument (``dropout=``, ``rate=``) in [0, 1)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a number in [0, 1), received {value!r}.")
    if not 0 <= value < 1:
        raise ValueError(
            f"{owner}: {name} must be a number in [0, 1), received {value!r}. "
            f"It is {meaning}; 0 turns it off."
        )
    return float(value)


class GRU(Layer):
    r"""Gated recurrent unit (Cho et al., 2014) in Keras's weight layout.

    Reads ``(batch, time, features)`` and returns the last state
    ``(batch, units)``, or every state ``(batch, time, units)`` with
    ``return_sequences=True``.

    Parameters
    ----------
    units : int
        Size of the state :math:`h_t`.
    activation : str or callable, default 'tanh'
        For the candidate state :math:`\tilde h_t`.
    recurrent_activation : str or callable, default 'sigmoid'
        For the gates :math:`z_t` and :math:`r_t`.
    use_bias : bool, default True
    kernel_initializer : str or callable, default 'glorot_uniform'
    recurrent_initializer : str or callable, default 'orthogonal'
    bias_initializer : str or callable, default 'zeros'
    kernel_regularizer, recurrent_regularizer : Regularizer, optional
        Penalties on ``kernel`` and ``recurrent_kernel``.
    dropout : float, default 0.0
        Variational dropout rate of the inputs :math:`x_t` (Gal and
        Ghahramani, 2016): one mask per sequence, the same at every step.
    recurrent_dropout : float, default 0.0
        Variational dropout rate of :math:`h_{t-1}` where it enters the
        recurrent matrix product: one mask per sequence.
    return_sequences : bool, default False
        Return the state at every step instead of the last one.
    return_state : bool, default False
        Return ``[output, final_state]`` (two outputs).
    go_backwards : bool, default False
        Process time in reverse. As in Keras, the returned sequence is in
        processing order, i.e. reversed.
    reset_after : bool, default True
        Apply the reset gate after the recurrent matrix product (the cuDNN
        and PyTorch form, with separate input and recurrent biases).
    seed : int, optional
        Seeds the dropout masks; defaults to one from the global seed.

    Notes
    -----
    Weights, as in Keras: ``kernel`` :math:`W` of shape ``(input_dim,
    3*units)``, ``recurrent_kernel`` :math:`U` of shape ``(units,
    3*units)``, both in column blocks :math:`z | r | h`; ``bias`` of shape
    ``(2, 3*units)`` with ``reset_after=True`` (row 0 the input bias
    :math:`b`, row 1 the recurrent bias :math:`b'`), else ``(3*units,)``.
    ``get_weights()`` returns ``[kernel, recurrent_kernel, bias]``. With
    :math:`\sigma` the recurrent activation and :math:`\tanh` the activation,
    ``reset_after=True`` computes

    .. math::

        z_t &= \sigma(x_t W_z + b_z + h_{t-1} U_z + b'_z) \\
        r_t &= \sigma(x_t W_r + b_r + h_{t-1} U_r + b'_r) \\
        \tilde h_t &= \tanh(x_t W_h + b_h + r_t \odot (h_{t-1} U_h + b'_h)) \\
        h_t &= z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t

    and ``reset_after=False`` (Cho et al.'s original form, one bias) uses
    :math:`\tilde h_t = \tanh(x_t W_h + (r_t \odot h_{t-1}) U_h + b_h)`.
    :math:`h_0 = 0`.

    Dropout with keep probabilities :math:`p = 1 - \text{dropout}` and
    :math:`q = 1 - \text{recurrent\_dropout}` replaces :math:`x_t` by
    :math:`x_t \odot m / p` and, inside the three recurrent products,
    :math:`h_{t-1}` by :math:`h_{t-1} \odot n / q`, with
    :math:`m \sim \mathrm{Bernoulli}(p)^{\text{input\_dim}}` and
    :math:`n \sim \mathrm{Bernoulli}(q)^{\text{units}}` drawn once per
    sequence and shared by the three gates (inverted scaling, so inference
    uses the weights as they are). The state carried to the next step,
    :math:`z_t \odot h_{t-1}`, is not dropped, so dropout never erases the
    memory (as in ``tf.keras`` 2 and Semeniuta et al., 2016).

    Masking: after ``Embedding(mask_zero=True)``, a padded step keeps the
    previous state, and with ``return_sequences`` outputs the previous
    output.

    References
    ----------
    Cho, K., van Merrienboer, B., Gulcehre, C., Bahdanau, D., Bougares, F.,
    Schwenk, H. and Bengio, Y. (2014). Learning phrase representations using
    RNN encoder-decoder for statistical machine translation. EMNLP.

    Gal, Y. and Ghahramani, Z. (2016). A theoretically grounded application
    of dropout in recurrent neural networks. NeurIPS 29.

    Semeniuta, S., Severyn, A. and Barth, E. (2016). Recurrent dropout
    without memory loss. COLING.

    Examples
    --------
    >>> from kerasque.layers import GRU
    >>> layer = GRU(32, dropout=0.2, recurrent_dropout=0.2, input_shape=(10, 8))
    >>> layer.compute_output_shape((None, 10, 8))
    (None, 32)
    """

    supports_masking = True
    supports_zoneout = True

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 dropout=0.0, recurrent_dropout=0.0, return_sequences=False,
                 return_state=False, go_backwards=False, reset_after=True, seed=None, **kwargs):
        super().__init__(**kwargs)
        owner = f"GRU {self.name!r}"
        self.units = _check_positive_int(owner, "units", units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.dropout = check_fraction(owner, "dropout", dropout)
        self.recurrent_dropout = check_fraction(owner, "recurrent_dropout", recurrent_dropout)
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.reset_after = bool(reset_after)
        self.seed = check_seed(owner, seed)
        self.rng = None
        self.input_spec = InputSpec(ndim=3)

    # -- shapes and weights -----------------------------------------------
    def check_input_shape(self, shapes) -> None:
        for shape in shapes:
            if len(shape) != 3:
                raise ValueError(
                    f"Layer {self.name!r} (GRU) expects a 3-D input (batch, time, features), "
                    f"received input of shape {tuple(shape)}. Feed sequences, e.g. from "
                    "Embedding, or add a time axis to single vectors."
                )
        super().check_input_shape(shapes)

    def build(self, input_shape):
        dim = input_shape[-1]
        if dim is None:
            raise ValueError(
                f"Layer {self.name!r} (GRU) needs a known feature dimension (the last axis), "
                f"received input shape {tuple(input_shape)}."
            )
        u3 = 3 * self.units
        self.kernel = self.add_weight("kernel", (dim, u3), self.kernel_initializer,
                                      self.kernel_regularizer)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, u3),
                                                self.recurrent_initializer,
                                                self.recurrent_regularizer)
        self.bias = None
        if self.use_bias:
            shape = (2, u3) if self.reset_after else (u3,)
            self.bias = self.add_weight("bias", shape, self.bias_initializer)
        if self.dropout > 0 or self.recurrent_dropout > 0:
            self.rng = self.add_rng(self.seed)
        self.input_spec = InputSpec(ndim=3, axes={-1: dim})

    def compute_output_shape(self, input_shape):
        batch, time = input_shape[0], input_shape[1]
        out = (batch, time, self.units) if self.return_sequences else (batch, self.units)
        return [out, (batch, self.units)] if self.return_state else out

    def compute_mask(self, inputs, mask=None):
        out = None
        if mask is not None and self.return_sequences:
            out = mask[:, ::-1] if self.go_backwards else mask
        return [out, None] if self.return_state else out

    # -- the graph ----------------------------------------------------------
    def call(self, inputs, training=None, mask=None, kernel=None, recurrent_kernel=None,
             zoneout=None):
        r"""Build the GRU graph on ``inputs``.

        ``kernel``, ``recurrent_kernel`` and ``zoneout`` are the hooks the
        wrappers use: weights to use instead of the layer's own (DropConnect
        passes masked ones), and ZoneOut's keep-previous indicators, either a
        ``(time, batch, units)`` sequence :math:`d_t` in processing order or
        a scalar (the rate, at inference). Each step then returns
        :math:`d_t \odot h_{t-1} + (1 - d_t) \odot h^{GRU}_t`.
        """
        mask = self._check_mask(inputs, mask)
        kernel = self.kernel if kernel is None else kernel
        rec = self.recurrent_kernel if recurrent_kernel is None else recurrent_kernel
        x_mask, h_mask = self._dropout_masks(inputs, training)
        if x_mask is not None:
            inputs = inputs * x_mask[:, None, :]
        seq = self._scan(self._input_projection(inputs, kernel), mask, rec, h_mask, zoneout)
        if self.return_sequences:
            out = seq.dimshuffle(1, 0, 2)
        else:
            out = seq[-1]
        return [out, seq[-1]] if self.return_state else out

    def _check_mask(self, inputs, mask):
        if mask is None:
            return None
        mask = pt.as_tensor_variable(mask)
        if mask.ndim != 2:
            raise ValueError(
                f"Layer {self.name!r} (GRU) expects a mask of shape (batch, time) with 2 "
                f"dimensions, received a mask with {mask.ndim}. Masks come from "
                "Embedding(mask_zero=True) or are a 0/1 array per step."
            )
        return pt.cast(mask, inputs.dtype)

    def _dropout_masks(self, inputs, training):
        """Variational masks: one per sequence, ``(batch, features)`` and ``(batch, units)``."""
        def mask(rate, size):
            if rate == 0 or training is False or training is None:
                return None
            keep = 1.0 - rate

            def draw():
                m = K.random_bernoulli(self.rng, keep, (inputs.shape[0], size), dtype=inputs.dtype)
                return m * pt.constant(1.0 / keep, dtype=inputs.dtype)

            return K.in_train_phase(draw, lambda: pt.ones((inputs.shape[0], size), inputs.dtype),
                                    training)

        return mask(self.dropout, inputs.shape[-1]), mask(self.recurrent_dropout, self.units)

    def _input_projection(self, inputs, kernel):
        """``x @ kernel + biases`` for every step at once, time-major ``(time, batch, 3U)``."""
        x = inputs.dimshuffle(1, 0, 2)
        if self.go_backwards:
            x = x[::-1]
        steps, batch = x.shape[0], x.shape[1]
        flat = pt.dot(pt.reshape(x, (steps * batch, x.shape[2])), kernel)
        if self.use_bias:
            if self.reset_after:
                # The recurrent biases of z and r only add to the input ones.
                u2 = 2 * self.units
                flat = flat + self.bias[0] + pt.concatenate(
                    [self.bias[1, :u2], pt.zeros((self.units,), self.bias.dtype)])
            else:
                flat = flat + self.bias
        return pt.reshape(flat, (steps, batch, 3 * self.units))

    def _scan(self, xp, mask, rec, h_mask, zoneout):
        """Run the recurrence over time-major ``xp``; returns every state ``(time, batch, U)``.

        Per-step inputs (projections, the padding mask, ZoneOut's masks) are
        scan sequences; what is constant over the sequence (weights, the
        recurrent dropout mask, ZoneOut's inference rate) is a non-sequence.
        """
        u2 = 2 * self.units
        sequences = {"x_t": xp}
        if mask is not None:
            m = mask.dimshuffle(1, 0, "x")
            sequences["m_t"] = m[::-1] if self.go_backwards else m
        constants = {}
        if self.reset_after:
            constants["rec"] = rec
            if self.use_bias:
                constants["b_h"] = self.bias[1, u2:]
        else:
            constants["rec_zr"], constants["rec_h"] = rec[:, :u2], rec[:, u2:]
        if h_mask is not None:
            constants["h_mask"] = h_mask
        if zoneout is not None:
            zoneout = pt.as_tensor_variable(zoneout).astype(xp.dtype)
            (sequences if zoneout.ndim == 3 else constants)["d_t"] = zoneout
        n_seq = len(sequences)

        def step(*args):
            named = dict(zip(sequences, args[:n_seq]))
            named.update(zip(constants, args[n_seq + 1:]))
            return self._step(args[n_seq], **named)

        h0 = pt.zeros((xp.shape[1], self.units), dtype=xp.dtype)
        return pytensor.scan(step, sequences=list(sequences.values()), outputs_info=[h0],
                             non_sequences=list(constants.values()), strict=True,
                             return_updates=False, name=f"{self.name}_scan")

    def _step(self, h_prev, x_t, m_t=None, d_t=None, rec=None, b_h=None, rec_zr=None,
              rec_h=None, h_mask=None):
        """One step of the equations in the class docstring."""
        u, u2 = self.units, 2 * self.units
        h_in = h_prev if h_mask is None else h_prev * h_mask
        if self.reset_after:
            hu = pt.dot(h_in, rec)
            zr = self.recurrent_activation(x_t[:, :u2] + hu[:, :u2])
            hh = hu[:, u2:] if b_h is None else hu[:, u2:] + b_h
            cand = self.activation(x_t[:, u2:] + zr[:, u:] * hh)
        else:
            zr = self.recurrent_activation(x_t[:, :u2] + pt.dot(h_in, rec_zr))
            cand = self.activation(x_t[:, u2:] + pt.dot(zr[:, u:] * h_in, rec_h))
        z = zr[:, :u]
        h = z * h_prev + (1 - z) * cand
        if d_t is not None:
            h = d_t * h_prev + (1 - d_t) * h
        if m_t is not None:
            h = m_t * h + (1 - m_t) * h_prev
        return h

    # -- configuration ----------------------------------------------------
    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "reset_after": self.reset_after,
            "seed": self.seed,
        }
