"""The config tree: frozen dataclasses, one per section, and the values a choice field accepts.

Field names are the constructor arguments of the modules they configure; a comment on a field says what it
means and whose reading of the paper each value is (docs/paper_fidelity.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from seg.errors import UserError


class ConfigError(UserError):
    """A config file or override is wrong; the message says where and how to fix it."""


@dataclass(frozen=True)
class ModelConfig:
    """Encoder + decoder. Field names are the constructor arguments of the modules."""

    backbone: str = "mobilenet_v3_large"
    head: str = "lraspp"
    # The one place the class count lives; the dataset's class list must have as many classes
    # (checked when a dataset is built, seg.classes.check_num_classes). 0: as many as the dataset
    # has, filled in by load_config (the folder format's count is the length of ROOT/classes.txt).
    num_classes: int = 19
    width_mult: float = 1.0
    # Output stride of the encoder's "high" features: 32 is the plain ImageNet
    # network; 16 dilates the last stage (rate 2); 8 the last two (rates 2, 4).
    output_stride: int = 16
    # The paper's RF2 (Sec. 6.1.4): halve the channels of the last stage.
    reduced_tail: bool = True
    # The decoder's filter count F (Table 7: 128 or 256).
    head_channels: int = 128
    # LR-ASPP gate pooling: "global" (torchvision), "paper" (49x49 avg pool, stride (16, 20), Fig. 10) or
    # "crop" (the authors' code: the kernel is pool_crop_size at the output stride, stride pool_stride).
    pool: str = "global"
    # DeepLabV3 atrous rates; None ties them to the output stride: (6, 12, 18) at 16,
    # doubled at 8, halved at 32.
    atrous_rates: tuple[int, ...] | None = None
    # Optional torchvision ImageNet state dict that initialises the encoder when a training run
    # starts (a local file; nothing is ever downloaded). Only training reads it: build_model never
    # does, and every other tool takes the weights from a checkpoint.
    backbone_weights: str | None = None
    # ---- Where readings of the paper differ (docs/paper_fidelity.md); defaults: torchvision's, not low_level_tap. ----
    # How RF2 sizes the expansion of the first stride-32 block: "kept" as its input calls for (672 Large,
    # 288 Small; torchvision's reduced_tail) or "halved" (336, 144; the authors' mobilenet_v3_*_seg in
    # research/deeplab/core/feature_extractor.py). Only used with reduced_tail=True.
    tail_expansion: str = "kept"
    # The stride-8 map the LR-ASPP skip reads: "last_block" (output of the last stride-8 block, 40 channels
    # for Large), "first_block" (output of the first one; torchvision's stage_indices[-4]) or "depthwise"
    # (depthwise output inside the last one, before its SE, 120 channels; the authors' layer_7/depthwise_output).
    low_level_tap: str = "last_block"
    # With output_stride < 32, the rate of the block that gives up its stride: "strided_block" (already the
    # doubled rate; torchvision's dilated=True) or "next_block" (the rate before it; the authors' mobilenet_base).
    dilation_start: str = "strided_block"
    # Whether a block that gave up its stride adds a residual when its widths match (the authors' expanded_conv
    # tests the stride it runs with; torchvision the ImageNet stride). Only Small's first RF2 block qualifies.
    dilated_block_residual: bool = False
    # LR-ASPP gate non-linearity: "sigmoid" (torchvision) or "hard_sigmoid" (relu6(x + 3) / 6, the authors'
    # q_sigmoid with image_se_uses_qsigmoid=1).
    gate_activation: str = "sigmoid"
    # A bias on the gate's 1x1 conv (the authors' slim.conv2d without normalizer has one; torchvision's not).
    gate_bias: bool = False
    # pool="crop" only: the crop the gate's kernel is sized for, (height, width) (the authors'
    # image_pooling_crop_size=769,769), and the pool's stride in feature cells (image_pooling_stride=4,5).
    pool_crop_size: tuple[int, int] = (769, 769)
    pool_stride: tuple[int, int] = (4, 5)
    # align_corners of the model's bilinear resizes (decoder and logits): True in the authors' code
    # (core/utils.py resize_bilinear), False in torchvision's.
    align_corners: bool = False
    # Padding of strided convolutions: "symmetric" ((k - 1) // 2 * dilation on every side; torchvision's, every
    # checkpoint trained here) or "tf_same" (TensorFlow's "SAME": output ceil(in / stride), the odd cell at the
    # bottom and right; the authors' slim convolutions, needed to run their released checkpoints).
    padding: str = "symmetric"
    # The hard sigmoid of the SE and LR-ASPP gates: "exact" (relu6(x + 3) / 6; torchvision's) or "rounded"
    # (relu6(x + 3) * 0.16667, the constant of the authors' mobilenet_v3.py and core/utils.py q_sigmoid).
    hard_sigmoid: str = "exact"


@dataclass(frozen=True)
class AugmentConfig:
    """Training augmentation (albumentations), in the order applied."""

    scale_range: tuple[float, float] = (0.5, 2.0)
    crop_size: tuple[int, int] = (769, 769)  # (height, width)
    hflip: bool = True
    # Photometric jitter strength (brightness, contrast, saturation); hue is a quarter of it.
    color_jitter: float = 0.2
    color_jitter_p: float = 0.5


@dataclass(frozen=True)
class DataConfig:
    """Where the data is and how it is fed."""

    # The layout at ``root`` (datasets/README.md): "cityscapes"; "toy" (the Cityscapes layout, generated
    # into ``root`` by datasets/make_toy_cityscapes.py when it is missing); "ade20k" (ADEChallengeData2016);
    # "voc" (VOCdevkit/VOC2012); "camvid" (SegNet's 11-class split); "folder" (your own images and masks).
    dataset: str = "cityscapes"
    root: str = "datasets/cityscapes"
    train_split: str = "train"
    val_split: str = "val"
    ignore_index: int = 255
    # Global batch size, split evenly across devices (the paper's protocol: 16).
    batch_size: int = 16
    val_batch_size: int = 1
    num_workers: int = 4
    # ImageNet statistics, also the padding value of the crop (as the image is padded
    # with the mean, it normalises to zero).
    mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    std: tuple[float, float, float] = (0.229, 0.224, 0.225)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    # The folder format's classes, copied from ROOT/classes.txt when the config is loaded (empty: not read
    # yet, or a published dataset whose classes seg.classes knows). A run's resolved config and its
    # checkpoints carry them, so exported models and tools label without the dataset at hand.
    class_names: tuple[str, ...] = ()
    palette: tuple[tuple[int, int, int], ...] = ()  # RGB per class, same order as class_names
    # Decode every image and label once into this folder (uncompressed .npy, memory-mapped on later
    # reads; seg/data/cache.py). About 8 MB per Cityscapes pair; None decodes the files at every read.
    cache_dir: str | None = None
    # Toy-set generation (dataset == "toy" only).
    toy_train: int = 0
    toy_val: int = 0
    toy_seed: int = 0
    toy_image_size: tuple[int, int] = (256, 512)  # (height, width)


@dataclass(frozen=True)
class LossConfig:
    """Cross-entropy averaged over non-ignored pixels."""

    class_weights: tuple[float, ...] | None = None
    ohem: bool = False
    # OHEM keeps pixels whose true-class probability is below the threshold, and at
    # least ``ohem_min_kept`` of the hardest ones.
    ohem_threshold: float = 0.7
    ohem_min_kept: int = 100_000


@dataclass(frozen=True)
class OptimConfig:
    """Optimizer and the per-iteration poly schedule."""

    optimizer: str = "sgd"  # "sgd" or "adamw"
    lr: float = 0.01
    momentum: float = 0.9
    weight_decay: float = 4e-5
    poly_power: float = 0.9
    warmup_steps: int = 0
    warmup_start_factor: float = 0.1
    # The warmup is at most this fraction of trainer.max_steps (seg.config.schedule.effective_warmup_steps), so a short run
    # (--set trainer.max_steps=N) keeps a warmup in proportion; 1.0 leaves optim.warmup_steps as it is.
    warmup_max_fraction: float = 1.0


@dataclass(frozen=True)
class TrainerConfig:
    """What Lightning's Trainer needs, plus our own switches."""

    max_steps: int = 90_000
    # Validate (and write checkpoints/last.ckpt) every N steps; 0 derives N from trainer.validations and
    # max_steps (seg.config.schedule.val_interval), so --set trainer.max_steps=N alone gives a sensible run.
    val_every_n_steps: int = 0
    # How many validations a run has when val_every_n_steps=0 (the last one at max_steps).
    validations: int = 18
    accelerator: str = "auto"
    devices: int = 1
    # Machines for multi-node DDP (SLURM / torchrun); data.batch_size is split over devices * num_nodes.
    num_nodes: int = 1
    # Lightning precision string: "32-true", "bf16-mixed", "16-mixed".
    precision: str = "32-true"
    channels_last: bool = False
    seed: int = 0
    log_every_n_steps: int = 50
    # Intra-op threads of the training process; 0: OMP_NUM_THREADS if set, else the cores the process may use
    # (affinity mask, cgroup CPU quota; seg.train.threads). Loader workers always run single-threaded.
    threads: int = 0
    # Precise BN (seg.train.precise_bn): before every validation, BatchNorm running statistics are re-estimated
    # as the average over this many training batches (forward only), so validations and checkpoints measure
    # the weights trained. 0 keeps the momentum-blended statistics.
    precise_bn_batches: int = 20
    # Also write checkpoints/last.ckpt every this many minutes of training, bounding what a crash can lose
    # (Ctrl-C and SIGTERM always write it); 0: only at validations.
    checkpoint_every_minutes: float = 30.0


@dataclass(frozen=True)
class EvalConfig:
    """Inference mode for evaluation; written next to every reported number."""

    mode: str = "whole"  # "whole" or "slide"
    crop_size: tuple[int, int] | None = None  # sliding window (height, width)
    stride: tuple[int, int] | None = None  # sliding window step (height, width)
    flip: bool = False
    scales: tuple[float, ...] = (1.0,)
    # Whole-image mode: pad each image at the bottom and right to at least (height, width) with 0 (the mean
    # pixel once normalised) and crop the logits back before the argmax; the authors evaluate Cityscapes padded
    # to eval_crop_size=1025,2049 (research/deeplab/g3doc/cityscapes.md, eval.py). None: no padding.
    pad_to: tuple[int, int] | None = None


@dataclass(frozen=True)
class Config:
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    trainer: TrainerConfig = field(default_factory=TrainerConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    # Short name used for work dirs; defaults to the config file's stem.
    name: str = ""


# The values a choice field accepts (seg.config.rules checks them; the modules check them again since they can be
# built without a config).
OPTIMIZERS = ("sgd", "adamw")
PRECISIONS = ("32-true", "bf16-mixed", "16-mixed")
EVAL_MODES = ("whole", "slide")
OUTPUT_STRIDES = (8, 16, 32)
# The readings of the paper a model field can select (docs/paper_fidelity.md says whose each value is).
DILATION_STARTS = ("strided_block", "next_block")  # model.dilation_start
LOW_LEVEL_TAPS = ("last_block", "first_block", "depthwise")  # model.low_level_tap
TAIL_EXPANSIONS = ("kept", "halved")  # model.tail_expansion
POOLS = ("global", "paper", "crop")  # model.pool (LR-ASPP's gate pool)
GATE_ACTIVATIONS = ("sigmoid", "hard_sigmoid")  # model.gate_activation
PADDINGS = ("symmetric", "tf_same")  # model.padding
HARD_SIGMOIDS = ("exact", "rounded")  # model.hard_sigmoid
