"""MobileNetV3-Large + LR-ASPP (Table 7 row 8's network) on ADE20K SceneParsing, 150 classes.

The recipe is DeepLab's for ADE20K (tensorflow/models research/deeplab/g3doc/ade20k.md): 513x513 crops,
150,000 steps, random scale 0.5 to 2.0 (train.py's min/max_scale_factor), poly schedule. DeepLab's page
trains with batch 4 "for the purpose of demonstration" and says fine-tuning batch norm needs a batch above 12;
we keep the Cityscapes configs' 16. Two differences: DeepLab first resizes every image to at most 513 pixels
on its longer side (--min/max_resize_value=513) and this pipeline scales the stored image, and DeepLab starts
from an ImageNet checkpoint: set model.backbone_weights to a torchvision MobileNetV3-Large state dict for that.
Scored on the 2,000 validation images, whole image, single scale; label 0 ("other") is ignored.
"""

from dataclasses import replace

from lraspp_large_cityscapes import config as base

config = replace(
    base,
    model=replace(base.model, num_classes=150, pool="global"),  # Fig. 10's 49x49 pool is sized for 1024x2048
    data=replace(
        base.data,
        dataset="ade20k",
        root="datasets/ADEChallengeData2016",
        train_split="training",
        val_split="validation",
        val_batch_size=1,  # images differ in size
        cache_dir=None,  # JPEGs of ~512 pixels decode fast
        augment=replace(base.data.augment, crop_size=(513, 513), scale_range=(0.5, 2.0)),
    ),
    trainer=replace(base.trainer, max_steps=150_000, validations=15),
)
