"""Global seeding: one seed makes model building and training reproducible.

Every source of randomness in kerasque (weight initialisers, the mask
generators of stochastic layers, the shuffle of ``fit``) takes its seed from
:func:`next_seed`. After :func:`set_random_seed`, the n-th request returns the
same seed in every process, so building the same model in the same order
gives bit-identical weights and masks.

Without a :func:`set_random_seed` call, seeds are drawn from NumPy's global
generator, as Keras 2 on Theano drew its initial weights and dropout seeds:
the classic ``np.random.seed(1337)`` at the top of a Keras script makes a
kerasque run reproducible too. ``set_random_seed`` wins when called.
"""

from __future__ import annotations

import itertools
import random

import numpy as np

_state = {"seed": None, "counter": itertools.count()}


def set_random_seed(seed: int) -> None:
    """Seed kerasque, Python's ``random`` and NumPy's legacy global state.

    Parameters
    ----------
    seed : int
        A non-negative integer.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"set_random_seed expects a non-negative integer, received {seed!r}.")
    _state["seed"] = int(seed)
    _state["counter"] = itertools.count()
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)


def next_seed() -> int:
    """Return a fresh 63-bit seed.

    Derived from the global seed when :func:`set_random_seed` was called;
    otherwise drawn from NumPy's global generator (``np.random.seed``).
    """
    index = next(_state["counter"])
    if _state["seed"] is None:
        return int(np.random.randint(0, 2**63 - 1, dtype=np.int64))
    seq = np.random.SeedSequence(_state["seed"], spawn_key=(index,))
    return int(seq.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def numpy_generator(seed: int | None = None) -> np.random.Generator:
    """Return a NumPy Generator seeded from ``seed`` or from :func:`next_seed`."""
    return np.random.default_rng(next_seed() if seed is None else seed)
