"""Causal versus time-binned avalanches of the same spikes, near and far from criticality.

For each scenario of ``config.toml`` the script simulates one driven run on the same
network, then analyses it twice: with the causal truth netaval records (avalanches are
causal trees, truncated ones excluded) and the way an experiment would (pooled spikes in
bins of width ``<IEI>`` and multiples of it, avalanches as runs of non-empty bins). It
prints and saves a table (fraction of externally triggered spikes f_ext, causal branching
ratio, size exponents fitted by discrete maximum likelihood with automatic xmin, number of
avalanches, multistep-regression and conventional branching-ratio estimates of the
activity) and a figure of the size distributions.

    python studies/causal_vs_binned/run.py                    # small sizes
    python studies/causal_vs_binned/run.py --size large --out /tmp/cvb
"""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

import netaval
import topologies
from netaval import binning, stats

HERE = Path(__file__).resolve().parent


def fitted_exponent(sizes, min_count):
    """Discrete power-law fit with automatic xmin, or None when there are too few avalanches."""
    if len(sizes) < min_count or np.unique(sizes).size < 3:
        return None
    return stats.fit_power_law(sizes, discrete=True)


def ccdf(values):
    """Complementary cumulative distribution P(X >= x) at the sorted unique values."""
    unique, counts = np.unique(values, return_counts=True)
    return unique, counts[::-1].cumsum()[::-1] / counts.sum()


def analyse(name, scenario, network, size, config, seed_sequence):
    model = netaval.models.get(scenario["model"])(**scenario["params"])
    timing = {"n_steps": size["n_steps"]} if model.__class__.__name__ == "Branching" \
        else {"duration": size["duration"]}
    run = netaval.simulate(network, model, protocol="driven", seed=seed_sequence, progress=True,
                           **timing)
    causal = run.avalanches.select(include_truncated=False)
    events = run.events
    f_ext = float(np.mean(events.is_root)) if events.n_events else float("nan")
    rows, curves = [], []
    fit = fitted_exponent(causal.size, config["min_avalanches_to_fit"])
    base = {"scenario": name, "n_events": events.n_events, "f_ext": f_ext,
            "causal_sigma": run.avalanches.branching_ratio()}
    mr = stats.branching_ratio_mr(run, k_max=40)
    base["m_MR"] = mr.m
    base["r1_conventional"] = stats.branching_ratio_conventional(run)
    rows.append({**base, "analysis": "causal", "bin_width": np.nan,
                 "n_avalanches": len(causal.size),
                 "mean_size": float(causal.size.mean()) if len(causal.size) else np.nan,
                 "tau": fit.alpha if fit else np.nan,
                 "tau_stderr": fit.alpha_stderr if fit else np.nan,
                 "xmin": fit.xmin if fit else np.nan})
    curves.append(("causal", causal.size))
    iei = (events.time[-1] - events.time[0]) / max(events.n_events - 1, 1)
    for multiple in config["bin_multiples"]:
        width = max(multiple * iei, 1.0) if events.time_step is not None else multiple * iei
        binned = binning.detect_binned_avalanches(run, bin_width=float(width))
        complete = binned.size[~binned.truncated]
        fit = fitted_exponent(complete, config["min_avalanches_to_fit"])
        rows.append({**base, "analysis": f"binned {multiple}x<IEI>", "bin_width": float(width),
                     "n_avalanches": len(complete),
                     "mean_size": float(complete.mean()) if len(complete) else np.nan,
                     "tau": fit.alpha if fit else np.nan,
                     "tau_stderr": fit.alpha_stderr if fit else np.nan,
                     "xmin": fit.xmin if fit else np.nan})
        curves.append((f"binned {multiple}x<IEI>", complete))
    return rows, curves


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=HERE / "config.toml")
    parser.add_argument("--size", default="small", help="a [sizes] table of the config")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    config = tomllib.loads(args.config.read_text())
    size = config["sizes"][args.size]
    args.out.mkdir(parents=True, exist_ok=True)

    root = np.random.SeedSequence(config["seed"])
    network_seed, *scenario_seeds = root.spawn(1 + len(config["scenarios"]))
    network = topologies.generate(config["network"]["generator"], size["n_nodes"],
                                  seed=network_seed, **config["network"]["params"])
    rows, panels = [], []
    for (name, scenario), seed_sequence in zip(config["scenarios"].items(), scenario_seeds,
                                               strict=True):
        scenario_rows, curves = analyse(name, scenario, network, size, config, seed_sequence)
        rows += scenario_rows
        panels.append((scenario.get("label", name), curves))

    table = pd.DataFrame(rows)
    table["root_seed"] = config["seed"]
    with pd.option_context("display.width", 200, "display.max_columns", 20,
                           "display.float_format", "{:.4g}".format):
        print(f"\nCausal vs time-binned avalanches on {network} ({args.size})")
        print(table.drop(columns=["root_seed"]).to_string(index=False))
    table.to_csv(args.out / "table.csv", index=False)

    sns.set_theme(style="whitegrid")
    fig, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 4.2), squeeze=False)
    for ax, (label, curves) in zip(axes[0], panels, strict=True):
        for curve_label, sizes in curves:
            if len(sizes):
                x, p = ccdf(sizes)
                ax.loglog(x, p, marker=".", linestyle="none", label=curve_label, alpha=0.7)
        x = np.logspace(0, 3, 20)
        ax.loglog(x, x ** -0.5, "k--", lw=1, label="S^(-1/2) (tau = 3/2)")
        ax.set(title=label, xlabel="avalanche size S", ylabel="P(size >= S)")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out / "size_distributions.png", dpi=120)
    print(f"\nWrote table.csv and size_distributions.png to {args.out}")


if __name__ == "__main__":
    main()
