"""Textures, polygon painting and lighting for the toy Cityscapes scenes (seg/synthetic/scene.py, background.py, objects.py).

A texture is a function ``(x0, y0, width, height) -> float32 [height, width, 3 or 4]`` (RGB in 0..1,
optional alpha) evaluated on a polygon's bounding box; it gets absolute image coordinates so a
surface can follow the street's perspective. Masks are rasterised by Pillow on a canvas of the full
image size, exactly as cityscapesscripts' json2labelImg rasterises the label images: Pillow's polygon
fill is not exactly translation-invariant, so a box-sized canvas would disagree on a few edge pixels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw

Texture = Callable[[int, int, int, int], np.ndarray]
Color = tuple[float, float, float]


@dataclass
class Shape:
    """One polygon of the scene. ``label`` is a Cityscapes label name, or None for paint-only detail
    (lane markings, shadows) that changes the image but not the annotation."""

    label: str | None
    polygon: np.ndarray  # int64 [N, 2] of (x, y), inside the image
    texture: Texture


def clip_polygon(points: np.ndarray, width: int, height: int) -> np.ndarray | None:
    """Clip a polygon to the image (Sutherland-Hodgman) and round it to integer pixels.

    Written by hand: OpenCV only intersects convex polygons and shapely is not a dependency.
    Returns None when nothing of it is left.
    """
    points = np.asarray(points, dtype=np.float64)
    if points.min() >= 0 and points[:, 0].max() <= width - 1 and points[:, 1].max() <= height - 1:
        return _round_polygon(points)  # already inside: the common case, and the slow loop is skipped
    poly = [tuple(p) for p in points]
    for axis, limit, keep_below in ((0, 0.0, False), (0, width - 1.0, True), (1, 0.0, False), (1, height - 1.0, True)):
        inside = lambda p, a=axis, v=limit, b=keep_below: p[a] <= v if b else p[a] >= v  # noqa: E731
        out: list[tuple[float, float]] = []
        for i, current in enumerate(poly):
            previous = poly[i - 1]
            if inside(current) != inside(previous):
                t = (limit - previous[axis]) / (current[axis] - previous[axis])
                out.append((previous[0] + t * (current[0] - previous[0]), previous[1] + t * (current[1] - previous[1])))
            if inside(current):
                out.append(current)
        poly = out
        if not poly:
            return None
    return _round_polygon(np.array(poly))


def _round_polygon(points: np.ndarray) -> np.ndarray | None:
    rounded = np.rint(points).astype(np.int64)
    keep = np.ones(len(rounded), dtype=bool)
    keep[1:] = np.any(rounded[1:] != rounded[:-1], axis=1)  # drop repeated vertices
    rounded = rounded[keep]
    if len(rounded) > 1 and np.array_equal(rounded[0], rounded[-1]):
        rounded = rounded[:-1]
    if len(rounded) < 3 or np.ptp(rounded[:, 0]) == 0 or np.ptp(rounded[:, 1]) == 0:
        return None
    return rounded


def paint_shapes(shapes: Sequence[Shape], height: int, width: int, background: Color) -> np.ndarray:
    """Paint the shapes back to front onto a float32 [H, W, 3] canvas."""
    canvas = np.empty((height, width, 3), dtype=np.float32)
    canvas[:] = background
    mask_image = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(mask_image)
    for shape in shapes:
        # Crop one pixel beyond the vertices in case the fill reaches past them.
        x0, y0 = np.maximum(shape.polygon.min(axis=0) - 1, 0)
        x1, y1 = np.minimum(shape.polygon.max(axis=0) + 1, (width - 1, height - 1))
        draw.polygon([(int(x), int(y)) for x, y in shape.polygon], fill=1)
        mask = np.asarray(mask_image.crop((int(x0), int(y0), int(x1) + 1, int(y1) + 1)))
        draw.rectangle((int(x0), int(y0), int(x1), int(y1)), fill=0)
        texture = shape.texture(int(x0), int(y0), int(x1 - x0 + 1), int(y1 - y0 + 1))
        region = canvas[y0 : y1 + 1, x0 : x1 + 1]
        if texture.shape[2] == 4:
            alpha = texture[..., 3:]
            texture = region * (1.0 - alpha) + texture[..., :3] * alpha
        # cv2.copyTo writes through the view; it is ~5x faster than numpy's masked copies.
        out = cv2.copyTo(np.ascontiguousarray(texture, dtype=np.float32), mask, region)
        if not np.shares_memory(out, region):
            region[...] = out
    return canvas


# ----------------------------------------------------------------------------- textures


def smooth_noise(rng: np.random.Generator, height: int, width: int, cell: float, channels: int = 1) -> np.ndarray:
    """Zero-mean noise with features about ``cell`` pixels wide: a coarse grid, bilinearly upsampled."""
    grid = rng.standard_normal((int(height / cell) + 2, int(width / cell) + 2, channels)).astype(np.float32)
    noise = cv2.resize(grid, (width, height), interpolation=cv2.INTER_LINEAR)
    return noise.reshape(height, width, channels)


def surface(
    rng: np.random.Generator, color: Color, blotch: float, cell: float, grain: float, grain_field: np.ndarray
) -> Texture:
    """A material: base colour, low-frequency blotches (partly tinted) and per-pixel grain.

    ``grain_field`` is one [H, W, 1] standard-normal image shared by all materials of a scene (drawing
    fresh noise for every polygon was a third of the generation time); ``grain`` scales it.
    """

    def texture(x0: int, y0: int, width: int, height: int) -> np.ndarray:
        low = smooth_noise(rng, height, width, cell, channels=3)
        # Mostly brightness (channel 0 for all three) with a little tint (each channel's own noise).
        shade = low * (0.25 * blotch)
        shade += low[..., :1] * (0.75 * blotch) + 1.0
        shade *= np.asarray(color, dtype=np.float32)
        shade += grain_field[y0 : y0 + height, x0 : x0 + width] * np.float32(grain)
        return shade

    return texture


def foliage(rng: np.random.Generator, color: Color, cell: float) -> Texture:
    """Leaves: two octaves of strong noise, with dark gaps and bright sunlit clumps."""

    def texture(x0: int, y0: int, width: int, height: int) -> np.ndarray:
        clumps = smooth_noise(rng, height, width, cell) + 0.6 * smooth_noise(rng, height, width, cell / 3)
        leaves = np.clip(
            1.0 + 0.35 * clumps + 0.12 * rng.standard_normal((height, width, 1), dtype=np.float32), 0.3, 1.8
        )
        return np.asarray(color, dtype=np.float32) * leaves

    return texture


def solid(color: Color, alpha: float | None = None) -> Texture:
    """A flat colour (paint-only details); with ``alpha`` it blends with what lies beneath."""
    values = (*color, alpha) if alpha is not None else color

    def texture(x0: int, y0: int, width: int, height: int) -> np.ndarray:
        return np.broadcast_to(np.asarray(values, dtype=np.float32), (height, width, len(values)))

    return texture


def stacked(rows: Sequence[tuple[float, Texture]], top: float, bottom: float) -> Texture:
    """Horizontal bands: ``rows`` are (end as a fraction of [top, bottom], texture), e.g. a person's
    skin / shirt / trousers. Coordinates are absolute, so the bands do not depend on the box."""

    def texture(x0: int, y0: int, width: int, height: int) -> np.ndarray:
        out = np.empty((height, width, 3), dtype=np.float32)
        fraction = (np.arange(y0, y0 + height) - top) / max(bottom - top, 1.0)
        start = 0
        for i, (end, band) in enumerate(rows):
            stop = height if i == len(rows) - 1 else int(np.searchsorted(fraction, end))
            if stop > start:
                out[start:stop] = band(x0, y0 + start, width, stop - start)[..., :3]
            start = max(start, stop)
        return out

    return texture


def windows(base: Texture, glass: Color, cells: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Texture:
    """``base`` with glass wherever ``cells(xs, ys)`` (absolute pixel grids) is true."""

    def texture(x0: int, y0: int, width: int, height: int) -> np.ndarray:
        out = np.ascontiguousarray(base(x0, y0, width, height)[..., :3])
        xs = np.arange(x0, x0 + width, dtype=np.float32)[None, :]
        ys = np.arange(y0, y0 + height, dtype=np.float32)[:, None]
        inside = np.ascontiguousarray(np.broadcast_to(cells(xs, ys), (height, width)), dtype=np.uint8)
        return cv2.copyTo(out * np.float32(0.25) + np.asarray(glass, dtype=np.float32) * np.float32(0.75), inside, out)

    return texture


def see_through(pattern: Callable[[np.ndarray, np.ndarray], np.ndarray], color: Color, gap_alpha: float) -> Texture:
    """A lattice (fence, bicycle wheel): opaque where ``pattern(xs, ys)``, else a faint tint over what lies behind."""

    def texture(x0: int, y0: int, width: int, height: int) -> np.ndarray:
        xs = np.arange(x0, x0 + width, dtype=np.float32)[None, :]
        ys = np.arange(y0, y0 + height, dtype=np.float32)[:, None]
        solid_part = np.broadcast_to(pattern(xs, ys), (height, width))
        out = np.empty((height, width, 4), dtype=np.float32)
        out[..., :3] = color
        out[..., 3] = np.where(solid_part, 1.0, gap_alpha)
        return out

    return texture


# ----------------------------------------------------------------------------- camera


def apply_camera(rng: np.random.Generator, canvas: np.ndarray) -> np.ndarray:
    """Per-image exposure, white balance, gamma, a light gradient, blur and sensor noise -> uint8 RGB.

    These change every image's colours so that no class has a fixed colour to look up.
    """
    height, width, _ = canvas.shape
    ys = np.linspace(-1.0, 1.0, height, dtype=np.float32)[:, None, None]
    xs = np.linspace(-1.0, 1.0, width, dtype=np.float32)[None, :, None]
    light = (
        1.0 + rng.uniform(-0.2, 0.2) * xs + rng.uniform(-0.15, 0.15) * ys - rng.uniform(0.0, 0.25) * (xs**2 + ys**2) / 2
    )
    gain = (255.0 * rng.uniform(0.65, 1.3) * rng.uniform(0.88, 1.12, size=3)).astype(np.float32)
    image = cv2.GaussianBlur(canvas * light, (0, 0), sigmaX=rng.uniform(0.3, 1.0))
    image *= gain
    # Sensor noise, the same on the three channels (per-channel noise tripled the camera's cost).
    image += rng.standard_normal((height, width, 1), dtype=np.float32) * np.float32(255.0 * rng.uniform(0.01, 0.04))
    image = np.clip(image, 0.0, 255.0).astype(np.uint8)
    gamma = (np.linspace(0.0, 1.0, 256) ** rng.uniform(0.8, 1.25) * 255.0 + 0.5).astype(np.uint8)
    return cv2.LUT(image, gamma)
