"""Benchmarks: interleaved timing, model files and references, output-stride sweeps, decoder comparison,
profiles, the machine's peak, accuracy and agreement columns, loader and batch benchmarks, and their reports.

Import the submodule you need; ``seg.bench.report`` imports nothing heavy (docs/benchmarks.md)."""
