"""seg.outputs: every output is checked before any work, with one message naming the path, the reason and the fix."""

import errno
import shutil
import tempfile
from collections import namedtuple

import pytest

from seg import outputs
from seg.errors import UserError
from seg.outputs import OutputError, check_output_dir, check_output_file, existing


def test_a_writable_path_passes_and_leaves_nothing_behind(tmp_path):
    assert check_output_file(tmp_path / "new" / "deep" / "model.onnx", "--output") == tmp_path / "new/deep/model.onnx"
    assert check_output_dir(tmp_path / "out", "--output-dir") == tmp_path / "out"
    assert list(tmp_path.iterdir()) == []  # no folder created, no probe file left


def test_existing_outputs_are_refused_unless_overwrite(tmp_path):
    (tmp_path / "m.onnx").write_bytes(b"x")
    with pytest.raises(OutputError, match=r"--output .*m.onnx already exists; pass --overwrite"):
        check_output_file(tmp_path / "m.onnx", "--output")
    check_output_file(tmp_path / "m.onnx", "--output", overwrite=True)
    with pytest.raises(OutputError, match="already holds files; pass --overwrite"):
        check_output_dir(tmp_path, "--cityscapes-results", overwrite=False)
    with pytest.raises(OutputError, match=r"1 output file already exist .*m.onnx.*--overwrite"):
        existing([tmp_path / "m.onnx", tmp_path / "other.png"], "--output-dir")


def test_a_file_where_a_folder_should_be_and_a_folder_where_a_file_should_be(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError, match=r"f/x.onnx cannot be created: .*f is a file where a folder should be"):
        check_output_file(tmp_path / "f" / "x.onnx", "--output")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        check_output_dir(tmp_path / "f", "--output-dir")
    with pytest.raises(OutputError, match="is a folder; give a file name"):
        check_output_file(tmp_path, "--json")


@pytest.mark.parametrize(
    ("code", "reason"), [(errno.EACCES, "permission denied"), (errno.EROFS, "read-only file system")]
)
def test_an_unwritable_folder_names_the_reason(tmp_path, monkeypatch, code, reason):
    def refuse(*args, **kwargs):
        raise OSError(code, "refused")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refuse)
    with pytest.raises(OutputError, match=rf"--output .*x.onnx cannot be written: {reason} in {tmp_path}\."):
        check_output_file(tmp_path / "x.onnx", "--output")
    with pytest.raises(UserError, match=rf"cannot be created: {reason} in {tmp_path}"):
        check_output_dir(tmp_path / "new", "--output-dir")


def test_a_full_disk_is_reported_before_work(tmp_path, monkeypatch):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(100, 100, 0))
    with pytest.raises(OutputError, match="no space left on the device"):
        check_output_file(tmp_path / "x.json", "--json")
    assert outputs.MIN_FREE_BYTES > 0


def test_plain_file_mode_removes_the_executable_bits_and_respects_the_umask(tmp_path):
    import os
    import stat

    from seg.outputs import plain_file_mode

    path = tmp_path / "model.tflite"
    path.write_bytes(b"x")
    path.chmod(0o777)
    previous = os.umask(0o027)
    try:
        plain_file_mode(path)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
