"""Scale-free graphs: Barabasi-Albert growth and Chung-Lu with a tunable degree exponent."""

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

__all__ = ["scale_free", "scale_free_chung_lu"]


def _check_scale_free(n_nodes: int, params: dict) -> None:
    m = params["m"]
    require(m < n_nodes, "scale_free",
            f"m = {m} edges per new node needs n_nodes > m. Got n_nodes = {n_nodes}.")


@register(
    "scale_free",
    constraints={"m": Interval(numbers.Integral, 1, None)},
    example={"m": 2},
    description="Barabasi-Albert preferential attachment, m edges per new node, from a star.",
    reference="Barabasi & Albert (1999); networkx.barabasi_albert_graph.",
    check=_check_scale_free,
)
def scale_free(n_nodes: int, *, m: int, seed: SeedLike = None) -> Network:
    """Barabasi-Albert scale-free graph grown by linear preferential attachment.

    The seed graph is a star of ``m + 1`` nodes (node 0 linked to nodes ``1..m``), as in
    `networkx.barabasi_albert_graph`. Nodes ``m + 1, ..., n_nodes - 1`` then arrive one
    at a time and link to ``m`` distinct earlier nodes, each chosen with probability
    proportional to its current degree (uniform draws from the list of edge ends,
    redrawn on a repeat).

    Parameters
    ----------
    n_nodes : int
        Number of neurons, > m.
    m : int
        Edges added per new node, >= 1.
    seed : None, int, numpy.random.SeedSequence or numpy.random.Generator
        Source of randomness (see the README's Randomness section).

    Returns
    -------
    netaval.Network
        Undirected (each edge stored both ways), unit weights, no self-loops, no
        multi-edges, ``n_edges = 2 m (n_nodes - m)``.

    Notes
    -----
    Mean degree ``2 m (n - m) / n``, i.e. ``2 m`` for large ``n``; minimum degree ``m``
    (except star leaves, which start at 1). The degree distribution tends to
    ``P(k) = 2 m (m + 1) / (k (k + 1) (k + 2))``, tail exponent 3 (Dorogovtsev, Mendes &
    Samukhin 2000; Bollobas et al. 2001); the largest degree grows like ``m sqrt(n)``.
    Node labels follow arrival order, so low labels are the old hubs. Time O(n m^2)
    (m draws per node plus a duplicate check), memory O(n m); rows are emitted sorted.

    References
    ----------
    .. [1] A.-L. Barabasi and R. Albert, "Emergence of scaling in random networks",
       Science 286, 509 (1999).
    .. [2] B. Bollobas, O. Riordan, J. Spencer and G. Tusnady, "The degree sequence of a
       scale-free random graph process", Random Struct. Algor. 18, 279 (2001).

    Examples
    --------
    >>> import topologies
    >>> net = topologies.scale_free(1000, m=3, seed=4)
    >>> net.n_edges, int(net.out_degree.min()), net.directed
    (5982, 3, False)
    """
    from netaval.network import Network
    from topologies._kernels import _barabasi_albert_pairs, _symmetric_csr_from_sorted_pairs

    validate_call("scale_free", n_nodes, {"m": m})
    rng, entropy = seeded(seed, "scale_free")
    lo, hi = _barabasi_albert_pairs(int(n_nodes), int(m), rng)
    indptr, indices = _symmetric_csr_from_sorted_pairs(lo, hi, int(n_nodes))
    return Network(indptr, indices, n_nodes=int(n_nodes), directed=False, topology="scale_free",
                   params={"m": int(m)}, seed_entropy=entropy)


def _pareto_weights(n: int, gamma: float, k_min: float, k_max: float,
                    rng: np.random.Generator) -> np.ndarray:
    """``n`` iid draws of a power law ``w^-gamma`` on ``[k_min, k_max]`` by inversion."""
    u = rng.random(n)
    if np.isinf(gamma):
        return np.full(n, k_min)
    tail = (k_max / k_min) ** (1.0 - gamma)
    return k_min * (1.0 - u * (1.0 - tail)) ** (-1.0 / (gamma - 1.0))


def _check_chung_lu(n_nodes: int, params: dict) -> None:
    k_min, k_max = params["k_min"], params["k_max"]
    require(n_nodes >= 2, "scale_free_chung_lu", f"n_nodes must be >= 2. Got {n_nodes}.")
    cap = float(n_nodes - 1) if k_max is None else float(k_max)
    require(k_min <= cap, "scale_free_chung_lu",
            f"k_min = {k_min} must not exceed k_max = {cap}"
            + (" (n_nodes - 1 by default)." if k_max is None else "."))
    require(cap <= n_nodes - 1, "scale_free_chung_lu",
            f"k_max = {k_max} must be at most n_nodes - 1 = {n_nodes - 1}.")


@register(
    "scale_free_chung_lu",
    constraints={
        "gamma": Interval(numbers.Real, 2, None, closed="neither"),
        "k_min": Interval(numbers.Real, 0, None, closed="neither"),
        "k_max": Interval(numbers.Real, 0, None, closed="neither", allow_none=True),
        "directed": Boolean(),
    },
    example={"gamma": 2.5, "k_min": 2.0, "k_max": None, "directed": False},
    description="Chung-Lu graph with power-law expected degrees (exponent gamma, k_min, k_max).",
    reference="Chung & Lu (2002); Miller & Hagberg (2011).",
    check=_check_chung_lu,
)
def scale_free_chung_lu(n_nodes: int, *, gamma: float, k_min: float, k_max: float | None = None,
                        directed: bool = False, seed: SeedLike = None) -> Network:
    """Chung-Lu random graph with power-law expected degrees (tunable exponent).

    Every neuron ``i`` gets a target degree ``w_i`` drawn independently from the
    continuous power law ``p(w) ~ w^-gamma`` on ``[k_min, k_max]``; then every pair
    ``i != j`` is linked independently with probability ``min(1, w_i w_j / S)``,
    ``S = sum(w)``. Directed: each ordered pair independently with that probability
    (``w`` is both the target out- and in-degree).

    Parameters
    ----------
    n_nodes : int
        Number of neurons, >= 2.
    gamma : float
        Degree exponent, > 2.
    k_min : float
        Smallest target degree, > 0.
    k_max : float or None, default None
        Largest target degree, ``k_min <= k_max <= n_nodes - 1``; None means
        ``n_nodes - 1``. The structural cutoff ``sqrt(n <w>)`` avoids the drift below.
    directed : bool, default False
    seed : None, int, numpy.random.SeedSequence or numpy.random.Generator
        Source of randomness (see the README's Randomness section).

    Returns
    -------
    netaval.Network
        Unit weights. **No self-loops and no multi-edges, by construction**: the model
        is a simple graph (Bernoulli per pair), not a configuration model, so nothing is
        erased or rewired after the fact.

    Notes
    -----
    Target vs realised degrees. Given ``w``, the degree of ``i`` is a sum of independent
    Bernoulli variables with mean ``E[k_i | w] = sum_{j != i} min(1, w_i w_j / S)``,
    which equals ``w_i (1 - w_i / S)`` when ``w_max^2 <= S`` and is smaller otherwise:
    (a) the missing self-loop removes ``w_i^2 / S`` (negligible unless ``w_i`` is a
    sizeable fraction of ``S``); (b) pairs with ``w_i w_j > S`` are capped at probability
    1, which lowers the hubs' degrees when ``k_max > sqrt(S)`` (always the case for
    ``gamma < 3`` with the default ``k_max``). The fluctuation around that mean has
    variance ``sum_j p_ij (1 - p_ij) <= E[k_i | w]`` (Poisson-like), so
    ``k_i = w_i +- sqrt(w_i)`` typically. The degree distribution follows the target
    power law for ``k >> 1`` up to the cutoff; at small ``k`` it is the Poisson mixture
    of the weights. The mean target degree is
    ``k_min (gamma - 1) / (gamma - 2) (1 - c^(2 - gamma)) / (1 - c^(1 - gamma))`` with
    ``c = k_max / k_min``. Node labels are independent of degree (weights iid).

    Built by the Miller-Hagberg skipping algorithm over the weights sorted in decreasing
    order (one or two uniform draws per candidate edge), then relabelled and sorted
    into CSR rows: time O(n log n + n_edges log d_max), memory O(n + n_edges).

    References
    ----------
    .. [1] F. Chung and L. Lu, "Connected components in random graphs with given
       expected degree sequences", Ann. Comb. 6, 125 (2002).
    .. [2] J. C. Miller and A. Hagberg, "Efficient generation of networks with given
       expected degrees", WAW 2011, LNCS 6732, 115 (2011).

    Examples
    --------
    >>> import topologies
    >>> net = topologies.scale_free_chung_lu(2000, gamma=2.5, k_min=3, seed=5)
    >>> net.directed, net.n_self_loops
    (False, 0)
    >>> bool(6 < net.out_degree.mean() < 10)
    True
    """
    from netaval.network import Network
    from topologies._kernels import _chung_lu_pairs, _csr_from_pairs, _relabel

    validate_call("scale_free_chung_lu", n_nodes,
                  {"gamma": gamma, "k_min": k_min, "k_max": k_max, "directed": directed})
    cap = float(n_nodes - 1) if k_max is None else float(k_max)
    rng, entropy = seeded(seed, "scale_free_chung_lu")
    n = int(n_nodes)
    weights = _pareto_weights(n, float(gamma), float(k_min), cap, rng)
    order = np.argsort(-weights, kind="stable")
    sorted_weights = np.ascontiguousarray(weights[order])
    lo, hi = _chung_lu_pairs(sorted_weights, rng)
    u, v = _relabel(lo, order), _relabel(hi, order)
    if directed:
        lo2, hi2 = _chung_lu_pairs(sorted_weights, rng)
        src = np.concatenate([u, _relabel(hi2, order)])
        dst = np.concatenate([v, _relabel(lo2, order)])
        indptr, indices = _csr_from_pairs(src, dst, n, False)
    else:
        indptr, indices = _csr_from_pairs(u, v, n, True)
    params = {"gamma": float(gamma), "k_min": float(k_min),
              "k_max": None if k_max is None else float(k_max), "directed": bool(directed)}
    return Network(indptr, indices, n_nodes=n, directed=bool(directed),
                   topology="scale_free_chung_lu", params=params, seed_entropy=entropy)
