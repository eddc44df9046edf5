"""model.padding: TensorFlow's "SAME" for strided convolutions, and the symmetric default left as it was."""

import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from seg.config import load_config
from seg.models import build_model
from seg.models.activations import RoundedHardsigmoid
from seg.models.backbones.padding import TFSameConv2d, same_padding

CONFIGS = sorted((Path(__file__).resolve().parents[2] / "configs").glob("*.py"))


@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("kernel,dilation", [(1, 1), (3, 1), (5, 1), (3, 2), (4, 1)])
def test_same_padding_is_tensorflows(kernel, stride, dilation):
    """TensorFlow's rule (tensorflow/core/framework/kernel_shape_util.cc GetWindowedOutputSizeVerbose): output
    ceil(in / stride), total padding max((out - 1) * stride + k_eff - in, 0), the smaller half before."""
    for size in range(1, 40):
        out = math.ceil(size / stride)
        total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
        assert same_padding(size, kernel, stride, dilation) == (total // 2, total - total // 2)


@pytest.mark.parametrize("size", [(8, 8), (9, 9), (8, 11), (13, 6)])
def test_tf_same_conv_equals_pad_then_valid_conv(size):
    torch.manual_seed(0)
    conv = TFSameConv2d(3, 4, 5, stride=2, padding=2, groups=1, bias=True)
    x = torch.randn(1, 3, *size)
    (top, bottom), (left, right) = same_padding(size[0], 5, 2, 1), same_padding(size[1], 5, 2, 1)
    expected = F.conv2d(F.pad(x, (left, right, top, bottom)), conv.weight, conv.bias, stride=2)
    assert torch.equal(conv(x), expected)
    assert conv(x).shape[-2:] == (math.ceil(size[0] / 2), math.ceil(size[1] / 2))
    if size[0] % 2 == 0:  # an even size pads one row less on top than symmetric padding: the outputs differ
        assert not torch.allclose(conv(x), F.conv2d(x, conv.weight, conv.bias, stride=2, padding=2))


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_only_the_released_configs_change_padding_or_hard_sigmoid(path, tmp_path):
    """Every other config builds the network it built before these fields: plain nn.Conv2d padded (k - 1) // 2
    * dilation, torchvision's nn.Hardsigmoid, the same state-dict keys as under the authors' readings."""
    (tmp_path / "classes.txt").write_text("road\ncar\n")  # all the folder config needs to load
    base = [f"data.root={tmp_path}"] if "folder" in path.name else []
    config = load_config(path, base)
    model = build_model(config.model)
    custom = [m for m in model.modules() if isinstance(m, (TFSameConv2d, RoundedHardsigmoid))]
    released = path.stem.endswith("_released")
    assert (config.model.padding, config.model.hard_sigmoid) == (
        ("tf_same", "rounded") if released else ("symmetric", "exact")
    )
    assert bool(custom) == released
    if not released:
        for conv in (m for m in model.modules() if isinstance(m, torch.nn.Conv2d)):
            assert conv.padding == tuple((k - 1) // 2 * d for k, d in zip(conv.kernel_size, conv.dilation, strict=True))
        other = load_config(path, [*base, "model.padding=tf_same", "model.hard_sigmoid=rounded"])
        assert build_model(other.model).state_dict().keys() == model.state_dict().keys()
