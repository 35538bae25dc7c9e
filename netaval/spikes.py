"""`Spikes`: a recorded spike train (one row per spike), the experimentalist's input.

`netaval.io.read_spikes` builds one from a file; every `netaval.binning` and
`netaval.stats` function that accepts a `netaval.Run` accepts a `Spikes` in its place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from netaval._validation import Options, check_param, forwarded_from
from netaval.errors import InvalidParameterError

__all__ = ["Spikes"]

TIME_UNITS = ("s", "steps")


@dataclass(frozen=True, eq=False)
class Spikes:
    """Spike times of recorded units with the recording window.

    Parameters
    ----------
    time : ndarray of float64 (seconds) or int64 (time steps), shape (n_spikes,)
        Spike times, non-decreasing, finite.
    unit : ndarray of int64, shape (n_spikes,)
        Unit of every spike, an index into ``unit_labels``.
    unit_labels : ndarray, shape (n_units,)
        The units' ids as the source named them (unique), e.g. NWB unit ids or the
        values of a CSV's unit column; unit ``u`` is ``unit_labels[u]``.
    start : float
        Start of the recording window ``[start, end)``, at most the first spike time.
    end : float
        End of the window, after the last spike.
    time_unit : {"s", "steps"}
        Seconds (float times) or netaval's discrete time steps (integer times).

    Attributes
    ----------
    n_spikes, n_units : int
    duration : float
        ``end - start``.
    activity : ndarray of int64
        Spikes per bin of `default_bin_width`, the series `netaval.stats` estimators read
        from a `Spikes` (as they read ``run.activity`` from a `Run`).

    See Also
    --------
    netaval.io.read_spikes : read spikes from CSV/TSV, Parquet, NWB or Neo.
    Spikes.from_arrays : build one from arrays, relabelling the units.

    Examples
    --------
    >>> spikes = netaval.Spikes.from_arrays([0.5, 0.1, 0.2], units=[7, 3, 7])
    >>> spikes.time.tolist(), spikes.unit.tolist(), spikes.unit_labels.tolist()
    ([0.1, 0.2, 0.5], [0, 1, 1], [3, 7])
    >>> netaval.binning.detect_binned_avalanches(spikes, bin_width=0.15).size.tolist()
    [2, 1]
    """

    time: NDArray
    unit: NDArray[np.int64]
    unit_labels: NDArray
    start: float
    end: float
    time_unit: str = "s"

    def __post_init__(self) -> None:
        owner = "Spikes"
        check_param(owner, "time_unit", self.time_unit, Options(TIME_UNITS))
        time = np.asarray(self.time)
        integer = self.time_unit == "steps"
        if time.ndim != 1 or (time.size and time.dtype.kind not in ("iu" if integer else "iuf")):
            raise InvalidParameterError(
                f"The 'time' parameter of {owner} must be a 1-dimensional "
                f"{'integer' if integer else 'numeric'} array (time_unit={self.time_unit!r}). "
                f"Got a {time.dtype} array of shape {time.shape} instead.")
        time = time.astype(np.int64 if integer else np.float64, copy=False)
        if not integer and not np.isfinite(time).all():
            bad = int(np.flatnonzero(~np.isfinite(time))[0])
            raise InvalidParameterError(f"The 'time' parameter of {owner} must be finite. "
                                        f"Got {time[bad]} at index {bad} instead.")
        if len(time) > 1 and np.any(np.diff(time) < 0):
            raise InvalidParameterError(f"The 'time' parameter of {owner} must be sorted "
                                        "(non-decreasing); use Spikes.from_arrays to sort.")
        unit = np.asarray(self.unit)
        labels = np.asarray(self.unit_labels)
        if unit.shape != time.shape or (unit.size and unit.dtype.kind not in "iu"):
            raise InvalidParameterError(
                f"The 'unit' parameter of {owner} must be an integer array of shape "
                f"{time.shape}. Got a {unit.dtype} array of shape {unit.shape} instead.")
        unit = unit.astype(np.int64, copy=False)
        if labels.ndim != 1:
            raise InvalidParameterError(f"The 'unit_labels' parameter of {owner} must be "
                                        f"1-dimensional. Got shape {labels.shape} instead.")
        if unit.size and (unit.min() < 0 or unit.max() >= len(labels)):
            raise InvalidParameterError(
                f"The 'unit' parameter of {owner} must hold indices into unit_labels, in "
                f"[0, {len(labels)}). Got values in [{unit.min()}, {unit.max()}] instead.")
        if len(np.unique(labels)) != len(labels):
            raise InvalidParameterError(f"The 'unit_labels' parameter of {owner} must be "
                                        "unique.")
        for name in ("start", "end"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float | np.number) \
                    or not math.isfinite(value):
                raise InvalidParameterError(f"The '{name}' parameter of {owner} must be a "
                                            f"finite number. Got {value!r} instead.")
        if len(time) and (time[0] < self.start or time[-1] >= self.end):
            raise InvalidParameterError(
                f"The window [start, end) = [{self.start}, {self.end}) of {owner} must "
                f"contain every spike (first {time[0]}, last {time[-1]}).")
        if self.end <= self.start:
            raise InvalidParameterError(f"The 'end' parameter of {owner} must exceed start "
                                        f"({self.start}). Got {self.end} instead.")
        object.__setattr__(self, "time", time)
        object.__setattr__(self, "unit", unit)
        object.__setattr__(self, "unit_labels", labels)
        object.__setattr__(self, "start", float(self.start))
        object.__setattr__(self, "end", float(self.end))

    @classmethod
    def from_arrays(cls, times: Any, units: Any = None, *, start: float | None = None,
                    end: float | None = None, time_unit: str = "s") -> Spikes:
        """Build `Spikes` from unsorted times and arbitrary unit ids.

        Parameters
        ----------
        times : array-like of float (seconds) or int (steps), shape (n_spikes,)
            Spike times, in any order.
        units : array-like, shape (n_spikes,), optional
            Unit id of every spike (any sortable values: ints, strings); they become
            ``unit_labels`` (sorted) and are relabelled ``0..n_units-1``. Default: one unit.
        start, end : float, optional
            Recording window. Default: the first spike (0 for steps) and just after the
            last spike (the last step + 1 for steps).
        time_unit : {"s", "steps"}, default "s"

        Returns
        -------
        Spikes

        Examples
        --------
        >>> s = netaval.Spikes.from_arrays([3, 1, 2], units=["b", "a", "b"], time_unit="steps")
        >>> s.unit_labels.tolist(), s.unit.tolist(), s.start, s.end
        (['a', 'b'], [0, 1, 1], 0.0, 4.0)
        """
        check_param("Spikes.from_arrays", "time_unit", time_unit, Options(TIME_UNITS))
        time = np.asarray(times)
        if time.ndim != 1:
            raise InvalidParameterError(f"The 'times' parameter of Spikes.from_arrays must be "
                                        f"1-dimensional. Got shape {time.shape} instead.")
        if units is None:
            labels, unit = np.zeros(1 if len(time) else 0, np.int64), np.zeros(len(time), np.int64)
        else:
            raw = np.asarray(units)
            if raw.shape != time.shape:
                raise InvalidParameterError(
                    f"The 'units' parameter of Spikes.from_arrays must have the shape of times "
                    f"{time.shape}. Got shape {raw.shape} instead.")
            labels, unit = np.unique(raw, return_inverse=True)
        order = np.argsort(time, kind="stable")
        time, unit = time[order], unit[order].astype(np.int64)
        if time.size and time.dtype.kind not in "iuf":
            raise InvalidParameterError(f"The 'times' parameter of Spikes.from_arrays must be "
                                        f"numeric. Got a {time.dtype} array instead.")
        if time_unit == "steps":
            # the window is float: beyond 2**53 steps, + 1 may round back to the last step
            first, after = 0.0, (max(float(time[-1]) + 1.0, float(np.nextafter(
                float(time[-1]), np.inf))) if len(time) else 1.0)
        elif len(time):
            last = float(time[-1])
            first, after = float(time[0]), float(np.nextafter(last, np.inf)) if np.isfinite(last) else last
        else:
            first, after = 0.0, 1.0
        with forwarded_from("Spikes.from_arrays"):  # the window is checked by Spikes
            return cls(time, unit, labels, first if start is None else start,
                       after if end is None else end, time_unit)

    @property
    def n_spikes(self) -> int:
        """Number of spikes."""
        return int(len(self.time))

    @property
    def n_units(self) -> int:
        """Number of units (silent ones included)."""
        return int(len(self.unit_labels))

    @property
    def duration(self) -> float:
        """Length of the recording window, ``end - start``."""
        return self.end - self.start

    @property
    def default_bin_width(self) -> float:
        """One step for steps; the mean inter-spike interval of the pooled train for seconds
        (the default of `netaval.binning.detect_binned_avalanches`)."""
        if self.time_unit == "steps":
            return 1.0
        if self.n_spikes < 2 or self.time[-1] <= self.time[0]:
            raise InvalidParameterError(
                f"Spikes with {self.n_spikes} spike(s) have no default bin width (the mean "
                "inter-spike interval); pass a bin width explicitly.")
        return float(self.time[-1] - self.time[0]) / (self.n_spikes - 1)

    def binned_activity(self, bin_width: float) -> NDArray[np.int64]:
        """Spikes per bin of width ``bin_width`` over the window, bin 0 starting at ``start``.

        Parameters
        ----------
        bin_width : float
            Bin width in the time unit (seconds or steps), positive and finite.

        Returns
        -------
        ndarray of int64, shape (ceil(duration / bin_width),)

        Examples
        --------
        >>> netaval.Spikes.from_arrays([0.0, 0.05, 0.35], end=0.4).binned_activity(0.1).tolist()
        [2, 0, 0, 1]
        """
        owner = "Spikes.binned_activity"
        if isinstance(bin_width, bool) or not isinstance(bin_width, int | float | np.number) \
                or not math.isfinite(bin_width) or bin_width <= 0:
            raise InvalidParameterError(f"The 'bin_width' parameter of {owner} must be a "
                                        f"positive finite number. Got {bin_width!r} instead.")
        from netaval._memory import MAX_ACTIVITY_BINS

        count = self.duration / bin_width
        if not count <= MAX_ACTIVITY_BINS:  # inf too: a window of 1e308 - (-1e308)
            raise InvalidParameterError(
                f"The 'bin_width' parameter of {owner} gives {count:.3g} bins over the "
                f"window [{self.start:g}, {self.end:g}), more than MAX_ACTIVITY_BINS = "
                f"{MAX_ACTIVITY_BINS} (8 bytes each). Got {bin_width!r}.")
        n_bins = max(int(math.ceil(count)), 1)
        bins = np.floor((self.time - self.start) / bin_width).astype(np.int64)
        return np.bincount(np.minimum(bins, n_bins - 1), minlength=n_bins).astype(np.int64)

    @cached_property
    def activity(self) -> NDArray[np.int64]:
        """Spikes per bin of `default_bin_width` (see `binned_activity`)."""
        return self.binned_activity(self.default_bin_width)

    def __repr__(self) -> str:
        return (f"Spikes(n_spikes={self.n_spikes}, n_units={self.n_units}, "
                f"window=[{self.start:g}, {self.end:g}) {self.time_unit})")
