"""Placeholder until saved runs and GraphML land (issue 4)."""

__all__ = ["load", "save_run", "write_graphml"]


def load(path):  # pragma: no cover - replaced by issue 4
    raise NotImplementedError


def save_run(run, path):  # pragma: no cover - replaced by issue 4
    raise NotImplementedError


def write_graphml(obj, path):  # pragma: no cover - replaced by issue 4
    raise NotImplementedError
