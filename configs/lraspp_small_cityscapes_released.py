"""MobileNetV3-Small + LR-ASPP as in the authors' released Cityscapes checkpoint (68.99 val mIoU).

tensorflow/models research/deeplab/g3doc/model_zoo.md, mobilenetv3_small_cityscapes_trainfine: the
architecture of lraspp_small_cityscapes.py at output stride 32, with the authors' [-1, 1] preprocessing;
see lraspp_large_cityscapes_released.py for the details and what the model zoo does not publish.
"""

from dataclasses import replace

from lraspp_large_cityscapes_released import config as large

config = replace(large, model=replace(large.model, backbone="mobilenet_v3_small"))
