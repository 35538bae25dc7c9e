"""``netaval analyse``: the field's standard analysis of a spike file or a saved run.

Time-binned avalanches (Beggs & Plenz 2003) of the pooled spikes, sizes and durations
fitted by discrete power laws with automatic xmin (Clauset et al. 2009), bootstrap
goodness of fit and likelihood-ratio tests against exponential and log-normal laws,
the crackling-noise check, and the MR (Wilting & Priesemann 2018), conventional and
Beggs-Plenz branching ratios of the binned activity. For a saved run the same numbers of
the causal avalanches stand beside them. The fitting and verdict helpers are the ones
the study analyses use (`netaval.study.analyses`), so a study and this command agree.
"""

from __future__ import annotations

import math
import os
import warnings
from typing import Any

import numpy as np

from netaval.errors import InvalidParameterError

__all__ = ["analyse", "load_source", "format_table"]

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


def load_source(path: str) -> tuple[Any, Any]:
    """``(spikes, run)`` from a saved run (run is then the Run) or a spike file (run None)."""
    import netaval
    from netaval.spikes import Spikes

    if os.path.isdir(path) or (path.lower().endswith((".parquet", ".pq")) and _is_run(path)):
        run = netaval.load(path)
        if run.events is None:
            raise InvalidParameterError(f"netaval analyse needs the events of {path!r}; it was "
                                        f"simulated with record={run.record!r}.")
        n_nodes = int((run.network or {}).get("n_nodes") or 0)
        n_units = max(n_nodes, int(run.events.neuron.max()) + 1 if run.events.n_events else 1)
        if run.events.time_step is None:
            time = run.events.time.astype(np.float64)
            spikes = Spikes(time, run.events.neuron.astype(np.int64), np.arange(n_units), 0.0,
                            max(float(run.end_time), float(np.nextafter(time[-1], math.inf)))
                            if len(time) else max(float(run.end_time), 1.0), "s")
        else:
            spikes = Spikes(run.events.time, run.events.neuron.astype(np.int64),
                            np.arange(n_units), 0, max(int(run.end_time), 1), "steps")
        return spikes, run
    return netaval.io.read_spikes(path), None


def _is_run(path: str) -> bool:
    import pyarrow.parquet as pq

    try:
        return b"netaval" in (pq.read_schema(path).metadata or {})
    except Exception:  # not Parquet at all: let the spike reader report it
        return False


def select_units(spikes: Any, path: str) -> Any:
    """Keep the units listed in ``path`` (one id per line, or a CSV column ``unit``)."""
    from netaval.spikes import Spikes

    with open(path, encoding="utf-8") as handle:
        lines = [line.strip().split(",")[0] for line in handle
                 if line.strip() and not line.lstrip().startswith("#")]
    if lines and lines[0].lower() in ("unit", "units", "unit_id", "id", "neuron"):
        lines = lines[1:]
    labels = spikes.unit_labels
    wanted = np.array(lines, dtype=str)
    if labels.dtype.kind in "iu":
        try:
            wanted = np.array([int(v) for v in lines], dtype=np.int64)
        except ValueError as exc:
            raise InvalidParameterError(f"--units {path!r}: unit ids must be integers like the "
                                        f"recording's ({exc}).") from None
    unknown = np.setdiff1d(wanted, labels)
    if unknown.size or not wanted.size:
        raise InvalidParameterError(
            f"--units {path!r} lists " + (f"unknown units {unknown[:10].tolist()}" if unknown.size
                                           else "no units")
            + f"; the recording has {spikes.n_units} units, e.g. {labels[:10].tolist()}.")
    keep_unit = np.isin(labels, wanted)
    keep = keep_unit[spikes.unit]
    new_index = np.cumsum(keep_unit) - 1
    return Spikes(spikes.time[keep], new_index[spikes.unit[keep]], labels[keep_unit],
                  spikes.start, spikes.end, spikes.time_unit)


def analyse(spikes: Any, run: Any = None, *, bin_width: float | None = None,
            bin_multiple: float | None = None, n_boot: int = 100, k_max: int = 40,
            seed: Any = None) -> dict[str, Any]:
    """The analysis table: ``{"binned": columns, "causal": columns or None}`` plus artefacts."""
    from netaval import binning, stats
    from netaval._random import as_generator

    rng = as_generator(seed)
    params = {"min_avalanches": 50, "n_boot": n_boot, "gof_threshold": 0.1, "lr_threshold": 0.1}
    if spikes.n_spikes < 2 or spikes.time[-1] <= spikes.time[0]:
        raise InvalidParameterError("netaval analyse needs at least two spikes at distinct "
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
    """Exponents with searched xmin, the tail's span, and fits from the smallest value.

    A searched xmin can retreat into a short tail where any steep law passes the tests
    (an exponential tail looks like a power law over a fraction of a decade), so a
    "power law" verdict over less than one decade is reported as inconclusive, and the
    fits from xmin = 1, whose tests see the whole distribution, stand beside it.
    """
    from netaval.study.analyses import _exponent_columns, _fit_columns

    cols = _exponent_columns(size, duration, discrete_duration, params, rng)
    for prefix, values, discrete in (("tau", size, True), ("alpha", duration, discrete_duration)):
        values = np.asarray(values, np.float64)
        values = values[values > 0]
        xmin = cols[f"{prefix}_xmin"]
        decades = (math.log10(values.max() / xmin) if len(values) and math.isfinite(xmin)
                   else math.nan)
        cols[f"{prefix}_decades"] = decades
        if cols[f"{prefix}_verdict"] == "power law" and not decades >= 1.0:
            cols[f"{prefix}_verdict"] = f"inconclusive: power law over {decades:.2g} decades only"
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


def format_table(result: dict[str, Any]) -> tuple[str, list[dict[str, str]]]:
    """The printed table and its rows (quantity, binned[, causal])."""
    columns = ["binned"] + (["causal"] if result["causal"] is not None else [])
    rows = [{"quantity": label, **{c: _cell(result[c].get(key)) for c in columns}}
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
            plot.ccdf(data, fits=fits, quantity=quantity, unit=unit_text, path=path)
            written.append(path + ".png")
    mr = result["mr"]
    if mr is not None:
        plt = plot._pyplot()
        fig, ax = plt.subplots(figsize=(5.5, 4.2))
        ax.plot(mr.k, mr.r_k, "o", ms=3, label="regression slopes r_k")
        ax.plot(mr.k, mr.fitted(), "-", label=f"b m^k: m = {mr.m:.4f} +/- {mr.m_stderr:.2g}")
        ax.set_xlabel(f"lag k (bins of {result['binned']['bin_width']:.4g} {time_unit})")
        ax.set_ylabel("r_k")
        ax.set_title("multistep regression (Wilting & Priesemann 2018)", fontsize=9)
        ax.legend(fontsize=8)
        fig.tight_layout()
        written.append(os.path.join(folder, "mr.png"))
        fig.savefig(written[-1], dpi=120)
        plt.close(fig)
    return written
