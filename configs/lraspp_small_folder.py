"""MobileNetV3-Small + LR-ASPP on your own images: the folder format (datasets/README.md, "Your own data").

    python tools/check_dataset.py configs/lraspp_small_folder.py --set data.root=DIR
    python tools/train.py configs/lraspp_small_folder.py --set data.root=DIR

DIR holds classes.txt, images/{train,val}/... and masks/{train,val}/...; the class count and names come from
DIR/classes.txt (model.num_classes=0 takes its length), and metrics.json reports IoU under those names.
Sized for a few hundred images: 256x256 crops at 0.5x to 1.5x of the stored size (so store images at roughly
the size you will run the model on), batch 8, 3000 steps (~80 epochs of 300 images), which is a few minutes
on one GPU and about an hour on a 2-core CPU. The optimizer is the toy recipe's (configs/lraspp_small_toy.py:
SGD with momentum, warmup, per-iteration poly decay), which trains this network from scratch. With few images
an ImageNet-initialised encoder helps most: --set model.backbone_weights=PATH (a torchvision state dict).
"""

from dataclasses import replace

from lraspp_small_cityscapes import config as base

config = replace(
    base,
    model=replace(base.model, num_classes=0, pool="global"),  # 0: as many classes as DIR/classes.txt lists
    data=replace(
        base.data,
        dataset="folder",
        root="datasets/my_dataset",
        train_split="train",
        val_split="val",
        batch_size=8,
        val_batch_size=1,  # your images may differ in size
        num_workers=2,
        cache_dir=None,
        augment=replace(base.data.augment, crop_size=(256, 256), scale_range=(0.5, 1.5)),
    ),
    optim=replace(
        base.optim, optimizer="sgd", lr=0.05, momentum=0.9, weight_decay=4e-5, warmup_steps=100, warmup_max_fraction=0.1
    ),
    trainer=replace(base.trainer, max_steps=3000, validations=6, log_every_n_steps=50),
)
