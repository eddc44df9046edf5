"""The one overlay and legend renderer (seg.data.render), for any class list and palette."""

import numpy as np
import pytest

from seg.classes import CLASS_NAMES, PALETTE
from seg.data.render import BACKGROUND, SWATCH_BORDER, Legend, SegmentationRenderer, classes_by_area, colorize
from seg.video.render import Renderer

# A dataset that is not Cityscapes: three classes, one of them nearly black.
NAMES = ("grass", "night sky", "path")
COLORS = np.array([[0, 160, 0], [5, 5, 20], [200, 180, 120]], dtype=np.uint8)


def _labels() -> np.ndarray:
    labels = np.zeros((60, 80), dtype=np.uint8)  # grass: 40% ...
    labels[:36] = 1  # night sky: 60%
    labels[0, 0] = 2  # path: one pixel, below the legend's 0.1% threshold
    labels[-1, -1] = 255  # ignored
    return labels


def test_classes_are_listed_largest_first_above_the_threshold():
    assert classes_by_area(_labels(), len(NAMES)) == [1, 0]
    assert classes_by_area(_labels(), len(NAMES), min_fraction=0.0) == [1, 0, 2]


def test_colorize_uses_the_given_palette_and_blacks_out_ignored_pixels():
    colors = colorize(_labels(), COLORS)
    assert tuple(colors[10, 10]) == (5, 5, 20) and tuple(colors[50, 10]) == (0, 160, 0)
    assert tuple(colors[-1, -1]) == (0, 0, 0)


@pytest.mark.parametrize("placement", ["beside", "below"])
def test_a_strip_never_covers_the_picture_and_has_one_size_for_any_content(placement):
    renderer = SegmentationRenderer(NAMES, COLORS, opacity=1.0, legend=placement)
    image = np.full((60, 80, 3), 90, dtype=np.uint8)
    out = renderer.overlay(image, _labels())
    assert out.shape[:2] == renderer.output_size((60, 80))
    assert (out.shape[1] > 80) if placement == "beside" else (out.shape[0] > 60)
    expected = colorize(_labels(), COLORS)
    expected[-1, -1] = 90  # the ignored pixel shows the image
    np.testing.assert_array_equal(out[:60, :80], expected)  # the picture is untouched
    empty = renderer.overlay(image, np.full((60, 80), 255, dtype=np.uint8))  # no class at all: same size
    assert empty.shape == out.shape


def test_dark_swatches_have_a_light_border_on_the_dark_strip():
    legend = Legend(NAMES, COLORS, "beside")
    canvas = legend.draw(np.zeros((60, 80, 3), dtype=np.uint8), [1])
    strip = canvas[:, 80:]
    assert (strip == SWATCH_BORDER).all(axis=-1).sum() > 10  # the swatch's frame
    assert (strip == COLORS[1]).all(axis=-1).sum() > 10  # the near-black colour inside it
    assert (strip == BACKGROUND).all(axis=-1).mean() > 0.5


def test_the_legend_inside_is_capped_and_says_how_many_more():
    # Every Cityscapes class on one frame: the box lists a few, largest first, then "+N more".
    labels = np.repeat(np.arange(19, dtype=np.uint8), 30)[None].repeat(576, axis=0)[:, :570]
    renderer = Renderer(legend="inside")
    legend = renderer.legend
    rows, _ = legend._grid((576, 570))
    assert rows <= 6
    image = np.zeros((576, 570, 3), dtype=np.uint8)
    drawn = renderer(image, labels)
    assert drawn.shape == (576, 570, 3)
    changed = np.any(drawn != Renderer(legend="none")(image, labels), axis=-1)
    assert changed[: int(0.4 * 576)].sum() > 0 and changed[int(0.4 * 576) + 10 :].sum() == 0  # top part only


def test_video_renderer_defaults_to_cityscapes_and_keeps_frame_size_inside():
    labels = np.zeros((40, 60), dtype=np.uint8)
    labels[:10] = 10  # sky
    image = np.full((40, 60, 3), 100, dtype=np.uint8)
    assert Renderer(side_by_side=True)(image, labels, fps=12.5).shape == (40, 120, 3)
    assert Renderer(side_by_side=True).output_size((40, 60)) == (40, 120)
    assert Renderer(legend="beside").output_size((40, 60))[1] > 60
    blended = Renderer(opacity=1.0, legend="none")(image, labels)
    assert tuple(blended[-1, -1]) == tuple(PALETTE[0])  # road's Cityscapes colour at full opacity
    assert Renderer().legend.names == CLASS_NAMES
    with pytest.raises(ValueError, match="opacity"):
        Renderer(opacity=1.5)
    with pytest.raises(ValueError, match="placement"):
        Renderer(legend="left")
