"""User-facing utilities: seeding, one-hot encoding, the custom-object registry, plots."""

from kerasque.utils.generic import custom_objects, register_custom_object
from kerasque.utils.np_utils import to_categorical
from kerasque.utils.random_state import set_random_seed
from kerasque.utils.vis_utils import plot_history, plot_model

__all__ = ["set_random_seed", "to_categorical", "register_custom_object", "custom_objects",
           "plot_history", "plot_model"]
