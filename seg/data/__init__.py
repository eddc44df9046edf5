"""Data: reading the published datasets (Cityscapes, ADE20K, Pascal VOC, CamVid) and the folder format, the user's
own images, transforms, the decoded cache, the dataset checks and the one renderer.

Import the submodule you need (``seg.data.datasets``, ``seg.data.images``, ``seg.data.render``): a tool that only
needs ``seg.data.render``'s legend placements while parsing its arguments must not pay for torch or albumentations.
The class catalogs are ``seg.classes``; the Lightning DataModule is ``seg.train.datamodule``.
"""
