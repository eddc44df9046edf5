"""Segment an image archive on a Ray cluster: Ray Data streams the listing through a pool of actors, each holding
one Predictor (loaded once per actor, from any model file ``seg.runtimes.factory.load_predictor`` takes).

Each worker reads an image (local disk or any pyarrow file system), decodes it as ``seg.data.images.read_image``
does, segments it and writes, next to the names tools/infer.py gives (``NAME_mask.png``, ``NAME_overlay.png``),
``NAME_labels.png``: the class ids as a single-channel PNG (``seg.data.label_png``). One row per image comes
back to the driver, which writes ``images.parquet`` (``seg.batch.table``).

An image is complete when every output the job asks for exists; each file is written under a temporary name and
renamed (on local disk; an object store's put is atomic already), so a file that exists is whole and a rerun skips
complete images after one listing of the output folder. An unreadable image becomes a row with status "error"; the
job goes on. A worker that dies is restarted by Ray and its unfinished batches run again (``max_restarts``,
``max_task_retries``): outputs are written whole or not at all, so a batch done twice writes the same files.
"""

from __future__ import annotations

import os
import posixpath
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)
from pyarrow import fs as pafs

from seg.batch.listing import ImageListing, open_location
from seg.batch.table import ROW_SCHEMA, done_rows, error_row, ok_row, read_table, write_table
from seg.classes import CITYSCAPES
from seg.errors import UserError
from seg.inference.card import ModelCard

__all__ = ["BatchJob", "BatchSummary", "SegmentBatch", "output_files", "pending", "run_batch", "segment_archive"]

OUTPUT_KINDS = ("labels", "mask", "overlay")


@dataclass(frozen=True)
class BatchJob:
    """What every worker needs: the model, where images and outputs are, which outputs, how to run."""

    card: ModelCard  # the model file, read once by the driver (seg.inference.card.read_card)
    input_uri: str  # '' for local disk, else the scheme and authority (s3://bucket)
    output_dir: str  # a local path or a URI
    kinds: tuple[str, ...] = ("labels", "mask")
    alpha: float = 0.5
    legend: str = "beside"
    exact_labels: bool = False
    threads: int = 1
    gpus: float = 0.0


@dataclass
class BatchSummary:
    total: int
    done_before: int
    segmented: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    table: str = ""


def output_files(output_root: str, name: str, kinds: tuple[str, ...]) -> dict[str, str]:
    """tools/infer.py's layout: NAME keeps its folders, each kind is NAME_kind.png."""
    return {kind: posixpath.join(output_root, f"{name}_{kind}.png") for kind in kinds}


def pending(listing: ImageListing, output_fs: pafs.FileSystem, output_root: str, kinds: tuple[str, ...]) -> list[int]:
    """Indices of the images whose outputs are not all there (one recursive listing of the output folder)."""
    selector = pafs.FileSelector(output_root, recursive=True, allow_not_found=True)
    existing = {info.path for info in output_fs.get_file_info(selector) if info.type == pafs.FileType.File}
    return [
        i
        for i, name in enumerate(listing.names)
        if not all(path in existing for path in output_files(output_root, name, kinds).values())
    ]


class SegmentBatch:
    """A Ray Data actor: one Predictor for its lifetime, called on batches of {path, name}; returns table rows."""

    def __init__(self, job: BatchJob) -> None:
        import torch

        from seg.data.render import SegmentationRenderer
        from seg.runtimes.factory import load_predictor

        self.job = job
        device = "cuda" if job.gpus > 0 and torch.cuda.is_available() and job.card.runtime == "torch" else "cpu"
        self.predictor = load_predictor(job.card, threads=job.threads, device=device, fast_labels=not job.exact_labels)
        classes = self.predictor.classes or CITYSCAPES
        self.num_classes = len(classes.names)
        self.renderer = SegmentationRenderer(
            classes.names, classes.palette_array(), opacity=job.alpha, legend=job.legend
        )
        self.input_fs = open_location(job.input_uri)[0] if job.input_uri else pafs.LocalFileSystem()
        self.output_fs, self.output_root = open_location(job.output_dir)
        self.worker = f"{socket.gethostname()}:{os.getpid()}"

    def __call__(self, batch: dict[str, np.ndarray]) -> pa.Table:
        rows = [self.segment(str(path), str(name)) for path, name in zip(batch["path"], batch["name"], strict=True)]
        return pa.Table.from_pylist(rows, schema=ROW_SCHEMA)

    def segment(self, path: str, name: str) -> dict:
        from seg.data.io import decode_image_bytes, to_rgb
        from seg.errors import ImageReadError

        started = time.perf_counter()
        try:
            with self.input_fs.open_input_stream(path) as stream:
                data = stream.read()
            rgb = to_rgb(decode_image_bytes(data, path), path)
        except ImageReadError as error:
            return error_row(path, name, str(error), self.worker)
        except OSError as error:
            return error_row(path, name, f"Cannot read image {path}: {error}", self.worker)
        try:
            predict_start = time.perf_counter()
            labels = self.predictor.predict(rgb)
            predict_ms = (time.perf_counter() - predict_start) * 1000
        except (ValueError, RuntimeError) as error:  # as tools/infer.py: e.g. an image too small for the network
            message = f"Cannot segment image {path} ({rgb.shape[1]}x{rgb.shape[0]}): {error}"
            return error_row(path, name, message, self.worker)
        self.write(name, rgb, labels)
        pixels = np.bincount(labels.ravel(), minlength=self.num_classes)[: self.num_classes]
        total_ms = (time.perf_counter() - started) * 1000
        return ok_row(path, name, labels.shape, pixels.tolist(), predict_ms, total_ms, self.worker)

    def write(self, name: str, rgb: np.ndarray, labels: np.ndarray) -> None:
        import cv2

        from seg.data.label_png import encode_label_png
        from seg.outputs import OutputError

        files = output_files(self.output_root, name, self.job.kinds)
        self.output_fs.create_dir(posixpath.dirname(files[self.job.kinds[0]]), recursive=True)
        for kind, path in files.items():
            if kind == "labels":
                data = encode_label_png(labels)
            else:
                picture = self.renderer.mask(labels) if kind == "mask" else self.renderer.overlay(rgb, labels)
                ok, encoded = cv2.imencode(".png", cv2.cvtColor(picture, cv2.COLOR_RGB2BGR))
                if not ok:
                    raise OutputError(f"Cannot encode {path} as PNG.")
                data = encoded.tobytes()
            self.put(path, data)

    def put(self, path: str, data: bytes) -> None:
        """Write ``data`` to ``path`` whole or not at all."""
        local = isinstance(self.output_fs, pafs.LocalFileSystem)
        target = f"{posixpath.dirname(path)}/.{posixpath.basename(path)}.{os.getpid()}.tmp" if local else path
        with self.output_fs.open_output_stream(target) as stream:
            stream.write(data)
        if local:
            self.output_fs.move(target, path)


def run_batch(
    job: BatchJob,
    listing: ImageListing,
    todo: list[int],
    workers: int,
    batch_size: int,
    on_rows: Callable[[pa.Table], None] | None = None,
) -> pa.Table:
    """Segment ``listing``'s images at ``todo`` on the Ray cluster this process is connected to; the rows, in
    the order they finished. ``on_rows`` sees each batch of rows as it arrives (tests use it to kill a worker)."""
    import ray

    items = [{"path": listing.paths[i], "name": listing.names[i]} for i in todo]
    dataset = ray.data.from_items(items, override_num_blocks=max(1, min(len(items) // batch_size, 1000)))
    rows = dataset.map_batches(
        SegmentBatch,
        fn_constructor_kwargs={"job": job},
        batch_size=batch_size,
        batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=workers),
        num_cpus=job.threads,
        num_gpus=job.gpus or None,
        # Nothing to set for a worker that dies: Ray Data's actor pool starts its actors with max_restarts=-1 and
        # max_task_retries=-1 (ray/data/_internal/execution/operators/actor_pool_map_operator.py), so a dead
        # worker is replaced and its unfinished batches run again (tests/batch/test_ray_infer.py kills one).
    )
    tables = []
    for table in rows.iter_batches(batch_size=None, batch_format="pyarrow"):
        if on_rows is not None:
            on_rows(table)
        tables.append(table)
    return pa.concat_tables(tables).cast(ROW_SCHEMA) if tables else ROW_SCHEMA.empty_table()


def segment_archive(
    job: BatchJob,
    listing: ImageListing,
    address: str | None = None,
    workers: int = 1,
    batch_size: int = 16,
    overwrite: bool = False,
    on_rows: Callable[[pa.Table], None] | None = None,
) -> BatchSummary:
    """The whole job: skip complete images (unless ``overwrite``), segment the rest on Ray (joining ``address``,
    or this process's Ray, or a local instance started here and stopped after), write the table."""
    from seg.runtimes.factory import load_predictor

    # Once on the driver: a bad model file fails here, before a cluster is asked for anything; and the table
    # needs the class names.
    classes = load_predictor(job.card, threads=1, fast_labels=not job.exact_labels).classes
    names = (classes or CITYSCAPES).names
    output_fs, output_root = open_location(job.output_dir)
    todo = list(range(len(listing.paths))) if overwrite else pending(listing, output_fs, output_root, job.kinds)
    skipped = sorted(set(range(len(listing.paths))) - set(todo))
    earlier = read_table(output_fs, output_root)
    parts = [done_rows([listing.paths[i] for i in skipped], [listing.names[i] for i in skipped], earlier)]
    if todo:
        import ray

        started_here = not ray.is_initialized()
        if started_here:
            try:
                ray.init(address=address, include_dashboard=False)
            except ConnectionError as error:
                raise UserError(f"--address {address}: cannot reach the Ray cluster ({error}).") from None
        try:
            parts.append(run_batch(job, listing, todo, workers, batch_size, on_rows))
        finally:
            if started_here:
                ray.shutdown()
    rows = parts[-1] if todo else ROW_SCHEMA.empty_table()
    failed = [(r["path"], r["error"]) for r in rows.filter(pa.compute.equal(rows["status"], "error")).to_pylist()]
    table = write_table(output_fs, output_root, parts, names)
    return BatchSummary(len(listing.paths), len(skipped), rows.num_rows - len(failed), failed, table)
