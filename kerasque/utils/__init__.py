"""User-facing utilities at Keras's ``keras.utils`` paths.

Seeding, one-hot encoding and normalization, the custom-object registry
(``get_custom_objects``, ``custom_object_scope``, ``CustomObjectScope``),
``print_summary``, ``Progbar``, and pictures (``plot_history``, ``plot_model``).
``Sequence`` lives in :mod:`kerasque.utils.data_utils`.
"""

from kerasque.utils.generic import (
    CustomObjectScope,
    custom_object_scope,
    custom_objects,
    get_custom_objects,
    register_custom_object,
)
from kerasque.utils.layer_utils import print_summary
from kerasque.utils.np_utils import normalize, to_categorical
from kerasque.utils.progbar import Progbar
from kerasque.utils.random_state import set_random_seed
from kerasque.utils.vis_utils import plot_history, plot_model

__all__ = [
    "CustomObjectScope",
    "Progbar",
    "custom_object_scope",
    "custom_objects",
    "get_custom_objects",
    "normalize",
    "plot_history",
    "plot_model",
    "print_summary",
    "register_custom_object",
    "set_random_seed",
    "to_categorical",
]
