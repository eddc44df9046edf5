"""The benchmark's model files: a random network is the same network on every run."""

import torch

from seg.bench.models import model_files
from seg.config import load_config


def test_random_weights_are_the_same_on_every_run(repo, tmp_path):
    config = load_config(repo / "configs" / "lraspp_small_cityscapes.py", ["model.width_mult=0.35"])
    torch.manual_seed(123)  # the caller's RNG state neither decides the weights nor is consumed
    first = model_files(config, tmp_path, [], [], (64, 128))["weights"].state_dict
    after = torch.rand(1)
    torch.manual_seed(123)
    second = model_files(config, tmp_path, [], [], (64, 128))["weights"].state_dict
    assert torch.equal(torch.rand(1), after)
    assert first.keys() == second.keys()
    assert all(torch.equal(first[key], second[key]) for key in first)
