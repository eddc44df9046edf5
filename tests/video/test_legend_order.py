"""The video legend keeps one order on every frame, even where the classes' areas cross."""

import numpy as np

from seg.data.render import SegmentationRenderer
from seg.video import Renderer

SIZE = (60, 120)  # (height, width)


def crossing_clip(frames: int = 12) -> list[np.ndarray]:
    """Road (0) shrinks from 80% to 20% of the frame while car (13) grows from 20% to 80%; the areas cross mid-clip."""
    height, width = SIZE
    clip = []
    for index in range(frames):
        car_columns = round(width * (0.2 + 0.6 * index / (frames - 1)))
        labels = np.zeros(SIZE, dtype=np.uint8)
        labels[:, width - car_columns :] = 13
        clip.append(labels)
    return clip


def test_the_clip_really_crosses():
    first, last = crossing_clip()[0], crossing_clip()[-1]
    assert (first == 0).sum() > (first == 13).sum() and (last == 0).sum() < (last == 13).sum()


def test_the_video_legend_does_not_reorder_when_areas_cross():
    image = np.full((*SIZE, 3), 100, dtype=np.uint8)
    for placement in ("inside", "beside", "below"):
        renderer = Renderer(opacity=0.5, legend=placement)
        orders = {tuple(renderer.classes(labels)) for labels in crossing_clip()}
        assert orders == {(0, 13)}, placement
        # The drawn legend, not only the list: the strip is the same picture on every frame.
        if placement == "beside":
            strips = {renderer(image, labels)[:, SIZE[1] :].tobytes() for labels in crossing_clip()}
            assert len(strips) == 1


def test_a_still_image_legend_stays_largest_first():
    # Largest first is what a single picture wants (tools/infer.py); on this clip it would reorder.
    renderer = SegmentationRenderer(("road",) + ("x",) * 12 + ("car",), np.zeros((14, 3), np.uint8))
    orders = [renderer.classes(labels) for labels in crossing_clip()]
    assert orders[0] == [0, 13] and orders[-1] == [13, 0]
