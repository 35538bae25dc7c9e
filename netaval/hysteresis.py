"""`hysteresis`: quasi-static up and down sweeps of one model parameter, by continuation."""

from __future__ import annotations

import dataclasses
import math
import numbers
from typing import TYPE_CHECKING, Any

import numpy as np

from netaval._memory import MAX_ACTIVITY_BINS
from netaval._random import SeedLike, as_generator
from netaval._validation import Boolean, Interval, as_float_array, check_param
from netaval.errors import InvalidParameterError

if TYPE_CHECKING:
    import pandas

    from netaval.network import Network
    from netaval.run import Run

__all__ = ["hysteresis", "blocked_stderr"]

_OWNER = "hysteresis"
#: blocking levels keep at least this many blocks (the noise of one level's estimate is
#: about 1 / sqrt(2 * blocks))
_MIN_BLOCKS = 32
#: continuous time: the active fraction is averaged over this many equal bins of the
#: measurement window before blocking
_N_BINS = 4096
COLUMNS = ("direction", "value", "density", "density_stderr", "f_ext", "branching_ratio",
           "n_events")


def blocked_stderr(series: Any) -> float:
    """Standard error of the mean of a correlated series (Flyvbjerg & Petersen blocking).

    The series is averaged in blocks of 1, 2, 4, ... consecutive values while at least
    32 blocks remain; the naive standard error of the block means grows with the block
    length until blocks are several correlation times long, then levels off. The
    largest estimate over the levels is returned (conservative). It is honest when the
    series spans at least ~100 integrated correlation times (so that 32 blocks are each a
    few correlation times long); shorter series underestimate the error (by ~1.5x at
    ~30 correlation times).

    Parameters
    ----------
    series : array-like of float, 1-dimensional
        Equally spaced samples (e.g. firings per neuron per step).

    Returns
    -------
    float
        NaN for fewer than 2 samples.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = np.repeat(rng.normal(size=1000), 10)   # correlated over 10 samples
    >>> naive = x.std(ddof=1) / np.sqrt(len(x))
    >>> bool(blocked_stderr(x) > 2.5 * naive)
    True
    """
    x = as_float_array("blocked_stderr", "series", series)
    if len(x) < 2:
        return float("nan")
    best = float(x.std(ddof=1) / math.sqrt(len(x)))
    while len(x) >= 2 * _MIN_BLOCKS:
        x = x[: len(x) // 2 * 2]
        x = 0.5 * (x[0::2] + x[1::2])
        best = max(best, float(x.std(ddof=1) / math.sqrt(len(x))))
    return best


def _active_fraction(run: Run, n_nodes: int, measure: float) -> np.ndarray:
    """Time-averaged active fraction in `_N_BINS` equal bins of [0, measure]."""
    events = run.events
    edges = np.linspace(0.0, measure, _N_BINS + 1)
    width = measure / _N_BINS
    if events.end_time is None:  # no lifetimes: activations per neuron and unit time
        counts = np.histogram(events.time[events.time >= 0], bins=edges)[0]
        return counts / (n_nodes * width)
    start = np.clip(events.time, 0.0, measure)
    end = np.clip(events.end_time, 0.0, measure)
    start, end = np.sort(start), np.sort(end)
    # integral of the active count from 0 to x: sum over activations of overlap with [0, x]
    cum_start = np.concatenate([[0.0], np.cumsum(start)])
    cum_end = np.concatenate([[0.0], np.cumsum(end)])
    k_start = np.searchsorted(start, edges, side="left")
    k_end = np.searchsorted(end, edges, side="left")
    integral = (k_start * edges - cum_start[k_start]) - (k_end * edges - cum_end[k_end])
    return np.diff(integral) / (n_nodes * width)


def _measure(run: Run, n_nodes: int, measure: float, continuous: bool) -> dict[str, Any]:
    events = run.events
    carried = int((run.protocol_params or {}).get("n_carried") or 0)
    n_window = events.n_events - carried
    if n_nodes == 0:
        series = np.zeros(0)
    elif continuous:
        series = _active_fraction(run, n_nodes, measure)
    else:
        series = run.activity / n_nodes
    primary = events.primary_parent[carried:]
    nan = float("nan")
    extra = {name: float(np.mean(values)) if len(values) else nan
             for name, values in (run.series or {}).items()}
    return {
        **extra,
        "density": float(series.mean()) if len(series) else nan,
        "density_stderr": blocked_stderr(series) if len(series) >= 2 else nan,
        "f_ext": float(np.count_nonzero(primary < 0)) / n_window if n_window else nan,
        "branching_ratio": float(np.count_nonzero(primary >= carried)) / n_window
        if n_window else nan,
        "n_events": int(n_window),
    }


def hysteresis(network: Network, model: Any, parameter: str, values: Any, *,
               relax: float, measure: float, seed: SeedLike = None,
               progress: bool = False) -> pandas.DataFrame:
    """Quasi-static sweep of one model parameter up, then down, continuing the dynamics.

    Starting from the quiescent state, for each value of ``values`` in order (the
    up-sweep) and then in reverse order (the down-sweep), the model with ``parameter`` set
    to that value continues from the previous state (`Run.final_state`) under the
    "driven" protocol: ``relax`` time is discarded, then ``measure`` time is measured.
    A bistable window shows as two branches: the up-sweep stays low until the low state
    loses stability, the down-sweep stays high until the high state does.

    Parameters
    ----------
    network : Network or scipy sparse array/matrix
    model : model instance
        Any model (built-in or plug-in) whose engine returns a final state.
    parameter : str
        Name of a field of ``model`` (e.g. ``"rate"``, ``"sigma"``, ``"drive"``).
    values : sequence
        Values of ``parameter``, in up-sweep order; each must be valid for the model.
    relax, measure : int (steps) or float (continuous time)
        Time discarded after each change, and time measured; ``relax >= 0``,
        ``measure > 0``, each at most ``MAX_ACTIVITY_BINS`` (2**28, the longest window
        one run records); integers for discrete-time models.
    seed : None, int, SeedSequence or Generator
        One Generator drives all the runs (see the README, section Randomness).
    progress : bool, default False
        Show a tqdm progress bar over the 2 * len(values) points.

    Returns
    -------
    pandas.DataFrame
        One row per (direction, value), up-sweep rows first, with columns
        ``direction`` ("up" or "down"), ``value``, ``density`` (mean active fraction:
        continuous time, the time average of the fraction of active units, from the
        activations' lifetimes; discrete time, firings per neuron per step),
        ``density_stderr`` (its standard error by blocking, `blocked_stderr`, honest when
        ``measure`` spans >= ~100 correlation times of the density), ``f_ext`` (fraction of the
        window's events that are roots, i.e. externally triggered), ``branching_ratio``
        (children in the window per event in the window, through primary parents) and
        ``n_events`` (events in the window; carried activity excluded); plus, for every
        per-step series the model reports (`Run.series`, e.g. `Millman`'s
        ``loaded_fraction``), a column with its mean over the window.

    Raises
    ------
    InvalidParameterError
        For an invalid argument (naming it), a value the model refuses, or a model whose
        engine cannot be continued.

    Notes
    -----
    A continuous-time plug-in model that records no ``end_time`` gets as ``density`` the
    activations per neuron per unit time instead (equal to the active fraction when
    units deactivate at rate 1).

    Examples
    --------
    >>> net = netaval.Network.from_edges([0, 1, 2, 3], [1, 2, 3, 0], n_nodes=4)
    >>> table = netaval.hysteresis(net, netaval.ContactProcess(rate=1.0, drive=0.1),
    ...                            "rate", [0.5, 2.0], relax=10.0, measure=50.0, seed=1)
    >>> table[["direction", "value"]].values.tolist()
    [['up', 0.5], ['up', 2.0], ['down', 2.0], ['down', 0.5]]
    >>> list(table.columns)
    ['direction', 'value', 'density', 'density_stderr', 'f_ext', 'branching_ratio', 'n_events']
    """
    import pandas as pd
    import scipy.sparse as sp

    from netaval.network import Network
    from netaval.simulate import _is_model, simulate

    generator = as_generator(seed, owner="hysteresis")
    if sp.issparse(network):
        network = Network.from_scipy(network)
    if not isinstance(network, Network):
        raise InvalidParameterError(
            f"The 'network' parameter of {_OWNER} must be a netaval.Network or a scipy sparse "
            f"array. Got {type(network).__name__} instead."
        )
    if not _is_model(model):
        raise InvalidParameterError(
            f"The 'model' parameter of {_OWNER} must be a model instance such as "
            f"netaval.ContactProcess(rate=1.0, drive=0.01). Got {model!r}."
        )
    fields = [f.name for f in dataclasses.fields(model) if f.init]
    if not isinstance(parameter, str) or parameter not in fields:
        raise InvalidParameterError(
            f"The 'parameter' parameter of {_OWNER} must be one of {type(model).__name__}'s "
            f"parameters {fields}. Got {parameter!r} instead."
        )
    try:
        array = np.asarray(values)
    except Exception:  # pragma: no cover - asarray accepts nearly anything
        array = np.asarray([object()])
    if array.ndim != 1 or array.size == 0:
        raise InvalidParameterError(
            f"The 'values' parameter of {_OWNER} must be a non-empty 1-dimensional sequence. "
            f"Got {values!r} instead."
        )
    continuous = type(model).continuous_time
    kind = numbers.Real if continuous else numbers.Integral
    # each window is one continued run: at most MAX_ACTIVITY_BINS of activity
    check_param(_OWNER, "relax", relax, Interval(kind, 0, MAX_ACTIVITY_BINS, closed="both"))
    check_param(_OWNER, "measure", measure, Interval(kind, 0, MAX_ACTIVITY_BINS, closed="right"))
    check_param(_OWNER, "progress", progress, Boolean())
    models = []
    for value in array.tolist():
        try:
            models.append(dataclasses.replace(model, **{parameter: value}))
        except InvalidParameterError as exc:
            raise InvalidParameterError(
                f"The 'values' parameter of {_OWNER} holds {value!r}, which "
                f"{type(model).__name__} refuses: {exc}") from None
    limit = "duration" if continuous else "n_steps"
    points = [("up", v, m) for v, m in zip(array.tolist(), models, strict=True)]
    points += [("down", v, m) for v, m in reversed(list(zip(array.tolist(), models,
                                                            strict=True)))]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(points), unit="points", desc=_OWNER)
    rows, state = [], None
    try:
        for direction, value, point_model in points:
            for span, keep in ((relax, False), (measure, True)):
                if span == 0:
                    continue
                run = simulate(network, point_model, protocol="driven", seed=generator,
                               initial_state=state, **{limit: span})
                state = run.final_state
                if state is None:
                    raise InvalidParameterError(
                        f"The 'model' parameter of {_OWNER} must be continuable: "
                        f"{type(model).__name__}'s engine returned no final state.")
                if keep:
                    rows.append({"direction": direction, "value": value,
                                 **_measure(run, network.n_nodes, float(span), continuous)})
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    extra = [name for name in (rows[0] if rows else {}) if name not in COLUMNS
             and name not in ("direction", "value")]
    return pd.DataFrame(rows, columns=list(COLUMNS) + extra)
