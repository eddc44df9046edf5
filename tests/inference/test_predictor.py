"""One inference path: the same preprocessing and results on PyTorch and ONNX Runtime."""

import dataclasses
import shutil

import numpy as np
import pytest
import torch

from seg.classes import CITYSCAPES, ClassSet, bit_palette
from seg.config import ConfigError, load_config
from seg.data.images import read_image
from seg.errors import UserError
from seg.export.metadata import write_metadata
from seg.inference.card import ModelCard, read_card
from seg.inference.metrics import agreement
from seg.runtimes.factory import load_predictor


@pytest.fixture(scope="module")
def toy_images(small_export):
    paths = sorted((small_export.toy_root / "leftImg8bit" / "val").rglob("*.png"))
    return np.stack([read_image(p) for p in paths[:2]])  # [2, 64, 96, 3] uint8


@pytest.mark.slow
def test_torch_and_onnxruntime_agree(small_export, toy_images):
    torch_predictor = load_predictor(read_card(small_export.weights, small_export.config), threads=1)
    onnx_predictor = load_predictor(read_card(small_export.onnx, small_export.config), threads=1)
    assert onnx_predictor.backend == "onnxruntime" and torch_predictor.backend == "torch-channels-last"
    for predictor in (torch_predictor, onnx_predictor):
        assert predictor.input_size is None  # the dynamic export runs at each image's size
    np.testing.assert_allclose(
        onnx_predictor.predict_proba(toy_images), torch_predictor.predict_proba(toy_images), atol=1e-4
    )
    labels_torch, labels_onnx = torch_predictor.predict(toy_images), onnx_predictor.predict(toy_images)
    assert labels_torch.dtype == np.uint8 and labels_torch.shape == (2, 64, 96)
    assert agreement([(labels_torch, labels_onnx)]) >= 0.999


@pytest.mark.slow
def test_fixed_input_size_resizes_in_and_out(small_export, toy_images):
    predictor = load_predictor(read_card(small_export.onnx, small_export.config), input_size=(75, 111), threads=1)
    batch = predictor.preprocess(toy_images)
    assert batch.shape == (2, 3, 75, 111) and batch.dtype == torch.float32
    logits = predictor.infer(batch)
    assert logits.shape == (2, small_export.config.model.num_classes, 75, 111)
    single = predictor.predict(toy_images[0])
    assert single.shape == (64, 96)  # back at the image's own size
    proba = predictor.predict_proba(toy_images[0])
    assert proba.shape == (small_export.config.model.num_classes, 64, 96)
    np.testing.assert_allclose(proba.sum(0), 1.0, atol=1e-5)
    np.testing.assert_array_equal(proba.argmax(0), single)


@pytest.fixture(scope="module")
def small_model_config(small_config):
    """The small model's config, for predictors on random weights (no training, no export)."""
    return load_config(*small_config)


def test_preprocess_normalises_with_the_config_statistics(small_model_config):
    predictor = load_predictor(read_card(None, small_model_config))
    image = np.full((4, 6, 3), (255, 0, 128), dtype=np.uint8)
    mean, std = np.array(small_model_config.data.mean), np.array(small_model_config.data.std)
    expected = ((np.array([255, 0, 128]) / 255.0 - mean) / std).reshape(1, 3, 1, 1)
    np.testing.assert_allclose(predictor.preprocess(image), np.broadcast_to(expected, (1, 3, 4, 6)), rtol=1e-5)


def test_float_images_and_unknown_or_mismatched_backends_are_refused_with_the_fix(small_model_config):
    predictor = load_predictor(read_card(None, small_model_config))
    with pytest.raises(ValueError, match=r"uint8 RGB images \[N, H, W, 3\]"):
        predictor.predict(np.zeros((8, 8, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="backend='onnxruntime' needs weights=PATH.onnx"):
        load_predictor(read_card(None, small_model_config), backend="onnxruntime")
    with pytest.raises(ValueError, match="Unknown backend 'tensorrt'"):
        load_predictor(read_card(None, small_model_config), backend="tensorrt")


@pytest.mark.slow
def test_an_export_alone_labels_with_its_classes(small_export, toy_images, tmp_path):
    """The export carries class names, colours and input statistics: no config needed, INT8 included."""
    with_config = load_predictor(read_card(small_export.onnx, small_export.config), threads=1)
    for path in (small_export.onnx, small_export.int8):
        alone = load_predictor(read_card(path), threads=1)
        assert alone.classes == CITYSCAPES and alone.num_classes == 19
        np.testing.assert_allclose(alone.normalize.offset, with_config.normalize.offset)
    np.testing.assert_array_equal(
        load_predictor(read_card(small_export.onnx), threads=1).predict(toy_images), with_config.predict(toy_images)
    )
    # A model of other classes (as a folder-format run would export it) says so, and a config of the wrong dataset is refused.
    names = tuple(f"class {i}" for i in range(19))
    other = tmp_path / "other.onnx"
    shutil.copy(small_export.onnx, other)
    card = ModelCard.from_config(small_export.config)
    write_metadata(other, dataclasses.replace(card, classes=ClassSet(names, bit_palette(19))).metadata())
    assert load_predictor(read_card(other)).classes.names == names
    with pytest.raises(ConfigError, match="was exported for the classes"):
        load_predictor(read_card(other, small_export.config))
    with pytest.raises(UserError, match="cannot rebuild its model on its own"):
        load_predictor(read_card(small_export.weights))


@pytest.mark.slow
def test_fast_label_maps_equal_the_exact_path(small_export, toy_images):
    """infer and the video demo's label maps (stride-8 logits, seg.inference.labelmap) against tools/test.py's path."""
    exact = load_predictor(read_card(small_export.weights, small_export.config), threads=1)
    fast = load_predictor(read_card(small_export.weights, small_export.config), threads=1, fast_labels=True)
    logits = fast.infer(fast.preprocess(toy_images))
    assert logits.shape[-2:] == (8, 12)  # the decoder's stride 8 of 64x96: no full-resolution logits
    got, expected = fast.predict(toy_images), exact.predict(toy_images)
    assert agreement([(got, expected)]) >= 0.999
    np.testing.assert_array_equal(fast.postprocess(logits, (64, 96)), got)
