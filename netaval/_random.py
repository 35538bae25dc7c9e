"""Seed handling shared by every public entry point (see README, section Randomness)."""

from __future__ import annotations

import numbers

import numpy as np

from netaval.errors import InvalidParameterError

__all__ = ["SeedLike", "as_generator", "as_seed_sequence"]

SeedLike = None | int | np.integer | np.random.Generator | np.random.SeedSequence


def as_seed_sequence(seed: SeedLike, *, owner: str,
                     name: str = "seed") -> np.random.SeedSequence:
    """Turn ``None``, a non-negative int or a `SeedSequence` into a `SeedSequence`.

    ``None`` draws fresh entropy from the operating system; the returned sequence records
    it (``.entropy``), so a run started with ``seed=None`` can still be repeated.

    Parameters
    ----------
    seed : None, int or numpy.random.SeedSequence
        The seed (a Generator is refused here: it has no recoverable entropy).
    owner : str
        The public function the seed was given to, named in the error message.
    name : str, default "seed"
        Parameter name used in the error message.

    Returns
    -------
    numpy.random.SeedSequence

    Examples
    --------
    >>> from netaval._random import as_seed_sequence
    >>> as_seed_sequence(7, owner="f").entropy
    7
    >>> as_seed_sequence(-1, owner="f")
    Traceback (most recent call last):
    ...
    netaval.errors.InvalidParameterError: The 'seed' parameter of f must be a non-negative int. Got -1 instead.
    """
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise InvalidParameterError(
            f"The '{name}' parameter of {owner} must be None, a non-negative int, a numpy "
            f"SeedSequence or a numpy Generator. Got {seed!r} instead."
        )
    if seed < 0:
        raise InvalidParameterError(
            f"The '{name}' parameter of {owner} must be a non-negative int. Got {seed!r} "
            "instead."
        )
    return np.random.SeedSequence(int(seed))


def as_generator(seed: SeedLike, *, owner: str, name: str = "seed") -> np.random.Generator:
    """Return a `numpy.random.Generator` for ``seed`` (None, int, SeedSequence or Generator).

    A Generator is returned as is (its stream is shared with the caller). ``bool``,
    floats, negative ints and legacy ``RandomState`` objects are refused, because
    ``numpy.random.default_rng`` would silently accept some of them.

    Parameters
    ----------
    seed : None, int, numpy.random.SeedSequence or numpy.random.Generator
        See the README's Randomness section.
    owner : str
        The public function the seed was given to, named in the error message.
    name : str, default "seed"
        Parameter name used in the error message.

    Returns
    -------
    numpy.random.Generator

    Examples
    --------
    >>> from netaval._random import as_generator
    >>> rng = as_generator(42, owner="f")
    >>> bool(rng.integers(10) == as_generator(42, owner="f").integers(10))
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(as_seed_sequence(seed, owner=owner, name=name))
