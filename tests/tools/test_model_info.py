import json
from pathlib import Path

import model_info

from seg.cli import run_tool

SMALL = str(Path(__file__).resolve().parents[2] / "configs" / "lraspp_small_cityscapes.py")


def test_json_reports_params_and_madds_split(capsys):
    assert model_info.main([SMALL, "--input-size", "128", "256", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["params"] == report["backbone_params"] + report["decoder_params"]
    assert report["madds"] == report["backbone_madds"] + report["decoder_madds"]
    assert report["input_size"] == [128, 256] and report["model"]["backbone"] == "mobilenet_v3_small"


def test_paper_madds_within_5_percent(capsys):
    # Table 7 row 11 / Table 8: 2.90B MAdds at 1024x2048 for Small at output stride 16, 2.06B at 32.
    for override, paper in (("model.output_stride=16", 2.90e9), ("model.output_stride=32", 2.06e9)):
        assert model_info.main([SMALL, "--set", override, "--json"]) == 0
        madds = json.loads(capsys.readouterr().out)["madds"]
        assert abs(madds / paper - 1) < 0.05


def test_bad_override_exits_2_with_valid_keys(capsys):
    assert run_tool(model_info.main, [SMALL, "--set", "model.outputstride=8"]) == 2
    err = capsys.readouterr().err
    assert "did you mean --set model.output_stride=8?" in err and "valid keys here: model.backbone" in err
    assert run_tool(model_info.main, [SMALL, "--set", "model.output_stride=4"]) == 2
    assert "model.output_stride=4 is not supported" in capsys.readouterr().err
