"""Precise BN: the exact cumulative average, statistics pooled over processes, and a run's validation under it."""

import itertools
import json
import os
import socket
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from support import TINY_RUN
from torch import nn
from torch.optim.swa_utils import update_bn

from seg.config import load_config
from seg.data.normalize import Normalizer
from seg.inference.evaluate import evaluate
from seg.inference.predictor import Predictor
from seg.models import load_weights
from seg.train.datamodule import SegmentationDataModule
from seg.train.fit import train
from seg.train.module import build_segmentor
from seg.train.precise_bn import batchnorm_layers, estimate_batchnorm_statistics, pooled_statistics

TOY_CONFIG = Path(__file__).resolve().parents[2] / "configs" / "lraspp_small_toy.py"


def small_net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4, momentum=0.01), nn.ReLU(), nn.Conv2d(4, 2, 1))


def batches(n: int, size: int = 3, seed: int = 1) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return [torch.randn(size, 3, 8, 8, generator=generator) * (1 + i) + i for i in range(n)]


def test_the_estimate_is_the_mean_of_the_batch_statistics_and_torchs_update_bn():
    net, data = small_net(), batches(5)
    conv, bn = net[0], net[1]
    with torch.no_grad():
        features = [conv(x) for x in data]
    expected_mean = torch.stack([f.mean((0, 2, 3)) for f in features]).mean(0)
    expected_var = torch.stack([f.var((0, 2, 3), unbiased=True) for f in features]).mean(0)
    net.eval()
    tracked = bn.num_batches_tracked.clone()
    assert estimate_batchnorm_statistics(net, net, data) == 5
    torch.testing.assert_close(bn.running_mean, expected_mean)
    torch.testing.assert_close(bn.running_var, expected_var)
    # What it restores: the module's mode, the momentum, the batch counter.
    assert not bn.training and bn.momentum == 0.01 and torch.equal(bn.num_batches_tracked, tracked)
    # torch's own cumulative average (the same rule, for one process) agrees.
    reference = small_net()
    update_bn(data, reference)
    torch.testing.assert_close(bn.running_mean, reference[1].running_mean)
    torch.testing.assert_close(bn.running_var, reference[1].running_var)


def test_pooled_statistics_of_two_shares_are_those_of_the_whole_batch():
    torch.manual_seed(0)
    whole = torch.randn(7, 5) * torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0]) + 3  # 7 values per channel, 5 channels
    a, b = whole[:3], whole[3:] + 1.5  # unequal shares with different means: the spread between them counts
    whole = torch.cat([a, b])
    shares = [(x.mean(0), x.var(0, unbiased=True), x.shape[0]) for x in (a, b)]
    sent = {}
    pooled_statistics(*shares[1], lambda vector: sent.setdefault("b", vector))  # rank 1's contribution
    mean, var = pooled_statistics(*shares[0], lambda vector: vector + sent["b"])  # rank 0 after all_reduce(SUM)
    torch.testing.assert_close(mean, whole.mean(0))
    torch.testing.assert_close(var, whole.var(0, unbiased=True))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rank(rank: int, port: int, out: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=2)

    def reduce_sum(tensor: torch.Tensor) -> torch.Tensor:
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        return tensor

    net = small_net()
    shares = [x[rank::2] for x in batches(4, size=4)]  # each rank holds every other image of each batch
    estimate_batchnorm_statistics(net, net, shares, reduce_sum)
    torch.save({k: v for k, v in net.state_dict().items() if "running" in k}, f"{out}/rank{rank}.pt")
    dist.destroy_process_group()


@pytest.mark.slow
def test_two_gloo_processes_estimate_the_statistics_of_the_whole_batches(tmp_path):
    mp.spawn(_rank, args=(_free_port(), str(tmp_path)), nprocs=2, join=True)
    single = small_net()
    estimate_batchnorm_statistics(single, single, batches(4, size=4))
    for rank in range(2):
        got = torch.load(tmp_path / f"rank{rank}.pt")
        torch.testing.assert_close(got["1.running_mean"], single[1].running_mean)
        torch.testing.assert_close(got["1.running_var"], single[1].running_var)


def reestimated_evaluation(config, checkpoint: Path, num_batches: int):
    """Evaluate ``checkpoint`` after a fresh precise-BN pass over ``num_batches`` training batches (a new draw)."""
    model = load_weights(build_segmentor(config), checkpoint)
    datamodule = SegmentationDataModule(config.data, check=False)
    datamodule.setup("fit")
    normalize = Normalizer(config.data.mean, config.data.std)
    torch.manual_seed(123)  # another shuffle and other crops than training's pass drew
    loader = datamodule.train_dataloader()
    draws = itertools.islice(itertools.chain.from_iterable(itertools.repeat(loader, num_batches)), num_batches)
    estimate_batchnorm_statistics(model, lambda batch: model(normalize(batch["image"])), draws)
    return evaluate(config, Predictor.for_model(model, config), progress=False)


def test_a_short_runs_validation_matches_freshly_estimated_statistics(tmp_path):
    config = load_config(
        TOY_CONFIG,
        [
            f"data.root={tmp_path / 'toy'}",
            *TINY_RUN,
            "trainer.max_steps=12",
            "trainer.val_every_n_steps=0",
            "trainer.precise_bn_batches=8",
        ],
    )
    metrics = train(config, work_dir=tmp_path / "run", progress=False)
    fresh = reestimated_evaluation(config, tmp_path / "run" / "checkpoints" / "last.ckpt", num_batches=8)
    assert abs(100 * float(fresh.scores.pixel_accuracy) - metrics["pixel_accuracy"]) < 2.0
    # The checkpoint holds the re-estimated statistics, not the momentum blend (still near their initial 0 and 1
    # after 12 steps at momentum 0.01).
    state = torch.load(tmp_path / "run" / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=False)
    means = [v for k, v in state["state_dict"].items() if k.endswith("running_mean")]
    assert max(float(m.abs().max()) for m in means) > 0.5
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["step"] == 12


def test_layers_without_running_statistics_are_left_alone():
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4, track_running_stats=False))
    assert batchnorm_layers(net) == []
    assert estimate_batchnorm_statistics(net, net, batches(2)) == 0
