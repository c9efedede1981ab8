"""What ``compile`` asks for, per output: loss, loss weight, metrics, weight mode.

``Model.compile`` records the user's arguments; :func:`resolve_outputs`
turns them into one :class:`OutputSpec` per model output once the model has
a graph (a Sequential may be compiled before it is built). Losses and
metrics are given as Keras accepts them: one for every output, a list with
one per output, or a dict by output name (the output layer's name).

:func:`weighted_objective` reduces a loss or metric to a scalar the way
Keras 2.2.4's ``weighted_masked_objective`` does: per-sample (and per-step)
values, times the output mask, times the sample weights, then the mean.
"""

from __future__ import annotations

import numbers
import warnings

import pytensor.tensor as pt

from kerasque import losses as losses_mod
from kerasque import metrics as metrics_mod
from kerasque.config import floatx
from kerasque.utils.generic import did_you_mean

SAMPLE_WEIGHT_MODES = (None, "temporal")


class OutputSpec:
    """How one output trains and is measured.

    Attributes
    ----------
    name : str
        The output's name (its layer's), used in log names and dict keys.
    loss : callable or None
        ``None`` for an output that does not train (``loss={'aux': None}``).
    loss_weight : float
    temporal : bool
        ``sample_weight_mode='temporal'``: weights of shape (batch, steps).
    metrics : list of (log name, function, weighted)
    """

    def __init__(self, name, loss, loss_weight, temporal, metrics):
        self.name = name
        self.loss = loss
        self.loss_weight = loss_weight
        self.temporal = temporal
        self.metrics = metrics

    @property
    def sparse(self) -> bool:
        return self.loss is not None and losses_mod.TARGETS.get(self.loss) == "sparse"


def output_names(model) -> list:
    """The names of a model's outputs (their layers' names), as Keras's ``output_names``."""
    return [
        t.node.layer.name if t.node is not None else f"output_{i}"
        for i, t in enumerate(model.outputs)
    ]


def per_output(what: str, value, names: list, default=None) -> list:
    """Spread ``value`` (one for all, a list by position or a dict by name) over outputs."""
    if isinstance(value, dict):
        unknown = [k for k in value if k not in names]
        if unknown:
            raise ValueError(
                f"compile: {what} names output {unknown[0]!r}, which the model does not have."
                f"{did_you_mean(unknown[0], names)} Outputs: {names}."
            )
        return [value.get(n, default) for n in names]
    if isinstance(value, (list, tuple)):
        if len(value) != len(names):
            raise ValueError(
                f"compile: the model has {len(names)} output(s) {names}, so a list of {what} "
                f"needs {len(names)} entries; received {len(value)}. Pass one per output or a "
                "dict by output name."
            )
        return list(value)
    return [value] * len(names)


def _loss_weight(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"compile: loss_weights for output {name!r} must be a number, received "
            f"{type(value).__name__} {value!r}."
        )
    return float(value)


def _temporal(value, name: str) -> bool:
    if value not in SAMPLE_WEIGHT_MODES:
        raise ValueError(
            f"compile: sample_weight_mode for output {name!r} must be None or 'temporal', "
            f"received {value!r}."
        )
    return value == "temporal"


def _metric_lists(what: str, metrics, names: list) -> list:
    """Metrics per output from a list for all, a list of lists, or a dict."""
    if metrics is None:
        return [[] for _ in names]
    if isinstance(metrics, str) or callable(metrics):
        raise TypeError(
            f"compile: {what} must be a list (or a dict by output name), received "
            f"{metrics!r}; write {what}=[{metrics!r}]."
        )
    if isinstance(metrics, dict):
        return [
            list(m) if isinstance(m, (list, tuple)) else [m] if m is not None else []
            for m in per_output(what, metrics, names)
        ]
    if not isinstance(metrics, (list, tuple)):
        raise TypeError(
            f"compile: {what} must be a list or a dict, received {type(metrics).__name__}."
        )
    nested = metrics and all(isinstance(m, (list, tuple)) for m in metrics)
    if nested:
        return [list(m) for m in per_output(what, list(metrics), names)]
    return [list(metrics) for _ in names]


def resolve_outputs(model, config: dict) -> list[OutputSpec]:
    """One :class:`OutputSpec` per output from ``compile``'s arguments (``config``)."""
    names = output_names(model)
    loss = config["loss"]
    loss_list = per_output("loss", loss, names) if loss is not None else [None] * len(names)
    if isinstance(loss, dict):
        for name in names:
            if name not in loss:
                warnings.warn(
                    f"Output {name!r} is missing from the loss dictionary; it will not be "
                    "trained (no loss), as in Keras.",
                    UserWarning,
                    stacklevel=3,
                )
    weights = config["loss_weights"]
    weight_list = (
        per_output("loss_weights", weights, names, 1.0)
        if weights is not None
        else [1.0] * len(names)
    )
    modes = per_output("sample_weight_mode", config["sample_weight_mode"], names)
    plain = _metric_lists("metrics", config["metrics"], names)
    weighted = _metric_lists("weighted_metrics", config["weighted_metrics"], names)
    specs = []
    for i, (t, name) in enumerate(zip(model.outputs, names)):
        fn = losses_mod.get(loss_list[i]) if loss_list[i] is not None else None
        prefix = f"{name}_" if len(names) > 1 else ""
        metrics = []
        for group, tag in ((plain[i], ""), (weighted[i], "weighted_")):
            for m in group if fn is not None else ():  # untrained outputs have no targets
                log_name, metric_fn = metrics_mod.resolve(m, fn, t.shape)
                metrics.append((prefix + tag + log_name, metric_fn, bool(tag)))
        specs.append(
            OutputSpec(
                name, fn, _loss_weight(weight_list[i], name), _temporal(modes[i], name), metrics
            )
        )
    return specs


def metrics_names(specs) -> list:
    """Keras's log names: ``loss``, each trained output's ``<name>_loss``, then metrics."""
    names = ["loss"]
    if len(specs) > 1:
        names += [f"{s.name}_loss" for s in specs if s.loss is not None]
    return names + [m[0] for s in specs for m in s.metrics]


def weighted_objective(fn, y_true, y_pred, weights=None, mask=None):
    """The mean of ``fn(y_true, y_pred)`` under ``mask`` and sample ``weights``.

    ``fn`` returns one value per sample (and step); a function that already
    returns a scalar is taken as reduced. As Keras 2.2.4: masked values are
    zeroed and the result rescaled by the mask's mean; axes beyond the
    weights' are averaged; each value is multiplied by its weight, and the
    result divided by the fraction of nonzero weights.
    """
    score = fn(y_true, y_pred)
    if mask is not None and mask.ndim == score.ndim:
        mask = pt.cast(mask, floatx())
        score = score * mask / pt.mean(mask)
    if weights is not None:
        axes = list(range(weights.ndim, score.ndim))
        if axes:
            score = pt.mean(score, axis=axes)
        score = score * weights
        score = score / pt.mean(pt.cast(pt.neq(weights, 0), floatx()))
    return pt.mean(score) if score.ndim else score
