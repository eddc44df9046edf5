"""Training and evaluation: Lightning modules, the mIoU metric, inference modes, the official Cityscapes evaluator.

Kept import-free on purpose: import the submodule you need (``seg.engine.metrics``, ``seg.engine.inference``,
``seg.engine.cityscapes_eval``) so that loading one does not pull in Lightning or cityscapesscripts.
"""
