"""Each optimizer's update rule against a NumPy re-implementation, several steps."""

import numpy as np
import pytest

from kerasque import backend as K
from kerasque import optimizers
from kerasque.layers import Dense
from kerasque.models import Sequential


def _numpy_steps(name, cfg, w, grads):
    lr = cfg.get("learning_rate")
    state = {"v": np.zeros_like(w), "m": np.zeros_like(w), "a": np.zeros_like(w)}
    for t, g in enumerate(grads, start=1):
        if "clipnorm" in cfg:
            g = g * min(1.0, cfg["clipnorm"] / np.linalg.norm(g))
        if "clipvalue" in cfg:
            g = np.clip(g, -cfg["clipvalue"], cfg["clipvalue"])
        if name == "SGD":
            mu = cfg.get("momentum", 0.0)
            state["v"] = mu * state["v"] - lr * g
            w = w + (mu * state["v"] - lr * g if cfg.get("nesterov") else state["v"])
        elif name == "RMSprop":
            state["a"] = 0.9 * state["a"] + 0.1 * g**2
            w = w - lr * g / (np.sqrt(state["a"]) + 1e-7)
        elif name == "Adam":
            state["m"] = 0.9 * state["m"] + 0.1 * g
            state["v"] = 0.999 * state["v"] + 0.001 * g**2
            lr_t = lr * np.sqrt(1 - 0.999**t) / (1 - 0.9**t)
            w = w - lr_t * state["m"] / (np.sqrt(state["v"]) + 1e-7)
        elif name == "Adagrad":
            state["a"] = state["a"] + g**2
            w = w - lr * g / (np.sqrt(state["a"]) + 1e-7)
    return w


CASES = [
    ("SGD", {"learning_rate": 0.1}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    ("RMSprop", {"learning_rate": 0.01}),
    ("Adam", {"learning_rate": 0.01}),
    ("Adagrad", {"learning_rate": 0.1}),
    ("SGD", {"learning_rate": 0.1, "clipnorm": 0.5}),
    ("Adam", {"learning_rate": 0.01, "clipvalue": 0.05}),
]


@pytest.mark.parametrize("name,cfg", CASES)
def test_optimizer_matches_numpy_over_several_steps(name, cfg):
    K.set_floatx("float64")
    # loss = mean((x @ w - y)^2) on a linear layer without bias; gradient in closed form.
    layer = Dense(1, use_bias=False, input_shape=(3,))
    model = Sequential([layer])
    model.compile(getattr(optimizers, name)(**cfg), "mse")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 1))
    w = layer.get_weights()[0]
    grads, w_np = [], w.copy()
    for _ in range(4):
        g = 2 * x.T @ (x @ w_np - y) / len(x)
        grads.append(g)
        w_np = _numpy_steps(name, cfg, w, grads)
        model.train_on_batch(x, y)
    np.testing.assert_allclose(layer.get_weights()[0], w_np, rtol=1e-9, atol=1e-12)
    assert model.optimizer.iterations.get_value() == 4


def test_optimizer_names_give_defaults_and_unknown_names_list_valid_ones():
    assert isinstance(optimizers.get("adam"), optimizers.Adam)
    assert optimizers.get("rmsprop").learning_rate == pytest.approx(0.001)
    with pytest.raises(
        ValueError,
        match=r"Unknown optimizer 'sdg'. Did you mean 'sgd'\?.*'adadelta', 'adagrad', "
        r"'adam', 'adamax', 'nadam', 'rmsprop', 'sgd'",
    ):
        optimizers.get("sdg")


def test_bad_optimizer_arguments_are_refused():
    with pytest.raises(
        ValueError, match=r"SGD: learning_rate must be a finite number >= 0, received -1"
    ):
        optimizers.SGD(learning_rate=-1)
    with pytest.raises(TypeError, match=r"Adam got an unexpected keyword argument 'lrate'"):
        optimizers.Adam(lrate=0.1)


def test_learning_rate_changes_without_recompiling():
    opt = optimizers.SGD(learning_rate=0.1)
    model = Sequential([Dense(1, input_shape=(1,))])
    model.compile(opt, "mse")
    model.train_on_batch(np.ones((1, 1)), np.ones((1, 1)))
    fn = model.make_train_function()
    opt.learning_rate = 0.5
    assert opt._lr.get_value() == pytest.approx(0.5)
    model.train_on_batch(np.ones((1, 1)), np.ones((1, 1)))
    assert model.make_train_function() is fn
