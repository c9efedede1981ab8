"""What a saved file holds, for ``python -m kerasque summary``: configs, version, weights.

Reads metadata only (names, shapes and dtypes of the weights), through the
same checks as loading.
"""

from __future__ import annotations

from typing import NamedTuple

from kerasque.saving import keras_files
from kerasque.saving.h5_attrs import read_json_attr, read_text_attr
from kerasque.saving.h5_file import check_path, open_h5
from kerasque.saving.h5_guard import locate
from kerasque.saving.state import read_number
from kerasque.saving.weights import index_weights


class WeightInfo(NamedTuple):
    """A saved weight's declared shape, dtype and size (its data is not read)."""

    shape: tuple
    dtype: object
    size: int


def read_summary(filepath) -> dict:
    """Configs, version, epoch and ``[(layer, [(weight name, WeightInfo), ...]), ...]``."""
    path = check_path(filepath, "summary")
    with open_h5(path) as f:
        root = "/model_weights" if locate(f, "/model_weights", "/model_weights", path) else "/"
        weights = [
            (
                layer,
                [
                    (name, WeightInfo(tuple(ds.shape), ds.dtype, int(ds.size)))
                    for name, ds in datasets
                ],
            )
            for layer, datasets in index_weights(f, root, path)
        ]
        state = locate(f, "/training_state", "/training_state", path)
        epoch = None
        if state is not None and "epoch" in state.attrs:
            epoch = read_number(state, "epoch", path)
        return {
            "path": path,
            "model_config": read_json_attr(f, keras_files.kerasque_attr(f, "model_config"), path),
            "training_config": read_json_attr(
                f, keras_files.kerasque_attr(f, "training_config"), path
            ),
            "kerasque_version": read_text_attr(f, "kerasque_version", path, "unknown"),
            "backend": read_text_attr(f, "backend", path, "unknown"),
            "weights": weights,
            "epoch": epoch,
        }
