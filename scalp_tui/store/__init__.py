"""Persistence: the journal."""
