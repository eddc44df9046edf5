"""OpenVINO: the IR export against PyTorch, NNCF INT8 against fp32, .xml files through the one Predictor.

Skipped without the ``.[openvino]`` extra. The deploy tests' trained MobileNetV3-Small (conftest.py) goes through
tools/export.py --format openvino --dynamic --int8 once; the tests read what it wrote.
"""

import contextlib
import io
import json

import numpy as np
import pytest
import torch

pytest.importorskip("openvino")
pytest.importorskip("nncf")

from support import tiny_segmentor  # noqa: E402

from seg.bench.accuracy import compare_predictions
from seg.config import ConfigError  # noqa: E402
from seg.export.openvino import export_openvino, tail_names
from seg.export.verify import verify_runner
from seg.inference.card import CONFIG, ModelCard, read_card, read_metadata, sidecar
from seg.models import build_model, load_weights  # noqa: E402
from seg.runtimes.backends import choose_backend, runtime_of
from seg.runtimes.factory import load_predictor
from seg.runtimes.openvino import OpenVINORunner

pytestmark = pytest.mark.slow

HELD_OUT = 32  # tests/conftest.py's held_out fixture


@pytest.fixture(scope="module")
def exported(small_export, tmp_path_factory, single_thread):
    """tools/export.py --format openvino on the fixture's weights: dynamic fp32 IR, its NNCF INT8, the tool's log."""
    from export import main

    folder = tmp_path_factory.mktemp("openvino")
    output = folder / "model.xml"
    argv = [str(small_export.config_path), str(small_export.weights), "--format", "openvino", "--output", str(output)]
    argv += ["--input-size", "64", "96", "--dynamic", "--int8", "--calibration", str(small_export.config_path)]
    argv += ["--calibration-images", "6", "--threads", "1", "--set", *small_export.overrides]
    argv += [f"data.root={small_export.toy_root}"]
    log = io.StringIO()
    with contextlib.redirect_stdout(log), single_thread():
        assert main(argv) == 0
    return output, output.with_name("model.int8.xml"), log.getvalue()


def fixture_model(small_export):
    model = build_model(small_export.config.model)
    load_weights(model, small_export.weights)
    return model.eval()


def test_fp32_ir_matches_pytorch_at_two_sizes_one_odd(exported, small_export):
    xml, _, log = exported
    assert xml.is_file() and xml.with_suffix(".bin").is_file()
    assert "openvino vs PyTorch" in log and "FAILED" not in log
    runner = OpenVINORunner(xml, threads=1)
    assert runner.dynamic and runner.static_size() is None and not runner.int8
    assert runner.description.startswith("OpenVINO") and "fp32" in runner.description
    shapes = [(1, (64, 96)), (2, (64, 96)), (1, (75, 111))]
    for parity in verify_runner(fixture_model(small_export), runner, shapes, "openvino"):
        assert parity.max_abs_diff <= 1e-4 and parity.agreement >= 0.999, parity.line()


def test_int8_agrees_with_fp32_on_held_out_toy_images(exported, small_export, held_out):
    xml, int8_xml, log = exported
    assert "INT8 vs fp32" in log
    fp32 = load_predictor(read_card(xml, small_export.config), threads=1)
    int8 = load_predictor(read_card(int8_xml, small_export.config), threads=1)
    assert int8.runner.int8 and "INT8" in int8.runner.description
    result = compare_predictions(fp32, int8, held_out, small_export.config.data.ignore_index)
    assert result.images == HELD_OUT
    # NNCF with 7-bit weights (overflow fix: the same integers on every x86 CPU) and the float decoder tail: 98.46%
    # on these 32 images (Intel Xeon with AVX-512 VNNI and AMX; docs/deployment.md).
    assert result.agreement >= 0.98, result


def test_int8_keeps_the_decoder_tail_float(exported):
    _, int8_xml, _ = exported
    runner = OpenVINORunner(int8_xml, threads=1)
    logits = runner(np.random.default_rng(0).standard_normal((1, 3, 64, 96)).astype(np.float32))
    assert logits.dtype == np.float32 and len(np.unique(logits)) > 256  # not on an 8-bit grid
    tail = set(tail_names(runner.model))
    ops = runner.model.get_ops()
    convs = [op for op in ops if op.get_friendly_name() in tail and op.get_type_name() == "Convolution"]
    assert convs  # the classifiers
    for conv in convs:  # fed by float data and float weights, no FakeQuantize
        assert all(value.get_node().get_type_name() != "FakeQuantize" for value in conv.input_values())
    assert sum(op.get_type_name() == "FakeQuantize" for op in ops) > 20  # the encoder is quantized


def test_xml_runs_through_the_predictor_without_a_config(exported, small_export, held_out):
    xml, _, _ = exported
    assert runtime_of(xml) == "openvino" and choose_backend(None, xml) == "openvino"
    from_file = load_predictor(read_card(xml), threads=1)
    torch_predictor = load_predictor(read_card(small_export.weights, small_export.config), backend="torch", threads=1)
    image = held_out[0][0]
    same = (from_file.predict(image) == torch_predictor.predict(image)).mean()
    assert same >= 0.999 and from_file.backend == "openvino"
    assert from_file.classes is not None and from_file.num_classes == small_export.config.model.num_classes


def test_metadata_round_trip(exported, small_export):
    xml, int8_xml, _ = exported
    config = small_export.config
    expected = ModelCard.from_config(config)
    for path in (xml, int8_xml):
        assert sidecar(path).is_file()
        stored = read_metadata(path)
        card = read_card(path)
        assert card.config == config and card.runtime == "openvino"
        assert (card.classes, card.mean, card.std) == (expected.classes, expected.mean, expected.std)
        assert json.loads(stored[CONFIG])["model"]["width_mult"] == 0.35


def test_refusals(exported, tmp_path, monkeypatch):
    xml, _, _ = exported
    with pytest.raises(ConfigError, match="needs weights=PATH.xml"):
        choose_backend("openvino-bf16", "model.onnx")
    static = export_openvino(tiny_segmentor(), tmp_path / "static.xml", (64, 96), dynamic=False)
    runner = OpenVINORunner(static, threads=1)
    assert runner.static_size() == (64, 96)
    with pytest.raises(ConfigError, match="fixed input size 64x96"):
        runner.check(5, (32, 64))
    import seg.runtimes.openvino as openvino_module

    monkeypatch.setattr(openvino_module, "supports_bf16", lambda: False)
    with pytest.raises(ConfigError, match="no bf16"):
        OpenVINORunner(xml, threads=1, precision="bf16")
    with pytest.raises(FileNotFoundError, match="tools/export.py --format openvino"):
        OpenVINORunner(tmp_path / "none.xml")


def test_export_tool_refuses_a_wrong_suffix(small_export):
    from export import main

    with pytest.raises(ConfigError, match=r"must end in \.xml"):
        main([str(small_export.config_path), "--format", "openvino", "--output", "model.onnx"])


def test_bf16_runs_where_the_cpu_has_it(exported, small_export):
    from seg.runtimes.openvino import supports_bf16

    if not supports_bf16():
        pytest.skip("this CPU has no bf16 (AVX-512 BF16 / AMX)")
    xml, _, _ = exported
    fp32 = OpenVINORunner(xml, threads=1)
    bf16 = OpenVINORunner(xml, threads=1, precision="bf16")
    assert "bf16" in bf16.description
    batch = torch.randn(1, 3, 64, 96, generator=torch.Generator().manual_seed(0))
    a, b = fp32(batch), bf16(batch)
    assert (a.argmax(1) == b.argmax(1)).float().mean() >= 0.95


def test_benchmark_rows_carry_precision_peak_label_maps_and_agreement(small_export, tmp_path):
    from benchmark import main as benchmark_main

    out = tmp_path / "bench.json"
    argv = [str(small_export.config_path), "--set", *small_export.overrides, "--input-size", "64", "96", "96", "128"]
    argv += ["--backends", "onnxruntime", "onnxruntime-int8", "openvino", "openvino-int8", "--references"]
    argv += ["--iters", "2", "--warmup", "1", "--threads", "1", "--json", str(out), "--no-progress"]
    argv += ["--calibration", str(small_export.toy_root / "leftImg8bit" / "train"), "--agreement-images", "3"]
    argv += ["--peak", "--label-maps"]
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        assert benchmark_main(argv) == 0
    report = json.loads(out.read_text())
    assert {(rate["runtime"], rate["precision"]) for rate in report["peaks"]} >= {
        ("onnxruntime", "fp32"), ("onnxruntime", "int8"), ("openvino", "fp32"), ("openvino", "int8"),
    }  # fmt: skip
    rows = {(row["backend"], tuple(row["input_size"])): row for row in report["rows"]}
    assert len(rows) == 8
    for (backend, _), row in rows.items():
        assert row["precision"] == ("int8" if backend.endswith("int8") else "fp32")
        assert row["gmadds"] > 0 and row["gmadds_per_s"] > 0 and 0 < row["peak_percent"] < 100
        assert row["label_map_ms"] > 0
        assert ("agreement" in row) == backend.endswith("int8")
        if backend.endswith("int8"):
            assert 0 < row["agreement"] <= 1 and row["agreement_images"] == 3
    assert rows[("openvino", (64, 96))]["runner"].startswith("OpenVINO")
    assert "% of this machine's peak" in printed.getvalue() and "image to label map ms" in printed.getvalue()


def test_profile_sums_layer_times_per_type_and_kernel(tmp_path):
    from seg.bench.openvino_profile import profile_openvino, profile_table

    static = export_openvino(tiny_segmentor(), tmp_path / "profiled.xml", (64, 96), dynamic=False)
    times = profile_openvino(static, (64, 96), threads=1, iters=2)
    assert any(key.startswith("Convolution (") for key in times) and all(ms >= 0 for ms in times.values())
    assert list(times.values()) == sorted(times.values(), reverse=True)
    table = profile_table(times)
    assert table.splitlines()[-1].startswith("| total |") and "Convolution" in table
