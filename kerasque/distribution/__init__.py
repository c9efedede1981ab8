"""Data-parallel training on JAX's runtime, with Keras 3's names.

Under a :class:`DataParallel` distribution, the JAX mode's compiled
functions split each global batch along the batch axis over a device mesh
and keep weights, optimizer slots and generator keys replicated; XLA
partitions the one jitted step and reduces the gradients. Only the JAX mode
distributes.

- :func:`list_devices`, :class:`DeviceMesh`, :func:`initialize`
  (:mod:`.devices`)
- :class:`DataParallel`, :func:`set_distribution`, :func:`distribution`
  (:mod:`.data_parallel`)
- :func:`~.placement.place_batch`, :func:`~.placement.replicate`: the engine's hooks.
"""

from kerasque.distribution.data_parallel import DataParallel, distribution, set_distribution
from kerasque.distribution.devices import DeviceMesh, initialize, list_devices

__all__ = [
    "DataParallel",
    "DeviceMesh",
    "distribution",
    "initialize",
    "list_devices",
    "set_distribution",
]
