"""tools/app.py's arguments: a user mistake is one line and exit status 2, before any server starts."""

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def run_app(*argv: str) -> int:
    spec = importlib.util.spec_from_file_location("seg_tool_app", REPO / "tools" / "app.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool.run_tool(tool.main, list(argv))


def test_a_missing_model_is_one_line_and_exit_2(tmp_path, capsys):
    assert run_app(str(tmp_path / "missing.ckpt"), "--port", "7999") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    assert "does not exist" in err or "pip install" in err  # without the app extra, that is said first


@pytest.mark.parametrize(
    "argv, words",
    [
        (["a.ckpt", "--port", "0"], "--port 0 must be in 1..65535"),
        (["a.ckpt", "--max-megapixels", "0"], "--max-megapixels must be positive"),
        (["a.ckpt", "b.ckpt"], "expected [CONFIG.py] MODEL"),
    ],
)
def test_bad_arguments_are_refused_by_the_parser(argv, words, capsys):
    with pytest.raises(SystemExit) as exit_:
        run_app(*argv)
    assert exit_.value.code == 2 and words in capsys.readouterr().err
