"""Models: ``Sequential`` and the functional ``Model``; ``load_model``."""

from kerasque.engine.sequential import Sequential
from kerasque.engine.training import Model
from kerasque.saving import load_model

__all__ = ["Sequential", "Model", "load_model"]
