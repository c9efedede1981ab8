"""Devices, device meshes and multi-process start-up (Keras 3's names).

:func:`list_devices` names JAX's devices as Keras does (``'cpu:0'``);
:class:`DeviceMesh` is a named grid of them; :func:`initialize` joins a
multi-process job through :func:`jax.distributed.initialize`.
"""

from __future__ import annotations

import os

import numpy as np


def _jax():
    import jax

    return jax


def list_devices(device_type: str | None = None) -> list:
    """The devices of the job, as ``'<platform>:<id>'`` strings.

    Parameters
    ----------
    device_type : {None, 'cpu', 'gpu', 'tpu'}
        None: the default backend's devices. In a multi-process job, every
        process's devices (global devices).

    Returns
    -------
    list of str
    """
    jax = _jax()
    if device_type is not None:
        device_type = str(device_type).lower()
        if device_type not in ("cpu", "gpu", "tpu"):
            raise ValueError(
                f"device_type must be None, 'cpu', 'gpu' or 'tpu'; received {device_type!r}."
            )
    devices = jax.devices(device_type)
    return [f"{d.platform}:{d.id}" for d in devices]


def resolve_devices(devices) -> list:
    """JAX device objects for ``devices`` (None: all; strings as from :func:`list_devices`)."""
    jax = _jax()
    if devices is None:
        return list(jax.devices())
    found = {f"{d.platform}:{d.id}": d for d in jax.devices()}
    for platform in ("cpu", "gpu", "tpu"):
        try:
            found.update({f"{d.platform}:{d.id}": d for d in jax.devices(platform)})
        except RuntimeError:
            continue
    out = []
    for d in devices:
        if isinstance(d, str):
            key = d.lower().replace("cuda", "gpu")
            if key not in found:
                raise ValueError(
                    f"Unknown device {d!r}; this job has {sorted(found)}. "
                    "Use kerasque.distribution.list_devices() for the names "
                    "(more CPU devices: XLA_FLAGS=--xla_force_host_platform_device_count=N "
                    "before jax starts)."
                )
            out.append(found[key])
        else:
            out.append(d)
    if len({(d.platform, d.id) for d in out}) != len(out):
        raise ValueError(f"devices must be distinct; received {list(devices)}.")
    return out


class DeviceMesh:
    """A named grid of devices.

    Parameters
    ----------
    shape : tuple of int
        The grid's shape; its product is the number of devices.
    axis_names : list of str
        One name per axis of ``shape``.
    devices : list of str or jax.Device, optional
        The devices, in row-major order (default: all devices).
    """

    def __init__(self, shape, axis_names, devices=None):
        shape = tuple(int(s) for s in shape)
        axis_names = [str(a) for a in axis_names]
        if not shape or any(s < 1 for s in shape):
            raise ValueError(f"shape must be a tuple of positive ints; received {shape}.")
        if len(axis_names) != len(shape):
            raise ValueError(
                f"axis_names must name each of the {len(shape)} axes of shape {shape}; "
                f"received {axis_names}."
            )
        resolved = resolve_devices(devices)
        if devices is None:
            available = len(resolved)
            resolved = resolved[: int(np.prod(shape))]
            if len(resolved) < int(np.prod(shape)):
                raise ValueError(
                    f"A mesh of shape {shape} needs {int(np.prod(shape))} devices; "
                    f"this job has {available}."
                )
        if len(resolved) != int(np.prod(shape)):
            raise ValueError(
                f"A mesh of shape {shape} needs {int(np.prod(shape))} devices; "
                f"received {len(resolved)}."
            )
        self._shape = shape
        self._axis_names = axis_names
        self._devices = np.asarray(resolved, dtype=object).reshape(shape)

    @property
    def shape(self) -> tuple:
        return self._shape

    @property
    def axis_names(self) -> list:
        return list(self._axis_names)

    @property
    def devices(self) -> np.ndarray:
        """The JAX devices, as an array of ``shape``."""
        return self._devices

    def jax_mesh(self):
        """The :class:`jax.sharding.Mesh` of this grid."""
        return _jax().sharding.Mesh(self._devices, tuple(self._axis_names))

    def __repr__(self) -> str:
        return f"DeviceMesh(shape={self._shape}, axis_names={self._axis_names})"


_ENV = {
    "job_addresses": "KERAS_DISTRIBUTION_JOB_ADDRESSES",
    "num_processes": "KERAS_DISTRIBUTION_NUM_PROCESSES",
    "process_id": "KERAS_DISTRIBUTION_PROCESS_ID",
}


def initialize(job_addresses=None, num_processes=None, process_id=None) -> None:
    """Join a multi-process job (wraps :func:`jax.distributed.initialize`).

    Call it in every process before anything else touches JAX's devices.
    Each argument not given is read from the environment variable Keras 3
    reads (``KERAS_DISTRIBUTION_JOB_ADDRESSES``,
    ``KERAS_DISTRIBUTION_NUM_PROCESSES``, ``KERAS_DISTRIBUTION_PROCESS_ID``);
    left None, JAX detects it (cluster environments).

    Parameters
    ----------
    job_addresses : str, optional
        ``'host:port'`` of the coordinator (process 0), or every process's
        address separated by commas, the first being the coordinator.
    num_processes : int, optional
    process_id : int, optional
        0 to ``num_processes - 1``; 0 is the coordinator.
    """
    if job_addresses is None:
        job_addresses = os.environ.get(_ENV["job_addresses"])
    if num_processes is None and _ENV["num_processes"] in os.environ:
        num_processes = int(os.environ[_ENV["num_processes"]])
    if process_id is None and _ENV["process_id"] in os.environ:
        process_id = int(os.environ[_ENV["process_id"]])
    coordinator = job_addresses
    if job_addresses and "," in job_addresses:
        addresses = [a.strip() for a in job_addresses.split(",")]
        if num_processes is not None and num_processes != len(addresses):
            raise ValueError(
                f"job_addresses lists {len(addresses)} processes ({job_addresses!r}) "
                f"but num_processes is {num_processes}; give one address per process."
            )
        coordinator = addresses[0]
    if (
        num_processes is not None
        and process_id is not None
        and not 0 <= int(process_id) < int(num_processes)
    ):
        raise ValueError(f"process_id must be in [0, {num_processes}); received {process_id}.")
    _jax().distributed.initialize(
        coordinator_address=coordinator, num_processes=num_processes, process_id=process_id
    )
