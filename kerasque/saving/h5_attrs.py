"""Attribute codecs of the HDF5 file: strings, lists of strings and JSON.

Reading is strict: an attribute of the wrong kind (a number where a string
belongs, an array where JSON text belongs, bytes that are not UTF-8) is a
``ValueError`` naming the file and the attribute, never a value passed on.
"""

from __future__ import annotations

import json

import numpy as np

# HDF5 object headers hold at most 64 KiB; Keras splits longer list attributes
# into name0, name1, ... and so do we.
HDF5_OBJECT_HEADER_LIMIT = 64512


def where(obj, name: str) -> str:
    """``'/model_weights' attribute 'layer_names'``: how errors name an attribute."""
    return f"{obj.name!r} attribute {name!r}"


def raw_attr(obj, name: str, path: str):
    """The attribute's value as h5py returns it; unreadable types name the file."""
    try:
        return obj.attrs[name]
    except (OSError, TypeError, ValueError, KeyError, RuntimeError) as err:
        raise ValueError(f"{path!r}: cannot read {where(obj, name)} ({err}).") from None


def as_text(value, path: str, what: str) -> str:
    """A string attribute (h5py returns str or bytes) as str."""
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    if isinstance(value, (bytes, np.bytes_)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError as err:
            raise ValueError(f"{path!r}: {what} is not UTF-8 text ({err}).") from None
    if isinstance(value, str):
        return value
    raise ValueError(
        f"{path!r}: {what} must be a string, found {type(value).__name__} {_short(value)}."
    )


def read_text_attr(obj, name: str, path: str, default: str | None = None) -> str | None:
    """A string attribute, or ``default`` when absent."""
    if name not in obj.attrs:
        return default
    return as_text(raw_attr(obj, name, path), path, where(obj, name))


def write_list_attr(obj, name: str, items) -> None:
    """Store a list of strings, split into ``name0, name1, ...`` past 64 KiB."""
    encoded = [str(s).encode("utf-8") for s in items]
    width = max([len(b) for b in encoded] + [1])
    data = np.array(encoded, dtype=f"S{width}")
    chunks = 1
    while data.nbytes / chunks > HDF5_OBJECT_HEADER_LIMIT and chunks < max(len(data), 1):
        chunks += 1
    if chunks == 1:
        obj.attrs[name] = data
        return
    for i, part in enumerate(np.array_split(data, chunks)):
        obj.attrs[f"{name}{i}"] = part


def read_list_attr(obj, name: str, path: str = "<file>") -> list[str] | None:
    """A list attribute written by :func:`write_list_attr` (or Keras), or None."""
    if name in obj.attrs:
        keys = [name]
    else:
        keys, i = [], 0
        while f"{name}{i}" in obj.attrs:
            keys.append(f"{name}{i}")
            i += 1
        if not keys:
            return None
    out = []
    for key in keys:
        part = raw_attr(obj, key, path)
        if not isinstance(part, (np.ndarray, bytes, str, np.bytes_)):
            part = np.asarray(part)
        if isinstance(part, np.ndarray) and part.shape == (0,):
            continue  # Keras writes an empty list as an empty float64 array
        if isinstance(part, np.ndarray) and (part.ndim > 1 or part.dtype.kind not in "SUO"):
            raise ValueError(
                f"{path!r}: {where(obj, key)} must be a list of strings, found an array of "
                f"dtype {part.dtype} and shape {part.shape}."
            )
        out += [as_text(v, path, where(obj, key)) for v in np.atleast_1d(part)]
    return out


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(
        f"Cannot save {value!r} (type {type(value).__name__}) in a config: get_config must "
        "return JSON-serialisable values (numbers, strings, lists, dicts, None)."
    )


def write_json_attr(obj, name: str, value) -> None:
    obj.attrs[name] = json.dumps(value, default=_json_default, allow_nan=True)


def read_json_attr(obj, name: str, path: str):
    """A JSON attribute as data (never code), or None when absent."""
    text = read_text_attr(obj, name, path)
    if text is None:
        return None
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as err:
        raise ValueError(f"{path!r}: {where(obj, name)} is not valid JSON ({err}).") from None


def _short(value, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
