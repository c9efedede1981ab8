"""The JAX mode: kerasque's implementation of the compiled-function protocol on JAX.

:class:`~kerasque.engine.jax.function.JaxFunction` compiles one
specialization per set of input shapes and threads generator states through
each call; :mod:`.linker` holds the PyTensor linkers (64-bit scopes, donated
buffers), :mod:`.generators` the generator states kept on the device between
calls, :mod:`.graph_cache` the disk cache of compiled graphs, and
:mod:`.batches` the device-resident batches. Only
:mod:`kerasque.engine.compile` and :mod:`kerasque.engine.modes` import this
package; importing it registers its flush with
:func:`kerasque.engine.function.flush_pending`.
"""

from kerasque.engine.function import register_flush
from kerasque.engine.jax.function import JaxFunction
from kerasque.engine.jax.generators import sync_generators

register_flush(sync_generators)

__all__ = ["JaxFunction"]
