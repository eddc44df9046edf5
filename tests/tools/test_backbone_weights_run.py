"""A run initialised from an ImageNet file needs that file only to start: every later tool reads the checkpoint.

The scenario: train a few steps with ``model.backbone_weights`` pointing at a torchvision state dict,
delete that file, then export, test, infer and run the video demo with the run's own saved config.
"""

import cv2
import numpy as np
import pytest
import torch
import torchvision

from seg.config import load_config
from seg.synthetic.toy_cityscapes import make_toy_cityscapes
from seg.train.module import SegmentationModule
from tools.conftest import TINY, TOY_CONFIG, load_tool, run


@pytest.mark.slow
def test_tools_run_from_the_checkpoint_after_the_imagenet_file_is_gone(tmp_path, monkeypatch, capsys):
    imagenet = tmp_path / "mobilenet_v3_small_imagenet.pth"
    torch.save(torchvision.models.mobilenet_v3_small(weights=None).state_dict(), imagenet)
    toy = make_toy_cityscapes(tmp_path / "toy", train=4, val=2, seed=0, image_size=(64, 128))
    work_dir = tmp_path / "run"
    settings = [f"data.root={toy}", *TINY, "model.width_mult=1.0", f"model.backbone_weights={imagenet}"]
    loaded = []
    original = SegmentationModule.load_backbone_weights
    monkeypatch.setattr(SegmentationModule, "load_backbone_weights", lambda self: loaded.append(original(self)))
    assert run("train", TOY_CONFIG, "--work-dir", str(work_dir), "--no-progress", "--set", *settings) == 0
    assert len(loaded) == 1  # the ImageNet file initialised the run, once
    config_file, checkpoint = work_dir / "config.py", work_dir / "checkpoints" / "last.ckpt"
    assert load_config(config_file).model.backbone_weights == str(imagenet)

    imagenet.unlink()
    assert run("export_onnx", str(config_file), str(checkpoint), "--output", str(tmp_path / "m.onnx"),
               "--input-size", "64", "128") == 0  # fmt: skip
    assert run("test", str(config_file), str(checkpoint), "--no-progress") == 0
    image = sorted((toy / "leftImg8bit" / "val").rglob("*.png"))[0]
    assert run("infer", str(config_file), str(checkpoint), str(image), "--output-dir", str(tmp_path / "out")) == 0
    frames = tmp_path / "frames"
    frames.mkdir()
    for index in range(3):
        cv2.imwrite(str(frames / f"{index:03d}.png"), np.full((64, 96, 3), 40 * index, dtype=np.uint8))
    video = tmp_path / "video.avi"
    assert load_tool("video_demo").main([str(config_file), str(checkpoint), str(frames), "--output", str(video)]) == 0
    assert video.is_file()
    assert "does not exist" not in capsys.readouterr().err
