"""The one error type of seg.data: a problem with the data on disk, explained in one paragraph."""

from seg.errors import UserError


class DatasetError(UserError):
    """Data missing, mis-named or corrupt; the message names the file and the fix."""


class ImageReadError(DatasetError):
    """One image file cannot be read; batch tools skip it and name it at the end."""
