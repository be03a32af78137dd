"""Scale data for the benchmarks (``seed_scale``); the next commit splits loading.py."""
