import numpy as np
from cityscapesscripts.helpers.labels import name2label

from seg.classes import CLASS_NAMES, LABEL_IDS, LABELID_TO_TRAINID, NUM_CLASSES, PALETTE, TRAINID_TO_LABELID
from seg.data.render import colorize


def test_table_matches_cityscapesscripts() -> None:
    assert NUM_CLASSES == 19 and len(CLASS_NAMES) == 19
    assert CLASS_NAMES[0] == "road" and CLASS_NAMES[13] == "car" and CLASS_NAMES[18] == "bicycle"
    for train_id, name in enumerate(CLASS_NAMES):
        label = name2label[name]
        assert label.trainId == train_id
        assert tuple(PALETTE[train_id]) == label.color
        assert TRAINID_TO_LABELID[train_id] == label.id
        assert LABELID_TO_TRAINID[label.id] == train_id


def test_ignored_and_unknown_ids_map_to_255() -> None:
    assert LABELID_TO_TRAINID.shape == (256,) and LABELID_TO_TRAINID.dtype == np.uint8
    for name in ("unlabeled", "ego vehicle", "parking", "guard rail", "polegroup", "caravan", "trailer"):
        assert LABELID_TO_TRAINID[name2label[name].id] == 255
    assert (LABELID_TO_TRAINID[34:] == 255).all()
    assert tuple(range(34)) == LABEL_IDS


def test_cityscapes_palette_colours_train_ids_and_blacks_out_ignored() -> None:
    label = np.array([[0, 13], [255, 18]], dtype=np.uint8)
    rgb = colorize(label, PALETTE)
    assert rgb.shape == (2, 2, 3) and rgb.dtype == np.uint8
    assert tuple(rgb[0, 0]) == (128, 64, 128) and tuple(rgb[0, 1]) == (0, 0, 142)
    assert tuple(rgb[1, 0]) == (0, 0, 0) and tuple(rgb[1, 1]) == (119, 11, 32)
