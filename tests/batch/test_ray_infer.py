"""tools/infer_ray.py on a local two-CPU Ray instance started by the tests: the same files as tools/infer.py, a killed
worker loses nothing, a rerun does no work, a corrupt image is reported and the rest written.

The Ray instance lives in a short temporary folder of its own (not /tmp/ray, which other Ray users share) and is
stopped after the module; SIGALRM fails a test that runs past its deadline instead of letting it hang.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray")  # the .[ray] extra; .ci/run installs it
import pyarrow.parquet as pq  # noqa: E402
import torch  # noqa: E402
from infer import main as infer_main  # noqa: E402  (tools/, on sys.path from tests/conftest.py)
from infer_ray import main as infer_ray_main  # noqa: E402

from seg.batch.listing import list_inputs  # noqa: E402
from seg.batch.ray_infer import BatchJob, segment_archive  # noqa: E402
from seg.cli import run_tool  # noqa: E402
from seg.config import load_config  # noqa: E402
from seg.data.io import decode_label, read_image  # noqa: E402
from seg.inference.card import read_card  # noqa: E402
from seg.models import build_model  # noqa: E402
from seg.runtimes.factory import load_predictor  # noqa: E402

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "configs" / "lraspp_small_cityscapes.py"
OVERRIDES = ["model.width_mult=0.35", "model.head_channels=32"]  # tests/conftest.py's small model
DEADLINE_S = 300


@contextlib.contextmanager
def deadline(seconds: int):
    def expired(signum, frame):
        raise TimeoutError(f"the Ray job did not finish in {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def cluster():
    temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # short: Ray's socket paths must fit 107 characters
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        object_store_memory=100 * 1024 * 1024,
        _temp_dir=temp,
        runtime_env={"env_vars": {"OMP_NUM_THREADS": "1"}},
        log_to_driver=False,
    )
    try:
        yield
    finally:
        ray.shutdown()
        shutil.rmtree(temp, ignore_errors=True)


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """40 small images in two folders with the same file names (names keep their folder)."""
    import cv2

    root = tmp_path_factory.mktemp("archive") / "images"
    rng = np.random.default_rng(0)
    for i in range(40):
        folder = root / ("a" if i < 20 else "b")
        folder.mkdir(parents=True, exist_ok=True)
        coarse = rng.integers(0, 256, size=(4, 6, 3), dtype=np.uint8)  # smooth colour fields: varied labels
        image = cv2.resize(coarse, (48 + 8 * (i % 3), 32 + 8 * (i % 2)), interpolation=cv2.INTER_LINEAR)
        cv2.imwrite(str(folder / f"frame_{i % 20:03d}.png"), image)
    return root


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    torch.manual_seed(0)
    weights = tmp_path_factory.mktemp("model") / "weights.pt"
    torch.save(build_model(load_config(CONFIG, OVERRIDES).model).state_dict(), weights)
    return weights


def tool_args(model: Path, inputs: Path | str, output: Path, *extra: str) -> list[str]:
    return [str(CONFIG), str(model), str(inputs), "--output-dir", str(output), "--set", *OVERRIDES, *extra]


@pytest.fixture(scope="module")
def reference(archive, model, tmp_path_factory, single_thread) -> Path:
    """tools/infer.py's masks and overlays, one process."""
    output = tmp_path_factory.mktemp("reference")
    with single_thread():
        assert run_tool(infer_main, tool_args(model, archive, output)) == 0
    return output


def job_for(model: Path, archive: Path, output: Path) -> tuple[BatchJob, object]:
    listing = list_inputs([str(archive)])
    job = BatchJob(
        read_card(model, load_config(CONFIG, OVERRIDES)), listing.uri, str(output), ("labels", "mask", "overlay")
    )
    return job, listing


def files(folder: Path, suffix: str = ".png") -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob(f"*{suffix}"))}


def assert_complete_and_equal(output: Path, reference: Path, archive: Path, model: Path) -> None:
    """Every mask, overlay and label map byte-identical to tools/infer.py's; every label map the Predictor's labels."""
    written = files(output)
    expected = files(reference)
    assert len(expected) == 120  # 40 images: NAME_mask.png, NAME_overlay.png, NAME_labels.png
    assert written == expected
    predictor = load_predictor(read_card(model, load_config(CONFIG, OVERRIDES)), threads=1, fast_labels=True)
    for image in sorted(archive.rglob("*.png")):
        name = image.relative_to(archive).with_suffix("").as_posix()
        labels = decode_label(output / f"{name}_labels.png")
        np.testing.assert_array_equal(labels, predictor.predict(read_image(image)))


def test_ray_writes_the_files_of_infer_py_and_a_rerun_does_no_work(cluster, archive, model, reference, tmp_path):
    output = tmp_path / "out"
    with deadline(DEADLINE_S):
        code = run_tool(
            infer_ray_main, tool_args(model, archive, output, "--overlays", "--workers", "2", "--batch-size", "4")
        )
    assert code == 0
    assert_complete_and_equal(output, reference, archive, model)
    table = pq.read_table(output / "images.parquet").to_pylist()
    assert len(table) == 40 and {row["status"] for row in table} == {"ok"}
    assert all(sum(row["class_pixels"]) == row["height"] * row["width"] for row in table)
    sizes = {(row["height"], row["width"]) for row in table}
    assert sizes == {(h, w) for h in (32, 40) for w in (48, 56, 64)}

    before = {p: p.stat().st_mtime_ns for p in output.rglob("*.png")}
    job, listing = job_for(model, archive, output)
    calls = []
    with deadline(DEADLINE_S):
        summary = segment_archive(job, listing, on_rows=calls.append)
    assert (summary.done_before, summary.segmented, summary.failed, calls) == (40, 0, [], [])
    assert {p: p.stat().st_mtime_ns for p in output.rglob("*.png")} == before
    rows = pq.read_table(output / "images.parquet").to_pylist()
    assert {row["status"] for row in rows} == {"done"} and all(row["height"] for row in rows)


def test_a_killed_worker_loses_nothing(cluster, archive, model, reference, tmp_path):
    output = tmp_path / "out"
    job, listing = job_for(model, archive, output)
    killed: list[int] = []

    def kill_first_worker(rows) -> None:
        if not killed:
            pid = int(rows["worker"][0].as_py().rsplit(":", 1)[1])
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    with deadline(DEADLINE_S):
        summary = segment_archive(job, listing, workers=2, batch_size=2, on_rows=kill_first_worker)
    assert summary.failed == [] and summary.segmented == 40
    assert_complete_and_equal(output, reference, archive, model)
    workers = {int(w.rsplit(":", 1)[1]) for w in pq.read_table(output / "images.parquet")["worker"].to_pylist()}
    assert len(workers - set(killed)) >= 2, "the killed worker was replaced"  # the survivor and the new one


def test_a_corrupt_image_is_reported_and_the_rest_written(cluster, archive, model, tmp_path, capsys):
    images = tmp_path / "images"
    shutil.copytree(archive / "a", images)
    (images / "frame_005.png").write_bytes((archive / "a" / "frame_005.png").read_bytes()[:60])  # truncated
    (images / "notes.png").write_bytes(b"not an image")
    output = tmp_path / "out"
    with deadline(DEADLINE_S):
        code = run_tool(infer_ray_main, tool_args(model, images, output, "--workers", "1"))
    assert code == 3
    err = capsys.readouterr().err
    assert "skipped 2 images" in err and "frame_005.png" in err and "notes.png" in err
    rows = {row["name"]: row for row in pq.read_table(output / "images.parquet").to_pylist()}
    assert len(rows) == 21
    assert rows["frame_005"]["status"] == "error" and "truncated" in rows["frame_005"]["error"]
    assert rows["notes"]["status"] == "error"
    written = sorted(p.name for p in output.glob("*_labels.png"))
    assert len(written) == 19 and "frame_005_labels.png" not in written
