"""torchvision's lraspp_mobilenet_v3_large exactly: MobileNetV3-Large + LR-ASPP, 21 Pascal VOC classes.

The architecture of torchvision/models/segmentation/lraspp.py, whose COCO-trained weights (the 20 VOC
categories plus background, 57.9 mIoU on torchvision's COCO-val subset) `tools/import_weights.py` turns into
a checkpoint for this config: full 960-channel tail (no RF2), output stride 16 with the strided block already
dilated, the skip from the output of the first stride-8 block (stage_indices[-4], 40 channels), a global
sigmoid gate without bias, align_corners=False. Class names and colours: seg.classes.PASCAL_VOC.

The data section describes torchvision's recipe (references/segmentation: ImageNet normalisation, random
resize of the shorter side to 260..1040 with 480x480 crops, flips, batch 4 x 8 GPUs, SGD lr 0.01 momentum 0.9
with poly decay, weight decay 1e-6, 30 epochs; evaluation resizes the shorter side to 520). Its data section
reads Pascal VOC 2012 (datasets/README.md), so `tools/test.py` scores an imported checkpoint on VOC val; the
COCO subset torchvision trained on is not a layout this toolkit reads.
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
        num_classes=21,
        width_mult=1.0,
        output_stride=16,  # mobilenet_v3_large(dilated=True)
        reduced_tail=False,
        head_channels=128,  # LRASPP inter_channels
        tail_expansion="kept",
        low_level_tap="first_block",
        dilation_start="strided_block",
        dilated_block_residual=False,
        gate_activation="sigmoid",
        gate_bias=False,
        pool="global",
        align_corners=False,
    ),
    data=DataConfig(
        dataset="voc",
        root="datasets/VOCdevkit/VOC2012",
        train_split="train",
        val_split="val",
        ignore_index=255,
        batch_size=32,
        val_batch_size=1,
        num_workers=8,
        mean=(0.485, 0.456, 0.406),
        std=(0.229, 0.224, 0.225),
        augment=AugmentConfig(scale_range=(0.5, 2.0), crop_size=(480, 480), hflip=True, color_jitter=0.0),
    ),
    loss=LossConfig(),
    optim=OptimConfig(optimizer="sgd", lr=0.01, momentum=0.9, weight_decay=1e-6, poly_power=0.9, warmup_steps=0),
    # 30 epochs of torchvision's COCO subset; the step count depends on that subset's size, which we do not ship.
    trainer=TrainerConfig(max_steps=90_000, validations=18),
    eval=EvalConfig(mode="whole", flip=False, scales=(1.0,)),
)
