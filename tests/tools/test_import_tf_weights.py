"""tools/import_weights.py on the authors' TensorFlow checkpoints: the forms a download takes, and the refusals."""

import shutil
import tarfile
from pathlib import Path

import import_weights
import pytest
import torch

from seg.config import load_config
from seg.models import build_model, load_weights, read_checkpoint_config

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "tf"
SMALL = REPO / "configs" / "lraspp_small_cityscapes_released.py"


def _run(argv: list[str]) -> int:
    """The tool as the command line runs it: a user error is one line on stderr and exit status 2."""
    return import_weights.run_tool(import_weights.main, argv)


@pytest.fixture(scope="module")
def tarball(tmp_path_factory) -> Path:
    """The Small fixture packed as the model zoo packs its checkpoints: one folder inside a .tar.gz."""
    path = tmp_path_factory.mktemp("zoo") / "deeplab_mnv3_small_cityscapes_trainfine_2019_11_15.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for file in sorted((FIXTURES / "small").iterdir()):
            tar.add(file, arcname=f"deeplab_mnv3_small_cityscapes_trainfine/{file.name}")
    return path


def test_tarball_imports_with_its_released_config(tarball, tmp_path, capsys):
    output = tmp_path / "small.ckpt"
    assert _run([str(tarball), "--output", str(output)]) == 0
    assert "(tensorflow), config lraspp_small_cityscapes_released" in capsys.readouterr().out
    config = read_checkpoint_config(output)
    assert config is not None and config == load_config(SMALL)  # classes, statistics, padding, eval padding
    assert config.model.padding == "tf_same" and config.eval.pad_to == (1025, 2049)
    load_weights(build_model(config.model), output)


@pytest.mark.parametrize("form", ["folder", "prefix", "index file"])
def test_folder_and_prefix_give_the_same_checkpoint(form, tarball, tmp_path):
    source = {"folder": FIXTURES / "small", "prefix": FIXTURES / "small" / "model.ckpt-0",
              "index file": FIXTURES / "small" / "model.ckpt-0.index"}[form]  # fmt: skip
    assert _run([str(source), "--output", str(tmp_path / "a.ckpt")]) == 0
    assert _run([str(tarball), "--output", str(tmp_path / "b.ckpt")]) == 0
    a, b = (torch.load(tmp_path / n, weights_only=False)["state_dict"] for n in ("a.ckpt", "b.ckpt"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _refused(argv: list[str], output: Path, capsys, *words: str) -> None:
    assert _run([*argv, "--output", str(output)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err, err
    assert not output.exists()


def test_truncated_data_file_is_refused(tmp_path, capsys):
    shutil.copytree(FIXTURES / "small", tmp_path / "small")
    data = tmp_path / "small" / "model.ckpt-0.data-00000-of-00001"
    data.write_bytes(data.read_bytes()[: data.stat().st_size // 2])
    _refused([str(tmp_path / "small")], tmp_path / "out.ckpt", capsys, "truncated", "needs bytes")


def test_truncated_index_and_tarball_are_refused(tarball, tmp_path, capsys):
    shutil.copytree(FIXTURES / "small", tmp_path / "small")
    index = tmp_path / "small" / "model.ckpt-0.index"
    index.write_bytes(index.read_bytes()[:-20])
    _refused([str(tmp_path / "small")], tmp_path / "out.ckpt", capsys, "model.ckpt-0.index", "truncated")
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(tarball.read_bytes()[: tarball.stat().st_size // 2])
    _refused([str(cut)], tmp_path / "out.ckpt", capsys, str(cut))


def test_torchvision_file_given_as_tensorflow_is_refused(tmp_path, capsys):
    pth = tmp_path / "lraspp.pth"
    torch.save({"backbone.0.0.weight": torch.zeros(16, 3, 3, 3)}, pth)
    _refused([str(pth), "--source-format", "tensorflow"], tmp_path / "out.ckpt", capsys, "not a TensorFlow checkpoint")


def test_checkpoint_of_another_network_is_refused(tmp_path, capsys):
    _refused([str(FIXTURES / "other_network")], tmp_path / "out.ckpt", capsys, "another network", "resnet_v1_50")


def test_checkpoint_for_another_config_names_the_variables(tmp_path, capsys):
    _refused([str(FIXTURES / "large"), "--config", str(SMALL)], tmp_path / "out.ckpt", capsys,
             "MobilenetV3/", "lraspp_small_cityscapes_released")  # fmt: skip
