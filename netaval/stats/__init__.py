"""Placeholder until power-law and branching statistics land (issue 5)."""

__all__ = []
