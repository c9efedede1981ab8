"""Where the JAX mode's arguments live under a distribution (the engine's hook).

:func:`place_batch` and :func:`replicate` are called by
:class:`kerasque.engine.jax.JaxFunction` at each call when a distribution is
in force: the batch arguments go sharded
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


def place_batch(args):
    """Place one call's explicit inputs for the distribution in force.

    Batch arguments (first axis the batch) go sharded over the mesh's batch
    axis when the device count divides the batch, else replicated (the
    batch runs unsharded); the rest replicated. In a multi-process job each
    process passes its share and the global batch is the shares one after
    another.

    Returns
    -------
    (placed, like)
        The placed arrays, and what the compiled function is specialized
        on: the arguments themselves in one process, their global shapes
        (:class:`jax.ShapeDtypeStruct`) in a multi-process job.
    """
    import jax

    dist = distribution()
    processes = jax.process_count()
    local = [np.shape(a) for a in args]
    size = next((s[0] for s in local if len(s)), None)
    is_batch = [bool(len(s)) and s[0] == size for s in local]
    shapes = [(s[0] * processes, *s[1:]) if b else s for s, b in zip(local, is_batch)]
    batch, replicated = shardings(dist, shapes)
    if processes == 1:
        return [_put(a, batch if b else replicated) for a, b in zip(args, is_batch)], args
    if size is not None and batch is replicated:
        raise ValueError(
            f"In a {processes}-process job each process's batch ({size} samples) must "
            f"split evenly over the {dist.num_devices} devices with the others' "
            f"(global batch {size * processes}); choose a batch size and a sample count "
            "that the device count divides."
        )
    placed = [_make(a, batch if b else replicated) for a, b in zip(args, is_batch)]
    like = [jax.ShapeDtypeStruct(s, np.asarray(a).dtype) for a, s in zip(args, shapes)]
    return placed, like


def replicate(rng_values, cells):
    """Replicate generator keys and the shared variables' values over the mesh.

    ``cells`` are storage cells; their JAX arrays are replaced in place by
    replicated copies (a no-op once they are).
    """
    import jax

    _, replicated = shardings(distribution(), [])
    multi = jax.process_count() > 1
    if multi:
        rng_values = [jax.tree.map(lambda v: _make(v, replicated), r) for r in rng_values]
    else:
        rng_values = [jax.device_put(r, replicated) for r in rng_values]
    for cell in cells:
        value = cell[0]
        if multi and getattr(value, "sharding", None) != replicated:
            cell[0] = _make(value, replicated)
        elif _is_jax(value) and value.sharding != replicated:
            cell[0] = jax.device_put(value, replicated)
    return rng_values


def _make(value, target):
    import jax

    return jax.make_array_from_process_local_data(target, np.asarray(value))


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
