"""Random street scenes for the toy Cityscapes set: layout of labelled polygons and their textures.

The camera looks down a street: every object stands on a ground plane seen in perspective, so sizes
follow depth (a car near the horizon is small, one near the bottom is large) and classes are tied to
places (cars on the road, people on the sidewalk, signs on poles). Colours of different classes
overlap on purpose (grey cars, buildings, roads and poles; green cars, trees and grass) and every
image gets its own lighting (seg/synthetic/paint.py), so a network has to use shape, texture and
context. Lengths are in metres and projected with ``Street``.

Here: the palettes, the camera (``Street``) and the ``SceneBuilder`` that collects polygons;
``background`` and ``objects`` add the layers and things, ``compose`` lays out a whole scene.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seg.synthetic.paint import (
    Color,
    Shape,
    Texture,
    clip_polygon,
    foliage,
    surface,
)

SKY = [
    (0.50, 0.68, 0.90),
    (0.62, 0.75, 0.92),
    (0.75, 0.80, 0.86),
    (0.85, 0.86, 0.88),
    (0.70, 0.72, 0.74),
    (0.88, 0.78, 0.62),
]
BUILDING = [
    (0.55, 0.55, 0.55),
    (0.72, 0.66, 0.55),
    (0.62, 0.38, 0.30),
    (0.82, 0.80, 0.76),
    (0.40, 0.40, 0.43),
    (0.70, 0.72, 0.62),
    (0.78, 0.70, 0.50),
]
ROAD = [(0.32, 0.32, 0.34), (0.40, 0.40, 0.40), (0.28, 0.27, 0.26), (0.46, 0.45, 0.43), (0.36, 0.34, 0.38)]
SIDEWALK = [(0.55, 0.54, 0.52), (0.62, 0.48, 0.44), (0.66, 0.62, 0.56), (0.48, 0.47, 0.47), (0.58, 0.55, 0.60)]
GREENERY = [(0.24, 0.38, 0.14), (0.32, 0.46, 0.18), (0.20, 0.30, 0.16), (0.42, 0.44, 0.18), (0.30, 0.40, 0.28)]
CONCRETE = [(0.62, 0.60, 0.55), (0.50, 0.50, 0.50), (0.70, 0.66, 0.58), (0.45, 0.42, 0.40), (0.58, 0.52, 0.45)]
TERRAIN = [(0.42, 0.52, 0.24), (0.52, 0.50, 0.30), (0.45, 0.38, 0.28), (0.36, 0.48, 0.22), (0.55, 0.55, 0.40)]
PAINT = [
    (0.80, 0.80, 0.80),
    (0.12, 0.12, 0.13),
    (0.45, 0.46, 0.48),
    (0.60, 0.10, 0.10),
    (0.10, 0.20, 0.50),
    (0.22, 0.38, 0.22),
    (0.75, 0.70, 0.55),
    (0.55, 0.60, 0.65),
    (0.85, 0.60, 0.10),
]
METAL = [(0.45, 0.45, 0.47), (0.30, 0.30, 0.30), (0.25, 0.33, 0.28), (0.60, 0.60, 0.60), (0.50, 0.45, 0.35)]
SKIN = [(0.85, 0.67, 0.55), (0.65, 0.45, 0.32), (0.42, 0.28, 0.20), (0.95, 0.80, 0.70)]
GLASS = [(0.12, 0.15, 0.20), (0.25, 0.30, 0.38), (0.55, 0.65, 0.75), (0.18, 0.18, 0.18)]
DARK = (0.08, 0.08, 0.09)


@dataclass(frozen=True)
class Street:
    """Pinhole camera over a flat street. ``s`` is a ground point's depth scale: 1 on the image's bottom
    row, 0 at the horizon; an object at scale s is ``metre * s`` pixels per metre."""

    height: int
    width: int
    horizon: float
    vanish_x: float
    metre: float  # pixels per metre at s = 1

    def ground_y(self, s: float) -> float:
        return self.horizon + (self.height - self.horizon) * s

    def x(self, lateral: float, s: float) -> float:
        return self.vanish_x + lateral * self.metre * s

    @property
    def near_distance(self) -> float:
        """Distance (m) of the ground seen on the bottom row (s = 1); a point at scale s is this / s away.
        The focal length is 1.105 image widths, as in Cityscapes (2262 px at 2048 px wide)."""
        return 1.105 * self.width / self.metre

    def depth_scale(self, ys: np.ndarray) -> np.ndarray:
        return np.maximum((ys - self.horizon) / (self.height - self.horizon), 1e-3)


def jitter(rng: np.random.Generator, palette: list[Color], amount: float = 0.12) -> Color:
    base = np.asarray(palette[rng.integers(len(palette))])
    return tuple(np.clip(base * rng.uniform(1 - amount, 1 + amount, size=3), 0.0, 1.0).tolist())


def random_color(rng: np.random.Generator) -> Color:
    """Clothes: any hue, any saturation, so they overlap every other class's colours."""
    value, saturation = rng.uniform(0.15, 0.9), rng.uniform(0.0, 0.8)
    hue = rng.uniform(0, 1) * np.array([1.0, 1.0, 1.0]) + np.array([0.0, 1 / 3, 2 / 3])
    rgb = value * (1 - saturation * (0.5 + 0.5 * np.cos(2 * np.pi * hue)))
    return tuple(rgb.tolist())


class SceneBuilder:
    """Collects the polygons of one image, back to front."""

    def __init__(self, rng: np.random.Generator, street: Street) -> None:
        self.rng = rng
        self.street = street
        self.shapes: list[Shape] = []
        self.grain = rng.standard_normal((street.height, street.width, 1), dtype=np.float32)

    def add(self, label: str | None, points: list[tuple[float, float]] | np.ndarray, texture: Texture) -> None:
        polygon = clip_polygon(np.asarray(points, dtype=np.float64), self.street.width, self.street.height)
        if polygon is not None:
            self.shapes.append(Shape(label, polygon, texture))

    def box(self, label: str | None, cx: float, bottom: float, w: float, h: float, texture: Texture) -> None:
        self.add(
            label,
            [(cx - w / 2, bottom - h), (cx + w / 2, bottom - h), (cx + w / 2, bottom), (cx - w / 2, bottom)],
            texture,
        )

    def blob(
        self, label: str | None, cx: float, cy: float, rx: float, ry: float, texture: Texture, roughness: float = 0.0
    ) -> None:
        angles = np.linspace(0, 2 * np.pi, 20, endpoint=False)
        radius = 1.0 + roughness * self.rng.uniform(-1, 1, size=angles.size)
        self.add(
            label, np.stack([cx + rx * radius * np.cos(angles), cy + ry * radius * np.sin(angles)], axis=1), texture
        )

    def surface(self, palette: list[Color], blotch: float, cell: float, grain: float = 0.03) -> Texture:
        return surface(self.rng, jitter(self.rng, palette), blotch, cell, grain, self.grain)

    def foliage(self, cell: float) -> Texture:
        return foliage(self.rng, jitter(self.rng, GREENERY), max(cell, 3.0))

    def strip(self, label: str | None, inner: float, outer: float, texture: Texture) -> None:
        """A ground strip between two lines along the street (lateral metres), e.g. a grass verge."""
        street = self.street
        points = [
            (street.vanish_x, street.horizon),
            (street.x(outer, 1.3), street.ground_y(1.3)),
            (street.x(inner, 1.3), street.ground_y(1.3)),
        ]
        self.add(label, points, texture)
