"""Tests for netaval.binning: hand-counted avalanches, edges, subsampling, threshold runs."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import netaval
from netaval.binning import (
    Recording,
    detect_binned_avalanches,
    detect_threshold_avalanches,
    electrode_grid,
    record_electrodes,
    sample_neurons,
)
from netaval.errors import InvalidParameterError
from tests.stats import assert_within_z


def _reference_runs(bins, n_bins):
    """Pure-numpy avalanches from bin indices: (sizes, durations, start bins)."""
    counts = np.bincount(bins, minlength=n_bins)
    sizes, durations, starts = [], [], []
    k = 0
    while k < n_bins:
        if counts[k] == 0:
            k += 1
            continue
        j = k
        while j < n_bins and counts[j] > 0:
            j += 1
        sizes.append(int(counts[k:j].sum()))
        durations.append(j - k)
        starts.append(k)
        k = j
    return sizes, durations, starts


def test_hand_counted_float_times():
    """Float times, bin 0.5: three runs; edge flags follow the window."""
    t = [0.1, 0.4, 0.6, 1.6, 1.7, 3.0]
    av = detect_binned_avalanches(t, bin_width=0.5, start=0.0, end=4.0)
    assert av.size.tolist() == [3, 2, 1]
    assert av.duration.tolist() == [2, 1, 1]
    assert av.start_bin.tolist() == [0, 3, 6]
    assert np.allclose(av.start_time, [0.0, 1.5, 3.0])
    assert np.allclose(av.duration_time, [1.0, 0.5, 0.5])
    assert av.truncated.tolist() == [True, False, False]
    assert av.n_bins == 8
    assert av.profile.tolist() == [2, 1, 2, 1]
    assert av.profile_of(0).tolist() == [2, 1]
    av = detect_binned_avalanches(t, bin_width=0.5, start=0.0, end=3.5)
    assert av.truncated.tolist() == [True, False, True]


def test_first_bin_not_touched_when_window_starts_earlier():
    """A run starting after an empty first bin is not censored."""
    av = detect_binned_avalanches([2, 3, 7], bin_width=1, start=0, end=10)
    assert av.size.tolist() == [2, 1]
    assert av.truncated.tolist() == [False, False]


def test_default_window_flags_first_and_last():
    """Without a window the first and the last runs are censored."""
    av = detect_binned_avalanches([2, 3, 7, 12], bin_width=1)
    assert av.size.tolist() == [2, 1, 1]
    assert av.truncated.tolist() == [True, False, True]


def test_distinct_units_and_events():
    """Size counts events, n_active_units counts distinct neurons."""
    av = detect_binned_avalanches([0, 0, 1, 1, 5], neurons=[3, 4, 3, 3, 4], bin_width=1,
                                  start=0, end=7)
    assert av.size.tolist() == [4, 1]
    assert av.n_active_units.tolist() == [2, 1]
    assert av.event_avalanche.tolist() == [0, 0, 0, 0, 1]


@pytest.mark.parametrize("times, expected", [([0, 3, 6, 9], 3.0), ([0.0, 1.0, 2.0, 4.0], 4 / 3),
                                             ([0, 0, 0, 1], 1.0)],
                         ids=["int", "float", "int-below-one-step"])
def test_default_bin_width_is_mean_iei(times, expected):
    """Default bin width = mean inter-event interval (integer times: whole steps >= 1)."""
    assert detect_binned_avalanches(times).bin_width == pytest.approx(expected)


def test_unsorted_times_are_sorted():
    """Unsorted input gives the same avalanches as sorted input."""
    a = detect_binned_avalanches([5, 0, 1], neurons=[2, 0, 1], bin_width=1, start=0)
    b = detect_binned_avalanches([0, 1, 5], neurons=[0, 1, 2], bin_width=1, start=0)
    assert a.size.tolist() == b.size.tolist() == [2, 1]


def test_empty_input():
    """No events: no avalanches with an explicit bin width; an error for the default."""
    av = detect_binned_avalanches(np.zeros(0), bin_width=1.0, start=0, end=5)
    assert av.n_avalanches == 0 and av.n_bins == 5
    with pytest.raises(InvalidParameterError, match="bin_width"):
        detect_binned_avalanches(np.zeros(0))


def test_single_event():
    """One event: one avalanche of size 1, censored on both sides without a window."""
    av = detect_binned_avalanches([3.5], bin_width=1.0)
    assert av.size.tolist() == [1] and av.duration.tolist() == [1]
    assert av.truncated.tolist() == [True]
    with pytest.raises(InvalidParameterError, match="bin_width"):
        detect_binned_avalanches([3.5])


@pytest.mark.parametrize("kwargs, match", [
    (dict(times=[0.0, np.nan]), "finite"),
    (dict(times=[0.0, 1.0], bin_width=0.0), "bin_width"),
    (dict(times=[0.0, 1.0], bin_width=-1.0), "bin_width"),
    (dict(times=[0.0, 1.0], bin_width=np.inf), "bin_width"),
    (dict(times=[0.0, 1.0], bin_width=1.0, end=1.0), "end"),
    (dict(times=[0.0, 1.0], bin_width=1.0, start=0.5), "start"),
    (dict(times=[0.0, 1.0], neurons=[0], bin_width=1.0), "neurons"),
    (dict(times=[[0.0, 1.0]], bin_width=1.0), "times"),
], ids=["nan", "zero-bin", "negative-bin", "inf-bin", "after-end", "before-start",
        "neurons-shape", "2d"])
def test_invalid_input_raises(kwargs, match):
    """Bad input raises InvalidParameterError naming the problem."""
    kwargs = dict(kwargs)  # the parameter dict is shared: a rerun in one process needs it intact
    times = kwargs.pop("times")
    with pytest.raises(InvalidParameterError, match=match):
        detect_binned_avalanches(times, **kwargs)


@given(st.lists(st.integers(0, 60), max_size=80), st.integers(1, 4))
def test_matches_reference(times, width):
    """Kernel = pure-numpy reference on random integer trains; sizes sum to n_events."""
    times = np.sort(np.asarray(times, dtype=np.int64))
    av = detect_binned_avalanches(times, bin_width=width, start=0, end=61)
    n_bins = -(-61 // width)
    sizes, durations, starts = _reference_runs(times // width, n_bins)
    assert av.size.tolist() == sizes
    assert av.duration.tolist() == durations
    assert av.start_bin.tolist() == starts
    assert av.size.sum() == len(times)
    assert av.profile.sum() == len(times)
    assert np.array_equal(av.activity, np.bincount(times // width, minlength=n_bins))
    touching = (av.start_bin == 0) | (av.start_bin + av.duration == n_bins)
    assert np.array_equal(av.truncated, touching)


def _tiny_run():
    """A hand-made Run: events at steps 0, 1, 4 on neurons 0, 1, 0; ten steps."""
    ev = netaval.Events(time=np.array([0, 1, 4]), neuron=np.array([0, 1, 0], np.int32),
                        avalanche=np.array([0, 0, 1], np.int32),
                        generation=np.array([0, 1, 0], np.int32),
                        parent_indptr=np.array([0, 0, 1, 1]), parent_ids=np.array([0], np.int32))
    return netaval.Run(events=ev, activity=np.array([1, 1, 0, 0, 1, 0, 0, 0, 0, 0]), model=None,
                       network={}, seed=0, protocol="driven", end_time=10)


def test_run_and_events_adapters():
    """A Run uses its events and its window [0, end_time)."""
    run = _tiny_run()
    av = detect_binned_avalanches(run, bin_width=1)
    assert av.size.tolist() == [2, 1] and av.n_bins == 10
    assert av.truncated.tolist() == [True, False]
    assert av.n_active_units.tolist() == [2, 1]
    av_events = detect_binned_avalanches(run.events, bin_width=1)
    assert av_events.size.tolist() == [2, 1]
    th = detect_threshold_avalanches(run, threshold=0)
    assert th.size.tolist() == [2.0, 1.0]


def test_sample_neurons_seeded_and_complete():
    """Same seed, same subset; sampling everything keeps every event."""
    rng = np.random.default_rng(1)
    t, n = np.sort(rng.integers(0, 100, 500)), rng.integers(0, 20, 500)
    a = sample_neurons(t, neurons=n, n_sampled=5, seed=3)
    b = sample_neurons(t, neurons=n, n_sampled=5, seed=3)
    assert np.array_equal(a.time, b.time) and np.array_equal(a.unit, b.unit)
    assert len(np.unique(a.unit)) <= 5
    full = sample_neurons(t, neurons=n, n_sampled=20, seed=3)
    assert full.n_events == 500
    assert detect_binned_avalanches(a, bin_width=1).size.sum() == a.n_events
    with pytest.raises(InvalidParameterError, match="n_sampled"):
        sample_neurons(t, neurons=n, n_sampled=21)
    with pytest.raises(InvalidParameterError, match="neurons"):
        sample_neurons(t, n_sampled=2)


def test_sample_neurons_run_window_kept():
    """Subsampling a Run keeps its recording window."""
    rec = sample_neurons(_tiny_run(), n_sampled=2, seed=0)
    assert (rec.start, rec.end) == (0, 10)


def test_electrodes_hand_counted():
    """Two electrodes; neuron 1 is seen by both, neuron 3 by none."""
    pos = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [10.0, 10.0]])
    elec = np.array([[0.5, 0.0], [1.5, 0.0]])
    rec = record_electrodes([0, 1, 2, 3], pos, neurons=[0, 1, 2, 3], electrodes=elec,
                            radius=0.6)
    assert rec.time.tolist() == [0, 1, 1, 2]
    assert rec.unit.tolist() == [0, 0, 1, 1]
    av = detect_binned_avalanches(rec, bin_width=1, start=0, end=5)
    assert av.size.tolist() == [4] and av.n_active_units.tolist() == [2]


def test_electrode_grid_over_network():
    """A grid over a Network's positions has n_per_side**2 electrodes inside the box."""
    pos = np.random.default_rng(0).uniform(0, 1, (30, 2))
    net = netaval.Network.from_edges([0], [1], n_nodes=30, positions=pos)
    grid = electrode_grid(net, n_per_side=3)
    assert grid.shape == (9, 2)
    assert np.all(grid >= pos.min(0)) and np.all(grid <= pos.max(0))


def test_threshold_hand_counted():
    """Excursions above 1: areas, sums, peaks and censoring at both ends."""
    x = [2.0, 0.5, 1.5, 3.0, 1.0, 0.0, 4.0]
    av = detect_threshold_avalanches(x, threshold=1.0, dt=0.5, size="sum")
    assert av.duration.tolist() == [1, 2, 1]
    assert av.start_index.tolist() == [0, 2, 6]
    assert np.allclose(av.area, [0.5, 1.25, 1.5])
    assert np.allclose(av.size, [1.0, 2.25, 2.0])
    assert av.peak.tolist() == [2.0, 3.0, 4.0]
    assert av.truncated.tolist() == [True, False, True]
    assert detect_threshold_avalanches([0.0, 0.0], threshold=0).n_avalanches == 0
    with pytest.raises(InvalidParameterError, match="size"):
        detect_threshold_avalanches(x, threshold=1.0, size="volume")


def test_recording_passthrough():
    """A Recording keeps its own window."""
    rec = Recording(np.array([1.0, 2.0]), np.array([0, 0]), 1, 0.0, 4.0)
    av = detect_binned_avalanches(rec, bin_width=1.0)
    assert av.n_bins == 4 and av.truncated.tolist() == [False]


def test_end_to_end_with_simulate():
    """simulate -> binning -> stats: bins reproduce run.activity; MR on 5% of the neurons
    recovers the causal record's true m within z = 4 of its (replicate-checked) stderr,
    while the conventional estimator is biased far below it.

    The true m is the mean number of distinct child events per event, 1 - n_roots / n_events
    in the causal record (the slope of E[A_{t+1} | A_t] that MR estimates; the avalanche
    branching ratio counts every causal link and so exceeds it when events merge).
    """
    import topologies
    from netaval.stats import branching_ratio_conventional, branching_ratio_mr

    net = topologies.generate("random", 1000, k=10.0, seed=1)
    run = netaval.simulate(net, netaval.Branching(sigma=0.9, drive=0.005, refractory=0),
                           n_steps=10000, seed=2)
    av = detect_binned_avalanches(run, bin_width=1)
    assert av.size.sum() == run.events.n_events
    assert np.array_equal(av.activity, run.activity)
    m_true = 1.0 - run.events.is_root.sum() / run.events.n_events
    full = branching_ratio_mr(run, k_max=30)
    assert_within_z(full.m, m_true, full.m_stderr, z=4.0, what="MR m, all neurons")
    rec = sample_neurons(run, n_sampled=50, seed=3)
    sub_activity = detect_binned_avalanches(rec, bin_width=1).activity
    sub = branching_ratio_mr(sub_activity, k_max=30)
    assert_within_z(sub.m, m_true, sub.m_stderr, z=4.0, what="MR m, 50 of 1000 neurons")
    assert branching_ratio_conventional(sub_activity) < 0.5 * m_true


def test_sample_neurons_population_is_the_network():
    """A Run's population is its network size, silent neurons included."""
    run = _tiny_run()
    run = netaval.Run(events=run.events, activity=run.activity, model=None,
                      network={"n_nodes": 100}, seed=0, protocol="driven", end_time=10)
    rec = sample_neurons(run, n_sampled=60, seed=0)
    assert rec.n_units == 100
    with pytest.raises(InvalidParameterError, match="n_sampled"):
        sample_neurons(run, n_sampled=101)
