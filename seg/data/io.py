"""Reading image and label files: the one place that decodes them, checks them, and explains what is wrong.

Images are decoded with OpenCV (PNG, JPEG, BMP; grayscale, RGBA and 16-bit files are converted to 8-bit RGB,
and ``image_notes`` says so). Labels are decoded with Pillow, because a palette-mode PNG (Pascal VOC, many
annotation tools) holds class indices that OpenCV would expand to colours. A file cut short is caught from
its end marker before decoding: OpenCV refuses a truncated PNG but silently grey-fills a truncated JPEG.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from seg.classes import IGNORE_INDEX
from seg.errors import DatasetError, ImageReadError

# The suffixes of the image files the tools list and the folder format reads (OpenCV decodes them all).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_END = b"IEND\xaeB`\x82"  # the IEND chunk's type and CRC: the last 8 bytes of every complete PNG
JPEG_SIGNATURE = b"\xff\xd8"


@dataclass(frozen=True, eq=False)
class LabelEncoding:
    """How the values stored in a dataset's label files become train ids (0..C-1; ``ignore`` for void).

    ``lookup`` [256] uint8 maps a stored value to its train id; ``valid`` [256] bool says which stored values
    a file may hold (anything else is a broken or foreign label); ``allowed`` and ``fix`` word the error.
    """

    lookup: np.ndarray
    valid: np.ndarray
    allowed: str  # e.g. "trainIds 0..18 and 255"
    fix: str  # e.g. "Regenerate it with datasets/prepare_cityscapes.py."
    ignore: int = IGNORE_INDEX

    @classmethod
    def identity(cls, num_classes: int, ignore: int, allowed: str, fix: str) -> LabelEncoding:
        """Files store the train ids themselves: 0..num_classes-1 and ``ignore``."""
        valid = np.zeros(256, dtype=bool)
        valid[list(range(num_classes)) + [ignore]] = True
        return cls(np.arange(256, dtype=np.uint8), valid, allowed, fix, ignore)

    @classmethod
    def shifted(cls, num_classes: int, allowed: str, fix: str) -> LabelEncoding:
        """Files store 0 for void and the classes as 1..num_classes (ADE20K): void -> 255, k -> k - 1."""
        lookup = np.full(256, IGNORE_INDEX, dtype=np.uint8)
        lookup[1 : num_classes + 1] = np.arange(num_classes, dtype=np.uint8)
        valid = np.zeros(256, dtype=bool)
        valid[: num_classes + 1] = True
        return cls(lookup, valid, allowed, fix)

    def is_identity(self) -> bool:
        return bool((self.lookup == np.arange(256)).all())


# ----------------------------------------------------------------------------------------------- file checks


def truncation(data: bytes) -> str | None:
    """Why ``data`` (a whole PNG or JPEG file) is cut short, or None when it reaches its end marker (or is no PNG
    or JPEG, or is broken in another way, which the decoder reports). Data after the end marker is allowed."""
    if data.startswith(PNG_SIGNATURE):
        # The IEND chunk with its CRC cannot occur inside compressed data by chance (8 fixed bytes).
        return None if data.rfind(PNG_END) >= 0 else "it ends before the PNG end chunk (IEND)"
    if data.startswith(JPEG_SIGNATURE) and _jpeg_ends_early(data):
        return "it ends inside the JPEG image data, before the end-of-image marker"
    return None


def _jpeg_ends_early(data: bytes) -> bool:
    """Walk the JPEG markers from the start: length-prefixed segments, and after each start-of-scan the
    entropy-coded data up to the next marker (there 0xFF is followed by 0x00 or a restart marker), until the
    end-of-image marker. True when the data runs out first; False at the marker or where the structure is
    not JPEG's (the decoder reports that)."""
    pos, size = 2, len(data)
    while pos + 1 < size:
        if data[pos] != 0xFF:
            return False  # not a marker where one belongs: corrupt, not truncated
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:  # end of image
            return False
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            pos += 2
            continue
        if pos + 3 >= size:
            return True
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        if marker == 0xDA:  # start of scan: skip the entropy-coded data
            while True:
                pos = data.find(b"\xff", pos)
                if pos < 0 or pos + 1 >= size:
                    return True
                following = data[pos + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    pos += 2
                elif following == 0xFF:
                    pos += 1
                else:
                    break
    return True


def read_bytes(path: Path, kind: str, fix: str = "") -> bytes:
    error_type = ImageReadError if kind == "image" else DatasetError
    end = f" {fix}" if fix else ""
    if not path.is_file():
        raise error_type(f"Cannot read {kind} {path}: the file does not exist.{end}")
    try:
        return path.read_bytes()
    except OSError as error:
        raise error_type(f"Cannot read {kind} {path}: {error.strerror or error}.{end}") from None


# ----------------------------------------------------------------------------------------------- images


def decode_image(path: str | Path, fix: str = "") -> np.ndarray:
    """The file as OpenCV decodes it (BGR/BGRA/gray, 8 or 16 bit), after the truncation check."""
    path = Path(path)
    return decode_image_bytes(read_bytes(path, "image", fix), path, fix)


def decode_image_bytes(data: bytes, path: str | Path, fix: str = "") -> np.ndarray:
    """``decode_image`` of a file's bytes read elsewhere (an object store); ``path`` names it in messages."""
    end = f" {fix}" if fix else ""
    cut = truncation(data)
    if cut is not None:
        raise ImageReadError(f"Cannot read image {path}: the file is truncated ({cut}).{end}")
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ImageReadError(
            f"Cannot read image {path}: not a valid image file (OpenCV decodes PNG, JPEG, BMP, TIFF, WebP).{end}"
        )
    return image


def to_rgb(image: np.ndarray, path: str | Path) -> np.ndarray:
    """An OpenCV decode as RGB uint8 [H, W, 3]: grayscale and RGBA are converted, 16-bit scaled to 8."""
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    if image.dtype != np.uint8:
        raise ImageReadError(f"Image {path} has pixel type {image.dtype}; expected 8-bit (or 16-bit) PNG/JPEG.")
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    conversions = {1: cv2.COLOR_GRAY2RGB, 3: cv2.COLOR_BGR2RGB, 4: cv2.COLOR_BGRA2RGB}
    if image.shape[2] not in conversions:
        raise ImageReadError(
            f"Image {path} has {image.shape[2]} channels; expected 1 (grayscale), 3 (RGB) or 4 (RGBA)."
        )
    return cv2.cvtColor(image, conversions[image.shape[2]])


def image_notes(image: np.ndarray) -> list[str]:
    """What ``to_rgb`` converts (for the dataset checker's notes): grayscale, RGBA, 16-bit."""
    notes = []
    if image.dtype == np.uint16:
        notes.append("16-bit")
    if image.ndim == 2 or image.shape[2] == 1:
        notes.append("grayscale")
    elif image.shape[2] == 4:
        notes.append("RGBA")
    return notes


def read_image(path: str | Path, fix: str = "") -> np.ndarray:
    """An RGB uint8 [H, W, 3] image; grayscale and RGBA (and 16-bit) files are converted, not rejected."""
    return to_rgb(decode_image(path, fix), path)


# ----------------------------------------------------------------------------------------------- labels


def decode_label(path: str | Path, fix: str = "") -> np.ndarray:
    """The stored values of a label file as uint8 [H, W]: a single-channel 8-bit PNG or the indices of a palette PNG."""
    path = Path(path)
    data = read_bytes(path, "label")
    cut = truncation(data)
    if cut is not None:
        raise DatasetError(f"Cannot read label {path}: the file is truncated ({cut}). {fix}".strip())
    try:
        with Image.open(io.BytesIO(data)) as file:
            mode = file.mode
            label = np.asarray(file)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise DatasetError(
            f"Cannot read label {path}: the file is unreadable or not a valid PNG ({error}). {fix}".strip()
        ) from None
    if mode == "1":  # a two-class mask saved as 1-bit
        label = label.astype(np.uint8)
    if mode not in ("L", "P", "1"):
        raise DatasetError(
            f"Label {path} is a {mode} image with shape {label.shape}; expected a single-channel 8-bit PNG of class "
            "ids or a palette PNG whose indices are the classes (a colour rendering cannot be used as a label)."
        )
    return label


def check_label_values(label: np.ndarray, encoding: LabelEncoding, path: str | Path) -> None:
    present = np.flatnonzero(np.bincount(label.ravel(), minlength=256))
    bad = present[~encoding.valid[present]]
    if bad.size:
        raise DatasetError(
            f"Label {path} contains ids {bad.tolist()} outside {encoding.allowed}. {encoding.fix}".strip()
        )


def read_label(path: str | Path, encoding: LabelEncoding) -> np.ndarray:
    """Train ids uint8 [H, W] (``encoding.ignore`` for void), after checking every stored value."""
    label = decode_label(path, encoding.fix)
    check_label_values(label, encoding, path)
    return label if encoding.is_identity() else encoding.lookup[label]


# ----------------------------------------------------------------------------------------------- headers


def header_size(path: str | Path) -> tuple[int, int]:
    """(height, width) from the file header alone (no decoding): what the fast pre-training check compares."""
    try:
        with Image.open(path) as file:
            width, height = file.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise DatasetError(f"Cannot read {path}: not a valid image file ({error}).") from None
    return height, width


def tail_truncation(path: str | Path, tail: int = 65536) -> str | None:
    """``truncation`` for the fast check: the end marker is looked for in the file's last ``tail`` bytes, and
    only a file without one there is read whole."""
    path = Path(path)
    with path.open("rb") as file:
        head = file.read(8)
        size = file.seek(0, 2)
        file.seek(max(0, size - tail))
        end = file.read()
    if head.startswith(PNG_SIGNATURE) and PNG_END in end:
        return None
    if head.startswith(JPEG_SIGNATURE) and b"\xff\xd9" in end:
        return None
    if not head.startswith((PNG_SIGNATURE, JPEG_SIGNATURE)):
        return None
    return truncation(path.read_bytes())
