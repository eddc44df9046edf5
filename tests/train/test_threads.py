"""The training thread count: affinity, cgroup quotas (fake cgroup files), the override and the environment."""

import pytest

from seg.train.threads import cgroup_quota_cores, training_threads, usable_cores


def cgroup_v2(tmp_path, limits: dict[str, str], own: str = "/job/step"):
    """A fake /sys/fs/cgroup with ``cpu.max`` files at the given relative folders, and /proc/self/cgroup."""
    root = tmp_path / "cgroup"
    for folder, value in limits.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / "cpu.max").write_text(value + "\n")
    self_cgroup = tmp_path / "self_cgroup"
    self_cgroup.write_text(f"0::{own}\n")
    return root, self_cgroup


def test_no_quota_anywhere_is_unlimited(tmp_path):
    root, self_cgroup = cgroup_v2(tmp_path, {".": "max 100000", "job": "max 100000"})
    assert cgroup_quota_cores(root, self_cgroup) is None


def test_the_smallest_quota_on_the_path_wins(tmp_path):
    root, self_cgroup = cgroup_v2(tmp_path, {".": "max 100000", "job": "400000 100000", "job/step": "150000 100000"})
    assert cgroup_quota_cores(root, self_cgroup) == 1.5
    # A sibling group's limit is not this process's.
    root, self_cgroup = cgroup_v2(tmp_path / "b", {"job": "400000 100000", "other": "50000 100000"})
    assert cgroup_quota_cores(root, self_cgroup) == 4.0


def test_cgroup_v1_quota(tmp_path):
    cpu = tmp_path / "cgroup" / "cpu"
    cpu.mkdir(parents=True)
    (cpu / "cpu.cfs_quota_us").write_text("300000\n")
    (cpu / "cpu.cfs_period_us").write_text("100000\n")
    assert cgroup_quota_cores(tmp_path / "cgroup", tmp_path / "absent") == 3.0
    (cpu / "cpu.cfs_quota_us").write_text("-1\n")
    assert cgroup_quota_cores(tmp_path / "cgroup", tmp_path / "absent") is None


def test_missing_or_garbled_files_mean_no_quota(tmp_path):
    root, self_cgroup = cgroup_v2(tmp_path, {"job/step": "garbage"})
    assert cgroup_quota_cores(root, self_cgroup) is None
    assert cgroup_quota_cores(tmp_path / "nothing", tmp_path / "nothing") is None


@pytest.mark.parametrize(
    ("affinity", "quota", "cores"),
    [(64, None, 64), (64, 2.0, 2), (64, 1.5, 2), (64, 0.5, 1), (4, 16.0, 4), (2, 2.0, 2)],
)
def test_usable_cores_is_the_affinity_capped_by_the_quota_rounded_up(affinity, quota, cores):
    assert usable_cores(affinity=affinity, quota=quota) == cores


def test_the_config_wins_then_the_environment_then_the_cores():
    assert training_threads(3, {"OMP_NUM_THREADS": "1"}) == (3, "trainer.threads")
    assert training_threads(0, {"OMP_NUM_THREADS": "1"}) == (1, "OMP_NUM_THREADS")
    threads, source = training_threads(0, {"OMP_NUM_THREADS": "not a number"})
    assert threads == usable_cores() and "cores" in source

    threads, source = training_threads(0, {}, processes=usable_cores() + 1)
    assert threads == 1 and "shared by" in source
