r"""Wrappers: layers that change how another layer runs.

:class:`DropConnect` drops entries of the wrapped layer's weight matrices;
:class:`ZoneOut` makes units of a recurrent layer keep their previous value.
Both draw every mask outside the recurrent loop and hand it to the wrapped
layer: DropConnect passes masked weights (constant over the sequence, so the
loop sees them as non-sequences) and ZoneOut passes one ``(time, batch,
units)`` tensor of per-step masks (a sequence of the loop). They compose:
``ZoneOut(DropConnect(GRU(128), 0.5), 0.1)``.

A wrapper owns no weights of its own: its weights, generators, penalties and
constraints are those of the wrapped layer (:attr:`Wrapper.sublayers`), so
``wrapper.get_weights()`` is ``layer.get_weights()``.
"""

from __future__ import annotations

import pytensor.tensor as pt

from kerasque import backend as K
from kerasque.engine import context
from kerasque.engine.base_layer import Layer, _call_params
from kerasque.layers.noise import check_rate, check_seed
from kerasque.layers.recurrent import check_fraction

__all__ = ["DropConnect", "Wrapper", "ZoneOut"]

_KERNELS = ("kernel", "recurrent_kernel")


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

    def call_wrapped(self, inputs, training=None, mask=None, **overrides):
        """Run the wrapped layer's ``call``, passing only what it accepts.

        Draws the wrapped layer makes are credited to it, not to the wrapper.
        """
        params = _call_params(type(self.layer))
        kwargs = dict(overrides)
        if "training" in params:
            kwargs["training"] = training
        if "mask" in params:
            kwargs["mask"] = mask
        with context.current().layer_scope(self.layer.name):
            return self.layer.call(inputs, **kwargs)

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
    r"""Drop entries of the wrapped layer's weight matrices (Wan et al., 2013).

    Parameters
    ----------
    layer : Dense or GRU (or another layer whose ``call`` takes ``kernel=``)
        The wrapped layer.
    rate : float
        Probability of dropping a weight entry, in [0, 1).
    weights : list of str, optional
        Which matrices to drop. Defaults to every one the layer exposes:
        ``['kernel']`` for Dense, ``['kernel', 'recurrent_kernel']`` for GRU
        (the seed tutorial's dropout on W and U). ``['recurrent_kernel']`` is
        the weight-drop of AWD-LSTM (Merity et al., 2017).
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

    with one mask :math:`M` per weight matrix per batch: every sample and,
    in a GRU, every time step of a batch uses the same dropped weights, and
    the next batch draws new ones. Because :math:`E[M \odot W / p] = W`,
    inference with the stored weights is Wan et al.'s mean inference
    :math:`a(E[\cdot])`. This is inverted scaling: Wan et al. train with
    :math:`M \odot W` and infer with :math:`p W`, which is the same model
    with the stored weights divided by :math:`p`; inverted scaling keeps
    the stored weights directly usable by the unwrapped layer, as Dropout's
    default does. (The paper's preferred inference, Gaussian moment matching
    of the pre-activations, is not implemented.)

    The wrapper owns no weights: ``wrapper.weights`` are the wrapped
    layer's, so weights saved from a DropConnect model load into the same
    model without it.

    References
    ----------
    Wan, L., Zeiler, M., Zhang, S., LeCun, Y. and Fergus, R. (2013).
    Regularization of neural networks using DropConnect. ICML.

    Merity, S., Keskar, N. S. and Socher, R. (2017). Regularizing and
    optimizing LSTM language models. arXiv:1708.02182.

    Examples
    --------
    >>> from kerasque.layers import GRU, DropConnect
    >>> layer = DropConnect(GRU(16), 0.3, weights=["recurrent_kernel"], seed=1)
    >>> layer.weight_names
    ['recurrent_kernel']
    """

    def __init__(self, layer, rate, weights=None, seed=None, **kwargs):
        super().__init__(layer, **kwargs)
        owner = f"DropConnect {self.name!r}"
        self.rate = check_rate(owner, rate)
        self.seed = check_seed(owner, seed)
        self.weight_names = self._check_weights(owner, layer, weights)
        self.rng = None

    @staticmethod
    def _check_weights(owner, layer, weights) -> list:
        params = _call_params(type(layer))
        available = [name for name in _KERNELS if name in params]
        if not available:
            hint = ""
            if isinstance(layer, Wrapper):
                hint = (" Put DropConnect directly around the layer it drops from, e.g. "
                        "ZoneOut(DropConnect(GRU(...), rate), rate).")
            raise TypeError(
                f"{owner}: DropConnect wraps a layer with weight matrices it can replace "
                f"(Dense, GRU), received {type(layer).__name__} {layer.name!r}, which has no "
                f"kernel to drop.{hint}"
            )
        if weights is None:
            return available
        if isinstance(weights, str) or not isinstance(weights, (list, tuple)) or not weights:
            raise TypeError(
                f"{owner}: weights must be a non-empty list of weight names from {available}, "
                f"received {weights!r}."
            )
        for name in weights:
            if name not in available:
                raise ValueError(
                    f"{owner}: {type(layer).__name__} {layer.name!r} has no droppable weight "
                    f"{name!r}; choose from {available}."
                )
        if len(set(weights)) != len(weights):
            raise ValueError(f"{owner}: weights lists a name twice: {list(weights)!r}.")
        return list(weights)

    @property
    def supports_zoneout(self) -> bool:
        return getattr(self.layer, "supports_zoneout", False)

    def build(self, input_shape):
        super().build(input_shape)
        if self.rate > 0:
            self.rng = self.add_rng(self.seed)

    def call(self, inputs, training=None, mask=None, zoneout=None):
        overrides = {} if zoneout is None else {"zoneout": zoneout}
        if self.rate > 0:
            for name in self.weight_names:
                overrides[name] = self._dropped(getattr(self.layer, name), training)
        return self.call_wrapped(inputs, training=training, mask=mask, **overrides)

    def _dropped(self, weight, training):
        keep = 1.0 - self.rate

        def train():
            m = K.random_bernoulli(self.rng, keep, weight.type.shape, dtype=weight.dtype)
            return weight * m * pt.constant(1.0 / keep, dtype=weight.dtype)

        return K.in_train_phase(train, lambda: weight, training)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "rate": self.rate,
            "weights": list(self.weight_names),
            "seed": self.seed,
        }


class ZoneOut(Wrapper):
    r"""Let each unit of a recurrent layer keep its previous value at random.

    Parameters
    ----------
    layer : GRU, or a wrapper of one such as ``DropConnect(GRU(...))``
        The wrapped recurrent layer.
    rate : float
        Probability :math:`z` that a unit keeps its previous value at a
        step, in [0, 1).
    seed : int, optional
        Seeds the masks; defaults to one from the global seed.

    Notes
    -----
    With :math:`\hat h_t` the state the wrapped layer would produce from
    :math:`x_t` and :math:`h_{t-1}` (the full GRU update), ZoneOut computes

    .. math::

        h_t^{train} &= d_t \odot h_{t-1} + (1 - d_t) \odot \hat h_t,
        \quad d_t \sim \mathrm{Bernoulli}(z) \text{ per unit, fresh every step} \\
        h_t^{test} &= z \, h_{t-1} + (1 - z) \, \hat h_t

    with no rescaling (Krueger et al., 2016): the test rule is the expected
    training update. The masks of a whole batch, ``(time, batch, units)``,
    are drawn in one go before the loop and fed to it as a sequence.

    ``rate`` is the probability of *keeping* the previous value (zoning
    out), as in the paper's equations. The authors' released code is
    ambiguous about the direction (some scripts use the mask to select the
    new value), so check the convention when comparing rates across
    implementations; ``rate=0`` is always the plain recurrent layer.

    References
    ----------
    Krueger, D., Maharaj, T., Kramar, J., Pezeshki, M., Ballas, N., Ke, N. R.,
    Goyal, A., Bengio, Y., Courville, A. and Pal, C. (2016). Zoneout:
    regularizing RNNs by randomly preserving hidden activations.
    arXiv:1606.01305 (ICLR 2017).

    Examples
    --------
    >>> from kerasque.layers import GRU, DropConnect, ZoneOut
    >>> layer = ZoneOut(DropConnect(GRU(16, return_sequences=True), 0.5), 0.1, seed=1)
    """

    def __init__(self, layer, rate, seed=None, **kwargs):
        super().__init__(layer, **kwargs)
        owner = f"ZoneOut {self.name!r}"
        if not getattr(layer, "supports_zoneout", False):
            raise TypeError(
                f"{owner}: ZoneOut wraps a recurrent layer (GRU, or DropConnect around a GRU), "
                f"received {type(layer).__name__} {layer.name!r}, which has no state to keep."
            )
        self.rate = check_fraction(owner, "rate", rate,
                                   "the probability that a unit keeps its previous value")
        self.seed = check_seed(owner, seed)
        self.rng = None

    def build(self, input_shape):
        super().build(input_shape)
        if self.rate > 0:
            self.rng = self.add_rng(self.seed)

    def call(self, inputs, training=None, mask=None):
        if self.rate == 0:
            return self.call_wrapped(inputs, training=training, mask=mask)
        units = self.innermost().units
        shape = (inputs.shape[1], inputs.shape[0], units)

        def train():
            return K.random_bernoulli(self.rng, self.rate, shape, dtype=inputs.dtype)

        if training is True:
            zoneout = train()
        elif training is False or training is None:
            # The expectation rule needs no per-step tensor: the rate is a scalar.
            zoneout = pt.constant(self.rate, dtype=inputs.dtype)
        else:
            zoneout = K.in_train_phase(train, lambda: pt.full(shape, self.rate, dtype=inputs.dtype),
                                       training)
        return self.call_wrapped(inputs, training=training, mask=mask, zoneout=zoneout)

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
