"""Two "nodes" on loopback: torchrun with ``--nnodes 2`` (one process each, gloo on the CPU) trains like one node
with two processes, only rank 0 writes, and a run whose second node was killed resumes with ``--resume auto``.

Every launch runs in its own session with a deadline and is killed (with every process it started) in ``finally``, so a
rendezvous or collective that never completes fails the test instead of hanging it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from support import TINY_RUN

from seg.synthetic.toy_cityscapes import make_toy_cityscapes

REPO = Path(__file__).resolve().parents[2]
TOY_CONFIG = REPO / "configs" / "lraspp_small_toy.py"
DEADLINE_S = 240  # one launch takes ~30 s on a loaded 2-core machine; a hang is an error, not a wait

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def launch(node_rank: int, nnodes: int, nproc: int, port: int, work_dir: Path, *overrides: str, log: Path):
    """``torchrun ... tools/train.py`` as node ``node_rank`` of ``nnodes``, in a new session (its own group)."""
    command = [
        sys.executable, "-m", "torch.distributed.run", f"--nnodes={nnodes}", f"--nproc-per-node={nproc}",
        f"--node-rank={node_rank}", "--master-addr=127.0.0.1", f"--master-port={port}",
        str(REPO / "tools" / "train.py"), str(TOY_CONFIG), "--work-dir", str(work_dir), "--no-progress",
        "--set", *TINY_RUN, f"trainer.devices={nproc}", f"trainer.num_nodes={nnodes}", *overrides,
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        command, cwd=REPO, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (from /proc): torchrun starts its workers in sessions of their own, so killing
    the launcher's process group leaves them running."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while being listed
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, queue = [], [pid]
    while queue:
        children = parents.get(queue.pop(), [])
        found += children
        queue += children
    return found


def kill_node(process: subprocess.Popen) -> None:
    """SIGKILL a launch and everything it started, as when a machine dies."""
    for pid in [process.pid, *descendants(process.pid)]:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)  # each launch and each torchrun worker leads its own group
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait(timeout=30)


def wait_all(processes: list[subprocess.Popen], logs: list[Path], deadline_s: float = DEADLINE_S) -> list[int]:
    end = time.monotonic() + deadline_s
    try:
        for process in processes:
            process.wait(timeout=max(1.0, end - time.monotonic()))
    except subprocess.TimeoutExpired:
        pytest.fail(f"torchrun did not finish in {deadline_s} s; logs: " + " ".join(map(str, logs)))
    return [process.returncode for process in processes]


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def weights(work_dir: Path) -> dict[str, torch.Tensor]:
    checkpoint = torch.load(work_dir / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=False)
    return checkpoint["state_dict"]


@pytest.fixture(scope="module")
def toy(tmp_path_factory) -> Path:
    return make_toy_cityscapes(
        tmp_path_factory.mktemp("multinode") / "toy", train=4, val=2, seed=0, image_size=(64, 128)
    )


def test_two_nodes_train_like_one_node_with_two_processes(toy, tmp_path):
    data = f"data.root={toy}"
    port = free_port()
    # Each node gets its own work dir: node 1's must stay empty (rank 0 alone writes checkpoints and metrics).
    node_dirs = [tmp_path / "node0", tmp_path / "node1"]
    logs = [tmp_path / "node0.log", tmp_path / "node1.log"]
    nodes = [launch(rank, 2, 1, port, node_dirs[rank], data, log=logs[rank]) for rank in (0, 1)]
    single_log = tmp_path / "single.log"
    single: list[subprocess.Popen] = []
    try:
        assert wait_all(nodes, logs) == [0, 0], logs[0].read_text()[-3000:] + logs[1].read_text()[-3000:]
        single.append(launch(0, 1, 2, free_port(), tmp_path / "single", data, log=single_log))
        assert wait_all(single, [single_log]) == [0], single_log.read_text()[-3000:]
    finally:
        for process in nodes + single:
            kill_node(process)

    written = [p.relative_to(node_dirs[0]).as_posix() for p in files_under(node_dirs[0])]
    assert {"checkpoints/last.ckpt", "checkpoints/best.ckpt", "metrics.json", "config.py"} <= set(written)
    assert any(name.startswith("logs/csv/") and name.endswith("metrics.csv") for name in written)
    assert files_under(node_dirs[1]) == []
    metrics = json.loads((node_dirs[0] / "metrics.json").read_text())
    assert metrics["step"] == 4

    two_nodes, one_node = weights(node_dirs[0]), weights(tmp_path / "single")
    assert two_nodes.keys() == one_node.keys()
    for key, value in two_nodes.items():
        torch.testing.assert_close(value, one_node[key], rtol=1e-5, atol=1e-6, msg=key)


def test_a_killed_node_stops_the_run_and_both_nodes_resume_from_last_checkpoint(toy, tmp_path):
    """Node 1 is killed mid-run: node 0 stops with an error at its next collective (gloo sees the peer's sockets
    close) instead of waiting for the 30 min collective timeout; relaunching both nodes with --resume auto continues
    from last.ckpt."""
    work_dir = tmp_path / "run"  # one work dir, as on a cluster's shared file system
    data = f"data.root={toy}"
    steps = ("trainer.max_steps=2000", "trainer.val_every_n_steps=10")  # far more than it runs before the kill
    logs = [tmp_path / "node0.log", tmp_path / "node1.log"]
    port = free_port()
    nodes = [launch(rank, 2, 1, port, work_dir, data, *steps, log=logs[rank]) for rank in (0, 1)]
    try:
        last = work_dir / "checkpoints" / "last.ckpt"
        end = time.monotonic() + DEADLINE_S
        while not last.is_file() and time.monotonic() < end and nodes[0].poll() is None:
            time.sleep(0.1)
        assert last.is_file(), logs[0].read_text()[-3000:]
        kill_node(nodes[1])
        killed_at = time.monotonic()
        codes = wait_all(nodes[:1], logs[:1], deadline_s=120)
        stopped_after = time.monotonic() - killed_at
    finally:
        for process in nodes:
            kill_node(process)
    assert codes[0] != 0, "node 0 cannot finish without node 1"
    saved = torch.load(last, map_location="cpu", weights_only=False)["global_step"]
    assert 10 <= saved < 2000
    print(f"node 0 exited {codes[0]} {stopped_after:.1f} s after node 1 was killed; last.ckpt at step {saved}")

    # The documented way back is the same command with --resume auto on every node; here it also shortens the run
    # to 20 more steps (the schedule follows a changed max_steps from the saved step).
    resume = (data, f"trainer.max_steps={saved + 20}", "trainer.val_every_n_steps=10", "--resume", "auto")
    port = free_port()
    logs = [tmp_path / "node0_resumed.log", tmp_path / "node1_resumed.log"]
    resumed = [launch(rank, 2, 1, port, work_dir, *resume, log=logs[rank]) for rank in (0, 1)]
    try:
        assert wait_all(resumed, logs) == [0, 0], logs[0].read_text()[-3000:] + logs[1].read_text()[-3000:]
    finally:
        for process in resumed:
            kill_node(process)
    metrics = json.loads((work_dir / "metrics.json").read_text())
    assert metrics["step"] == saved + 20
    assert metrics["resumed_from_step"] == saved
