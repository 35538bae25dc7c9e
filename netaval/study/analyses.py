"""Per-task analyses of a study, looked up by name (like topologies and models).

An analysis is a function ``f(context, **params) -> dict`` registered with
`register`. ``context`` is an `AnalysisContext` (the run, the network, the task and a
random seed of its own); the returned dict maps column names to scalars (int, float, bool,
str) and, under the key ``"_artefacts"``, optionally to a dict of 1-d arrays kept for
figures. The engine prefixes every column with the analysis' label (``causal.tau``).

Built-in analyses: ``causal_exponents``, ``binned``, ``branching``, ``density``. Every
power-law exponent comes with its standard error, xmin, the goodness-of-fit p-value, the
likelihood ratios against the exponential and the log-normal, and a ``verdict``; a bare
exponent is never reported for data that is not a power law.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from netaval._validation import Boolean, Interval, Options, check_param
from netaval.errors import InvalidParameterError

__all__ = ["AnalysisContext", "AnalysisSpec", "available", "get", "register",
           "NO_AVALANCHES_MERGED", "NO_POSITIONS", "unregister"]

#: the outcome of a binned analysis whose bins merged every spike into one truncated run
NO_AVALANCHES_MERGED = "no avalanches: binning merged all activity"
#: the outcome of an electrode recording on a network without positions
NO_POSITIONS = "no recording: electrodes need a network with positions"

_REGISTRY: dict[str, AnalysisSpec] = {}


@dataclass(frozen=True)
class AnalysisContext:
    """What an analysis sees of one task.

    Attributes
    ----------
    run : netaval.Run
    network : netaval.Network
    task : Task
    seed : numpy.random.SeedSequence
        The analysis' own stream, spawned from the root seed by the task's index and the
        analysis' position in the study.
    """

    run: Any
    network: Any
    task: Any
    seed: np.random.SeedSequence


@dataclass(frozen=True)
class AnalysisSpec:
    """A registered analysis: its function, parameter constraints, defaults, description."""

    name: str
    function: Callable
    constraints: dict
    defaults: dict
    description: str = ""
    extra_check: Callable | None = field(default=None, repr=False)

    def validate(self, params: dict) -> dict:
        """Check ``params`` against the constraints and return them with defaults filled in.

        Parameters
        ----------
        params : dict

        Returns
        -------
        dict
        """
        if not isinstance(params, dict):
            raise InvalidParameterError(f"The 'params' parameter of analysis {self.name!r} must "
                                        f"be a dict. Got {params!r} instead.")
        unknown = sorted(set(params) - set(self.constraints))
        if unknown:
            raise InvalidParameterError(f"{unknown[0]!r} is not a parameter of analysis "
                                        f"{self.name!r}; expected some of "
                                        f"{sorted(self.constraints)}.")
        full = {**self.defaults, **params}
        for name, constraint in self.constraints.items():
            check_param(f"analysis {self.name!r}", name, full[name], constraint)
        if self.extra_check is not None:
            self.extra_check(full)
        return full


def register(name: str, *, constraints: dict, defaults: dict, description: str = "",
             extra_check: Callable | None = None):
    """Decorator registering an analysis function under ``name``; a name is taken once.

    Parameters
    ----------
    name : str
    constraints : dict
        Parameter name -> constraint (`netaval._validation` vocabulary); every parameter
        must have one.
    defaults : dict
        Default value of every parameter.
    description : str
    extra_check : callable, optional
        ``extra_check(params)`` raising `InvalidParameterError` for invalid combinations.

    Examples
    --------
    >>> from netaval.study import analyses
    >>> @analyses.register("n_events_demo", constraints={}, defaults={})
    ... def n_events_demo(context):
    ...     return {"n_events": context.run.events.n_events}
    >>> "n_events_demo" in analyses.available()
    True
    >>> analyses.unregister("n_events_demo")
    """
    if not isinstance(name, str) or not name:
        raise InvalidParameterError(f"The 'name' parameter of analyses.register must be a "
                                    f"non-empty str. Got {name!r} instead.")
    if set(constraints) != set(defaults):
        raise InvalidParameterError(f"analyses.register({name!r}): 'constraints' and 'defaults' "
                                    "must name the same parameters.")

    def decorator(function: Callable) -> Callable:
        if name in _REGISTRY and _REGISTRY[name].function is not function:
            raise InvalidParameterError(f"An analysis named {name!r} is already registered; "
                                        "register yours under a different name.")
        _REGISTRY[name] = AnalysisSpec(name, function, dict(constraints), dict(defaults),
                                       description, extra_check)
        return function

    return decorator


def unregister(name: str) -> None:
    """Remove an analysis (for plug-in authors' tests).

    Parameters
    ----------
    name : str
    """
    _REGISTRY.pop(name, None)


def available() -> list[str]:
    """Sorted names of the registered analyses.

    Examples
    --------
    >>> from netaval.study import analyses
    >>> analyses.available()
    ['binned', 'branching', 'causal_exponents', 'density']
    """
    return sorted(_REGISTRY)


def get(name: str) -> AnalysisSpec:
    """The `AnalysisSpec` registered under ``name``.

    Parameters
    ----------
    name : str

    Raises
    ------
    InvalidParameterError
        For an unknown name; the message lists the known ones.
    """
    if not isinstance(name, str) or name not in _REGISTRY:
        raise InvalidParameterError(f"The 'name' parameter of analyses.get must be one of "
                                    f"{available()}. Got {name!r} instead.")
    return _REGISTRY[name]


# ------------------------------------------------------------------ shared fitting
_FIT_CONSTRAINTS = {
    "min_avalanches": Interval(numbers.Integral, 2),
    "n_boot": Interval(numbers.Integral, 0),
    "gof_threshold": Interval(numbers.Real, 0, 1),
    "lr_threshold": Interval(numbers.Real, 0, 1),
    "min_decades": Interval(numbers.Real, 0, None),
}
_FIT_DEFAULTS = {"min_avalanches": 50, "n_boot": 50, "gof_threshold": 0.1, "lr_threshold": 0.1,
                 "min_decades": 1.0}


def _verdict(gof_p: float, lrs: dict, gof_threshold: float, lr_threshold: float) -> str:
    """'power law' only when the GoF does not rule it out and no alternative is favoured."""
    if math.isfinite(gof_p) and gof_p <= gof_threshold:
        return f"not a power law (GoF p = {gof_p:.3g})"
    favoured = [name for name, (r, p) in lrs.items() if r < 0 and p < lr_threshold]
    if favoured:
        return f"{' and '.join(favoured)} favoured over power law"
    if not math.isfinite(gof_p):
        return "power law (GoF not computed)"
    return "power law"


def _fit_columns(prefix: str, values: np.ndarray, discrete: bool, params: dict,
                 rng: np.random.Generator, xmin: float | None = None) -> tuple[dict, Any]:
    """Columns of one power-law fit: exponent, stderr, xmin, n_tail, the tail's span in
    decades, GoF p, LR tests, verdict.

    ``xmin=None`` searches xmin (Clauset et al.); a number fixes it (``netaval analyse``
    also fits from the smallest value). A searched xmin can retreat into a short tail where
    any steep law passes the tests (an exponential tail looks like a power law over a
    fraction of a decade), so a "power law" verdict over a tail spanning fewer than
    ``params["min_decades"]`` decades (log10 of its largest value over xmin) is reported
    as inconclusive."""
    from netaval import stats

    cols = {f"{prefix}": math.nan, f"{prefix}_stderr": math.nan, f"{prefix}_xmin": math.nan,
            f"{prefix}_n_tail": 0, f"{prefix}_decades": math.nan, f"{prefix}_gof_p": math.nan,
            f"{prefix}_lr_exponential": math.nan, f"{prefix}_lr_exponential_p": math.nan,
            f"{prefix}_lr_lognormal": math.nan, f"{prefix}_lr_lognormal_p": math.nan}
    values = np.asarray(values, dtype=np.float64)
    values = values[values > 0]
    if len(values) < params["min_avalanches"]:
        cols[f"{prefix}_verdict"] = f"too few avalanches ({len(values)} < " \
                                    f"{params['min_avalanches']})"
        return cols, None
    if np.unique(values).size < 3:
        cols[f"{prefix}_verdict"] = "too few distinct values to fit"
        return cols, None
    fit = stats.fit_power_law(values, discrete=discrete, xmin=xmin)
    decades = math.log10(float(values.max()) / float(fit.xmin))
    cols.update({f"{prefix}": float(fit.alpha), f"{prefix}_stderr": float(fit.alpha_stderr),
                 f"{prefix}_xmin": float(fit.xmin), f"{prefix}_n_tail": int(fit.n_tail),
                 f"{prefix}_decades": decades})
    gof = fit.gof_pvalue(params["n_boot"], seed=rng) if params["n_boot"] else math.nan
    cols[f"{prefix}_gof_p"] = float(gof)
    lrs = {}
    for alternative in ("exponential", "lognormal"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                lr = fit.compare(alternative)
                r, p = float(lr.R), float(lr.p)
            except (InvalidParameterError, ValueError, FloatingPointError):
                r, p = math.nan, math.nan
        cols[f"{prefix}_lr_{alternative}"] = r
        cols[f"{prefix}_lr_{alternative}_p"] = p
        lrs[alternative] = (r, p)
    verdict = _verdict(gof, lrs, params["gof_threshold"], params["lr_threshold"])
    if verdict.startswith("power law") and not decades >= params["min_decades"]:
        verdict = f"inconclusive: {verdict} over {decades:.2g} decades only"
    cols[f"{prefix}_verdict"] = verdict
    return cols, fit


def _exponent_columns(size: np.ndarray, duration: np.ndarray, duration_discrete: bool,
                      params: dict, rng: np.random.Generator) -> dict:
    """tau (sizes), alpha (durations), gamma of <S>(T) and the crackling-noise check."""
    from netaval import stats

    cols, size_fit = _fit_columns("tau", size, True, params, rng)
    dur_cols, dur_fit = _fit_columns("alpha", duration, duration_discrete, params, rng)
    cols.update(dur_cols)
    cols.update({"gamma": math.nan, "gamma_stderr": math.nan, "crackling_predicted": math.nan,
                 "crackling_z": math.nan, "crackling_consistent": False})
    if len(size) >= params["min_avalanches"] and np.unique(duration).size >= 2:
        try:
            scaling = stats.fit_mean_size_scaling(size.astype(np.float64),
                                                  duration.astype(np.float64), min_count=2,
                                                  n_boot=max(params["n_boot"], 2), seed=rng)
        except InvalidParameterError:
            scaling = None
        if scaling is not None:
            cols["gamma"] = float(scaling.gamma)
            cols["gamma_stderr"] = float(scaling.gamma_stderr)
            if size_fit is not None and dur_fit is not None and size_fit.alpha != 1.0:
                check = stats.check_crackling_noise(size_fit, dur_fit, scaling)
                cols["crackling_predicted"] = float(check.predicted)
                cols["crackling_z"] = float(check.z)
                cols["crackling_consistent"] = bool(check.consistent)
    return cols


def _generator(context: AnalysisContext) -> np.random.Generator:
    return np.random.default_rng(context.seed)


# ------------------------------------------------------------------ causal exponents
@register("causal_exponents", constraints={**_FIT_CONSTRAINTS, "include_truncated": Boolean()},
          defaults={**_FIT_DEFAULTS, "include_truncated": False},
          description="Causal avalanche size / duration exponents (discrete MLE, automatic "
                      "xmin) with GoF p, LR tests, verdicts, <S>(T) and crackling noise.")
def causal_exponents(context: AnalysisContext, *, min_avalanches, n_boot, gof_threshold,
                     lr_threshold, min_decades, include_truncated):
    """Exponents of the causal avalanches (complete ones unless ``include_truncated``).

    Parameters
    ----------
    context : AnalysisContext
    min_avalanches : int
        Fewer avalanches give NaN exponents with a "too few avalanches" verdict.
    n_boot : int
        Bootstrap samples of the goodness-of-fit p-value (0: not computed).
    gof_threshold, lr_threshold : float
        p at or below which the power law is ruled out / an alternative is favoured.
    min_decades : float
        A "power law" verdict over a tail spanning fewer decades is "inconclusive".
    include_truncated : bool
    """
    params = {"min_avalanches": min_avalanches, "n_boot": n_boot,
              "gof_threshold": gof_threshold, "lr_threshold": lr_threshold,
              "min_decades": min_decades}
    av = context.run.avalanches
    if not include_truncated:
        av = av.select(include_truncated=False)
    discrete = av.time_step is not None
    duration = np.asarray(av.duration, dtype=np.float64)
    if discrete:
        duration = np.rint(duration / av.time_step)
    cols = {"n_avalanches": int(len(av)),
            "mean_size": float(av.size.mean()) if len(av) else math.nan}
    cols.update(_exponent_columns(np.asarray(av.size), duration, discrete, params,
                                  _generator(context)))
    cols["_artefacts"] = {"size": np.asarray(av.size, np.int64), "duration": duration}
    return cols


# ------------------------------------------------------------------ binned avalanches
def _check_binned(params: dict) -> None:
    if params["subsample"] == "neurons" and params["n_sampled"] < 1 \
            and params["sampled_fraction"] == 0:
        raise InvalidParameterError("Analysis 'binned' with subsample = 'neurons' needs "
                                    "'n_sampled' >= 1 or 'sampled_fraction' > 0.")
    if params["n_sampled"] and params["sampled_fraction"]:
        raise InvalidParameterError("Analysis 'binned' takes one of 'n_sampled' and "
                                    "'sampled_fraction', not both.")


@register("binned", constraints={
    **_FIT_CONSTRAINTS,
    "bin_multiple": Interval(numbers.Real, 0, None, "neither"),
    "subsample": Options(("none", "neurons", "electrodes")),
    "n_sampled": Interval(numbers.Integral, 0),
    "sampled_fraction": Interval(numbers.Real, 0, 1),
    "electrodes_per_side": Interval(numbers.Integral, 1),
    "electrode_radius": Interval(numbers.Real, 0, None, "neither"),
    "k_max": Interval(numbers.Integral, 2)},
    defaults={**_FIT_DEFAULTS, "bin_multiple": 1.0, "subsample": "none", "n_sampled": 0,
              "sampled_fraction": 0.0,
              "electrodes_per_side": 8, "electrode_radius": 1.0, "k_max": 40},
    description="Time-binned avalanches at a multiple of <IEI> (whole steps in discrete "
                "time) after optional subsampling; exponents with GoF and MR branching ratio.",
    extra_check=_check_binned)
def binned(context: AnalysisContext, *, min_avalanches, n_boot, gof_threshold, lr_threshold,
           min_decades, bin_multiple, subsample, n_sampled, sampled_fraction, electrodes_per_side,
           electrode_radius, k_max):
    """The experimentalist's view of the task's spikes.

    Parameters
    ----------
    context : AnalysisContext
    min_avalanches, n_boot, gof_threshold, lr_threshold, min_decades
        As for ``causal_exponents``.
    bin_multiple : float
        Bin width in units of the recorded train's mean inter-event interval <IEI>; for
        discrete time rounded to a whole number of steps, at least one.
    subsample : {"none", "neurons", "electrodes"}
        Record every neuron, ``n_sampled`` neurons drawn at random, or an electrode grid
        (``electrodes_per_side`` per dimension over the network's positions, each seeing
        the neurons within ``electrode_radius``; on a network without positions the
        outcome is `NO_POSITIONS` and the exponents are NaN).
    n_sampled : int
    sampled_fraction : float in [0, 1]
        Alternative to ``n_sampled``: record ``max(1, round(fraction * n_nodes))`` neurons,
        so one study file subsamples the same fraction at every size.
    electrodes_per_side : int
    electrode_radius : float
    k_max : int
        Largest lag of the multistep-regression estimate on the binned recorded activity.
    """
    from netaval import binning, stats

    params = {"min_avalanches": min_avalanches, "n_boot": n_boot,
              "gof_threshold": gof_threshold, "lr_threshold": lr_threshold,
              "min_decades": min_decades}
    rng = _generator(context)
    run = context.run
    cols = {"n_recorded_events": 0, "iei": math.nan, "bin_width": math.nan,
            "n_avalanches": 0, "n_truncated": 0, "mean_size": math.nan, "outcome": "",
            "m_mr": math.nan, "m_mr_stderr": math.nan, "r1_conventional": math.nan}
    empty = {"size": np.zeros(0, np.int64), "duration": np.zeros(0)}
    if subsample == "neurons":
        if sampled_fraction:
            n_sampled = max(1, round(sampled_fraction * context.network.n_nodes))
        if n_sampled > context.network.n_nodes:
            raise InvalidParameterError(f"The 'n_sampled' parameter of analysis 'binned' "
                                        f"({n_sampled}) exceeds the network size "
                                        f"{context.network.n_nodes}.")
        recording = binning.sample_neurons(run, n_sampled=n_sampled, seed=rng)
    elif subsample == "electrodes":
        if context.network.positions is None:
            cols["outcome"] = NO_POSITIONS
            cols.update(_exponent_columns(np.zeros(0), np.zeros(0), True, params, rng))
            cols["_artefacts"] = empty
            return cols
        grid = binning.electrode_grid(context.network, n_per_side=electrodes_per_side)
        recording = binning.record_electrodes(run, context.network, electrodes=grid,
                                              radius=electrode_radius)
    else:
        recording = binning.Recording(run.events.time, run.events.neuron.astype(np.int64),
                                      context.network.n_nodes, 0, run.end_time)
    discrete = run.events.time_step is not None
    t = recording.time
    cols["n_recorded_events"] = int(len(t))
    if len(t) < 2 or t[-1] <= t[0]:
        cols["outcome"] = "no avalanches: fewer than two recorded spike times"
        cols.update(_exponent_columns(np.zeros(0), np.zeros(0), True, params, rng))
        cols["_artefacts"] = empty
        return cols
    iei = float(t[-1] - t[0]) / (len(t) - 1)
    width = bin_multiple * iei
    if discrete:
        width = float(max(1, round(width)))
    cols["iei"], cols["bin_width"] = iei, width
    av = binning.detect_binned_avalanches(recording, bin_width=width)
    complete = ~av.truncated
    size, duration = av.size[complete], av.duration[complete].astype(np.float64)
    cols["n_avalanches"] = int(complete.sum())
    cols["n_truncated"] = int(av.truncated.sum())
    if not complete.any():
        cols["outcome"] = NO_AVALANCHES_MERGED
    else:
        cols["outcome"] = "ok"
        cols["mean_size"] = float(size.mean())
    cols.update(_exponent_columns(size, duration, True, params, rng))
    activity = av.activity
    if len(activity) > 2 * k_max + 2 and np.var(activity) > 0:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                mr = stats.branching_ratio_mr(activity.astype(np.float64), k_max=k_max, dt=width)
                cols["m_mr"], cols["m_mr_stderr"] = float(mr.m), float(mr.m_stderr)
            except InvalidParameterError:
                pass
            cols["r1_conventional"] = float(stats.branching_ratio_conventional(
                activity.astype(np.float64)))
    cols["_artefacts"] = {"size": np.asarray(size, np.int64), "duration": duration}
    return cols


# ------------------------------------------------------------------ branching ratios
@register("branching", constraints={"k_max": Interval(numbers.Integral, 2)},
          defaults={"k_max": 40},
          description="Causal branching ratio, f_ext, and the MR / conventional estimates from "
                      "the full activity.")
def branching(context: AnalysisContext, *, k_max):
    """Causal and estimated branching ratios of the whole network's activity.

    Parameters
    ----------
    context : AnalysisContext
    k_max : int
        Largest lag of the multistep regression (on ``run.activity``).
    """
    from netaval import stats

    run = context.run
    events = run.events
    cols = {"n_events": int(events.n_events),
            "f_ext": float(np.mean(events.is_root)) if events.n_events else math.nan,
            "sigma_causal": math.nan, "m_mr": math.nan, "m_mr_stderr": math.nan,
            "r1_conventional": math.nan}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            cols["sigma_causal"] = float(run.avalanches.branching_ratio())
        except InvalidParameterError:
            pass
        activity = np.asarray(run.activity, dtype=np.float64)
        if len(activity) > 2 * k_max + 2 and np.var(activity) > 0:
            try:
                mr = stats.branching_ratio_mr(activity, k_max=k_max)
                cols["m_mr"], cols["m_mr_stderr"] = float(mr.m), float(mr.m_stderr)
            except InvalidParameterError:
                pass
            cols["r1_conventional"] = float(stats.branching_ratio_conventional(activity))
    return cols


# ------------------------------------------------------------------ densities
@register("density", constraints={"discard": Interval(numbers.Real, 0, 1, "left")},
          defaults={"discard": 0.0},
          description="Mean activity density (firings per neuron per step or unit time) after "
                      "discarding an initial transient; the response F of Kinouchi & Copelli.")
def density(context: AnalysisContext, *, discard):
    """Mean density of firings, with its standard error over blocks.

    Parameters
    ----------
    context : AnalysisContext
    discard : float in [0, 1)
        Fraction of the run (by activity bins) dropped as a transient.
    """
    activity = np.asarray(context.run.activity, dtype=np.float64)
    n = max(context.network.n_nodes, 1)
    start = int(math.floor(discard * len(activity)))
    kept = activity[start:] / n
    cols = {"density": float(kept.mean()) if len(kept) else math.nan,
            "density_stderr": math.nan, "n_bins": int(len(kept)),
            "n_events": int(context.run.events.n_events)}
    n_blocks = 10
    if len(kept) >= 2 * n_blocks:
        blocks = kept[: len(kept) // n_blocks * n_blocks].reshape(n_blocks, -1).mean(axis=1)
        cols["density_stderr"] = float(blocks.std(ddof=1) / math.sqrt(n_blocks))
    return cols
