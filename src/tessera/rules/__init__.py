"""Triggers and time-based automations: rules as JSON data, evaluated by a pure engine.

``schema`` reads and checks rule documents, ``conditions`` evaluates them against a context of
plain mappings, ``engine`` plans the actions of a cycle, ``templating`` fills note and email
templates; those modules (and ``text``, ``vocabulary``, ``actions``) are pure. The database side
lives beside them: ``models`` (rules, runs, automation windows, macros, webhook log), ``runner``
(builds the context from a ticket and applies the planned actions through the ticket actions),
``store`` (saving, ordering, import/export), ``webhooks``, ``defaults`` and ``tasks``.
"""
