"""Reports: ticket volume, key indicators, tags, recurring problems and agents, for a period.

Every number is computed in the database with a fixed handful of aggregate queries, whatever
the number of tickets (see :mod:`tessera.reports.queries`), and is scoped to the departments
the actor belongs to. The desk page (``/desk/reports/``) and the API
(``GET /api/v1/reports/summary``) show the same :class:`~tessera.reports.queries.Summary`.
"""
