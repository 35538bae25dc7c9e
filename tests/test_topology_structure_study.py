"""studies/topology_structure: degree CCDFs as plotted, build times without compilation."""

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

STUDY = Path(__file__).resolve().parents[1] / "studies" / "topology_structure"


@pytest.fixture(scope="module")
def study():
    if not (STUDY / "run.py").exists():
        pytest.skip("no studies/ folder")
    spec = importlib.util.spec_from_file_location("topology_structure_run", STUDY / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_degree_figure_draws_and_saves_the_ccdf(study, tmp_path):
    """Each family's line is P(K >= k) at its distinct degrees, the CSV holds exactly those
    points, and both log axes are labelled at powers of ten with no minor labels."""
    degrees = {"wide": np.repeat([1, 2, 3, 40, 700], [150, 30, 15, 4, 1]), "flat": np.full(8, 12)}
    fig = study.degree_figure(degrees, tmp_path / "deg")
    saved = pd.read_csv(tmp_path / "deg.csv")
    wide = saved[saved["family"] == "wide"]
    assert wide["degree"].tolist() == [1, 2, 3, 40, 700]
    np.testing.assert_allclose(wide["ccdf"], np.array([200, 50, 20, 5, 1]) / 200)
    assert saved[saved["family"] == "flat"][["degree", "ccdf"]].values.tolist() == [[12, 1.0]]
    ax = fig.axes[0]
    for line, (_, part) in zip(ax.get_lines(), saved.groupby("family", sort=False), strict=True):
        np.testing.assert_array_equal(line.get_xdata(), part["degree"])
        np.testing.assert_array_equal(line.get_ydata(), part["ccdf"])
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("out-degree k (edges)", "P(K >= k)")
    fig.canvas.draw()
    for axis in (ax.xaxis, ax.yaxis):
        lo, hi = sorted(axis.get_view_interval())
        major = [t for t in axis.get_major_ticks() if lo <= t.get_loc() <= hi]
        assert len(major) >= 2
        assert all(np.log10(t.get_loc()) == round(np.log10(t.get_loc())) for t in major)
        assert all(t.label1.get_text() for t in major)
        assert {t.label1.get_text() for t in axis.get_minor_ticks()} <= {""}
    assert (tmp_path / "deg.png").stat().st_size > 0


def test_generators_are_warmed_before_build_times_are_measured(study, tmp_path, monkeypatch,
                                                               capsys):
    """Every family is built once on warmup_nodes neurons before the first timed build,
    and the printed table says that build times exclude compilation."""
    config = (STUDY / "config.toml").read_text().replace(
        "small = [400, 1600, 6400]", "small = [100, 144]").replace(
        "warmup_nodes = 64", "warmup_nodes = 36")
    (tmp_path / "config.toml").write_text(config)
    calls = []
    real_build = study.build

    def recording_build(generator, params, n_nodes, seed):
        calls.append(n_nodes)
        return real_build(generator, params, n_nodes, seed)

    monkeypatch.setattr(study, "build", recording_build)
    study.main(["--config", str(tmp_path / "config.toml"), "--out", str(tmp_path / "out")])
    assert calls == [36] * 4 + [100, 144] * 4
    assert "excludes numba compilation" in capsys.readouterr().out
    table = pd.read_csv(tmp_path / "out" / "table.csv")
    assert len(table) == 8 and (table["build_s"] >= 0).all()
    assert (tmp_path / "out" / "degree_distributions.csv").is_file()
