"""MobileNetV2 + R-ASPP on Cityscapes: Table 7 row 1 (72.84 val mIoU, 2.11M params, 21.29B MAdds).

The baseline the paper measures LR-ASPP against: no RF2, output stride 16, R-ASPP with F=256.
"""

from dataclasses import replace

from lraspp_large_cityscapes import config as base

config = replace(
    base, model=replace(base.model, backbone="mobilenet_v2", reduced_tail=False, head="raspp", head_channels=256)
)
