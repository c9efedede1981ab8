"""Generator states of the JAX mode, kept on the JAX side between calls.

PyTensor's JAX linker reads a NumPy ``Generator`` as a JAX key (the low 64
bits of its PCG64 state). kerasque's JAX functions take each generator as an
explicit input and return its next key; this module keeps that key until
:func:`sync_generators` writes it back to the layer's shared generator.
"""

from __future__ import annotations

import weakref

import numpy as np

from kerasque.engine.jax.linker import import_jax_dispatch

# Generator states of the JAX mode. A JAX function's draw returns the
# generator's next JAX key; ``_states[rng]`` keeps it with the NumPy
# ``Generator`` that the shared variable held when it was taken, and a flag
# telling whether it has been written back. The next JAX call reads the key
# from here, so a fit never waits to convert keys; readers of the shared
# variable itself (saving, the other modes) get it written back by
# ``sync_generators``. If anything sets a new generator on the shared
# variable meanwhile (loading a file, reseeding), the entry no longer
# matches it and is ignored.
_states: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def rng_value(rng):
    import_jax_dispatch()
    from pytensor.link.jax.dispatch import jax_typify

    gen = rng.get_value(borrow=True)
    entry = _states.get(rng)
    if entry is not None and entry[0] is gen:
        return entry[1]
    return jax_typify(gen)


def advance(rng, state) -> None:
    _states[rng] = (rng.get_value(borrow=True), state, False)


def sync_generators(rngs=None) -> None:
    """Write the JAX mode's pending generator states back to the shared generators.

    ``rngs``: the generators to write back (default: all). Cheap when there
    is nothing pending. Called after every plain call of a JAX function, at
    the end of each ``fit`` epoch, and before generator states are saved.
    """
    for rng in list(_states.keys()) if rngs is None else rngs:
        entry = _states.get(rng)
        if entry is None or entry[2]:
            continue
        gen, state, _ = entry
        if rng.get_value(borrow=True) is not gen:
            del _states[rng]  # replaced since: the pending state is stale
            continue
        new = generator_with_jax_key(gen, state["jax_state"])
        rng.set_value(new, borrow=True)
        _states[rng] = (new, state, True)


def generator_with_jax_key(gen, key):
    """A NumPy ``Generator`` that PyTensor's JAX linker reads as JAX key ``key``.

    The linker takes the low 64 bits of a PCG64 state as the key (two uint32
    words, least significant first); the new generator keeps the high bits
    and the increment of ``gen`` and carries ``key`` in the low bits. For
    another bit generator, a PCG64 seeded from the key.
    """
    words = [int(w) for w in np.asarray(key, dtype=np.uint32)]
    low = words[0] | (words[1] << 32)
    state = gen.bit_generator.state
    if state.get("bit_generator") != "PCG64":
        return np.random.Generator(np.random.PCG64(words))
    value = (state["state"]["state"] >> 64 << 64) | low
    bit_gen = np.random.PCG64()
    bit_gen.state = {
        "bit_generator": "PCG64",
        "state": {"state": value, "inc": state["state"]["inc"]},
        "has_uint32": 0,
        "uinteger": 0,
    }
    return np.random.Generator(bit_gen)
