"""Models: encoders, decoders and the segmentor that joins them."""

from seg.models.backbones import BACKBONES, OUTPUT_STRIDES
from seg.models.checkpoint import CheckpointError, load_weights, model_state_dict, read_checkpoint_config
from seg.models.heads import HEADS
from seg.models.registry import Registry
from seg.models.segmentor import Segmentor, build_model

__all__ = [
    "BACKBONES",
    "HEADS",
    "OUTPUT_STRIDES",
    "CheckpointError",
    "Registry",
    "Segmentor",
    "build_model",
    "load_weights",
    "model_state_dict",
    "read_checkpoint_config",
]
