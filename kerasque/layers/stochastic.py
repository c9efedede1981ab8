"""The base of every layer that draws random numbers: it owns the seed and the generator.

A stochastic layer stores its ``seed`` (one drawn from the global seed when
none is given), creates its generator in ``build`` only when it will draw
(a rate of 0 builds no random node at all), and puts the seed in its config.
Subclasses say when they draw (:meth:`StochasticLayer.is_stochastic`) and draw
through :func:`kerasque.backend.random_bernoulli` and friends with
``self.rng``, so the compile step writes the generator's advance back.
"""

from __future__ import annotations

from kerasque.engine.base_layer import Layer
from kerasque.utils.validation import check_seed


class StochasticLayer(Layer):
    """A layer with its own random generator, spawned from ``seed``.

    Parameters
    ----------
    seed : int, optional
        Seeds this layer's generator; defaults to one drawn from the global
        seed (:func:`kerasque.utils.set_random_seed`), so a seeded script
        gives the same masks in every run.

    Notes
    -----
    Subclasses override :meth:`is_stochastic` (whether the layer, as
    configured, draws at all) and, when they also need weights, call
    ``super().build(input_shape)`` from their own ``build``.
    """

    supports_masking = True

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = check_seed(self.owner, seed)
        self.rng = None

    @property
    def owner(self) -> str:
        """``"ClassName 'layer_name'"``, how error messages name this layer."""
        return f"{type(self).__name__} {self.name!r}"

    def is_stochastic(self) -> bool:
        """Whether this layer draws random numbers (False builds no generator)."""
        return True

    def build(self, input_shape):
        if self.is_stochastic() and self.rng is None:
            self.rng = self.add_rng(self.seed)

    def get_config(self) -> dict:
        return {**super().get_config(), "seed": self.seed}
