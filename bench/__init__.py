"""Benchmarks: run by hand (``python -m bench.kb_speed``), not part of the unit tests."""
