"""Watts-Strogatz small-world graphs: a ring of k nearest neighbours with rewiring."""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING

from netaval._random import SeedLike
from netaval._validation import Boolean, Interval
from topologies._common import require, seeded
from topologies._registry import register, validate_call

if TYPE_CHECKING:
    from netaval.network import Network

__all__ = ["small_world"]


def _check_small_world(n_nodes: int, params: dict) -> None:
    k = params["k"]
    require(k % 2 == 0, "small_world", f"the ring degree k must be even. Got k = {k}.")
    require(k < n_nodes, "small_world",
            f"the ring degree k = {k} must be smaller than n_nodes = {n_nodes}.")


@register(
    "small_world",
    constraints={"k": Interval(numbers.Integral, 2, None), "p": Interval(numbers.Real, 0, 1),
                 "directed": Boolean()},
    example={"k": 4, "p": 0.1, "directed": False},
    description="Watts-Strogatz ring of k nearest neighbours, each edge rewired with probability p.",
    reference="Watts & Strogatz (1998); networkx.watts_strogatz_graph.",
    check=_check_small_world,
)
def small_world(n_nodes: int, *, k: int, p: float, directed: bool = False,
                seed: SeedLike = None) -> Network:
    """Watts-Strogatz small-world graph.

    Start from a ring in which every neuron is linked to its ``k / 2`` nearest
    neighbours on each side. Undirected (``directed=False``, as
    `networkx.watts_strogatz_graph`): ring edges ``(u, u + j)`` are visited for
    ``j = 1..k/2`` (outer) and ``u = 0..n-1`` (inner), and each is rewired with
    probability ``p`` by replacing ``u + j`` with a node ``w`` drawn uniformly among
    those that are neither ``u`` nor already adjacent to ``u`` (the edge stays if ``u``
    is adjacent to every other node). Directed: every neuron starts with out-edges to
    its ``k`` ring neighbours, and each out-edge's target is replaced with probability
    ``p`` by a uniform neuron that is neither the source nor already one of its targets.

    Parameters
    ----------
    n_nodes : int
        Number of neurons, > k.
    k : int
        Ring degree, even, ``2 <= k < n_nodes``.
    p : float
        Rewiring probability in [0, 1]; 0 gives the ring lattice.
    directed : bool, default False
        Undirected Watts-Strogatz, or the directed variant that rewires targets.
    seed : None, int, numpy.random.SeedSequence or numpy.random.Generator
        Source of randomness (see the README's Randomness section).

    Returns
    -------
    netaval.Network
        Unit weights, no self-loops, no multi-edges; ``n_edges = n_nodes k`` in both
        variants (an undirected edge counts twice).

    Notes
    -----
    Mean degree is exactly ``k``. Undirected: a node keeps its ``k / 2`` own ring edges
    (rewiring moves only their far end), keeps each of the ``k / 2`` ring edges owned by
    its left neighbours with probability ``1 - p``, and receives rewired edges, about
    Poisson(``p k / 2``): degree ``k/2 + Binomial(k/2, 1 - p) + ~Poisson(p k / 2)``, minimum
    ``k / 2``, variance about ``(k / 2) p (2 - p)`` (Barrat & Weigt 2000). Directed:
    out-degree exactly ``k``; in-degree ``Binomial(k, 1 - p)`` plus about Poisson(``p k``).
    Clustering falls from ``3 (k - 2) / (4 (k - 1))`` at ``p = 0`` roughly as
    ``(1 - p)^3`` (Barrat & Weigt 2000). Time O(n_nodes k) expected (hash set of rewired
    edges; the directed variant scans each row, O(n_nodes k^2)).

    References
    ----------
    .. [1] D. J. Watts and S. H. Strogatz, "Collective dynamics of 'small-world'
       networks", Nature 393, 440 (1998).
    .. [2] A. Barrat and M. Weigt, "On the properties of small-world network models",
       Eur. Phys. J. B 13, 547 (2000).

    Examples
    --------
    >>> import topologies
    >>> net = topologies.small_world(100, k=4, p=0.1, seed=2)
    >>> net.n_edges, net.directed, net.n_self_loops
    (400, False, 0)
    >>> sorted(set(topologies.small_world(50, k=4, p=0.0).out_degree.tolist()))
    [4]
    """
    from netaval.network import Network
    from topologies._kernels import _watts_strogatz_directed, _watts_strogatz_undirected

    validate_call("small_world", n_nodes, {"k": k, "p": p, "directed": directed})
    rng, entropy = seeded(seed, "small_world")
    n = int(n_nodes)
    h = int(k) // 2
    if directed:
        rewire = rng.random((n, 2 * h)) < p
        indptr, indices = _watts_strogatz_directed(n, h, rewire, rng)
    else:
        rewire = rng.random((h, n)) < p
        indptr, indices = _watts_strogatz_undirected(n, h, rewire, rng)
    return Network(indptr, indices, n_nodes=n, directed=bool(directed), topology="small_world",
                   params={"k": int(k), "p": float(p), "directed": bool(directed)},
                   seed_entropy=entropy)
