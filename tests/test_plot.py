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
    assert fig.axes[0].get_xlabel() == "avalanche size s (events)"
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
