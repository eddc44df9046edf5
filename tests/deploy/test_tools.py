"""tools/export_onnx.py, tools/benchmark.py and tools/compare_decoders.py end to end, on tiny inputs."""

import json
import re

import pytest
from benchmark import main as benchmark_main
from compare_decoders import main as compare_main
from export_onnx import main as export_main

from seg.cli import run_tool


def test_export_tool_verifies_three_sizes(small_export):
    log = small_export.log
    assert "dynamic batch, height and width" in log
    lines = [line for line in log.splitlines() if "max |logit diff|" in line]
    assert len(lines) == 3 and all(line.rstrip().endswith("ok") for line in lines)
    sizes = [tuple(map(int, re.search(r"(\d+)x(\d+):", line).groups())) for line in lines]
    assert sizes[0] == (64, 96) and any(h % 32 and w % 32 for h, w in sizes)


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
