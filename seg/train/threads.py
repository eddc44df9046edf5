"""How many threads the training process computes with: the cores it may use, not the cores the machine has.

PyTorch sizes its intra-op pool from the machine's physical cores. In a container limited by a CPU quota
(cgroup ``cpu.max``), or a process pinned to some cores (``taskset``, SLURM), that is more threads than cores:
the threads of one parallel region then wait for each other while the scheduler rotates them, and on a machine
shared with other busy processes every region waits for its slowest thread. The count here is the smallest of
the affinity mask and the quota; ``trainer.threads`` (or ``OMP_NUM_THREADS``) overrides it. Loader workers run
single-threaded (seg.train.datamodule), so they add one thread each.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_SELF_CGROUP = Path("/proc/self/cgroup")


def prefer_passive_waiting(environ: dict[str, str] | None = None) -> None:
    """Let OpenMP threads sleep, not spin, while they wait for each other (``OMP_WAIT_POLICY=PASSIVE``) unless
    the environment already says otherwise. Must run before torch is imported: the OpenMP runtime reads it once.

    With the default spin-waiting, a parallel region whose threads share the cores with other busy processes
    waits for its preempted thread while the others burn their time slices: on the 2-core development machine,
    shared with other jobs, a toy training step (forward and backward, batch 8 of 128x128) took 29 to 55 s with
    2 threads against 1.9 to 7.6 s with 1; with PASSIVE, 1.1 to 1.8 s with 2 threads against 1.9 s with 1
    (3 steps per setting, interleaved, load average 10 to 19: indicative only; tools/benchmark_training.py measures).
    """
    env = os.environ if environ is None else environ
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def affinity_cores() -> int:
    """Cores this process may run on (``os.sched_getaffinity``; ``os.cpu_count()`` where that is missing)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def cgroup_quota_cores(root: Path = CGROUP_ROOT, self_cgroup: Path = PROC_SELF_CGROUP) -> float | None:
    """The CPU quota of this process's cgroup and its parents, in cores (``quota / period``); None if unlimited.

    cgroup v2: ``cpu.max`` (``"max 100000"`` or ``"200000 100000"``) in the process's own group and every
    parent up to ``root`` (the smallest limit wins). cgroup v1: ``cpu/cpu.cfs_quota_us`` (-1: none) over
    ``cpu/cpu.cfs_period_us``.
    """
    limits = [q for q in (_v2_quota(folder) for folder in _v2_groups(root, self_cgroup)) if q is not None]
    v1 = _v1_quota(root / "cpu")
    if v1 is not None:
        limits.append(v1)
    return min(limits) if limits else None


def _v2_groups(root: Path, self_cgroup: Path) -> list[Path]:
    """The process's cgroup v2 folder and its parents up to ``root`` (only ``root`` if the path is unknown)."""
    relative = ""
    try:
        for line in self_cgroup.read_text().splitlines():
            if line.startswith("0::"):
                relative = line[3:].strip().strip("/")
    except OSError:
        pass
    folders = [root]
    for part in filter(None, relative.split("/")):
        folders.append(folders[-1] / part)
    return folders


def _v2_quota(folder: Path) -> float | None:
    try:
        fields = (folder / "cpu.max").read_text().split()
    except OSError:
        return None
    if len(fields) != 2 or fields[0] == "max":
        return None
    return _ratio(fields[0], fields[1])


def _v1_quota(folder: Path) -> float | None:
    try:
        quota = (folder / "cpu.cfs_quota_us").read_text().strip()
        period = (folder / "cpu.cfs_period_us").read_text().strip()
    except OSError:
        return None
    return _ratio(quota, period)


def _ratio(quota: str, period: str) -> float | None:
    try:
        q, p = int(quota), int(period)
    except ValueError:
        return None
    return q / p if q > 0 and p > 0 else None


def usable_cores(affinity: int | None = None, quota: float | None = None) -> int:
    """The cores this process may use: its affinity mask, capped by the cgroup quota (rounded up, at least 1)."""
    cores = affinity if affinity is not None else affinity_cores()
    if quota is None:
        quota = cgroup_quota_cores()
    if quota is not None:
        cores = min(cores, max(1, math.ceil(quota - 1e-9)))
    return max(1, cores)


def training_threads(configured: int, environ: dict[str, str] | None = None, processes: int = 1) -> tuple[int, str]:
    """(threads, where the number comes from): ``trainer.threads`` if > 0, else ``OMP_NUM_THREADS`` if set to a
    positive integer, else :func:`usable_cores` shared by the ``processes`` training processes of this machine."""
    if configured > 0:
        return configured, "trainer.threads"
    value = (os.environ if environ is None else environ).get("OMP_NUM_THREADS", "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value), "OMP_NUM_THREADS"
    shared = f", shared by {processes} processes" if processes > 1 else ""
    return max(
        1, usable_cores() // max(processes, 1)
    ), f"the cores this process may use (affinity, cgroup quota{shared})"


__all__ = ["affinity_cores", "cgroup_quota_cores", "prefer_passive_waiting", "training_threads", "usable_cores"]
