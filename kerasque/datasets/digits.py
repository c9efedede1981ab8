"""The UCI hand-written digits: 1,797 greyscale images of 8x8 pixels.

The data are the test set of the UCI Machine Learning Repository's "Optical
Recognition of Handwritten Digits" (Alpaydin and Kaynak, 1998), as
redistributed by scikit-learn, licensed CC BY 4.0. They ship inside this
package as ``kerasque/datasets/data/digits.npz`` (about 45 kB), so loading
them never touches the network. ``data/README.md`` states the provenance,
the licence, the citation and how the file was made.

Each pixel counts the "on" pixels of a 4x4 block of a 32x32 bitmap, so raw
values are integers in 0..16; :func:`load_data` divides by 16 to give floats
in [0, 1].

Examples
--------
>>> from kerasque.datasets import digits
>>> (x_train, y_train), (x_test, y_test) = digits.load_data()
>>> x_train.shape, x_test.shape
((1438, 8, 8), (359, 8, 8))
"""

from __future__ import annotations

import numbers
from importlib import resources

import numpy as np

NUM_SAMPLES = 1797
NUM_CLASSES = 10
IMAGE_SHAPE = (8, 8)
# Raw pixels count on-pixels in a 4x4 block, so 16 is the largest possible value.
MAX_PIXEL_VALUE = 16

_DATA_FILE = "data/digits.npz"

__all__ = ["load_data", "NUM_SAMPLES", "NUM_CLASSES", "IMAGE_SHAPE"]


def _check_test_split(test_split: float) -> float:
    """Return ``test_split`` as a float, or raise if it is not in (0, 1)."""
    # bool is an int subclass; True would otherwise read as a split of 1.0.
    if isinstance(test_split, bool) or not isinstance(test_split, numbers.Real):
        raise ValueError(
            "digits.load_data expects test_split to be a float strictly between "
            f"0 and 1, received {test_split!r} of type {type(test_split).__name__}. "
            "Pass e.g. test_split=0.2 to hold out 20% of the samples."
        )
    test_split = float(test_split)
    if not 0.0 < test_split < 1.0:
        raise ValueError(
            "digits.load_data expects test_split strictly between 0 and 1, "
            f"received {test_split!r}. Pass e.g. test_split=0.2 to hold out 20% "
            "of the samples; both partitions must be non-empty."
        )
    return test_split


def _check_seed(seed: int) -> int:
    """Return ``seed`` as an int, or raise if it is not a non-negative integer."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(
            "digits.load_data expects seed to be a non-negative integer, "
            f"received {seed!r}. Pass e.g. seed=113 (the default)."
        )
    return int(seed)


def _num_test(num_samples: int, test_split: float) -> int:
    """Return the size of the test partition, keeping both partitions non-empty."""
    n_test = int(round(num_samples * test_split))
    if not 1 <= n_test <= num_samples - 1:
        raise ValueError(
            f"digits.load_data: test_split={test_split!r} of {num_samples} samples "
            f"gives a test set of {n_test} samples, leaving one partition empty. "
            f"Choose test_split between {1 / num_samples:.2g} and "
            f"{1 - 1 / num_samples:.4g}."
        )
    return n_test


def load_raw() -> tuple[np.ndarray, np.ndarray]:
    """Return all samples as stored, without scaling or splitting.

    Returns
    -------
    images : ndarray of uint8, shape (1797, 8, 8)
        Pixel counts in 0..16, in the order of the original file.
    labels : ndarray of uint8, shape (1797,)
        The digit each image shows, 0..9.
    """
    # importlib.resources also finds the file when the package is zipped.
    with resources.files(__package__).joinpath(_DATA_FILE).open("rb") as handle:
        with np.load(handle) as archive:
            images = archive["images"]
            labels = archive["labels"]
    return images, labels


def load_data(
    test_split: float = 0.2, seed: int = 113
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load the digits and split them into training and test sets.

    The samples are shuffled by one permutation drawn from
    ``np.random.default_rng(seed)``, then the last ``round(1797 * test_split)``
    of them form the test set. The same ``seed`` and ``test_split`` always
    give the same split.

    Parameters
    ----------
    test_split : float, default 0.2
        Fraction of the samples held out for testing, strictly between 0 and 1.
    seed : int, default 113
        Non-negative seed of the shuffle.

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of tuples of ndarray
        ``x_*`` are float32 arrays of shape ``(n, 8, 8)`` with values in
        [0, 1] (raw counts divided by 16); ``y_*`` are int64 arrays of shape
        ``(n,)`` with labels 0..9.

    Raises
    ------
    ValueError
        If ``test_split`` is not a number strictly between 0 and 1, if it
        leaves a partition empty, or if ``seed`` is not a non-negative integer.
    """
    test_split = _check_test_split(test_split)
    seed = _check_seed(seed)
    images, labels = load_raw()
    n_test = _num_test(len(labels), test_split)

    order = np.random.default_rng(seed).permutation(len(labels))
    x = images.astype(np.float32) / np.float32(MAX_PIXEL_VALUE)
    y = labels.astype(np.int64)
    train_idx, test_idx = order[:-n_test], order[-n_test:]
    return (x[train_idx], y[train_idx]), (x[test_idx], y[test_idx])
