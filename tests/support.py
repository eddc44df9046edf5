"""Constants and tiny models shared by several test modules (conftest.py is not importable under --import-mode=importlib)."""

# A toy run that trains in seconds: 4 tiny images, 64x64 crops, a narrowed LR-ASPP Small, 4 steps.
# Shared by the training tests (tests/train/test_fit.py) and the tool tests (tests/tools/).
TINY_RUN = (
    "data.toy_train=4",
    "data.toy_val=2",
    "data.toy_image_size=(64,128)",
    "data.augment.crop_size=(64,64)",
    "data.batch_size=2",
    "data.val_batch_size=2",
    "data.num_workers=0",
    "model.width_mult=0.5",
    "model.head_channels=32",
    "optim.warmup_steps=0",
    "trainer.max_steps=4",
    "trainer.val_every_n_steps=2",
    "trainer.accelerator=cpu",
)


def tiny_encoder():
    """Two Conv-BN-h-swish stages: ``low`` at stride 2, ``high`` at stride 4 (a 224x256 input gives a 56x64 ``high``
    map, larger than the paper pool's 49x49 window): every decoder runs on it in milliseconds."""
    from torch import nn

    class TinyEncoder(nn.Module):
        low_channels, high_channels = 8, 16

        def __init__(self) -> None:
            super().__init__()
            self.low = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8), nn.Hardswish())
            self.high = nn.Sequential(nn.Conv2d(8, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.Hardswish())

        def forward(self, images):
            low = self.low(images)
            return {"low": low, "high": self.high(low)}

    return TinyEncoder()


def tiny_segmentor(classes: int = 5, size: tuple[int, int] = (64, 96)):
    """The tiny encoder under the real LR-ASPP head (global pool), BatchNorm statistics settled."""
    import torch

    from seg.config import ModelConfig
    from seg.models import HEADS
    from seg.models.segmentor import Segmentor
    from seg.synthetic.weights import settle_batchnorm

    config = ModelConfig(head="lraspp", pool="global", num_classes=classes, head_channels=16, output_stride=16)
    torch.manual_seed(0)
    return settle_batchnorm(Segmentor(tiny_encoder(), HEADS.get("lraspp")(config, 8, 16), classes), input_size=size)


def ramp_images(count: int, seed: int, size: tuple[int, int] = (64, 96)) -> list:
    """float32 [1, 3, H, W] images with structure (a ramp plus noise), so logits vary over the image like a real
    scene's: calibration and agreement inputs for the mobile runtimes' tests."""
    import numpy as np

    rng = np.random.default_rng(seed)
    ramp = np.linspace(-2.0, 2.0, size[1], dtype=np.float32)
    return [(ramp + 0.5 * rng.standard_normal((1, 3, *size))).astype(np.float32) for _ in range(count)]
