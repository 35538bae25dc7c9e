"""The experimentalist's view: time-binned avalanches, subsampling, threshold excursions.

Spikes from all recorded units are pooled, time is cut into bins of width ``bin_width``
and an avalanche is a maximal run of consecutive non-empty bins bounded by empty bins
(Beggs & Plenz 2003; ``SCIENCE.md`` section 2.2). No causal information is used, so
overlapping causal avalanches are merged; compare with `netaval.Run.avalanches`.

Bins and edges
--------------
Bin ``k`` covers ``[start + k * bin_width, start + (k + 1) * bin_width)``. The recording
spans bins ``0 .. n_bins - 1`` with ``n_bins = ceil((end - start) / bin_width)`` (at least
the bin of the last event). Whether the bin before bin 0 or after the last bin was empty is
unknown, so an avalanche that contains the first or the last bin of the recording is
flagged ``truncated`` (censored); it is kept, never silently dropped. Filter with
``av.size[~av.truncated]`` for the uncensored ones.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from netaval._kernels.binning import _binned_runs, _threshold_runs
from netaval._random import as_generator
from netaval._validation import Interval, Options, as_float_array, check_param
from netaval.errors import InvalidParameterError, NetavalWarning

__all__ = [
    "Recording",
    "BinnedAvalanches",
    "ThresholdAvalanches",
    "detect_binned_avalanches",
    "detect_threshold_avalanches",
    "sample_neurons",
    "electrode_grid",
    "record_electrodes",
]


@dataclass(frozen=True, eq=False)
class Recording:
    """Pooled events of the recorded units, with the recording's time window.

    Parameters
    ----------
    time : ndarray of int64 or float64, shape (n_events,)
        Event times, non-decreasing.
    unit : ndarray of int64, shape (n_events,)
        Recorded unit (neuron or electrode id) of every event, in ``[0, n_units)``.
    n_units : int
        Number of recorded units (some may be silent).
    start, end : float or None
        Recording window ``[start, end)``; None means "first event" / "last event".

    Examples
    --------
    >>> rec = netaval.binning.Recording(np.array([0, 1, 5]), np.array([0, 1, 0]), 2, 0, 8)
    >>> rec.n_events
    3
    """

    time: NDArray
    unit: NDArray[np.int64]
    n_units: int
    start: float | None = None
    end: float | None = None

    @property
    def n_events(self) -> int:
        """Number of recorded events."""
        return int(len(self.time))


def _check_times(owner: str, times) -> NDArray:
    array = np.asarray(times)
    if array.dtype.kind in "iu":
        if array.ndim != 1:
            raise InvalidParameterError(f"The 'times' parameter of {owner} must be "
                                        f"1-dimensional. Got shape {array.shape} instead.")
        return array.astype(np.int64, copy=False)
    return as_float_array(owner, "times", array)


def _as_recording(owner: str, source, neurons) -> Recording:
    """Turn a Run, Spikes, Events, Recording or an array of times into a `Recording`."""
    from netaval.events import Events
    from netaval.run import Run
    from netaval.spikes import Spikes

    if neurons is not None and isinstance(source, Recording | Spikes | Run | Events):
        raise InvalidParameterError(
            f"The 'neurons' parameter of {owner} is for an array of times; a "
            f"{type(source).__name__} carries its own neuron ids. Got neurons={neurons!r}.")
    if isinstance(source, Recording):
        return source
    if isinstance(source, Spikes):
        return Recording(source.time, source.unit, source.n_units, source.start, source.end)
    start = end = None
    n_nodes = 0
    if isinstance(source, Run):
        start, end = 0, source.end_time
        n_nodes = int((source.network or {}).get("n_nodes", 0) or 0)
        if source.events is None:
            from netaval.errors import MissingRecordError

            raise MissingRecordError(
                f"{owner} bins the run's spikes, which it did not keep: simulate with "
                f"record='events' (this run has record={source.record!r}).")
        source = source.events
    if isinstance(source, Events):
        times, units = source.time, source.neuron.astype(np.int64)
        n_units = max(int(units.max()) + 1 if len(units) else 0, n_nodes)
        if start is None and len(times) and source.time_step is not None:
            start = 0
        return Recording(times, units, n_units, start, end)
    times = _check_times(owner, source)
    if neurons is None:
        units = np.zeros(len(times), np.int64)
    else:
        units = np.asarray(neurons)
        if units.shape != times.shape or (units.size and units.dtype.kind not in "iu"):
            raise InvalidParameterError(
                f"The 'neurons' parameter of {owner} must be an integer array of the same "
                f"shape as times {times.shape}. Got {units.dtype} array of shape "
                f"{units.shape} instead.")
        units = units.astype(np.int64)
        if units.size and units.min() < 0:
            raise InvalidParameterError(f"The 'neurons' parameter of {owner} must hold "
                                        f"non-negative ids. Got {units.min()} instead.")
    n_units = int(units.max()) + 1 if len(units) else 0
    if len(times) > 1 and np.any(np.diff(times) < 0):
        order = np.argsort(times, kind="stable")
        times, units = times[order], units[order]
    return Recording(times, units, n_units)


@dataclass(frozen=True, eq=False)
class BinnedAvalanches:
    """Time-binned avalanches: per-avalanche arrays plus profiles as CSR.

    Attributes
    ----------
    size : ndarray of int64, shape (n_avalanches,)
        Number of events in the avalanche.
    n_active_units : ndarray of int64
        Number of distinct units (neurons or electrodes) active in the avalanche, the size
        Beggs & Plenz used (active electrodes).
    duration : ndarray of int64
        Number of bins.
    duration_time : ndarray of float64
        ``duration * bin_width``.
    start_bin : ndarray of int64
        Index of the first bin.
    start_time : ndarray of float64
        Left edge of the first bin.
    truncated : ndarray of bool
        True for avalanches containing the recording's first or last bin (censored).
    profile_indptr, profile : ndarray of int64
        Events per bin: the profile of avalanche k is
        ``profile[profile_indptr[k]:profile_indptr[k + 1]]`` (length ``duration[k]``).
    event_avalanche : ndarray of int64, shape (n_events,)
        Avalanche of every event of the (sorted) recording.
    bin_width, start : float
        Bin width and left edge of bin 0.
    n_bins : int
        Number of bins in the recording.
    """

    size: NDArray[np.int64]
    n_active_units: NDArray[np.int64]
    duration: NDArray[np.int64]
    duration_time: NDArray[np.float64]
    start_bin: NDArray[np.int64]
    start_time: NDArray[np.float64]
    truncated: NDArray[np.bool_]
    profile_indptr: NDArray[np.int64]
    profile: NDArray[np.int64]
    event_avalanche: NDArray[np.int64]
    bin_width: float
    start: float
    n_bins: int

    @property
    def n_avalanches(self) -> int:
        """Number of avalanches (censored ones included)."""
        return int(len(self.size))

    def __len__(self) -> int:
        return self.n_avalanches

    def profile_of(self, k: int) -> NDArray[np.int64]:
        """Events per bin of avalanche ``k``.

        Parameters
        ----------
        k : int
            Avalanche index (negative ones count from the end).
        """
        n = self.n_avalanches
        if (not isinstance(k, numbers.Integral) or isinstance(k, bool | np.bool_)
                or not -n <= k < n):
            raise InvalidParameterError(f"The 'k' parameter of BinnedAvalanches.profile_of "
                                        f"must be an int in the range [{-n}, {n}). Got {k!r} "
                                        "instead.")
        k = int(k) % n
        return self.profile[self.profile_indptr[k]:self.profile_indptr[k + 1]]

    @property
    def activity(self) -> NDArray[np.int64]:
        """Events per bin over the whole recording, shape (n_bins,)."""
        out = np.zeros(self.n_bins, np.int64)
        bins = (np.repeat(self.start_bin - self.profile_indptr[:-1], self.duration)
                + np.arange(len(self.profile)))
        out[bins] = self.profile
        return out

    def __repr__(self) -> str:
        return (f"BinnedAvalanches(n_avalanches={self.n_avalanches}, "
                f"n_truncated={int(self.truncated.sum())}, bin_width={self.bin_width:g})")


def detect_binned_avalanches(times, *, neurons=None, bin_width=None, start=None, end=None):
    """Avalanches as maximal runs of non-empty time bins (Beggs & Plenz 2003).

    Parameters
    ----------
    times : array-like of int or float, shape (n_events,), or Run, Spikes, Events, Recording
        Event times of the pooled train. A `netaval.Run` uses ``run.events.time`` and
        ``run.events.neuron`` with the window ``[0, run.end_time)``; `netaval.Spikes` its
        times, units and window; discrete-time
        `netaval.Events` alone start at step 0 and end at their last event.
    neurons : array-like of int, shape (n_events,), optional
        Unit of every event (for `BinnedAvalanches.n_active_units`); default: one unit.
    bin_width : float, optional
        Width of a bin in time units. Default: the mean inter-event interval of the pooled
        train, ``(t_last - t_first) / (n_events - 1)``; for integer (time-step) times it
        is rounded to a whole number of steps, at least 1.
    start, end : float, optional
        Recording window ``[start, end)``. Default: the Run's window, else the first event
        (so the first avalanche is always flagged truncated) and the last event.

    Returns
    -------
    BinnedAvalanches

    Raises
    ------
    InvalidParameterError
        NaN or infinite times, a non-positive bin width, events outside the window, or no
        default bin width (fewer than two distinct times).

    Notes
    -----
    One sorting pass (skipped when the times are already sorted) and one jitted pass over
    the events, O(n_events + n_units); empty bins are never materialised.

    Examples
    --------
    >>> av = netaval.binning.detect_binned_avalanches([0, 1, 1, 4, 5, 9], bin_width=1,
    ...                                                start=0, end=12)
    >>> av.size.tolist(), av.duration.tolist(), av.truncated.tolist()
    ([3, 2, 1], [2, 2, 1], [True, False, False])
    """
    owner = "detect_binned_avalanches"
    rec = _as_recording(owner, times, neurons)
    t = rec.time
    start = rec.start if start is None else start
    end = rec.end if end is None else end
    integer_time = t.dtype.kind in "iu"
    for name, value in (("start", start), ("end", end)):
        if value is not None:
            check_param(owner, name, value, Interval(numbers.Real))
    if bin_width is None:
        distinct = t[-1] - t[0] if len(t) else 0
        if len(t) < 2 or distinct <= 0:
            raise InvalidParameterError(
                f"{owner} cannot choose a default 'bin_width' (the mean inter-event interval) "
                f"from {len(t)} event(s) spanning {distinct}: pass bin_width explicitly.")
        bin_width = float(distinct) / (len(t) - 1)
        if integer_time:
            bin_width = float(max(1, round(bin_width)))
    else:
        check_param(owner, "bin_width", bin_width, Interval(numbers.Real, 0, None, "neither"))
        if not math.isfinite(bin_width):
            raise InvalidParameterError(f"The 'bin_width' parameter of {owner} must be finite. "
                                        f"Got {bin_width!r} instead.")
    bin_width = float(bin_width)
    if start is None:
        start = t[0] if len(t) else 0.0
    if len(t) and t[0] < start:
        raise InvalidParameterError(f"Event time {t[0]} of {owner} lies before start={start}.")
    if end is not None and len(t) and t[-1] >= end:
        raise InvalidParameterError(f"Event time {t[-1]} of {owner} lies at or after "
                                    f"end={end} (the window is [start, end)).")
    span = max(float(t[-1]) - float(start), float(end) - float(start) if end is not None
               else 0.0) if len(t) else 0.0
    if span / bin_width >= 2.0**62:
        raise InvalidParameterError(f"The 'bin_width' parameter of {owner} gives more than "
                                    f"2**62 bins over the window. Got {bin_width!r}.")
    if integer_time and bin_width < 2**62 and float(bin_width).is_integer() and \
            float(start).is_integer():
        bins = (t - int(start)) // int(bin_width)
    else:
        bins = np.floor((t - start) / bin_width).astype(np.int64)
    last_event_bin = int(bins[-1]) if len(bins) else -1
    if end is None:
        n_bins = last_event_bin + 1
    else:
        n_bins = max(int(math.ceil((end - start) / bin_width)), last_event_bin + 1)
    out = _binned_runs(np.ascontiguousarray(bins, np.int64), np.ascontiguousarray(rec.unit),
                       max(rec.n_units, 1), 0, n_bins - 1)
    start_bin, n_b, size, n_distinct, truncated, indptr, profile, event_av = out
    return BinnedAvalanches(size=size, n_active_units=n_distinct, duration=n_b,
                            duration_time=n_b * bin_width, start_bin=start_bin,
                            start_time=start + start_bin * bin_width, truncated=truncated,
                            profile_indptr=indptr, profile=profile, event_avalanche=event_av,
                            bin_width=bin_width, start=float(start), n_bins=int(n_bins))


@dataclass(frozen=True, eq=False)
class ThresholdAvalanches:
    """Excursions of a continuous activity series above a threshold.

    Attributes
    ----------
    size : ndarray of float64
        The size chosen with ``size=`` ("area" or "sum").
    area : ndarray of float64
        Integral of ``x - threshold`` over the excursion (sum times ``dt``).
    total : ndarray of float64
        Integral of ``x`` over the excursion (sum times ``dt``).
    peak : ndarray of float64
        Largest value in the excursion.
    duration : ndarray of int64
        Number of samples above threshold.
    duration_time : ndarray of float64
        ``duration * dt``.
    start_index : ndarray of int64
    start_time : ndarray of float64
    truncated : ndarray of bool
        True when the excursion contains the first or the last sample.
    threshold, dt : float
    """

    size: NDArray[np.float64]
    area: NDArray[np.float64]
    total: NDArray[np.float64]
    peak: NDArray[np.float64]
    duration: NDArray[np.int64]
    duration_time: NDArray[np.float64]
    start_index: NDArray[np.int64]
    start_time: NDArray[np.float64]
    truncated: NDArray[np.bool_]
    threshold: float
    dt: float

    @property
    def n_avalanches(self) -> int:
        """Number of excursions (censored ones included)."""
        return int(len(self.size))

    def __len__(self) -> int:
        return self.n_avalanches


def detect_threshold_avalanches(signal, *, threshold, dt=1.0, size="area"):
    """Avalanches as excursions of a continuous activity series above ``threshold``.

    Parameters
    ----------
    signal : array-like of float, shape (n_samples,), or Run or Spikes
        Activity sampled every ``dt`` (a Run or `netaval.Spikes` gives its ``activity``).
    threshold : float
        An avalanche is a maximal run of samples strictly above it.
    dt : float, default 1.0
        Sampling interval.
    size : {"area", "sum"}, default "area"
        What `ThresholdAvalanches.size` holds: the area above the threshold,
        ``sum(x - threshold) * dt``, or the integral of the signal, ``sum(x) * dt``
        (for a count series with threshold 0 both equal the number of events).

    Returns
    -------
    ThresholdAvalanches

    Examples
    --------
    >>> av = netaval.binning.detect_threshold_avalanches([0, 2, 3, 0, 1, 5], threshold=0.5)
    >>> av.area.tolist(), av.duration.tolist(), av.truncated.tolist()
    ([4.0, 5.0], [2, 2], [False, True])
    """
    from netaval.run import Run
    from netaval.spikes import Spikes

    owner = "detect_threshold_avalanches"
    if isinstance(signal, Run | Spikes):
        signal = signal.activity
    x = as_float_array(owner, "signal", signal)
    check_param(owner, "threshold", threshold, Interval(numbers.Real))
    check_param(owner, "dt", dt, Interval(numbers.Real, 0, None, "neither"))
    check_param(owner, "size", size, Options(("area", "sum")))
    start, length, area, total, peak = _threshold_runs(np.ascontiguousarray(x), float(threshold))
    truncated = (start == 0) | (start + length == len(x))
    area, total = area * dt, total * dt
    return ThresholdAvalanches(size=area if size == "area" else total, area=area, total=total,
                               peak=peak, duration=length, duration_time=length * float(dt),
                               start_index=start, start_time=start * float(dt),
                               truncated=truncated, threshold=float(threshold), dt=float(dt))


def sample_neurons(times, *, n_sampled, neurons=None, n_neurons=None, seed=None):
    """Keep only the events of ``n_sampled`` neurons chosen uniformly at random.

    Parameters
    ----------
    times : array-like, Run, Spikes or Events
        Event times (with ``neurons``), or a Run / Spikes / Events.
    n_sampled : int
        Number of recorded neurons.
    neurons : array-like of int, optional
        Neuron of every event (required with plain arrays).
    n_neurons : int, optional
        Size of the population to draw from; default: the Run's network size, else the
        largest id + 1.
    seed : None, int or numpy.random.Generator
        Which neurons are recorded.

    Returns
    -------
    Recording
        Unit ids are the original neuron ids; the window is kept.

    Examples
    --------
    >>> rec = netaval.binning.sample_neurons([0, 1, 2, 3], neurons=[0, 1, 2, 3], n_sampled=2,
    ...                                      seed=0)
    >>> rec.n_events
    2
    """
    owner = "sample_neurons"
    rng = as_generator(seed, owner=owner)
    if neurons is None and not _is_run_like(times):
        raise InvalidParameterError(f"The 'neurons' parameter of {owner} is required with "
                                    "arrays of times.")
    rec = _as_recording(owner, times, neurons)
    population = rec.n_units if n_neurons is None else n_neurons
    check_param(owner, "n_neurons", population, Interval(numbers.Integral, rec.n_units,
                                                         2**31 - 1))
    check_param(owner, "n_sampled", n_sampled, Interval(numbers.Integral, 0, population))
    chosen = np.zeros(max(population, 1), dtype=bool)
    chosen[rng.choice(population, size=n_sampled, replace=False)] = True
    keep = chosen[rec.unit]
    return Recording(rec.time[keep], rec.unit[keep], int(population), rec.start, rec.end)


def _is_run_like(source) -> bool:
    from netaval.events import Events
    from netaval.run import Run
    from netaval.spikes import Spikes

    return isinstance(source, Run | Spikes | Events | Recording)


def electrode_grid(positions, *, n_per_side):
    """Electrodes on a regular grid over the bounding box of ``positions``.

    Parameters
    ----------
    positions : array-like of float, shape (n_nodes, n_dims), or Network
        Neuron coordinates (a Network's ``positions``).
    n_per_side : int
        Electrodes per dimension; they sit at the centres of ``n_per_side`` equal cells.

    Returns
    -------
    ndarray of float64, shape (n_per_side ** n_dims, n_dims)

    Examples
    --------
    >>> netaval.binning.electrode_grid([[0.0, 0.0], [1.0, 1.0]], n_per_side=2).tolist()
    [[0.25, 0.25], [0.25, 0.75], [0.75, 0.25], [0.75, 0.75]]
    """
    owner = "electrode_grid"
    pos = _positions(owner, positions)
    check_param(owner, "n_per_side", n_per_side, Interval(numbers.Integral, 1, 2**12))
    low, high = pos.min(axis=0), pos.max(axis=0)
    axes = [lo + (hi - lo) * (np.arange(n_per_side) + 0.5) / n_per_side
            for lo, hi in zip(low, high, strict=True)]
    mesh = np.meshgrid(*axes, indexing="ij")
    return np.stack([m.ravel() for m in mesh], axis=1)


def _positions(owner, positions):
    from netaval.network import Network

    if isinstance(positions, Network):
        if positions.positions is None:
            raise InvalidParameterError(f"{owner} needs a Network with positions.")
        positions = positions.positions
    pos = as_float_array(owner, "positions", positions, ndim=2, allow_empty=False)
    return pos


def record_electrodes(times, positions, *, electrodes, radius, neurons=None):
    """Events as seen by electrodes that each report the neurons within ``radius``.

    Every spike of neuron i becomes one event on each electrode within ``radius`` of
    ``positions[i]`` (multi-unit activity; a neuron seen by two electrodes counts twice,
    a neuron seen by none is not recorded).

    Parameters
    ----------
    times : array-like, Run, Spikes or Events
    positions : array-like of float, shape (n_neurons, n_dims), or Network
    electrodes : array-like of float, shape (n_electrodes, n_dims)
        Electrode coordinates (e.g. from `electrode_grid`).
    radius : float
    neurons : array-like of int, optional
        Neuron of every event (required with plain arrays).

    Returns
    -------
    Recording
        Units are electrode ids; the window is kept.

    Examples
    --------
    >>> pos = [[0.0, 0.0], [1.0, 0.0], [5.0, 0.0]]
    >>> rec = netaval.binning.record_electrodes([0, 1, 2], pos, neurons=[0, 1, 2],
    ...                                         electrodes=[[0.5, 0.0]], radius=1.0)
    >>> rec.time.tolist(), rec.unit.tolist()
    ([0, 1], [0, 0])
    """
    from scipy.spatial import cKDTree

    owner = "record_electrodes"
    if neurons is None and not _is_run_like(times):
        raise InvalidParameterError(f"The 'neurons' parameter of {owner} is required with "
                                    "arrays of times.")
    rec = _as_recording(owner, times, neurons)
    pos = _positions(owner, positions)
    elec = as_float_array(owner, "electrodes", electrodes, ndim=2, allow_empty=False)
    check_param(owner, "radius", radius, Interval(numbers.Real, 0, None, "neither"))
    if elec.shape[1] != pos.shape[1]:
        raise InvalidParameterError(f"The 'electrodes' parameter of {owner} must have "
                                    f"{pos.shape[1]} columns like positions. Got "
                                    f"{elec.shape[1]} instead.")
    if rec.n_units > len(pos):
        raise InvalidParameterError(f"{owner}: neuron id {rec.n_units - 1} has no position "
                                    f"(positions has {len(pos)} rows).")
    pairs = cKDTree(pos).query_ball_point(elec, r=radius, return_sorted=True)
    counts = np.fromiter((len(p) for p in pairs), np.int64, len(pairs))
    seen_neuron = np.concatenate([np.asarray(p, np.int64) for p in pairs] or [np.zeros(0)])
    seen_elec = np.repeat(np.arange(len(elec), dtype=np.int64), counts)
    order = np.argsort(seen_neuron, kind="stable")
    seen_neuron, seen_elec = seen_neuron[order], seen_elec[order]
    indptr = np.zeros(len(pos) + 1, np.int64)
    np.cumsum(np.bincount(seen_neuron, minlength=len(pos)), out=indptr[1:])
    per_event = indptr[rec.unit + 1] - indptr[rec.unit]
    if per_event.sum() == 0:
        import warnings

        warnings.warn(f"{owner}: no electrode sees any spiking neuron (radius={radius}).",
                      NetavalWarning, stacklevel=2)
    event_ids = np.repeat(np.arange(rec.n_events), per_event)
    offset = np.arange(len(event_ids)) - np.repeat(np.cumsum(per_event) - per_event, per_event)
    unit = seen_elec[indptr[rec.unit[event_ids]] + offset]
    return Recording(rec.time[event_ids], unit, len(elec), rec.start, rec.end)
