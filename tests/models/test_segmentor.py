import pytest
import torch

from seg.config import ModelConfig
from seg.models import BACKBONES, HEADS, build_model
from seg.models.heads import default_atrous_rates
from seg.models.heads.lraspp import PAPER_POOL, LRASPPHead

ALL = [(b, h, s) for b in BACKBONES.names() for h in HEADS.names() for s in (8, 16, 32)]


@pytest.mark.parametrize(("backbone", "head", "output_stride"), ALL)
def test_every_model_runs_forward_and_backward_at_odd_size(backbone, head, output_stride):
    # Batch 2: the image-pooling branches (R-ASPP, ASPP) normalise a 1x1 map, which BatchNorm
    # cannot do on a single image in training mode.
    model = build_model(
        ModelConfig(backbone=backbone, head=head, output_stride=output_stride, num_classes=5, head_channels=32)
    )
    x = torch.randn(2, 3, 97, 131)
    logits = model(x)
    assert logits.shape == (2, 5, 97, 131)
    logits.mean().backward()
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)
    features = model.backbone(x)
    assert set(features) == {"low", "high"}


@pytest.mark.parametrize("size", [(33, 47), (64, 64), (200, 120)])
def test_paper_pool_never_crashes_and_matches_global_when_clamped(size):
    torch.manual_seed(0)
    head = LRASPPHead(8, 16, 3, head_channels=4, pool=PAPER_POOL).eval()
    glob = LRASPPHead(8, 16, 3, head_channels=4).eval()
    glob.load_state_dict(head.state_dict())
    low = torch.randn(1, 8, size[0] // 8 + 1, size[1] // 8 + 1)
    high = torch.randn(1, 16, size[0] // 16 + 1, size[1] // 16 + 1)
    features = {"low": low, "high": high}
    with torch.no_grad():
        out = head(features)
        # A feature map smaller than 49x49 is pooled whole: the paper pool equals the global pool.
        torch.testing.assert_close(out, glob(features))
    assert out.shape == (1, 3, *low.shape[-2:])


def test_paper_pool_is_local_on_large_maps():
    torch.manual_seed(0)
    head = LRASPPHead(8, 16, 3, head_channels=4, pool=PAPER_POOL).eval()
    high = torch.randn(1, 16, 64, 128)  # 1024x2048 at output stride 16
    gate = head.gate(high)
    assert gate.shape == (1, 4, 64, 128)
    assert not torch.allclose(gate[..., :, :10], gate[..., :, -10:])


def test_lraspp_forward_follows_figure_10():
    torch.manual_seed(0)
    head = LRASPPHead(8, 16, 3, head_channels=4).eval()
    low, high = torch.randn(1, 8, 10, 12), torch.randn(1, 16, 5, 6)
    with torch.no_grad():
        x = head.cbr(high) * torch.sigmoid(head.scale[0](high.mean((2, 3), keepdim=True)))
        x = torch.nn.functional.interpolate(x, size=(10, 12), mode="bilinear", align_corners=False)
        expected = head.low_classifier(low) + head.high_classifier(x)
        torch.testing.assert_close(head({"low": low, "high": high}), expected)


def test_atrous_rates_follow_output_stride():
    assert default_atrous_rates(16) == (6, 12, 18)
    assert default_atrous_rates(8) == (12, 24, 36)
    model = build_model(ModelConfig(head="deeplabv3", output_stride=8))
    dilations = [
        m.dilation[0] for m in model.head.modules() if isinstance(m, torch.nn.Conv2d) and m.kernel_size == (3, 3)
    ]
    assert dilations == [12, 24, 36]
    custom = build_model(ModelConfig(head="deeplabv3", atrous_rates=(2, 4, 6)))
    assert [
        m.dilation[0] for m in custom.head.modules() if isinstance(m, torch.nn.Conv2d) and m.kernel_size == (3, 3)
    ] == [2, 4, 6]


def test_unknown_names_list_what_exists():
    with pytest.raises(KeyError, match=r"Unknown head 'aspp'; registered heads: \['deeplabv3', 'lraspp', 'raspp'\]"):
        build_model(ModelConfig(head="aspp"))
    with pytest.raises(KeyError, match="registered backbones"):
        build_model(ModelConfig(backbone="resnet50"))
    with pytest.raises(ValueError, match="model.output_stride=4 is not supported"):
        build_model(ModelConfig(output_stride=4))
    with pytest.raises(ValueError, match="model.pool='max'"):
        build_model(ModelConfig(pool="max"))
