"""Opening HDF5 files: atomic writes that respect the file system, checked reads.

A save builds the file in memory, writes it under a temporary name next to
the target and renames it over the target only when complete, so a failure
part way (an exception, a full disk, Ctrl-C) leaves any previous file intact.
Beyond that it behaves as writing the file in place would
(``h5py.File(path, 'w')``):

- saving through a symbolic link writes the link's target (the link stays);
- saving over a file keeps its permission bits (and, where allowed, owner);
- a file the user may not write is refused with ``PermissionError``;
- every error names the user's path, never the temporary file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import uuid

import h5py


def check_path(filepath, what: str) -> str:
    """``filepath`` as a str; a clear TypeError for anything that is not a path."""
    if isinstance(filepath, bool) or not isinstance(filepath, (str, bytes, os.PathLike)):
        raise TypeError(
            f"{what}: filepath must be a str or path-like object, received "
            f"{type(filepath).__name__}."
        )
    path = os.fspath(filepath)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not path:
        raise ValueError(f"{what}: filepath is empty.")
    return path


def _target(path: str) -> str:
    """Where a save to ``path`` lands: the end of its symlink chain, if any."""
    return os.path.realpath(path) if os.path.islink(path) else path


def _renamed(err: OSError, path: str, tmp: str) -> OSError:
    """``err`` with the temporary file's name replaced by the user's path."""
    text = str(err).replace(tmp, path)
    if path not in text:
        text = f"Cannot save to {path!r}: {text}"
    cls = type(err) if type(err).__module__ == "builtins" else OSError
    return cls(text)


def _check_writable(path: str, target: str) -> os.stat_result | None:
    """Refuse a target that is a folder or a file the user may not write."""
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            errno.ENOENT, f"Cannot save to {path!r}: folder {folder!r} does not exist"
        )
    if os.path.isdir(target):
        raise IsADirectoryError(errno.EISDIR, f"Cannot save to {path!r}: it is a folder")
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    if st is not None and not os.access(target, os.W_OK):
        raise PermissionError(
            errno.EACCES,
            f"Cannot save to {path!r}: permission denied (the file is not "
            "writable; change its permissions or save to another path)",
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(
            errno.EACCES,
            f"Cannot save to {path!r}: permission denied (folder {folder!r} is "
            "not writable, and a save writes a temporary file there first)",
        )
    return st


def _write_private(tmp: str, image: bytes) -> None:
    """Write ``image`` to a new file ``tmp``, readable by its owner only, and sync it."""
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(image)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _memory_h5():
    """An HDF5 file built in memory; yields it, then its bytes are in ``holder[0]``.

    The HDF5 library never writes to disk itself: when its writes fail (a
    full disk), closing the file crashes the process in some h5py/HDF5
    versions. Python's own writes fail with a clean ``OSError`` instead.
    """
    holder: list = []
    f = h5py.File(f"kerasque-{uuid.uuid4().hex}.h5", "w", driver="core", backing_store=False)
    try:
        yield f, holder
        f.flush()
        holder.append(f.id.get_file_image())
    finally:
        f.close()


def _final_mode(st: os.stat_result | None) -> int:
    if st is not None:
        return stat.S_IMODE(st.st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_h5(filepath):
    """Yield an ``h5py.File``; on success its bytes replace the target atomically.

    The file is built in memory, written under a temporary name in the
    target's folder and renamed over the target only when complete.
    """
    path = check_path(filepath, "save")
    target = _target(path)
    st = _check_writable(path, target)
    folder = os.path.dirname(os.path.abspath(target))
    # Short enough for any file system (NAME_MAX 255) whatever the target's length.
    tmp = os.path.join(folder, f".{os.path.basename(target)[:64]}.{uuid.uuid4().hex[:12]}.tmp")
    with _memory_h5() as (f, holder):
        yield f
    try:
        _write_private(tmp, holder[0])
        os.chmod(tmp, _final_mode(st))
        if st is not None:
            with contextlib.suppress(OSError):
                os.chown(tmp, st.st_uid, st.st_gid)
        os.replace(tmp, target)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        if isinstance(err, OSError):
            raise _renamed(err, path, tmp) from None
        raise


@contextlib.contextmanager
def open_h5(filepath):
    """Open ``filepath`` for reading; errors name the path and say what is wrong."""
    path = check_path(filepath, "load")
    if not os.path.exists(path):
        raise FileNotFoundError(errno.ENOENT, f"No file at {path!r}")
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, f"{path!r} is a folder, not a saved model file")
    if os.path.getsize(path) == 0:
        raise OSError(f"{path!r} is empty (0 bytes): not a saved model; was a save interrupted?")
    try:
        f = h5py.File(path, "r")
    except OSError as err:
        raise OSError(
            f"Cannot read {path!r} as an HDF5 file: it is truncated, corrupted or not HDF5 ({err})."
        ) from None
    with f:
        try:
            yield f
        except (KeyError, RuntimeError, OSError) as err:
            if repr(path) in str(err):
                raise
            raise OSError(f"{path!r} is corrupted or incomplete: {err}") from None
