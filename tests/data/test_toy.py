import json
import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from cityscapesscripts.helpers.annotation import Annotation
from cityscapesscripts.helpers.csHelpers import getCsFileInfo
from cityscapesscripts.helpers.labels import name2label
from cityscapesscripts.preparation.json2labelImg import createLabelImage, json2labelImg

from seg.classes import CLASS_NAMES
from seg.synthetic.compose import compose_scene
from seg.synthetic.paint import paint_shapes, solid
from seg.synthetic.toy_cityscapes import MARKER_FILE, make_toy_cityscapes, read_toy_marker, render_toy_scene


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_layout_and_names_follow_cityscapes(toy_root: Path) -> None:
    images = sorted(toy_root.glob("leftImg8bit/*/*/*_leftImg8bit.png"))
    assert len(images) == 6
    assert len(list(toy_root.glob("leftImg8bit/train/*/*.png"))) == 4
    for image in images:
        assert re.fullmatch(r"[a-z-]+_\d{6}_000019_leftImg8bit\.png", image.name)
        info = getCsFileInfo(str(image))  # cityscapesscripts' own parser (exits on a bad name)
        assert (info.type, info.ext) == ("leftImg8bit", "png")
        split, city = image.parent.parent.name, image.parent.name
        stem = image.name[: -len("_leftImg8bit.png")]
        for suffix in ("polygons.json", "labelIds.png", "labelTrainIds.png"):
            assert (toy_root / "gtFine" / split / city / f"{stem}_gtFine_{suffix}").is_file()
        assert cv2.imread(str(image), cv2.IMREAD_UNCHANGED).shape == (64, 128, 3)
    assert read_toy_marker(toy_root) == {
        "generator": "seg.data.toy",
        "train": 4,
        "val": 2,
        "seed": 0,
        "image_size": [64, 128],
    }


def test_annotations_pass_cityscapesscripts_loaders(toy_root: Path, tmp_path: Path) -> None:
    for polygons in sorted(toy_root.glob("gtFine/*/*/*_gtFine_polygons.json")):
        raw = json.loads(polygons.read_text())
        assert set(raw) == {"imgHeight", "imgWidth", "objects"}
        annotation = Annotation()
        annotation.fromJsonFile(str(polygons))
        assert (annotation.imgHeight, annotation.imgWidth) == (64, 128)
        assert annotation.objects and all(
            obj.label in name2label and len(obj.polygon) >= 3 for obj in annotation.objects
        )
        assert annotation.objects[0].label == "sky"  # drawn back to front
        for encoding, suffix in (("ids", "labelIds"), ("trainIds", "labelTrainIds")):
            json2labelImg(str(polygons), str(tmp_path / "label.png"), encoding)
            stored = cv2.imread(str(polygons).replace("polygons.json", f"{suffix}.png"), cv2.IMREAD_UNCHANGED)
            np.testing.assert_array_equal(stored, cv2.imread(str(tmp_path / "label.png"), cv2.IMREAD_UNCHANGED))


def test_painted_regions_match_the_rasterised_labels() -> None:
    """The image is painted through exactly the pixels json2labelImg assigns to each polygon."""
    for index in range(3):
        shapes = [
            s
            for s in compose_scene(np.random.default_rng([5, 0, index]), 96, 192)
            if s.label and name2label[s.label].id >= 0
        ]
        for shape in shapes:
            shape.texture = solid((name2label[shape.label].id, 0.0, 0.0))
        painted = paint_shapes(shapes, 96, 192, background=(0.0, 0.0, 0.0))[..., 0].astype(np.uint8)
        annotation = Annotation()
        annotation.fromJsonText(
            json.dumps(
                {
                    "imgHeight": 96,
                    "imgWidth": 192,
                    "objects": [{"label": s.label, "polygon": s.polygon.tolist()} for s in shapes],
                }
            )
        )
        np.testing.assert_array_equal(painted, np.asarray(createLabelImage(annotation, "ids")))


def test_same_seed_gives_identical_files(toy_root: Path, tmp_path: Path) -> None:
    again = make_toy_cityscapes(tmp_path / "again", train=4, val=2, seed=0, image_size=(64, 128))
    assert _files(again) == _files(toy_root)
    other = make_toy_cityscapes(tmp_path / "other", train=1, val=0, seed=1, image_size=(64, 128))
    name = "leftImg8bit/train/toycity-a/toycity-a_000000_000019_leftImg8bit.png"
    assert _files(other)[name] != _files(toy_root)[name]


def test_scenes_cover_most_classes() -> None:
    seen: set[str] = set()
    for index in range(25):
        _, annotation = render_toy_scene([0, 0, index], (64, 128))
        seen |= {obj["label"] for obj in annotation["objects"]}
    assert len(seen & set(CLASS_NAMES)) >= 17, sorted(set(CLASS_NAMES) - seen)


def test_bad_arguments_are_explained(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="positive number of images"):
        make_toy_cityscapes(tmp_path, train=0, val=0, seed=0)
    with pytest.raises(ValueError, match="too small"):
        make_toy_cityscapes(tmp_path, train=1, val=0, seed=0, image_size=(8, 8))
    assert not (tmp_path / MARKER_FILE).exists()


def test_parallel_workers_write_the_same_files(toy_root: Path, tmp_path: Path) -> None:
    parallel = make_toy_cityscapes(tmp_path / "parallel", train=4, val=2, seed=0, image_size=(64, 128), workers=2)
    assert _files(parallel) == _files(toy_root)
