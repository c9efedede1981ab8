"""Deprecated location: use :func:`kerasque.engine.function.flush_pending`.

Kept so that code written against the old layout (``sync_generators``)
still imports; the JAX mode now lives in :mod:`kerasque.engine.jax`.
"""

from kerasque.engine.jax.generators import generator_with_jax_key, sync_generators

__all__ = ["generator_with_jax_key", "sync_generators"]
