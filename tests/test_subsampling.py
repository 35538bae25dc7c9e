"""The experimentalist's subsampling, tested as a distribution and against the geometry.

Random neurons: over many seeds every neuron is recorded equally often (chi-square with the
covariance of sampling without replacement), pairs of neighbours are not favoured, and two
seeds give different subsets. Electrodes: the recorded events equal a brute-force count of
the neurons within ``radius`` of each electrode, on a lattice (radii between and across its
distance shells, electrodes on and off the lattice points) and on random positions.
"""

import math
import warnings

import numpy as np
import pytest
from scipy import stats as sps

import topologies
from netaval import binning
from netaval.errors import NetavalWarning
from tests.stats import assert_mean_within_z

N_POP, N_SAMPLED, N_SEEDS = 50, 10, 2000


@pytest.fixture(scope="module")
def inclusions():
    """Indicator matrix (N_SEEDS, N_POP): neuron i recorded with seed s (one spike per neuron)."""
    times = np.arange(N_POP)
    chosen = np.zeros((N_SEEDS, N_POP), bool)
    for s in range(N_SEEDS):
        rec = binning.sample_neurons(times, neurons=np.arange(N_POP), n_sampled=N_SAMPLED,
                                     seed=s)
        assert rec.n_events == N_SAMPLED and rec.n_units == N_POP
        chosen[s, rec.unit] = True
    return chosen


def test_inclusion_frequencies_are_uniform(inclusions):
    """Chi-square of per-neuron inclusion counts against n/N, false-alarm rate 1e-3.

    One draw of n of N without replacement has Var(I_i) = p (1 - p) and Cov(I_i, I_j) =
    -p (1 - p) / (N - 1), p = n / N, so sum_i (O_i - S p)^2 / (S p (1 - p) N / (N - 1)) is
    chi-square with N - 1 degrees of freedom over S independent seeds.
    """
    p = N_SAMPLED / N_POP
    counts = inclusions.sum(axis=0)
    scale = N_SEEDS * p * (1 - p) * N_POP / (N_POP - 1)
    statistic = float(((counts - N_SEEDS * p) ** 2).sum() / scale)
    p_value = sps.chi2.sf(statistic, N_POP - 1)
    assert p_value > 1e-3, f"inclusion counts not uniform: chi2 = {statistic:.1f}, p = {p_value:.2g}"


def test_neighbours_are_not_recorded_together_more_often(inclusions):
    """Adjacent ids (i, i + 1) are both recorded n (n - 1) / N times per seed on average.

    A contiguous block at a random offset has uniform marginals but fails this (z = 4).
    """
    both = (inclusions[:, :-1] & inclusions[:, 1:]).sum(axis=1)
    expected = (N_POP - 1) * N_SAMPLED * (N_SAMPLED - 1) / (N_POP * (N_POP - 1))
    assert_mean_within_z(both, expected, z=4.0, what="adjacent pairs recorded together")


def test_different_seeds_record_different_subsets(inclusions):
    """2000 seeds give 2000 distinct subsets (a repeat has probability ~2e-4 in total)."""
    assert math.comb(N_POP, N_SAMPLED) > 1e10
    assert len({row.tobytes() for row in inclusions}) == N_SEEDS


def _brute_force(times, neurons, positions, electrodes, radius):
    """(time, electrode) of every recorded event, sorted, from all pairwise distances."""
    distance = np.sqrt(((positions[:, None, :] - electrodes[None, :, :]) ** 2).sum(axis=-1))
    pairs = [(t, e) for t, i in zip(times.tolist(), neurons.tolist(), strict=True)
             for e in np.flatnonzero(distance[i] <= radius).tolist()]
    return sorted(pairs)


def _recorded(rec):
    return sorted(zip(rec.time.tolist(), rec.unit.tolist(), strict=True))


def _spikes(n_neurons, seed):
    rng = np.random.default_rng(seed)
    neurons = rng.integers(0, n_neurons, 400)
    times = np.sort(rng.integers(0, 200, 400))
    return times, neurons


LATTICE = topologies.lattice(100, dim=2, radius=1, periodic=False)  # 10 x 10, spacing 1


@pytest.mark.parametrize("radius", [0.5, 1.2, 1.5, 2.1, 2.9, 4.3],
                         ids=lambda r: f"r={r}")
@pytest.mark.parametrize("placement", ["on-lattice", "grid-centres"])
def test_electrodes_on_a_lattice_match_brute_force(radius, placement):
    """Lattice distances are 1, sqrt 2, 2, sqrt 5, ...: each radius lies between two shells."""
    positions = LATTICE.positions
    if placement == "on-lattice":
        electrodes = positions[[0, 22, 45, 77, 99]]
    else:
        electrodes = binning.electrode_grid(LATTICE, n_per_side=3)
    times, neurons = _spikes(100, 1)
    expected = _brute_force(times, neurons, positions, electrodes, radius)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rec = binning.record_electrodes(times, LATTICE, neurons=neurons, electrodes=electrodes,
                                        radius=radius)
    # grid centres sit sqrt(1/2) from the nearest lattice point: r = 0.5 sees nothing, and says so
    assert [issubclass(w.category, NetavalWarning) for w in caught] == ([] if expected else [True])
    assert _recorded(rec) == expected and rec.n_units == len(electrodes)
    if placement == "on-lattice":  # one spike per neuron: events per electrode = points in disc
        rec = binning.record_electrodes(np.arange(100), LATTICE, neurons=np.arange(100),
                                        electrodes=electrodes, radius=radius)
        offsets = np.arange(-9, 10)
        for e, (x, y) in enumerate(electrodes.astype(int).tolist()):
            inside = [(x + dx, y + dy) for dx in offsets.tolist() for dy in offsets.tolist()
                      if dx * dx + dy * dy <= radius * radius
                      and 0 <= x + dx < 10 and 0 <= y + dy < 10]
            assert np.sum(rec.unit == e) == len(inside), (e, radius)


@pytest.mark.parametrize("dim", [1, 2, 3])
@pytest.mark.parametrize("radius", [0.05, 0.2, 0.6], ids=lambda r: f"r={r}")
def test_electrodes_on_random_positions_match_brute_force(dim, radius):
    """Uniform random positions in the unit cube; electrodes on a 3-per-side grid."""
    rng = np.random.default_rng(dim)
    positions = rng.random((300, dim))
    electrodes = binning.electrode_grid(positions, n_per_side=3)
    times, neurons = _spikes(300, 2)
    rec = binning.record_electrodes(times, positions, neurons=neurons, electrodes=electrodes,
                                    radius=radius)
    assert _recorded(rec) == _brute_force(times, neurons, positions, electrodes, radius)
