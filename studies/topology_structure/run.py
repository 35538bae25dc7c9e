"""Topology structure: the four families at the same mean degree, across sizes.

Builds every family of ``config.toml`` at each size, prints a comparison table (degree
mean / std / max, mean local clustering, a shortest-path proxy, spectral radius, the
heterogeneous mean-field prediction <k^2>/<k> and the build time), and writes the table
(CSV) and the figures (PNG, the degree distributions with a CSV of the plotted points) to
the results folder. Build times exclude numba compilation: every generator is called
once on ``warmup_nodes`` neurons before anything is timed.

    python studies/topology_structure/run.py                    # small sizes
    python studies/topology_structure/run.py --size large --out /tmp/ts
"""

from __future__ import annotations

import argparse
import time
import tomllib
from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from scipy.sparse.csgraph import shortest_path

import topologies

HERE = Path(__file__).resolve().parent


def decade_ticks(axis):
    """Log axis labelled at powers of ten only; minor ticks unlabelled."""
    axis.set_major_locator(matplotlib.ticker.LogLocator(base=10.0, numticks=12))
    axis.set_major_formatter(matplotlib.ticker.LogFormatterSciNotation(base=10.0))
    axis.set_minor_formatter(matplotlib.ticker.NullFormatter())


def size_axis(ax, sizes):
    """Log x axis labelled at the simulated sizes only (no crowded minor labels)."""
    ax.set_xscale("log")
    ax.set_xticks(sizes, [f"{n:,}" for n in sizes])
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())


def mean_local_clustering(network, nodes):
    """Mean local clustering coefficient over ``nodes`` (0 for degree < 2), vectorised."""
    adjacency = network.to_scipy()
    adjacency.data[:] = 1.0
    rows = adjacency[nodes]
    triangles = np.asarray((rows @ adjacency).multiply(rows).sum(axis=1)).ravel() / 2.0
    degree = network.out_degree[nodes].astype(float)
    pairs = degree * (degree - 1) / 2.0
    local = np.divide(triangles, pairs, out=np.zeros_like(triangles), where=pairs > 0)
    return float(local.mean())


def path_length_proxy(network, sources):
    """Mean hop distance from a few sources to every node they reach (BFS)."""
    distances = shortest_path(network.to_scipy(), unweighted=True, indices=sources,
                              directed=network.directed)
    finite = distances[np.isfinite(distances) & (distances > 0)]
    return float(finite.mean()) if finite.size else float("nan")


def build(generator, params, n_nodes, seed):
    """One network of a registered generator (seeded when the generator draws randomness)."""
    if topologies.get(generator).random:
        return topologies.generate(generator, n_nodes, seed=seed, **params)
    return topologies.generate(generator, n_nodes, **params)


def measure(family, generator, params, n_nodes, seed, config):
    """Build one network and return its row of the table plus its degrees."""
    start = time.perf_counter()
    network = build(generator, params, n_nodes, seed)
    build_s = time.perf_counter() - start
    rng = np.random.default_rng(seed)
    sample = min(n_nodes, int(config["clustering_sample"]))
    nodes = np.sort(rng.choice(n_nodes, size=sample, replace=False))
    sources = rng.choice(n_nodes, size=min(n_nodes, int(config["path_sources"])), replace=False)
    degree = network.out_degree.astype(float)
    row = {
        "family": family,
        "n_nodes": n_nodes,
        "n_edges": network.n_edges,
        "degree_mean": degree.mean(),
        "degree_std": degree.std(),
        "degree_max": int(degree.max()),
        "clustering": mean_local_clustering(network, nodes),
        "path_length": path_length_proxy(network, sources),
        "spectral_radius": network.spectral_radius(),
        "k2_over_k": float((degree**2).mean() / degree.mean()),
        "build_s": build_s,
    }
    return row, network.out_degree


def degree_figure(degrees, path):
    """CCDFs P(K >= k) of the out-degrees at the largest size, one line per family.

    A CCDF needs no binning and has no floor at 1/n below which a histogram's empty bins
    vanish; it is written to ``path.png`` and its points to ``path.csv``. Returns the figure.
    """
    frames = []
    for family, values in degrees.items():
        counts = np.bincount(values)
        k = np.flatnonzero(counts)
        at_least = counts[::-1].cumsum()[::-1] / counts.sum()
        frames.append(pd.DataFrame({"family": family, "degree": k, "ccdf": at_least[k]}))
    data = pd.concat(frames, ignore_index=True)
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for family, part in data.groupby("family", sort=False):
        ax.plot(part["degree"], part["ccdf"], marker="o", ms=3, lw=1, label=family)
    ax.set(xscale="log", yscale="log", xlabel="out-degree k (edges)", ylabel="P(K >= k)",
           title=f"Degree distributions, CCDF (n = {max(len(v) for v in degrees.values()):,})")
    decade_ticks(ax.xaxis)
    decade_ticks(ax.yaxis)
    ax.legend(title="family")
    fig.tight_layout()
    fig.savefig(f"{path}.png", dpi=120)
    data.to_csv(f"{path}.csv", index=False)
    return fig


def proxies_figure(table, path):
    """Clustering and path-length proxy against n, one line per family."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    sns.lineplot(data=table, x="n_nodes", y="clustering", hue="family", style="family",
                 markers=True, dashes=False, ax=axes[0])
    axes[0].set(yscale="log", xlabel="n (neurons)",
                ylabel="mean local clustering C (dimensionless)", title="Clustering")
    sns.lineplot(data=table, x="n_nodes", y="path_length", hue="family", style="family",
                 markers=True, dashes=False, ax=axes[1])
    axes[1].set(xlabel="n (neurons)",
                ylabel="mean hop distance L (edges, BFS proxy)", title="Path length")
    for ax in axes:
        size_axis(ax, sorted(table["n_nodes"].unique()))
    axes[0].yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def spectral_figure(table, path):
    """Spectral radius against n, with <k^2>/<k> as dashed reference lines."""
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    sns.lineplot(data=table, x="n_nodes", y="spectral_radius", hue="family", style="family",
                 markers=True, dashes=False, ax=ax)
    palette = dict(zip(table["family"].unique(), sns.color_palette(), strict=False))
    for family, group in table.groupby("family"):
        ax.plot(group["n_nodes"], group["k2_over_k"], ls="--", lw=1, color=palette[family])
    ax.set(xlabel="n (neurons)", ylabel="spectral radius lambda_max (dimensionless)",
           title="Largest eigenvalue (dashed: <k^2>/<k>)")
    size_axis(ax, sorted(table["n_nodes"].unique()))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=HERE / "config.toml")
    parser.add_argument("--size", default="small", help="a key of [sizes] in the config")
    parser.add_argument("--out", type=Path, default=HERE / "results", help="results folder")
    args = parser.parse_args(argv)
    config = tomllib.loads(args.config.read_text())
    if args.size not in config["sizes"]:
        parser.error(f"--size must be one of {sorted(config['sizes'])}; got {args.size!r}")
    sizes = [int(n) for n in config["sizes"][args.size]]
    families = config["families"]
    args.out.mkdir(parents=True, exist_ok=True)

    warm = int(config["warmup_nodes"])
    for entry in families.values():  # compile (or load) the numba kernels: not timed
        build(entry["generator"], dict(entry.get("params", {})), warm, 0)

    root = np.random.SeedSequence(int(config["seed"]))
    children = root.spawn(len(families) * len(sizes))
    rows, degrees = [], {}
    task = 0
    for family, entry in families.items():
        for n_nodes in sizes:
            seed = int(children[task].generate_state(1)[0])
            task += 1
            row, degree = measure(family, entry["generator"], dict(entry.get("params", {})),
                                  n_nodes, seed, config)
            row["seed"] = seed
            rows.append(row)
            if n_nodes == max(sizes):
                degrees[family] = degree
    table = pd.DataFrame(rows)
    table.to_csv(args.out / "table.csv", index=False)

    sns.set_theme(style="whitegrid", context="notebook")
    plt.close(degree_figure(degrees, args.out / "degree_distributions"))
    proxies_figure(table, args.out / "clustering_path_length.png")
    spectral_figure(table, args.out / "spectral_radius.png")

    shown = table.drop(columns=["seed", "n_edges"]).rename(columns={
        "degree_mean": "<k>", "degree_std": "sd(k)", "degree_max": "k_max",
        "clustering": "C", "path_length": "L_bfs", "spectral_radius": "lambda_max",
        "k2_over_k": "<k2>/<k>", "build_s": "build[s]"})
    with pd.option_context("display.width", 120, "display.max_columns", 20):
        print(f"Topology structure at mean degree {config['mean_degree']} "
              f"(sizes: {args.size}); build[s] excludes numba compilation (each generator "
              f"was built once on {warm} neurons first)")
        print(shown.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    print(f"\nWrote table.csv, degree_distributions.png (+ .csv), clustering_path_length.png, "
          f"spectral_radius.png to {args.out}")


if __name__ == "__main__":
    main()
