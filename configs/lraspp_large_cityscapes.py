"""MobileNetV3-Large + LR-ASPP on Cityscapes: Table 7 row 8 of the paper (72.36 val mIoU, 1.51M params, 9.74B MAdds).

Large encoder, RF2 (reduced tail), output stride 16, LR-ASPP with F=128. The training protocol follows
the paper (Sec. 6.1.4): fine annotations only, trained from scratch, single-scale evaluation, with the
DeepLab Cityscapes recipe the paper refers to for the rest (769x769 crops, batch 16, poly schedule).
"""

from seg.config import (
    AugmentConfig,
    Config,
    DataConfig,
    EvalConfig,
    LossConfig,
    ModelConfig,
    OptimConfig,
    TrainerConfig,
)

config = Config(
    model=ModelConfig(
        backbone="mobilenet_v3_large",
        head="lraspp",
        num_classes=19,
        width_mult=1.0,
        output_stride=16,
        reduced_tail=True,
        head_channels=128,
        pool="paper",  # Fig. 10's 49x49 / (16, 20) gate pool; global over a 769 crop, local on 1024x2048
    ),
    data=DataConfig(
        dataset="cityscapes",
        root="datasets/cityscapes",
        train_split="train",  # gtFine only (2975 images): the paper uses no coarse data
        val_split="val",
        num_classes=19,
        ignore_index=255,
        batch_size=16,  # global batch, split across devices
        val_batch_size=1,
        num_workers=8,
        augment=AugmentConfig(scale_range=(0.5, 2.0), crop_size=(769, 769), hflip=True),
    ),
    loss=LossConfig(),
    optim=OptimConfig(optimizer="sgd", lr=0.01, momentum=0.9, weight_decay=4e-5, poly_power=0.9, warmup_steps=0),
    trainer=TrainerConfig(max_steps=90_000, val_every_n_steps=5_000, precision="32-true"),
    eval=EvalConfig(mode="whole", flip=False, scales=(1.0,)),  # the paper evaluates single-scale, whole image
)
