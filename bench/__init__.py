"""Benchmarks (`make bench`): timings written to docs/benchmarks.md."""
