"""Global seeding: one seed makes model building and training reproducible.

Every source of randomness in kerasque (weight initialisers, the mask
generators of stochastic layers, the shuffle of ``fit``) takes its seed from
:func:`next_seed`. After :func:`set_random_seed`, the n-th request returns the
same seed in every process, so building the same model in the same order
gives bit-identical weights and masks.
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
        raise ValueError(
            f"set_random_seed expects a non-negative integer, received {seed!r}."
        )
    _state["seed"] = int(seed)
    _state["counter"] = itertools.count()
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)


def next_seed() -> int:
    """Return a fresh 63-bit seed derived from the global seed, if one is set."""
    index = next(_state["counter"])
    if _state["seed"] is None:
        entropy = np.random.SeedSequence().entropy
        seq = np.random.SeedSequence(entropy, spawn_key=(index,))
    else:
        seq = np.random.SeedSequence(_state["seed"], spawn_key=(index,))
    return int(seq.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def numpy_generator(seed: int | None = None) -> np.random.Generator:
    """Return a NumPy Generator seeded from ``seed`` or from :func:`next_seed`."""
    return np.random.default_rng(next_seed() if seed is None else seed)
