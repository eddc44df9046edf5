"""Training with Lightning: the module, the data module, losses, the optimiser and schedule, checkpoints, precise
BatchNorm statistics, interruption, thread settings and ``fit`` (docs/training.md). The only room that imports
Lightning."""
