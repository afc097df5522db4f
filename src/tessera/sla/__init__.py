"""SLA: the business calendar (pure), policies and timers."""
