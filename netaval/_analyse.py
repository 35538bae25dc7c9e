"""``netaval analyse``: the field's standard analysis of a spike file or a saved run.

Time-binned avalanches (Beggs & Plenz 2003) of the pooled spikes, sizes and durations
fitted by discrete power laws with automatic xmin (Clauset et al. 2009), bootstrap
goodness of fit and likelihood-ratio tests against exponential and log-normal laws,
the crackling-noise check, and the MR (Wilting & Priesemann 2018), conventional and
Beggs-Plenz branching ratios of the binned activity. For a saved run the same numbers of
the causal avalanches stand beside them. The fitting and verdict helpers, and their
defaults, are the ones the study analyses use (`netaval.study.analyses`), so a verdict
here and in a study table agree: a "power law" verdict over less than one decade of tail
is reported as inconclusive in both.

`analyse` is the library function; the ``netaval analyse`` command (`netaval.cli`) runs
the same pipeline (`run_analysis`) and prints its table.
"""

from __future__ import annotations

import math
import numbers
import os
import warnings
from typing import Any

import numpy as np

from netaval._validation import MAX_RESAMPLES, Interval, check_param, check_path
from netaval.errors import InvalidParameterError

__all__ = ["analyse"]

_OWNER = "netaval.analyse"
#: Largest MR lag: far beyond any recording's useful range, small enough to stay bounded.
_MAX_LAG = 100_000

#: Rows of the table, in order: (key, label).
ROWS = [
    ("n_spikes", "spikes"), ("n_units", "units"), ("time_unit", "time unit"),
    ("bin_width", "bin width"), ("n_avalanches", "avalanches (complete)"),
    ("n_truncated", "avalanches cut by the window"), ("mean_size", "mean size"),
    ("tau", "size exponent tau"), ("tau_stderr", "  stderr"), ("tau_xmin", "  xmin"),
    ("tau_n_tail", "  n in tail"), ("tau_gof_p", "  GoF p"),
    ("tau_lr_exponential", "  LR vs exponential (R)"), ("tau_lr_exponential_p", "    p"),
    ("tau_lr_lognormal", "  LR vs log-normal (R)"), ("tau_lr_lognormal_p", "    p"),
    ("tau_verdict", "  verdict"),
    ("alpha", "duration exponent alpha"), ("alpha_stderr", "  stderr"),
    ("alpha_xmin", "  xmin"), ("alpha_n_tail", "  n in tail"), ("alpha_gof_p", "  GoF p"),
    ("alpha_lr_exponential", "  LR vs exponential (R)"), ("alpha_lr_exponential_p", "    p"),
    ("alpha_lr_lognormal", "  LR vs log-normal (R)"), ("alpha_lr_lognormal_p", "    p"),
    ("alpha_verdict", "  verdict"),
    ("tau_decades", "size tail span (decades)"), ("alpha_decades", "duration tail span (decades)"),
    ("tau_min", "size exponent, xmin = 1"), ("tau_min_gof_p", "  GoF p"),
    ("tau_min_lr_exponential", "  LR vs exponential (R)"), ("tau_min_lr_exponential_p", "    p"),
    ("tau_min_verdict", "  verdict"),
    ("alpha_min", "duration exponent, xmin = 1"), ("alpha_min_gof_p", "  GoF p"),
    ("alpha_min_lr_exponential", "  LR vs exponential (R)"),
    ("alpha_min_lr_exponential_p", "    p"), ("alpha_min_verdict", "  verdict"),
    ("gamma", "<S>(T) exponent gamma"), ("gamma_stderr", "  stderr"),
    ("crackling_predicted", "crackling (alpha-1)/(tau-1)"), ("crackling_z", "  z vs gamma"),
    ("crackling_consistent", "  consistent"),
    ("m_mr", "branching ratio m (MR)"), ("m_mr_stderr", "  stderr"),
    ("r1_conventional", "branching ratio r1 (conventional)"),
    ("sigma_beggs_plenz", "branching ratio (Beggs-Plenz)"),
    ("sigma_causal", "branching ratio (causal)"),
]


def load_source(source: Any) -> tuple[Any, Any]:
    """``(spikes, run)`` of a Run, a Spikes, a saved run (run is the loaded Run) or a spike
    file (run None)."""
    import netaval
    from netaval.run import Run
    from netaval.spikes import Spikes

    if isinstance(source, Spikes):
        return source, None
    if isinstance(source, Run):
        return _spikes_of_run(source, "the run"), source
    if not isinstance(source, str | os.PathLike):
        raise InvalidParameterError(f"The 'source' parameter of {_OWNER} must be a Run, a "
                                    "Spikes, or the path of a saved run or a spike file. Got "
                                    f"{type(source).__name__} instead.")
    path = check_path(_OWNER, "source", source)
    if os.path.isdir(path) or (path.lower().endswith((".parquet", ".pq")) and _is_run(path)):
        run = netaval.load(path)
        return _spikes_of_run(run, repr(path)), run
    return netaval.io.read_spikes(path), None


def _spikes_of_run(run: Any, name: str) -> Any:
    """The spikes of a run's recorded events (every neuron of its network is a unit)."""
    from netaval.spikes import Spikes

    if run.events is None:
        raise InvalidParameterError(f"{_OWNER} needs the events of {name}; it was simulated "
                                    f"with record={run.record!r}.")
    n_nodes = int((run.network or {}).get("n_nodes") or 0)
    n_units = max(n_nodes, int(run.events.neuron.max()) + 1 if run.events.n_events else 1)
    if run.events.time_step is None:
        time = run.events.time.astype(np.float64)
        end = (max(float(run.end_time), float(np.nextafter(time[-1], math.inf))) if len(time)
               else max(float(run.end_time), 1.0))
        return Spikes(time, run.events.neuron.astype(np.int64), np.arange(n_units), 0.0, end,
                      "s")
    return Spikes(run.events.time, run.events.neuron.astype(np.int64), np.arange(n_units), 0,
                  max(int(run.end_time), 1), "steps")


def _is_run(path: str) -> bool:
    import pyarrow.parquet as pq

    try:
        return b"netaval" in (pq.read_schema(path).metadata or {})
    except Exception:  # not Parquet at all: let the spike reader report it
        return False


def read_unit_file(path: str) -> list[str]:
    """Unit ids listed in ``path``: one per line, or the first column of a CSV with a header
    ``unit`` (``units``, ``unit_id``, ``id``, ``neuron``); ``#`` starts a comment line."""
    with open(path, encoding="utf-8") as handle:
        lines = [line.strip().split(",")[0] for line in handle
                 if line.strip() and not line.lstrip().startswith("#")]
    if lines and lines[0].lower() in ("unit", "units", "unit_id", "id", "neuron"):
        lines = lines[1:]
    return lines


def select_units(spikes: Any, units: Any, where: str) -> Any:
    """Keep the units whose ids (labels) are listed in ``units``; ``where`` names the list
    in errors (e.g. "--units 'u.txt'")."""
    from netaval.spikes import Spikes

    labels = spikes.unit_labels
    try:
        wanted = np.asarray(units).ravel()
        if labels.dtype.kind in "iu":
            wanted = np.array([int(v) for v in wanted.tolist()], dtype=np.int64)
        else:
            wanted = wanted.astype(str)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidParameterError(f"{where}: unit ids must be integers like the "
                                    f"recording's ({exc}).") from None
    unknown = np.setdiff1d(wanted, labels)
    if unknown.size or not wanted.size:
        raise InvalidParameterError(
            f"{where} lists " + (f"unknown units {unknown[:10].tolist()}" if unknown.size
                                 else "no units")
            + f"; the recording has {spikes.n_units} units, e.g. {labels[:10].tolist()}.")
    keep_unit = np.isin(labels, wanted)
    keep = keep_unit[spikes.unit]
    new_index = np.cumsum(keep_unit) - 1
    return Spikes(spikes.time[keep], new_index[spikes.unit[keep]], labels[keep_unit],
                  spikes.start, spikes.end, spikes.time_unit)


def compute(spikes: Any, run: Any, *, bin_width: float | None, bin_multiple: float | None,
            n_boot: int, k_max: int, rng: np.random.Generator) -> dict[str, Any]:
    """The analysis: ``{"binned": columns, "causal": columns or None}`` plus artefacts."""
    from netaval import binning, stats
    from netaval.study.analyses import _FIT_DEFAULTS

    params = {**_FIT_DEFAULTS, "n_boot": n_boot}
    if spikes.n_spikes < 2 or spikes.time[-1] <= spikes.time[0]:
        raise InvalidParameterError(f"{_OWNER} needs at least two spikes at distinct "
                                    f"times; the recording has {spikes.n_spikes}.")
    iei = float(spikes.time[-1] - spikes.time[0]) / (spikes.n_spikes - 1)
    width = bin_width if bin_width is not None else (bin_multiple or 1.0) * iei
    if spikes.time_unit == "steps":
        width = float(max(1, round(width)))
    av = binning.detect_binned_avalanches(spikes, bin_width=width)
    complete = ~av.truncated
    size, duration = av.size[complete], av.duration[complete].astype(np.float64)
    binned = {"n_spikes": spikes.n_spikes, "n_units": spikes.n_units,
              "time_unit": spikes.time_unit, "bin_width": width,
              "n_avalanches": int(complete.sum()), "n_truncated": int(av.truncated.sum()),
              "mean_size": float(size.mean()) if complete.any() else math.nan}
    binned.update(_fits(size, duration, True, params, rng))
    activity = av.activity.astype(np.float64)
    mr = None
    binned.update({"m_mr": math.nan, "m_mr_stderr": math.nan, "r1_conventional": math.nan,
                   "sigma_beggs_plenz": math.nan, "sigma_causal": math.nan})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        k = min(k_max, max(1, (len(activity) - 2) // 2))
        if len(activity) > 4 and np.var(activity) > 0:
            try:
                mr = stats.branching_ratio_mr(activity, k_max=k, dt=width)
                binned["m_mr"], binned["m_mr_stderr"] = float(mr.m), float(mr.m_stderr)
            except InvalidParameterError:
                mr = None
            binned["r1_conventional"] = float(stats.branching_ratio_conventional(activity))
        try:
            binned["sigma_beggs_plenz"] = float(stats.branching_ratio_avalanches(av))
        except InvalidParameterError:
            pass
    result = {"binned": binned, "causal": None, "mr": mr,
              "samples": {"binned": (size, duration)}}
    if run is not None:
        causal_av = run.avalanches.select(include_truncated=False)
        c_size = np.asarray(causal_av.size)
        c_duration = np.asarray(causal_av.duration, np.float64)
        if causal_av.time_step is not None:
            c_duration = np.rint(c_duration / causal_av.time_step)
        causal = {"n_spikes": spikes.n_spikes, "n_units": spikes.n_units,
                  "time_unit": spikes.time_unit, "bin_width": math.nan,
                  "n_avalanches": int(len(causal_av)),
                  "n_truncated": int(len(run.avalanches) - len(causal_av)),
                  "mean_size": float(c_size.mean()) if len(c_size) else math.nan}
        causal.update(_fits(c_size, c_duration, causal_av.time_step is not None, params, rng))
        causal.update({"m_mr": math.nan, "m_mr_stderr": math.nan, "r1_conventional": math.nan,
                       "sigma_beggs_plenz": math.nan})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                causal["sigma_causal"] = float(run.avalanches.branching_ratio())
            except InvalidParameterError:
                causal["sigma_causal"] = math.nan
        result["causal"] = causal
        result["samples"]["causal"] = (c_size, c_duration)
    return result


def _fits(size, duration, discrete_duration, params, rng) -> dict[str, Any]:
    """Exponents with searched xmin (a "power law" over less than a decade of tail is
    inconclusive, as in the study tables), and fits from the smallest value, whose tests
    see the whole distribution, beside them."""
    from netaval.study.analyses import _exponent_columns, _fit_columns

    cols = _exponent_columns(size, duration, discrete_duration, params, rng)
    for prefix, values, discrete in (("tau", size, True), ("alpha", duration, discrete_duration)):
        values = np.asarray(values, np.float64)
        values = values[values > 0]
        low = float(values.min()) if len(values) else None
        fixed, _ = _fit_columns(f"{prefix}_min", values, discrete, params, rng, xmin=low)
        cols.update(fixed)
    return cols


def _cell(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return "-" if not math.isfinite(value) else f"{value:.4g}"
    return "-" if value is None or value == "" else str(value)


def to_frame(result: dict[str, Any]) -> Any:
    """The table as a DataFrame: one row per quantity of `ROWS` (index ``quantity``), its
    ``description`` and a ``binned`` (and, for a run, ``causal``) column of raw values."""
    import pandas as pd

    columns = ["binned"] + (["causal"] if result["causal"] is not None else [])
    keys = [key for key, _ in ROWS]
    descriptions, parents = [], {}
    for _, label in ROWS:  # "  stderr" under "size exponent tau": "size exponent tau: stderr"
        depth = (len(label) - len(label.lstrip())) // 2
        parents[depth] = label.strip()
        descriptions.append(": ".join(parents[d] for d in range(depth + 1)))
    frame = pd.DataFrame({"description": descriptions,
                          **{c: pd.Series([result[c].get(key) for key in keys], dtype=object)
                             for c in columns}})
    frame.index = pd.Index(keys, name="quantity")
    return frame


def format_table(frame: Any) -> tuple[str, list[dict[str, str]]]:
    """The printed table and its rows (quantity label, binned[, causal]) as text cells."""
    columns = [c for c in ("binned", "causal") if c in frame.columns]
    rows = [{"quantity": label, **{c: _cell(frame.at[key, c]) for c in columns}}
            for key, label in ROWS]
    width = max(len(r["quantity"]) for r in rows)
    cell = max(12, *(len(r[c]) for r in rows for c in columns))
    lines = [f"{'':<{width}}  " + "  ".join(f"{c:<{cell}}" for c in columns)]
    lines += [f"{r['quantity']:<{width}}  " + "  ".join(f"{r[c]:<{cell}}" for c in columns)
              for r in rows]
    return "\n".join(line.rstrip() for line in lines), rows


def write_outputs(result: dict[str, Any], rows: list[dict[str, str]], folder: str) -> list[str]:
    """analysis.csv, sizes/durations CCDFs with fits, the MR regression; the paths written."""
    import csv

    from netaval import plot

    os.makedirs(folder, exist_ok=True)
    written = [os.path.join(folder, "analysis.csv")]
    with open(written[0], "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    time_unit = result["binned"]["time_unit"]
    for index, (quantity, prefix, unit) in enumerate((("size", "tau", "spikes"),
                                                      ("duration", "alpha", "bins"))):
        data, fits = {}, {}
        for label, samples in result["samples"].items():
            values = samples[index][samples[index] > 0]
            if len(values):
                data[label] = values
                cols = result[label]
                fits[label] = {"alpha": cols[prefix], "xmin": cols[f"{prefix}_xmin"],
                               "alpha_stderr": cols[f"{prefix}_stderr"],
                               "gof_p": cols[f"{prefix}_gof_p"]}
        if data:
            path = os.path.join(folder, f"{quantity}s")
            unit_text = unit if "causal" not in data else f"{unit}; causal durations in {time_unit}"
            plt = plot._pyplot()
            plt.close(plot.ccdf(data, fits=fits, quantity=quantity, unit=unit_text, path=path))
            written.append(path + ".png")
    mr = result["mr"]
    if mr is not None:
        plt = plot._pyplot()
        fig, ax = plt.subplots(figsize=(5.5, 4.2))
        mr.plot(ax=ax, unit=time_unit)
        ax.set_title(f"multistep regression (Wilting & Priesemann 2018), bins of "
                     f"{result['binned']['bin_width']:.4g} {time_unit}", fontsize=9)
        fig.tight_layout()
        written.append(os.path.join(folder, "mr.png"))
        fig.savefig(written[-1], dpi=120)
        plt.close(fig)
    return written


def run_analysis(source: Any, *, bin_width: Any = None, bin_multiple: Any = None,
                 units: Any = None, n_boot: Any = 100, k_max: Any = 40, out: Any = None,
                 seed: Any = None) -> tuple[Any, list[str], bool]:
    """`analyse`'s pipeline: ``(table, paths written, source is a run)``."""
    from netaval._random import as_generator

    for name, value in (("bin_width", bin_width), ("bin_multiple", bin_multiple)):
        check_param(_OWNER, name, value, Interval(numbers.Real, 0, None, closed="neither",
                                                  allow_none=True))
        if value is not None and not math.isfinite(value):
            raise InvalidParameterError(f"The {name!r} parameter of {_OWNER} must be finite. "
                                        f"Got {value!r} instead.")
    if bin_width is not None and bin_multiple is not None:
        raise InvalidParameterError(f"The 'bin_width' and 'bin_multiple' parameters of {_OWNER} "
                                    "exclude each other: give at most one.")
    check_param(_OWNER, "n_boot", n_boot, Interval(numbers.Integral, 0, MAX_RESAMPLES))
    check_param(_OWNER, "k_max", k_max, Interval(numbers.Integral, 1, _MAX_LAG))
    folder = None if out is None else check_path(_OWNER, "out", out)
    if folder is not None and os.path.exists(folder) and not os.path.isdir(folder):
        raise InvalidParameterError(f"The 'out' parameter of {_OWNER} must be a folder; "
                                    f"{folder!r} is a file.")
    rng = as_generator(seed, owner=_OWNER)
    where = f"The 'units' parameter of {_OWNER}"
    if units is not None:
        if isinstance(units, str | os.PathLike):
            path = check_path(_OWNER, "units", units)
            units, where = read_unit_file(path), f"{where} ({path!r})"
        elif isinstance(units, bytes) or not np.iterable(units) or np.ndim(units) != 1:
            raise InvalidParameterError(f"{where} must be a file of unit ids or a 1-d sequence "
                                        f"of unit ids. Got {units!r} instead.")
    spikes, run = load_source(source)
    if units is not None:
        spikes = select_units(spikes, units, where)
    result = compute(spikes, run, bin_width=None if bin_width is None else float(bin_width),
                     bin_multiple=None if bin_multiple is None else float(bin_multiple),
                     n_boot=int(n_boot), k_max=int(k_max), rng=rng)
    frame = to_frame(result)
    written = [] if folder is None else write_outputs(result, format_table(frame)[1], folder)
    return frame, written, run is not None


def analyse(source, *, bin_width=None, bin_multiple=None, units=None, n_boot=100, k_max=40,
            out=None, seed=None):
    """The field's standard avalanche analysis of recorded spikes (or of a run).

    The spikes of all units are pooled and cut into time bins; an avalanche is a run of
    non-empty bins between empty ones (Beggs & Plenz 2003). Sizes and durations are fitted
    by discrete power laws with automatic xmin (Clauset et al. 2009), with bootstrap
    goodness of fit and likelihood-ratio tests against exponential and log-normal laws;
    a "power law" verdict over less than a decade of tail is reported as inconclusive,
    and fits from the smallest value stand beside. Then <S>(T) and the crackling-noise
    check, and the MR (Wilting & Priesemann 2018), conventional and Beggs-Plenz
    branching ratios of the binned activity. For a run, the same statistics of its
    causal avalanches fill a second column. ``netaval analyse SOURCE`` prints this table.

    Parameters
    ----------
    source : Run, Spikes, str or os.PathLike
        A simulated or loaded `netaval.Run` (binned and causal columns), a
        `netaval.Spikes`, the path of a saved run, or a spike file that
        `netaval.io.read_spikes` reads (CSV/TSV, Parquet, NWB).
    bin_width : float, optional
        Bin width in the recording's time unit (seconds, or steps rounded to a whole
        number of steps). Default: ``bin_multiple`` times the mean inter-event interval
        of the pooled spikes.
    bin_multiple : float, optional
        The bin width as a multiple of the mean inter-event interval (default 1).
        At most one of ``bin_width`` and ``bin_multiple``.
    units : str, os.PathLike or sequence, optional
        Analyse only these units: their ids (as the source names them), or a file
        listing one id per line (a header ``unit`` and ``#`` comments are allowed).
    n_boot : int, default 100
        Bootstrap samples of each goodness-of-fit p-value (0: not computed).
    k_max : int, default 40
        Largest lag of the MR regression (capped at half the number of bins).
    out : str or os.PathLike, optional
        Folder (created if missing) for ``analysis.csv`` and the figures: ``sizes.png``
        and ``durations.png`` (CCDFs with the fits, each with a CSV of the plotted data)
        and ``mr.png`` (the MR regression).
    seed : None, int or numpy.random.Generator, keyword-only
        Randomness of the bootstrap goodness-of-fit tests.

    Returns
    -------
    pandas.DataFrame
        One row per quantity (index ``quantity``: ``"tau"``, ``"tau_stderr"``,
        ``"tau_gof_p"``, ``"tau_verdict"``, ``"alpha"``, ``"gamma"``, ``"m_mr"``, ...),
        a ``description`` column and the values in ``binned`` and, for a run, ``causal``
        (object dtype: numbers, verdict strings, NaN where not applicable).

    Raises
    ------
    InvalidParameterError
        Invalid values, unknown units, a run without events, fewer than two spikes.
    FileNotFoundError
        ``source`` or ``units`` names no file.
    CorruptFileError
        A spike file that cannot be parsed (with the line and the reason).

    See Also
    --------
    netaval.io.read_spikes : the spike-file reader.
    netaval.binning.detect_binned_avalanches, netaval.stats.fit_power_law,
    netaval.stats.branching_ratio_mr : the steps, one by one.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> spikes = netaval.Spikes.from_arrays(rng.uniform(0, 60, 3000),
    ...                                     units=rng.integers(0, 20, 3000))
    >>> table = netaval.analyse(spikes, n_boot=0, seed=0)
    >>> table.loc["n_spikes", "binned"], table.loc["time_unit", "binned"]
    (3000, 's')
    >>> table.loc["tau_min_verdict"].tolist()  # independent units: no power law
    ['size exponent, xmin = 1: verdict', 'exponential and lognormal favoured over power law']
    """
    return run_analysis(source, bin_width=bin_width, bin_multiple=bin_multiple, units=units,
                        n_boot=n_boot, k_max=k_max, out=out, seed=seed)[0]
