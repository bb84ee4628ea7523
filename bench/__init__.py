"""Benchmarks for layerlint: edit-to-diagnostics latency against other Python language servers.

Run from the repository root as modules (`python -m bench.latency`, `python -m
bench.generate_models`); the benchmark scripts are not part of the installed package.
"""
