"""Every shipped config loads and builds; the paper's configs are there and say what Table 7 says."""

from pathlib import Path

import pytest

from seg.config import load_config
from seg.data.catalog import check_num_classes
from seg.models import build_model

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "configs").glob("*.py"))
REQUIRED = {
    "lraspp_large_cityscapes.py",
    "lraspp_small_cityscapes.py",
    "raspp_large_cityscapes.py",
    "deeplabv3_large_cityscapes.py",
    "lraspp_mobilenetv2_cityscapes.py",
}


def test_the_required_configs_exist():
    # Guards against a glob that finds nothing and a suite that passes vacuously.
    assert {path.name for path in CONFIGS} >= REQUIRED


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_config_loads_and_builds(path):
    config = load_config(path)
    assert config.name == path.stem
    model = build_model(config.model)
    assert model.num_classes == len(check_num_classes(config)) == config.model.num_classes


def test_table_7_rows():
    configs = {path.name: load_config(path).model for path in CONFIGS}
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
