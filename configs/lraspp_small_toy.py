"""MobileNetV3-Small + LR-ASPP on the toy Cityscapes set: the default that trains on a 2-core CPU.

`python tools/train.py configs/lraspp_small_toy.py` generates the toy set into datasets/toy_cityscapes
if it is missing (300 train + 50 val scenes of 128x256), trains from scratch on the CPU (on a GPU if
there is one), validates on the toy val split (never on training images) and saves checkpoints;
docs/training.md gives its measured time and mIoU. Same network as lraspp_small_cityscapes.py (Table 7
row 11) and the same optimizer (SGD, momentum 0.9, per-iteration poly schedule), scaled down: small
images and crops, 1800 steps, a larger learning rate, and OHEM plus class weights for the rare classes.
The settings were chosen by comparing runs on the val split; docs/training.md lists them.
"""

from dataclasses import replace

from lraspp_small_cityscapes import config as base

config = replace(
    base,
    # The network the toy checkpoints and docs/training.md's mIoU were trained with: torchvision's reading with
    # the last stride-8 block's tap (pinned here, as lraspp_small_cityscapes.py builds the authors') and a global
    # gate pool (Fig. 10's 49x49 pool is sized for 1024x2048 inputs).
    model=replace(
        base.model,
        tail_expansion="kept",
        low_level_tap="last_block",
        dilation_start="strided_block",
        dilated_block_residual=False,
        gate_activation="sigmoid",
        gate_bias=False,
        pool="global",
        align_corners=False,
    ),
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
        num_workers=1,  # one worker keeps up (about 4 ms per crop) and leaves the second core to training
        cache_dir=None,  # small PNGs decode fast
        augment=replace(base.data.augment, crop_size=(128, 128), scale_range=(0.75, 1.5)),
    ),
    loss=replace(
        base.loss,
        ohem=True,
        ohem_threshold=0.7,
        ohem_min_kept=8192,  # an eighth of the pixels of a batch of 8 crops of 128x128
        # Median-frequency weights, square-rooted, over the 300 training label maps: rare classes (traffic
        # light, motorcycle, bicycle, rider) weigh more. Printed by `python tools/class_weights.py CONFIG`.
        class_weights=(
            0.37,
            0.74,
            0.39,
            1.42,
            1.5,
            1.0,
            2.42,
            2.05,
            0.66,
            1.48,
            0.84,
            1.28,
            2.28,
            0.67,
            0.98,
            0.91,
            1.0,
            2.66,
            2.48,
        ),
    ),
    optim=replace(
        base.optim, optimizer="sgd", lr=0.05, momentum=0.9, weight_decay=4e-5, warmup_steps=50, warmup_max_fraction=0.1
    ),
    trainer=replace(base.trainer, max_steps=1800, validations=6, accelerator="auto", devices=1, log_every_n_steps=50),
)
