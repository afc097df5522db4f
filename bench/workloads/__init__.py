"""One module per kind of workload; each returns plain dicts that run.py aggregates."""
