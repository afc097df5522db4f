"""Tessera: a multi-channel customer-support ticket system."""

__version__ = "0.1.0"
