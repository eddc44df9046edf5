"""MobileNetV3-Large + DeepLabV3 ASPP on Cityscapes (not in the paper; the heavy-decoder reference).

RF2, output stride 16, ASPP with F=256 and atrous rates (6, 12, 18) (tied to the output stride).
"""

from dataclasses import replace

from lraspp_large_cityscapes import config as base

config = replace(base, model=replace(base.model, head="deeplabv3", head_channels=256, atrous_rates=None))
