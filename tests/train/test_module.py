import pytest
import torch

from seg.config import config_to_dict, load_config
from seg.train.losses import NonFiniteLossError
from seg.train.module import SegmentationModule


@pytest.fixture
def config(repo):
    return load_config(
        repo / "configs" / "lraspp_small_toy.py",
        ["model.width_mult=0.5", "model.head_channels=32", "trainer.channels_last=true"],
    )


def test_module_keeps_segmentor_as_model_and_config_as_hyperparameters(config):
    module = SegmentationModule(config)
    assert module.hparams["config"] == config_to_dict(config)
    assert all(key.startswith(("model.", "criterion.", "val_metric.")) for key in module.state_dict())
    # Lightning rebuilds the module from the stored dict (load_from_checkpoint passes it back).
    assert SegmentationModule(config_to_dict(config)).config == config


def test_training_step_loss_and_channels_last(config):
    module = SegmentationModule(config)
    batch = {"image": torch.randn(2, 3, 32, 48), "label": torch.randint(0, 19, (2, 32, 48))}
    batch["label"][0, :4] = 255
    loss = module.compute_loss(batch["image"], batch["label"])
    assert loss.ndim == 0 and torch.isfinite(loss) and loss.requires_grad
    first_conv = next(m for m in module.model.modules() if isinstance(m, torch.nn.Conv2d) and m.kernel_size == (3, 3))
    assert first_conv.weight.is_contiguous(memory_format=torch.channels_last)


def test_non_finite_loss_message_names_step_and_remedies(config):
    module = SegmentationModule(config)
    module._stop_if_not_finite(torch.tensor(1.5))  # finite: no error
    with pytest.raises(NonFiniteLossError) as error:
        module._stop_if_not_finite(torch.tensor(float("inf")))
    message = str(error.value)
    assert "loss is inf at step 0 of" in message
    assert "best.ckpt was left as it was" in message and "--set optim.lr=0.005" in message
