"""Constants shared by several test modules (conftest.py is not importable under --import-mode=importlib)."""

# A toy run that trains in seconds: 4 tiny images, 64x64 crops, a narrowed LR-ASPP Small, 4 steps.
# Shared by the training tests (tests/engine/test_train.py) and the tool tests (tests/tools/).
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
