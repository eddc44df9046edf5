"""Command-line glue shared by every tool: ``--set`` overrides, one-line errors, exit codes.

``run_tool(main)`` prints a :class:`seg.errors.UserError` (or a missing file) as ``error: ...`` and
returns 2, a :class:`seg.errors.Failure` as ``error: ...`` and returns 1; bugs keep their traceback,
since hiding those would hide the fix. This module imports nothing heavy, so a tool can parse its
arguments (and answer ``--help``) before torch is loaded.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Sequence

from seg.errors import Failure, UserError

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USER_ERROR = 2
# The work finished, but some inputs could not be read (a batch tool skipped and named them; a video ended early).
EXIT_INCOMPLETE = 3

MODEL_HELP = (
    "[CONFIG] MODEL: a checkpoint (.ckpt from tools/train.py) or an export (.onnx from tools/export_onnx.py) "
    "rebuilds its own model from the config stored inside it; a config file (.py) before it runs the model "
    "under that config instead, which must describe the same network (--allow-model-mismatch to accept one "
    "that does not). A plain state dict stores no config and needs one."
)


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


def add_model_mismatch_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-model-mismatch",
        action="store_true",
        help="run the checkpoint under a config (or --set) whose model differs from the one it was trained as "
        "(output stride, gate pool, ...); without it such a difference is an error",
    )


def add_exact_labels_argument(parser: argparse.ArgumentParser) -> None:
    """--exact-labels, for the tools that draw label maps (infer, the video demo)."""
    parser.add_argument(
        "--exact-labels",
        action="store_true",
        help="resize the full-resolution logits before the argmax (what tools/test.py does) instead of the fast "
        "label map from the decoder's stride-8 logits (equal but for float ties; docs/deployment.md)",
    )


def add_overwrite_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--overwrite", action="store_true", help="replace outputs that already exist")


class MissingInputError(UserError):
    """A file or folder the command line names does not exist."""


def require_inputs(*inputs: tuple[str | None, str]) -> None:
    """Every ``(path, what)`` given (path not None) exists; checked before a tool imports torch, so a mistyped
    path is reported in a fraction of a second rather than after the ML stack has loaded."""
    missing = [
        f"{what} {path} does not exist" for path, what in inputs if path is not None and not os.path.exists(path)
    ]
    if missing:
        raise MissingInputError(f"{'; '.join(missing)}. Check the path.")


def split_config(values: Sequence[str]) -> tuple[str | None, list[str]]:
    """``[CONFIG] MODEL ...`` positionals -> (the config when the first one is a .py file, else None; the rest).

    A config is a Python file and a model file never is (.ckpt, .pt, .pth, .onnx), so the suffix tells them apart.
    """
    if values and values[0].endswith(".py"):
        return values[0], list(values[1:])
    return None, list(values)


def run_tool(main: Callable[[Sequence[str] | None], int], argv: Sequence[str] | None = None) -> int:
    """Run a tool's ``main``; a user error prints one line and returns 2, a failure one line and returns 1."""
    try:
        return main(argv)
    except (UserError, FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError) as error:
        print(f"error: {message(error)}", file=sys.stderr)
        return EXIT_USER_ERROR
    except Failure as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILURE


def message(error: BaseException) -> str:
    """The one-line text of a user error; OS errors name the path and the reason."""
    if isinstance(error, OSError) and error.filename:
        return f"{error.filename}: {error.strerror or 'not found'}."
    return unwrap_worker_error(error)


# torch's ExceptionWrapper re-raises an error from a DataLoader worker as the same type, built from one string:
# "Caught DatasetError in DataLoader worker process 0.\nOriginal Traceback (most recent call last):\n ...
# seg.data.errors.DatasetError: <the message>". The type and that text are all that crosses the process boundary.
_WRAPPED = re.compile(r"\ACaught (\w+) in (DataLoader worker process \d+|pin memory thread[^.]*)\.\nOriginal Traceback")


def unwrap_worker_error(error: BaseException) -> str:
    """The original message of an error torch re-raised from a loader worker (else ``str(error)``): the text
    after the last "module.ErrorType: " header of the worker's traceback, which is where Python prints it."""
    text = str(error)
    if not _WRAPPED.match(text):
        return text
    cls = type(error)
    header = f"\n{cls.__module__}.{cls.__qualname__}: "
    start = text.rfind(header)
    return text[start + len(header) :].strip() if start >= 0 else text
