"""``netaval analyse`` end to end on spike files with known answers and on a saved run."""

import csv
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest


def analyse(*args, cwd):
    return subprocess.run([sys.executable, "-m", "netaval", "analyse", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def table(folder):
    """analysis.csv as {quantity label (first occurrence of a sub-row keeps its parent): row}."""
    with open(folder / "analysis.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    out, parent = {}, ""
    for row in rows:
        label = row["quantity"]
        if not label.startswith(" "):
            parent = label
            out[label] = row
        else:
            out[f"{parent} /{label.strip()}"] = row
    return out


def number(text):
    return float("nan") if text == "-" else float(text)


def test_branching_process_with_known_m(tmp_path):
    """A plain-numpy branching process A(t+1) ~ Poisson(m A(t) + h), m = 0.9, spread over 100
    units: the MR estimate of the binned activity is within 4 standard errors of m."""
    rng = np.random.default_rng(12)
    m, h, n_steps = 0.9, 0.05, 60_000
    activity = np.zeros(n_steps, np.int64)
    for t in range(1, n_steps):
        activity[t] = rng.poisson(m * activity[t - 1] + h)
    times = np.repeat(np.arange(n_steps), activity)
    pd.DataFrame({"time": times, "unit": rng.integers(0, 100, len(times))}).to_csv(
        tmp_path / "bp.csv", index=False)
    done = analyse("bp.csv", "--bin-width", "1", "--n-boot", "0", "--out", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = table(tmp_path / "out")
    estimate = number(rows["branching ratio m (MR)"]["binned"])
    stderr = number(rows["branching ratio m (MR) /stderr"]["binned"])
    assert 0 < stderr < 0.05 and abs(estimate - m) < 4 * stderr, (estimate, stderr)
    assert rows["time unit"]["binned"] == "steps" and number(rows["bin width"]["binned"]) == 1
    assert number(rows["avalanches (complete)"]["binned"]) > 500
    assert "branching ratio m (MR)" in done.stdout
    for name in ("analysis.csv", "sizes.png", "durations.png", "mr.png"):
        assert (tmp_path / "out" / name).stat().st_size > 0


def test_homogeneous_poisson_train_is_not_a_power_law(tmp_path):
    """Independent Poisson spikes binned at <IEI>: the power law is rejected by the GoF test
    and the likelihood ratio favours the exponential (fits from xmin = 1), and the searched-
    xmin fit is not reported as a power law."""
    rng = np.random.default_rng(3)
    n_spikes = 100_000
    pd.DataFrame({"spike_time": rng.uniform(0, 100, n_spikes),
                  "unit_id": rng.integers(0, 50, n_spikes)}).to_csv(tmp_path / "p.csv", index=False)
    done = analyse("p.csv", "--n-boot", "50", "--out", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = table(tmp_path / "out")
    for quantity in ("size", "duration"):
        fixed = f"{quantity} exponent, xmin = 1"
        assert number(rows[f"{fixed} /GoF p"]["binned"]) <= 0.1
        assert number(rows[f"{fixed} /LR vs exponential (R)"]["binned"]) < 0
        assert number(rows[f"{fixed} /p"]["binned"]) < 0.1
        assert rows[f"{fixed} /verdict"]["binned"].startswith("not a power law")
    searched = rows["size exponent tau /verdict"]["binned"]
    assert searched != "power law", searched
    assert rows["time unit"]["binned"] == "s"
    assert abs(number(rows["bin width"]["binned"]) - 100 / (n_spikes - 1)) < 1e-3


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("analyse_run")
    done = subprocess.run([sys.executable, "-m", "netaval", "run", "--topology", "random",
                           "--param", "k=8", "--model", "branching", "--param", "sigma=0.9",
                           "--param", "drive=0.0005", "--n-nodes", "500", "--n-steps", "4000",
                           "--seed", "2", "--no-progress", "--out", "run.parquet"],
                          cwd=folder, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return folder


def test_saved_run_puts_causal_statistics_beside(saved_run):
    """For a saved run the causal avalanches' numbers stand in their own column."""
    done = analyse("run.parquet", "--n-boot", "0", "--out", "out", cwd=saved_run)
    assert done.returncode == 0, done.stderr
    rows = table(saved_run / "out")
    assert set(rows["spikes"]) == {"quantity", "binned", "causal"}
    sigma = number(rows["branching ratio (causal)"]["causal"])
    assert 0.7 < sigma < 1.0 and rows["branching ratio (causal)"]["binned"] == "-"
    assert number(rows["avalanches (complete)"]["causal"]) > 0


def test_units_file_and_option_errors(saved_run):
    """--units restricts the recording; unknown units and conflicting options exit 2."""
    (saved_run / "units.txt").write_text("unit\n" + "\n".join(map(str, range(0, 500, 5))) + "\n")
    done = analyse("run.parquet", "--units", "units.txt", "--n-boot", "0", cwd=saved_run)
    assert done.returncode == 0, done.stderr
    assert "units                              100" in done.stdout
    (saved_run / "bad_units.txt").write_text("3\n9999\n")
    bad = analyse("run.parquet", "--units", "bad_units.txt", cwd=saved_run)
    assert bad.returncode == 2 and "unknown units [9999]" in bad.stderr
    both = analyse("run.parquet", "--bin-width", "1", "--bin-multiple", "2", cwd=saved_run)
    assert both.returncode == 2 and "not allowed with argument" in both.stderr
    negative = analyse("run.parquet", "--bin-width", "-1", cwd=saved_run)
    assert negative.returncode == 2 and "--bin-width must be a positive" in negative.stderr
    missing = analyse("run.parquet", "--out", "nowhere/deeper/out", cwd=saved_run)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
