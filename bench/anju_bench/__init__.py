"""Benchmarks run by `anju bench ...`."""
