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
from pathlib import Path
from typing import TYPE_CHECKING

from seg.errors import Failure, UserError

if TYPE_CHECKING:
    from seg.config import Config
    from seg.inference.card import ModelCard

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USER_ERROR = 2
# The work finished, but some inputs could not be read (a batch tool skipped and named them; a video ended early).
EXIT_INCOMPLETE = 3

MODEL_HELP = (
    "[CONFIG] MODEL: a checkpoint (.ckpt from tools/train.py or tools/import_weights.py) or an export (.onnx, "
    ".tflite, .pte from tools/export.py) "
    "rebuilds its own model from the config stored inside it; a config file (.py) before it runs the model "
    "under that config instead, which must describe the same network (--allow-model-mismatch to accept one "
    "that does not). A plain state dict stores no config and needs one."
)


def tool_parser(description: str | None, usage: str | None = None) -> argparse.ArgumentParser:
    """The parser of a tool: its module docstring as the help text, line breaks kept."""
    return argparse.ArgumentParser(
        usage=usage, description=description, formatter_class=argparse.RawDescriptionHelpFormatter
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


def at_least(minimum: int) -> Callable[[str], int]:
    """argparse type: an integer of at least ``minimum`` (sizes, thread counts, iterations)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} must be at least {minimum}")
        return value

    parse.__name__ = f"integer >= {minimum}"
    return parse


def positive_int(text: str) -> int:
    """argparse type: an integer of at least 1 (sizes, thread counts, iterations)."""
    return at_least(1)(text)


class _SizePairs(argparse.Action):
    """``--input-size H W [H W ...]`` -> a list of (H, W) pairs; an odd count of numbers is an argument error."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        if len(values) % 2:
            parser.error(f"argument {option_string}: takes pairs H W (e.g. 512 1024 1024 2048); got {values}")
        setattr(namespace, self.dest, [(values[i], values[i + 1]) for i in range(0, len(values), 2)])


class _SizePair(argparse.Action):
    """``--input-size H W`` -> the tuple (H, W)."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        setattr(namespace, self.dest, (values[0], values[1]))


def add_input_size_argument(
    parser: argparse.ArgumentParser,
    default: tuple[int, int] | None = None,
    help: str | None = None,
    minimum: int = 1,
    pairs: bool = False,
) -> None:
    """--input-size H W: the size the network runs at, as a tuple (H, W) (the Predictor resizes each image to it
    and back); each value at least ``minimum`` (32 where a model is exported or timed: the encoder's stride).
    ``pairs``: one or more H W pairs, a list of tuples (a sweep over sizes)."""
    if help is None:
        help = "network input size" + (" (default: %(default)s)" if default else " (default: each image's own)")
        if pairs:
            help = "one or more H W pairs" + (" (default: %(default)s)" if default else "")
    parser.add_argument(
        "--input-size",
        nargs="+" if pairs else 2,
        type=at_least(minimum),
        default=[default] if pairs and default else default,
        action=_SizePairs if pairs else _SizePair,
        metavar="H W" if pairs else ("H", "W"),
        help=help,
    )


def add_threads_argument(parser: argparse.ArgumentParser, default: int | None = None, help: str | None = None) -> None:
    """--threads N: intra-op threads of the runtime (PyTorch's count is process-wide)."""
    parser.add_argument(
        "--threads",
        type=positive_int,
        default=default,
        help=help or "inference threads" + (" (default: %(default)s)" if default else " (default: the runtime's own)"),
    )


def add_model_arguments(
    parser: argparse.ArgumentParser, metavar: str = "[CONFIG] MODEL", nargs: str = "+", help: str = MODEL_HELP
) -> None:
    """The positional ``[CONFIG.py] MODEL ...`` (``args.items``), ``--set`` and ``--allow-model-mismatch`` of every
    tool that runs a model (``read_model_card`` takes the three)."""
    parser.add_argument("items", nargs=nargs, metavar=metavar, help=help)
    add_override_argument(parser)
    add_model_mismatch_argument(parser)


def add_overwrite_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--overwrite", action="store_true", help="replace outputs that already exist")


def add_report_arguments(
    parser: argparse.ArgumentParser,
    json: str | None = None,
    markdown: str | None = None,
    plot: str | None = None,
    metavar: str | None = None,
) -> None:
    """The report files a tool writes on request: ``--json``, ``--markdown``, ``--plot``, each with its help text
    (None: the tool does not offer it). ``check_report_outputs`` refuses existing ones before any work."""
    for option, help in (("json", json), ("markdown", markdown), ("plot", plot)):
        if help is not None:
            parser.add_argument(f"--{option}", metavar=metavar, help=help)


def check_report_outputs(args: argparse.Namespace) -> None:
    """Check every report file asked for (``add_report_arguments``) before any work: writable, and not there
    already unless ``--overwrite``."""
    from seg.outputs import check_output_file

    for option in REPORT_OPTIONS:
        if getattr(args, option, None):
            check_output_file(getattr(args, option), f"--{option}", getattr(args, "overwrite", False))


REPORT_OPTIONS = ("json", "markdown", "plot")


def write_report(path: str | Path, text: str) -> None:
    """Write a report file (its folder created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def model_positionals(
    parser: argparse.ArgumentParser, items: Sequence[str], least: int, most: int | None, expected: str
) -> tuple[str | None, list[str]]:
    """``[CONFIG.py] MODEL ...`` positionals -> (config or None, the rest), the rest counted: between ``least``
    and ``most`` items (None: no limit), else an argument error saying what was ``expected``."""
    config, rest = split_config(items)
    if len(rest) < least or (most is not None and len(rest) > most):
        parser.error(f"expected {expected}, got {' '.join(items)}")
    return config, rest


def read_model_card(
    model: str | Path | None,
    config: str | Path | Config | None = None,
    overrides: Sequence[str] = (),
    allow_model_mismatch: bool = False,
) -> ModelCard:
    """``seg.inference.card.read_card``, its notes (a config that differs from the stored one in ways that do not
    change the network) printed to stderr."""
    from seg.inference.card import read_card

    card = read_card(model, config, overrides, allow_model_mismatch)
    for note in card.notes:
        print(note, file=sys.stderr)
    return card


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
# seg.errors.DatasetError: <the message>". The type and that text are all that crosses the process boundary.
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
