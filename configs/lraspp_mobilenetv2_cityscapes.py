"""MobileNetV2 + LR-ASPP on Cityscapes: Table 7 row 4 (72.74 val mIoU, 0.98M params, 12.28B MAdds).

The paper's baseline encoder with RF2, output stride 16 and LR-ASPP F=128.
"""

from dataclasses import replace

from lraspp_large_cityscapes import config as base

config = replace(base, model=replace(base.model, backbone="mobilenet_v2"))
