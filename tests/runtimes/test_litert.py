"""LiteRT export (litert-torch), its XNNPACK runner and ai-edge-quantizer INT8, on a tiny LR-ASPP segmentor.

Skipped without the ``.[litert]`` extra. The model is a two-stage encoder under the real LR-ASPP head, so the
converter sees every op kind of the decoder (gate, resizes, classifiers) in seconds; the full MobileNetV3 is
measured by the export tool, not here.
"""

import numpy as np
import pytest

pytest.importorskip("litert_torch")
pytest.importorskip("ai_edge_litert")
pytest.importorskip("ai_edge_quantizer")

from support import ramp_images, tiny_segmentor  # noqa: E402  (5 classes, settled at 64x96)

from seg.config import ConfigError
from seg.errors import ExportError
from seg.export.litert import export_litert, quantize_litert_int8
from seg.export.verify import verify_runner
from seg.inference.metrics import agreement
from seg.runtimes.litert import LiteRTRunner

pytestmark = pytest.mark.slow

SIZE = (64, 96)


@pytest.fixture(scope="module")
def exported(tmp_path_factory, single_thread):
    folder = tmp_path_factory.mktemp("litert")
    with single_thread():
        model = tiny_segmentor()
        fp32 = export_litert(model, folder / "tiny.tflite", SIZE)
        int8 = quantize_litert_int8(fp32, folder / "tiny.int8.tflite", ramp_images(8, seed=0))
    return model, fp32, int8


def test_fp32_matches_pytorch_at_batch_1_and_2(exported):
    model, fp32, _ = exported
    runner = LiteRTRunner(fp32, threads=1)
    assert runner.static_size() == SIZE and not runner.int8
    assert runner.description.startswith("LiteRT") and "fp32" in runner.description
    for parity in verify_runner(model, runner, [(1, SIZE), (2, SIZE), (1, SIZE)], "tiny"):
        assert parity.max_abs_diff < 1e-4 and parity.agreement >= 0.999, parity.line()


def test_other_sizes_are_refused_with_the_export_size(exported):
    _, fp32, _ = exported
    with pytest.raises(ValueError, match=r"\[N, 3, 64, 96\]"):
        LiteRTRunner(fp32, threads=1)(np.zeros((1, 3, 32, 96), np.float32))


def test_check_names_the_export_size_and_class_count(exported):
    runner = LiteRTRunner(exported[1], threads=1)
    runner.check(5, None)
    runner.check(5, SIZE)
    with pytest.raises(ConfigError, match="fixed input size 64x96 .* leave --input-size out"):
        runner.check(5, (32, 96))
    with pytest.raises(ConfigError, match="predicts 5 classes but the config has model.num_classes=19"):
        runner.check(19, None)


def test_dynamic_height_and_width_are_refused_at_export(tmp_path):
    with pytest.raises(ExportError, match="fixed height and width"):
        export_litert(tiny_segmentor(), tmp_path / "dynamic.tflite", SIZE, dynamic=True)


def test_int8_agrees_with_fp32_and_keeps_float_logits(exported):
    _, fp32, int8 = exported
    runner = LiteRTRunner(int8, threads=1)
    assert runner.int8 and "INT8" in runner.description
    # The float tail: logits come back as float32, not on an 8-bit grid.
    assert runner.output_quantization is None
    logits = runner(ramp_images(1, seed=5)[0])
    assert logits.dtype == np.float32 and len(np.unique(logits)) > 256
    # Measured 0.990 on these held-out ramp images with this tiny random-weight model (1.0: nothing quantized).
    reference = LiteRTRunner(fp32, threads=1)
    same = agreement((runner(b).argmax(1), reference(b).argmax(1)) for b in ramp_images(4, seed=1))
    assert 0.975 <= same < 1.0


def test_missing_file_names_the_export(tmp_path):
    with pytest.raises(FileNotFoundError, match="export_litert"):
        LiteRTRunner(tmp_path / "none.tflite")
