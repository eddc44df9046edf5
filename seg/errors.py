"""The two kinds of errors a tool reports in one line, without a traceback.

``UserError``: the input is wrong (a config key, a data folder, a checkpoint, an output path); the
message names the file or key and the fix, and tools exit with status 2. ``Failure``: the inputs were
fine but the work did not succeed (a diverged loss, an export that disagrees with PyTorch); tools
exit with status 1. Any other exception is a bug and keeps its traceback.

Every package's own error types derive from these, so ``seg.cli`` can catch them without importing
the packages (which would cost the start-up time of torch for a ``--help``).
"""


class UserError(ValueError):
    """A mistake in what the user gave; the message says where and how to fix it."""


class Failure(RuntimeError):
    """The work ran and failed; the message says what happened and what to try."""


class DatasetError(UserError):
    """Data missing, mis-named or corrupt; the message names the file and the fix."""


class ImageReadError(DatasetError):
    """One image file cannot be read; batch tools skip it and name it at the end."""


class ExportError(Failure):
    """The exported graph is wrong (a dynamic axis was fixed, or a runtime disagrees with PyTorch)."""
