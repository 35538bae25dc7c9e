"""Placeholder until time-binned avalanches land (issue 5)."""

__all__ = []
