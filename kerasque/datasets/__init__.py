"""Small built-in data sets that load without any download.

Submodules
----------
digits
    The UCI hand-written digits: 1,797 images of 8x8 pixels in 10 classes,
    shipped inside the package (``data/digits.npz``, CC BY 4.0).
pydoc_text
    A character-level text corpus made of the help topics in the standard
    library's ``pydoc_data.topics``, plus helpers to build a vocabulary,
    encode text and cut it into next-character training windows.

Each submodule offers ``load_data``, in the manner of ``keras.datasets``.
"""

from kerasque.datasets import digits, pydoc_text

__all__ = ["digits", "pydoc_text"]
