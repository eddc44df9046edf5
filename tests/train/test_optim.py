import math

import pytest
import torch
from torch import nn

from seg.config import ConfigError, OptimConfig, load_config
from seg.models import build_model
from seg.train.optim import build_optimizer, param_groups, poly_factor, poly_scheduler


def test_no_weight_decay_on_batchnorm_and_bias(repo):
    model = build_model(load_config(repo / "configs" / "lraspp_small_cityscapes.py").model)
    decay, no_decay = param_groups(model, weight_decay=4e-5)
    assert decay["weight_decay"] == 4e-5 and no_decay["weight_decay"] == 0.0
    names = {id(p): n for n, p in model.named_parameters()}
    decayed = {names[id(p)] for p in decay["params"]}
    undecayed = {names[id(p)] for p in no_decay["params"]}
    assert decayed.isdisjoint(undecayed) and decayed | undecayed == set(names.values())
    bn_params = {
        f"{module_name}.{param_name}"
        for module_name, module in model.named_modules()
        if isinstance(module, nn.BatchNorm2d)
        for param_name, _ in module.named_parameters(recurse=False)
    }
    assert bn_params and bn_params <= undecayed
    assert all(name.endswith(".bias") or name in bn_params for name in undecayed)
    assert all(model.get_parameter(name).ndim == 4 for name in decayed)  # only conv kernels decay


def test_poly_schedule_values():
    # DeepLab's poly rule: lr = base * (1 - step / max_steps) ** 0.9.
    assert poly_factor(0, 100, 0.9) == 1.0
    assert math.isclose(poly_factor(50, 100, 0.9), 0.5**0.9)
    assert poly_factor(100, 100, 0.9) == 0.0
    assert poly_factor(150, 100, 0.9) == 0.0
    # Linear warmup multiplies the poly value: start factor at step 0, joins the poly curve at warmup end.
    assert math.isclose(poly_factor(0, 100, 0.9, warmup_steps=10, warmup_start_factor=0.1), 0.1)
    assert math.isclose(poly_factor(5, 100, 0.9, 10, 0.1), (0.1 + 0.9 * 0.5) * 0.95**0.9)
    assert math.isclose(poly_factor(10, 100, 0.9, 10, 0.1), 0.9**0.9)


def test_scheduler_steps_every_iteration_and_ignores_stored_shape_on_resume():
    param = nn.Parameter(torch.zeros(1))
    optim = OptimConfig(lr=0.01, poly_power=0.9)
    optimizer = build_optimizer([{"params": [param]}], optim)
    scheduler = poly_scheduler(optimizer, optim, max_steps=10)
    lrs = []
    for _ in range(10):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert [round(lr, 10) for lr in lrs] == [round(0.01 * (1 - s / 10) ** 0.9, 10) for s in range(10)]
    # A resumed run with a longer schedule follows the new max_steps from the restored position.
    state = scheduler.state_dict()
    longer = poly_scheduler(build_optimizer([{"params": [param]}], optim), optim, max_steps=20)
    longer.load_state_dict(state)
    assert longer.last_epoch == 10
    assert math.isclose(longer.lr_lambdas[0](longer.last_epoch), 0.5**0.9)


def test_adamw_and_bad_settings():
    param = nn.Parameter(torch.zeros(1))
    assert isinstance(
        build_optimizer([{"params": [param]}], OptimConfig(optimizer="adamw", lr=1e-3)), torch.optim.AdamW
    )
    with pytest.raises(ConfigError, match="optim.optimizer='adam' is not supported"):
        build_optimizer([{"params": [param]}], OptimConfig(optimizer="adam"))
    optimizer = build_optimizer([{"params": [param]}], OptimConfig())
    with pytest.raises(ConfigError, match="optim.warmup_steps=10 must be in"):
        poly_scheduler(optimizer, OptimConfig(warmup_steps=10), max_steps=10)
