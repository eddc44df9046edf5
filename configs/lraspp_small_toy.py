"""MobileNetV3-Small + LR-ASPP on the toy Cityscapes set: the default that trains on a laptop CPU.

`python tools/train.py configs/lraspp_small_toy.py` generates the toy set into datasets/toy_cityscapes
if it is missing, trains on the CPU, validates on the toy val split (never on training images) and
saves checkpoints; docs/training.md gives its measured time and mIoU. Same network and recipe as
lraspp_small_cityscapes.py (Table 7 row 11), scaled down to small images and few steps.
"""

from dataclasses import replace

from lraspp_small_cityscapes import config as base

config = replace(
    base,
    model=replace(base.model, pool="global"),  # Fig. 10's 49x49 pool is sized for 1024x2048 inputs
    data=replace(
        base.data,
        dataset="toy",
        root="datasets/toy_cityscapes",
        toy_train=300,
        toy_val=50,
        toy_seed=0,
        toy_image_size=(128, 256),
        batch_size=8,
        val_batch_size=10,
        num_workers=2,
        augment=replace(base.data.augment, crop_size=(128, 128), scale_range=(0.75, 1.5)),
    ),
    optim=replace(base.optim, lr=0.05, warmup_steps=20),
    trainer=replace(base.trainer, max_steps=400, val_every_n_steps=200, accelerator="cpu", log_every_n_steps=10),
)
