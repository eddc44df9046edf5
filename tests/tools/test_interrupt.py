"""A real Ctrl-C (SIGINT) or SIGTERM before the first validation leaves last.ckpt; --resume auto finishes the run."""

import json
import re
import signal
import subprocess
import sys
import threading

import pytest
import torch

from .conftest import REPO, TINY, TOY_CONFIG

# A run far longer than the test waits, validating only at its end: whatever last.ckpt exists was written by the stop.
LONG = [*TINY, "trainer.max_steps=100000", "trainer.val_every_n_steps=0", "trainer.validations=1"]
EPOCH = re.compile(r"Epoch (\d+)")


def _train(work_dir, toy_root, *extra: str, progress: bool = True) -> subprocess.Popen:
    command = [sys.executable, str(REPO / "tools" / "train.py"), TOY_CONFIG, "--work-dir", str(work_dir)]
    command += [] if progress else ["--no-progress"]
    command += ["--set", f"data.root={toy_root}", *LONG, *extra]
    # One stream: tqdm's bar goes to stdout, Lightning's messages to stderr.
    return subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait_for_epoch(stream, epoch: int, reached: threading.Event, seen: list[str]) -> None:
    """Read the progress bar (2 steps an epoch on the tiny set) until it shows ``epoch``."""
    buffer = ""
    while chunk := stream.read(1):
        buffer += chunk
        seen.append(chunk)
        found = EPOCH.findall(buffer[-200:])
        if found and int(found[-1]) >= epoch:
            reached.set()
    reached.set()  # the process ended: let the test fail on what it sees


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_before_the_first_validation_writes_last_and_resume_auto_finishes(signum, toy_root, tmp_path):
    work_dir = tmp_path / "run"
    process = _train(work_dir, toy_root)
    reached, seen = threading.Event(), []
    reader = threading.Thread(target=_wait_for_epoch, args=(process.stdout, 5, reached, seen), daemon=True)
    reader.start()
    assert reached.wait(timeout=600), "training did not reach epoch 5"
    assert process.poll() is None, "".join(seen)[-2000:]
    process.send_signal(signum)
    try:
        process.wait(timeout=120)
    finally:
        process.kill()
    reader.join(timeout=10)
    output = "".join(seen)
    assert process.returncode == 1, output[-2000:]
    last = work_dir / "checkpoints" / "last.ckpt"
    assert last.is_file(), output[-2000:]
    step = torch.load(last, map_location="cpu", weights_only=False)["global_step"]
    assert 10 <= step < 100000
    assert f"Stopped at step {step}: wrote {last}" in output

    # Continue to a few steps past the stop (the schedule follows the new max_steps) and finish.
    finish = subprocess.run(
        [sys.executable, str(REPO / "tools" / "train.py"), TOY_CONFIG, "--work-dir", str(work_dir), "--no-progress"]
        + ["--resume", "auto", "--set", f"data.root={toy_root}", *LONG, f"trainer.max_steps={step + 4}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert finish.returncode == 0, finish.stderr[-2000:]
    assert f"at step {step}" in finish.stdout + finish.stderr
    metrics = json.loads((work_dir / "metrics.json").read_text())
    assert metrics["step"] == step + 4 and metrics["resumed_from_step"] == step


def test_the_time_based_checkpoint_is_wired_to_the_config(tmp_path):
    from seg.config import load_config
    from seg.train.fit import build_trainer

    config = load_config(TOY_CONFIG, [*TINY, "trainer.checkpoint_every_minutes=0.5"])
    trainer = build_trainer(config, tmp_path, progress=False)
    timed = [cb for cb in trainer.checkpoint_callbacks if getattr(cb, "_train_time_interval", None) is not None]
    assert len(timed) == 1 and timed[0]._train_time_interval.total_seconds() == 30
    assert timed[0].dirpath == str(tmp_path / "checkpoints") and timed[0].filename == "last"
    untimed = build_trainer(load_config(TOY_CONFIG, [*TINY, "trainer.checkpoint_every_minutes=0"]), tmp_path, False)
    assert not [cb for cb in untimed.checkpoint_callbacks if getattr(cb, "_train_time_interval", None)]
