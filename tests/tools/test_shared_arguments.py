"""The argument groups every tool shares (seg.cli) and the export tool's checks, before anything heavy loads."""

import argparse
from pathlib import Path

import pytest

from seg.cli import (
    add_input_size_argument,
    add_model_arguments,
    add_overwrite_argument,
    add_report_arguments,
    add_threads_argument,
    check_report_outputs,
    model_positionals,
    run_tool,
)
from seg.export.job import int8_path

from .conftest import load_tool


def _parser(**size) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tool")
    add_model_arguments(parser)
    add_input_size_argument(parser, **size)
    add_threads_argument(parser)
    add_report_arguments(parser, json="the report", markdown="the table", plot="the plot")
    add_overwrite_argument(parser)
    return parser


def test_input_size_is_one_validated_tuple_or_a_list_of_pairs():
    args = _parser().parse_args(["m.ckpt", "--input-size", "64", "96", "--threads", "2"])
    assert args.input_size == (64, 96) and args.threads == 2 and args.items == ["m.ckpt"]
    assert _parser(default=(512, 1024)).parse_args(["m.ckpt"]).input_size == (512, 1024)
    sweep = _parser(default=(512, 1024), minimum=32, pairs=True)
    assert sweep.parse_args(["m.ckpt"]).input_size == [(512, 1024)]
    assert sweep.parse_args(["m.ckpt", "--input-size", "64", "96", "128", "256"]).input_size == [(64, 96), (128, 256)]


@pytest.mark.parametrize(
    ("argv", "size", "message"),
    [
        (["--input-size", "16", "64"], {"minimum": 32}, "argument --input-size: 16 must be at least 32"),
        (["--input-size", "0", "64"], {}, "argument --input-size: 0 must be at least 1"),
        (["--input-size", "64", "x"], {}, "argument --input-size: 'x' is not an integer"),
        (["--input-size", "64", "96", "128"], {"pairs": True}, "takes pairs H W"),
        (["--threads", "0"], {}, "argument --threads: 0 must be at least 1"),
    ],
)
def test_bad_sizes_and_thread_counts_are_argument_errors(argv, size, message, capsys):
    with pytest.raises(SystemExit) as stop:
        _parser(**size).parse_args(["m.ckpt", *argv])
    assert stop.value.code == 2 and message in capsys.readouterr().err


def test_model_positionals_split_the_config_and_count_the_rest(capsys):
    parser = _parser()
    assert model_positionals(parser, ["c.py", "m.ckpt", "in"], 2, 2, "[CONFIG.py] MODEL INPUT") == (
        "c.py",
        ["m.ckpt", "in"],
    )
    assert model_positionals(parser, ["m.ckpt"], 1, 1, "[CONFIG.py] MODEL") == (None, ["m.ckpt"])
    with pytest.raises(SystemExit):
        model_positionals(parser, ["c.py", "a.ckpt", "b.ckpt"], 1, 1, "[CONFIG.py] MODEL")
    assert "expected [CONFIG.py] MODEL, got c.py a.ckpt b.ckpt" in capsys.readouterr().err


def test_existing_report_files_are_refused_before_any_work_unless_overwrite(tmp_path):
    (tmp_path / "r.json").write_text("{}")
    args = _parser().parse_args(["m.ckpt", "--json", str(tmp_path / "r.json"), "--plot", str(tmp_path / "new.png")])
    assert run_tool(lambda argv: check_report_outputs(args) or 0, []) == 2
    args.overwrite = True
    check_report_outputs(args)
    assert (tmp_path / "r.json").read_text() == "{}" and not (tmp_path / "new.png").exists()


def test_int8_file_sits_beside_the_float_one():
    assert int8_path("out/small.onnx") == Path("out/small.int8.onnx")
    assert int8_path(Path("m.tflite")) == Path("m.int8.tflite") and int8_path("a.b.pte") == Path("a.b.int8.pte")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--format", "litert", "--output", "m.tflite", "--dynamic"], "--format litert cannot carry a dynamic height"),
        (["--format", "executorch", "--output", "m.onnx"], "must end in .pte for --format executorch"),
        (["--format", "executorch", "--output", "m.pte", "--labels"], "--labels and --opset are ONNX options"),
        (["--output", "m.onnx", "--check-size", "64", "64"], "--check-size needs --dynamic"),
        (["--output", "m.onnx", "--int8", "--calibration", "x", "--labels"], "--int8 quantizes a logits graph"),
        (["--output", "m.onnx", "--calibration-method", "minmax"], "--calibration-method sets ONNX INT8 calibration"),
        (
            [
                "--format",
                "openvino",
                "--output",
                "m.xml",
                "--int8",
                "--calibration",
                "x",
                "--calibration-method",
                "minmax",
            ],
            "the LiteRT, ExecuTorch and OpenVINO quantizers calibrate their own way",
        ),
    ],
)
def test_export_tool_refuses_impossible_combinations_with_exit_2(argv, message, tmp_path, repo, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    export = load_tool("export")
    assert run_tool(export.main, [str(repo / "configs" / "lraspp_small_toy.py"), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and not list(tmp_path.iterdir())
