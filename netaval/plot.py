"""Figures of avalanche statistics; each saved as PNG with a CSV of exactly the plotted data.

Every function returns the matplotlib Figure and, given ``path``, writes ``path.png`` and
``path.csv`` (long format: one row per plotted point, with the panel and series it belongs
to). Axes are labelled with their units. matplotlib's Agg backend is used when no display
is needed, so figures can be written on a headless machine.

- `ccdf`: complementary cumulative distributions on log axes, the fitted power law drawn
  over its fitted window [xmin, max] with the exponent and the GoF p-value in the legend;
- `mean_size`: <S>(T) on log axes with the fitted slope;
- `shape_collapse`: scaled average avalanche profiles and the collapsed shape;
- `hysteresis`: up and down branches of a quasi-static sweep (`netaval.hysteresis`);
- `response_curve`: Kinouchi-Copelli response F(h) curves;
- `topology_comparison`: an exponent with error bars per topology and analysis.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from netaval._validation import Boolean, check_param
from netaval.errors import InvalidParameterError

__all__ = ["ccdf", "hysteresis", "mean_size", "response_curve", "shape_collapse",
           "topology_comparison"]


def _pyplot():
    import matplotlib

    if not os.environ.get("DISPLAY") and matplotlib.get_backend().lower() not in ("agg",):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def axes(owner: str, ax: Any) -> Any:
    """``ax``, or a new figure's axis when it is None; anything but a matplotlib Axes is
    refused naming ``ax`` and ``owner`` (the ``.plot(ax=None)`` methods of fit results)."""
    plt = _pyplot()
    if ax is None:
        return plt.subplots()[1]
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise InvalidParameterError(f"The 'ax' parameter of {owner} must be a matplotlib Axes "
                                    f"or None. Got {type(ax).__name__} instead.")
    return ax


def _check_text(owner: str, name: str, value: Any, *, optional: bool = False) -> None:
    """A free-form label (title, unit): a str, or None when ``optional``."""
    if not (isinstance(value, str) or (optional and value is None)):
        raise InvalidParameterError(f"The {name!r} parameter of {owner} must be a str"
                                    f"{' or None' if optional else ''}. Got {value!r} instead.")


def _check_column(owner: str, name: str, value: Any, table: Any, *,
                  optional: bool = False) -> None:
    """A column name of ``table`` (or None when ``optional``)."""
    if optional and value is None:
        return
    if not isinstance(value, str) or value not in table.columns:
        raise InvalidParameterError(f"The {name!r} parameter of {owner} must name a column of "
                                    f"the table ({sorted(map(str, table.columns))}). Got "
                                    f"{value!r} instead.")


def _check_table(owner: str, table: Any) -> None:
    import pandas as pd

    if not isinstance(table, pd.DataFrame):
        raise InvalidParameterError(f"The 'table' parameter of {owner} must be a pandas "
                                    f"DataFrame. Got {type(table).__name__} instead.")


def _check_path(owner: str, path: Any) -> str | None:
    if path is None:
        return None
    if not isinstance(path, str | os.PathLike):
        raise InvalidParameterError(f"The 'path' parameter of {owner} must be a path or None. "
                                    f"Got {path!r} instead.")
    path = os.fspath(path)
    return path[:-4] if path.endswith((".png", ".csv")) else path


def _save(fig, data, path: str | None) -> None:
    """Write ``path.png`` and ``path.csv`` atomically."""
    if path is None:
        return
    from netaval.io._atomic import atomic_write

    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    atomic_write(path + ".png", lambda handle: fig.savefig(handle, format="png", dpi=120))
    text = data.to_csv(index=False).encode()
    atomic_write(path + ".csv", lambda handle: handle.write(text))


def _empirical_ccdf(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    unique, counts = np.unique(values, return_counts=True)
    return unique, counts[::-1].cumsum()[::-1] / counts.sum()


#: Symbols of the field for the random variables (S for size, T for duration).
_SYMBOLS = {"size": "S", "duration": "T"}


def _ccdf_labels(quantity: str, unit: str) -> tuple[str, str]:
    """Axis labels of a CCDF: ("avalanche size S (events)", "P(S >= s)")."""
    symbol = _SYMBOLS.get(quantity, quantity[:1].upper() or "X")
    return f"avalanche {quantity} {symbol} ({unit})", f"P({symbol} >= {symbol.lower()})"


#: Unicode superscripts of an exponent's characters.
_SUPERSCRIPT = str.maketrans("-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075"
                                            "\u2076\u2077\u2078\u2079")


def _decade_label(value: float, _position: Any = None) -> str:
    """``1``, ``10``, ``10²``, ``10⁻³``: a power of ten as plain text (matplotlib's
    mathtext labels cost a parse per label and per draw, about a fifth of a figure's
    time), empty between decades."""
    exponent = round(math.log10(value)) if value > 0 else None
    if exponent is None or not math.isclose(value, 10.0 ** exponent, rel_tol=1e-9):
        return ""
    return {0: "1", 1: "10"}.get(exponent, "10" + str(exponent).translate(_SUPERSCRIPT))


def _log_ticks(ax) -> None:
    """Readable ticks on the log axes of ``ax``: labels at decades, unlabelled minor ticks.

    An axis whose view spans less than two decades is labelled at 1, 2 and 5 times powers
    of ten instead (plain numbers), so it never shows one or two lonely labels or a forest
    of minor ones. Call it once the data are drawn (the choice follows the view limits).
    """
    from matplotlib import ticker

    for axis, limits in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
        if axis.get_scale() != "log":
            continue
        lo, hi = sorted(limits)
        if math.log10(hi / lo) >= 2.0:
            axis.set_major_locator(ticker.LogLocator(base=10.0, numticks=12))
            axis.set_major_formatter(ticker.FuncFormatter(_decade_label))
        else:
            axis.set_major_locator(ticker.LogLocator(base=10.0, subs=(1.0, 2.0, 5.0),
                                                     numticks=12))
            axis.set_major_formatter(ticker.FuncFormatter(lambda value, _: f"{value:g}"))
        axis.set_minor_locator(ticker.LogLocator(base=10.0, subs=np.arange(2.0, 10.0),
                                                 numticks=12))
        axis.set_minor_formatter(ticker.NullFormatter())


def _as_samples(owner: str, data: Any) -> dict[str, np.ndarray]:
    if isinstance(data, Mapping):
        items = dict(data)
    else:
        items = {"data": data}
    if not items:
        raise InvalidParameterError(f"The 'data' parameter of {owner} must hold at least one "
                                    "sample.")
    out = {}
    for label, values in items.items():
        try:
            array = np.asarray(values, dtype=np.float64).ravel()
        except (TypeError, ValueError) as exc:
            raise InvalidParameterError(f"The 'data' parameter of {owner} must hold arrays of "
                                        f"numbers (series {label!r}: {exc}).") from None
        if not np.all(np.isfinite(array)) or np.any(array <= 0):
            raise InvalidParameterError(f"The 'data' parameter of {owner} must hold positive "
                                        f"finite values (series {label!r}).")
        out[str(label)] = array
    return out


def _fit_tuple(owner: str, fit: Any) -> tuple[float, float, float, float] | None:
    """(alpha, alpha_stderr, xmin, gof_p) from a PowerLawFit, a mapping or None."""
    if fit is None:
        return None
    if hasattr(fit, "alpha") and hasattr(fit, "xmin"):
        return (float(fit.alpha), float(fit.alpha_stderr), float(fit.xmin),
                float(getattr(fit, "gof_p", math.nan)))
    if isinstance(fit, Mapping) and {"alpha", "xmin"} <= set(fit):
        return (float(fit["alpha"]), float(fit.get("alpha_stderr", math.nan)),
                float(fit["xmin"]), float(fit.get("gof_p", math.nan)))
    raise InvalidParameterError(f"The 'fits' parameter of {owner} must map series to a "
                                "PowerLawFit or a dict with alpha, xmin (and alpha_stderr, "
                                f"gof_p). Got {fit!r}.")


def _scaling_fit(owner: str, fit: Any) -> tuple[float, float] | None:
    """(gamma, log_c) from a MeanSizeScaling, a pair of numbers or None."""
    if fit is None:
        return None
    pair = (fit.gamma, fit.log_c) if hasattr(fit, "gamma") else fit
    try:
        gamma, log_c = (float(v) for v in pair)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"The 'fits' parameter of {owner} must map series to a "
                                    f"MeanSizeScaling or a (gamma, log_c) pair of numbers. "
                                    f"Got {fit!r}.") from None
    return gamma, log_c


def _discrete_power_law_ccdf(alpha: float, xmin: float, x: np.ndarray) -> np.ndarray:
    from scipy.special import zeta

    return zeta(alpha, x) / zeta(alpha, xmin)


def ccdf(data, *, fits=None, quantity="size", unit="events", discrete=True, title=None,
         path=None):
    """Complementary cumulative distributions P(X >= x) with fitted power laws.

    Parameters
    ----------
    data : array-like or mapping of str to array-like
        One sample, or several labelled ones (e.g. causal and binned sizes).
    fits : PowerLawFit, mapping, or mapping of str to those, optional
        The fit of each series (same labels as ``data``): a `netaval.stats.PowerLawFit` or
        a dict with ``alpha``, ``xmin`` and optionally ``alpha_stderr`` and ``gof_p``. The
        law is drawn over [xmin, largest value], scaled to the empirical CCDF at xmin; the
        legend shows alpha, its error and the GoF p-value. Series whose fit has a NaN
        exponent are drawn without a law.
    quantity : str, default "size"
        The avalanche quantity, e.g. "size" (axes "avalanche size S (events)" and
        "P(S >= s)") or "duration" (T).
    unit : str, default "events"
        Unit of the quantity ("events", "steps", "bins", "time units").
    discrete : bool, default True
        Discrete (Hurwitz zeta) or continuous power law.
    title : str, optional
    path : str or os.PathLike, optional
        Write ``path.png`` and ``path.csv``.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> x = netaval.stats.sample_power_law(500, alpha=2.0, xmin=1, seed=1)
    >>> fig = netaval.plot.ccdf({"sample": x}, fits={"sample": {"alpha": 2.0, "xmin": 1}})
    >>> fig.axes[0].get_xscale(), fig.axes[0].get_ylabel()
    ('log', 'P(S >= s)')
    """
    import pandas as pd

    owner = "netaval.plot.ccdf"
    samples = _as_samples(owner, data)
    path = _check_path(owner, path)
    for name, value in (("quantity", quantity), ("unit", unit)):
        _check_text(owner, name, value)
    _check_text(owner, "title", title, optional=True)
    check_param(owner, "discrete", discrete, Boolean())
    if fits is not None and (hasattr(fits, "alpha") or (isinstance(fits, Mapping)
                                                        and "alpha" in fits)):
        fits = {next(iter(samples)): fits}
    if fits is not None and not isinstance(fits, Mapping):
        raise InvalidParameterError(f"The 'fits' parameter of {owner} must be a fit or a "
                                    f"mapping of series to fits. Got {fits!r}.")
    fits = {k: _fit_tuple(owner, v) for k, v in (fits or {}).items()}
    unknown = sorted(set(fits) - set(samples))
    if unknown:
        raise InvalidParameterError(f"The 'fits' parameter of {owner} names series {unknown} "
                                    f"that are not in data ({sorted(samples)}).")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    rows = []
    for label, values in samples.items():
        if not len(values):
            continue
        x, p = _empirical_ccdf(values)
        (line,) = ax.loglog(x, p, marker=".", linestyle="none", alpha=0.7, label=label)
        rows += [{"series": label, "kind": "data", "x": float(a), "ccdf": float(b)}
                 for a, b in zip(x, p, strict=True)]
        fit = fits.get(label)
        if fit is None or not math.isfinite(fit[0]) or not math.isfinite(fit[2]):
            continue
        alpha, err, xmin, gof = fit
        if xmin > x[-1]:
            continue
        grid = np.unique(np.geomspace(xmin, x[-1], 60).round()) if discrete \
            else np.geomspace(xmin, x[-1], 60)
        law = (_discrete_power_law_ccdf(alpha, xmin, grid) if discrete
               else (grid / xmin) ** (1.0 - alpha))
        scale = float(p[np.searchsorted(x, xmin)])
        gof_text = "n/a" if not math.isfinite(gof) else f"{gof:.2f}"
        ax.loglog(grid, scale * law, "-", color=line.get_color(),
                  label=f"{label} fit: exponent {alpha:.2f} +/- {err:.2f}, GoF p = {gof_text}")
        rows += [{"series": label, "kind": "fit", "x": float(a), "ccdf": float(scale * b)}
                 for a, b in zip(grid, law, strict=True)]
    xlabel, ylabel = _ccdf_labels(quantity, unit)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    _log_ticks(ax)
    if title:
        ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    _save(fig, pd.DataFrame(rows, columns=["series", "kind", "x", "ccdf"]), path)
    return fig


def mean_size(data, *, fits=None, unit="steps", title=None, path=None):
    """<S>(T): mean avalanche size against duration on log axes, with the fitted slope.

    Parameters
    ----------
    data : mapping of str to (sizes, durations)
        Per series, the sizes and durations of its avalanches.
    fits : mapping of str to (gamma, log_c) or MeanSizeScaling, optional
        Fitted <S> = exp(log_c) T^gamma, drawn over the plotted durations.
    unit : str, default "steps"
        Unit of the duration.
    title : str, optional
    path : str or os.PathLike, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> t = np.array([1, 2, 4, 8] * 3)
    >>> fig = netaval.plot.mean_size({"demo": (t ** 2, t)}, fits={"demo": (2.0, 0.0)})
    >>> fig.axes[0].get_xlabel()
    'avalanche duration T (steps)'
    """
    import pandas as pd

    owner = "netaval.plot.mean_size"
    path = _check_path(owner, path)
    _check_text(owner, "unit", unit)
    _check_text(owner, "title", title, optional=True)
    if fits is not None and not isinstance(fits, Mapping):
        raise InvalidParameterError(f"The 'fits' parameter of {owner} must map series to a "
                                    f"MeanSizeScaling or a (gamma, log_c) pair. Got {fits!r}.")
    fits = {label: _scaling_fit(owner, fit) for label, fit in (fits or {}).items()}
    if not isinstance(data, Mapping) or not data:
        raise InvalidParameterError(f"The 'data' parameter of {owner} must be a non-empty "
                                    "mapping of series to (sizes, durations).")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    rows = []
    for label, pair in data.items():
        try:
            sizes, durations = (np.asarray(v, dtype=np.float64) for v in pair)
        except (TypeError, ValueError):
            raise InvalidParameterError(f"The 'data' parameter of {owner} must map {label!r} "
                                        "to a (sizes, durations) pair.") from None
        if sizes.shape != durations.shape:
            raise InvalidParameterError(f"Series {label!r} of {owner}: sizes and durations "
                                        "differ in length.")
        keep = durations > 0
        if not keep.any():
            continue
        t, inverse = np.unique(durations[keep], return_inverse=True)
        mean = np.bincount(inverse, weights=sizes[keep]) / np.bincount(inverse)
        (line,) = ax.loglog(t, mean, marker="o", ms=3, linestyle="none", label=label)
        rows += [{"series": label, "kind": "data", "duration": float(a), "mean_size": float(b)}
                 for a, b in zip(t, mean, strict=True)]
        fit = fits.get(label)
        if fit is None:
            continue
        gamma, log_c = fit
        if not (math.isfinite(gamma) and math.isfinite(log_c)):
            continue
        law = np.exp(log_c) * t ** gamma
        ax.loglog(t, law, "-", color=line.get_color(), label=f"{label}: slope {gamma:.2f}")
        rows += [{"series": label, "kind": "fit", "duration": float(a), "mean_size": float(b)}
                 for a, b in zip(t, law, strict=True)]
    ax.set_xlabel(f"avalanche duration T ({unit})")
    ax.set_ylabel("mean avalanche size <S> (events)")
    _log_ticks(ax)
    if title:
        ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    _save(fig, pd.DataFrame(rows, columns=["series", "kind", "duration", "mean_size"]), path)
    return fig


def shape_collapse(collapse, *, unit="steps", path=None):
    """Scaled average profiles <s(t)|T> / T^(gamma - 1) against t/T and the collapsed shape.

    Parameters
    ----------
    collapse : netaval.stats.ShapeCollapse
        Result of `netaval.stats.shape_collapse`.
    unit : str, default "steps"
        Unit of the durations T in the legend.
    path : str or os.PathLike, optional
        Save ``path.png`` and ``path.csv`` (columns ``series`` ("T=<duration>" or
        "collapsed"), ``x`` (t/T) and ``scaled_profile``: the points drawn).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> profs = [t * 4 * x * (1 - x) for t in (8, 16)
    ...          for x in [(np.arange(1, t + 1) - 0.5) / t] for _ in range(10)]
    >>> res = netaval.stats.shape_collapse(profs, n_boot=0, seed=0)
    >>> fig = netaval.plot.shape_collapse(res)
    >>> len(fig.axes[0].get_lines()), fig.axes[0].get_xlabel()
    (3, 'scaled time t / T (dimensionless)')
    """
    import pandas as pd

    owner = "netaval.plot.shape_collapse"
    path = _check_path(owner, path)
    if not callable(getattr(collapse, "scaled_profiles", None)) or not all(
            hasattr(collapse, a) for a in ("gamma", "x", "shape")):
        raise InvalidParameterError(f"The 'collapse' parameter of {owner} must be a "
                                    f"ShapeCollapse. Got {collapse!r} instead.")
    _check_text(owner, "unit", unit)
    try:
        series = collapse.scaled_profiles()
    except (TypeError, ValueError) as exc:  # profiles and durations that do not match
        raise InvalidParameterError(f"The 'collapse' parameter of {owner} must hold one "
                                    f"profile per duration: {exc}.") from None
    bad = [t_len for t_len, _, ys in series if len(ys) != t_len]
    if bad or len(collapse.x) != len(collapse.shape):
        raise InvalidParameterError(f"The 'collapse' parameter of {owner} must hold profiles "
                                    f"of length T and a shape as long as its grid x; got "
                                    f"mismatched lengths (durations {bad}).")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    frames = []
    for t_len, xs, ys in series:
        ax.plot(xs, ys, "-", alpha=0.5, lw=1, label=f"T = {t_len} {unit}")
        frames.append(pd.DataFrame({"series": f"T={t_len}", "x": xs, "scaled_profile": ys}))
    ax.plot(collapse.x, collapse.shape, "k-", lw=2,
            label=f"collapsed shape, gamma = {collapse.gamma:.3f}")
    frames.append(pd.DataFrame({"series": "collapsed", "x": np.asarray(collapse.x, float),
                                "scaled_profile": np.asarray(collapse.shape, float)}))
    ax.set_xlabel("scaled time t / T (dimensionless)")
    ax.set_ylabel("<s(t)|T> / T^(gamma - 1) (events per step, scaled)")
    ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    _save(fig, pd.concat(frames, ignore_index=True), path)
    return fig


_HYSTERESIS_COLUMNS = ("direction", "value", "density", "density_stderr")


def hysteresis(table, *, parameter="parameter", unit="", path=None):
    """Up and down branches of a quasi-static sweep: density against the swept parameter.

    Parameters
    ----------
    table : pandas.DataFrame
        As returned by `netaval.hysteresis`: columns ``direction`` ("up" / "down"),
        ``value`` (the swept parameter), ``density`` and ``density_stderr`` (firings per
        neuron per time unit); other columns (f_ext, branching_ratio, n_events) are kept
        in the CSV.
    parameter : str, default "parameter"
        Name of the swept parameter for the x label.
    unit : str, default ""
        Its unit (empty: dimensionless).
    path : str or os.PathLike, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"direction": ["up", "up", "down", "down"],
    ...                   "value": [1.0, 2.0, 2.0, 1.0], "density": [0.0, 0.3, 0.3, 0.2],
    ...                   "density_stderr": [0.0, 0.01, 0.01, 0.01]})
    >>> fig = netaval.plot.hysteresis(t, parameter="rate")
    >>> fig.axes[0].get_xlabel()
    'rate (dimensionless)'
    """
    owner = "netaval.plot.hysteresis"
    path = _check_path(owner, path)
    missing = [c for c in _HYSTERESIS_COLUMNS if c not in getattr(table, "columns", ())]
    if missing:
        raise InvalidParameterError(f"The 'table' parameter of {owner} must be a DataFrame with "
                                    f"columns {list(_HYSTERESIS_COLUMNS)}; missing {missing}.")
    if not isinstance(parameter, str) or not isinstance(unit, str):
        raise InvalidParameterError(f"The 'parameter' and 'unit' parameters of {owner} must be "
                                    "strings.")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    markers = {"up": "^-", "down": "v--"}
    for direction, branch in table.groupby("direction", sort=False):
        ax.errorbar(branch["value"], branch["density"], yerr=branch["density_stderr"],
                    fmt=markers.get(direction, "o-"), ms=4, capsize=2,
                    label=f"{direction} branch")
    ax.set_xlabel(f"{parameter} ({unit or 'dimensionless'})")
    ax.set_ylabel("activity density (firings per neuron per time unit)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    _save(fig, table.reset_index(drop=True), path)
    return fig


def response_curve(table, *, x="drive", y="density", yerr=None, series="series", panel=None,
                   unit="per step", path=None):
    """Response curves F(h) on log axes, one line per series (one panel per ``panel``).

    Parameters
    ----------
    table : pandas.DataFrame
        One row per point.
    x, y : str
        Columns of the stimulus h (probability per step) and the response F (firings per
        neuron per step).
    yerr : str, optional
        Column of the response's standard error.
    series : str, default "series"
        Column naming the curve of each row.
    panel : str, optional
        Column naming the panel of each row.
    unit : str, default "per step"
        Unit of both axes' rates.
    path : str or os.PathLike, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    owner = "netaval.plot.response_curve"
    path = _check_path(owner, path)
    _check_table(owner, table)
    for name, value in (("x", x), ("y", y), ("series", series), ("yerr", yerr),
                        ("panel", panel)):
        _check_column(owner, name, value, table, optional=name in ("yerr", "panel"))
    _check_text(owner, "unit", unit)
    needed = [c for c in (x, y, series, panel, yerr) if c is not None]
    plt = _pyplot()
    panels = [None] if panel is None else list(dict.fromkeys(table[panel]))
    fig, axes = plt.subplots(1, len(panels), figsize=(4.5 * len(panels), 4.0), squeeze=False)
    for ax, name in zip(axes[0], panels, strict=True):
        part = table if name is None else table[table[panel] == name]
        for label, curve in part.groupby(series, sort=False):
            curve = curve.sort_values(x)
            ax.errorbar(curve[x], curve[y], yerr=None if yerr is None else curve[yerr],
                        marker="o", ms=3, label=str(label))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(f"stimulus h (probability {unit})")
        ax.set_ylabel(f"response F (firings per neuron {unit})")
        _log_ticks(ax)
        if name is not None:
            ax.set_title(str(name), fontsize=9)
        ax.legend(fontsize=6)
    fig.tight_layout()
    _save(fig, table[needed].reset_index(drop=True), path)
    return fig


def topology_comparison(table, *, metric="tau", analyses=None, x="topology", panel="model",
                        verdicts=True, path=None):
    """An exponent with error bars per topology, one marker per analysis (causal vs binned).

    Parameters
    ----------
    table : pandas.DataFrame
        A study's results (`netaval.study.load_results`): columns ``<analysis>.<metric>``
        and ``<analysis>.<metric>_stderr`` (and ``<analysis>.<metric>_verdict``).
    metric : str, default "tau"
        The quantity, e.g. "tau" (size exponent), "alpha" (duration), "gamma", "m_mr".
    analyses : sequence of str, optional
        Analysis labels to show; default every label with a ``<label>.<metric>`` column.
    x : str, default "topology"
        Column for the categories on the x axis.
    panel : str, default "model"
        Column splitting the figure into panels (one per value).
    verdicts : bool, default True
        Draw exponents whose verdict is not "power law" with hollow markers (a metric
        without ``<analysis>.<metric>_verdict`` columns, e.g. "m_mr", is drawn filled).
    path : str or os.PathLike, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"topology": ["a", "b"], "model": ["m", "m"],
    ...                   "causal.tau": [1.5, 1.6], "causal.tau_stderr": [0.01, 0.02]})
    >>> fig = netaval.plot.topology_comparison(t)
    >>> fig.axes[0].get_ylabel()
    'tau (dimensionless exponent)'
    """
    import pandas as pd

    owner = "netaval.plot.topology_comparison"
    path = _check_path(owner, path)
    _check_table(owner, table)
    columns = list(table.columns)
    if not isinstance(metric, str):
        raise InvalidParameterError(f"The 'metric' parameter of {owner} must be a str.")
    if analyses is None:
        analyses = [c[: -len(metric) - 1] for c in columns
                    if isinstance(c, str) and c.endswith(f".{metric}")]
    elif not isinstance(analyses, list | tuple) or not all(isinstance(a, str)
                                                           for a in analyses):
        raise InvalidParameterError(f"The 'analyses' parameter of {owner} must be a list of "
                                    f"analysis labels or None. Got {analyses!r} instead.")
    analyses = list(analyses)
    if not analyses:
        raise InvalidParameterError(f"The 'table' parameter of {owner} has no "
                                    f"'<analysis>.{metric}' column for the 'metric' "
                                    f"parameter {metric!r}.")
    for label in analyses:
        if f"{label}.{metric}" not in columns:
            raise InvalidParameterError(f"The 'analyses' parameter of {owner}: column "
                                        f"'{label}.{metric}' is not in the table.")
    for name, value in (("x", x), ("panel", panel)):
        _check_column(owner, name, value, table)
    check_param(owner, "verdicts", verdicts, Boolean())
    rows = []
    for label in analyses:
        err = table.get(f"{label}.{metric}_stderr", pd.Series(np.nan, index=table.index))
        # no verdict column (a branching ratio, gamma): nothing to mark hollow
        verdict = table.get(f"{label}.{metric}_verdict",
                            pd.Series("power law", index=table.index))
        for (px, pv), group in table.assign(_v=table[f"{label}.{metric}"], _e=err,
                                             _d=verdict).groupby([x, panel], sort=False):
            values = group["_v"].to_numpy(dtype=np.float64)
            errors = group["_e"].to_numpy(dtype=np.float64)
            finite = np.isfinite(values)
            n = int(finite.sum())
            if n == 0:
                mean, spread = math.nan, math.nan
            elif n == 1:
                mean, spread = float(values[finite][0]), float(errors[finite][0])
            else:  # replicates: mean and the larger of the replicate spread and the fit errors
                mean = float(values[finite].mean())
                spread = float(max(values[finite].std(ddof=1) / math.sqrt(n),
                                   np.sqrt(np.nansum(errors[finite] ** 2)) / n))
            power_law = bool((group["_d"] == "power law").all()) if verdicts else True
            rows.append({x: px, panel: pv, "analysis": label, metric: mean,
                         f"{metric}_stderr": spread, "n_replicates": n,
                         "power_law": power_law})
    data = pd.DataFrame(rows)
    plt = _pyplot()
    panels = list(dict.fromkeys(data[panel]))
    cats = list(dict.fromkeys(data[x]))
    fig, axes = plt.subplots(1, len(panels), figsize=(max(4.5, 1.1 * len(cats) + 2) * len(panels),
                                                      4.2), squeeze=False, sharey=True)
    width = 0.8 / max(len(analyses), 1)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, pv in zip(axes[0], panels, strict=True):
        part = data[data[panel] == pv]
        for k, label in enumerate(analyses):
            sub = part[part["analysis"] == label]
            pos = np.array([cats.index(c) for c in sub[x]]) - 0.4 + width * (k + 0.5)
            color = colors[k % len(colors)]
            for xp, (_, r) in zip(pos, sub.iterrows(), strict=True):
                ax.errorbar([xp], [r[metric]], yerr=[r[f"{metric}_stderr"]], fmt="o",
                            color=color, capsize=2,
                            markerfacecolor=color if r["power_law"] else "none")
            if ax is axes[0][-1]:
                ax.plot([], [], "o", color=color, label=label)
        ax.set_xticks(range(len(cats)))
        ax.set_xticklabels(cats, rotation=30, ha="right", fontsize=8)
        ax.set_title(f"{panel} = {pv}", fontsize=9)
        ax.set_xlabel(f"{x} (category)")
        reference = {"tau": 1.5, "alpha": 2.0, "gamma": 2.0}.get(metric, 1.0)
        ax.axhline(reference, color="grey", lw=0.8, ls=":",
                   label=f"mean-field / critical value {reference:g}")
    axes[0][0].set_ylabel(f"{metric} (dimensionless exponent)" if metric in
                          ("tau", "alpha", "gamma") else f"{metric} (dimensionless)")
    marked = verdicts and any(f"{label}.{metric}_verdict" in columns for label in analyses)
    axes[0][-1].legend(fontsize=7, title="analysis (hollow: not a power law)" if marked
                       else "analysis",
                       title_fontsize=7)
    fig.tight_layout()
    _save(fig, data, path)
    return fig
