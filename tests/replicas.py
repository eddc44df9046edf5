"""Small generated copies of the published dataset layouts (ADE20K, Pascal VOC with SBD, CamVid) and of the
folder format, for tests and for trying the tools without downloading anything.

The content is simple on purpose (the toy Cityscapes set of ``seg.synthetic.toy_cityscapes`` is the one with realistic
scenes): a background class and a few ellipses and rectangles of other classes, each class painted in its
own colour with noise, so a network can learn it. What is exact is the layout: folder and file names, file
formats (JPEG images, 8-bit and palette PNG labels, SBD's .mat files) and label encodings (ADE20K's 0 =
other, VOC's 255 borders, CamVid's 11 = unlabelled). The same seed gives the same files.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from seg.classes import bit_palette


def label_scene(rng: np.random.Generator, size: tuple[int, int], classes: Sequence[int], background: int) -> np.ndarray:
    """uint8 [H, W]: ``background`` with 2..5 ellipses and rectangles of ids drawn from ``classes``."""
    height, width = size
    label = np.full((height, width), background, dtype=np.uint8)
    for _ in range(int(rng.integers(2, 6))):
        value = int(rng.choice(classes))
        cy, cx = int(rng.integers(0, height)), int(rng.integers(0, width))
        ry, rx = (
            int(rng.integers(height // 10 + 1, height // 3 + 2)),
            int(rng.integers(width // 10 + 1, width // 3 + 2)),
        )
        if rng.random() < 0.5:
            cv2.ellipse(label, (cx, cy), (rx, ry), float(rng.uniform(0, 180)), 0, 360, value, -1)
        else:
            cv2.rectangle(label, (cx - rx, cy - ry), (cx + rx, cy + ry), value, -1)
    return label


def paint(rng: np.random.Generator, label: np.ndarray, colors: np.ndarray) -> np.ndarray:
    """RGB uint8: each pixel its class colour (``colors`` [256, 3]) plus Gaussian noise."""
    image = colors[label].astype(np.float32) + rng.normal(0.0, 12.0, size=(*label.shape, 3)).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def _colors(seed: int) -> np.ndarray:
    return np.random.default_rng([seed, 99]).integers(30, 226, size=(256, 3)).astype(np.uint8)


def _write_rgb(path: Path, image: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR)):
        raise OSError(f"Could not write {path}; check that the folder is writable.")


def _write_label(path: Path, label: np.ndarray, palette: Sequence[tuple[int, int, int]] | None = None) -> None:
    """An 8-bit PNG (mode L), or a palette PNG (mode P) whose indices are the label values."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if palette is None:
        Image.fromarray(label, mode="L").save(path)
        return
    image = Image.fromarray(label, mode="P")
    flat = [c for color in palette for c in color]
    image.putpalette(flat + [224, 224, 192] * (256 - len(palette)))  # 255 (VOC's border) in the devkit's cream
    image.save(path)


def make_folder_dataset(
    root: str | Path,
    class_names: Sequence[str],
    counts: dict[str, int],
    size: tuple[int, int] = (64, 96),
    seed: int = 0,
    palette_masks: bool = False,
    colors_in_file: bool = True,
) -> Path:
    """The folder format: classes.txt, images/<split>/<group>/<stem>.jpg, masks/<split>/<group>/<stem>.png.

    ``counts`` maps a split to its number of images; images alternate between two sub-folders (the layout
    allows any), and every third image is a PNG. Class 0 is the background; a strip of 255 (ignored) runs
    along the bottom of every mask.
    """
    root = Path(root)
    palette = bit_palette(len(class_names))
    lines = [
        f"{name} {r} {g} {b}" if colors_in_file else name for name, (r, g, b) in zip(class_names, palette, strict=True)
    ]
    root.mkdir(parents=True, exist_ok=True)
    (root / "classes.txt").write_text("\n".join(lines) + "\n")
    colors = _colors(seed)
    for split_code, (split, count) in enumerate(counts.items()):
        for index in range(count):
            rng = np.random.default_rng([seed, split_code, index])
            label = label_scene(rng, size, range(1, len(class_names)), background=0)
            label[-2:] = 255
            stem = f"{['day', 'night'][index % 2]}/{split}_{index:04d}"
            suffix = ".png" if index % 3 == 2 else ".jpg"
            _write_rgb(root / "images" / split / f"{stem}{suffix}", paint(rng, label, colors))
            _write_label(root / "masks" / split / f"{stem}.png", label, palette if palette_masks else None)
    return root


def make_ade20k(root: str | Path, train: int, val: int, size: tuple[int, int] = (64, 80), seed: int = 0) -> Path:
    """ADEChallengeData2016: images/{training,validation}/ADE_*.jpg, annotations/.../*.png (0 = other, 1..150)."""
    root = Path(root)
    colors = _colors(seed)
    for split_code, (folder, prefix, count) in enumerate((("training", "train", train), ("validation", "val", val))):
        for index in range(count):
            rng = np.random.default_rng([seed, split_code, index])
            label = label_scene(rng, size, range(1, 151), background=int(rng.integers(0, 151)))
            name = f"ADE_{prefix}_{index + 1:08d}"
            _write_rgb(root / "images" / folder / f"{name}.jpg", paint(rng, label, colors))
            _write_label(root / "annotations" / folder / f"{name}.png", label)
    (root / "objectInfo150.txt").write_text("Idx\tRatio\tTrain\tVal\tName\n")
    return root


def make_voc(
    root: str | Path, train: int, val: int, size: tuple[int, int] = (60, 80), seed: int = 0, sbd: int = 0
) -> Path:
    """VOCdevkit/VOC2012 under ``root``: JPEGImages, palette PNGs with 255 borders in SegmentationClass, the
    ImageSets/Segmentation lists. With ``sbd`` > 0, also SBD's benchmark_RELEASE/dataset (img, cls/*.mat with
    GTcls.Segmentation, train.txt, val.txt) holding ``sbd`` extra images plus the first VOC val image."""
    voc = Path(root) / "VOCdevkit" / "VOC2012"
    colors, palette = _colors(seed), bit_palette(256)
    ids: dict[str, list[str]] = {"train": [], "val": []}
    labels: dict[str, np.ndarray] = {}
    for split_code, (split, count) in enumerate((("train", train), ("val", val), ("sbd", sbd))):
        for index in range(count):
            rng = np.random.default_rng([seed, split_code, index])
            image_id = f"2008_{split_code:02d}{index:04d}"
            label = label_scene(rng, size, range(1, 21), background=0)
            _write_rgb(voc / "JPEGImages" / f"{image_id}.jpg", paint(rng, label, colors))
            labels[image_id] = label
            if split == "sbd":
                continue
            ids[split].append(image_id)
            edges = cv2.morphologyEx(label, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
            _write_label(
                voc / "SegmentationClass" / f"{image_id}.png", np.where(edges, 255, label).astype(np.uint8), palette
            )
    lists = voc / "ImageSets" / "Segmentation"
    lists.mkdir(parents=True, exist_ok=True)
    for split, names in (*ids.items(), ("trainval", ids["train"] + ids["val"])):
        (lists / f"{split}.txt").write_text("".join(f"{name}\n" for name in names))
    if sbd:
        from scipy.io import savemat

        dataset = Path(root) / "benchmark_RELEASE" / "dataset"
        (dataset / "cls").mkdir(parents=True, exist_ok=True)
        extra = [name for name in labels if name.startswith("2008_02")] + ids["val"][:1]
        for name in extra:
            _write_rgb(dataset / "img" / f"{name}.jpg", cv2.imread(str(voc / "JPEGImages" / f"{name}.jpg"))[..., ::-1])
            savemat(dataset / "cls" / f"{name}.mat", {"GTcls": {"Segmentation": labels[name], "Boundaries": []}})
        (dataset / "train.txt").write_text("".join(f"{name}\n" for name in extra[: len(extra) // 2 + 1]))
        (dataset / "val.txt").write_text("".join(f"{name}\n" for name in extra[len(extra) // 2 + 1 :]))
    return voc


def make_camvid(
    root: str | Path, counts: dict[str, int], size: tuple[int, int] = (48, 64), seed: int = 0, renamed: bool = False
) -> Path:
    """SegNet's CamVid: <split>/<name>.png and <split>annot/<name>.png (0..10, 11 = unlabelled).

    ``renamed``: the copy that names files <split>_00001.png and <split>annot_00001.png.
    """
    root = Path(root)
    colors = _colors(seed)
    for split_code, (split, count) in enumerate(counts.items()):
        for index in range(count):
            rng = np.random.default_rng([seed, split_code, index])
            label = label_scene(rng, size, range(12), background=0)
            label[:2] = 11  # unlabelled, as along CamVid's frame edges
            image_name = f"{split}_{index + 1:05d}.png" if renamed else f"0001TP_{split_code}{index:05d}.png"
            label_name = image_name.replace(f"{split}_", f"{split}annot_", 1) if renamed else image_name
            _write_rgb(root / split / image_name, paint(rng, label, colors))
            _write_label(root / f"{split}annot" / label_name, label)
    return root
