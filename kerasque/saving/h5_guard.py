"""What loading may read: objects of this file only, plain numeric datasets, metadata first.

HDF5 can make a file read other files: external links, soft links that lead
to them, virtual datasets and datasets with external raw storage. A hostile
file uses these to load another file's bytes into a model (a private key in a
kernel). This module walks every path one link at a time without letting
HDF5 follow a link, and opens only:

- hard links, and soft links whose target stays inside the expected group
  (followed by this module, a bounded number of hops);
- datasets with a real numeric dtype, a plain layout (no virtual, no
  external storage) and only HDF5's built-in filters, whose declared shape
  is checked against what the model expects before a byte is read, so a
  4 TiB declared shape or a compression bomb never allocates.

Everything else is a ``ValueError`` naming the file and the HDF5 path.
"""

from __future__ import annotations

import h5py
import numpy as np

# gzip, shuffle, fletcher32, szip, nbit, scaleoffset (built into HDF5) and
# lzf (built into h5py). Any other filter would make HDF5 load a plugin.
_BUILTIN_FILTERS = frozenset({1, 2, 3, 4, 5, 6, 32000})
_MAX_LINK_HOPS = 16
# Real numbers only: no bool/enum, complex, strings, references or compounds.
_NUMERIC_KINDS = "fiu"


def _refuse(path: str, hdf5_path: str, why: str) -> ValueError:
    return ValueError(f"{path!r}: HDF5 object {hdf5_path!r} {why}")


def split_path(name: str, path: str, parent: str) -> list[str]:
    """Components of a relative HDF5 name from the file; refuses '', '.', '..' and '/x'."""
    if not isinstance(name, str) or not name or name.startswith("/"):
        raise _refuse(
            path,
            f"{parent.rstrip('/')}/{name}",
            "has an invalid name: names in the file must be non-empty and relative to their group.",
        )
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise _refuse(
            path,
            f"{parent.rstrip('/')}/{name}",
            "has an invalid name (empty, '.' or '..' component).",
        )
    return parts


def _join(group: str, name: str) -> str:
    return f"{group.rstrip('/')}/{name}"


def locate(f: h5py.File, hdf5_path: str, within: str, path: str):
    """Open the object at absolute ``hdf5_path`` without letting HDF5 follow any link.

    Parameters
    ----------
    f : h5py.File
    hdf5_path : str
        Absolute path of the object, e.g. ``'/model_weights/dense_1/dense_1/kernel:0'``.
    within : str
        The group a soft link may point into; a link leading elsewhere is refused.
    path : str
        The user's file path, for error messages.

    Returns
    -------
    h5py.Group or h5py.Dataset, or None when nothing has that name.
    """
    return _walk(f, [p for p in hdf5_path.split("/") if p], within, path, 0)


def _walk(f, parts, within, path, hops):
    obj, here = f, "/"
    for i, name in enumerate(parts):
        if not isinstance(obj, h5py.Group):
            raise _refuse(path, here, "is a dataset where a group was expected.")
        key = name.encode("utf-8")
        full = _join(here, name)
        try:
            if not obj.id.links.exists(key):
                return None
            kind = obj.id.links.get_info(key).type
        except (KeyError, OSError, RuntimeError, ValueError) as err:
            raise _refuse(path, full, f"cannot be read ({err}).") from None
        if kind == h5py.h5l.TYPE_HARD:
            try:
                obj = obj[name]
            except (KeyError, OSError, RuntimeError, ValueError, TypeError) as err:
                raise _refuse(path, full, f"cannot be opened ({err}).") from None
            here = full
            continue
        if kind == h5py.h5l.TYPE_EXTERNAL:
            raise _refuse(
                path,
                full,
                "is an external link to another file; kerasque reads only the file it is given.",
            )
        if kind != h5py.h5l.TYPE_SOFT:
            raise _refuse(path, full, "is a user-defined link; only plain links are read.")
        if hops >= _MAX_LINK_HOPS:
            raise _refuse(path, full, f"starts a chain of more than {_MAX_LINK_HOPS} soft links.")
        target = _soft_target(obj, key, here, full, path)
        if not (target + "/").startswith(within.rstrip("/") + "/"):
            raise _refuse(
                path,
                full,
                f"is a soft link to {target!r}, outside {within!r}; "
                "kerasque follows links only inside the group they belong to.",
            )
        rest = [p for p in target.split("/") if p] + parts[i + 1 :]
        return _walk(f, rest, within, path, hops + 1)
    return obj


def _soft_target(group, key: bytes, here: str, full: str, path: str) -> str:
    try:
        target = group.id.links.get_val(key)
    except (KeyError, OSError, RuntimeError, ValueError) as err:
        raise _refuse(path, full, f"is an unreadable soft link ({err}).") from None
    target = target.decode("utf-8", "replace") if isinstance(target, bytes) else str(target)
    absolute = target if target.startswith("/") else _join(here, target)
    if any(p in (".", "..") for p in absolute.split("/")):
        raise _refuse(path, full, f"is a soft link with a relative component: {target!r}.")
    return "/" + "/".join(p for p in absolute.split("/") if p)


def group_at(f, hdf5_path: str, path: str, within: str | None = None):
    """The group at ``hdf5_path`` (a :func:`locate` that insists on a group), or None."""
    obj = locate(f, hdf5_path, within or hdf5_path, path)
    if obj is not None and not isinstance(obj, h5py.Group):
        raise _refuse(path, hdf5_path, "is a dataset; a group was expected.")
    return obj


def plain_dataset(obj, path: str, hdf5_path: str) -> h5py.Dataset:
    """``obj`` if it is a dataset kerasque may read: real numbers, plain storage."""
    if not isinstance(obj, h5py.Dataset):
        raise _refuse(path, hdf5_path, f"is a {type(obj).__name__}; a dataset was expected.")
    try:
        plist = obj.id.get_create_plist()
        virtual = plist.get_layout() == h5py.h5d.VIRTUAL
        external = plist.get_external_count()
        filters = [plist.get_filter(i)[0] for i in range(plist.get_nfilters())]
        dtype, shape = obj.dtype, obj.shape
    except (OSError, RuntimeError, ValueError, TypeError, KeyError) as err:
        raise _refuse(path, hdf5_path, f"has unreadable metadata ({err}).") from None
    if virtual:
        raise _refuse(
            path,
            hdf5_path,
            "is a virtual dataset (its data lives in other files); "
            "kerasque reads only the file it is given.",
        )
    if external:
        raise _refuse(
            path,
            hdf5_path,
            "stores its data in external files; kerasque reads only the file it is given.",
        )
    unknown = [code for code in filters if code not in _BUILTIN_FILTERS]
    if unknown:
        raise _refuse(
            path,
            hdf5_path,
            f"uses HDF5 filters {unknown}, which are not built in "
            "(reading them would load a plugin).",
        )
    if dtype.kind not in _NUMERIC_KINDS or dtype.fields is not None or dtype.subdtype:
        raise _refuse(
            path, hdf5_path, f"has dtype {dtype}; a real numeric dtype (float, int) was expected."
        )
    if shape is None:
        raise _refuse(path, hdf5_path, "has no dataspace (a null dataset).")
    return obj


def read_checked(ds: h5py.Dataset, expected_shape: tuple, path: str, what: str) -> np.ndarray:
    """Read ``ds`` after checking its declared shape: never more than the model's size."""
    if tuple(ds.shape) != tuple(expected_shape):
        raise ValueError(
            f"{path!r}: {what}: the model expects shape {tuple(expected_shape)}, the file "
            f"holds shape {tuple(ds.shape)}."
        )
    try:
        return np.asarray(ds[()])
    except (OSError, RuntimeError, ValueError, TypeError, KeyError) as err:
        raise OSError(
            f"{path!r}: cannot read {what} ({ds.name!r}): the data is corrupted ({err})."
        ) from None


def cast_exact(value: np.ndarray, dtype, path: str, what: str) -> np.ndarray:
    """``value`` as ``dtype``, refusing values the target type cannot hold.

    A float64 file loads into a float32 model (values round), but a finite
    value that would become infinite, or a fractional or out-of-range value
    for an integer state (the optimizer's iteration count), is an error.
    """
    dtype = np.dtype(dtype)
    if value.dtype == dtype:
        return value
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        if value.dtype.kind == "f" and not np.all(np.isfinite(value) & (value == np.round(value))):
            raise ValueError(f"{path!r}: {what} must hold whole numbers for dtype {dtype}.")
        if value.size and (value.min() < info.min or value.max() > info.max):
            raise ValueError(f"{path!r}: {what} holds values outside the range of {dtype}.")
    with np.errstate(all="ignore"):
        out = value.astype(dtype)
    finite_lost = (
        dtype.kind == "f"
        and value.dtype.kind == "f"
        and not np.array_equal(np.isfinite(out), np.isfinite(value))
    )
    if finite_lost:
        raise ValueError(f"{path!r}: {what} holds values too large for dtype {dtype}.")
    return out


def write_array(group, name: str, value) -> None:
    """Store ``value`` as dataset ``name``, with a Fletcher-32 checksum when HDF5 allows one.

    The checksum (an HDF5 built-in filter every reader understands) makes a
    flipped byte in the data a read error instead of a silently different
    weight. Scalars and empty arrays cannot be chunked, so they go without.
    """
    value = np.asarray(value)
    if value.ndim and value.size:
        group.create_dataset(name, data=value, chunks=value.shape, fletcher32=True)
    else:
        group.create_dataset(name, data=value)
