"""ExecuTorch export (XNNPACK), its runner and PT2E INT8, on a tiny LR-ASPP segmentor.

Skipped without the ``.[executorch]`` extra. Each lowering costs ~10 s of fixed pass overhead, so the module
exports three programs once (static fp32, dynamic fp32, static INT8) and tests them.
"""

import numpy as np
import pytest

pytest.importorskip("executorch")
pytest.importorskip("torchao")

from support import ramp_images, tiny_segmentor  # noqa: E402  (5 classes, settled at 64x96)

from seg.config import ConfigError
from seg.errors import ExportError
from seg.export.executorch import export_executorch
from seg.export.verify import verify_runner
from seg.inference.metrics import agreement
from seg.runtimes.executorch import ExecuTorchRunner

pytestmark = pytest.mark.slow

SIZE = (64, 96)


@pytest.fixture(scope="module")
def exported(tmp_path_factory, single_thread):
    folder = tmp_path_factory.mktemp("executorch")
    with single_thread():
        model = tiny_segmentor()
        static = export_executorch(model, folder / "static.pte", SIZE)
        dynamic = export_executorch(model, folder / "dynamic.pte", SIZE, dynamic=True, max_batch=2)
        int8 = export_executorch(model, folder / "int8.pte", SIZE, calibration=ramp_images(8, seed=0))
    return model, static, dynamic, int8


def test_static_fp32_matches_pytorch(exported):
    model, static, _, _ = exported
    runner = ExecuTorchRunner(static, threads=1)
    assert runner.static_size() == SIZE and not runner.int8
    assert runner.description.startswith("ExecuTorch") and "fp32" in runner.description
    (parity,) = verify_runner(model, runner, [(1, SIZE)], "static")
    assert parity.max_abs_diff < 1e-4 and parity.agreement >= 0.999, parity.line()


def test_static_program_refuses_other_shapes(exported):
    _, static, _, _ = exported
    runner = ExecuTorchRunner(static, threads=1)
    with pytest.raises(ValueError, match="--dynamic"):
        runner(np.zeros((1, 3, 32, 64), np.float32))
    with pytest.raises(ValueError, match=r"up to \[1, 3, 64, 96\]"):
        runner(np.zeros((2, 3, 64, 96), np.float32))


def test_check_names_the_export_size_and_class_count(exported):
    _, static, dynamic, _ = exported
    runner = ExecuTorchRunner(static, threads=1)
    runner.check(5, SIZE)
    with pytest.raises(ConfigError, match="fixed input size 64x96 .* leave --input-size out"):
        runner.check(5, (32, 96))
    with pytest.raises(ConfigError, match="predicts 5 classes but the config has model.num_classes=19"):
        runner.check(19, None)
    ExecuTorchRunner(dynamic, threads=1).check(5, (32, 48))


def test_dynamic_program_follows_batch_and_size_up_to_its_bounds(exported):
    model, _, dynamic, _ = exported
    runner = ExecuTorchRunner(dynamic, threads=1)
    assert runner.static_size() is None and runner.max_shape == (2, 3, *SIZE)
    # The export size, batch 2 at half size, and a size not divisible by 32.
    for parity in verify_runner(model, runner, [(1, SIZE), (2, (32, 48)), (1, (45, 77))], "dynamic"):
        assert parity.max_abs_diff < 1e-4 and parity.agreement >= 0.999, parity.line()
    with pytest.raises(ValueError, match="larger --input-size"):
        runner(np.zeros((1, 3, 64, 128), np.float32))


def test_int8_agrees_with_fp32(exported):
    _, static, _, int8 = exported
    runner = ExecuTorchRunner(int8, threads=1)
    assert runner.int8 and "INT8" in runner.description and runner.static_size() == SIZE
    # Measured 0.986 on these held-out ramp images with this tiny random-weight model (1.0: nothing quantized).
    reference = ExecuTorchRunner(static, threads=1)
    same = agreement((runner(b).argmax(1), reference(b).argmax(1)) for b in ramp_images(4, seed=1))
    assert 0.97 <= same < 1.0


def test_export_argument_errors(tmp_path):
    with pytest.raises(ExportError, match="max_batch"):
        export_executorch(tiny_segmentor(), tmp_path / "x.pte", SIZE, max_batch=0)
    with pytest.raises(ExportError, match="calibration batch"):
        export_executorch(tiny_segmentor(), tmp_path / "x.pte", SIZE, calibration=[])


def test_missing_file_names_the_export(tmp_path):
    with pytest.raises(FileNotFoundError, match="export_executorch"):
        ExecuTorchRunner(tmp_path / "none.pte")
