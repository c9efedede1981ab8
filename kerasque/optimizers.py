r"""Optimizers: SGD (with momentum / Nesterov), RMSprop, Adam, Adagrad.

Each turns gradients into a list of ``(variable, new value)`` updates that the
compile step merges with generator and layer-state updates. The learning
rate is a shared variable, so schedules change it without recompiling.
Optimizer state (the iteration count and every slot) is in :attr:`weights`.

Rules, for gradient :math:`g` and learning rate :math:`\eta`:

- SGD: :math:`v \leftarrow \mu v - \eta g`, :math:`\theta \leftarrow \theta + v`
  (Nesterov: :math:`\theta \leftarrow \theta + \mu v - \eta g`).
- RMSprop: :math:`a \leftarrow \rho a + (1-\rho) g^2`,
  :math:`\theta \leftarrow \theta - \eta g / (\sqrt{a} + \epsilon)`.
- Adam: :math:`m \leftarrow \beta_1 m + (1-\beta_1) g`,
  :math:`v \leftarrow \beta_2 v + (1-\beta_2) g^2`,
  :math:`\theta \leftarrow \theta - \eta \frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t} \frac{m}{\sqrt{v} + \epsilon}`.
- Adagrad: :math:`a \leftarrow a + g^2`,
  :math:`\theta \leftarrow \theta - \eta g / (\sqrt{a} + \epsilon)`, with
  :math:`a_0 = 0`.

Epsilon sits outside the square root, as in Keras 2 and PyTorch.
"""

from __future__ import annotations

import numbers

import numpy as np
import pytensor
import pytensor.tensor as pt

from kerasque.config import floatx
from kerasque.utils.generic import check_kwargs, lookup


def _positive(owner, name, value, allow_zero=False):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    ok = ok and (value >= 0 if allow_zero else value > 0)
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{owner}: {name} must be a number {bound}, received {value!r}.")
    return float(value)


class Optimizer:
    """Base class. Subclasses implement :meth:`_param_updates`."""

    def __init__(self, learning_rate=0.01, clipnorm=None, clipvalue=None, **kwargs):
        name = type(self).__name__
        check_kwargs(name, kwargs, ("name",))
        self.name = kwargs.get("name", name)
        lr = _positive(name, "learning_rate", learning_rate)
        self.clipnorm = None if clipnorm is None else _positive(name, "clipnorm", clipnorm)
        self.clipvalue = None if clipvalue is None else _positive(name, "clipvalue", clipvalue)
        self._lr = pytensor.shared(np.asarray(lr, dtype=floatx()), name=f"{self.name}/learning_rate")
        self.iterations = pytensor.shared(np.asarray(0, dtype="int64"), name=f"{self.name}/iterations")
        self._slots: list = []

    @property
    def learning_rate(self) -> float:
        return float(self._lr.get_value())

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        value = _positive(self.name, "learning_rate", value)
        self._lr.set_value(np.asarray(value, dtype=self._lr.dtype))

    @property
    def weights(self) -> list:
        """Optimizer state: the iteration count, then every slot."""
        return [self.iterations] + list(self._slots)

    def get_weights(self) -> list:
        return [np.asarray(w.get_value()) for w in self.weights]

    def set_weights(self, values) -> None:
        values = list(values)
        if len(values) != len(self.weights):
            raise ValueError(
                f"{self.name} has {len(self.weights)} state arrays, received {len(values)}."
            )
        for var, val in zip(self.weights, values):
            val = np.asarray(val)
            if val.shape != var.get_value(borrow=True).shape:
                raise ValueError(
                    f"{self.name}: state {var.name!r} expects shape "
                    f"{var.get_value(borrow=True).shape}, received {val.shape}."
                )
            var.set_value(val.astype(var.dtype))

    def _slot(self, param, name):
        value = np.zeros(param.get_value(borrow=True).shape, dtype=param.dtype)
        slot = pytensor.shared(value, name=f"{param.name}/{name}", shape=value.shape)
        self._slots.append(slot)
        return slot

    def _clip(self, grads):
        if self.clipnorm is not None:
            out = []
            for g in grads:
                norm = pt.sqrt(pt.sum(pt.sqr(g)))
                scale = pt.minimum(1.0, self.clipnorm / pt.maximum(norm, 1e-12))
                out.append(g * pt.cast(scale, g.dtype))
            grads = out
        if self.clipvalue is not None:
            grads = [pt.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def get_updates(self, params, loss, constraints=None) -> list:
        """Updates minimizing ``loss`` over ``params``; slots are created here once."""
        if self._slots or getattr(self, "_params", None) is not None:
            if [p for p in params] != self._params:
                raise RuntimeError(
                    f"{self.name} is already bound to another model's weights; create a new "
                    "optimizer for each model."
                )
        grads = self._clip(pt.grad(loss, params))
        first = getattr(self, "_params", None) is None
        self._params = list(params)
        if first:
            self._make_slots(params)
        lr = pt.cast(self._lr, params[0].dtype) if params else self._lr
        t = self.iterations + 1
        updates = []
        constraints = constraints or {}
        for i, (p, g) in enumerate(zip(params, grads)):
            for var, value in self._param_updates(i, p, g, lr, t):
                if var is p and p in constraints:
                    value = constraints[p](value)
                updates.append((var, pt.cast(value, var.dtype)))
        updates.append((self.iterations, t))
        return updates

    def _make_slots(self, params) -> None:
        """Create the per-parameter state (none by default)."""

    def _param_updates(self, i, p, g, lr, t):
        raise NotImplementedError

    def get_config(self) -> dict:
        config = {"learning_rate": self.learning_rate}
        if self.clipnorm is not None:
            config["clipnorm"] = self.clipnorm
        if self.clipvalue is not None:
            config["clipvalue"] = self.clipvalue
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.momentum = _positive("SGD", "momentum", momentum, allow_zero=True)
        self.nesterov = bool(nesterov)

    def _make_slots(self, params):
        self._velocity = [self._slot(p, "momentum") for p in params] if self.momentum else []

    def _param_updates(self, i, p, g, lr, t):
        if not self.momentum:
            return [(p, p - lr * g)]
        v = self._velocity[i]
        mu = pt.constant(self.momentum, dtype=p.dtype)
        v_new = mu * v - lr * g
        p_new = p + mu * v_new - lr * g if self.nesterov else p + v_new
        return [(v, v_new), (p, p_new)]

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class RMSprop(Optimizer):
    """Divide the gradient by a running root mean square (Tieleman and Hinton, 2012)."""

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = _positive("RMSprop", "rho", rho, allow_zero=True)
        self.epsilon = _positive("RMSprop", "epsilon", epsilon)

    def _make_slots(self, params):
        self._acc = [self._slot(p, "rms") for p in params]

    def _param_updates(self, i, p, g, lr, t):
        a = self._acc[i]
        rho = pt.constant(self.rho, dtype=p.dtype)
        a_new = rho * a + (1 - rho) * pt.sqr(g)
        return [(a, a_new), (p, p - lr * g / (pt.sqrt(a_new) + self.epsilon))]

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015) with bias correction folded into the step size."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = _positive("Adam", "beta_1", beta_1, allow_zero=True)
        self.beta_2 = _positive("Adam", "beta_2", beta_2, allow_zero=True)
        self.epsilon = _positive("Adam", "epsilon", epsilon)

    def _make_slots(self, params):
        self._m = [self._slot(p, "m") for p in params]
        self._v = [self._slot(p, "v") for p in params]

    def _param_updates(self, i, p, g, lr, t):
        b1 = pt.constant(self.beta_1, dtype=p.dtype)
        b2 = pt.constant(self.beta_2, dtype=p.dtype)
        tf = pt.cast(t, p.dtype)
        lr_t = lr * pt.sqrt(1 - b2**tf) / (1 - b1**tf)
        m, v = self._m[i], self._v[i]
        m_new = b1 * m + (1 - b1) * g
        v_new = b2 * v + (1 - b2) * pt.sqr(g)
        return [(m, m_new), (v, v_new), (p, p - lr_t * m_new / (pt.sqrt(v_new) + self.epsilon))]

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011): per-weight steps shrink with the summed squares."""

    def __init__(self, learning_rate=0.01, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.epsilon = _positive("Adagrad", "epsilon", epsilon)

    def _make_slots(self, params):
        self._acc = [self._slot(p, "accumulator") for p in params]

    def _param_updates(self, i, p, g, lr, t):
        a = self._acc[i]
        a_new = a + pt.sqr(g)
        return [(a, a_new), (p, p - lr * g / (pt.sqrt(a_new) + self.epsilon))]

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


OPTIMIZERS = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adagrad": Adagrad}


def get(identifier) -> Optimizer:
    """An optimizer from an instance or a name ('sgd', 'rmsprop', 'adam', 'adagrad')."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        return lookup("optimizer", identifier.lower(), OPTIMIZERS)()
    raise TypeError(
        f"optimizer must be an Optimizer instance or a name ({', '.join(OPTIMIZERS)}), "
        f"received {type(identifier).__name__}."
    )
