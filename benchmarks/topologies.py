"""Benchmark: topology generators, netaval vs networkx (+ to_scipy_sparse_array) vs igraph.

Every figure is end to end: from parameters to a validated CSR matrix (netaval: the
`Network` constructor's validation included; networkx: generator + ``to_scipy_sparse_array``;
igraph: generator + ``get_adjacency_sparse``). Throughput counts stored CSR entries (an
undirected edge counts twice), at mean degree 10. First-call numba compilation is excluded
by a warm-up on a small graph. networkx is timed at up to ``--nx-base`` (1e5) nodes and,
unless ``--nx-full``, extrapolated linearly beyond (its generators are O(n + m)), and
labelled so.

    python benchmarks/topologies.py                 # 1e5 and 1e6 nodes
    python benchmarks/topologies.py --sizes 100000  # quicker
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

# this file is named like the package it measures: keep its folder off the import path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

import topologies  # noqa: E402

try:
    import igraph
except ImportError:  # optional peer
    igraph = None

K = 10  # mean degree

# family label -> (netaval call, networkx call or None, igraph call or None, target M/s)
CASES = {
    "random (directed)": (
        lambda n, s: topologies.random(n, k=K, seed=s),
        lambda n, s: nx.fast_gnp_random_graph(n, K / (n - 1), seed=s, directed=True),
        lambda n, s: igraph.Graph.Erdos_Renyi(n, p=K / (n - 1), directed=True),
        10.0),
    "random (undirected)": (
        lambda n, s: topologies.random(n, k=K, directed=False, seed=s),
        lambda n, s: nx.fast_gnp_random_graph(n, K / (n - 1), seed=s),
        lambda n, s: igraph.Graph.Erdos_Renyi(n, p=K / (n - 1)),
        10.0),
    "random_fixed_indegree": (
        lambda n, s: topologies.random_fixed_indegree(n, k=K, seed=s), None, None, 10.0),
    "small_world (p=0.1)": (
        lambda n, s: topologies.small_world(n, k=K, p=0.1, seed=s),
        lambda n, s: nx.watts_strogatz_graph(n, K, 0.1, seed=s),
        lambda n, s: igraph.Graph.Watts_Strogatz(1, n, K // 2, 0.1),
        10.0),
    "small_world directed": (
        lambda n, s: topologies.small_world(n, k=K, p=0.1, directed=True, seed=s),
        None, None, 10.0),
    "scale_free (BA m=5)": (
        lambda n, s: topologies.scale_free(n, m=K // 2, seed=s),
        lambda n, s: nx.barabasi_albert_graph(n, K // 2, seed=s),
        lambda n, s: igraph.Graph.Barabasi(n, K // 2),
        10.0),
    "scale_free_chung_lu (g=3)": (
        lambda n, s: topologies.scale_free_chung_lu(n, gamma=3.0, k_min=K / 2, seed=s),
        lambda n, s: nx.expected_degree_graph(_chung_lu_weights(n, s), seed=s, selfloops=False),
        lambda n, s: igraph.Graph.Chung_Lu(list(_chung_lu_weights(n, s)), loops=False),
        10.0),
    "lattice (1-d, r=5)": (
        lambda n, s: topologies.lattice(n, dim=1, radius=K // 2),
        lambda n, s: nx.circulant_graph(n, range(1, K // 2 + 1)),
        lambda n, s: igraph.Graph.Lattice([n], nei=K // 2, circular=True),
        30.0),
}


def _chung_lu_weights(n, seed):
    """Power-law (gamma = 3, k_min = 5) weights, mean 10, for the peers' Chung-Lu."""
    u = np.random.default_rng(seed).random(n)
    return (K / 2) * (1.0 - u * (1.0 - ((n - 1) / (K / 2)) ** -2.0)) ** -0.5


def _best_time(make, n, repeats):
    best, result = np.inf, None
    for r in range(repeats):
        start = time.perf_counter()
        result = make(n, 1000 + r)
        best = min(best, time.perf_counter() - start)
    return best, result


def _networkx(make, n):
    start = time.perf_counter()
    graph = make(n, 1)
    matrix = nx.to_scipy_sparse_array(graph, format="csr")
    return time.perf_counter() - start, matrix.nnz


def _igraph(make, n):
    start = time.perf_counter()
    graph = make(n, 1)
    matrix = sp.csr_array(graph.get_adjacency_sparse())
    return time.perf_counter() - start, matrix.nnz


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3, help="netaval: best of this many")
    parser.add_argument("--nx-full", action="store_true",
                        help="time networkx at every size instead of extrapolating")
    parser.add_argument("--nx-base", type=int, default=100_000,
                        help="networkx is timed up to this size and extrapolated beyond")
    parser.add_argument("--only", nargs="*", default=None, help="substrings of family labels")
    args = parser.parse_args(argv)
    cases = {label: case for label, case in CASES.items()
             if not args.only or any(s in label for s in args.only)}

    for ours, *_rest in cases.values():  # compile every kernel first
        ours(1000, 0)

    header = (f"{'family':28s} {'n':>9s} {'entries':>10s} {'netaval s':>10s} {'M/s':>7s} "
              f"{'target':>7s} {'networkx s':>12s} {'x nx':>7s} {'igraph s':>9s} {'x ig':>6s}")
    print(header)
    print("-" * len(header))
    nx_base_time = {}
    for label, (ours, peer_nx, peer_ig, target) in cases.items():
        for n in args.sizes:
            seconds, network = _best_time(ours, n, args.repeats if n <= 100_000 else
                                          max(1, args.repeats - 1))
            rate = network.n_edges / seconds / 1e6
            nx_text, nx_ratio = "n/a", ""
            if peer_nx is not None:
                if args.nx_full or n <= args.nx_base:
                    t_nx, _ = _networkx(peer_nx, n)
                    nx_text = f"{t_nx:.2f}"
                else:
                    if label not in nx_base_time:
                        nx_base_time[label] = _networkx(peer_nx, args.nx_base)[0]
                    t_nx = nx_base_time[label] * n / args.nx_base
                    nx_text = f"~{t_nx:.1f}(ext)"
                if n == args.nx_base:
                    nx_base_time[label] = t_nx
                nx_ratio = f"{t_nx / seconds:.0f}"
            ig_text, ig_ratio = "n/a", ""
            if peer_ig is not None and igraph is not None:
                t_ig, _ = _igraph(peer_ig, n)
                ig_text, ig_ratio = f"{t_ig:.2f}", f"{t_ig / seconds:.1f}"
            mark = "ok" if n < 1_000_000 or rate >= target else "MISS"
            print(f"{label:28s} {n:>9d} {network.n_edges:>10d} {seconds:>10.3f} {rate:>7.1f} "
                  f"{target:>5.0f}{mark:>2s} {nx_text:>12s} {nx_ratio:>7s} {ig_text:>9s} "
                  f"{ig_ratio:>6s}", flush=True)
    print("\nM/s: stored CSR entries per second, end to end; x nx / x ig: peer time / netaval "
          "time (same run). '(ext)': networkx time extrapolated linearly from --nx-base nodes.")


if __name__ == "__main__":
    main()
