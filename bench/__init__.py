"""Benchmarks, the load test and their data seeding (``smlog bench``, ``smlog loadtest``):
never imported by the services or the shared core."""
