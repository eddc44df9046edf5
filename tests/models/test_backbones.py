import pytest
import torch
import torchvision

from seg.models import BACKBONES
from seg.models.backbones import MobileNetV2Encoder, MobileNetV3Encoder, plan_strides
from seg.models.backbones.common import make_divisible


@pytest.mark.parametrize("name", BACKBONES.names())
@pytest.mark.parametrize("output_stride", [8, 16, 32])
def test_feature_strides_follow_output_stride(name, output_stride):
    encoder = BACKBONES.get(name)(width_mult=1.0, output_stride=output_stride, reduced_tail=True).eval()
    x = torch.zeros(1, 3, 128, 192)
    with torch.no_grad():
        features = encoder(x)
    assert features["low"].shape[-2:] == (128 // 8, 192 // 8)
    assert features["high"].shape[-2:] == (128 // output_stride, 192 // output_stride)
    assert features["low"].shape[1] == encoder.low_channels
    assert features["high"].shape[1] == encoder.high_channels


def test_plan_strides_dilates_instead_of_striding():
    strides = [2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
    assert [(p.stride, p.dilation) for p in plan_strides(strides, 32)][-2:] == [(2, 1), (1, 1)]
    assert [(p.stride, p.dilation) for p in plan_strides(strides, 16)][-2:] == [(1, 2), (1, 2)]
    plan8 = plan_strides(strides, 8)
    assert [(p.stride, p.dilation) for p in plan8][-4:] == [(1, 2), (1, 2), (1, 4), (1, 4)]
    assert max(p.output_stride for p in plan8) == 8


def test_unsupported_output_stride_fails_at_build_time():
    with pytest.raises(ValueError, match=r"model.output_stride=4 is not supported; use one of \(8, 16, 32\)"):
        MobileNetV3Encoder("large", output_stride=4)


def test_paper_table_shapes_large_and_small():
    # Table 1 / 2: the final 1x1 conv has 960 (Large) and 576 (Small) channels; RF2 halves them.
    assert MobileNetV3Encoder("large").high_channels == 960
    assert MobileNetV3Encoder("large", reduced_tail=True).high_channels == 480
    assert MobileNetV3Encoder("small").high_channels == 576
    assert MobileNetV3Encoder("small", reduced_tail=True).high_channels == 288
    assert MobileNetV3Encoder("large").low_channels == 40
    assert MobileNetV3Encoder("small").low_channels == 24
    assert MobileNetV2Encoder().high_channels == 320


def test_hswish_se_and_batchnorm_eps():
    encoder = MobileNetV3Encoder("large")
    bns = [m for m in encoder.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns and all(bn.eps == 0.001 for bn in bns)
    assert any(isinstance(m, torch.nn.Hardswish) for m in encoder.modules())
    ses = [m for m in encoder.modules() if isinstance(m, torchvision.ops.SqueezeExcitation)]
    assert len(ses) == 8  # Table 1: eight SE blocks
    assert all(isinstance(se.scale_activation, torch.nn.Hardsigmoid) for se in ses)
    # SE sits after the depthwise conv (Fig. 4): the layer before it is the grouped conv.
    for block in encoder.features[1:-1]:
        layers = list(block.block)
        for i, layer in enumerate(layers):
            if isinstance(layer, torchvision.ops.SqueezeExcitation):
                assert layers[i - 1][0].groups == layers[i - 1][0].in_channels


@pytest.mark.parametrize("width_mult", [0.75, 1.0])
def test_channels_are_multiples_of_8(width_mult):
    encoder = MobileNetV3Encoder("large", width_mult=width_mult, reduced_tail=True)
    convs = [m for m in encoder.modules() if isinstance(m, torch.nn.Conv2d)]
    assert all(c.out_channels % 8 == 0 for c in convs)
    assert make_divisible(18) == 24 and make_divisible(120 * 0.75) == 88
