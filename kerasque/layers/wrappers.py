r"""Wrappers: layers that change how another layer runs.

:class:`DropConnect` drops entries of any named weights of the wrapped layer;
:class:`ZoneOut` makes the units of a recurrent layer's states keep their
previous value. Both act on what the layer declares, never on keywords of its
``call``: DropConnect replaces the named weights by masked ones in the graph
the layer built (so a recurrent loop reads the masked weights as constants of
the scan), and ZoneOut hands the loop a *state edit* (its masks, drawn before
the loop, one per state and step, and the rule that mixes the previous and
new state). They compose in any order:
``ZoneOut(DropConnect(LSTM(128), 0.5), 0.1)`` or
``DropConnect(ZoneOut(LSTM(128), 0.1), 0.5)``.

A wrapper owns no weights of its own: its weights, generators, penalties and
constraints are those of the wrapped layer (:attr:`Wrapper.sublayers`), so
``wrapper.get_weights()`` is ``layer.get_weights()``.
"""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt
from pytensor.graph.replace import graph_replace

from kerasque import backend as K
from kerasque.engine import context
from kerasque.engine.base_layer import Layer, _call_params
from kerasque.layers.noise import check_rate, check_seed
from kerasque.layers.rnn.cell import check_fraction

__all__ = ["DropConnect", "Wrapper", "ZoneOut"]

_KERNELS = ("kernel", "recurrent_kernel")


def _as_list(x) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def deserialize_layer(config: dict):
    """Rebuild a wrapped layer from ``{"class_name": ..., "config": ...}``."""
    from kerasque import layers

    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "A wrapped layer's config must be a dict {'class_name': ..., 'config': ...}, "
            f"received {config!r}."
        )
    return layers.deserialize(config)


class Wrapper(Layer):
    """Base class of layers that wrap one other layer.

    The wrapper builds the wrapped layer on its own input shape, reports its
    output shape and mask, and exposes its weights as its own. Without
    ``input_shape=``, a wrapper takes the wrapped layer's, so
    ``ZoneOut(GRU(8, input_shape=(10, 4)), 0.1)`` can start a Sequential.

    Parameters
    ----------
    layer : Layer
        The wrapped layer.
    """

    supports_masking = True

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise TypeError(
                f"{type(self).__name__} wraps a Layer instance, received "
                f"{type(layer).__name__} ({layer!r})."
            )
        shape_given = "input_shape" in kwargs or "batch_input_shape" in kwargs
        if not shape_given and layer.batch_input_shape is not None:
            kwargs["batch_input_shape"] = layer.batch_input_shape
            if layer.input_dtype is not None and "input_dtype" not in kwargs:
                kwargs["input_dtype"] = layer.input_dtype
        super().__init__(**kwargs)
        self.layer = layer

    @property
    def sublayers(self) -> list:
        return [self.layer]

    def innermost(self) -> Layer:
        """The layer at the bottom of a stack of wrappers."""
        layer = self.layer
        while isinstance(layer, Wrapper):
            layer = layer.layer
        return layer

    def check_input_shape(self, shapes) -> None:
        self.layer.check_input_shape(shapes)

    def build(self, input_shape):
        self.layer._maybe_build(input_shape)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def compute_output_dtype(self, input_dtype):
        return self.layer.compute_output_dtype(input_dtype)

    def compute_mask(self, inputs, mask=None):
        return self.layer.compute_mask(inputs, mask)

    # -- the declaration, passed up from the wrapped layer ----------------------
    @property
    def state_names(self):
        return getattr(self.layer, "state_names", None)

    @property
    def state_sizes(self):
        return getattr(self.layer, "state_sizes", None)

    @property
    def weight_names(self):
        return getattr(self.layer, "weight_names", None)

    @property
    def states(self) -> list:
        return list(getattr(self.layer, "states", []))

    def reset_states(self, states=None) -> None:
        self.layer.reset_states(states)

    def __call__(self, inputs, initial_state=None, **kwargs):
        if initial_state is not None:
            inputs = [*_as_list(inputs), *_as_list(initial_state)]
        return super().__call__(inputs, **kwargs)

    def call_wrapped(self, inputs, training=None, mask=None, edits=()):
        """Run the wrapped layer's ``call``, passing only what it accepts.

        ``edits`` are state edits for a recurrent loop below (see
        :class:`ZoneOut`). Draws the wrapped layer makes are credited to it,
        not to the wrapper.
        """
        params = _call_params(type(self.layer))
        kwargs = {}
        if "training" in params:
            kwargs["training"] = training
        if "mask" in params:
            kwargs["mask"] = mask
        if edits:
            kwargs["edits"] = tuple(edits)
        with context.current().layer_scope(self.layer.name):
            return self.layer.call(inputs, **kwargs)

    def call(self, inputs, training=None, mask=None, edits=()):
        return self.call_wrapped(inputs, training=training, mask=mask, edits=edits)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "layer": {"class_name": type(self.layer).__name__, "config": self.layer.get_config()},
        }

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        layer = deserialize_layer(config.pop("layer"))
        return cls(layer, **config)


class DropConnect(Wrapper):
    r"""Drop entries of the wrapped layer's weights (Wan et al., 2013).

    Parameters
    ----------
    layer : Layer
        Any layer with weights: Dense, an RNN (SimpleRNN, GRU, LSTM, any
        cell), or a wrapper of one.
    rate : float
        Probability of dropping a weight entry, in [0, 1).
    weights : list of str, optional
        Names of the weights to drop (the part of each weight's name after
        the last ``/``: ``'kernel'``, ``'recurrent_kernel'``, ``'bias'``,
        ``'embeddings'``). Defaults to the layer's matrices among
        ``kernel`` and ``recurrent_kernel`` (the seed tutorial's dropout on
        W and U). ``['recurrent_kernel']`` is the weight-drop of AWD-LSTM
        (Merity et al., 2017).
    seed : int, optional
        Seeds the weight masks; defaults to one from the global seed.

    Notes
    -----
    With keep probability :math:`p = 1 - \text{rate}`, a layer
    :math:`y = a(x W)` becomes, in training,

    .. math::

        y_{train} = a\!\left(x \, \frac{M \odot W}{p}\right),
        \quad M_{ij} \sim \mathrm{Bernoulli}(p),
        \qquad y_{test} = a(x W),

    with one mask :math:`M` per weight per batch: every sample and, in a
    recurrent layer, every time step of a batch uses the same dropped
    weights, and the next batch draws new ones. Because
    :math:`E[M \odot W / p] = W`, inference with the stored weights is Wan et
    al.'s mean inference :math:`a(E[\cdot])`. This is inverted scaling: Wan et
    al. train with :math:`M \odot W` and infer with :math:`p W`, the same
    model with the stored weights divided by :math:`p`; inverted scaling
    keeps the stored weights usable by the unwrapped layer. (The paper's
    preferred inference, Gaussian moment matching, is not implemented.)

    The wrapped layer builds its graph with its own weights, and each named
    weight is then replaced by its masked version in that graph: by a
    recurrent loop (which takes it as an edit, like ZoneOut's, and applies it
    before recording its final states), or by DropConnect itself around any
    other layer. The loop reads the masked weight as a constant of the scan;
    the mask is drawn once, outside it. The
    wrapper owns no weights: weights saved from a DropConnect model load
    into the same model without it.

    References
    ----------
    Wan, L., Zeiler, M., Zhang, S., LeCun, Y. and Fergus, R. (2013).
    Regularization of neural networks using DropConnect. ICML.

    Merity, S., Keskar, N. S. and Socher, R. (2017). Regularizing and
    optimizing LSTM language models. arXiv:1708.02182.

    Examples
    --------
    >>> from kerasque.layers import LSTM, DropConnect
    >>> layer = DropConnect(LSTM(16), 0.3, weights=["recurrent_kernel"], seed=1)
    >>> layer.dropped_names
    ['recurrent_kernel']
    """

    def __init__(self, layer, rate, weights=None, seed=None, **kwargs):
        super().__init__(layer, **kwargs)
        owner = f"DropConnect {self.name!r}"
        self.rate = check_rate(owner, rate)
        self.seed = check_seed(owner, seed)
        self._requested = self._check_names(owner, weights)
        self.dropped = self._resolve(owner, getattr(layer, "weight_names", None))
        self.rng = None

    @property
    def dropped_names(self) -> list:
        """The names of the weights this wrapper drops."""
        return list(self.dropped) if self.dropped is not None else list(self._requested or [])

    @staticmethod
    def _check_names(owner, weights):
        if weights is None:
            return None
        if isinstance(weights, str) or not isinstance(weights, (list, tuple)) or not weights:
            raise TypeError(
                f"{owner}: weights must be a non-empty list of weight names, e.g. "
                f"['recurrent_kernel'], received {weights!r}."
            )
        if len(set(weights)) != len(weights):
            raise ValueError(f"{owner}: weights lists a name twice: {list(weights)!r}.")
        return list(weights)

    def _resolve(self, owner, available):
        """Check the names against the layer's declared (or built) weights; None if unknown yet."""
        if available is None:
            return None
        layer = self.layer
        if self._requested is None:
            chosen = [n for n in _KERNELS if n in available]
            if not chosen:
                raise ValueError(
                    f"{owner}: {type(layer).__name__} {layer.name!r} has no kernel or "
                    f"recurrent_kernel to drop by default; name the weights to drop with "
                    f"weights=[...] from {available}."
                )
            return chosen
        for name in self._requested:
            if name not in available:
                raise ValueError(
                    f"{owner}: {type(layer).__name__} {layer.name!r} has no weight {name!r}; "
                    f"choose from {available}."
                )
        return list(self._requested)

    def build(self, input_shape):
        super().build(input_shape)
        if self.dropped is None:  # a layer that declares nothing: read its built weights
            owner = f"DropConnect {self.name!r}"
            names = list(dict.fromkeys(w.name.rsplit("/", 1)[-1] for w in self.layer.weights))
            self.dropped = self._resolve(owner, names)
        if self.rate > 0:
            self.rng = self.add_rng(self.seed)

    def call(self, inputs, training=None, mask=None, edits=()):
        if self.rate == 0 or training is False or training is None:
            return self.call_wrapped(inputs, training=training, mask=mask, edits=edits)
        edit = _DropConnectEdit(self, training)
        if "edits" in _call_params(type(self.layer)):
            # A recurrent loop (or a wrapper of one) replaces the weights itself,
            # before it records its final states and losses from them.
            return self.call_wrapped(inputs, training=training, mask=mask, edits=(*edits, edit))
        outs = self.call_wrapped(inputs, training=training, mask=mask, edits=edits)
        return edit.replace(outs, self.layer.weights)

    def _dropped(self, weight, training):
        keep = 1.0 - self.rate

        def train():
            m = K.random_bernoulli(
                self.rng, keep, weight.type.shape, dtype=weight.dtype, owner=self.name
            )
            return weight * m * pt.constant(1.0 / keep, dtype=weight.dtype)

        return K.in_train_phase(train, lambda: weight, training)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "rate": self.rate,
            "weights": self.dropped_names,
            "seed": self.seed,
        }


class _DropConnectEdit:
    """DropConnect's weight edit: masked weights in place of the named ones.

    A recurrent loop calls :meth:`replace` on what it built before recording
    anything from it; any other layer's outputs get it from DropConnect.
    """

    def __init__(self, dropconnect, training):
        self.dropconnect, self.training = dropconnect, training

    def replace(self, outputs, weights):
        """``outputs`` (a variable or a list) with the named ``weights`` dropped."""
        dc = self.dropconnect
        targets = [w for w in weights if w.name.rsplit("/", 1)[-1] in dc.dropped]
        replace = {w: dc._dropped(w, self.training) for w in targets}
        many = isinstance(outputs, (list, tuple))
        new = graph_replace(list(outputs) if many else [outputs], replace, strict=False)
        return new if many else new[0]


class _ZoneOutEdit:
    r"""ZoneOut's state edit: per-step masks drawn before the loop, and the mixing rule.

    The loop calls :meth:`values` once, outside the scan, and :meth:`apply`
    inside every step with that step's value (a ``(batch, size)`` mask in
    training, a scalar rate at inference).
    """

    def __init__(self, zoneout, rates: dict):
        self.zoneout, self.rates = zoneout, rates

    def values(self, names, sizes, steps, batch, dtype, training):
        """One value per state: ``(time, batch, size)`` masks in training, else the rate.

        The masks of every state are one draw, each unit with its state's
        rate, split afterwards.
        """
        rates = [self.rates.get(name, self.rates["h"]) for name in names]
        if training is False or training is None:
            # The expectation rule needs no per-step tensor: the rate is a scalar.
            return [pt.constant(r, dtype=dtype) if r else None for r in rates]
        p = pt.constant(np.repeat(rates, sizes), dtype=dtype)
        shape = (steps, batch, int(sum(sizes)))

        def train():
            return K.random_bernoulli(
                self.zoneout.rng, p, shape, dtype=dtype, owner=self.zoneout.name
            )

        masks = K.in_train_phase(train, lambda: pt.zeros(shape, dtype) + p, training)
        bounds = np.cumsum([0, *sizes])
        return [masks[..., lo:hi] if r else None for r, lo, hi in zip(rates, bounds, bounds[1:])]

    @staticmethod
    def apply(previous, new, d):
        return d * previous + (1 - d) * new


class ZoneOut(Wrapper):
    r"""Let each unit of a recurrent layer's states keep its previous value at random.

    Parameters
    ----------
    layer : RNN (SimpleRNN, GRU, LSTM, any cell), or a wrapper of one
        The wrapped recurrent layer.
    rate : float
        Probability :math:`z` that a unit of the hidden state :math:`h`
        keeps its previous value at a step, in [0, 1).
    cell_rate : float, optional
        The same for an LSTM's cell state :math:`c` (Krueger et al. zone out
        :math:`c` and :math:`h` with their own rates, e.g. 0.5 and 0.05);
        defaults to ``rate``.
    seed : int, optional
        Seeds the masks; defaults to one from the global seed.

    Notes
    -----
    With :math:`\hat s_t` the state the wrapped cell computes from
    :math:`x_t` and the previous states, every state :math:`s` (``h``, and
    ``c`` for an LSTM) becomes

    .. math::

        s_t^{train} &= d_t \odot s_{t-1} + (1 - d_t) \odot \hat s_t,
        \quad d_t \sim \mathrm{Bernoulli}(z) 	ext{ per unit, fresh every step} \
        s_t^{test} &= z \, s_{t-1} + (1 - z) \, \hat s_t

    with no rescaling (Krueger et al., 2016): the test rule is the expected
    training update. The output is the zoned-out :math:`h_t`. The masks of a
    whole batch, ``(time, batch, size)`` per state, are one draw made before
    the loop and fed to it as sequences.

    ``rate`` is the probability of *keeping* the previous value (zoning
    out), as in the paper's equations. The authors' released code is
    ambiguous about the direction, so check the convention when comparing
    rates across implementations; ``rate=0`` is the plain recurrent layer.

    References
    ----------
    Krueger, D., Maharaj, T., Kramar, J., Pezeshki, M., Ballas, N., Ke, N. R.,
    Goyal, A., Bengio, Y., Courville, A. and Pal, C. (2016). Zoneout:
    regularizing RNNs by randomly preserving hidden activations.
    arXiv:1606.01305 (ICLR 2017).

    Examples
    --------
    >>> from kerasque.layers import LSTM, DropConnect, ZoneOut
    >>> layer = ZoneOut(DropConnect(LSTM(16, return_sequences=True), 0.5), 0.05,
    ...                 cell_rate=0.5, seed=1)
    """

    def __init__(self, layer, rate, cell_rate=None, seed=None, **kwargs):
        super().__init__(layer, **kwargs)
        owner = f"ZoneOut {self.name!r}"
        if not getattr(layer, "state_names", None):
            raise TypeError(
                f"{owner}: ZoneOut wraps a recurrent layer (an RNN such as LSTM or GRU, or a "
                f"wrapper of one), received {type(layer).__name__} {layer.name!r}, which has no "
                "state to keep."
            )
        meaning = "the probability that a unit keeps its previous value"
        self.rate = check_fraction(owner, "rate", rate, meaning)
        self.cell_rate = (
            None if cell_rate is None else check_fraction(owner, "cell_rate", cell_rate, meaning)
        )
        self.seed = check_seed(owner, seed)
        self.rng = None

    def _rates(self) -> dict:
        return {"h": self.rate, "c": self.rate if self.cell_rate is None else self.cell_rate}

    def build(self, input_shape):
        super().build(input_shape)
        if any(r > 0 for r in self._rates().values()):
            self.rng = self.add_rng(self.seed)

    def call(self, inputs, training=None, mask=None, edits=()):
        edits = tuple(edits)
        if self.rng is not None:
            edits += (_ZoneOutEdit(self, self._rates()),)
        return self.call_wrapped(inputs, training=training, mask=mask, edits=edits)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "rate": self.rate,
            "cell_rate": self.cell_rate,
            "seed": self.seed,
        }


def __getattr__(name):
    # Keras 2's path keras.layers.wrappers holds Bidirectional and TimeDistributed;
    # their modules import this one, so they are looked up on first use.
    if name == "Bidirectional":
        from kerasque.layers.rnn.bidirectional import Bidirectional

        return Bidirectional
    if name == "TimeDistributed":
        from kerasque.layers.time_distributed import TimeDistributed

        return TimeDistributed
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
