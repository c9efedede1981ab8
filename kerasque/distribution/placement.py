"""Where the JAX mode's arguments live under a distribution (the engine's hook).

:func:`place` is called by :class:`kerasque.engine.jax.JaxFunction` before
each call when a distribution is in force: the batch arguments go sharded
along their first axis over the mesh's batch axis, everything else (weights,
optimizer slots, generator keys, scalars) replicated. The jitted step is
unchanged; XLA partitions it from these shardings.
"""

from __future__ import annotations

import numpy as np

from kerasque.distribution.data_parallel import distribution


def shardings(dist, shapes) -> tuple:
    """``(batch, replicated)`` :class:`jax.sharding.NamedSharding` for ``shapes``.

    ``batch`` is the sharding of the arguments whose first axis is the
    batch: split over the mesh's batch axis when the device count divides
    the batch size, else replicated (the batch runs unsharded).
    """
    from jax.sharding import NamedSharding, PartitionSpec

    mesh = dist.device_mesh.jax_mesh()
    replicated = NamedSharding(mesh, PartitionSpec())
    size = next((s[0] for s in shapes if len(s)), None)
    if size is None or size % dist.num_devices:
        return replicated, replicated
    return NamedSharding(mesh, PartitionSpec(dist.batch_dim_name)), replicated


def place(args, rng_values, cells):
    """Place one call's arguments for the distribution in force.

    Parameters
    ----------
    args : list of array
        The explicit inputs (batches first axis first).
    rng_values : list
        Generator keys (JAX pytrees).
    cells : list of list
        Storage cells of the shared variables the call reads; their JAX
        arrays are replaced in place by replicated copies.

    Returns
    -------
    (args, rng_values)
        Placed copies (unchanged when no distribution is in force).
    """
    dist = distribution()
    if dist is None:
        return args, rng_values
    import jax

    shapes = [np.shape(a) for a in args]
    batch, replicated = shardings(dist, shapes)
    size = next((s[0] for s in shapes if len(s)), None)
    placed = []
    for a, shape in zip(args, shapes):
        target = batch if len(shape) and shape[0] == size else replicated
        placed.append(_put(a, target))
    rng_values = [jax.device_put(r, replicated) for r in rng_values]
    for cell in cells:
        value = cell[0]
        if _is_jax(value) and value.sharding != replicated:
            cell[0] = jax.device_put(value, replicated)
    return placed, rng_values


def _put(a, target):
    import jax

    if _is_jax(a):
        return a if a.sharding == target else jax.device_put(a, target)
    if np.asarray(a).dtype.itemsize > 4:
        # 64-bit host data: its graph's 64-bit JAX scope converts it; a
        # device_put here would store it in 32 bits. It runs unsharded.
        return a
    return jax.device_put(a, target)


def _is_jax(a) -> bool:
    return type(a).__module__.startswith("jax")
