"""Everything synthetic, in one place: the toy Cityscapes scenes and data set, the street video made
from them, and random-weight models whose BatchNorm statistics are settled so they compute like
trained ones. Tests, the toy main job, the video demo's numbers and the benchmarks all come from here.

``compose`` / ``scene`` / ``background`` / ``objects`` / ``paint``: compose and paint a street scene
(labelled polygons);
``toy_cityscapes``: write a toy data set in the exact Cityscapes layout; ``video``: frames of a moving
street; ``weights``: ``settle_batchnorm`` for random-weight models.
"""
