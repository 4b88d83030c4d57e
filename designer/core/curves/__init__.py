"""Stepping real torch schedulers: the engine, the curve worker process, its caches, the simulated metric, curve summaries."""
