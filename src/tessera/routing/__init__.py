"""Automatic distribution of tickets to agents: pure strategies here, database glue elsewhere."""
