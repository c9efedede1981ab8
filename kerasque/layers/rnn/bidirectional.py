"""Bidirectional: run a recurrent layer forwards and a copy of it backwards, and merge."""

from __future__ import annotations

import copy

from kerasque.layers.wrappers import Wrapper, deserialize_layer
from kerasque.utils.generic import to_list

__all__ = ["Bidirectional"]

_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def _without_seeds(config):
    """A config with every ``seed`` removed, so a copy draws its own masks."""
    if isinstance(config, dict):
        return {k: _without_seeds(v) for k, v in config.items() if k != "seed"}
    if isinstance(config, list):
        return [_without_seeds(v) for v in config]
    return config


def _innermost(config: dict) -> dict:
    while "layer" in config["config"]:
        config = config["config"]["layer"]
    return config["config"]


class Bidirectional(Wrapper):
    """Run ``layer`` over the sequence forwards and a copy of it backwards.

    Parameters
    ----------
    layer : RNN (SimpleRNN, GRU, LSTM, any cell), or a regularizer wrapper of one
        The forward layer. It is renamed ``forward_<name>``.
    merge_mode : {'concat', 'sum', 'mul', 'ave', None}, default 'concat'
        How the two outputs combine; ``None`` returns both, ``[forward,
        backward]``.
    backward_layer : layer, optional
        The backward layer; by default a copy of ``layer`` (its own weights,
        generators and seeds) with ``go_backwards`` flipped, named
        ``backward_<name>``.

    Notes
    -----
    The backward layer's output sequence is reversed back into the input's
    time order before merging, as in Keras and PyTorch. Each direction draws
    its own masks (dropout, DropConnect, ZoneOut). With ``return_state``,
    the outputs are ``[merged, *forward_states, *backward_states]``;
    ``initial_state`` takes the forward states then the backward ones.
    Weights are the forward layer's then the backward layer's.

    Examples
    --------
    >>> from kerasque.layers import Bidirectional, LSTM
    >>> layer = Bidirectional(LSTM(8, return_sequences=True))
    >>> layer.compute_output_shape((None, 5, 3))
    (None, 5, 16)
    """

    def __init__(self, layer, merge_mode="concat", backward_layer=None, **kwargs):
        super().__init__(layer, **kwargs)
        owner = f"Bidirectional {self.name!r}"
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                f"{owner}: merge_mode must be one of {list(_MERGE_MODES)}, received {merge_mode!r}."
            )
        for which, lay in (("layer", layer), ("backward_layer", backward_layer)):
            if lay is not None and not getattr(lay, "state_names", None):
                raise TypeError(
                    f"{owner}: {which} must be a recurrent layer (an RNN such as LSTM or GRU, "
                    f"or a wrapper of one), received {type(lay).__name__} {lay.name!r}."
                )
        self.merge_mode = merge_mode
        self._given_backward = backward_layer is not None
        if backward_layer is None:
            config = {
                "class_name": type(layer).__name__,
                "config": _without_seeds(copy.deepcopy(layer.get_config())),
            }
            inner = _innermost(config)
            inner["go_backwards"] = not inner.get("go_backwards", False)
            config["config"]["name"] = f"backward_{layer.name}"
            backward_layer = deserialize_layer(config)
        self._check_pair(owner, layer, backward_layer)
        if not layer.name.startswith("forward_"):
            layer.name = f"forward_{layer.name}"
        self.forward_layer, self.backward_layer = layer, backward_layer

    @staticmethod
    def _check_pair(owner, forward, backward) -> None:
        for attr in ("return_sequences", "return_state"):
            a, b = _loop_attr(forward, attr), _loop_attr(backward, attr)
            if a != b:
                raise ValueError(
                    f"{owner}: the forward and backward layers must agree on {attr}, "
                    f"received {a} and {b}."
                )

    @property
    def sublayers(self) -> list:
        return [self.forward_layer, self.backward_layer]

    @property
    def state_names(self):
        return None  # ZoneOut goes inside: Bidirectional(ZoneOut(LSTM(...), 0.1))

    @property
    def states(self) -> list:
        return [
            *getattr(self.forward_layer, "states", []),
            *getattr(self.backward_layer, "states", []),
        ]

    def reset_states(self, states=None) -> None:
        if states is None:
            self.forward_layer.reset_states()
            self.backward_layer.reset_states()
            return
        n = len(self.forward_layer.states)
        self.forward_layer.reset_states(states[:n])
        self.backward_layer.reset_states(states[n:])

    def check_input_shape(self, shapes) -> None:
        n = len(shapes[1:]) // 2
        self.forward_layer.check_input_shape([shapes[0], *shapes[1 : 1 + n]])
        self.backward_layer.check_input_shape([shapes[0], *shapes[1 + n :]])

    def build(self, input_shape):
        self.forward_layer._maybe_build(input_shape)
        self.backward_layer._maybe_build(input_shape)

    def _sequences(self) -> bool:
        return _loop_attr(self.forward_layer, "return_sequences")

    def _with_state(self) -> bool:
        return _loop_attr(self.forward_layer, "return_state")

    def compute_output_shape(self, input_shape):
        fwd = self.forward_layer.compute_output_shape(input_shape)
        bwd = self.backward_layer.compute_output_shape(input_shape)
        fwd_out, fwd_states = (fwd[0], fwd[1:]) if self._with_state() else (fwd, [])
        bwd_out, bwd_states = (bwd[0], bwd[1:]) if self._with_state() else (bwd, [])
        if self.merge_mode == "concat":
            out = [(*fwd_out[:-1], fwd_out[-1] + bwd_out[-1])]
        elif self.merge_mode is None:
            out = [fwd_out, bwd_out]
        else:
            out = [fwd_out]
        out += list(fwd_states) + list(bwd_states)
        return out if len(out) > 1 else out[0]

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = mask if self._sequences() else None
        outs = [out] * (2 if self.merge_mode is None else 1)
        if self._with_state():
            outs += [None] * (len(self.forward_layer.state_sizes) * 2)
        return outs if len(outs) > 1 else outs[0]

    def call(self, inputs, training=None, mask=None):
        x, *initial = to_list(inputs)
        masks = mask if isinstance(mask, (list, tuple)) else [mask]
        n = len(initial) // 2
        fwd, _ = self.forward_layer._apply([x, *initial[:n]], [masks[0]] * (1 + n), training)
        bwd, _ = self.backward_layer._apply([x, *initial[n:]], [masks[0]] * (1 + n), training)
        y_f, states_f = fwd[0], fwd[1:]
        y_b, states_b = bwd[0], bwd[1:]
        if self._sequences():
            y_b = y_b[:, ::-1]
        outs = self._merge(y_f, y_b)
        return (
            outs + list(states_f) + list(states_b)
            if self._with_state()
            else (outs if len(outs) > 1 else outs[0])
        )

    def _merge(self, y_f, y_b) -> list:
        import pytensor.tensor as pt

        if self.merge_mode == "concat":
            return [pt.concatenate([y_f, y_b], axis=-1)]
        if self.merge_mode == "sum":
            return [y_f + y_b]
        if self.merge_mode == "mul":
            return [y_f * y_b]
        if self.merge_mode == "ave":
            return [(y_f + y_b) / 2]
        return [y_f, y_b]

    def get_config(self) -> dict:
        config = {**super().get_config(), "merge_mode": self.merge_mode}
        config["layer"]["config"]["name"] = self.forward_layer.name[len("forward_") :]
        if self._given_backward:
            config["backward_layer"] = {
                "class_name": type(self.backward_layer).__name__,
                "config": self.backward_layer.get_config(),
            }
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        layer = deserialize_layer(config.pop("layer"))
        backward = config.pop("backward_layer", None)
        if backward is not None:
            backward = deserialize_layer(backward)
        return cls(layer, backward_layer=backward, **config)


def _loop_attr(layer, attr):
    while not hasattr(layer, attr) and hasattr(layer, "layer"):
        layer = layer.layer
    return getattr(layer, attr)
