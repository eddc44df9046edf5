"""One random street scene for the toy Cityscapes set: the layout of the background and the things in it.

``compose_scene`` draws one street: background layers first (``seg.synthetic.background``), then the
things (``seg.synthetic.objects``) sorted far to near so nearer ones occlude. Every random draw comes
from the one generator, in a fixed order: the same seed gives the same scene.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from seg.synthetic.background import barrier, facades, ground, sky, skyline
from seg.synthetic.objects import (
    place_big_vehicle,
    place_car,
    place_person,
    place_pole,
    place_train,
    place_tree,
    place_two_wheeler,
)
from seg.synthetic.paint import Shape
from seg.synthetic.scene import METAL, PAINT, TERRAIN, SceneBuilder, Street, jitter


def compose_scene(rng: np.random.Generator, height: int, width: int) -> list[Shape]:
    """All polygons of one random street scene, back to front."""
    horizon = height * rng.uniform(0.38, 0.5)
    street = Street(height, width, horizon, width * rng.uniform(0.38, 0.62), (height - horizon) / rng.uniform(1.2, 1.6))
    b = SceneBuilder(rng, street)
    road = (-rng.uniform(1.5, 6.0), rng.uniform(1.5, 6.0))
    sky(b)
    skyline(b)
    ground(b, *road)
    things: list[tuple[float, Callable[[], None]]] = []
    sidewalks = []
    for side, edge in zip((-1, 1), road, strict=True):
        base = edge + side * rng.uniform(1.5, 5.0)
        sidewalks.append((edge + side * 0.3, base - side * 0.3))
        park = rng.random() < 0.25
        if not park:
            facades(b, base)
        else:  # grass and trees behind the sidewalk, drawn now: a wall or fence in front hides them
            b.strip("terrain", base, side * 500.0, b.surface(TERRAIN, 0.2, width / 30, 0.04))
            for s in np.sort(rng.uniform(0.1, 0.7, size=rng.integers(1, 5))):
                place_tree(b, base + side * rng.uniform(0.5, 8), s)
        if rng.random() < 0.3:
            b.strip("terrain", edge, edge + side * rng.uniform(0.6, 1.5), b.surface(TERRAIN, 0.2, width / 30, 0.04))
        # The far end is chosen first: a line metres to the side leaves the frame at moderate depth scales.
        s_far = rng.uniform(0.08, 0.25)
        if rng.random() < (0.8 if park else 0.5):
            label = "fence" if rng.random() < 0.5 else "wall"
            barrier(b, label, base - side * 0.1, s_far * rng.uniform(2, 8), s_far, rng.uniform(1.0, 2.5))
        elif rng.random() < 0.25:  # a hedge
            barrier(b, "vegetation", base - side * 0.1, s_far * rng.uniform(2, 8), s_far, rng.uniform(0.6, 1.5))

    def on_sidewalk() -> tuple[float, float]:
        inner, outer = sidewalks[rng.integers(2)]
        return rng.uniform(min(inner, outer), max(inner, outer)), rng.uniform(0.2, 0.9)

    def add(count: int, place: Callable[[float, float], None], where: Callable[[], tuple[float, float]]) -> None:
        for _ in range(count):
            for _attempt in range(4):  # prefer a spot inside the frame
                lat, s = where()
                if 0 < street.x(lat, s) < width:
                    break
            things.append((s, lambda lat=lat, s=s: place(lat, s)))

    in_lane = lambda: (rng.uniform(road[0] + 1.0, road[1] - 1.0), rng.uniform(0.12, 0.8))  # noqa: E731
    at_curb = lambda: (road[rng.integers(2)] * rng.uniform(0.75, 0.9), rng.uniform(0.2, 0.85))  # noqa: E731
    tops = ["sign", "light", "lamp", "none"]
    add(
        1 + min(rng.poisson(1.5), 4),
        lambda lat, s: place_pole(b, lat, s, tops[rng.choice(4, p=[0.4, 0.35, 0.12, 0.13])]),
        lambda: (sidewalks[rng.integers(2)][0], rng.uniform(0.2, 0.9)),
    )
    add(min(rng.poisson(1.0), 4), lambda lat, s: place_tree(b, lat, s), on_sidewalk)
    add(
        min(rng.poisson(2.4), 8),
        lambda lat, s: place_person(b, lat, s),
        lambda: on_sidewalk() if rng.random() < 0.85 else in_lane(),
    )
    add(min(rng.poisson(2.0), 6), lambda lat, s: place_car(b, lat, s), in_lane)
    add(int(rng.random() < 0.3), lambda lat, s: place_big_vehicle(b, lat, s, "truck"), in_lane)
    add(int(rng.random() < 0.28), lambda lat, s: place_big_vehicle(b, lat, s, "bus"), in_lane)
    add(int(rng.random() < 0.4), lambda lat, s: place_two_wheeler(b, lat, s, motor=False), at_curb)
    add(int(rng.random() < 0.3), lambda lat, s: place_two_wheeler(b, lat, s, motor=True), in_lane)
    add(
        min(rng.poisson(0.4), 3),
        lambda lat, s: b.box(
            "static",
            street.x(lat, s),
            street.ground_y(s),
            rng.uniform(0.4, 1.0) * street.metre * s,
            rng.uniform(0.6, 1.5) * street.metre * s,
            b.surface(METAL + PAINT, 0.1, 4),
        ),
        on_sidewalk,
    )
    if rng.random() < 0.18:
        s = rng.uniform(0.15, 0.4)
        things.append((s, lambda s=s: place_train(b, s)))
    for _, place in sorted(things, key=lambda item: item[0]):
        place()
    if rng.random() < 0.4:  # the camera car's bonnet, "ego vehicle" (void in Cityscapes)
        xs = np.linspace(0, width, 9)
        bonnet = height * (1 - rng.uniform(0.05, 0.12) * (1 - 0.5 * ((xs / width - 0.5) * 2) ** 2))
        b.add(
            "ego vehicle",
            [*zip(xs, bonnet, strict=True), (width, height), (0, height)],
            b.surface([jitter(rng, PAINT)], 0.2, width / 8),
        )
    return b.shapes
