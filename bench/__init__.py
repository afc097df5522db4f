"""Tessera's benchmark suite: data generator, workloads, and the django-helpdesk peer side by side.

Run it with ``.venv/bin/python -m bench.run`` (see bench/README.md). Not part of the test suite.
"""
