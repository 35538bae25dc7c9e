"""netaval.analyse: the library function behind ``netaval analyse``."""

import numpy as np
import pandas as pd
import pytest

import netaval
from netaval.errors import InvalidParameterError


@pytest.fixture(scope="module")
def run():
    net = netaval.Network.from_edges(np.arange(200), (np.arange(200) * 7 + 3) % 200, n_nodes=200)
    return netaval.simulate(net, netaval.Branching(sigma=0.9, drive=0.002), n_steps=20_000,
                            seed=4)


def test_run_spikes_and_saved_run_give_the_same_table(run, tmp_path):
    """A Run, its spikes as a Spikes and the saved run give the same binned column (same
    seed); the run's causal column holds its causal avalanches' statistics."""
    table = netaval.analyse(run, bin_width=2, n_boot=10, seed=1)
    assert list(table.columns) == ["description", "binned", "causal"]
    assert table.index.name == "quantity"
    spikes = netaval.Spikes.from_arrays(run.events.time, run.events.neuron, start=0,
                                        end=run.end_time, time_unit="steps")
    from_spikes = netaval.analyse(spikes, bin_width=2, n_boot=10, seed=1)
    assert list(from_spikes.columns) == ["description", "binned"]
    pd.testing.assert_series_equal(table["binned"], from_spikes["binned"])
    run.save(tmp_path / "run.parquet")
    saved = netaval.analyse(tmp_path / "run.parquet", bin_width=2, n_boot=10, seed=1)
    pd.testing.assert_frame_equal(table, saved)
    complete = run.avalanches.select(include_truncated=False)
    assert table.loc["n_avalanches", "causal"] == len(complete)
    assert table.loc["mean_size", "causal"] == pytest.approx(np.mean(complete.size))
    assert table.loc["sigma_causal", "causal"] == pytest.approx(run.avalanches.branching_ratio())
    assert table.loc["bin_width", "binned"] == 2.0
    binned = netaval.binning.detect_binned_avalanches(spikes, bin_width=2)
    mr = netaval.stats.branching_ratio_mr(binned.activity.astype(float), k_max=40, dt=2.0)
    assert table.loc["m_mr", "binned"] == pytest.approx(mr.m, rel=1e-12)
    assert table.loc["tau_stderr", "description"] == "size exponent tau: stderr"


def test_units_out_and_refusals(run, tmp_path):
    """units as a list or a file select the same units; out writes the CSV and figures;
    invalid values are refused naming the parameter."""
    ids = list(range(0, 200, 4))
    (tmp_path / "u.txt").write_text("unit\n" + "\n".join(map(str, ids)) + "\n")
    by_list = netaval.analyse(run, units=ids, n_boot=0, seed=0)
    by_file = netaval.analyse(run, units=tmp_path / "u.txt", n_boot=0, seed=0,
                              out=tmp_path / "out")
    pd.testing.assert_frame_equal(by_list, by_file)
    assert by_list.loc["n_units", "binned"] == 50
    assert by_list.loc["n_spikes", "binned"] == int(np.isin(run.events.neuron, ids).sum())
    saved = pd.read_csv(tmp_path / "out" / "analysis.csv", keep_default_na=False)
    assert saved.columns.tolist() == ["quantity", "binned", "causal"]
    assert saved["binned"].iloc[0] == str(by_list.loc["n_spikes", "binned"])
    for name in ("sizes.png", "sizes.csv", "durations.png", "mr.png"):
        assert (tmp_path / "out" / name).stat().st_size > 0
    with pytest.raises(InvalidParameterError, match="unknown units \\[9999\\]"):
        netaval.analyse(run, units=[3, 9999])
    with pytest.raises(InvalidParameterError, match="'bin_width' and 'bin_multiple'"):
        netaval.analyse(run, bin_width=1, bin_multiple=2)
    with pytest.raises(InvalidParameterError, match="'source' parameter of netaval.analyse"):
        netaval.analyse(3)
    with pytest.raises(InvalidParameterError, match="'bin_multiple' parameter"):
        netaval.analyse(run, bin_multiple=float("inf"))
    (tmp_path / "file").write_text("")
    with pytest.raises(InvalidParameterError, match="'out' parameter"):
        netaval.analyse(run, out=tmp_path / "file")
