"""Inline SplitMix64 generator shared by the dynamics kernels.

The dynamics kernels draw several random numbers per firing; numba's built-in
``Generator`` methods cost about 6 ns a draw, SplitMix64 about 1 ns. The stream is seeded
once per run with one 64-bit draw from the user's `numpy.random.Generator`
(`seed_from_generator`), so a run is reproducible from the user's seed and does not depend
on how the driver splits it into chunks. SplitMix64 (Steele, Lea & Flood 2014) has period
2**64 and passes BigCrush; `tests/reference.py` re-implements it in pure Python.
"""

import numpy as np
from numba import njit

__all__ = ["GAMMA", "seed_from_generator", "next_u64", "uniform_open", "bounded"]

GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_S32 = np.uint64(32)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53
_BELOW_ONE = 1.0 - _INV53  # the largest float64 below 1


def seed_from_generator(generator: np.random.Generator) -> np.ndarray:
    """One uint64 draw from ``generator``, as the 1-element state array the kernels advance."""
    return np.array([generator.integers(0, 2**64, dtype=np.uint64)], dtype=np.uint64)


@njit(cache=True, inline="always")
def next_u64(state):
    """Advance SplitMix64 ``state`` (uint64); return (new_state, 64 random bits). Jitted."""
    state = state + GAMMA
    z = state
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return state, z ^ (z >> _S31)


@njit(cache=True, inline="always")
def uniform_open(z):
    """Map 64 random bits to a float64 in the open interval (0, 1). Jitted.

    ``(k + 0.5) / 2**53`` for the top 53 bits ``k``: the midpoints of 2**53 equal cells.
    The top cell's midpoint, ``1 - 2**-54``, is not a float64 and would round to 1.0, so
    it is clamped to the largest float below 1 (the only draw the clamp changes).
    """
    return min((np.float64(z >> _S11) + 0.5) * _INV53, _BELOW_ONE)


@njit(cache=True, inline="always")
def bounded(z, n):
    """Map 64 random bits to an int in [0, n) for 0 < n < 2**32 (Lemire's multiply-shift)."""
    return np.int64(((z >> _S32) * np.uint64(n)) >> _S32)
