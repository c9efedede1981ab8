"""Keras 2's module path for Embedding (``keras.layers.embeddings``)."""

from kerasque.layers.embedding import Embedding

__all__ = ["Embedding"]
