"""MobileNetV3-Small + LR-ASPP on Cityscapes: Table 7 row 11 (68.38 val mIoU, 0.47M params, 2.90B MAdds).

Same architecture reading and recipe as lraspp_large_cityscapes.py with the Small encoder (the authors'
mobilenet_v3_small_seg: RF2 with layer 9 expanded to 144, the skip from layer_4/depthwise_output, 88
channels; output stride 16, F=128).
"""

from dataclasses import replace

from lraspp_large_cityscapes import config as base

config = replace(base, model=replace(base.model, backbone="mobilenet_v3_small"))
