"""The batch job's table: one row per image in ``OUTPUT/images.parquet``.

Columns: ``path`` (on its file system), ``name`` (the outputs' name), ``status`` ("ok": segmented by this run;
"error": not segmented, ``error`` says why; "done": complete before this run and not redone, with the earlier
row's figures when the earlier table has them), ``height``, ``width``, ``class_pixels`` (pixels per class id;
the class names are in the schema metadata, key ``classes``), ``predict_ms`` (the Predictor: pre-processing,
network, label map), ``total_ms`` (read, decode, predict, render, encode, write) and ``worker`` (host:pid).

A rerun keeps the earlier rows of the images it skips, so the table always covers the whole listing.
"""

from __future__ import annotations

import json
import os
import posixpath
from collections.abc import Sequence

import pyarrow as pa
import pyarrow.parquet as pq
from pyarrow import fs as pafs

__all__ = ["ROW_SCHEMA", "TABLE_NAME", "done_rows", "error_row", "ok_row", "read_table", "write_table"]

TABLE_NAME = "images.parquet"
ROW_SCHEMA = pa.schema(
    [
        ("path", pa.string()),
        ("name", pa.string()),
        ("status", pa.string()),
        ("error", pa.string()),
        ("height", pa.int32()),
        ("width", pa.int32()),
        ("class_pixels", pa.list_(pa.int64())),
        ("predict_ms", pa.float64()),
        ("total_ms", pa.float64()),
        ("worker", pa.string()),
    ]
)


def ok_row(path: str, name: str, shape, pixels: list[int], predict_ms: float, total_ms: float, worker: str) -> dict:
    return {
        "path": path, "name": name, "status": "ok", "error": None, "height": int(shape[0]), "width": int(shape[1]),
        "class_pixels": pixels, "predict_ms": predict_ms, "total_ms": total_ms, "worker": worker,
    }  # fmt: skip


def error_row(path: str, name: str, error: str, worker: str) -> dict:
    return {
        "path": path, "name": name, "status": "error", "error": error, "height": None, "width": None,
        "class_pixels": None, "predict_ms": None, "total_ms": None, "worker": worker,
    }  # fmt: skip


def read_table(filesystem: pafs.FileSystem, output_root: str) -> pa.Table | None:
    """The earlier run's table, or None when there is none (or it cannot be read: it is rebuilt then)."""
    path = posixpath.join(output_root, TABLE_NAME)
    try:
        return pq.read_table(path, filesystem=filesystem).cast(ROW_SCHEMA)
    except (OSError, pa.ArrowInvalid):
        return None


def done_rows(paths: Sequence[str], names: Sequence[str], earlier: pa.Table | None) -> pa.Table:
    """Rows for images complete before this run: the earlier table's, marked "done", else path and name alone."""
    by_path = {}
    if earlier is not None:
        for row in earlier.to_pylist():
            by_path[row["path"]] = row
    rows = []
    for path, name in zip(paths, names, strict=True):
        row = dict(by_path.get(path) or error_row(path, name, None, None))
        row.update(status="done", error=None)
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=ROW_SCHEMA)


def write_table(
    filesystem: pafs.FileSystem, output_root: str, parts: Sequence[pa.Table], classes: Sequence[str]
) -> str:
    """Write the rows (whole, through a temporary file on local disk) and return the table's path."""
    table = pa.concat_tables([part.cast(ROW_SCHEMA) for part in parts])
    table = table.sort_by("path").replace_schema_metadata({"classes": json.dumps(list(classes))})
    path = posixpath.join(output_root, TABLE_NAME)
    local = isinstance(filesystem, pafs.LocalFileSystem)
    target = posixpath.join(output_root, f".{TABLE_NAME}.{os.getpid()}.tmp") if local else path
    filesystem.create_dir(output_root, recursive=True)
    pq.write_table(table, target, filesystem=filesystem)
    if local:
        filesystem.move(target, path)
    return path
