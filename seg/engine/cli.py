"""What the tools share: user-facing errors become one message and exit code 2, never a traceback.

Bugs (any other exception) still raise with their traceback: hiding those would hide the fix.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from seg.config import ConfigError
from seg.data.errors import DatasetError
from seg.engine.cityscapes_eval import OfficialEvaluationError
from seg.engine.losses import NonFiniteLossError
from seg.models import CheckpointError

# Wrong input: a config key, a data folder, a checkpoint, a file name.
USER_ERRORS: tuple[type[BaseException], ...] = (
    ConfigError,
    DatasetError,
    CheckpointError,
    OfficialEvaluationError,
    FileNotFoundError,
)
EXIT_USER_ERROR = 2
EXIT_TRAINING_FAILED = 1


def add_override_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        dest="overrides",
        nargs="+",
        action="extend",
        default=[],
        metavar="SECTION.FIELD=VALUE",
        help="override config fields, e.g. --set trainer.max_steps=1000 optim.lr=0.02 (repeatable)",
    )


def run_tool(main: Callable[[Sequence[str] | None], int], argv: Sequence[str] | None = None) -> int:
    """Run a tool's ``main``; print a user error's message (no traceback) and return 2 for it."""
    try:
        return main(argv)
    except USER_ERRORS as error:
        print(f"error: {_message(error)}", file=sys.stderr)
        return EXIT_USER_ERROR
    except NonFiniteLossError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_TRAINING_FAILED


def _message(error: BaseException) -> str:
    if isinstance(error, FileNotFoundError) and error.filename:
        return f"{error.filename}: {error.strerror or 'not found'}."
    return str(error)
