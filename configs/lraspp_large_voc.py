"""MobileNetV3-Large + LR-ASPP (Table 7 row 8's network) on Pascal VOC 2012, 21 classes.

The recipe is DeepLab's for PASCAL VOC (tensorflow/models research/deeplab/g3doc/pascal.md and train.py):
the augmented training set train_aug (VOC train + SBD, 10,582 images: datasets/prepare_voc_aug.py), 513x513
crops, random scale 0.5 to 2.0, base learning rate 0.007 (train.py: "Use 0.007 when training on PASCAL
augmented training set"), 30,000 steps (train.py's training_number_of_steps), batch 16 (train.py: with batch
norm training "more than 16 is better"), poly schedule. Without SBD: --set data.train_split=train (1,464
images). DeepLab starts from an ImageNet (or COCO) checkpoint; set model.backbone_weights for ImageNet.
Scored on the 1,449 val images, whole image, single scale; the 255 object borders are ignored.
"""

from dataclasses import replace

from lraspp_large_cityscapes import config as base

config = replace(
    base,
    model=replace(base.model, num_classes=21, pool="global"),  # Fig. 10's 49x49 pool is sized for 1024x2048
    data=replace(
        base.data,
        dataset="voc",
        root="datasets/VOCdevkit/VOC2012",
        train_split="train_aug",
        val_split="val",
        val_batch_size=1,  # images differ in size (at most 500x500)
        cache_dir=None,  # small JPEGs decode fast
        augment=replace(base.data.augment, crop_size=(513, 513), scale_range=(0.5, 2.0)),
    ),
    optim=replace(base.optim, lr=0.007),
    trainer=replace(base.trainer, max_steps=30_000, validations=6),
)
