"""Models: ``Sequential`` and the functional ``Model``."""

from kerasque.engine.sequential import Sequential
from kerasque.engine.training import Model

__all__ = ["Sequential", "Model"]
