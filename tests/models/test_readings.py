"""The readings of the paper a config can build (docs/paper_fidelity.md): sizes, taps, gate, pool geometry."""

import copy
from dataclasses import replace
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from seg.config import ModelConfig, load_config
from seg.models import build_model
from seg.models.heads import gate_pool
from seg.models.heads.lraspp import local_pool

CONFIGS = Path(__file__).resolve().parents[2] / "configs"

# The authors' code (research/deeplab with the model zoo's MobileNetV3 flags) and torchvision's lraspp.py.
AUTHORS = {
    "reduced_tail": True,
    "tail_expansion": "halved",
    "low_level_tap": "depthwise",
    "dilation_start": "next_block",
    "dilated_block_residual": True,
    "gate_activation": "hard_sigmoid",
    "gate_bias": True,
    "pool": "crop",
    "align_corners": True,
}
TORCHVISION = {
    "reduced_tail": False,
    "tail_expansion": "kept",
    "low_level_tap": "first_block",
    "dilation_start": "strided_block",
    "dilated_block_residual": False,
    "gate_activation": "sigmoid",
    "gate_bias": False,
    "pool": "global",
    "align_corners": False,
}
READINGS = {"authors": AUTHORS, "torchvision": TORCHVISION}


def _config(name: str) -> ModelConfig:
    return load_config(CONFIGS / f"{name}.py").model


def _shapes(model: torch.nn.Module, size: tuple[int, int]) -> dict[str, tuple[int, ...]]:
    """Feature shapes from a forward pass on the meta device (shapes only, instant at 1024x2048)."""
    meta = copy.deepcopy(model).to("meta").eval()
    features = meta.backbone(torch.zeros(1, 3, *size, device="meta"))
    return {name: tuple(value.shape) for name, value in features.items()}


# (config, parameters, low channels, high channels): Table 7 rows 8 and 11 (paper: 1.51M, 0.47M), the
# released checkpoints' architecture, torchvision's lraspp_mobilenet_v3_large (its meta: 3,221,538
# parameters) and the toy network that must not change.
SIZES = [
    ("lraspp_large_cityscapes", 1_507_198, 120, 480),
    ("lraspp_small_cityscapes", 468_830, 88, 288),
    ("lraspp_large_cityscapes_released", 1_507_198, 120, 480),
    ("lraspp_small_cityscapes_released", 468_830, 88, 288),
    ("lraspp_large_coco_voc", 3_221_538, 40, 960),
    ("lraspp_small_toy", 515_614, 24, 288),
    ("lraspp_mobilenetv2_cityscapes", 987_174, 192, 160),
]


@pytest.mark.parametrize(("name", "params", "low", "high"), SIZES, ids=[s[0] for s in SIZES])
def test_parameter_and_tap_channel_counts(name, params, low, high):
    model = build_model(_config(name))
    assert sum(p.numel() for p in model.parameters()) == params
    assert (model.backbone.low_channels, model.backbone.high_channels) == (low, high)
    shapes = _shapes(model, (64, 96))
    assert shapes["low"] == (1, low, 8, 12) and shapes["high"][1] == high


def test_table_7_parameters_within_2_percent_of_the_paper():
    assert abs(sum(p.numel() for p in build_model(_config("lraspp_large_cityscapes")).parameters()) / 1.51e6 - 1) < 0.02
    assert abs(sum(p.numel() for p in build_model(_config("lraspp_small_cityscapes")).parameters()) / 0.47e6 - 1) < 0.02


@pytest.mark.parametrize(
    ("backbone", "block", "kept", "halved", "next_block"), [("large", 13, 672, 336, 480), ("small", 9, 288, 144, 288)]
)
def test_rf2_first_tail_block_expansion(backbone, block, kept, halved, next_block):
    # feature_extractor.py mobilenet_v3_large_seg sets layer 13's expansion to 336 (small: layer 9 to 144);
    # the later tail blocks halve theirs in both readings (960 -> 480, 576 -> 288).
    for expansion, channels in (("kept", kept), ("halved", halved)):
        model = build_model(ModelConfig(backbone=f"mobilenet_v3_{backbone}", tail_expansion=expansion))
        assert model.backbone.features[block].block[0].out_channels == channels
        assert model.backbone.features[block + 1].block[0].out_channels == next_block


def test_taps_read_the_right_place():
    large = {
        tap: build_model(ModelConfig(low_level_tap=tap)).backbone for tap in ("last_block", "first_block", "depthwise")
    }
    assert [large[t].low_index for t in ("first_block", "last_block", "depthwise")] == [4, 6, 6]
    x = torch.randn(1, 3, 64, 64)
    encoder = large["depthwise"].eval()
    with torch.no_grad():
        features = encoder(x)
        # The depthwise output (BN + ReLU, before SE) of features[6], as conv_blocks.expanded_conv's end point.
        y = encoder.features[:6](x)
        block = encoder.features[6].block
        expected = block[1](block[0](y))
    torch.testing.assert_close(features["low"], expected)
    assert features["low"].shape[1] == 120


def test_dilation_start_and_dilated_residual():
    def depthwise_dilations(model):
        return [layer.block[layer.depthwise_index][0].dilation[0] for layer in model.backbone.features[1:-1]]

    torchvision_reading = build_model(ModelConfig(backbone="mobilenet_v3_small", reduced_tail=True))
    authors = build_model(ModelConfig(backbone="mobilenet_v3_small", **AUTHORS))
    # Small at output stride 16: layer 9 (features[9]) gives up stride 2.
    assert depthwise_dilations(torchvision_reading)[8:] == [2, 2, 2]
    assert depthwise_dilations(authors)[8:] == [1, 2, 2]  # mobilenet.py: layer_rate = rate, then rate *= stride
    assert not torchvision_reading.backbone.features[9].residual
    assert authors.backbone.features[9].residual  # 48 -> 48 channels, running at stride 1
    eight = build_model(ModelConfig(backbone="mobilenet_v3_large", output_stride=8, **AUTHORS))
    assert depthwise_dilations(eight)[6:] == [1, 2, 2, 2, 2, 2, 2, 4, 4]
    assert (
        not build_model(ModelConfig(backbone="mobilenet_v3_small", output_stride=32, **AUTHORS))
        .backbone.features[9]
        .residual
    )


def test_gate_is_a_hard_sigmoid_with_bias():
    head = build_model(_config("lraspp_large_cityscapes")).head
    conv, activation = head.scale
    assert conv.bias is not None and isinstance(activation, torch.nn.Hardsigmoid)
    x = torch.linspace(-5, 5, 41)
    torch.testing.assert_close(activation(x), F.relu6(x + 3) / 6)  # the authors' q_sigmoid (0.16667 ~ 1/6)
    tv = build_model(_config("lraspp_large_coco_voc")).head
    assert tv.scale[0].bias is None and isinstance(tv.scale[1], torch.nn.Sigmoid) and tv.pool is None


# (config, input size, feature map, pool windows): the kernel is the 769 crop at the output stride (49 at 16,
# 25 at 32), the stride (4, 5); on a training crop the pool is global, on a full image it is local.
GEOMETRY = [
    ("lraspp_large_cityscapes", (769, 769), (49, 49), (1, 1)),
    ("lraspp_large_cityscapes", (1024, 2048), (64, 128), (4, 16)),
    ("lraspp_small_cityscapes", (1024, 2048), (64, 128), (4, 16)),
    ("lraspp_large_cityscapes_released", (769, 769), (25, 25), (1, 1)),
    ("lraspp_large_cityscapes_released", (1024, 2048), (32, 64), (2, 8)),
]


@pytest.mark.parametrize(("name", "size", "cells", "windows"), GEOMETRY)
def test_gate_pool_geometry(name, size, cells, windows):
    config = _config(name)
    model = build_model(config)
    shapes = _shapes(model, size)
    assert shapes["high"][-2:] == cells
    pool = gate_pool(config)
    kernel = 49 if config.output_stride == 16 else 25
    assert (pool.kernel, pool.stride) == ((kernel, kernel), (4, 5))
    high = torch.randn(1, 3, *cells)
    pooled = local_pool(high, pool)
    assert pooled.shape[-2:] == windows
    torch.testing.assert_close(pooled, F.avg_pool2d(high, kernel, stride=(4, 5)))


def test_local_gate_is_resized_with_align_corners():
    torch.manual_seed(0)
    head = build_model(replace(_config("lraspp_large_cityscapes"), head_channels=8)).head.eval()
    high = torch.randn(1, 480, 64, 128)
    with torch.no_grad():
        gate = head.gate(high)
        pooled = head.scale(F.avg_pool2d(high, 49, stride=(4, 5)))
        expected = F.interpolate(pooled, size=(64, 128), mode="bilinear", align_corners=True)
    torch.testing.assert_close(gate, expected)
    assert not torch.allclose(gate[..., :10], gate[..., -10:])  # local: the gate differs across the image


VARIANTS = [
    (backbone, reading, output_stride)
    for backbone in ("mobilenet_v3_large", "mobilenet_v3_small", "mobilenet_v2")
    for reading in READINGS
    for output_stride in (8, 16, 32)
]


@pytest.mark.parametrize(("backbone", "reading", "output_stride"), VARIANTS)
def test_every_reading_runs_forward_and_backward_at_odd_sizes(backbone, reading, output_stride):
    config = ModelConfig(
        backbone=backbone,
        output_stride=output_stride,
        num_classes=5,
        head_channels=16,
        width_mult=0.5,
        **READINGS[reading],
    )
    model = build_model(config)
    x = torch.randn(1, 3, 67, 85)  # batch 1 is enough: no BatchNorm sees a 1x1 map in these heads
    logits = model(x)
    assert logits.shape == (1, 5, 67, 85)
    logits.square().mean().backward()
    assert all(p.grad is not None for p in model.parameters())


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("tail_expansion", "quartered", "model.tail_expansion='quartered' is not supported"),
        ("low_level_tap", "stem", "model.low_level_tap='stem' is not supported"),
        ("dilation_start", "never", "model.dilation_start='never' is not supported"),
        ("gate_activation", "relu", "model.gate_activation='relu' is not supported"),
        ("pool", "max", "model.pool='max' is not an LR-ASPP pool"),
        ("pool_stride", (0, 5), "model.pool='crop' needs a positive"),
    ],
)
def test_bad_reading_fields_name_the_key(field, value, message):
    fields = {"pool": "crop", field: value}
    for backbone in ("mobilenet_v3_large", "mobilenet_v2"):
        with pytest.raises(ValueError, match=message):
            build_model(ModelConfig(backbone=backbone, **fields))
