"""Placeholder until the dynamics engine lands (issue 3); replaced by the real driver."""

__all__ = ["simulate"]


def simulate(network, model, **kwargs):  # pragma: no cover - replaced by issue 3
    raise NotImplementedError("simulate() lands with the dynamics engine (issue 3).")
