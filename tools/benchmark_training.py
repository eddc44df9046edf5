"""Training steps per second alone and beside busy single-threaded processes: is training fair on a shared CPU?

python tools/benchmark_training.py [CONFIG] [--steps 60] [--rounds 3] [--competitors 0 1 2] [--set ...]

Each measurement is a fresh tools/train.py-style run of CONFIG (default: the toy config) for --steps steps, with
validation only at the end, no precise-BN pass and no timed checkpoint, timed from step 10 to the last step (so
start-up, the sanity check and the final validation are not counted). While it runs, 0, 1 or 2 competing
processes spin one core each (``while True: pass``). The settings are interleaved round by round (alone, one,
two, alone, ...) so a change in the machine's load hits them alike; the report gives the median steps/s of each
and the slowdown against running alone. On N cores a fair share is (N + k) / N times slower with k competitors
(1.5x and 2x on 2 cores). ``--set trainer.threads=1`` (or any override) compares thread settings.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from seg.cli import tool_parser  # noqa: E402
from seg.train.threads import prefer_passive_waiting  # noqa: E402

prefer_passive_waiting()  # as tools/train.py does, before torch is imported
WARM_STEPS = 10
SPIN = "while True: pass"


def measure(config: str, steps: int, overrides: Sequence[str], competitors: int, work: Path) -> float:
    """Steps/s of one run with ``competitors`` busy processes beside it."""
    spinners = [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(competitors)]
    try:
        out = work / f"timing_{time.monotonic_ns()}.json"
        subprocess.run(
            [sys.executable, __file__, "--child", str(out), config, "--steps", str(steps), "--set", *overrides],
            check=True,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
        )
        return json.loads(out.read_text())["steps_per_second"]
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def child(out: Path, config_path: str, steps: int, overrides: Sequence[str], work_dir: Path) -> None:
    """One timed training run in this process (the parent starts it as a subprocess)."""
    import lightning.pytorch as pl

    import seg.train.fit as training
    from seg.config import load_config

    class StepTimer(pl.Callback):
        def __init__(self) -> None:
            self.marks: dict[int, float] = {}

        def on_train_batch_end(self, trainer: pl.Trainer, *args: object) -> None:
            self.marks[trainer.global_step] = time.perf_counter()

    timer = StepTimer()
    build_trainer = training.build_trainer

    def timed_trainer(*args, **kwargs):  # the run's own Trainer, plus the timer
        trainer = build_trainer(*args, **kwargs)
        trainer.callbacks.append(timer)
        return trainer

    training.build_trainer = timed_trainer
    fixed = [
        f"trainer.max_steps={steps}",
        f"trainer.val_every_n_steps={steps}",
        "trainer.precise_bn_batches=0",
        "trainer.checkpoint_every_minutes=0",
    ]
    config = load_config(config_path, [*overrides, *fixed])
    training.train(config, work_dir=work_dir, progress=False, overwrite=True)
    last = max(timer.marks)
    rate = (last - WARM_STEPS) / (timer.marks[last] - timer.marks[WARM_STEPS])
    out.write_text(json.dumps({"steps_per_second": rate}))


def main(argv: Sequence[str] | None = None) -> int:
    parser = tool_parser(__doc__)
    parser.add_argument("config", nargs="?", default=str(REPO / "configs" / "lraspp_small_toy.py"))
    parser.add_argument("--steps", type=int, default=60, help="steps per run (timed from step 10)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of interleaved runs")
    parser.add_argument("--competitors", type=int, nargs="+", default=[0, 1, 2], help="busy processes per setting")
    parser.add_argument("--set", dest="overrides", nargs="*", default=[], metavar="SECTION.FIELD=VALUE")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.steps <= WARM_STEPS + 1:
        parser.error(f"--steps must be more than {WARM_STEPS + 1}")
    with tempfile.TemporaryDirectory(prefix="benchmark_training_") as work:
        if args.child is not None:
            child(args.child, args.config, args.steps, args.overrides, Path(work) / "run")
            return 0
        rates: dict[int, list[float]] = {k: [] for k in args.competitors}
        for round_index in range(args.rounds):
            for k in args.competitors:
                rate = measure(args.config, args.steps, args.overrides, k, Path(work))
                rates[k].append(rate)
                print(f"round {round_index + 1}: {k} competing process(es): {rate:.2f} steps/s", flush=True)
    alone = statistics.median(rates[0]) if rates.get(0) else None
    print("\n| competing busy processes | steps/s (median) | slowdown vs alone |")
    print("| --- | --- | --- |")
    for k, values in rates.items():
        median = statistics.median(values)
        slowdown = f"{alone / median:.2f}x" if alone else "n/a"
        print(f"| {k} | {median:.2f} | {slowdown} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
