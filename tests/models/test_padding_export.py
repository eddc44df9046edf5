"""model.padding="tf_same" exports to ONNX with dynamic height and width and pads right at odd and even sizes."""

import pytest
import torch

from seg.config import ModelConfig
from seg.export.onnx import export_onnx
from seg.export.verify import verify_onnx
from seg.models import build_model
from seg.synthetic.weights import settle_batchnorm

from .test_readings import AUTHORS


@pytest.mark.slow
def test_tf_same_padding_exports_with_dynamic_size(tmp_path):
    torch.manual_seed(0)
    config = ModelConfig(
        backbone="mobilenet_v3_small", num_classes=3, width_mult=0.35, head_channels=16, output_stride=32,
        **AUTHORS, padding="tf_same", hard_sigmoid="rounded",
    )  # fmt: skip
    model = settle_batchnorm(build_model(config), input_size=(64, 96))
    # Exported at an even size; checked at batch 2, at an odd size (75x111: every strided conv pads on both sides) and mixed
    # sizes, where a padding frozen at export time would shift the sampling grid.
    path = export_onnx(model, tmp_path / "tf_same.onnx", (64, 96), dynamic=True)
    results = verify_onnx(model, path, [(1, (64, 96)), (2, (64, 96)), (1, (75, 111)), (1, (66, 97))], threads=1)
    for parity in results:
        assert parity.ok(), parity.line()
