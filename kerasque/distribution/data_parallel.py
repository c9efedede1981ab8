"""The :class:`DataParallel` distribution and the distribution in force."""

from __future__ import annotations

import contextlib

from kerasque.distribution.devices import DeviceMesh, resolve_devices

_current: dict = {"distribution": None}


class DataParallel:
    """Split each global batch over the devices; replicate the weights.

    Under this distribution the JAX mode's compiled functions place each
    batch sharded along its first axis over the mesh's first axis (the
    batch axis) and the weights, optimizer slots and generator keys
    replicated; XLA runs the one jitted step on every device and reduces
    the gradients. A batch whose size the device count does not divide
    (the last partial batch of an epoch, for one) runs unsharded
    (replicated), with the same result.

    Parameters
    ----------
    devices : list of str or jax.Device, optional
        The devices (default: all), as from
        :func:`kerasque.distribution.list_devices`.
    device_mesh : DeviceMesh, optional
        A mesh whose first axis is the batch axis; overrides ``devices``.
    """

    def __init__(self, devices=None, device_mesh=None):
        if device_mesh is not None:
            if not isinstance(device_mesh, DeviceMesh):
                raise TypeError(
                    f"device_mesh must be a kerasque.distribution.DeviceMesh; "
                    f"received {type(device_mesh).__name__}."
                )
            if devices is not None:
                raise ValueError("Give devices or device_mesh, not both.")
            mesh = device_mesh
        else:
            resolved = resolve_devices(devices)
            mesh = DeviceMesh((len(resolved),), ["batch"], resolved)
        self._device_mesh = mesh
        self.batch_dim_name = mesh.axis_names[0]

    @property
    def device_mesh(self) -> DeviceMesh:
        return self._device_mesh

    @property
    def num_devices(self) -> int:
        """Devices along the batch axis."""
        return self._device_mesh.shape[0]

    @contextlib.contextmanager
    def scope(self):
        """Make this the distribution in force inside a ``with`` block."""
        previous = _current["distribution"]
        set_distribution(self)
        try:
            yield self
        finally:
            _current["distribution"] = previous

    def __repr__(self) -> str:
        return f"DataParallel(device_mesh={self._device_mesh!r})"


def set_distribution(value) -> None:
    """Set the process-wide distribution (None: run on one device).

    Raises
    ------
    ValueError
        If the execution mode in force is not ``'JAX'`` (only the JAX mode
        distributes).
    """
    if value is not None:
        if not isinstance(value, DataParallel):
            raise TypeError(
                "set_distribution expects a kerasque.distribution.DataParallel or None; "
                f"received {type(value).__name__}."
            )
        check_mode(None)
    _current["distribution"] = value


def distribution():
    """The distribution in force, or None."""
    return _current["distribution"]


def check_mode(mode) -> None:
    """Raise if a distribution is asked for in a mode other than ``'JAX'``."""
    from kerasque.engine import modes

    name = modes.resolve(mode)
    if name != "JAX":
        raise ValueError(
            f"A kerasque.distribution distribution runs only in the 'JAX' mode; the mode "
            f"in force is {name!r}. Use kerasque.backend.set_mode('JAX') (or "
            "compile(..., mode='JAX')), or set_distribution(None)."
        )
