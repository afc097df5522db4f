from __future__ import annotations

from django.db import models

from tessera.accounts.models import User


class SavedView(models.Model):
    """A named ticket-list filter: personal, or shared with every agent when an admin says so."""

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(max_length=100)
    # The list page's query string, without the cursor: the view is a link, not a query language.
    query = models.CharField(max_length=2000)
    shared = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name
