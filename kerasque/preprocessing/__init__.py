"""Data preprocessing at Keras's paths: ``kerasque.preprocessing.sequence``."""

from kerasque.preprocessing import sequence

__all__ = ["sequence"]
