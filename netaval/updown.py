"""Up and down states of a run: smoothed population rate, state per step, dwell times."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from netaval._validation import Interval, check_param
from netaval.errors import InvalidParameterError

__all__ = ["UpDown", "up_down", "population_rate"]

_OWNER = "up_down"


def _finite(owner: str, name: str, value) -> None:
    if not math.isfinite(float(value)):
        raise InvalidParameterError(
            f"The {name!r} parameter of {owner} must be finite. Got {value!r}.")


def _step_ms(run, dt: float | None, owner: str) -> float:
    from netaval.run import Run

    if not isinstance(run, Run):
        raise InvalidParameterError(f"The 'run' parameter of {owner} must be a Run. Got "
                                    f"{type(run).__name__} instead.")
    if dt is not None:
        check_param(owner, "dt", dt, Interval(numbers.Real, 0, None, closed="neither"))
        _finite(owner, "dt", dt)
        return float(dt)
    if run.events.time_step is None:
        raise InvalidParameterError(
            f"The 'run' parameter of {owner} must come from a discrete-time model; "
            f"{type(run.model).__name__} runs in continuous time.")
    return float(getattr(run.model, "dt", 1.0))


def population_rate(run, *, window: float = 0.0, dt: float | None = None) -> NDArray:
    """Firing rate per neuron (Hz) at every step of a discrete-time run.

    Parameters
    ----------
    run : Run
    window : float >= 0 (ms), default 0.0
        Width of the centred moving average (rounded to an odd number of steps; 0: none).
        Near the ends the average is over the steps available.
    dt : float > 0 (ms), optional
        Step length; default the model's ``dt`` (1 ms for models without one).

    Returns
    -------
    ndarray of float64, shape (n_steps,)
        ``activity / (n_nodes * dt)``, smoothed.

    Examples
    --------
    >>> net = netaval.Network.from_edges([], [], n_nodes=10)
    >>> run = netaval.simulate(net, netaval.Millman(f_ext=500.0), n_steps=100, seed=1)
    >>> rate = netaval.population_rate(run, window=5.0)
    >>> rate.shape
    (100,)
    """
    step = _step_ms(run, dt, "population_rate")
    check_param("population_rate", "window", window,
                Interval(numbers.Real, 0, None, closed="left"))
    _finite("population_rate", "window", window)
    n_nodes = int((run.network or {}).get("n_nodes") or 0)
    if n_nodes <= 0:
        raise InvalidParameterError(
            "The 'run' parameter of population_rate has no neurons (network provenance "
            "without n_nodes).")
    counts = np.asarray(run.activity, dtype=np.float64)
    half = min(int(round(window / step)) // 2, len(counts))
    if half > 0 and len(counts):
        csum = np.concatenate([[0.0], np.cumsum(counts)])
        idx = np.arange(len(counts))
        lo = np.maximum(idx - half, 0)
        hi = np.minimum(idx + half + 1, len(counts))
        counts = (csum[hi] - csum[lo]) / (hi - lo)
    return counts / (n_nodes * step * 1e-3)


@dataclass(frozen=True, eq=False)
class UpDown:
    """Up/down states of a run (see `up_down`).

    Attributes
    ----------
    rate : ndarray of float64
        Smoothed population rate per step (Hz).
    up : ndarray of bool
        Whether each step is in the up state (``rate >= threshold``).
    threshold, window, dt : float
        Threshold (Hz), smoothing window (ms) and step (ms) used.
    up_dwell, down_dwell : ndarray of float64
        Durations (ms) of the complete up and down periods, in order; the periods
        cut by the start or the end of the run are left out (their durations are
        unknown).
    """

    rate: NDArray[np.float64]
    up: NDArray[np.bool_]
    threshold: float
    window: float
    dt: float
    up_dwell: NDArray[np.float64]
    down_dwell: NDArray[np.float64]

    @property
    def fraction_up(self) -> float:
        """Fraction of the steps spent in the up state."""
        return float(self.up.mean()) if len(self.up) else 0.0

    @property
    def n_transitions(self) -> int:
        """Number of switches between the states."""
        return int(np.count_nonzero(self.up[1:] != self.up[:-1]))


def up_down(run, *, threshold: float = 10.0, window: float = 50.0,
            dt: float | None = None) -> UpDown:
    """Split a discrete-time run into up and down states and measure the dwell times.

    A step is "up" when the population rate averaged over a centred window of
    ``window`` ms is at least ``threshold`` Hz. With the `netaval.Millman` defaults the
    down state fires at about 0.1-0.2 Hz per neuron and the up state at 40-60 Hz, so the
    default 10 Hz threshold and 50 ms window separate them with a wide margin (a 50 ms
    window holds about 2000-3000 spikes of a 1e3-neuron up state, and in the down state a
    rate of 10 Hz would need hundreds of coincident external events).

    Parameters
    ----------
    run : Run
    threshold : float > 0 (Hz), default 10.0
    window : float >= 0 (ms), default 50.0
    dt : float > 0 (ms), optional
        Step length; default the model's ``dt``.

    Returns
    -------
    UpDown

    Examples
    --------
    >>> net = netaval.Network.from_edges([], [], n_nodes=10)
    >>> states = netaval.up_down(netaval.simulate(net, netaval.Millman(), n_steps=1000,
    ...                                           seed=1))
    >>> states.fraction_up, states.n_transitions
    (0.0, 0)
    """
    check_param(_OWNER, "threshold", threshold,
                Interval(numbers.Real, 0, None, closed="neither"))
    _finite(_OWNER, "threshold", threshold)
    check_param(_OWNER, "window", window, Interval(numbers.Real, 0, None, closed="left"))
    _finite(_OWNER, "window", window)
    step = _step_ms(run, dt, _OWNER)
    rate = population_rate(run, window=window, dt=step)
    up = rate >= threshold
    switches = np.flatnonzero(up[1:] != up[:-1]) + 1  # first step of each new period
    bounds = np.concatenate([[0], switches, [len(up)]])
    lengths = np.diff(bounds) * step
    states = up[bounds[:-1]] if len(up) else np.zeros(0, bool)
    inner = np.zeros(len(lengths), bool)
    inner[1:-1] = True  # the first and last periods are censored
    return UpDown(rate=rate, up=up, threshold=float(threshold), window=float(window),
                  dt=step, up_dwell=lengths[inner & states],
                  down_dwell=lengths[inner & ~states])
