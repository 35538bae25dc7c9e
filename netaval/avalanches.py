"""Placeholder until causal avalanches land (issue 4)."""

__all__ = ["Avalanches"]


class Avalanches:  # pragma: no cover - replaced by issue 4
    pass
