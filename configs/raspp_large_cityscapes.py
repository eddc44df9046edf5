"""MobileNetV3-Large + R-ASPP on Cityscapes: Table 7 row 6 (71.91 val mIoU; RF2, F=256)."""

from dataclasses import replace

from lraspp_large_cityscapes import config as base

config = replace(base, model=replace(base.model, head="raspp", head_channels=256))
