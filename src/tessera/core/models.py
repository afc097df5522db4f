from __future__ import annotations

from django.db import models


class Counter(models.Model):
    """A named counter, for sequences the database engine has no native object for (SQLite)."""

    name = models.CharField(max_length=64, primary_key=True)
    value = models.BigIntegerField(default=0)
