"""A toy data set in the exact Cityscapes layout, for tests and CPU-sized training runs.

``make_toy_cityscapes`` writes ``leftImg8bit/<split>/<city>/<city>_<seq>_000019_leftImg8bit.png`` and,
under ``gtFine/<split>/<city>/``, the official ``*_gtFine_polygons.json`` plus ``*_gtFine_labelIds.png``
and ``*_gtFine_labelTrainIds.png`` made FROM the polygons by cityscapesscripts' json2labelImg, the same
code that prepares the real data. Scenes come from seg/synthetic/compose.py. City names use a hyphen,
not an underscore, because cityscapesscripts splits file names on "_" (getCsFileInfo).
"""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import cv2
import numpy as np
from cityscapesscripts.preparation.json2labelImg import json2labelImg
from tqdm import tqdm

from seg.synthetic.compose import compose_scene
from seg.synthetic.paint import apply_camera, paint_shapes

TRAIN_CITIES = ("toycity-a", "toycity-b", "toycity-c")
VAL_CITIES = ("toycity-v",)
# Written last, so a folder without it is an interrupted generation.
MARKER_FILE = "toy_cityscapes.json"
_SPLIT_CODES = {"train": 0, "val": 1}


def render_toy_scene(seed_sequence: list[int], image_size: tuple[int, int]) -> tuple[np.ndarray, dict]:
    """One scene: an RGB uint8 image and its annotation in the Cityscapes polygon JSON format."""
    height, width = image_size
    rng = np.random.default_rng(seed_sequence)
    shapes = compose_scene(rng, height, width)
    image = apply_camera(rng, paint_shapes(shapes, height, width, background=(0.0, 0.0, 0.0)))
    objects = [{"label": shape.label, "polygon": shape.polygon.tolist()} for shape in shapes if shape.label is not None]
    return image, {"imgHeight": height, "imgWidth": width, "objects": objects}


def make_toy_cityscapes(
    root: str | Path,
    train: int,
    val: int,
    seed: int,
    image_size: tuple[int, int] = (256, 512),
    progress: bool = False,
    workers: int = 1,
) -> Path:
    """Write ``train`` + ``val`` toy scenes under ``root``; the same seed gives byte-identical files.

    Each image has its own random stream (seed, split, index), so ``workers`` processes write the
    same files as one.
    """
    height, width = image_size
    if train < 0 or val < 0 or train + val == 0:
        raise ValueError(f"make_toy_cityscapes needs a positive number of images; got train={train}, val={val}.")
    if height < 32 or width < 32:
        raise ValueError(f"Toy image size {image_size} is too small; use at least (32, 32) (height, width).")
    if seed < 0:
        raise ValueError(f"Toy seed must be a non-negative integer; got {seed}.")
    root = Path(root)
    (root / MARKER_FILE).unlink(missing_ok=True)
    jobs = [(root, "train", i, seed, (height, width)) for i in range(train)] + [
        (root, "val", i, seed, (height, width)) for i in range(val)
    ]
    bar = tqdm(total=len(jobs), desc=f"toy Cityscapes -> {root}", disable=not progress, unit="img")
    # OpenCV's own threads cost ~30% more CPU time than they save on these small images (measured
    # with cv2.setNumThreads(1) vs the default); parallelism comes from ``workers`` instead.
    cv2_threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        if workers > 1:
            with ProcessPoolExecutor(workers, initializer=cv2.setNumThreads, initargs=(1,)) as pool:
                for _ in pool.map(_write_sample, jobs, chunksize=4):
                    bar.update()
        else:
            for job in jobs:
                _write_sample(job)
                bar.update()
    finally:
        cv2.setNumThreads(cv2_threads)
        bar.close()
    marker = {"generator": "seg.data.toy", "train": train, "val": val, "seed": seed, "image_size": [height, width]}
    (root / MARKER_FILE).write_text(json.dumps(marker, indent=2) + "\n")
    return root


def _write_sample(job: tuple[Path, str, int, int, tuple[int, int]]) -> None:
    """Render scene ``index`` of ``split`` and write its image, polygons and both label images."""
    root, split, index, seed, image_size = job
    cities = TRAIN_CITIES if split == "train" else VAL_CITIES
    city = cities[index % len(cities)]
    stem = f"{city}_{index // len(cities):06d}_000019"
    image, annotation = render_toy_scene([seed, _SPLIT_CODES[split], index], image_size)
    image_dir, label_dir = root / "leftImg8bit" / split / city, root / "gtFine" / split / city
    image_dir.mkdir(parents=True, exist_ok=True)
    label_dir.mkdir(parents=True, exist_ok=True)
    image_path = image_dir / f"{stem}_leftImg8bit.png"
    if not cv2.imwrite(str(image_path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR)):
        raise OSError(f"Could not write {image_path}; check that the folder is writable.")
    polygons = label_dir / f"{stem}_gtFine_polygons.json"
    # One line: json.dumps with indent= runs the pure-Python encoder, a quarter of the generation time.
    polygons.write_text(json.dumps(annotation) + "\n")
    json2labelImg(str(polygons), str(label_dir / f"{stem}_gtFine_labelIds.png"), "ids")
    json2labelImg(str(polygons), str(label_dir / f"{stem}_gtFine_labelTrainIds.png"), "trainIds")


def read_toy_marker(root: str | Path) -> dict | None:
    """The generation settings stored in a toy set, or None where ``root`` holds no finished toy set."""
    path = Path(root) / MARKER_FILE
    return json.loads(path.read_text()) if path.is_file() else None
