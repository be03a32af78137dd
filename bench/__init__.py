"""Benchmarks at the size of a large company (``make bench``; not a test). See __main__.

A development-only Django app (``bench.apps.BenchConfig``: the ``seed_scale`` command and the
scale data in ``bench.scale``), installed by the settings with DEBUG, under pytest or with
``ADMIN_CENTER_BENCH=1``; nothing in the product imports it."""
