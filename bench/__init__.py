"""Benchmarks at the size of a large company (``make bench``; not a test). See __main__."""
