r"""Optimizers: SGD, RMSprop, Adagrad, Adadelta, Adam (AMSGrad), Adamax, Nadam.

Each turns gradients into a list of ``(variable, new value)`` updates that the
compile step merges with generator and layer-state updates. The rules are
Keras 2.2.4's, with its arguments (``lr``, ``decay``, ``epsilon=None`` for
``kerasque.config.epsilon()``); Keras 3's ``learning_rate`` works too.

The learning rate is a shared variable (:class:`LearningRate`): read and
write it between batches with ``opt.learning_rate.get_value()`` /
``set_value()`` (``K.get_value(opt.lr)`` in Keras), or assign a number
(``opt.learning_rate = 0.01``), all without recompiling. With ``decay > 0``
each step uses :math:`\eta_t = \eta / (1 + \text{decay} \cdot t)`, :math:`t`
the number of steps taken before this one, as Keras 2 does.

Rules, for gradient :math:`g` and step :math:`t = 1, 2, \dots`:

- SGD: :math:`v \leftarrow \mu v - \eta g`, :math:`\theta \leftarrow \theta + v`
  (Nesterov: :math:`\theta \leftarrow \theta + \mu v - \eta g`).
- RMSprop: :math:`a \leftarrow \rho a + (1-\rho) g^2`,
  :math:`\theta \leftarrow \theta - \eta g / (\sqrt{a} + \epsilon)`.
- Adagrad: :math:`a \leftarrow a + g^2`,
  :math:`\theta \leftarrow \theta - \eta g / (\sqrt{a} + \epsilon)`, :math:`a_0 = 0`.
- Adadelta: :math:`a \leftarrow \rho a + (1-\rho) g^2`,
  :math:`u = g \sqrt{d + \epsilon} / \sqrt{a + \epsilon}`,
  :math:`\theta \leftarrow \theta - \eta u`, :math:`d \leftarrow \rho d + (1-\rho) u^2`.
- Adam: :math:`m \leftarrow \beta_1 m + (1-\beta_1) g`,
  :math:`v \leftarrow \beta_2 v + (1-\beta_2) g^2`,
  :math:`\theta \leftarrow \theta - \eta_t \frac{m}{\sqrt{v} + \epsilon}` with
  :math:`\eta_t = \eta \sqrt{1-\beta_2^t} / (1-\beta_1^t)`
  (AMSGrad divides by :math:`\sqrt{\hat v}`, :math:`\hat v \leftarrow \max(\hat v, v)`).
- Adamax: :math:`u \leftarrow \max(\beta_2 u, |g|)`,
  :math:`\theta \leftarrow \theta - \frac{\eta}{1-\beta_1^t} \frac{m}{u + \epsilon}`.
- Nadam: Adam with Nesterov momentum and Dozat's momentum schedule
  :math:`\mu_t = \beta_1 (1 - 0.5 \cdot 0.96^{t \cdot \text{schedule\_decay}})`.

Epsilon sits outside the square root, as in Keras 2 and PyTorch. ``clipnorm``
rescales all gradients together when their global norm exceeds it (Keras 2;
``global_clipnorm`` is the Keras 3 spelling of the same); ``clipvalue`` clips
each entry.
"""

from __future__ import annotations

import inspect
import math
import numbers

import numpy as np
import pytensor
import pytensor.tensor as pt
from pytensor.graph.basic import Variable
from pytensor.tensor.sharedvar import TensorSharedVariable
from pytensor.tensor.type import TensorType

from kerasque.config import epsilon as default_epsilon
from kerasque.config import floatx
from kerasque.utils.generic import _CUSTOM_OBJECTS, check_kwargs, did_you_mean

__all__ = [
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "Adamax",
    "LearningRate",
    "Nadam",
    "Optimizer",
    "RMSprop",
    "deserialize",
    "get",
    "serialize",
]


# -- argument checks ------------------------------------------------------------
def _number(owner, name, value, low=None, high=None, low_open=False, high_open=False):
    """``value`` as a finite float in the given range, else a TypeError / ValueError."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{owner}: {name} must be a number, received {type(value).__name__} {value!r}."
        )
    raw, value = value, float(value)
    lo = "" if low is None else f"{'>' if low_open else '>='} {low}"
    hi = "" if high is None else f"{'<' if high_open else '<='} {high}"
    bad = not math.isfinite(value)
    bad |= low is not None and (value <= low if low_open else value < low)
    bad |= high is not None and (value >= high if high_open else value > high)
    if bad:
        domain = " and ".join(s for s in (lo, hi) if s) or "finite"
        raise ValueError(f"{owner}: {name} must be a finite number {domain}, received {raw!r}.")
    return value


class LearningRate(TensorSharedVariable):
    """The learning rate: a PyTensor shared scalar that also reads as a number.

    ``get_value`` / ``set_value`` (``K.get_value`` / ``K.set_value``) change it
    between batches without recompiling; ``float(lr)``, ``f"{lr:.3g}"`` and
    ``lr == 0.01`` read its current value, so code written for Keras 3's
    float-like learning rate keeps working. Arithmetic stays symbolic, as on
    any PyTensor variable.
    """

    owner_name = "optimizer"

    def __float__(self) -> float:
        return float(self.get_value())

    def __format__(self, spec: str) -> str:
        return format(float(self), spec) if spec else super().__format__(spec)

    # Equality with a number compares values; with another variable it stays
    # identity (graphs keep variables in lists), except between two learning
    # rates, which compare values so that two optimizers' rates can be checked.
    def __eq__(self, other):
        if isinstance(other, LearningRate):
            return self is other or float(self) == float(other)
        if isinstance(other, Variable):
            return self is other
        return float(self) == other

    def __ne__(self, other):
        return not self == other

    __hash__ = Variable.__hash__

    def set_value(self, new_value, borrow=False) -> None:
        """Set the rate: a finite number >= 0."""
        value = _number(self.owner_name, "learning_rate", new_value, low=0)
        super().set_value(np.asarray(value, dtype=self.dtype), borrow=borrow)


def _learning_rate_variable(value: float, name: str, owner: str) -> LearningRate:
    dtype = floatx()
    var = LearningRate(
        type=TensorType(dtype, shape=()),
        value=np.asarray(value, dtype=dtype),
        strict=False,
        name=f"{name}/learning_rate",
    )
    var.owner_name = owner
    return var


# -- the base class ---------------------------------------------------------------
class Optimizer:
    """Base class. Subclasses implement :meth:`_make_slots` and :meth:`_param_updates`.

    Parameters
    ----------
    learning_rate : float
        Finite, >= 0. ``lr=`` is the Keras 2 spelling.
    decay : float
        Keras 2's time decay of the learning rate, >= 0.
    clipnorm : float, optional
        Rescale all gradients when their global L2 norm exceeds it (0: off).
    clipvalue : float, optional
        Clip each gradient entry to ``[-clipvalue, clipvalue]`` (0: off).
    name : str, optional
        Prefix of the optimizer's variable names.
    """

    def __init__(
        self,
        learning_rate=0.01,
        decay=0.0,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        name=None,
        lr=None,
        **kwargs,
    ):
        owner = type(self).__name__
        allowed = [
            p
            for p in inspect.signature(type(self).__init__).parameters
            if p not in ("self", "kwargs")
        ]
        allowed += ["lr", "decay", "clipnorm", "clipvalue", "global_clipnorm", "name"]
        check_kwargs(owner, kwargs, allowed)
        if lr is not None:
            if learning_rate is not None and learning_rate is not _default_rate(type(self)):
                raise TypeError(f"{owner} got both lr= and learning_rate=; pass only one.")
            learning_rate = lr
        self.name = owner if name is None else str(name)
        rate = _number(owner, "learning_rate", learning_rate, low=0)
        self.decay = _number(owner, "decay", decay, low=0)
        self.clipnorm = self._clip_arg(owner, "clipnorm", clipnorm)
        if global_clipnorm is not None:
            if self.clipnorm is not None:
                raise TypeError(f"{owner} got both clipnorm= and global_clipnorm=; pass only one.")
            self.clipnorm = self._clip_arg(owner, "global_clipnorm", global_clipnorm)
        self.clipvalue = self._clip_arg(owner, "clipvalue", clipvalue)
        self._lr = _learning_rate_variable(rate, self.name, owner)
        self.iterations = pytensor.shared(
            np.asarray(0, dtype="int64"), name=f"{self.name}/iterations"
        )
        self._slots: list = []
        self._params = None

    @staticmethod
    def _clip_arg(owner, name, value):
        if value is None:
            return None
        value = _number(owner, name, value, low=0)
        return value or None  # 0 turns clipping off, as in Keras 2

    # -- the learning rate ----------------------------------------------------
    @property
    def learning_rate(self) -> LearningRate:
        """The learning rate variable; assign a number to set its value."""
        return self._lr

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if value is self._lr:
            return
        if isinstance(value, Variable):
            if isinstance(value, TensorSharedVariable) or not pytensor.graph.basic.graph_inputs(
                [value]
            ):
                value = value.get_value() if hasattr(value, "get_value") else value.eval()
            else:
                value = value.eval()
        self._lr.set_value(value)

    lr = learning_rate  # Keras 2's name for the same variable

    # -- state -------------------------------------------------------------------
    @property
    def weights(self) -> list:
        """Optimizer state: the iteration count, then every slot."""
        return [self.iterations] + list(self._slots)

    def get_weights(self) -> list:
        return [np.array(w.get_value()) for w in self.weights]

    def set_weights(self, values) -> None:
        """Restore :meth:`get_weights`'s arrays (all checked before any is set)."""
        values = [np.asarray(v) for v in values]
        if len(values) != len(self.weights):
            raise ValueError(
                f"{self.name} has {len(self.weights)} state arrays, received {len(values)}."
            )
        for var, val in zip(self.weights, values):
            expected = var.get_value(borrow=True).shape
            if val.shape != expected:
                raise ValueError(
                    f"{self.name}: state {var.name!r} expects shape {expected}, received "
                    f"{val.shape}."
                )
            if not np.issubdtype(val.dtype, np.number) or np.iscomplexobj(val):
                raise TypeError(
                    f"{self.name}: state {var.name!r} must be real numbers, "
                    f"received dtype {val.dtype}."
                )
        for var, val in zip(self.weights, values):
            var.set_value(val.astype(var.dtype))

    def _slot(self, param, name, value=0.0):
        shape = param.get_value(borrow=True).shape
        data = np.full(shape, value, dtype=param.dtype)
        slot = pytensor.shared(data, name=f"{param.name}/{name}", shape=data.shape)
        self._slots.append(slot)
        return slot

    def _state(self, name, value, dtype):
        var = pytensor.shared(np.asarray(value, dtype=dtype), name=f"{self.name}/{name}", shape=())
        self._slots.append(var)
        return var

    # -- updates -----------------------------------------------------------------
    def get_gradients(self, loss, params) -> list:
        """Gradients of ``loss`` with ``clipnorm`` and ``clipvalue`` applied."""
        grads = pt.grad(loss, params)
        if self.clipnorm is not None:
            norm = pt.sqrt(sum(pt.sum(pt.sqr(g)) for g in grads))
            grads = [self._clip_norm(g, norm) for g in grads]
        if self.clipvalue is not None:
            grads = [pt.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def _clip_norm(self, g, norm):
        c = pt.constant(self.clipnorm, dtype=g.dtype)
        norm = pt.cast(norm, g.dtype)
        return pt.switch(pt.ge(norm, c), g * c / norm, g)

    def get_updates(self, params, loss, constraints=None) -> list:
        """Updates minimizing ``loss`` over ``params``; slots are created here once.

        Keras 2's argument order ``get_updates(loss, params)`` is accepted too.
        """
        if isinstance(params, Variable) and isinstance(loss, (list, tuple)):
            params, loss = loss, params
        params = list(params)
        if self._params is not None and params != self._params:
            raise RuntimeError(
                f"{self.name} is already bound to another model's weights; create a new "
                "optimizer for each model."
            )
        t = self.iterations + 1
        if not params:
            return [(self.iterations, t)]
        grads = self.get_gradients(loss, params)
        if self._params is None:
            self._params = params
            self._make_slots(params)
        dtype = params[0].dtype
        lr = pt.cast(self._lr, dtype)
        if self.decay > 0:
            steps = pt.cast(self.iterations, dtype)
            lr = lr / (1 + pt.constant(self.decay, dtype=dtype) * steps)
        updates = self._step_updates(pt.cast(t, dtype))
        constraints = constraints or {}
        for i, (p, g) in enumerate(zip(params, grads)):
            for var, value in self._param_updates(i, p, g, lr, pt.cast(t, p.dtype)):
                if var is p and p in constraints:
                    value = constraints[p](value)
                updates.append((var, pt.cast(value, var.dtype)))
        updates.append((self.iterations, t))
        return updates

    def _make_slots(self, params) -> None:
        """Create the per-parameter state (none by default)."""

    def _step_updates(self, t) -> list:
        """Updates of state shared by all parameters (none by default)."""
        return []

    def _param_updates(self, i, p, g, lr, t):
        raise NotImplementedError

    def _c(self, value, like):
        return pt.constant(value, dtype=like.dtype)

    # -- config --------------------------------------------------------------
    def get_config(self) -> dict:
        config = {"learning_rate": float(self._lr.get_value()), "decay": self.decay}
        if self.clipnorm is not None:
            config["clipnorm"] = self.clipnorm
        if self.clipvalue is not None:
            config["clipvalue"] = self.clipvalue
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _default_rate(cls):
    return inspect.signature(cls.__init__).parameters["learning_rate"].default


# -- the rules ------------------------------------------------------------------
class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum.

    Examples
    --------
    >>> from kerasque.optimizers import SGD
    >>> opt = SGD(lr=0.01, momentum=0.9, decay=1e-6, nesterov=True)
    >>> round(float(opt.lr), 4)
    0.01
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, decay=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate, decay, **kwargs)
        self.momentum = _number("SGD", "momentum", momentum, low=0, high=1)
        if not isinstance(nesterov, (bool, np.bool_)):
            raise TypeError(f"SGD: nesterov must be True or False, received {nesterov!r}.")
        self.nesterov = bool(nesterov)

    def _make_slots(self, params):
        self._velocity = [self._slot(p, "momentum") for p in params] if self.momentum else []

    def _param_updates(self, i, p, g, lr, t):
        if not self.momentum:
            return [(p, p - lr * g)]
        v = self._velocity[i]
        mu = self._c(self.momentum, p)
        v_new = mu * v - lr * g
        p_new = p + mu * v_new - lr * g if self.nesterov else p + v_new
        return [(v, v_new), (p, p_new)]

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class RMSprop(Optimizer):
    """Divide the gradient by a running root mean square (Tieleman and Hinton, 2012)."""

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=None, decay=0.0, **kwargs):
        super().__init__(learning_rate, decay, **kwargs)
        self.rho = _number("RMSprop", "rho", rho, low=0, high=1, high_open=True)
        self.epsilon = _epsilon("RMSprop", epsilon)

    def _make_slots(self, params):
        self._acc = [self._slot(p, "rms") for p in params]

    def _param_updates(self, i, p, g, lr, t):
        a = self._acc[i]
        rho = self._c(self.rho, p)
        a_new = rho * a + (1 - rho) * pt.sqr(g)
        return [(a, a_new), (p, p - lr * g / (pt.sqrt(a_new) + self._c(self.epsilon, p)))]

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011): per-weight steps shrink with the summed squares."""

    def __init__(self, learning_rate=0.01, epsilon=None, decay=0.0, **kwargs):
        super().__init__(learning_rate, decay, **kwargs)
        self.epsilon = _epsilon("Adagrad", epsilon)

    def _make_slots(self, params):
        self._acc = [self._slot(p, "accumulator") for p in params]

    def _param_updates(self, i, p, g, lr, t):
        a = self._acc[i]
        a_new = a + pt.sqr(g)
        return [(a, a_new), (p, p - lr * g / (pt.sqrt(a_new) + self._c(self.epsilon, p)))]

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012): steps scaled by running averages of squared updates."""

    def __init__(self, learning_rate=1.0, rho=0.95, epsilon=None, decay=0.0, **kwargs):
        super().__init__(learning_rate, decay, **kwargs)
        self.rho = _number("Adadelta", "rho", rho, low=0, high=1, high_open=True)
        self.epsilon = _epsilon("Adadelta", epsilon)

    def _make_slots(self, params):
        self._acc = [self._slot(p, "accumulator") for p in params]
        self._delta = [self._slot(p, "delta_accumulator") for p in params]

    def _param_updates(self, i, p, g, lr, t):
        a, d = self._acc[i], self._delta[i]
        rho, eps = self._c(self.rho, p), self._c(self.epsilon, p)
        a_new = rho * a + (1 - rho) * pt.sqr(g)
        step = g * pt.sqrt(d + eps) / pt.sqrt(a_new + eps)
        d_new = rho * d + (1 - rho) * pt.sqr(step)
        return [(a, a_new), (p, p - lr * step), (d, d_new)]

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


class _AdamFamily(Optimizer):
    def _betas(self, beta_1, beta_2, epsilon):
        owner = type(self).__name__
        self.beta_1 = _number(owner, "beta_1", beta_1, low=0, high=1, high_open=True)
        self.beta_2 = _number(owner, "beta_2", beta_2, low=0, high=1, high_open=True)
        self.epsilon = _epsilon(owner, epsilon)

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }


class Adam(_AdamFamily):
    """Adam (Kingma and Ba, 2015); ``amsgrad=True`` for AMSGrad (Reddi et al., 2018)."""

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=None,
        decay=0.0,
        amsgrad=False,
        **kwargs,
    ):
        super().__init__(learning_rate, decay, **kwargs)
        self._betas(beta_1, beta_2, epsilon)
        if not isinstance(amsgrad, (bool, np.bool_)):
            raise TypeError(f"Adam: amsgrad must be True or False, received {amsgrad!r}.")
        self.amsgrad = bool(amsgrad)

    def _make_slots(self, params):
        self._m = [self._slot(p, "m") for p in params]
        self._v = [self._slot(p, "v") for p in params]
        self._vhat = [self._slot(p, "vhat") for p in params] if self.amsgrad else []

    def _param_updates(self, i, p, g, lr, t):
        b1, b2 = self._c(self.beta_1, p), self._c(self.beta_2, p)
        lr_t = lr * pt.sqrt(1 - b2**t) / (1 - b1**t)
        m, v = self._m[i], self._v[i]
        m_new = b1 * m + (1 - b1) * g
        v_new = b2 * v + (1 - b2) * pt.sqr(g)
        updates = [(m, m_new), (v, v_new)]
        denom = v_new
        if self.amsgrad:
            vhat_new = pt.maximum(self._vhat[i], v_new)
            updates.append((self._vhat[i], vhat_new))
            denom = vhat_new
        updates.append((p, p - lr_t * m_new / (pt.sqrt(denom) + self._c(self.epsilon, p))))
        return updates

    def get_config(self):
        return {**super().get_config(), "amsgrad": self.amsgrad}


class Adamax(_AdamFamily):
    """Adamax (Kingma and Ba, 2015): Adam with the infinity norm."""

    def __init__(
        self, learning_rate=0.002, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0.0, **kwargs
    ):
        super().__init__(learning_rate, decay, **kwargs)
        self._betas(beta_1, beta_2, epsilon)

    def _make_slots(self, params):
        self._m = [self._slot(p, "m") for p in params]
        self._u = [self._slot(p, "u") for p in params]

    def _param_updates(self, i, p, g, lr, t):
        b1, b2 = self._c(self.beta_1, p), self._c(self.beta_2, p)
        m, u = self._m[i], self._u[i]
        m_new = b1 * m + (1 - b1) * g
        u_new = pt.maximum(b2 * u, pt.abs(g))
        step = lr / (1 - b1**t) * m_new / (u_new + self._c(self.epsilon, p))
        return [(m, m_new), (u, u_new), (p, p - step)]


class Nadam(_AdamFamily):
    """Nesterov Adam (Dozat, 2016) with Keras 2's momentum schedule.

    The running product of the momentum schedule is part of the saved state
    (Keras 2 left it out, so its resumed runs drifted).
    """

    def __init__(
        self,
        learning_rate=0.002,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=None,
        schedule_decay=0.004,
        decay=0.0,
        **kwargs,
    ):
        super().__init__(learning_rate, decay, **kwargs)
        self._betas(beta_1, beta_2, epsilon)
        self.schedule_decay = _number("Nadam", "schedule_decay", schedule_decay, low=0)

    def _make_slots(self, params):
        self._m_schedule = self._state("m_schedule", 1.0, params[0].dtype)
        self._m = [self._slot(p, "m") for p in params]
        self._v = [self._slot(p, "v") for p in params]

    def _step_updates(self, t):
        b1 = self._c(self.beta_1, t)
        base, sd = self._c(0.96, t), self._c(self.schedule_decay, t)
        self._mu_t = b1 * (1 - 0.5 * base ** (t * sd))
        self._mu_next = b1 * (1 - 0.5 * base ** ((t + 1) * sd))
        schedule = pt.cast(self._m_schedule, t.dtype)
        self._schedule_new = schedule * self._mu_t
        self._schedule_next = schedule * self._mu_t * self._mu_next
        return [(self._m_schedule, pt.cast(self._schedule_new, self._m_schedule.dtype))]

    def _param_updates(self, i, p, g, lr, t):
        b1, b2 = self._c(self.beta_1, p), self._c(self.beta_2, p)
        mu_t, mu_next = pt.cast(self._mu_t, p.dtype), pt.cast(self._mu_next, p.dtype)
        m, v = self._m[i], self._v[i]
        g_prime = g / (1 - pt.cast(self._schedule_new, p.dtype))
        m_new = b1 * m + (1 - b1) * g
        m_prime = m_new / (1 - pt.cast(self._schedule_next, p.dtype))
        v_new = b2 * v + (1 - b2) * pt.sqr(g)
        v_prime = v_new / (1 - b2**t)
        m_bar = (1 - mu_t) * g_prime + mu_next * m_prime
        step = lr * m_bar / (pt.sqrt(v_prime) + self._c(self.epsilon, p))
        return [(m, m_new), (v, v_new), (p, p - step)]

    def get_config(self):
        return {**super().get_config(), "schedule_decay": self.schedule_decay}


def _epsilon(owner, value):
    if value is None:
        return default_epsilon()
    return _number(owner, "epsilon", value, low=0)


# -- lookup and serialization -------------------------------------------------------
class IdentifierError(TypeError, ValueError):
    """Neither an optimizer nor a name: a TypeError, and the ValueError Keras raised."""


OPTIMIZERS = {
    "sgd": SGD,
    "rmsprop": RMSprop,
    "adagrad": Adagrad,
    "adadelta": Adadelta,
    "adam": Adam,
    "adamax": Adamax,
    "nadam": Nadam,
}


def serialize(optimizer) -> dict:
    """``{"class_name": ..., "config": ...}``, as Keras saves an optimizer."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"serialize expects an Optimizer, received {type(optimizer).__name__}.")
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config, custom_objects=None) -> Optimizer:
    """An optimizer from :func:`serialize`'s dict (class names match case-insensitively)."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"An optimizer config is a dict with 'class_name' and 'config', received {config!r}."
        )
    class_name, inner = config["class_name"], config.get("config") or {}
    if not isinstance(class_name, str) or not isinstance(inner, dict):
        raise TypeError(
            f"An optimizer config needs a str class_name and a dict config, received "
            f"{type(class_name).__name__} and {type(inner).__name__}."
        )
    objects = {**_CUSTOM_OBJECTS, **(custom_objects or {})}
    cls = objects.get(class_name) or OPTIMIZERS.get(class_name.lower())
    if class_name not in objects and class_name.lower() in OPTIMIZERS:
        # Keras 2 lower-cases a built-in's name in the caller's dict, and its
        # tests compare configs after a round trip relying on that.
        config["class_name"] = class_name.lower()
    if not (isinstance(cls, type) and issubclass(cls, Optimizer)):
        names = sorted(OPTIMIZERS)
        raise ValueError(  # noqa: TRY004 - an unknown name, not a wrong type
            f"Unknown optimizer {class_name!r}.{did_you_mean(class_name.lower(), names)} "
            f"Valid names are: {', '.join(repr(n) for n in names)}."
        )
    return cls.from_config(dict(inner))


def get(identifier) -> Optimizer:
    """An optimizer from an instance, a name ('sgd', 'adam', ...) or a config dict."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}})
    raise IdentifierError(
        f"optimizer must be an Optimizer instance or a name ({', '.join(OPTIMIZERS)}), "
        f"received {type(identifier).__name__}."
    )
