"""BatchNorm folding keeps the numerics of every architecture."""

import pytest
import torch
from torch import nn

from seg.config import ModelConfig
from seg.models import build_model
from seg.models.fuse import fold_batchnorm
from seg.synthetic.weights import settle_batchnorm


@pytest.mark.parametrize(
    ("backbone", "head"),
    [("mobilenet_v3_large", "lraspp"), ("mobilenet_v3_small", "deeplabv3"), ("mobilenet_v2", "raspp")],
)
def test_folded_model_matches_and_has_no_batchnorm(backbone, head):
    config = ModelConfig(backbone=backbone, head=head, width_mult=0.35, head_channels=32, num_classes=7, pool="paper")
    model = settle_batchnorm(build_model(config), input_size=(64, 96))
    folded = fold_batchnorm(model)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in folded.modules())
    assert any(isinstance(m, nn.BatchNorm2d) for m in model.modules())  # the original is untouched
    images = torch.randn(2, 3, 75, 111)
    with torch.inference_mode():
        expected, got = model(images), folded(images)
    assert expected.abs().max() > 0.5  # settled statistics: real activations, not ~0
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)


def test_batchnorm_without_a_preceding_conv_is_an_error():
    model = nn.Sequential(nn.ReLU(), nn.BatchNorm2d(3))
    with pytest.raises(ValueError, match=r"BatchNorm2d layers \['1'\] do not follow a Conv2d"):
        fold_batchnorm(model)
