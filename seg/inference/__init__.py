"""Inference without Lightning: the model card (``card``), the ``Predictor`` (``predictor``), evaluation modes
(``modes``), the one resize and label rule (``resize``), fast label maps (``labelmap``), metrics, evaluation and
the official Cityscapes evaluator (docs/evaluation.md, docs/architecture.md)."""
