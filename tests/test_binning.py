"""Tests for netaval.binning: hand-counted avalanches, edges, subsampling, threshold runs."""

import re

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
from tests.warning_location import assert_warned_at_caller


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


# ---------------------------------------------------------------------- pinned exactly
def exactly(message):
    """``match`` argument of pytest.raises for the whole message, not a substring."""
    return "^" + re.escape(message) + "$"


def test_bins_on_integer_times_with_fractional_start_or_width():
    """Whole-step division is used only when start and width are whole; otherwise floor."""
    av = detect_binned_avalanches(np.array([1, 2, 4, 6]), bin_width=1, start=0.5)
    assert av.start_bin.tolist() == [0, 3, 5] and av.size.tolist() == [2, 1, 1]
    assert av.start_time.tolist() == [0.5, 3.5, 5.5] and av.n_bins == 6
    av = detect_binned_avalanches(np.array([1, 2, 4, 6]), bin_width=1.5, start=0)
    assert av.start_bin.tolist() == [0, 4] and av.size.tolist() == [3, 1] and av.n_bins == 5
    # integer times beyond 2**53 stay exact (float division would merge 2**53 + 1 into 2**53)
    av = detect_binned_avalanches(np.array([2**53 + 1, 2**53 + 2]), bin_width=1, start=0)
    assert av.size.tolist() == [2] and av.start_bin.tolist() == [2**53 + 1]
    assert av.n_bins == 2**53 + 3


def test_window_fields_with_an_offset_start():
    """start_time, duration_time, n_bins and the edge flags for a window not at 0."""
    av = detect_binned_avalanches([1.2, 1.4, 2.6, 3.1], bin_width=0.5, start=1.0, end=4.2)
    assert av.start_bin.tolist() == [0, 3] and av.size.tolist() == [2, 2]
    assert av.start_time.tolist() == [1.0, 2.5] and av.duration_time.tolist() == [0.5, 1.0]
    assert av.n_bins == 7 and type(av.n_bins) is int  # ceil(3.2 / 0.5)
    assert av.truncated.tolist() == [True, False]
    assert (av.start, av.bin_width) == (1.0, 0.5)
    assert type(av.start) is float and type(av.bin_width) is float
    assert av.duration.dtype == np.int64 and av.start_time.dtype == np.float64
    assert av.activity.tolist() == [2, 0, 0, 1, 1, 0, 0] and av.activity.dtype == np.int64
    assert repr(av) == "BinnedAvalanches(n_avalanches=2, n_truncated=1, bin_width=0.5)"
    assert len(av) == av.n_avalanches == 2 and type(av.n_avalanches) is int
    # no window: starts at the first event, ends with the last bin holding an event
    av = detect_binned_avalanches([2, 3, 7])
    assert (av.bin_width, av.start, av.n_bins) == (2.0, 2.0, 3)
    assert av.start_time.tolist() == [2.0, 6.0] and av.truncated.tolist() == [True, True]


def test_profile_of_positions():
    """profile_of takes positions in [-n, n) (negative from the end), ints only."""
    av = detect_binned_avalanches([0, 1, 1, 4, 5, 9], bin_width=1, start=0, end=12)
    assert av.profile_of(-1).tolist() == [1] and av.profile_of(np.int64(1)).tolist() == [1, 1]
    assert av.profile_of(-3).tolist() == av.profile_of(0).tolist() == [1, 2]
    for k in (3, -4, True, 1.0, np.bool_(False)):
        with pytest.raises(InvalidParameterError, match=exactly(
                "The 'k' parameter of BinnedAvalanches.profile_of must be an int in the range "
                f"[-3, 3). Got {k!r} instead.")):
            av.profile_of(k)


OWNER = "detect_binned_avalanches"


@pytest.mark.parametrize(("times", "kwargs", "message"), [
    (np.zeros((2, 2), int), dict(bin_width=1),
     f"The 'times' parameter of {OWNER} must be 1-dimensional. Got shape (2, 2) instead."),
    ([0, 1], dict(neurons=[0.5, 1], bin_width=1),
     f"The 'neurons' parameter of {OWNER} must be an integer array of the same shape as times "
     "(2,). Got float64 array of shape (2,) instead."),
    ([0, 1], dict(neurons=[0], bin_width=1),
     f"The 'neurons' parameter of {OWNER} must be an integer array of the same shape as times "
     "(2,). Got int64 array of shape (1,) instead."),
    ([0, 1], dict(neurons=[0, -2], bin_width=1),
     f"The 'neurons' parameter of {OWNER} must hold non-negative ids. Got -2 instead."),
    ([5], {},
     f"{OWNER} cannot choose a default 'bin_width' (the mean inter-event interval) from 1 "
     "event(s) spanning 0: pass bin_width explicitly."),
    ([5, 5, 5], {},
     f"{OWNER} cannot choose a default 'bin_width' (the mean inter-event interval) from 3 "
     "event(s) spanning 0: pass bin_width explicitly."),
    (np.zeros(0), {},
     f"{OWNER} cannot choose a default 'bin_width' (the mean inter-event interval) from 0 "
     "event(s) spanning 0: pass bin_width explicitly."),
    ([0.0, 1.0], dict(bin_width=np.inf),
     f"The 'bin_width' parameter of {OWNER} must be finite. Got inf instead."),
    ([0.0, 1.0], dict(bin_width=0),
     f"The 'bin_width' parameter of {OWNER} must be a float in the range (0, inf). Got 0 "
     "instead."),
    ([0.0, 1.0], dict(bin_width=1, start="a"),
     f"The 'start' parameter of {OWNER} must be a float in the range (-inf, inf). Got 'a' "
     "instead."),
    ([0.0, 1.0], dict(bin_width=1, end=np.nan),
     f"The 'end' parameter of {OWNER} must be a float in the range (-inf, inf). Got nan "
     "instead."),
    ([0.0, 1.0], dict(bin_width=1, start=0.5),
     f"Event time 0.0 of {OWNER} lies before start=0.5."),
    ([0.0, 1.0], dict(bin_width=1, end=1.0),
     f"Event time 1.0 of {OWNER} lies at or after end=1.0 (the window is [start, end))."),
    ([0.0, 1e10], dict(bin_width=1e-9),
     f"The 'bin_width' parameter of {OWNER} gives more than 2**62 bins over the window. Got "
     "1e-09."),
    ([0.0, 1.0], dict(bin_width=1e-30, end=2.0),
     f"The 'bin_width' parameter of {OWNER} gives more than 2**62 bins over the window. Got "
     "1e-30."),
    ([[0.0, 1.0]], dict(bin_width=1),
     f"The 'times' parameter of {OWNER} must be 1-dimensional. Got shape (1, 2) instead."),
    ([0.0, np.nan], dict(bin_width=1),
     f"The 'times' parameter of {OWNER} must contain only finite values. Got nan at "
     "position 1."),
], ids=["2d-int", "float-neurons", "neurons-short", "negative-neuron", "one-event", "no-event",
        "no-spread", "inf-width", "zero-width", "start-text", "end-nan", "before-start",
        "at-end", "too-many-bins", "too-many-bins-by-window", "2d-float", "nan"])
def test_binned_messages(times, kwargs, message):
    """Every refusal of detect_binned_avalanches, message whole."""
    with pytest.raises(InvalidParameterError, match=exactly(message)):
        detect_binned_avalanches(times, **kwargs)


def test_defaults_with_two_or_no_events():
    """Two distinct times suffice for the default width; no events start the window at 0."""
    assert detect_binned_avalanches([0, 3]).bin_width == 3.0
    empty = detect_binned_avalanches(np.zeros(0), bin_width=1.0)
    assert (empty.start, empty.n_bins, empty.n_avalanches) == (0.0, 0, 0)


def test_bin_count_limit_measures_the_window_from_start():
    """The span is last event (or end) minus start, and 0 without events; integer times are
    divided exactly for any whole width (2**62 - 1 in float64 would round up to a new bin)."""
    width = 2.0**-61
    assert detect_binned_avalanches([1.0, 2.0], bin_width=width, start=1.0).n_bins == 2**61 + 1
    assert detect_binned_avalanches([1.0, 2.0], bin_width=width, start=1.0,
                                    end=2.5).n_bins == 3 * 2**60
    assert detect_binned_avalanches([0.0, 0.5], bin_width=2.0**-62).n_bins == 2**61 + 1
    assert detect_binned_avalanches(np.zeros(0), bin_width=2.0**-62).n_bins == 0
    av = detect_binned_avalanches(np.array([0, 2**62 - 1]), bin_width=128, start=0)
    assert av.start_bin.tolist() == [0, 2**55 - 1]
    with pytest.raises(InvalidParameterError, match=exactly(
            f"Event time 1.0 of {OWNER} lies at or after end=1.0 (the window is [start, end)).")):
        detect_binned_avalanches([0.0, 0.5, 1.0], bin_width=1, end=1.0)


def test_bin_count_limit_boundary():
    """The 2**62-bin limit counts the window's span over the bin width (events or end)."""
    width = 1.0 / 2.0**61
    assert detect_binned_avalanches([0.0, 1.0], bin_width=width, start=0.0).n_bins == 2**61 + 1
    with pytest.raises(InvalidParameterError, match="2\\*\\*62 bins"):
        detect_binned_avalanches([0.0, 1.0], bin_width=width, start=0.0, end=2.0)
    with pytest.raises(InvalidParameterError, match="2\\*\\*62 bins"):
        detect_binned_avalanches([0.0, 2.0], bin_width=width, start=0.0)


def test_adapters_refuse_neurons_and_runs_without_events():
    """Objects carrying their own ids refuse neurons=; a Run without events says what to do."""
    rec = Recording(np.array([1.0, 2.0]), np.array([0, 0]), 1, 0.0, 4.0)
    with pytest.raises(InvalidParameterError, match=exactly(
            f"The 'neurons' parameter of {OWNER} is for an array of times; a Recording carries "
            "its own neuron ids. Got neurons=[0, 0].")):
        detect_binned_avalanches(rec, neurons=[0, 0], bin_width=1)
    run = _tiny_run()
    for source in (run, run.events):
        with pytest.raises(InvalidParameterError, match=f"a {type(source).__name__} carries"):
            detect_binned_avalanches(source, neurons=np.zeros(3, int), bin_width=1)
    silent = netaval.Run(events=None, activity=np.array([1, 0]), model=None, network={},
                         seed=0, protocol="driven", end_time=2, record="activity")
    with pytest.raises(netaval.errors.MissingRecordError, match=exactly(
            f"{OWNER} bins the run's spikes, which it did not keep: simulate with "
            "record='events' (this run has record='activity').")):
        detect_binned_avalanches(silent, bin_width=1)


def test_events_and_spikes_adapters_keep_units_and_windows():
    """Discrete Events start at step 0; continuous ones at their first event; Spikes keep
    their window and unit count; a Run's network size counts silent neurons."""
    from netaval.binning import _as_recording

    run = _tiny_run()
    rec = _as_recording(OWNER, run.events, None)
    assert (rec.start, rec.end, rec.n_units) == (0, None, 2)
    assert rec.unit.dtype == np.int64 and rec.unit.tolist() == [0, 1, 0]
    rec = _as_recording(OWNER, run, None)
    assert (rec.start, rec.end, rec.n_units) == (0, 10, 2)
    big = netaval.Run(**{**run.__dict__, "network": {"n_nodes": 7}})
    assert _as_recording(OWNER, big, None).n_units == 7
    continuous = netaval.Events(time=np.array([0.5, 1.5]), neuron=np.array([0, 3], np.int32),
                                avalanche=np.array([0, 1], np.int32),
                                generation=np.zeros(2, np.int32),
                                parent_indptr=np.zeros(3, np.int64),
                                parent_ids=np.zeros(0, np.int32), time_step=None)
    rec = _as_recording(OWNER, continuous, None)
    assert (rec.start, rec.end, rec.n_units) == (None, None, 4)
    no_network = netaval.Run(events=netaval.Events.empty(), activity=np.zeros(3, np.int64),
                             model=None, network={}, seed=0, protocol="driven", end_time=3)
    assert _as_recording(OWNER, no_network, None).n_units == 0  # no network size, no events
    silent = _as_recording(OWNER, netaval.Events.empty(), None)
    assert (silent.n_units, silent.start, silent.end) == (0, None, None)
    spikes = netaval.Spikes(time=np.array([0.5, 1.5]), unit=np.array([0, 2]),
                            unit_labels=np.arange(5), start=0.0, end=3.0)
    rec = _as_recording(OWNER, spikes, None)
    assert (rec.start, rec.end, rec.n_units) == (0.0, 3.0, 5)
    assert rec.time.tolist() == [0.5, 1.5] and rec.unit.tolist() == [0, 2]
    av = detect_binned_avalanches(spikes, bin_width=1.0)
    assert av.n_bins == 3 and av.truncated.tolist() == [True]
    # plain arrays: one unit by default; unsorted times are sorted stably with their units
    rec = _as_recording(OWNER, [3, 1, 1], [5, 1, 2])
    assert rec.time.tolist() == [1, 1, 3] and rec.unit.tolist() == [1, 2, 5]
    assert rec.n_units == 6 and rec.time.dtype == np.int64
    ties = _as_recording(OWNER, np.array([5] + [1] * 40), np.arange(41))  # quicksort reorders ties
    assert ties.unit.tolist() == list(range(1, 41)) + [0]
    rec = _as_recording(OWNER, [0.5, 0.25], None)
    assert rec.unit.tolist() == [0, 0] and rec.n_units == 1 and rec.time.tolist() == [0.25, 0.5]
    assert _as_recording(OWNER, np.zeros(0), None).n_units == 0


OWNER_T = "detect_threshold_avalanches"


def test_threshold_fields_and_messages():
    """Fields of the threshold detector (dt scaling, types) and its refusals, messages whole."""
    av = detect_threshold_avalanches([0.0, 2.0, 3.0, 0.0, 1.0, 5.0], threshold=0.5, dt=2)
    assert av.area.tolist() == [8.0, 10.0] and av.total.tolist() == [10.0, 12.0]
    assert av.size.tolist() == av.area.tolist()
    assert av.peak.tolist() == [3.0, 5.0] and av.duration.tolist() == [2, 2]
    assert av.duration_time.tolist() == [4.0, 4.0] and av.start_time.tolist() == [2.0, 8.0]
    assert av.start_index.tolist() == [1, 4] and av.truncated.tolist() == [False, True]
    assert (av.threshold, av.dt) == (0.5, 2.0) and type(av.dt) is float
    assert type(av.threshold) is float and len(av) == av.n_avalanches == 2
    with pytest.raises(InvalidParameterError, match=exactly(
            f"The 'signal' parameter of {OWNER_T} must be 1-dimensional. Got shape (1, 1) "
            "instead.")):
        detect_threshold_avalanches([[1.0]], threshold=0)
    with pytest.raises(InvalidParameterError, match=exactly(
            f"The 'size' parameter of {OWNER_T} must be one of 'area', 'sum'. Got 'x' "
            "instead.")):
        detect_threshold_avalanches([1.0], threshold=0, size="x")
    first = detect_threshold_avalanches([3.0, 0.0, 2.0], threshold=1)
    assert first.truncated.tolist() == [True, True] and first.start_index.tolist() == [0, 2]
    for kwargs, name, shown, interval in (
            (dict(threshold="a"), "threshold", "'a'", "(-inf, inf)"),
            (dict(threshold=np.nan), "threshold", "nan", "(-inf, inf)"),
            (dict(threshold=1, dt=0), "dt", "0", "(0, inf)"),
            (dict(threshold=1, dt=-1), "dt", "-1", "(0, inf)")):
        with pytest.raises(InvalidParameterError, match=exactly(
                f"The {name!r} parameter of {OWNER_T} must be a float in the range {interval}. "
                f"Got {shown} instead.")):
            detect_threshold_avalanches([0.0, 1.0, 2.0], **kwargs)
    spikes = netaval.Spikes(time=np.array([0, 0, 1, 3]), unit=np.array([0, 1, 0, 1]),
                            unit_labels=np.arange(2), start=0, end=5, time_unit="steps")
    assert spikes.activity.tolist() == [2, 1, 0, 1, 0]
    av = detect_threshold_avalanches(spikes, threshold=0)
    assert av.size.tolist() == [3.0, 1.0] and av.start_index.tolist() == [0, 3]


def test_sample_neurons_messages_and_population():
    """Refusals of sample_neurons, whole; the population bounds, and the kept window."""
    for kwargs, message in (
            (dict(n_sampled=1),
             "The 'neurons' parameter of sample_neurons is required with arrays of times."),
            (dict(neurons=[0, 1], n_sampled=1, n_neurons=1),
             "The 'n_neurons' parameter of sample_neurons must be an int in the range "
             "[2, 2147483647]. Got 1 instead."),
            (dict(neurons=[0, 1], n_sampled=1, n_neurons=2**31),
             "The 'n_neurons' parameter of sample_neurons must be an int in the range "
             "[2, 2147483647]. Got 2147483648 instead."),
            (dict(neurons=[0, 1], n_sampled=3),
             "The 'n_sampled' parameter of sample_neurons must be an int in the range [0, 2]. "
             "Got 3 instead."),
            (dict(neurons=[0, 1], n_sampled=-1),
             "The 'n_sampled' parameter of sample_neurons must be an int in the range [0, 2]. "
             "Got -1 instead.")):
        with pytest.raises(InvalidParameterError, match=exactly(message)):
            sample_neurons([0, 1], **kwargs)
    for kwargs, message in (
            (dict(neurons=[0, 1], n_sampled=1, seed=-1),
             "The 'seed' parameter of sample_neurons must be a non-negative int. Got -1 instead."),
            (dict(neurons=[0], n_sampled=1),
             "The 'neurons' parameter of sample_neurons must be an integer array of the same "
             "shape as times (2,). Got int64 array of shape (1,) instead.")):
        with pytest.raises(InvalidParameterError, match=exactly(message)):
            sample_neurons([0, 1], **kwargs)
    rec = sample_neurons([0, 1], neurons=[0, 1], n_sampled=2, n_neurons=2**31 - 1, seed=0)
    assert rec.n_units == 2**31 - 1 and type(rec.n_units) is int
    assert sample_neurons([0, 1], neurons=[0, 1], n_sampled=0, seed=0).n_events == 0
    rec = sample_neurons([0, 1, 2], neurons=[0, 1, 0], n_sampled=2, seed=1)
    assert rec.n_events == 3 and rec.n_units == 2 and (rec.start, rec.end) == (None, None)
    empty = sample_neurons(np.zeros(0, int), neurons=np.zeros(0, int), n_sampled=0, seed=0)
    assert empty.n_events == 0 and empty.n_units == 0
    spikes = netaval.Spikes(time=np.array([0.5, 1.5]), unit=np.array([0, 2]),
                            unit_labels=np.arange(5), start=0.0, end=3.0)
    rec = sample_neurons(spikes, n_sampled=5, seed=0)
    assert rec.time.tolist() == [0.5, 1.5] and (rec.start, rec.end, rec.n_units) == (0.0, 3.0, 5)


def test_sample_neurons_draws_from_the_given_generator():
    """The subset is rng.choice(population, n_sampled, replace=False) of the seed's stream."""
    times = np.arange(40)
    rec = sample_neurons(times, neurons=times % 20, n_sampled=6, seed=5)
    chosen = np.random.default_rng(5).choice(20, size=6, replace=False)
    assert np.array_equal(np.unique(rec.unit), np.sort(chosen))
    assert np.array_equal(rec.time, times[np.isin(times % 20, chosen)])
    rng = np.random.default_rng(8)
    a = sample_neurons(times, neurons=times % 20, n_sampled=6, seed=rng)
    b = sample_neurons(times, neurons=times % 20, n_sampled=6, seed=rng)
    assert not np.array_equal(a.unit, b.unit)  # the caller's Generator advanced


def test_electrode_grid_values_and_messages():
    """Cell centres over the bounding box, in ij order; refusals, messages whole."""
    grid = electrode_grid([[0.0, 1.0, 0.0], [2.0, 3.0, 4.0]], n_per_side=2)
    assert grid.shape == (8, 3) and grid.dtype == np.float64
    assert grid[:3].tolist() == [[0.5, 1.5, 1.0], [0.5, 1.5, 3.0], [0.5, 2.5, 1.0]]
    assert grid[-1].tolist() == [1.5, 2.5, 3.0]
    assert electrode_grid([[1.0], [3.0]], n_per_side=1).tolist() == [[2.0]]
    assert electrode_grid([[0.0], [1.0]], n_per_side=4096).shape == (4096, 1)
    for n in (0, 4097, 2.0):
        with pytest.raises(InvalidParameterError, match=exactly(
                "The 'n_per_side' parameter of electrode_grid must be an int in the range "
                f"[1, 4096]. Got {n!r} instead.")):
            electrode_grid([[0.0, 0.0]], n_per_side=n)
    with pytest.raises(InvalidParameterError, match=exactly(
            "electrode_grid needs a Network with positions.")):
        electrode_grid(netaval.Network.from_edges([0], [1], n_nodes=2), n_per_side=2)
    with pytest.raises(InvalidParameterError, match=exactly(
            "The 'positions' parameter of electrode_grid must be 2-dimensional. Got shape (2,) "
            "instead.")):
        electrode_grid([0.0, 1.0], n_per_side=2)
    with pytest.raises(InvalidParameterError, match="'positions' parameter of electrode_grid"):
        electrode_grid(np.zeros((0, 2)), n_per_side=2)


def test_record_electrodes_messages_and_warning():
    """Refusals of record_electrodes, whole; the no-coverage warning points at the caller."""
    pos = [[0.0, 0.0], [1.0, 0.0]]
    for kwargs, message in (
            (dict(electrodes=[[0.0, 0.0]], radius=1),
             "The 'neurons' parameter of record_electrodes is required with arrays of times."),
            (dict(neurons=[0, 1], electrodes=[[0.0, 0.0, 0.0]], radius=1),
             "The 'electrodes' parameter of record_electrodes must have 2 columns like "
             "positions. Got 3 instead."),
            (dict(neurons=[0, 2], electrodes=[[0.0, 0.0]], radius=1),
             "record_electrodes: neuron id 2 has no position (positions has 2 rows)."),
            (dict(neurons=[0, 1], electrodes=[[0.0, 0.0]], radius=0),
             "The 'radius' parameter of record_electrodes must be a float in the range (0, inf). "
             "Got 0 instead.")):
        with pytest.raises(InvalidParameterError, match=exactly(message)):
            record_electrodes([0, 1], pos, **kwargs)
    with pytest.warns(netaval.errors.NetavalWarning, match=exactly(
            "record_electrodes: no electrode sees any spiking neuron (radius=1).")) as caught:
        rec = record_electrodes([0, 1], pos, neurons=[0, 1], electrodes=[[9.0, 9.0]], radius=1)
    assert_warned_at_caller(caught[0], record_electrodes, __file__)
    assert rec.n_events == 0 and rec.n_units == 1 and rec.unit.dtype == np.int64
    # exactly at the radius counts (closed ball), like scipy's query_ball_point
    rec = record_electrodes([0, 1], pos, neurons=[0, 1], electrodes=[[0.0, 0.0]], radius=1.0)
    assert rec.time.tolist() == [0, 1] and rec.unit.tolist() == [0, 0]
    for args, kwargs, message in (
            (([0, 1], pos), dict(neurons=[0], electrodes=[[0.0, 0.0]], radius=1),
             "The 'neurons' parameter of record_electrodes must be an integer array of the same "
             "shape as times (2,). Got int64 array of shape (1,) instead."),
            (([0, 1], [0.0, 1.0]), dict(neurons=[0, 1], electrodes=[[0.0, 0.0]], radius=1),
             "The 'positions' parameter of record_electrodes must be 2-dimensional. Got shape "
             "(2,) instead."),
            (([0, 1], pos), dict(neurons=[0, 1], electrodes=[0.0, 0.0], radius=1),
             "The 'electrodes' parameter of record_electrodes must be 2-dimensional. Got shape "
             "(2,) instead."),
            (([0, 1], pos), dict(neurons=[0, 1], electrodes=np.zeros((0, 2)), radius=1),
             "The 'electrodes' parameter of record_electrodes must not be empty.")):
        with pytest.raises(InvalidParameterError, match=exactly(message)):
            record_electrodes(*args, **kwargs)
    # a neuron seen by two electrodes gives its events in electrode order (stable grouping)
    rec = record_electrodes(np.arange(20), np.zeros((20, 1)), neurons=np.arange(20),
                            electrodes=[[0.0], [0.1]], radius=1)
    assert rec.unit.tolist() == [0, 1] * 20 and rec.time.tolist() == np.repeat(
        np.arange(20), 2).tolist()
    run = _tiny_run()
    rec = record_electrodes(run, [[0.0], [1.0]], electrodes=[[0.0], [1.0]], radius=0.5)
    assert (rec.start, rec.end, rec.n_units) == (0, 10, 2)
    assert rec.unit.tolist() == [0, 1, 0] and rec.time.tolist() == [0, 1, 4]
