"""Saving respects the file system as writing in place would, and stays atomic.

Permission bits and owner of a replaced file are kept, a symbolic link is
written through, a file the user may not write is refused with
``PermissionError``, and every error names the user's path, never the
temporary file. The permission tests run the save as an unprivileged user
(``setpriv`` to ``nobody`` when the suite runs as root), since root may
write anything.
"""

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import h5py
import numpy as np
import pytest

from kerasque.layers import Dense
from kerasque.models import Sequential, load_model

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOBODY = 65534


def _model():
    return Sequential([Dense(2, input_shape=(3,), name="dense")])


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _kernel(path):
    with h5py.File(path, "r") as f:
        return f["/model_weights/dense/dense/kernel:0"][()]


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o604])
def test_saving_over_a_file_keeps_its_permission_bits(tmp_path, mode):
    path = tmp_path / "m.h5"
    _model().save(path)
    os.chmod(path, mode)
    model = _model()
    model.save(path)
    assert _mode(path) == mode
    np.testing.assert_array_equal(_kernel(path), model.get_weights()[0])


def test_a_new_file_gets_the_mode_the_umask_allows(tmp_path):
    old = os.umask(0o027)
    try:
        _model().save(tmp_path / "m.h5")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "m.h5") == 0o640


@pytest.mark.skipif(os.geteuid() != 0, reason="changing a file's owner needs root")
def test_saving_over_another_users_file_as_root_keeps_its_owner(tmp_path):
    path = tmp_path / "m.h5"
    _model().save(path)
    os.chown(path, NOBODY, NOBODY)
    _model().save(path)
    assert (os.stat(path).st_uid, os.stat(path).st_gid) == (NOBODY, NOBODY)


def test_saving_through_a_symlink_writes_its_target_and_keeps_the_link(tmp_path):
    target = tmp_path / "real" / "m.h5"
    target.parent.mkdir()
    _model().save(target)
    os.chmod(target, 0o600)
    link = tmp_path / "link.h5"
    link.symlink_to(target)
    model = _model()
    model.save(link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert _mode(target) == 0o600
    np.testing.assert_array_equal(_kernel(target), model.get_weights()[0])
    assert sorted(os.listdir(tmp_path)) == ["link.h5", "real"]
    assert os.listdir(target.parent) == ["m.h5"]


def test_saving_through_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.h5"
    link.symlink_to(tmp_path / "new.h5")
    model = _model()
    model.save_weights(link)
    assert link.is_symlink()
    with h5py.File(tmp_path / "new.h5", "r") as f:
        np.testing.assert_array_equal(f["dense/dense/kernel:0"][()], model.get_weights()[0])


def test_saving_to_a_folder_is_refused_naming_it(tmp_path):
    with pytest.raises(
        IsADirectoryError, match=f"Cannot save to {str(tmp_path)!r}: it is a folder"
    ):
        _model().save(tmp_path)


def test_a_file_name_near_the_file_system_limit_saves(tmp_path):
    path = tmp_path / ("m" * 240 + ".h5")
    model = _model()
    model.save(path)
    np.testing.assert_array_equal(load_model(path).get_weights()[0], model.get_weights()[0])


def test_a_filepath_that_is_not_a_path_is_a_type_error():
    with pytest.raises(TypeError, match="filepath must be a str or path-like object, received int"):
        _model().save(3)
    with pytest.raises(TypeError, match="filepath must be a str or path-like"):
        load_model(["m.h5"])


# -- as an unprivileged user -----------------------------------------------------------------
_SAVE_SCRIPT = """
import sys
from kerasque.layers import Dense
from kerasque.models import Sequential
try:
    Sequential([Dense(2, input_shape=(3,), name="dense")]).save(sys.argv[1])
except Exception as err:
    print(f"{type(err).__name__}|{err}")
    sys.exit(3)
print("saved")
"""


def _as_user(args, tmp: str):
    """Run python ``args`` as an unprivileged user; stdout stripped."""
    env = {
        **os.environ,
        "HOME": tmp,
        "PYTENSOR_FLAGS": f"base_compiledir={tmp}/pytensor",
        "PYTHONPATH": os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])),
    }
    command = [sys.executable, *args]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot act as an unprivileged user")
        command = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]
    proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp, timeout=240)
    return proc.returncode, proc.stdout.strip(), proc.stderr


@pytest.fixture
def shared_dir():
    """A folder any user may write (pytest's tmp_path is private to root)."""
    folder = tempfile.mkdtemp(prefix="kerasque-fs-")
    os.chmod(folder, 0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_a_read_only_file_is_refused_with_permission_error_naming_it(shared_dir):
    path = os.path.join(shared_dir, "m.h5")
    _model().save(path)
    os.chmod(path, 0o444)
    before = Path(path).read_bytes()
    code, out, err = _as_user(["-c", _SAVE_SCRIPT, path], shared_dir)
    assert code == 3, err[-2000:]
    kind, message = out.splitlines()[-1].split("|", 1)
    assert kind == "PermissionError"
    assert f"Cannot save to {path!r}: permission denied" in message
    assert ".tmp" not in message
    assert Path(path).read_bytes() == before
    assert _mode(path) == 0o444
    assert os.listdir(shared_dir) == ["m.h5"]
    # The same user writing in place with h5py is refused the same way.
    code, out, _ = _as_user(
        [
            "-c",
            "import h5py, sys\ntry:\n    h5py.File(sys.argv[1], 'w')\n"
            "except PermissionError:\n    print('refused')",
            path,
        ],
        shared_dir,
    )
    assert out == "refused"


def test_a_read_only_folder_is_refused_with_permission_error_naming_the_path(shared_dir):
    folder = os.path.join(shared_dir, "locked")
    os.mkdir(folder)
    os.chmod(folder, 0o555)
    path = os.path.join(folder, "m.h5")
    code, out, err = _as_user(["-c", _SAVE_SCRIPT, path], shared_dir)
    assert code == 3, err[-2000:]
    kind, message = out.splitlines()[-1].split("|", 1)
    assert kind == "PermissionError"
    assert f"Cannot save to {path!r}: permission denied (folder {folder!r}" in message
    assert os.listdir(folder) == []


_FULL_DISK_SCRIPT = """
import resource, signal, sys
from kerasque.layers import Dense
from kerasque.models import Sequential
model = Sequential([Dense(64, input_shape=(64,), name="dense")])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)      # a full disk: writes fail with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
try:
    model.save(sys.argv[1])
except OSError as err:
    print(f"{type(err).__name__}|{err}")
    sys.exit(3)
print("saved")
"""


def test_a_failed_write_names_the_users_path_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "m.h5"
    _model().save(path)
    before = path.read_bytes()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])),
    }
    proc = subprocess.run(
        [sys.executable, "-c", _FULL_DISK_SCRIPT, str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=240,
    )
    assert proc.returncode == 3, proc.stdout + proc.stderr[-2000:]
    message = proc.stdout.strip().splitlines()[-1]
    assert str(path) in message
    assert ".tmp" not in message
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.h5"]
