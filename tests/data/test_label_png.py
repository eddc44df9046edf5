"""Label maps as files: a single-channel 8-bit PNG of class ids that reads back exactly."""

import numpy as np
import pytest
from PIL import Image

from seg.data.io import decode_label
from seg.data.label_png import encode_label_png, write_label_png


def test_a_label_png_is_single_channel_and_reads_back_exactly(tmp_path):
    labels = np.random.default_rng(0).integers(0, 19, (37, 53), dtype=np.uint8)
    labels[0, 0] = 255  # ignore survives too
    path = write_label_png(tmp_path / "sub" / "x_labels.png", labels)
    with Image.open(path) as file:
        assert file.mode == "L" and file.size == (53, 37)
    np.testing.assert_array_equal(decode_label(path), labels)
    assert path.read_bytes() == encode_label_png(labels)


def test_only_uint8_maps_are_label_pngs():
    with pytest.raises(ValueError, match="uint8"):
        encode_label_png(np.zeros((4, 4), dtype=np.int64))
