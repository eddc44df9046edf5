"""tools/export_onnx.py, tools/benchmark.py and tools/compare_decoders.py end to end, on tiny inputs."""

import json
import re

import pytest
from benchmark import main as benchmark_main
from compare_decoders import main as compare_main
from export_onnx import main as export_main

from seg.cli import run_tool
from seg.export.verify import verify_onnx
from seg.models import build_model, load_weights


@pytest.mark.slow
def test_export_tool_verifies_three_sizes_within_the_logit_and_agreement_bounds(small_export):
    log = small_export.log
    assert "dynamic batch, height and width" in log
    lines = [line for line in log.splitlines() if "max |logit diff|" in line]
    pattern = r"batch (\d+), (\d+)x(\d+): max \|logit diff\| ([0-9.e+-]+), argmax agreement ([0-9.]+)%"
    printed = [re.search(pattern, line).groups() for line in lines]
    shapes = [(int(batch), (int(h), int(w))) for batch, h, w, _, _ in printed]
    assert len(shapes) == 3 and shapes[0] == (1, (64, 96)) and any(h % 32 and w % 32 for _, (h, w) in shapes)
    # The numbers the tool printed, and the same differences measured here on the exported file.
    assert all(float(diff) <= 1e-3 and float(same) >= 99.9 for *_, diff, same in printed)
    model = build_model(small_export.config.model)
    load_weights(model, small_export.weights)
    for parity in verify_onnx(model, small_export.onnx, shapes, threads=1):
        assert parity.max_abs_diff <= 1e-3 and parity.agreement >= 0.999, parity.line()


def test_export_tool_rejects_bad_input(tmp_path, capsys, repo):
    config = str(repo / "configs" / "lraspp_small_cityscapes.py")
    assert run_tool(export_main, [config, "--output", str(tmp_path / "m.onnx"), "--int8"]) == 2
    assert "--int8 needs --calibration" in capsys.readouterr().err
    assert run_tool(export_main, [config, str(tmp_path / "missing.ckpt"), "--output", str(tmp_path / "m.onnx")]) == 2
    assert "missing.ckpt does not exist" in capsys.readouterr().err


def test_benchmark_tool_json(tmp_path, capsys, small_config):
    out = tmp_path / "bench.json"
    argv = [
        str(small_config[0]),
        "--set",
        *small_config[1],
        "--input-size",
        "64",
        "96",
        "--backends",
        "torch",
        "torch-channels-last",
    ]
    argv += [
        "--iters",
        "2",
        "--warmup",
        "1",
        "--threads",
        "1",
        "--json",
        str(out),
        "--markdown",
        str(tmp_path / "b.md"),
    ]
    argv += ["--plot", str(tmp_path / "b.png"), "--no-progress"]
    assert benchmark_main(argv) == 0
    report = json.loads(out.read_text())
    assert report["machine"]["threads"] == 1 and report["machine"]["cpu"] and report["machine"]["torch"]
    rows = {(row["model"], row["backend"]): row for row in report["rows"]}
    reference = ("torchvision lraspp_mobilenet_v3_large", "torch")
    assert set(rows) == {
        ("lraspp_small_cityscapes", "torch"),
        ("lraspp_small_cityscapes", "torch-channels-last"),
        reference,
    }
    for row in rows.values():
        assert (
            row["iters"] == 2
            and row["median_ms"] > 0
            and row["p90_ms"] >= row["median_ms"]
            and row["precision"] == "fp32"
        )
        ratio = row["ratios"][f"{reference[0]} / torch"]
        assert ratio == pytest.approx(row["median_ms"] / rows[reference]["median_ms"])
    assert (tmp_path / "b.png").stat().st_size > 0
    assert "| lraspp_small_cityscapes |" in (tmp_path / "b.md").read_text()


def test_compare_tool_table(tmp_path, repo, capsys):
    configs = [f"{repo}/configs/lraspp_large_cityscapes.py", f"{repo}/configs/raspp_mobilenetv2_cityscapes.py"]
    argv = [*configs, "--set", "model.width_mult=0.35", "--input-size", "64", "96", "--iters", "2", "--warmup", "1"]
    argv += ["--threads", "1", "--markdown", str(tmp_path / "c.md"), "--plot", str(tmp_path / "c.png"), "--no-progress"]
    assert compare_main(argv) == 0
    table = (tmp_path / "c.md").read_text()
    assert "| lraspp_large_cityscapes | 16 | yes | 128 |" in table
    assert "| raspp_mobilenetv2_cityscapes | 16 | no | 256 |" in table
    assert "the paper reports 34% faster" in table
    assert (tmp_path / "c.png").stat().st_size > 0


@pytest.mark.slow
def test_an_export_stores_its_config_and_runs_without_one(small_export):
    from seg.inference.card import read_card
    from seg.runtimes.factory import load_predictor

    for export in (small_export.onnx, small_export.int8):
        card = read_card(export)
        assert card.config == small_export.config and card.notes == () and card.runtime == "onnxruntime"
    assert load_predictor(read_card(small_export.onnx), threads=1).classes is not None


@pytest.mark.slow
def test_int8_agreement_is_measured_on_images_the_calibration_did_not_see(small_export, tmp_path):
    import cv2
    import numpy as np

    from seg.data.samples import calibration_images, evaluation_samples, folder_halves

    assert "(its train split)" in small_export.log
    assert re.search(r"INT8 vs fp32 on 4 images from .* val split \(calibration used train\)", small_export.log)
    for index in range(5):
        cv2.imwrite(str(tmp_path / f"{index}.png"), np.full((8, 8, 3), 40 * index, dtype=np.uint8))
    calibration, evaluation = folder_halves(tmp_path)
    assert [p.name for p in calibration] == ["0.png", "2.png", "4.png"] and [p.name for p in evaluation] == [
        "1.png",
        "3.png",
    ]
    assert [int(image[0, 0, 0]) for image in calibration_images(tmp_path, 10)] == [0, 80, 160]
    samples, where = evaluation_samples(tmp_path, 10)
    assert [int(image[0, 0, 0]) for image, _ in samples] == [40, 120] and "none of them used for calibration" in where


def test_benchmark_plot_legend_sits_outside_and_ticks_only_measured_strides(monkeypatch):
    from seg.bench import report as report_module

    figures = []
    monkeypatch.setattr(report_module, "_save_figure", lambda figure, path: figures.append(figure))
    rows = [
        {"model": name, "backend": backend, "input_size": [64, 96], "sweep_output_stride": 16, "median_ms": ms}
        for name, backend, ms in (("a", "torch", 3.0), ("a", "onnxruntime", 2.0), ("torchvision x", "torch", 4.0))
    ]
    report_module.plot_benchmark({"rows": rows, "machine": {"cpu": "cpu", "threads": 1}, "settings": {"batch": 1}}, "x")
    figure = figures[0]
    assert "1 thread," in figure._suptitle.get_text()
    assert len(figure.legends) == 1 and figure.axes[0].get_legend() is None  # beside the panels, not on them
    assert sorted(t.get_text() for t in figure.legends[0].get_texts()) == [
        "a / onnxruntime",
        "a / torch",
        "torchvision x / torch",
    ]
    assert [t.get_text() for t in figure.axes[0].get_xticklabels()] == ["16"]


def test_compare_labels_two_checkpoints_of_one_config_apart_and_never_swaps_the_axis_silently():
    from compare_decoders import plot_points

    from seg.bench.sweep import distinct_labels

    labels = distinct_labels(["toy", "toy", "other"], ["runs/a/best.ckpt", "runs/b/best.ckpt", None])
    assert labels == ["toy (a/best.ckpt)", "toy (b/best.ckpt)", "other"]
    assert distinct_labels(["toy", "toy"], [None, None]) == ["toy #1", "toy #2"]
    rows = [
        {"model": "x", "median_ms": 1.0, "madds": 2e9, "miou": 0.5},
        {"model": "y", "median_ms": 2.0, "madds": 1e9, "miou": None},
    ]
    points, ylabel, left_out = plot_points(rows)
    assert ylabel == "mIoU (%)" and points == [("x", 1.0, 50.0)] and left_out == ["y"]
    points, ylabel, left_out = plot_points([{**row, "miou": None} for row in rows])
    assert ylabel == "MAdds (billions)" and len(points) == 2 and left_out == []


@pytest.mark.slow
def test_compare_tool_tells_two_checkpoints_of_one_config_apart(small_export, tmp_path, capsys):
    import shutil

    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        shutil.copy(small_export.weights, tmp_path / run / "weights.pt")
    config = str(small_export.config_path)
    argv = [config, config, "--checkpoints", str(tmp_path / "a" / "weights.pt"), str(tmp_path / "b" / "weights.pt")]
    argv += ["--set", *small_export.overrides, f"data.root={small_export.toy_root}", "--input-size", "64", "96"]
    argv += ["--iters", "1", "--warmup", "0", "--eval-images", "2", "--threads", "1", "--no-progress"]
    assert compare_main([*argv, "--markdown", str(tmp_path / "c.md")]) == 0
    table = (tmp_path / "c.md").read_text()
    assert (
        "| lraspp_small_cityscapes (a/weights.pt) |" in table and "| lraspp_small_cityscapes (b/weights.pt) |" in table
    )
