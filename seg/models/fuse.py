"""Fold inference BatchNorm into the preceding convolution.

In eval mode BatchNorm is a per-channel affine map, so ``bn(conv(x))`` equals one convolution with
rescaled weights and a bias; folding removes a full memory pass per layer from eager inference.
Every Conv2d -> BatchNorm2d pair in this project sits next to each other inside an ``nn.Sequential``
(torchvision's ``Conv2dNormActivation``, our heads, segmentation-models-pytorch's ASPP), so the pairs
are found from the module tree; the arithmetic is PyTorch's ``fuse_conv_bn_eval``.
"""

from __future__ import annotations

import copy

from torch import nn
from torch.nn.utils import fuse_conv_bn_eval


def fold_batchnorm(model: nn.Module, inplace: bool = False) -> nn.Module:
    """Return ``model`` (a copy unless ``inplace``) in eval mode with every Conv2d -> BatchNorm2d pair folded.

    The folded BatchNorm becomes ``nn.Identity``. Raises ``ValueError`` naming the module when a
    BatchNorm2d is left unfolded (one that does not directly follow a convolution), so a new block
    layout cannot silently keep its BatchNorms.
    """
    if not inplace:
        model = copy.deepcopy(model)
    model.eval()
    for parent in model.modules():
        if not isinstance(parent, nn.Sequential):
            continue
        names = list(parent._modules)
        for first, second in zip(names, names[1:], strict=False):
            conv, norm = parent._modules[first], parent._modules[second]
            if isinstance(conv, nn.Conv2d) and isinstance(norm, nn.BatchNorm2d):
                parent._modules[first] = fuse_conv_bn_eval(conv, norm)
                parent._modules[second] = nn.Identity()
    left = [name for name, module in model.named_modules() if isinstance(module, nn.BatchNorm2d)]
    if left:
        raise ValueError(f"fold_batchnorm: BatchNorm2d layers {left} do not follow a Conv2d in an nn.Sequential.")
    return model


def export_copy(model: nn.Module, fold_bn: bool = True) -> nn.Module:
    """The eval-mode copy every exporter traces: BatchNorm folded (``fold_batchnorm``) unless ``fold_bn`` is False;
    the caller's model is left as it is."""
    return fold_batchnorm(model) if fold_bn else copy.deepcopy(model).eval()
