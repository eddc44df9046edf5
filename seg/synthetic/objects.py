"""Things standing in the toy street: people, vehicles, poles with signs and lights, trees.

Each ``place_*`` function adds the polygons of one object standing at depth scale ``s`` and lateral
position ``lateral`` (metres from the camera axis; negative is left); ``seg.synthetic.compose`` places them.
"""

from __future__ import annotations

import numpy as np

from seg.synthetic.paint import see_through, solid, stacked, windows
from seg.synthetic.scene import DARK, GLASS, METAL, PAINT, SKIN, SceneBuilder, jitter, random_color

# A walking person's outline, (x, up) as fractions of the height, traced clockwise from the top of
# the head; the right half is mirrored. "stride" moves the feet apart and "swing" the hands.
_PERSON_RIGHT = [(0.0, 1.0), (0.045, 0.985), (0.055, 0.93), (0.04, 0.885), (0.03, 0.87), (0.12, 0.84)]


def _person_outline(stride: float, swing: float) -> list[tuple[float, float]]:
    right = _PERSON_RIGHT + [
        (0.14 + swing, 0.6),
        (0.13 + swing, 0.5),
        (0.09 + 0.8 * swing, 0.5),
        (0.09, 0.72),
        (0.09, 0.5),
    ]
    right_leg = [(0.09 + stride, 0.02), (0.1 + stride, 0.0), (0.03 + stride, 0.0), (0.0, 0.45)]
    left = [(-x, up) for x, up in reversed(right[1:])]
    left_leg = [(-0.03 - stride, 0.0), (-0.1 - stride, 0.0), (-0.09 - stride, 0.02)]
    return right + right_leg + left_leg + left


def place_person(b: SceneBuilder, lateral: float, s: float, label: str = "person", lift: float = 0.0) -> None:
    street, rng = b.street, b.rng
    height = rng.uniform(1.55, 1.95) * (0.85 if label == "rider" else 1.0) * street.metre * s
    cx, foot = street.x(lateral, s), street.ground_y(s) - lift * street.metre * s
    girth = rng.uniform(0.95, 1.35)
    stride = rng.uniform(0.05, 0.12) if label == "rider" else rng.uniform(0.0, 0.08)
    points = [(cx + x * girth * height, foot - up * height) for x, up in _person_outline(stride, rng.uniform(0, 0.05))]
    clothes = [b.surface([random_color(rng)], 0.2, max(height / 6, 2)) for _ in range(2)]
    rows = [(0.13, b.surface(SKIN, 0.1, 4)), (0.5, clothes[0]), (0.95, clothes[1]), (1.0, solid(DARK))]
    b.add(label, points, stacked(rows, foot - height, foot))


def _tube(
    b: SceneBuilder, label: str, p: tuple[float, float], q: tuple[float, float], thickness: float, texture
) -> None:
    direction = np.subtract(q, p)
    normal = np.array([-direction[1], direction[0]]) / max(np.hypot(*direction), 1e-6) * max(thickness, 1.5) / 2
    b.add(
        label,
        [
            tuple(np.add(p, normal)),
            tuple(np.add(q, normal)),
            tuple(np.subtract(q, normal)),
            tuple(np.subtract(p, normal)),
        ],
        texture,
    )


def place_two_wheeler(b: SceneBuilder, lateral: float, s: float, motor: bool) -> None:
    """A bicycle or motorcycle seen from the side, usually with its rider."""
    street, rng = b.street, b.rng
    m, cx, ground = street.metre * s, street.x(lateral, s), street.ground_y(s)
    facing = rng.choice([-1.0, 1.0])
    label = "motorcycle" if motor else "bicycle"
    radius, base = (0.32, 0.7) if motor else (0.34, 0.52)
    color = jitter(rng, PAINT)
    hubs = [(cx - facing * base * m, ground - radius * m), (cx + facing * base * m, ground - radius * m)]
    for hx, hy in hubs:
        if motor:
            b.blob(label, hx, hy, radius * m, radius * m, solid(DARK))
        else:

            def spokes(xs: np.ndarray, ys: np.ndarray, hx: float = hx, hy: float = hy) -> np.ndarray:
                r = np.hypot(xs - hx, ys - hy) / (radius * m)
                return (r > 0.8) | (np.abs(xs - hx) < 0.7) | (np.abs(ys - hy) < 0.7)

            b.blob(label, hx, hy, radius * m, radius * m, see_through(spokes, DARK, 0.12))
    point = lambda forward, up: (cx + facing * forward * m, ground - up * m)  # noqa: E731
    if motor:
        body = [
            (-0.8, 0.55),
            (-0.35, 0.85),
            (0.1, 0.85),
            (0.35, 1.05),
            (0.55, 1.1),
            (0.65, 0.6),
            (0.4, 0.35),
            (-0.45, 0.35),
        ]
        b.add(label, [point(f, u) for f, u in body], b.surface([color], 0.2, max(m / 3, 2)))
    else:
        frame = b.surface([color], 0.1, 4)
        bracket, seat, head = point(0.0, 0.3), point(-0.15, 0.9), point(0.38, 0.95)
        for p, q in (
            (bracket, seat),
            (seat, head),
            (head, bracket),
            (bracket, hubs[0]),
            (seat, hubs[0]),
            (head, hubs[1]),
        ):
            _tube(b, label, p, q, 0.05 * m, frame)
    if not motor and rng.random() < 0.1:
        return  # a parked bicycle
    place_person(b, lateral + facing * rng.uniform(-0.1, 0.1), s, "rider", lift=0.3 if motor else 0.25)


def place_car(b: SceneBuilder, lateral: float, s: float) -> None:
    """A car seen from behind or in front: body, cabin, glass, lights and a license plate."""
    street, rng = b.street, b.rng
    m, cx, ground = street.metre * s, street.x(lateral, s), street.ground_y(s)
    w, h = rng.uniform(1.65, 1.95) * m, rng.uniform(1.35, 1.8) * m
    b.blob(None, cx, ground - 0.02 * m, w * 0.6, 0.12 * m, solid((0, 0, 0), 0.5))  # shadow beneath
    outline = [
        (-0.5, 0.1),
        (-0.5, 0.55),
        (-0.44, 0.63),
        (-0.36, 1.0),
        (0.36, 1.0),
        (0.44, 0.63),
        (0.5, 0.55),
        (0.5, 0.1),
    ]
    wheels = [(0.48, 0.1), (0.48, 0.0), (0.3, 0.0), (0.3, 0.08), (-0.3, 0.08), (-0.3, 0.0), (-0.48, 0.0), (-0.48, 0.1)]
    points = [(cx + x * w, ground - up * h) for x, up in outline[:-1] + wheels]
    body = b.surface([jitter(rng, PAINT)], 0.12, max(w / 4, 2), 0.02)
    rows = [(0.06, body), (0.36, b.surface(GLASS, 0.1, max(w / 6, 2))), (0.88, body), (1.0, solid(DARK))]
    b.add("car", points, stacked(rows, ground - h, ground))
    light = solid(jitter(rng, [(0.85, 0.1, 0.1), (0.95, 0.9, 0.8)], 0.05))
    for side in (-1, 1):
        b.box(None, cx + side * 0.4 * w, ground - 0.42 * h, 0.12 * w, 0.07 * h, light)
    b.box("license plate", cx, ground - 0.2 * h, 0.28 * w, 0.07 * h, solid((0.9, 0.9, 0.85)))


def place_big_vehicle(b: SceneBuilder, lateral: float, s: float, label: str) -> None:
    """A truck (a ribbed box from behind) or a bus (a tall windscreen and a destination sign)."""
    street, rng = b.street, b.rng
    m, cx, ground = street.metre * s, street.x(lateral, s), street.ground_y(s)
    w, h = rng.uniform(2.3, 2.55) * m, (rng.uniform(3.0, 3.9) if label == "truck" else rng.uniform(2.9, 3.3)) * m
    b.blob(None, cx, ground - 0.02 * m, w * 0.6, 0.12 * m, solid((0, 0, 0), 0.5))
    top = [(-0.5, 0.96), (-0.46, 1.0), (0.46, 1.0), (0.5, 0.96)] if label == "bus" else [(-0.5, 1.0), (0.5, 1.0)]
    points = [
        (cx + x * w, ground - up * h)
        for x, up in [(-0.5, 0.05), *top, (0.5, 0.05), (0.42, 0.05), (0.42, 0.0), (-0.42, 0.0), (-0.42, 0.05)]
    ]
    paint = b.surface([jitter(rng, PAINT + [(0.9, 0.75, 0.1), (0.8, 0.15, 0.1)])], 0.1, max(w / 4, 2), 0.02)
    if label == "truck":
        ribs = windows(paint, DARK, lambda xs, ys: (xs - cx) / (0.35 * m) % 1.0 < 0.12)
        rows = [(0.86, ribs), (1.0, solid(DARK))]
    else:
        rows = [
            (0.1, solid(jitter(rng, [(0.9, 0.55, 0.1), (0.2, 0.2, 0.2)]))),
            (0.5, b.surface(GLASS, 0.1, max(w / 5, 2))),
            (0.9, paint),
            (1.0, solid(DARK)),
        ]
    b.add(label, points, stacked(rows, ground - h, ground))


def place_train(b: SceneBuilder, s: float) -> None:
    """A tram crossing the street, seen from the side: a long box with a row of windows."""
    street, rng = b.street, b.rng
    m, ground = street.metre * s, street.ground_y(s) - 0.1 * street.metre * s
    length, h = rng.uniform(20, 40) * m, rng.uniform(3.3, 3.8) * m
    x0 = rng.uniform(-0.5, 0.8) * street.width
    nose = 0.6 * m * rng.choice([-1.0, 1.0])
    points = [
        (x0, ground),
        (x0 + length, ground),
        (x0 + length - max(nose, 0), ground - h),
        (x0 - min(nose, 0), ground - h),
    ]
    paint = b.surface(
        [jitter(rng, [(0.8, 0.1, 0.1), (0.9, 0.9, 0.88), (0.95, 0.8, 0.1), (0.2, 0.4, 0.6)])], 0.08, max(m, 2), 0.02
    )
    glass = windows(paint, jitter(rng, GLASS), lambda xs, ys: (xs - x0) / (1.6 * m) % 1.0 < 0.7)
    rows = [(0.12, solid(jitter(rng, METAL))), (0.5, glass), (0.9, paint), (1.0, solid(DARK))]
    b.add("train", points, stacked(rows, ground - h, ground))


def place_pole(b: SceneBuilder, lateral: float, s: float, top: str) -> None:
    """A pole carrying a traffic sign, a traffic light, a lamp arm, or nothing."""
    street, rng = b.street, b.rng
    m, cx, ground = street.metre * s, street.x(lateral, s), street.ground_y(s)
    # Heights keep most signs and lights inside the frame (a 9 m pole seen close ends above the image).
    low, high = {"sign": (2.2, 4.0), "light": (3.0, 5.5), "lamp": (5.0, 9.0)}.get(top, (3.0, 8.0))
    height = rng.uniform(low, high) * m
    metal = b.surface(METAL, 0.1, max(m / 2, 2), 0.03)
    b.box("pole", cx, ground, max(rng.uniform(0.2, 0.4) * m, 2.0), height, metal)
    tip = ground - height
    if top == "sign":
        size = rng.uniform(0.8, 1.2) * m  # larger than real signs: mid-size objects at toy resolutions
        face = jitter(rng, [(0.85, 0.1, 0.1), (0.1, 0.3, 0.75), (0.95, 0.85, 0.15), (0.92, 0.92, 0.9)], 0.08)
        shape = rng.integers(4)
        if shape == 0:
            b.blob("traffic sign", cx, tip + size / 2, size / 2, size / 2, solid(face))
            b.blob(None, cx, tip + size / 2, size / 3, size / 3, solid((0.95, 0.95, 0.95)))
        elif shape == 1:
            b.add(
                "traffic sign",
                [(cx, tip), (cx + size / 2, tip + size * 0.87), (cx - size / 2, tip + size * 0.87)],
                solid(face),
            )
        elif shape == 2:
            b.add(
                "traffic sign",
                [(cx, tip), (cx + size / 2, tip + size / 2), (cx, tip + size), (cx - size / 2, tip + size / 2)],
                solid(face),
            )
        else:
            b.box("traffic sign", cx, tip + size * 0.7, size * 1.2, size * 0.7, solid(face))
            b.box(None, cx, tip + size * 0.55, size * 0.8, size * 0.15, solid((0.95, 0.95, 0.95)))
    elif top == "light":
        w = rng.uniform(0.45, 0.6) * m
        housing = b.surface([DARK, (0.22, 0.28, 0.2), (0.55, 0.5, 0.15)], 0.1, 4, 0.02)
        b.box("traffic light", cx, tip + 2.8 * w, w, 2.8 * w, housing)
        lit = rng.integers(3)
        for i, color in enumerate([(1.0, 0.15, 0.1), (1.0, 0.75, 0.1), (0.2, 1.0, 0.4)]):
            b.blob(
                None, cx, tip + (0.5 + 0.9 * i) * w, 0.32 * w, 0.32 * w, solid(color if i == lit else (0.2, 0.2, 0.2))
            )
    elif top == "lamp":
        reach = np.sign(-lateral) * rng.uniform(1.0, 2.5) * m
        _tube(b, "pole", (cx, tip + 0.1 * m), (cx + reach, tip - 0.2 * m), 0.12 * m, metal)
        b.box("pole", cx + reach, tip + 0.05 * m, 0.6 * m, 0.3 * m, metal)


def place_tree(b: SceneBuilder, lateral: float, s: float) -> None:
    street, rng = b.street, b.rng
    m, cx, ground = street.metre * s, street.x(lateral, s), street.ground_y(s)
    trunk = rng.uniform(2.0, 3.5) * m
    b.box(
        "vegetation",
        cx,
        ground,
        rng.uniform(0.25, 0.45) * m,
        trunk + 0.5 * m,
        b.surface([(0.35, 0.28, 0.2), (0.4, 0.4, 0.38)], 0.2, 3, 0.05),
    )
    rx, ry = rng.uniform(1.2, 3.0) * m, rng.uniform(1.5, 3.5) * m
    b.blob("vegetation", cx, ground - trunk - ry * 0.8, rx, ry, b.foliage(max(rx / 3, 3)), roughness=0.25)
