"""The batch job's input listing (folders, globs, lists of paths) names images as tools/infer.py does; label maps
are written as single-channel PNGs of class ids."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pyarrow")  # comes with the .[ray] extra

from seg.batch.listing import list_inputs  # noqa: E402
from seg.data.images import list_images  # noqa: E402
from seg.errors import UserError  # noqa: E402


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for name in ("a/x.png", "a/y.jpg", "b/x.png", "b/x.jpg", "b/deep/z.PNG", "b/readme.md"):
        path = tmp_path / "images" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    return tmp_path / "images"


def names(listing) -> list[tuple[str, str]]:
    return [(Path(path).as_posix(), name) for path, name in zip(listing.paths, listing.names, strict=True)]


def expected(inputs) -> list[tuple[str, str]]:
    return [(str(image.path.resolve()), image.name.as_posix()) for image in list_images(inputs)]


def test_a_folder_is_listed_and_named_as_list_images_does(tree):
    listing = list_inputs([str(tree)])
    assert names(listing) == expected([tree])
    assert "b/x_png" in listing.names and "b/x_jpg" in listing.names and "b/deep/z" in listing.names
    assert listing.uri == ""


def test_globs_and_lists_of_paths(tree):
    listing = list_inputs([str(tree / "**" / "x.*")])
    assert sorted(listing.names) == ["a/x", "b/x_jpg", "b/x_png"]
    paths = tree / "paths.txt"
    paths.write_text("# frames to label\na/y.jpg\n\n" + str(tree / "b" / "deep" / "z.PNG") + "\n")
    listing = list_inputs([str(paths)])
    assert names(listing) == expected([tree / "a" / "y.jpg", tree / "b" / "deep" / "z.PNG"])


def test_missing_inputs_and_mixed_stores_are_refused(tree):
    with pytest.raises(FileNotFoundError, match="no such image file, folder, glob or list"):
        list_inputs([str(tree / "missing")])
    with pytest.raises(UserError, match="different file systems"):
        list_inputs([str(tree), "s3://bucket/frames"])
