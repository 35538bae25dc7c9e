"""netaval.plot: every figure is saved as PNG with a CSV of exactly the plotted data."""

import numpy as np
import pandas as pd
import pytest

import netaval
from netaval import plot
from netaval.errors import InvalidParameterError


def test_hysteresis_plots_the_table_of_netaval_hysteresis(tmp_path):
    """The hysteresis figure draws both branches of `netaval.hysteresis` and saves them."""
    net = netaval.Network.from_edges([0, 1, 2, 3], [1, 2, 3, 0], n_nodes=4)
    table = netaval.hysteresis(net, netaval.ContactProcess(rate=1.0, drive=0.1), "rate",
                               [0.5, 1.0, 2.0], relax=5.0, measure=20.0, seed=1)
    fig = plot.hysteresis(table, parameter="rate", unit="per unit time",
                          path=tmp_path / "h")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "rate (per unit time)" and "per neuron" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["up branch", "down branch"]
    saved = pd.read_csv(tmp_path / "h.csv")
    pd.testing.assert_frame_equal(saved, table.reset_index(drop=True), check_dtype=False)
    assert (tmp_path / "h.png").stat().st_size > 0
    with pytest.raises(InvalidParameterError, match="density_stderr"):
        plot.hysteresis(table.drop(columns="density_stderr"))


def test_ccdf_csv_is_the_plotted_data(tmp_path):
    """The CSV holds the empirical CCDF and the law over [xmin, max] as drawn."""
    x = netaval.stats.sample_power_law(400, alpha=2.2, xmin=1, seed=2)
    fit = netaval.stats.fit_power_law(x)
    fig = plot.ccdf({"sample": x}, fits={"sample": fit}, path=tmp_path / "c")
    saved = pd.read_csv(tmp_path / "c.csv")
    data = saved[saved["kind"] == "data"]
    values, counts = np.unique(x, return_counts=True)
    np.testing.assert_array_equal(data["x"], values)
    np.testing.assert_allclose(data["ccdf"], counts[::-1].cumsum()[::-1] / len(x), rtol=1e-12)
    law = saved[saved["kind"] == "fit"]
    assert law["x"].min() >= fit.xmin and law["x"].max() <= x.max()
    lines = fig.axes[0].get_lines()
    np.testing.assert_allclose(lines[1].get_xdata(), law["x"])
    assert "GoF p = n/a" in fig.axes[0].get_legend().get_texts()[1].get_text()
    assert fig.axes[0].get_xlabel() == "avalanche size S (events)"
    with pytest.raises(InvalidParameterError, match="positive"):
        plot.ccdf([0, 1, 2])


def test_topology_comparison_marks_non_power_laws(tmp_path):
    """Hollow markers for exponents whose verdict is not 'power law'; data as plotted."""
    table = pd.DataFrame({"topology": ["a", "b"], "model": ["m", "m"],
                          "causal.tau": [1.5, 2.5], "causal.tau_stderr": [0.1, 0.2],
                          "causal.tau_verdict": ["power law", "not a power law (GoF p = 0)"]})
    plot.topology_comparison(table, path=tmp_path / "t")
    saved = pd.read_csv(tmp_path / "t.csv")
    assert saved["power_law"].tolist() == [True, False]
    assert saved["tau"].tolist() == [1.5, 2.5] and saved["tau_stderr"].tolist() == [0.1, 0.2]
    with pytest.raises(InvalidParameterError, match="alpha"):
        plot.topology_comparison(table, metric="alpha")
    ratios = table.assign(**{"branching.m_mr": [0.9, 1.0], "branching.m_mr_stderr": [0.01, 0.01]})
    fig = plot.topology_comparison(ratios, metric="m_mr", path=tmp_path / "m")
    assert pd.read_csv(tmp_path / "m.csv")["power_law"].tolist() == [True, True]
    assert fig.axes[-1].get_legend().get_title().get_text() == "analysis"


def test_shape_collapse_csv_is_the_plotted_data(tmp_path):
    """Profiles T * F(t/T), F(x) = 4x(1 - x), collapse with gamma = 2: every drawn curve, and
    the CSV, is <s(t)|T> / T^(gamma - 1), which equals F up to the factor T^(2 - gamma) of the
    fitted gamma's distance from 2."""
    import dataclasses

    durations = (8, 16, 32)
    profiles = [t * 4 * x * (1 - x) for t in durations
                for x in [(np.arange(1, t + 1) - 0.5) / t] for _ in range(10)]
    collapse = netaval.stats.shape_collapse(profiles, n_boot=0, seed=0)
    assert collapse.durations.tolist() == list(durations)
    fig = plot.shape_collapse(collapse, unit="steps", path=tmp_path / "s.png")
    saved = pd.read_csv(tmp_path / "s.csv")
    assert (tmp_path / "s.png").stat().st_size > 0
    lines = fig.axes[0].get_lines()
    assert saved["series"].unique().tolist() == ["T=8", "T=16", "T=32", "collapsed"]
    rtol = abs(collapse.gamma - 2.0) * np.log(max(durations)) + 1e-12
    for line, t_len in zip(lines, durations, strict=False):
        rows = saved[saved["series"] == f"T={t_len}"]
        x = (np.arange(1, t_len + 1) - 0.5) / t_len
        np.testing.assert_allclose(rows["x"], x, rtol=1e-15)
        np.testing.assert_allclose(rows["scaled_profile"], 4 * x * (1 - x), rtol=rtol)
        np.testing.assert_allclose(line.get_xdata(), rows["x"], rtol=1e-15)
        np.testing.assert_allclose(line.get_ydata(), rows["scaled_profile"], rtol=1e-15)
    shape = saved[saved["series"] == "collapsed"]
    np.testing.assert_allclose(shape["x"], collapse.x, rtol=1e-15)
    np.testing.assert_allclose(shape["scaled_profile"], collapse.shape, rtol=1e-15)
    np.testing.assert_allclose(lines[-1].get_ydata(), collapse.shape, rtol=1e-15)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()][:3] == [
        "T = 8 steps", "T = 16 steps", "T = 32 steps"]
    assert "(dimensionless)" in fig.axes[0].get_xlabel()
    with pytest.raises(InvalidParameterError, match="'collapse'"):
        plot.shape_collapse({"gamma": 2.0})
    short = dataclasses.replace(collapse, mean_profiles=[p[:-1] for p in collapse.mean_profiles])
    with pytest.raises(InvalidParameterError, match="'collapse'.*length T"):
        plot.shape_collapse(short)
    with pytest.raises(InvalidParameterError, match="'path'"):
        plot.shape_collapse(collapse, path=3)
    with pytest.raises(InvalidParameterError, match="'unit'"):
        plot.shape_collapse(collapse, unit=None)


def _visible_ticks(axis, minor=False):
    """(location, label) of the ticks inside the view limits, after a draw."""
    axis.figure.canvas.draw()
    lo, hi = sorted(axis.get_view_interval())
    ticks = axis.get_minor_ticks() if minor else axis.get_major_ticks()
    return [(t.get_loc(), t.label1.get_text()) for t in ticks if lo <= t.get_loc() <= hi]


def _assert_readable_log_axis(axis):
    """Labels at decades (1-2-5 on an axis spanning less than two decades), at least two,
    none on minor ticks."""
    major = _visible_ticks(axis)
    assert len(major) >= 2 and all(text for _, text in major), major
    mantissas = {round(loc / 10.0 ** np.floor(np.log10(loc)), 9) for loc, _ in major}
    lo, hi = sorted(axis.get_view_interval())
    if np.log10(hi / lo) >= 2:  # two decades or more: powers of ten only
        assert mantissas == {1.0}, major
    else:
        assert mantissas <= {1.0, 2.0, 5.0}, major
        assert all(float(text) == pytest.approx(loc) for loc, text in major), major
    assert {text for _, text in _visible_ticks(axis, minor=True)} <= {""}


@pytest.mark.parametrize(("alpha", "xmin", "n"), [(2.0, 1, 3000), (4.5, 6, 300)])
def test_power_law_fit_plot_is_readable_and_saves_its_data(tmp_path, alpha, xmin, n):
    """PowerLawFit.plot: labelled axes with units, readable log ticks on a long and a
    short tail, and a CSV holding exactly the plotted tail CCDF and fitted CCDF."""
    x = netaval.stats.sample_power_law(n, alpha=alpha, xmin=xmin, seed=3)
    fit = netaval.stats.fit_power_law(x, xmin=xmin)
    ax = fit.plot(quantity="size", unit="spikes", path=tmp_path / "fit")
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    assert ax.get_xlabel() == "avalanche size S (spikes)" and ax.get_ylabel() == "P(S >= s)"
    _assert_readable_log_axis(ax.xaxis)
    _assert_readable_log_axis(ax.yaxis)
    saved = pd.read_csv(tmp_path / "fit.csv")
    data, law = saved[saved["kind"] == "data"], saved[saved["kind"] == "fit"]
    values, counts = np.unique(x[x >= xmin], return_counts=True)
    np.testing.assert_array_equal(data["x"], values)
    np.testing.assert_allclose(data["ccdf"], counts[::-1].cumsum()[::-1] / counts.sum(),
                               rtol=1e-12)
    np.testing.assert_allclose(law["ccdf"], fit.ccdf(law["x"].to_numpy()), rtol=1e-12)
    np.testing.assert_allclose(ax.get_lines()[1].get_xdata(), law["x"])
    assert (tmp_path / "fit.png").stat().st_size > 0
    with pytest.raises(InvalidParameterError, match="'unit' parameter of PowerLawFit.plot"):
        fit.plot(unit=3)


def test_ccdf_and_mean_size_log_ticks_are_readable():
    """plot.ccdf labels P(T >= t) for durations; its log axes and <S>(T)'s are readable."""
    x = netaval.stats.sample_power_law(2000, alpha=2.0, xmin=1, seed=4)
    ax = plot.ccdf({"d": x}, quantity="duration", unit="bins").axes[0]
    assert ax.get_xlabel() == "avalanche duration T (bins)" and ax.get_ylabel() == "P(T >= t)"
    _assert_readable_log_axis(ax.xaxis)
    _assert_readable_log_axis(ax.yaxis)
    t = np.array([2, 3, 4, 5, 6] * 2)
    ax = plot.mean_size({"s": (t ** 1.5, t)}).axes[0]
    _assert_readable_log_axis(ax.xaxis)
    _assert_readable_log_axis(ax.yaxis)


def test_decade_labels_are_plain_text_powers_of_ten():
    """Decade ticks read 1, 10, 10², 10⁻³ ... as plain text (no mathtext to parse at every
    draw, about a fifth of a figure's time); values between decades get no label."""
    from netaval.plot import _decade_label

    assert [_decade_label(v) for v in (1.0, 10.0, 100.0, 1e-3, 1e12, 1e-300)] == \
        ["1", "10", "10\u00b2", "10\u207b\u00b3", "10\u00b9\u00b2", "10\u207b\u00b3\u2070\u2070"]
    assert [_decade_label(v) for v in (2.0, 0.0, -10.0, 5e-324)] == ["", "", "", ""]
    x = netaval.stats.sample_power_law(3000, alpha=1.5, xmin=1, seed=3)
    fig = plot.ccdf({"sample": x})
    labels = [text for _, text in _visible_ticks(fig.axes[0].xaxis)]
    assert labels[:3] == ["1", "10", "10\u00b2"] and not any("$" in t for t in labels), labels
