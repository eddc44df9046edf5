"""The authors' reading exports to ONNX with dynamic height and width and matches PyTorch, local gate pool included.

Each dynamo export costs 10 to 30 s of fixed overhead on 2 cores, growing with the graph, so one
export covers what the authors' reading adds to the graph: the depthwise tap, the dilated residual (Small's
layer 9), the crop-sized gate pool (local once the map is wider than the 49-cell kernel), the hard-sigmoid
gate with bias and align_corners=True resizes. Torchvision's reading (global sigmoid gate) is exported by
tests/export/test_onnx.py; every shipped config is exported by tools/export_onnx.py --dynamic
(docs/paper_fidelity.md).
"""

import pytest
import torch

from seg.config import ModelConfig
from seg.export.onnx import export_onnx
from seg.export.verify import verify_onnx
from seg.models import build_model
from seg.synthetic.weights import settle_batchnorm

from .test_readings import AUTHORS


@pytest.mark.slow
def test_authors_reading_exports_with_dynamic_size_and_matches_pytorch(tmp_path):
    torch.manual_seed(0)
    config = ModelConfig(
        backbone="mobilenet_v3_small", num_classes=3, width_mult=0.35, head_channels=16, output_stride=16, **AUTHORS
    )
    model = settle_batchnorm(build_model(config), input_size=(64, 96))
    path = export_onnx(model, tmp_path / "authors.onnx", (64, 96), dynamic=True)
    # 161x993 gives an 11x63 map: the 49-cell kernel is clamped in height and slides 3 times along the
    # width, so the gate is local there; at the other sizes it covers the whole map. 75x111 is odd.
    shapes = [(1, (64, 96)), (2, (75, 111)), (1, (161, 993))]
    results = verify_onnx(model, path, shapes, threads=1)
    for parity in results:
        assert parity.ok(), parity.line()
    with torch.no_grad():
        high = model.backbone(torch.randn(1, 3, 161, 993, generator=torch.Generator().manual_seed(1)))["high"]
    assert model.head.gate(high).std(dim=-1).max() > 1e-4  # the local gate varies along the width
