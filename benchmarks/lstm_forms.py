"""Three ways to write workload C's LSTM in plain JAX, timed in one process.

The LSTM language model of ``run.py`` (workload C: Embedding 64, LSTM 256,
softmax over 65 characters, batch 32, 50 steps, Adam) with the recurrence
written three ways, each one jitted training step (forward, gradient, Adam):

``outside``
    One ``(time * batch, 64) @ (64, 1024)`` input projection before the scan,
    which reads a ``(time, batch, 1024)`` sequence; weight-drop on the
    recurrent kernel. kerasque's loop before 2026-12-01 (second session).
``inside``
    The scan reads the embeddings and each step computes ``x_t W + b`` with
    its recurrent product; weight-drop. kerasque's loop now.
``keras``
    Keras 3's ``LSTM(recurrent_dropout=)`` (its ``implementation=1``): four
    gate kernels, eight products a step, one dropout mask per gate on
    ``h_{t-1}``.

Builds alternate during timing so machine load hits all three alike; it
prints the median step time of each. Not part of the test suite::

    python benchmarks/lstm_forms.py
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np

B, T, V, E, U = 32, 50, 65, 64, 256
KEEP = 0.7


def params(rng):
    def normal(shape, scale):
        return jnp.asarray(rng.normal(size=shape) * scale, jnp.float32)

    return {
        "emb": normal((V, E), 0.1),
        "W": normal((E, 4 * U), 0.1),
        "U": normal((U, 4 * U), 0.05),
        "b": jnp.zeros(4 * U, jnp.float32),
        "D": normal((U, V), 0.1),
        "d": jnp.zeros(V, jnp.float32),
    }


def gates(z_i, z_f, z_g, z_o, c):
    c = jax.nn.sigmoid(z_f) * c + jax.nn.sigmoid(z_i) * jnp.tanh(z_g)
    return jax.nn.sigmoid(z_o) * jnp.tanh(c), c


def split4(z):
    return [z[..., k * U : (k + 1) * U] for k in range(4)]


def recurrence(form, p, e, key):
    """Hidden states ``(time, batch, U)`` of embeddings ``e`` ``(batch, time, E)``."""
    h0 = jnp.zeros((B, U), jnp.float32)
    if form == "keras":
        masks = jax.random.bernoulli(key, KEEP, (4, B, U)).astype(jnp.float32) / KEEP
        ws, us, bs = split4(p["W"]), split4(p["U"]), split4(p["b"])

        def step(carry, x):
            h, c = carry
            z = [x @ ws[k] + bs[k] + (h * masks[k]) @ us[k] for k in range(4)]
            h, c = gates(*z, c)
            return (h, c), h

        return jax.lax.scan(step, (h0, h0), jnp.transpose(e, (1, 0, 2)))[1]
    u = p["U"] * jax.random.bernoulli(key, KEEP, (U, 4 * U)).astype(jnp.float32) / KEEP
    if form == "outside":
        xs = (jnp.transpose(e, (1, 0, 2)).reshape(T * B, E) @ p["W"] + p["b"]).reshape(T, B, -1)

        def step(carry, xp):
            h, c = carry
            h, c = gates(*split4(xp + h @ u), c)
            return (h, c), h

        return jax.lax.scan(step, (h0, h0), xs)[1]

    def step(carry, x):  # inside
        h, c = carry
        h, c = gates(*split4(x @ p["W"] + p["b"] + h @ u), c)
        return (h, c), h

    return jax.lax.scan(step, (h0, h0), jnp.transpose(e, (1, 0, 2)))[1]


def make_step(form):
    def loss(p, x, y, key):
        hs = recurrence(form, p, p["emb"][x], key)
        logp = jax.nn.log_softmax(jnp.einsum("tbu,uv->btv", hs, p["D"]) + p["d"])
        return -jnp.mean(jnp.take_along_axis(logp, y[..., None], -1))

    def train(p, m, v, key, x, y):
        key, sub = jax.random.split(key)
        value, g = jax.value_and_grad(loss)(p, x, y, sub)
        m = jax.tree.map(lambda a, b: 0.9 * a + 0.1 * b, m, g)
        v = jax.tree.map(lambda a, b: 0.999 * a + 0.001 * b * b, v, g)
        p = jax.tree.map(lambda a, b, c: a - 1e-3 * b / (jnp.sqrt(c) + 1e-7), p, m, v)
        return p, m, v, key, value

    return jax.jit(train)


def main() -> None:
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.integers(0, V, (B, T)))
    y = jnp.asarray(rng.integers(0, V, (B, T)))
    forms = ("outside", "inside", "keras")
    p = params(rng)
    zeros = jax.tree.map(jnp.zeros_like, p)
    state = {f: (p, zeros, zeros, jax.random.PRNGKey(0)) for f in forms}
    steps = {f: make_step(f) for f in forms}
    for f in forms:
        start = time.perf_counter()
        out = steps[f](*state[f], x, y)
        jax.block_until_ready(out)
        state[f] = out[:4]
        print(f"{f:8s} compile {time.perf_counter() - start:.2f} s")
    times = {f: [] for f in forms}
    for rep in range(8):
        for f in forms if rep % 2 == 0 else forms[::-1]:
            args = state[f]
            start = time.perf_counter()
            for _ in range(6):
                *args, value = steps[f](*args, x, y)
            jax.block_until_ready(value)
            times[f].append((time.perf_counter() - start) / 6 * 1e3)
            state[f] = tuple(args)
    for f in forms:
        print(f"{f:8s} {np.median(times[f]):6.1f} ms a step  {[round(t) for t in times[f]]}")


if __name__ == "__main__":
    main()
