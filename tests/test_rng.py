"""The inline SplitMix64 generator's uniform map stays inside the open interval (0, 1)."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from numba import njit
from reference import SplitMix64

from netaval._kernels.rng import uniform_open

_TOP = 2**64 - 1


@njit
def _uniform(z):
    return uniform_open(z)


def test_the_extreme_bit_patterns_map_inside_the_open_interval():
    """The largest 53-bit draw once gave exactly 1.0 (``(2**53 - 1) + 0.5`` rounds up):
    it is now the largest float below 1; the smallest is 2**-54, above 0."""
    assert _uniform(np.uint64(_TOP)) == np.nextafter(1.0, 0.0)
    assert _uniform(np.uint64(0)) == 2.0**-54
    # the cell just below the top keeps its own value (only the top draw is clamped)
    assert _uniform(np.uint64(_TOP - 2**11)) == (2**53 - 2 + 0.5) * 2.0**-53


@given(st.integers(0, _TOP))
def test_every_draw_lies_in_the_open_interval_and_matches_the_reference(bits):
    u = _uniform(np.uint64(bits))
    assert 0.0 < u < 1.0
    reference = SplitMix64(0)
    reference.bits = lambda: bits
    assert u == reference.uniform_open()
