"""Keras 2.2.4's optimizers: each rule against NumPy, decay, the lr variable, state, checks."""

import numpy as np
import pytest

from kerasque import backend as K
from kerasque import optimizers
from kerasque.layers import Dense
from kerasque.models import Sequential

EPS = 1e-7


def _numpy_rule(name, cfg):
    """A NumPy re-implementation of Keras 2.2.4's rule: ``step(params, grads, t)``."""
    lr0 = cfg.get("lr", cfg.get("learning_rate"))
    decay = cfg.get("decay", 0.0)
    b1, b2 = cfg.get("beta_1", 0.9), cfg.get("beta_2", 0.999)
    state = {}

    def slot(key, i, like):
        return state.setdefault((key, i), np.zeros_like(like))

    def step(params, grads, t):
        lr = lr0 / (1 + decay * (t - 1))
        if "clipnorm" in cfg:
            norm = np.sqrt(sum((g**2).sum() for g in grads))
            grads = [g * cfg["clipnorm"] / norm if norm >= cfg["clipnorm"] else g for g in grads]
        out = []
        for i, (p, g) in enumerate(zip(params, grads)):
            if name == "SGD":
                mu = cfg.get("momentum", 0.0)
                v = state[("v", i)] = mu * slot("v", i, p) - lr * g
                p = p + (mu * v - lr * g if cfg.get("nesterov") else v)
            elif name == "RMSprop":
                a = state[("a", i)] = 0.9 * slot("a", i, p) + 0.1 * g**2
                p = p - lr * g / (np.sqrt(a) + EPS)
            elif name == "Adagrad":
                a = state[("a", i)] = slot("a", i, p) + g**2
                p = p - lr * g / (np.sqrt(a) + EPS)
            elif name == "Adadelta":
                a = state[("a", i)] = 0.95 * slot("a", i, p) + 0.05 * g**2
                d = slot("d", i, p)
                u = g * np.sqrt(d + EPS) / np.sqrt(a + EPS)
                state[("d", i)] = 0.95 * d + 0.05 * u**2
                p = p - lr * u
            elif name in ("Adam", "Adamax", "Nadam"):
                m = state[("m", i)] = b1 * slot("m", i, p) + (1 - b1) * g
                if name == "Adam":
                    v = state[("v", i)] = b2 * slot("v", i, p) + (1 - b2) * g**2
                    if cfg.get("amsgrad"):
                        v = state[("vhat", i)] = np.maximum(slot("vhat", i, p), v)
                    lr_t = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
                    p = p - lr_t * m / (np.sqrt(v) + EPS)
                elif name == "Adamax":
                    u = state[("u", i)] = np.maximum(b2 * slot("u", i, p), np.abs(g))
                    p = p - lr / (1 - b1**t) * m / (u + EPS)
                else:
                    p = _nadam(state, i, p, g, m, lr, t, b1, b2)
            out.append(p)
        if name == "Nadam":
            state["schedule"] = state["schedule_new"]
        return out

    return step


def _nadam(state, i, p, g, m, lr, t, b1, b2):
    mu_t = b1 * (1 - 0.5 * 0.96 ** (t * 0.004))
    mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * 0.004))
    schedule = state.get("schedule", 1.0)
    new, nxt = schedule * mu_t, schedule * mu_t * mu_next
    state["schedule_new"] = new
    v = state[("v", i)] = b2 * state.get(("v", i), np.zeros_like(p)) + (1 - b2) * g**2
    m_bar = (1 - mu_t) * g / (1 - new) + mu_next * m / (1 - nxt)
    return p - lr * m_bar / (np.sqrt(v / (1 - b2**t)) + EPS)


CASES = [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "decay": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.5, "nesterov": True, "clipnorm": 0.3}),
    ("RMSprop", {"lr": 0.01, "decay": 0.05}),
    ("Adagrad", {"learning_rate": 0.1}),
    ("Adadelta", {"lr": 1.0}),
    ("Adadelta", {"lr": 0.5, "decay": 0.2}),
    ("Adam", {"lr": 0.01, "decay": 0.01}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adamax", {"lr": 0.02}),
    ("Nadam", {"lr": 0.02}),
    ("Nadam", {"lr": 0.01, "beta_1": 0.8, "beta_2": 0.99}),
]


def _linear_problem():
    rng = np.random.default_rng(0)
    return rng.normal(size=(5, 3)), rng.normal(size=(5, 1))


def _grads(x, y, w, b):
    err = x @ w + b - y
    return [2 * x.T @ err / len(x), 2 * err.mean(0)]


@pytest.mark.parametrize("name,cfg", CASES)
def test_each_rule_matches_numpy_over_several_steps(name, cfg):
    K.set_floatx("float64")
    layer = Dense(1, input_shape=(3,), bias_initializer="ones")
    model = Sequential([layer])
    model.compile(getattr(optimizers, name)(**cfg), "mse")
    x, y = _linear_problem()
    params = [w.copy() for w in layer.get_weights()]
    step = _numpy_rule(name, cfg)
    for t in range(1, 6):
        params = step(params, _grads(x, y, *params), t)
        model.train_on_batch(x, y)
    for got, want in zip(layer.get_weights(), params):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    assert int(model.optimizer.iterations.get_value()) == 5


@pytest.mark.parametrize("name", ["SGD", "RMSprop", "Adam", "Nadam", "Adadelta"])
def test_saved_state_resumes_bit_for_bit(name):
    K.set_floatx("float64")
    cfg = {"lr": 0.01, "decay": 0.1}
    if name == "SGD":
        cfg["momentum"] = 0.9
    x, y = _linear_problem()

    def make():
        layer = Dense(1, input_shape=(3,))
        model = Sequential([layer])
        model.compile(getattr(optimizers, name)(**cfg), "mse")
        return model

    a = make()
    for _ in range(3):
        a.train_on_batch(x, y)
    weights, state = a.get_weights(), a.optimizer.get_weights()
    b = make()
    b._function("train")  # slots exist once the train function is built, as in Keras
    b.set_weights(weights)
    b.optimizer.set_weights(state)
    for _ in range(3):
        a.train_on_batch(x, y)
        b.train_on_batch(x, y)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    for sa, sb in zip(a.optimizer.get_weights(), b.optimizer.get_weights()):
        np.testing.assert_array_equal(sa, sb)


def test_nadam_saves_its_momentum_schedule_with_the_slots():
    model = Sequential([Dense(1, input_shape=(2,))])
    model.compile(optimizers.Nadam(), "mse")
    model.train_on_batch(np.ones((1, 2)), np.ones((1, 1)))
    names = [w.name for w in model.optimizer.weights]
    assert names[0] == "Nadam/iterations" and names[1] == "Nadam/m_schedule"
    assert model.optimizer.get_weights()[1] < 1.0


def test_learning_rate_is_a_variable_read_and_written_between_batches_without_recompiling():
    K.set_floatx("float64")
    opt = optimizers.SGD(lr=0.1)
    layer = Dense(1, use_bias=False, input_shape=(3,))
    model = Sequential([layer])
    model.compile(opt, "mse")
    x, y = _linear_problem()
    model.train_on_batch(x, y)
    fn = model._function("train")
    assert opt.lr is opt.learning_rate
    assert float(opt.lr.get_value()) == pytest.approx(0.1)
    opt.lr.set_value(0.5)
    w = layer.get_weights()[0]
    model.train_on_batch(x, y)
    np.testing.assert_allclose(layer.get_weights()[0], w - 0.5 * _grads(x, y, w, 0)[0])
    opt.learning_rate = np.float32(0.25)  # a number assigned works too
    assert opt.learning_rate == 0.25 and float(opt.lr) == 0.25 and f"{opt.lr:.2f}" == "0.25"
    assert model._function("train") is fn


def test_decay_follows_keras2_lr_over_one_plus_decay_times_iterations():
    K.set_floatx("float64")
    opt = optimizers.SGD(lr=1.0, decay=0.5)
    layer = Dense(1, use_bias=False, input_shape=(1,), kernel_initializer="zeros")
    model = Sequential([layer])
    model.compile(opt, "mae")
    # mae's gradient is -1 while the prediction is below the target: w grows by lr_t.
    x, y = np.ones((1, 1)), np.full((1, 1), 100.0)
    steps = []
    for _ in range(3):
        before = layer.get_weights()[0].item()
        model.train_on_batch(x, y)
        steps.append(layer.get_weights()[0].item() - before)
    np.testing.assert_allclose(steps, [1.0, 1 / 1.5, 1 / 2.0])


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: optimizers.Adam(beta_1=1.0), r"Adam: beta_1 must be a finite number >= 0 and < 1"),
        (
            lambda: optimizers.Adam(beta_2=-0.1),
            r"Adam: beta_2 must be a finite number >= 0 and < 1",
        ),
        (lambda: optimizers.RMSprop(rho=1), r"RMSprop: rho must be a finite number >= 0 and < 1"),
        (lambda: optimizers.Adadelta(rho=1.5), r"Adadelta: rho must be"),
        (
            lambda: optimizers.SGD(lr=float("nan")),
            r"SGD: learning_rate must be a finite number >= 0, received nan",
        ),
        (
            lambda: optimizers.Adam(learning_rate=np.inf),
            r"Adam: learning_rate must be a finite number",
        ),
        (lambda: optimizers.SGD(lr=-0.1), r"received -0.1"),
        (
            lambda: optimizers.SGD(momentum=1.5),
            r"SGD: momentum must be a finite number >= 0 and <= 1",
        ),
        (lambda: optimizers.SGD(decay=-1), r"SGD: decay must be"),
        (lambda: optimizers.Adam(clipnorm=float("inf")), r"Adam: clipnorm must be"),
    ],
)
def test_hyperparameters_outside_their_domain_are_refused(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_wrong_types_and_misspelled_keywords_are_type_errors_with_a_suggestion():
    with pytest.raises(
        TypeError,
        match=r"SGD got an unexpected keyword argument 'momentun'. "
        r"Did you mean 'momentum'\?",
    ):
        optimizers.SGD(momentun=0.9)
    with pytest.raises(
        TypeError,
        match=r"Adam got an unexpected keyword argument 'beta1'. "
        r"Did you mean 'beta_1'\?",
    ):
        optimizers.Adam(beta1=0.9)
    with pytest.raises(TypeError, match=r"SGD: learning_rate must be a number, received str"):
        optimizers.SGD(lr="0.1")
    with pytest.raises(TypeError, match=r"SGD got both lr= and learning_rate="):
        optimizers.SGD(learning_rate=0.2, lr=0.1)
    # Keras 3's third positional argument is nesterov; here (Keras 2) it is decay.
    with pytest.raises(TypeError, match=r"SGD: decay must be a number, received bool True"):
        optimizers.SGD(0.1, 0.9, True)
    with pytest.raises(ValueError, match=r"learning_rate must be a finite number >= 0"):
        optimizers.SGD().lr.set_value(float("nan"))


def test_numpy_scalars_and_keras2_keywords_are_accepted():
    opt = optimizers.Adam(
        lr=np.float32(0.01), beta_1=np.float64(0.8), amsgrad=True, clipvalue=np.int64(1)
    )
    assert float(opt.lr) == pytest.approx(0.01) and opt.beta_1 == 0.8 and opt.clipvalue == 1.0
    assert optimizers.RMSprop(epsilon=None).epsilon == K.epsilon()


def test_serialize_deserialize_and_get_round_trip_every_optimizer():
    for name, cls in optimizers.OPTIMIZERS.items():
        opt = cls(lr=0.05, decay=0.01, clipnorm=2.0)
        config = optimizers.serialize(opt)
        assert config["class_name"] == cls.__name__
        again = optimizers.deserialize(config)
        assert type(again) is cls and again.get_config() == opt.get_config()
        # Keras 2.2.4's optimizers_test round trip: deserialize lower-cases the name.
        new_config = optimizers.serialize(again)
        new_config["class_name"] = new_config["class_name"].lower()
        assert config == new_config
        assert isinstance(optimizers.get(name.upper()), cls)
    assert optimizers.deserialize({"class_name": "SGD", "config": {"lr": 0.3}}).lr == pytest.approx(
        0.3
    )
    assert optimizers.get({"class_name": "adam", "config": {}}).get_config()[
        "learning_rate"
    ] == pytest.approx(0.001)
    with pytest.raises(TypeError, match=r"optimizer must be an Optimizer instance or a name"):
        optimizers.get(3)


@pytest.mark.parametrize("name", ["Nadam", "Adam"])
def test_a_saved_model_resumes_with_the_same_optimizer_state_and_rate(tmp_path, name):
    from kerasque.models import load_model

    K.set_floatx("float64")
    x, y = _linear_problem()
    extra = {"amsgrad": True} if name == "Adam" else {}
    opt = getattr(optimizers, name)(lr=0.01, decay=0.05, **extra)
    model = Sequential([Dense(1, input_shape=(3,))])
    model.compile(opt, "mse")
    for _ in range(3):
        model.train_on_batch(x, y)
    opt.lr.set_value(0.004)  # as a schedule would, between batches
    model.save(tmp_path / "run.h5")
    loaded = load_model(tmp_path / "run.h5")
    assert float(loaded.optimizer.lr) == float(opt.lr)
    assert isinstance(loaded.optimizer, type(opt)) and loaded.optimizer.decay == 0.05
    for _ in range(2):
        model.train_on_batch(x, y)
        loaded.train_on_batch(x, y)
    for a, b in zip(
        model.get_weights() + opt.get_weights(),
        loaded.get_weights() + loaded.optimizer.get_weights(),
    ):
        np.testing.assert_array_equal(a, b)
