"""Random street scenes for the toy Cityscapes set: layout of labelled polygons and their textures.

The camera looks down a street: every object stands on a ground plane seen in perspective, so sizes
follow depth (a car near the horizon is small, one near the bottom is large) and classes are tied to
places (cars on the road, people on the sidewalk, signs on poles). Colours of different classes
overlap on purpose (grey cars, buildings, roads and poles; green cars, trees and grass) and every
image gets its own lighting (seg/synthetic/paint.py), so a network has to use shape, texture and
context. Lengths are in metres and projected with ``Street``.
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
    see_through,
    smooth_noise,
    solid,
    surface,
    windows,
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

    # ------------------------------------------------------------------ background layers

    def sky(self) -> None:
        """A vertical gradient between two sky colours with soft clouds."""
        street, rng = self.street, self.rng
        top, low = np.asarray(jitter(rng, SKY), np.float32), np.asarray(jitter(rng, SKY, 0.05), np.float32)
        clouds, haze = rng.uniform(0.0, 0.6), np.float32(rng.uniform(0.75, 0.95))

        def texture(x0: int, y0: int, width: int, height: int) -> np.ndarray:
            t = np.clip(np.arange(y0, y0 + height, dtype=np.float32) / max(street.horizon, 1.0), 0, 1)[:, None, None]
            color = top * (1 - t) + low * t
            cloud = np.clip(smooth_noise(rng, height, width, street.width / 6) * np.float32(clouds), 0, 1)
            out = (haze - color) * cloud
            out += color
            out += self.grain[y0 : y0 + height, x0 : x0 + width] * np.float32(0.01)
            return out

        self.add(
            "sky", [(0, 0), (street.width, 0), (street.width, street.horizon + 2), (0, street.horizon + 2)], texture
        )

    def skyline(self) -> None:
        """Far buildings and tree lines along the horizon, at the end of the street."""
        street, rng = self.street, self.rng
        x = -rng.uniform(0, 30)
        while x < street.width:
            s = rng.uniform(0.03, 0.09)
            w = rng.uniform(6, 30) * street.metre * s
            h = rng.uniform(4, 25) * street.metre * s
            if rng.random() < 0.7:
                self.box("building", x + w / 2, street.horizon + 3, w, h, self._front_facade(x + w / 2, s))
            else:
                self.blob(
                    "vegetation", x + w / 2, street.horizon - h * 0.3, w * 0.6, h * 0.6, self._foliage(w / 4), 0.25
                )
            x += w * rng.uniform(0.6, 1.0)

    def _front_facade(self, cx: float, s: float) -> Texture:
        rng, street = self.rng, self.street
        px = street.metre * s
        period_x, period_y = rng.uniform(2.5, 4.0) * px, rng.uniform(2.8, 3.6) * px
        width_x, width_y = rng.uniform(0.3, 0.6), rng.uniform(0.35, 0.6)
        phase = rng.uniform(0, 1)

        def cells(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
            return ((xs - cx) / period_x + phase) % 1.0 < width_x

        def rows(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
            return cells(xs, ys) & ((street.horizon - ys) / period_y % 1.0 < width_y) & (ys < street.horizon - period_y)

        return windows(self.surface(BUILDING, 0.15, max(px * 4, 4)), jitter(rng, GLASS), rows)

    def _foliage(self, cell: float) -> Texture:
        return foliage(self.rng, jitter(self.rng, GREENERY), max(cell, 3.0))

    def ground(self, road_left: float, road_right: float) -> None:
        """Sidewalk everywhere below the horizon, then the road from the vanishing point."""
        road = (road_left, road_right)
        street, rng = self.street, self.rng
        w, h, vx = street.width, street.height, street.vanish_x
        tile = rng.uniform(0.4, 1.2)
        paving = self.surface(SIDEWALK, 0.12, w / 20, 0.04)

        def sidewalk(x0: int, y0: int, width: int, height: int) -> np.ndarray:
            out = paving(x0, y0, width, height)
            ys = np.arange(y0, y0 + height, dtype=np.float32)[:, None]
            xs = np.arange(x0, x0 + width, dtype=np.float32)[None, :]
            s = street.depth_scale(ys)
            joints = ((1.0 / s) / (tile / 3) % 1.0 < 0.12) | (((xs - vx) / (street.metre * s)) / tile % 1.0 < 0.08)
            np.multiply(out, np.float32(0.8), out=out, where=joints[..., None])
            return out

        self.add("sidewalk", [(0, street.horizon), (w, street.horizon), (w, h), (0, h)], sidewalk)
        curb = solid(jitter(rng, [(0.7, 0.7, 0.68), (0.55, 0.55, 0.55)], 0.08))
        for edge, side in zip(road, (-1, 1), strict=True):  # kerbstones belong to the sidewalk
            self.strip(None, edge, edge + side * 0.25, curb)
        self.add(
            "road",
            [
                (vx, street.horizon),
                (street.x(road_right, 1.3), street.ground_y(1.3)),
                (street.x(road_left, 1.3), street.ground_y(1.3)),
            ],
            self.surface(ROAD, 0.15, w / 12, 0.05),
        )
        marking = solid(jitter(rng, [(0.9, 0.9, 0.88), (0.85, 0.75, 0.3)], 0.05))
        if rng.random() < 0.8:  # dashed centre line
            lateral = (
                rng.uniform(road_left + 2.5, road_right - 2.5)
                if road_right - road_left > 6
                else (road_left + road_right) / 2
            )
            z = rng.uniform(0, 6)
            while z < 60:
                near, far = 5.0 / z if z > 0 else 1.3, 5.0 / (z + 3.0)
                self.add(
                    None,
                    [
                        (street.x(lateral - 0.08, near), street.ground_y(near)),
                        (street.x(lateral + 0.08, near), street.ground_y(near)),
                        (street.x(lateral + 0.08, far), street.ground_y(far)),
                        (street.x(lateral - 0.08, far), street.ground_y(far)),
                    ],
                    marking,
                )
                z += 9.0
        if rng.random() < 0.5:  # a cast shadow across the ground
            s0, s1 = rng.uniform(0.1, 0.5), rng.uniform(0.6, 1.3)
            side = rng.choice([-1, 1])
            edge = rng.uniform(-2, 3) * side
            self.add(
                None,
                [
                    (street.x(edge, s0), street.ground_y(s0)),
                    (side * 3 * w, street.ground_y(s0)),
                    (side * 3 * w, street.ground_y(s1)),
                    (street.x(edge, s1), street.ground_y(s1)),
                ],
                solid((0.0, 0.0, 0.0), rng.uniform(0.2, 0.45)),
            )

    def strip(self, label: str | None, inner: float, outer: float, texture: Texture) -> None:
        """A ground strip between two lines along the street (lateral metres), e.g. a grass verge."""
        street = self.street
        points = [
            (street.vanish_x, street.horizon),
            (street.x(outer, 1.3), street.ground_y(1.3)),
            (street.x(inner, 1.3), street.ground_y(1.3)),
        ]
        self.add(label, points, texture)

    def facades(self, lateral: float) -> None:
        """A row of buildings along one side of the street, their fronts at ``lateral`` metres."""
        street, rng = self.street, self.rng
        z_ref = street.near_distance
        z = z_ref / rng.uniform(1.0, 3.0)
        z_end = z_ref / rng.uniform(0.06, 0.3)
        while z < z_end:
            length = rng.uniform(6, 25)
            s_near, s_far = z_ref / z, z_ref / (z + length)
            height = rng.uniform(6, 22)
            points = [
                (street.x(lateral, s), street.ground_y(s) - height * street.metre * s * up)
                for s, up in ((s_near, 1), (s_far, 1), (s_far, 0), (s_near, 0))
            ]
            self.add("building", points, self._side_facade(lateral, z_ref))
            z += length

    def _side_facade(self, lateral: float, z_ref: float) -> Texture:
        rng, street = self.rng, self.street
        period_z, floor = rng.uniform(2.5, 4.5), rng.uniform(2.8, 3.8)
        width_z, width_y, ground_floor = rng.uniform(0.3, 0.6), rng.uniform(0.35, 0.6), rng.uniform(0.5, 3.5)

        def cells(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
            s = np.maximum((xs - street.vanish_x) / (lateral * street.metre), 1e-3)
            up = (street.ground_y(s) - ys) / (street.metre * s)
            return ((z_ref / s) / period_z % 1.0 < width_z) & (up / floor % 1.0 < width_y) & (up > ground_floor)

        return windows(self.surface(BUILDING, 0.15, street.width / 25), jitter(rng, GLASS), cells)

    def barrier(self, label: str, lateral: float, s_near: float, s_far: float, height: float) -> None:
        """A wall or fence along the street between two depths."""
        street, rng = self.street, self.rng
        points = [
            (street.x(lateral, s), street.ground_y(s) - height * street.metre * s * up)
            for s, up in ((s_near, 1), (s_far, 1), (s_far, 0), (s_near, 0))
        ]
        vx, metre = street.vanish_x, street.metre

        def height_above_ground(xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            s = np.maximum((xs - vx) / (lateral * metre), 1e-3)
            return s, (street.ground_y(s) - ys) / (metre * s)

        if label == "fence":  # bars and rails in front of whatever is behind
            spacing, duty = rng.uniform(0.15, 0.35), rng.uniform(0.35, 0.5)

            def lattice(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
                s, up = height_above_ground(xs, ys)
                rails = (up > 0.88 * height) | (np.abs(up - 0.45 * height) < 0.06 * height)
                return ((street.near_distance / s) / spacing % 1.0 < duty) | rails

            color = jitter(
                rng, [(0.2, 0.3, 0.22), (0.15, 0.15, 0.15), (0.5, 0.38, 0.25), (0.8, 0.8, 0.78), (0.5, 0.5, 0.52)]
            )
            texture = see_through(lattice, color, rng.uniform(0.15, 0.4))
        else:  # concrete or brick courses with a coping on top, following the perspective
            course = rng.uniform(0.3, 0.8)

            def joints(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
                _, up = height_above_ground(xs, ys)
                return (up / course % 1.0 < 0.15) | (up > 0.9 * height)

            base = self.surface(CONCRETE, 0.25, street.width / 40, 0.05)
            texture = windows(base, jitter(rng, [(0.2, 0.2, 0.2), (0.85, 0.85, 0.82)]), joints)
        self.add(label, points, texture)
