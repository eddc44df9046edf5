"""MobileNetV3-Large + LR-ASPP as in the authors' released Cityscapes checkpoint (72.41 val mIoU).

tensorflow/models research/deeplab/g3doc/model_zoo.md, mobilenetv3_large_cityscapes_trainfine: trained on
Cityscapes train_fine from scratch (no ImageNet) and evaluated at output stride 32, single scale, no flip,
with the flags listed there (the same architecture as lraspp_large_cityscapes.py except --output_stride=32).
At output stride 32 the gate's kernel is the 769x769 crop at stride 32, 25x25 cells (a global pool on
training crops, 2x8 windows on a 1024x2048 image). The authors' preprocessing maps [0, 255] to [-1, 1]
(core/feature_extractor.py _preprocess_zero_mean_unit_range), i.e. mean 0.5 and std 0.5 here; it matters
for running their weights, not for training from scratch (the stem's conv + BatchNorm absorb it).
The last two readings of their graph matter only for running their weights too: TensorFlow "SAME" padding of
the strided convolutions and the 0.16667 of their hard sigmoid (docs/paper_fidelity.md). Evaluation is theirs:
the 1024x2048 image padded to eval_crop_size=1025,2049 with the mean pixel, single scale, no flip.
tools/import_weights.py turns their checkpoint into one of ours with this config (docs/model_zoo.md).
The model zoo gives no learning rate or step count for these runs; the recipe is lraspp_large_cityscapes.py's.
"""

from dataclasses import replace

from lraspp_large_cityscapes import config as base

config = replace(
    base,
    model=replace(base.model, output_stride=32, padding="tf_same", hard_sigmoid="rounded"),
    data=replace(base.data, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5)),
    eval=replace(base.eval, pad_to=(1025, 2049)),
)
