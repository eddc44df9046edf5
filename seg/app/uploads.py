"""What a visitor uploads, read within stated limits: every refusal is an ``UploadError`` whose message the page
shows, so a bad file never reaches the model and never takes the server down.

The size limit is checked from the file header before any pixel is decoded (``seg.data.io.header_size``),
so a decompression bomb (a few kB of PNG that decodes to gigabytes) is refused without being decoded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from seg.data.io import header_size, read_image
from seg.errors import DatasetError, ImageReadError, UserError


class UploadError(UserError):
    """An upload the demo cannot take; the message says why and what to send instead."""


@dataclass(frozen=True)
class UploadLimits:
    """The largest uploads the demo accepts.

    Args:
        max_megapixels: image width x height, in millions of pixels (a 4K frame is 8.3).
        max_file_mb: any uploaded file (the server refuses larger ones before they are stored).
        max_video_frames: frames of an uploaded video that are segmented; the rest are dropped, and the page says so.
    """

    max_megapixels: float = 25.0
    max_file_mb: int = 50
    max_video_frames: int = 900

    def __post_init__(self) -> None:
        if self.max_megapixels <= 0 or self.max_file_mb <= 0 or self.max_video_frames < 1:
            raise ValueError(f"Upload limits must be positive; got {self}.")


def read_upload(path: str | Path | None, limits: UploadLimits) -> np.ndarray:
    """The uploaded image as RGB uint8 [H, W, 3], or an ``UploadError`` saying why it cannot be used."""
    if path is None:
        raise UploadError("No image: drop, paste or pick one first.")
    path = Path(path)
    name = path.name
    if path.stat().st_size > limits.max_file_mb * 2**20:
        raise UploadError(f"{name} is larger than {limits.max_file_mb} MB, the limit of this demo.")
    try:
        height, width = header_size(path)
    except Image.DecompressionBombError:  # Pillow's own cap (over ~179 megapixels), before ours is asked
        raise UploadError(
            f"{name} is far larger than {limits.max_megapixels:g} megapixels, the limit of this demo; send a smaller one."
        ) from None
    except DatasetError:
        raise UploadError(f"{name} is not an image this demo can read (send a PNG, JPEG, BMP, TIFF or WebP).") from None
    if height * width > limits.max_megapixels * 1e6:
        raise UploadError(
            f"{name} is {width}x{height} ({height * width / 1e6:.1f} megapixels); this demo takes images up to "
            f"{limits.max_megapixels:g} megapixels. Send a smaller one."
        )
    try:
        return read_image(path)
    except ImageReadError as error:
        reason = str(error).split(": ", 1)[-1]  # the reader names the server's temporary path; the visitor's is `name`
        raise UploadError(f"{name} cannot be read: {reason}") from None
