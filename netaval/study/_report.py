"""A study's report: tables and figures regenerated from the stored results alone.

``[[report.figures]]`` entries of the study file choose what is drawn (kinds below); the
results table is always written to ``tables/results.csv``. Nothing here simulates.
"""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from netaval.errors import InvalidParameterError, NetavalWarning

__all__ = ["FIGURE_KINDS", "dynamic_range", "report", "write_report"]

#: figure kind -> the keys its [[report.figures]] entry may set
FIGURE_KINDS = {
    "table": {"columns"},
    "topology_comparison": {"metric", "analyses", "x", "panel"},
    "ccdf": {"analyses", "quantity", "model", "n_nodes"},
    "mean_size": {"analyses", "model", "n_nodes"},
    "dynamic_range": {"analysis", "drive", "control", "series"},
}


def dynamic_range(drive, response) -> dict[str, float]:
    """Kinouchi-Copelli dynamic range of a response curve F(h).

    F_0 and F_max are the responses at the smallest and largest stimulus; h_x solves
    F(h_x) = F_0 + x (F_max - F_0), interpolated linearly in log h on the monotone envelope
    of F; Delta = 10 log10(h_0.9 / h_0.1) in dB.

    Parameters
    ----------
    drive : array-like of float
        Stimuli h > 0.
    response : array-like of float
        Responses F(h).

    Returns
    -------
    dict
        ``F0``, ``Fmax``, ``h_0.1``, ``h_0.9``, ``dynamic_range_db`` (NaN when F is flat).

    Examples
    --------
    >>> from netaval.study._report import dynamic_range
    >>> h = np.geomspace(1e-4, 1, 9)
    >>> round(dynamic_range(h, h / (h + 0.01))["dynamic_range_db"], 1)
    18.9
    """
    h = np.asarray(drive, dtype=np.float64)
    f = np.asarray(response, dtype=np.float64)
    if h.shape != f.shape or h.ndim != 1 or len(h) < 2 or np.any(h <= 0) \
            or not np.all(np.isfinite(f)):
        raise InvalidParameterError("The 'drive' and 'response' parameters of dynamic_range "
                                    "must be finite 1-d arrays of one length >= 2 with "
                                    "positive drives.")
    order = np.argsort(h)
    h, f = h[order], np.maximum.accumulate(f[order])
    f0, fmax = float(f[0]), float(f[-1])
    out = {"F0": f0, "Fmax": fmax, "h_0.1": math.nan, "h_0.9": math.nan,
           "dynamic_range_db": math.nan}
    if fmax <= f0:
        return out
    log_h = np.log(h)
    for x in (0.1, 0.9):
        target = f0 + x * (fmax - f0)
        k = int(np.searchsorted(f, target))
        k = min(max(k, 1), len(f) - 1)
        lo, hi = f[k - 1], f[k]
        frac = 0.0 if hi == lo else (target - lo) / (hi - lo)
        out[f"h_{x}"] = float(np.exp(log_h[k - 1] + frac * (log_h[k] - log_h[k - 1])))
    out["dynamic_range_db"] = float(10.0 * math.log10(out["h_0.9"] / out["h_0.1"]))
    return out


def _select(table, entry: dict):
    """Rows of one model and one size (first of each by default), replicate 0 first."""
    model = entry.get("model", table["model"].iloc[0])
    n_nodes = entry.get("n_nodes", int(table["n_nodes"].iloc[0]))
    part = table[(table["model"] == model) & (table["n_nodes"] == n_nodes)]
    if part.empty:
        raise InvalidParameterError(f"report: no results for model {model!r} at n_nodes "
                                    f"{n_nodes}.")
    return part, model, n_nodes


def _analyses(table, entry: dict, metric: str) -> list[str]:
    if "analyses" in entry:
        return list(entry["analyses"])
    return [c[: -len(metric) - 1] for c in table.columns if c.endswith(f".{metric}")]


def _distribution_figures(root: Path, store, table, entry: dict, written: list) -> None:
    from netaval import plot

    part, model, n_nodes = _select(table, entry)
    kind = entry["kind"]
    quantity = entry.get("quantity", "size")
    metric = "tau" if quantity == "size" else "alpha"
    labels = _analyses(table, entry, "tau")
    for topology, rows in part.groupby("topology", sort=False):
        row = rows.sort_values("replicate").iloc[0]
        arrays = store.artefacts(int(row["task"]))
        samples, fits, pairs, lines = {}, {}, {}, {}
        for label in labels:
            size, duration = arrays.get(f"{label}.size"), arrays.get(f"{label}.duration")
            if size is None or not len(size):
                continue
            if kind == "ccdf":
                values = size if quantity == "size" else duration
                samples[label] = values[values > 0]
                fits[label] = {"alpha": row.get(f"{label}.{metric}", math.nan),
                               "alpha_stderr": row.get(f"{label}.{metric}_stderr", math.nan),
                               "xmin": row.get(f"{label}.{metric}_xmin", math.nan),
                               "gof_p": row.get(f"{label}.{metric}_gof_p", math.nan)}
            else:
                pairs[label] = (size, duration)
        name = f"{entry['name']}_{topology}"
        title = f"{topology}, {model}, n = {n_nodes}"
        if kind == "ccdf" and samples:
            fig = plot.ccdf(samples, fits=fits, quantity=quantity,
                            unit="events" if quantity == "size" else "steps or bins",
                            title=title, path=root / "figures" / name)
        elif kind == "mean_size" and pairs:
            for label in pairs:
                gamma = row.get(f"{label}.gamma", math.nan)
                size, duration = pairs[label]
                if math.isfinite(gamma):  # intercept of the fitted line through the means
                    t, inv = np.unique(duration[duration > 0], return_inverse=True)
                    mean = np.bincount(inv, weights=size[duration > 0]) / np.bincount(inv)
                    lines[label] = (gamma, float(np.mean(np.log(mean) - gamma * np.log(t))))
            fig = plot.mean_size(pairs, fits=lines, unit="steps or bins", title=title,
                                 path=root / "figures" / name)
        else:
            continue
        _close(fig)
        written.append(root / "figures" / f"{name}.png")


def _close(fig) -> None:
    import matplotlib.pyplot as plt

    plt.close(fig)


def _dynamic_range_figures(root: Path, table, entry: dict, written: list) -> None:
    import pandas as pd

    from netaval import plot

    analysis = entry.get("analysis", "density")
    drive = entry.get("drive", "param.drive")
    control = entry.get("control", "param.sigma")
    series = entry.get("series", "model")
    y = f"{analysis}.density"
    for column in (drive, control, y):
        if column not in table.columns:
            raise InvalidParameterError(f"report {entry['name']!r}: column {column!r} is not "
                                        "in the results.")
    keys = ["topology", series, "n_nodes", control, drive]
    curves = table.groupby(keys, sort=False)[y].mean().reset_index()
    curves["curve"] = curves[series].astype(str) + ", " + control.split(".")[-1] + " = " + \
        curves[control].map(lambda v: f"{v:g}")
    rows = []
    for (topology, label, n_nodes, value), curve in curves.groupby(keys[:-1], sort=False):
        dr = dynamic_range(curve[drive].to_numpy(), curve[y].to_numpy())
        rows.append({"topology": topology, series: label, "n_nodes": n_nodes, control: value,
                     **dr})
    summary = pd.DataFrame(rows)
    _write_csv(root / "tables" / f"{entry['name']}.csv", summary)
    written.append(root / "tables" / f"{entry['name']}.csv")
    positive = curves[curves[y] > 0]
    fig = plot.response_curve(positive, x=drive, y=y, series="curve", panel="topology",
                              path=root / "figures" / f"{entry['name']}_response")
    _close(fig)
    written.append(root / "figures" / f"{entry['name']}_response.png")
    plt = plot._pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    plotted = []
    for (topology, label), part in summary.groupby(["topology", series], sort=False):
        part = part.sort_values(control)
        ax.plot(part[control], part["dynamic_range_db"], "o-", ms=3, label=f"{topology}, {label}")
        plotted.append(part[["topology", series, control, "dynamic_range_db"]])
    ax.axvline(1.0, color="grey", lw=0.8, ls=":")
    ax.set_xlabel(f"{control.split('.')[-1]} (branching parameter, dimensionless)")
    ax.set_ylabel("dynamic range Delta (dB)")
    ax.legend(fontsize=6)
    fig.tight_layout()
    plot._save(fig, pd.concat(plotted, ignore_index=True) if plotted else summary,
               str(root / "figures" / f"{entry['name']}_delta"))
    _close(fig)
    written.append(root / "figures" / f"{entry['name']}_delta.png")


def _write_csv(path: Path, frame) -> None:
    from netaval.io._atomic import atomic_write

    path.parent.mkdir(parents=True, exist_ok=True)
    text = frame.to_csv(index=False).encode()
    atomic_write(path, lambda handle: handle.write(text))


def write_report(root: str | os.PathLike, *, table=None) -> list[Path]:
    """Write ``tables/`` and ``figures/`` of the study stored in ``root``; return the paths."""
    from netaval import plot
    from netaval.study._store import Store

    root = Path(root)
    store = Store(root)
    manifest = store.manifest()
    table = store.results() if table is None else table
    written = []
    _write_csv(root / "tables" / "results.csv", table)
    written.append(root / "tables" / "results.csv")
    if table.empty:
        return written
    for entry in manifest["spec"].get("report", {}).get("figures", []):
        kind = entry["kind"]
        if kind == "table":
            columns = [c for c in entry.get("columns", list(table.columns)) if c in table.columns]
            _write_csv(root / "tables" / f"{entry['name']}.csv", table[columns])
            written.append(root / "tables" / f"{entry['name']}.csv")
        elif kind == "topology_comparison":
            metric = entry.get("metric", "tau")
            if not _analyses(table, entry, metric):
                warnings.warn(f"report {entry['name']!r}: no '<analysis>.{metric}' column in "
                              "the results; figure skipped.", NetavalWarning, stacklevel=2)
                continue
            fig = plot.topology_comparison(table, metric=metric,
                                           analyses=_analyses(table, entry, metric),
                                           x=entry.get("x", "topology"),
                                           panel=entry.get("panel", "model"),
                                           path=root / "figures" / entry["name"])
            _close(fig)
            written.append(root / "figures" / f"{entry['name']}.png")
        elif kind in ("ccdf", "mean_size"):
            _distribution_figures(root, store, table, entry, written)
        elif kind == "dynamic_range":
            _dynamic_range_figures(root, table, entry, written)
    return written


def report(out_dir: str | os.PathLike) -> list[Any]:
    """Regenerate a study's tables and figures from its stored results only (no simulation).

    Parameters
    ----------
    out_dir : str or os.PathLike
        A folder written by `netaval.study.run`.

    Returns
    -------
    list of pathlib.Path
        The files written (PNG figures have a CSV of their data next to them).
    """
    from netaval.study._engine import _existing_store

    store = _existing_store("report", out_dir)
    return write_report(store.root)
