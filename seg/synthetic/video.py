"""A synthetic street video from the toy Cityscapes scenes, so the demo's numbers are reproducible.

Each shot is one toy scene (seg/synthetic/compose.py) painted once, a little larger than the
frame, in three layers: the static street, the vehicles and the pedestrians. Every frame slides
the vehicles and the pedestrians sideways at their own speeds, then a camera that dollies
forward (zooms towards the vanishing point) and pans crops the frame, and fresh sensor noise is
added. Shots are joined by hard cuts. Nothing is downloaded; the same seed gives the same video.
"""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np

from seg.synthetic.compose import compose_scene
from seg.synthetic.paint import Shape, apply_camera, paint_shapes

VEHICLES = frozenset({"car", "truck", "bus", "train", "motorcycle", "bicycle", "rider", "license plate"})
PEDESTRIANS = frozenset({"person"})
_MARGIN = 1.3  # the scene is painted this much larger than the frame, room for the camera to move


def _split_layers(shapes: list[Shape]) -> tuple[list[Shape], list[Shape], list[Shape]]:
    """Static, vehicle and pedestrian shapes. Unlabelled paint right after a vehicle (its lights)
    moves with it; unlabelled paint right before one (its translucent shadow) is dropped, as a
    moving sprite cannot carry a translucent shadow."""
    static, vehicles, people = [], [], []
    for k, shape in enumerate(shapes):
        if shape.label in VEHICLES:
            vehicles.append(shape)
        elif shape.label in PEDESTRIANS:
            people.append(shape)
        elif shape.label is None and k > 0 and vehicles and vehicles[-1] is shapes[k - 1]:
            vehicles.append(shape)
        elif shape.label is None and k + 1 < len(shapes) and shapes[k + 1].label in VEHICLES:
            continue
        else:
            static.append(shape)
    return static, vehicles, people


def _layer(shapes: list[Shape], size: tuple[int, int], camera_seed: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The shapes painted and 'photographed' (the same camera for every layer of a shot) + their mask."""
    height, width = size
    image = apply_camera(np.random.default_rng(camera_seed), paint_shapes(shapes, height, width, (0.0, 0.0, 0.0)))
    mask = np.zeros((height, width), dtype=np.uint8)
    for shape in shapes:
        cv2.fillPoly(mask, [shape.polygon.astype(np.int32)], 255)
    return image, mask


class StreetShot:
    """One toy scene animated for ``frames`` frames of ``frame_size`` (height, width)."""

    def __init__(self, seed: list[int], frame_size: tuple[int, int], frames: int) -> None:
        height, width = frame_size
        self.frame_size, self.frames = frame_size, frames
        self.canvas_size = (round(height * _MARGIN), round(width * _MARGIN))
        rng = np.random.default_rng(seed)
        static, vehicles, people = _split_layers(compose_scene(rng, *self.canvas_size))
        self.background, _ = _layer(static, self.canvas_size, [*seed, 1])
        self.layers = [(*_layer(vehicles, self.canvas_size, [*seed, 1]), rng.choice([-1, 1]) * rng.uniform(1.0, 2.5))]
        self.layers.append((*_layer(people, self.canvas_size, [*seed, 1]), rng.choice([-1, 1]) * rng.uniform(0.3, 0.8)))
        self.pan = rng.uniform(-0.06, 0.06) * width  # camera centre drift over the shot, canvas pixels
        self.noise = np.random.default_rng([*seed, 2])

    def frame(self, t: int) -> np.ndarray:
        """Frame ``t`` (0-based) of the shot as RGB uint8."""
        canvas_h, canvas_w = self.canvas_size
        canvas = self.background.copy()
        for image, mask, speed in self.layers:
            shift = np.float32([[1, 0, speed * t], [0, 1, 0]])
            moved = cv2.warpAffine(image, shift, (canvas_w, canvas_h), flags=cv2.INTER_LINEAR)
            inside = cv2.warpAffine(mask, shift, (canvas_w, canvas_h), flags=cv2.INTER_NEAREST) > 0
            canvas[inside] = moved[inside]
        # Dolly in: at t = 0 the view is the frame-sized centre of the canvas (scale 1); it narrows
        # to 0.8 of that by the end of the shot (scale 1.25) while its centre drifts sideways.
        progress = t / max(self.frames - 1, 1)
        height, width = self.frame_size
        zoom = 1.0 + 0.25 * progress
        centre_x, centre_y = canvas_w / 2 + self.pan * (progress - 0.5), canvas_h / 2
        view = np.float32([[zoom, 0, width / 2 - zoom * centre_x], [0, zoom, height / 2 - zoom * centre_y]])
        frame = cv2.warpAffine(canvas, view, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        noise = self.noise.normal(0.0, 2.0, size=frame.shape).astype(np.float32)
        return np.clip(frame.astype(np.float32) + noise, 0, 255).astype(np.uint8)


def street_frames(
    frames: int = 400, frame_size: tuple[int, int] = (576, 768), shot_frames: int = 100, seed: int = 0
) -> Iterator[np.ndarray]:
    """The synthetic street video's RGB uint8 frames, one scene per ``shot_frames`` frames (hard cuts between)."""
    if frames < 1 or shot_frames < 1:
        raise ValueError(
            f"Need at least one frame and one frame per shot; got frames={frames}, shot_frames={shot_frames}."
        )
    shot: StreetShot | None = None
    for index in range(frames):
        if index % shot_frames == 0:
            shot = StreetShot([seed, index // shot_frames], frame_size, min(shot_frames, frames - index))
        assert shot is not None
        yield shot.frame(index % shot_frames)
