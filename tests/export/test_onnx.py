"""ONNX export: dynamic axes that really follow the input, for every decoder, checked against PyTorch."""

import numpy as np
import onnx
import pytest
import torch
import torch.nn.functional as F
from support import tiny_encoder
from torch import nn

from seg.config import ModelConfig
from seg.export.onnx import export_onnx
from seg.export.verify import verification_shapes
from seg.inference.metrics import agreement
from seg.models import HEADS
from seg.models.heads.lraspp import PAPER_POOL, local_pool
from seg.models.segmentor import Segmentor
from seg.runtimes.onnxruntime import ort_session
from seg.synthetic.weights import settle_batchnorm

DECODERS = [("lraspp", "global"), ("lraspp", "paper"), ("raspp", "global"), ("deeplabv3", "global")]
CLASSES = 5
# (batch, (H, W)): the export size, batch 2 at a size whose high map (56x64) exceeds the paper pool's
# 49x49 window, and a size not divisible by 32.
SHAPES = [(1, (64, 96)), (2, (224, 256)), (1, (75, 111))]


def structured_images(batch: int, size: tuple[int, int]) -> torch.Tensor:
    """A left-to-right ramp plus noise: local averages differ across the image, unlike pure noise,
    so a pool that is wrongly global (or wrongly local) changes the logits."""
    ramp = torch.linspace(-2.0, 2.0, size[1]).expand(batch, 3, *size)
    return ramp + 0.5 * torch.randn(batch, 3, *size, generator=torch.Generator().manual_seed(1))


class AllDecoders(nn.Module):
    """The four decoders side by side (logits concatenated), so one export covers them all."""

    def __init__(self) -> None:
        super().__init__()
        heads = []
        for head, pool in DECODERS:
            config = ModelConfig(head=head, pool=pool, num_classes=CLASSES, head_channels=16, output_stride=16)
            heads.append(Segmentor(tiny_encoder(), HEADS.get(head)(config, 8, 16), CLASSES))
        self.models = nn.ModuleList(heads)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return torch.cat([model(images) for model in self.models], dim=1)


@pytest.fixture(scope="module")
def exported(tmp_path_factory, single_thread):
    torch.manual_seed(0)
    with single_thread():
        model = settle_batchnorm(AllDecoders(), input_size=(64, 96))
        # The paper and global LR-ASPP share weights, so any difference between them is the pool's.
        model.models[1].load_state_dict(model.models[0].state_dict())
        path = export_onnx(model, tmp_path_factory.mktemp("decoders") / "decoders.onnx", (64, 96), dynamic=True)
    return model, path


@pytest.mark.slow
def test_input_axes_are_symbolic(exported):
    _, path = exported
    dims = onnx.load(str(path)).graph.input[0].type.tensor_type.shape.dim
    assert [bool(d.dim_param) for d in dims] == [True, False, True, True]
    ops = {node.op_type for node in onnx.load(str(path)).graph.node}
    assert "AveragePool" not in ops  # a fixed-kernel pool would freeze the export size


@pytest.mark.slow
@pytest.mark.parametrize(("batch", "size"), SHAPES)
def test_every_decoder_matches_pytorch_at_other_sizes(exported, batch, size):
    model, path = exported
    images = structured_images(batch, size)
    with torch.inference_mode():
        expected = model(images).numpy()
    got = ort_session(path, threads=1).run(None, {"images": images.numpy()})[0]
    assert got.shape == expected.shape == (batch, CLASSES * len(DECODERS), *size)
    for index, decoder in enumerate(DECODERS):
        part = slice(index * CLASSES, (index + 1) * CLASSES)
        assert np.abs(got[:, part] - expected[:, part]).max() < 1e-4, decoder
        assert agreement([(got[:, part].argmax(1), expected[:, part].argmax(1))]) >= 0.999, decoder


@pytest.mark.slow
def test_paper_pool_is_local_in_the_exported_graph(exported):
    """The parity check above is only meaningful if the paper pool differs from the global one where
    the map exceeds 49x49 (and equals it where the clamped window covers the whole map)."""
    _, path = exported
    session = ort_session(path, threads=1)
    for size, differs in (((64, 96), False), ((224, 256), True)):
        out = session.run(None, {"images": structured_images(1, size).numpy()})[0]
        gap = np.abs(out[:, :CLASSES] - out[:, CLASSES : 2 * CLASSES]).max()
        assert (gap > 1e-3) == differs, (size, gap)


@pytest.mark.parametrize("shape", [(1, 16, 4, 6), (2, 8, 64, 128), (1, 8, 50, 49), (1, 4, 81, 101), (1, 3, 200, 17)])
def test_paper_pool_equals_clamped_avg_pool(shape):
    high = torch.randn(*shape)
    kernel = (min(49, shape[2]), min(49, shape[3]))
    torch.testing.assert_close(
        local_pool(high, PAPER_POOL), F.avg_pool2d(high, kernel, stride=(16, 20)), rtol=1e-5, atol=1e-6
    )


def test_verification_shapes_include_an_odd_size():
    shapes = verification_shapes((512, 1024), dynamic=True)
    assert shapes[0] == (1, (512, 1024)) and shapes[1][0] == 2
    assert any(h % 32 and w % 32 for _, (h, w) in shapes)
    assert verification_shapes((512, 1024), dynamic=False) == [(1, (512, 1024))]
