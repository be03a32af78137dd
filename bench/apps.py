from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmarks and their scale data (``seed_scale``): a development-only app, installed
    with DEBUG, under pytest and by ``python -m bench`` (settings.BENCH), never in production."""

    name = "bench"
    verbose_name = "Benchmarks"
