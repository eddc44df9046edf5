"""seg: real-time semantic segmentation with MobileNetV3 and Lite R-ASPP ("Searching for MobileNetV3", ICCV 2019)."""

from .config import Config, load_config
from .models import build_model

__version__ = "0.1.0"
__all__ = ["Config", "build_model", "load_config"]
