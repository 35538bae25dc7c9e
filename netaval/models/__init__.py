"""Placeholder until the dynamics engine lands (issue 3)."""

__all__ = ["Branching", "ContactProcess"]


class Branching:  # pragma: no cover - replaced by issue 3
    pass


class ContactProcess:  # pragma: no cover - replaced by issue 3
    pass
