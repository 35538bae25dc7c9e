"""Erdos-Renyi random graphs: G(n, p) with mean degree ``k``, and fixed in-degree."""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING

import numpy as np

from netaval._random import SeedLike
from netaval._validation import Boolean, Interval
from topologies._common import require, seeded
from topologies._registry import register, validate_call

if TYPE_CHECKING:
    from netaval.network import Network

__all__ = ["random", "random_fixed_indegree"]


def _check_random(n_nodes: int, params: dict) -> None:
    k = params["k"]
    require(k <= max(n_nodes - 1, 0), "random",
            f"the mean degree k = {k} must be at most n_nodes - 1 = {n_nodes - 1}.")


@register(
    "random",
    constraints={"k": Interval(numbers.Real, 0, None), "directed": Boolean()},
    example={"k": 4.0, "directed": True},
    description="Erdos-Renyi G(n, p) with mean degree k = p (n - 1).",
    reference="Erdos & Renyi (1959); Gilbert (1959); Batagelj & Brandes (2005).",
    check=_check_random,
)
def random(n_nodes: int, *, k: float, directed: bool = True, seed: SeedLike = None) -> Network:
    """Erdos-Renyi random graph G(n, p) with mean degree ``k``.

    Every ordered pair ``(i, j)``, ``i != j`` (directed) or every unordered pair
    (undirected) is connected independently with probability ``p = k / (n_nodes - 1)``.

    Parameters
    ----------
    n_nodes : int
        Number of neurons, >= 1 (>= 2 when ``k > 0``).
    k : float
        Expected out-degree (directed) or degree (undirected), ``0 <= k <= n_nodes - 1``.
    directed : bool, default True
        Directed graph (synapses i -> j and j -> i independent) or undirected (stored in
        both directions, so `Network.n_edges` counts each edge twice).
    seed : None, int, numpy.random.SeedSequence or numpy.random.Generator
        Source of randomness (see the README's Randomness section). The same seed gives
        the same graph.

    Returns
    -------
    netaval.Network
        Unit weights, no self-loops, no multi-edges; ``topology="random"``.

    Notes
    -----
    Exact G(n, p): the number of edges is Binomial(N, p) with N = n (n - 1) ordered
    pairs (directed) or n (n - 1) / 2 pairs (undirected), so ``n_edges`` has mean
    ``n k`` in both cases and variance ``n k (1 - p)`` (directed) or ``2 n k (1 - p)``
    (undirected, each edge stored twice). Each degree (out- and in- for directed) is
    Binomial(n - 1, p): mean ``k``, variance ``k (1 - p)``.

    Built by geometric skipping over the pair index (Batagelj & Brandes 2005): one
    uniform draw per edge, pairs visited in CSR order, so time and memory are
    O(n_nodes + n_edges), never O(n_nodes^2).

    References
    ----------
    .. [1] P. Erdos and A. Renyi, "On random graphs I", Publ. Math. Debrecen 6 (1959).
    .. [2] V. Batagelj and U. Brandes, "Efficient generation of large random networks",
       Phys. Rev. E 71, 036113 (2005).

    Examples
    --------
    >>> import topologies
    >>> net = topologies.random(1000, k=10, seed=1)
    >>> net.n_nodes, net.directed, net.n_self_loops
    (1000, True, 0)
    >>> bool(abs(net.out_degree.mean() - 10) < 1)
    True
    >>> topologies.random(1000, k=10, directed=False, seed=1).directed
    False
    """
    from netaval.network import Network
    from topologies._kernels import _gnp_directed, _gnp_undirected_pairs, _symmetric_csr_from_sorted_pairs

    validate_call("random", n_nodes, {"k": k, "directed": directed})
    rng, entropy = seeded(seed, "random")
    n = int(n_nodes)
    p = float(k) / (n - 1) if n > 1 else 0.0
    p = min(p, 1.0)
    provenance = dict(topology="random", params={"k": k, "directed": bool(directed)},
                      seed_entropy=entropy)
    if p == 0.0:
        return Network(np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int32),
                       n_nodes=n, directed=bool(directed), **provenance)
    if directed:
        indptr, indices = _gnp_directed(n, p, rng)
    else:
        lo, hi = _gnp_undirected_pairs(n, p, rng)
        indptr, indices = _symmetric_csr_from_sorted_pairs(lo, hi, n)
    return Network(indptr, indices, n_nodes=n, directed=bool(directed), **provenance)


def _check_fixed_indegree(n_nodes: int, params: dict) -> None:
    k = params["k"]
    require(k <= n_nodes - 1, "random_fixed_indegree",
            f"the in-degree k = {k} must be at most n_nodes - 1 = {n_nodes - 1}.")


@register(
    "random_fixed_indegree",
    constraints={"k": Interval(numbers.Integral, 0, None)},
    example={"k": 4},
    description="Every neuron receives exactly k distinct random inputs (NEST fixed_indegree).",
    reference="NEST connection rule fixed_indegree (allow_autapses=False, allow_multapses=False).",
    check=_check_fixed_indegree,
)
def random_fixed_indegree(n_nodes: int, *, k: int, seed: SeedLike = None) -> Network:
    """Directed random graph in which every neuron receives exactly ``k`` inputs.

    Each neuron draws its ``k`` presynaptic partners uniformly without replacement among
    the other ``n_nodes - 1`` neurons, independently of the other neurons (NEST's
    ``fixed_indegree`` rule without autapses or multapses).

    Parameters
    ----------
    n_nodes : int
        Number of neurons, >= 1.
    k : int
        In-degree of every neuron, ``0 <= k <= n_nodes - 1``.
    seed : None, int, numpy.random.SeedSequence or numpy.random.Generator
        Source of randomness (see the README's Randomness section).

    Returns
    -------
    netaval.Network
        Directed, unit weights, no self-loops, no multi-edges, ``n_edges = n_nodes k``.

    Notes
    -----
    In-degree is exactly ``k``. The out-degree of a neuron is a sum of ``n - 1``
    independent Bernoulli(k / (n - 1)) variables: Binomial(n - 1, k / (n - 1)), mean
    ``k`` and variance ``k (1 - k / (n - 1))``. Floyd's algorithm draws each neuron's
    inputs with exactly ``k`` integer draws; a counting sort transposes them into CSR
    rows. Time and memory O(n_nodes k).

    References
    ----------
    .. [1] Gewaltig & Diesmann, "NEST (NEural Simulation Tool)", Scholarpedia 2, 1430 (2007);
       connection rule ``fixed_indegree``.
    .. [2] J. Bentley and B. Floyd, "Programming pearls: a sample of brilliance",
       Commun. ACM 30, 754 (1987).

    Examples
    --------
    >>> import topologies
    >>> net = topologies.random_fixed_indegree(100, k=5, seed=3)
    >>> sorted(set(net.in_degree.tolist())), net.n_edges
    ([5], 500)
    """
    from netaval.network import Network
    from topologies._kernels import _fixed_indegree

    validate_call("random_fixed_indegree", n_nodes, {"k": k})
    rng, entropy = seeded(seed, "random_fixed_indegree")
    indptr, indices = _fixed_indegree(int(n_nodes), int(k), rng)
    return Network(indptr, indices, n_nodes=int(n_nodes), directed=True,
                   topology="random_fixed_indegree", params={"k": int(k)},
                   seed_entropy=entropy)
