"""Calibration of the Millman network: down state, bistable window, up state, hysteresis.

A quasi-static sweep of the control parameter (``a_syn``, the current of one vesicle)
with `netaval.hysteresis` on a directed random graph with mean degree 7.5, from the
quiescent state up, then back down, each value continuing the dynamics of the previous
one: population rate, fraction of externally triggered spikes f_ext and mean fraction
of loaded release sites against a_syn, both directions. Then one long run inside the
bistable window on a small network, where finite-size noise switches the network between
the states: up/down dwell times with `netaval.up_down`. Also writes the table of the
calibrated defaults (`netaval.Millman()`).

    python studies/millman_up_down/run.py                 # small: a couple of minutes
    python studies/millman_up_down/run.py --size large    # N = 1e4
"""

from __future__ import annotations

import argparse
import dataclasses
import tomllib
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import netaval
import topologies

HERE = Path(__file__).resolve().parent

UNITS = {"n_sites": "", "p_release": "", "tau_recovery": "ms", "capacitance": "pF",
         "tau_l": "ms", "e_leak": "mV", "threshold": "mV", "refractory": "ms", "tau_s": "ms",
         "a_syn": "pA", "a_ext": "pA", "f_ext": "Hz", "dt": "ms", "attribution": ""}


def defaults_table() -> pd.DataFrame:
    model = netaval.Millman()
    return pd.DataFrame([{"parameter": f.name, "value": getattr(model, f.name),
                          "unit": UNITS[f.name]} for f in dataclasses.fields(model)])


def sweep(config, size, seed):
    network = topologies.generate(config["network"]["generator"], size["n_nodes"],
                                  seed=seed.spawn(1)[0], **config["network"]["params"])
    model = netaval.Millman()
    table = netaval.hysteresis(network, model, config["parameter"], config["values"],
                               relax=size["relax"], measure=size["measure"], seed=seed)
    table["rate_hz"] = table["density"] / (model.dt * 1e-3)
    table["rate_hz_stderr"] = table["density_stderr"] / (model.dt * 1e-3)
    table["n_nodes"] = size["n_nodes"]
    return table


def dwell(config, seed):
    spec = config["dwell"]
    network = topologies.generate(config["network"]["generator"], spec["n_nodes"],
                                  seed=seed.spawn(1)[0], **config["network"]["params"])
    model = netaval.Millman(a_syn=spec["a_syn"])
    run = netaval.simulate(network, model, n_steps=spec["n_steps"], seed=seed)
    states = netaval.up_down(run, threshold=spec["threshold"], window=spec["window"])
    rows = [{"state": name, "dwell_ms": value}
            for name, values in (("up", states.up_dwell), ("down", states.down_dwell))
            for value in values]
    return run, states, pd.DataFrame(rows, columns=["state", "dwell_ms"])


def figure(table, run, states, dwell_table, spec, path):
    fig, axes = plt.subplots(2, 2, figsize=(10, 7.5))
    styles = {"up": ("^-", "C3", "up-sweep"), "down": ("v--", "C0", "down-sweep")}
    columns = (("rate_hz", "population rate (Hz per neuron)", True),
               ("f_ext", "f_ext (externally triggered fraction)", False),
               ("loaded_fraction", "mean fraction of loaded release sites", False))
    for ax, (column, label, log) in zip(axes.flat[:3], columns, strict=True):
        for direction, branch in table.groupby("direction", sort=False):
            marker, color, name = styles[direction]
            ax.plot(branch["value"], branch[column], marker, color=color, label=name)
        ax.set_xlabel("a_syn (pA per vesicle)")
        ax.set_ylabel(label)
        if log:
            ax.set_yscale("log")
        ax.legend(fontsize=8)
    ax = axes.flat[3]
    time_s = np.arange(len(states.rate)) * states.dt * 1e-3
    ax.plot(time_s, states.rate, lw=0.5, color="k")
    ax.axhline(states.threshold, color="C1", ls=":", label=f"threshold {states.threshold} Hz")
    ax.set_yscale("symlog", linthresh=1.0)
    ax.set_ylim(bottom=0.0)
    ax.set_xlabel("time (s)")
    ax.set_ylabel(f"rate smoothed over {states.window:g} ms (Hz)")
    ax.set_title(f"N = {spec['n_nodes']}, a_syn = {spec['a_syn']} pA: "
                 f"{len(states.up_dwell)} up / {len(states.down_dwell)} down periods",
                 fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, default=HERE / "config.toml")
    parser.add_argument("--size", default="small")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args()
    config = tomllib.loads(args.config.read_text())
    args.out.mkdir(parents=True, exist_ok=True)
    root = np.random.SeedSequence(config["seed"])
    sweep_seed, dwell_seed = root.spawn(2)
    defaults = defaults_table()
    defaults.to_csv(args.out / "defaults.csv", index=False)
    print(defaults.to_string(index=False))
    table = sweep(config, config["sizes"][args.size], sweep_seed)
    table["seed_entropy"] = str(sweep_seed.entropy) + f"/{sweep_seed.spawn_key}"
    table.to_csv(args.out / "hysteresis.csv", index=False)
    print(table[["direction", "value", "rate_hz", "rate_hz_stderr", "f_ext",
                 "loaded_fraction", "n_events"]].to_string(index=False))
    run, states, dwell_table = dwell(config, dwell_seed)
    dwell_table.to_csv(args.out / "dwell_times.csv", index=False)
    summary = dwell_table.groupby("state")["dwell_ms"].agg(["count", "mean", "median"])
    print(f"dwell times at a_syn = {config['dwell']['a_syn']} pA (N = "
          f"{config['dwell']['n_nodes']}), fraction up {states.fraction_up:.3f}:")
    print(summary.to_string())
    figure(table, run, states, dwell_table, config["dwell"], args.out / "phase_diagram.png")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
