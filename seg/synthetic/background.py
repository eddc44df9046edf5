"""The background layers of a toy street scene: sky, skyline, ground (sidewalk, road, markings, shadows),
facades along the street and the walls, fences and hedges in front of them.

Each function adds its polygons to a :class:`seg.synthetic.scene.SceneBuilder`, drawing from the builder's
random generator in a fixed order (the same seed gives the same scene).
"""

from __future__ import annotations

import numpy as np

from seg.synthetic.paint import Texture, see_through, smooth_noise, solid, windows
from seg.synthetic.scene import BUILDING, CONCRETE, GLASS, ROAD, SIDEWALK, SKY, SceneBuilder, jitter


def sky(b: SceneBuilder) -> None:
    """A vertical gradient between two sky colours with soft clouds."""
    street, rng = b.street, b.rng
    top, low = np.asarray(jitter(rng, SKY), np.float32), np.asarray(jitter(rng, SKY, 0.05), np.float32)
    clouds, haze = rng.uniform(0.0, 0.6), np.float32(rng.uniform(0.75, 0.95))

    def texture(x0: int, y0: int, width: int, height: int) -> np.ndarray:
        t = np.clip(np.arange(y0, y0 + height, dtype=np.float32) / max(street.horizon, 1.0), 0, 1)[:, None, None]
        color = top * (1 - t) + low * t
        cloud = np.clip(smooth_noise(rng, height, width, street.width / 6) * np.float32(clouds), 0, 1)
        out = (haze - color) * cloud
        out += color
        out += b.grain[y0 : y0 + height, x0 : x0 + width] * np.float32(0.01)
        return out

    b.add("sky", [(0, 0), (street.width, 0), (street.width, street.horizon + 2), (0, street.horizon + 2)], texture)


def skyline(b: SceneBuilder) -> None:
    """Far buildings and tree lines along the horizon, at the end of the street."""
    street, rng = b.street, b.rng
    x = -rng.uniform(0, 30)
    while x < street.width:
        s = rng.uniform(0.03, 0.09)
        w = rng.uniform(6, 30) * street.metre * s
        h = rng.uniform(4, 25) * street.metre * s
        if rng.random() < 0.7:
            b.box("building", x + w / 2, street.horizon + 3, w, h, _front_facade(b, x + w / 2, s))
        else:
            b.blob("vegetation", x + w / 2, street.horizon - h * 0.3, w * 0.6, h * 0.6, b.foliage(w / 4), 0.25)
        x += w * rng.uniform(0.6, 1.0)


def _front_facade(b: SceneBuilder, cx: float, s: float) -> Texture:
    rng, street = b.rng, b.street
    px = street.metre * s
    period_x, period_y = rng.uniform(2.5, 4.0) * px, rng.uniform(2.8, 3.6) * px
    width_x, width_y = rng.uniform(0.3, 0.6), rng.uniform(0.35, 0.6)
    phase = rng.uniform(0, 1)

    def cells(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        return ((xs - cx) / period_x + phase) % 1.0 < width_x

    def rows(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        return cells(xs, ys) & ((street.horizon - ys) / period_y % 1.0 < width_y) & (ys < street.horizon - period_y)

    return windows(b.surface(BUILDING, 0.15, max(px * 4, 4)), jitter(rng, GLASS), rows)


def ground(b: SceneBuilder, road_left: float, road_right: float) -> None:
    """Sidewalk everywhere below the horizon, then the road from the vanishing point."""
    road = (road_left, road_right)
    street, rng = b.street, b.rng
    w, h, vx = street.width, street.height, street.vanish_x
    tile = rng.uniform(0.4, 1.2)
    paving = b.surface(SIDEWALK, 0.12, w / 20, 0.04)

    def sidewalk(x0: int, y0: int, width: int, height: int) -> np.ndarray:
        out = paving(x0, y0, width, height)
        ys = np.arange(y0, y0 + height, dtype=np.float32)[:, None]
        xs = np.arange(x0, x0 + width, dtype=np.float32)[None, :]
        s = street.depth_scale(ys)
        joints = ((1.0 / s) / (tile / 3) % 1.0 < 0.12) | (((xs - vx) / (street.metre * s)) / tile % 1.0 < 0.08)
        np.multiply(out, np.float32(0.8), out=out, where=joints[..., None])
        return out

    b.add("sidewalk", [(0, street.horizon), (w, street.horizon), (w, h), (0, h)], sidewalk)
    curb = solid(jitter(rng, [(0.7, 0.7, 0.68), (0.55, 0.55, 0.55)], 0.08))
    for edge, side in zip(road, (-1, 1), strict=True):  # kerbstones belong to the sidewalk
        b.strip(None, edge, edge + side * 0.25, curb)
    b.add(
        "road",
        [
            (vx, street.horizon),
            (street.x(road_right, 1.3), street.ground_y(1.3)),
            (street.x(road_left, 1.3), street.ground_y(1.3)),
        ],
        b.surface(ROAD, 0.15, w / 12, 0.05),
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
            b.add(
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
        b.add(
            None,
            [
                (street.x(edge, s0), street.ground_y(s0)),
                (side * 3 * w, street.ground_y(s0)),
                (side * 3 * w, street.ground_y(s1)),
                (street.x(edge, s1), street.ground_y(s1)),
            ],
            solid((0.0, 0.0, 0.0), rng.uniform(0.2, 0.45)),
        )


def facades(b: SceneBuilder, lateral: float) -> None:
    """A row of buildings along one side of the street, their fronts at ``lateral`` metres."""
    street, rng = b.street, b.rng
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
        b.add("building", points, _side_facade(b, lateral, z_ref))
        z += length


def _side_facade(b: SceneBuilder, lateral: float, z_ref: float) -> Texture:
    rng, street = b.rng, b.street
    period_z, floor = rng.uniform(2.5, 4.5), rng.uniform(2.8, 3.8)
    width_z, width_y, ground_floor = rng.uniform(0.3, 0.6), rng.uniform(0.35, 0.6), rng.uniform(0.5, 3.5)

    def cells(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        s = np.maximum((xs - street.vanish_x) / (lateral * street.metre), 1e-3)
        up = (street.ground_y(s) - ys) / (street.metre * s)
        return ((z_ref / s) / period_z % 1.0 < width_z) & (up / floor % 1.0 < width_y) & (up > ground_floor)

    return windows(b.surface(BUILDING, 0.15, street.width / 25), jitter(rng, GLASS), cells)


def barrier(b: SceneBuilder, label: str, lateral: float, s_near: float, s_far: float, height: float) -> None:
    """A wall or fence along the street between two depths."""
    street, rng = b.street, b.rng
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

        base = b.surface(CONCRETE, 0.25, street.width / 40, 0.05)
        texture = windows(base, jitter(rng, [(0.2, 0.2, 0.2), (0.85, 0.85, 0.82)]), joints)
    b.add(label, points, texture)
