"""Helpers shared by the generator modules: seeding with provenance, cross-parameter checks."""

from __future__ import annotations

from typing import Any

import numpy as np

from netaval._random import as_seed_sequence
from netaval.errors import InvalidParameterError

__all__ = ["seeded", "require"]


def seeded(seed: Any, owner: str) -> tuple[np.random.Generator, int | None]:
    """Return ``(generator, entropy)`` for ``seed``; entropy is None for a Generator.

    The entropy is what `netaval.Network.seed_entropy` records so that a graph built with
    ``seed=None`` can be rebuilt with ``seed=network.seed_entropy``. A `SeedSequence`
    child (non-empty ``spawn_key``) is not reproducible from its entropy alone, so it
    also records None. ``owner`` is the generator's name, for the error message.
    """
    if isinstance(seed, np.random.Generator):
        return seed, None
    sequence = as_seed_sequence(seed, owner=f"topologies.{owner}")
    entropy = sequence.entropy if not sequence.spawn_key else None
    if entropy is not None and not isinstance(entropy, int):
        entropy = None  # entropy given as a sequence of ints
    return np.random.default_rng(sequence), entropy


def require(condition: bool, owner: str, message: str) -> None:
    """Raise `InvalidParameterError` with ``"{owner}: {message}"`` unless ``condition``."""
    if not condition:
        raise InvalidParameterError(f"topologies.{owner}: {message}")
