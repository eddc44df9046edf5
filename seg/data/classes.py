"""Class names and colours of the label sets the models are trained on.

Cityscapes comes from the label table (seg.data.labels, itself from cityscapesscripts); Pascal VOC is the
21-class set of torchvision's COCO-trained LR-ASPP (configs/lraspp_large_coco_voc.py), with the standard
VOC colour map (VOCdevkit's labelcolormap: the bits of the class index spread over the high bits of R, G, B).
"""

from __future__ import annotations

from dataclasses import dataclass

from seg.data.labels import CLASS_NAMES as _CITYSCAPES_NAMES
from seg.data.labels import PALETTE as _CITYSCAPES_PALETTE

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class ClassSet:
    """Names and RGB colours of a label set, both indexed by the class index the model predicts."""

    names: tuple[str, ...]
    palette: tuple[RGB, ...]

    def __post_init__(self) -> None:
        if len(self.names) != len(self.palette):
            raise ValueError(f"ClassSet has {len(self.names)} names but {len(self.palette)} colours.")

    @property
    def num_classes(self) -> int:
        return len(self.names)


def voc_colour(index: int) -> RGB:
    """The VOC colour of class ``index``: bit 3k, 3k+1 and 3k+2 of the index become bit 7-k of R, G and B."""
    red = green = blue = 0
    for shift in range(8):
        red |= ((index >> 0) & 1) << (7 - shift)
        green |= ((index >> 1) & 1) << (7 - shift)
        blue |= ((index >> 2) & 1) << (7 - shift)
        index >>= 3
    return red, green, blue


CITYSCAPES = ClassSet(
    names=_CITYSCAPES_NAMES,
    palette=tuple((int(r), int(g), int(b)) for r, g, b in _CITYSCAPES_PALETTE),
)

# torchvision's _VOC_CATEGORIES, with "background" for its "__background__".
_VOC_NAMES = (
    "background",
    "aeroplane",
    "bicycle",
    "bird",
    "boat",
    "bottle",
    "bus",
    "car",
    "cat",
    "chair",
    "cow",
    "diningtable",
    "dog",
    "horse",
    "motorbike",
    "person",
    "pottedplant",
    "sheep",
    "sofa",
    "train",
    "tvmonitor",
)
PASCAL_VOC = ClassSet(names=_VOC_NAMES, palette=tuple(voc_colour(i) for i in range(len(_VOC_NAMES))))
