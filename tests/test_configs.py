"""Every shipped config loads and builds; the paper's configs are there and say what Table 7 says."""

from pathlib import Path

import pytest

from seg.classes import check_num_classes
from seg.config import load_config
from seg.models import build_model

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "configs").glob("*.py"))
REQUIRED = {
    "lraspp_large_cityscapes.py",
    "lraspp_small_cityscapes.py",
    "raspp_large_cityscapes.py",
    "deeplabv3_large_cityscapes.py",
    "lraspp_mobilenetv2_cityscapes.py",
    "lraspp_small_folder.py",
    "lraspp_large_ade20k.py",
    "lraspp_large_voc.py",
    "lraspp_large_camvid.py",
}


def test_the_required_configs_exist():
    # Guards against a glob that finds nothing and a suite that passes vacuously.
    assert {path.name for path in CONFIGS} >= REQUIRED


@pytest.fixture(scope="module")
def folder_root(tmp_path_factory) -> Path:
    """A folder-format root with only its classes.txt: what the folder config needs to load."""
    root = tmp_path_factory.mktemp("folder")
    (root / "classes.txt").write_text("background\nweed 0 200 0\ncrop\n")
    return root


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_config_loads_and_builds(path, folder_root):
    overrides = [f"data.root={folder_root}"] if "folder" in path.name else []
    config = load_config(path, overrides)
    assert config.name == path.stem
    model = build_model(config.model)
    assert model.num_classes == len(check_num_classes(config)) == config.model.num_classes


def test_table_7_rows():
    configs = {path.name: load_config(path).model for path in CONFIGS if "folder" not in path.name}
    row8 = configs["lraspp_large_cityscapes.py"]
    assert (row8.backbone, row8.reduced_tail, row8.output_stride, row8.head, row8.head_channels) == (
        "mobilenet_v3_large",
        True,
        16,
        "lraspp",
        128,
    )
    row11 = configs["lraspp_small_cityscapes.py"]
    assert (row11.backbone, row11.reduced_tail, row11.head, row11.head_channels) == (
        "mobilenet_v3_small",
        True,
        "lraspp",
        128,
    )
    row6 = configs["raspp_large_cityscapes.py"]
    assert (row6.head, row6.head_channels, row6.reduced_tail) == ("raspp", 256, True)


def test_folder_config_takes_the_class_count_from_classes_txt(folder_root):
    config = load_config(CONFIGS[0].parent / "lraspp_small_folder.py", [f"data.root={folder_root}"])
    assert config.model.num_classes == 3 and config.data.class_names == ("background", "weed", "crop")
    assert config.data.palette[1] == (0, 200, 0)  # colours from the file; the others from the default palette
