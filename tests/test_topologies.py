"""Tests of the topology generators: registry contract, exact theory, networkx references."""

import math
import numbers
import sys
import textwrap

import networkx as nx
import numpy as np
import pytest
from scipy import stats

import netaval
import netaval._memory
import topologies
import topologies._registry as registry
from netaval._validation import Interval, invalid_values
from netaval.errors import InvalidParameterError, NetavalWarning
from netaval.network import Network
from tests.stats import (
    assert_chisquare_fits,
    assert_means_agree,
    assert_same_distribution,
    assert_within_z,
)
from topologies.scale_free_graphs import _pareto_weights

N_CONTRACT = 64  # a perfect 1st, 2nd and 3rd power, so every example is valid
BUILTINS = [name for name in topologies.available()
            if topologies.get(name).function.__module__.startswith("topologies.")]
RANDOM_BUILTINS = [name for name in BUILTINS if topologies.get(name).random]


def _build(name, seed=None, n_nodes=N_CONTRACT, **overrides):
    spec = topologies.get(name)
    params = {**spec.example, **overrides}
    if spec.random:
        return topologies.generate(name, n_nodes, seed=seed, **params)
    return topologies.generate(name, n_nodes, **params)


def _same_arrays(a, b):
    return (np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
            and np.array_equal(a.weights, b.weights))


# ----------------------------------------------------------------------------- contract


def test_builtins_are_registered():
    """The issue's four families (and the variants) are all registered."""
    assert {"random", "random_fixed_indegree", "small_world", "scale_free",
            "scale_free_chung_lu", "lattice"} <= set(BUILTINS)


@pytest.mark.parametrize("name", BUILTINS)
def test_generator_returns_canonical_network(name):
    """The example builds a valid canonical CSR Network with provenance and no self-loops."""
    net = _build(name, seed=1)
    assert isinstance(net, Network)
    assert net.n_nodes == N_CONTRACT and net.n_edges > 0
    assert net.indptr.dtype == np.int64 and net.indices.dtype == np.int32
    assert net.weights.dtype == np.float64 and np.all(net.weights == 1.0)
    assert net.n_self_loops == 0
    for row in range(net.n_nodes):
        assert np.all(np.diff(net.indices[net.indptr[row]:net.indptr[row + 1]]) > 0)
    assert net.topology == name
    spec = topologies.get(name)
    assert set(net.params) == set(spec.example)
    # rebuilding the matrix through scipy gives the same canonical arrays
    again = Network.from_scipy(net.to_scipy(), directed=net.directed)
    assert _same_arrays(net, again)


@pytest.mark.parametrize("name", BUILTINS)
def test_same_seed_gives_identical_arrays(name):
    """Same seed -> bit-identical arrays (deterministic generators: always identical)."""
    assert _same_arrays(_build(name, seed=7), _build(name, seed=7))


@pytest.mark.parametrize("name", RANDOM_BUILTINS)
def test_different_seeds_give_different_graphs(name):
    """Two seeds give different graphs (64 nodes: a coincidence is astronomically rare)."""
    assert not _same_arrays(_build(name, seed=1), _build(name, seed=2))


@pytest.mark.parametrize("name", RANDOM_BUILTINS)
def test_seed_none_records_entropy_that_rebuilds_the_graph(name):
    """seed=None records the drawn entropy; seeding with it rebuilds the same graph."""
    net = _build(name, seed=None)
    assert isinstance(net.seed_entropy, int)
    assert _same_arrays(net, _build(name, seed=net.seed_entropy))
    assert _build(name, seed=3).seed_entropy == 3


@pytest.mark.parametrize("name", RANDOM_BUILTINS)
def test_generator_seed_shares_the_stream(name):
    """A Generator is used as is (stream shared, no entropy recorded)."""
    a = _build(name, seed=np.random.default_rng(5))
    b = _build(name, seed=np.random.default_rng(5))
    assert _same_arrays(a, b) and a.seed_entropy is None


def _constraint_cases():
    cases = []
    for name in BUILTINS:
        spec = topologies.get(name)
        for param, constraint in spec.constraints.items():
            for value in invalid_values(constraint):
                cases.append(pytest.param(name, param, value, id=f"{name}-{param}={value!r}"))
        for value in invalid_values(spec.n_nodes):
            cases.append(pytest.param(name, "n_nodes", value, id=f"{name}-n_nodes={value!r}"))
    return cases


@pytest.mark.parametrize(("name", "param", "value"), _constraint_cases())
def test_invalid_parameter_is_refused_naming_it(name, param, value):
    """Each constraint violated once raises InvalidParameterError naming the parameter."""
    if param == "n_nodes":
        with pytest.raises(InvalidParameterError, match="'n_nodes'"):
            _build(name, seed=0, n_nodes=value)
    else:
        with pytest.raises(InvalidParameterError, match=f"'{param}'"):
            _build(name, seed=0, **{param: value})


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: topologies.random(10, k=9.5), "k = 9.5 must be at most n_nodes - 1 = 9"),
        (lambda: topologies.random_fixed_indegree(5, k=5), "k = 5 must be at most"),
        (lambda: topologies.small_world(10, k=3, p=0.1), "must be even. Got k = 3"),
        (lambda: topologies.small_world(10, k=10, p=0.1), "k = 10 must be smaller than n_nodes"),
        (lambda: topologies.scale_free(3, m=3), "needs n_nodes > m. Got n_nodes = 3"),
        (lambda: topologies.lattice(50, dim=2), "perfect dim-th power .* Got 50"),
        (lambda: topologies.scale_free_chung_lu(100, gamma=2.5, k_min=5, k_max=4),
         "k_min = 5 must not exceed k_max = 4"),
        (lambda: topologies.scale_free_chung_lu(100, gamma=2.5, k_min=5, k_max=200),
         "k_max = 200 must be at most n_nodes - 1 = 99"),
        (lambda: topologies.random(10, k=2, seed=-1), "'seed'"),
        (lambda: topologies.random(10, k=2, seed=1.5), "'seed'"),
    ],
    ids=["random-k", "fixed-k", "ws-odd-k", "ws-k-n", "ba-m-n", "lattice-square", "cl-kmin",
         "cl-kmax", "seed-negative", "seed-float"],
)
def test_cross_parameter_errors_name_the_values(call, match):
    """Checks that involve two parameters raise with both values in the message."""
    with pytest.raises(InvalidParameterError, match=match):
        call()


@pytest.mark.parametrize(
    ("name", "n_nodes", "params", "match"),
    [
        ("random", 10, {"k": 9.5}, "k = 9.5 must be at most n_nodes - 1 = 9"),
        ("random_fixed_indegree", 5, {"k": 5}, "k = 5 must be at most"),
        ("small_world", 10, {"k": 3, "p": 0.1}, "must be even. Got k = 3"),
        ("small_world", 10, {"k": 10, "p": 0.1}, "k = 10 must be smaller than n_nodes"),
        ("scale_free", 3, {"m": 3}, "needs n_nodes > m. Got n_nodes = 3"),
        ("lattice", 50, {}, r"perfect dim-th power \(L\*\*2\) .* Got 50"),
        ("lattice", 50, {"dim": 3}, r"perfect dim-th power \(L\*\*3\) .* Got 50"),
        ("scale_free_chung_lu", 100, {"gamma": 2.5, "k_min": 200}, "k_min = 200 must not exceed"),
        ("random", 10, {}, r"missing required parameter\(s\) \['k'\]"),
    ],
    ids=["random-k", "fixed-k", "ws-odd-k", "ws-k-n", "ba-m-n", "lattice-default-dim",
         "lattice-dim3", "cl-kmin-default-kmax", "missing"],
)
def test_validate_call_checks_cross_parameter_constraints(name, n_nodes, params, match):
    """validate_call (what a study runs before any task) applies the generators' cross-parameter
    checks, with their defaults filled in."""
    from topologies._registry import validate_call

    with pytest.raises(InvalidParameterError, match=match):
        validate_call(name, n_nodes, params)
    validate_call("lattice", 64, {"dim": 3})  # 4**3: valid, no error


def test_generate_refuses_unknown_parameter():
    """generate() names an unexpected keyword and lists the expected ones."""
    with pytest.raises(InvalidParameterError, match=r"unexpected parameter\(s\) \['q'\]"):
        topologies.generate("random", 10, k=2, q=1)


# ----------------------------------------------------------------------------- registry


def test_unknown_name_lists_known_topologies():
    """get() of an unknown name lists the registered names."""
    with pytest.raises(InvalidParameterError, match="known topologies are .*'small_world'"):
        topologies.get("smallworld")


def test_duplicate_registration_raises():
    """Registering a taken name raises and leaves the original in place."""
    original = topologies.get("random").function
    with pytest.raises(InvalidParameterError, match="already registered"):
        topologies.register("random", constraints={}, example={}, description="x")(lambda n: n)
    assert topologies.get("random").function is original


def test_entry_point_plugin_is_discovered(tmp_path, monkeypatch):
    """A fake installed distribution's netaval.topologies entry point registers on lookup."""
    (tmp_path / "fake_ring_plugin.py").write_text(textwrap.dedent("""
        import numpy as np
        import netaval
        import topologies

        @topologies.register("fake_ring", constraints={}, example={},
                             description="Directed ring (test plug-in).", random=False)
        def fake_ring(n_nodes):
            nodes = np.arange(n_nodes)
            return netaval.Network.from_edges(nodes, (nodes + 1) % n_nodes, n_nodes)
    """))
    dist = tmp_path / "fake_ring_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-ring-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[netaval.topologies]\nfake_ring = fake_ring_plugin\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "_entry_points_loaded", False)
    try:
        assert "fake_ring" in topologies.available()
        net = topologies.generate("fake_ring", 5)
        assert net.n_edges == 5 and net.out_degree.tolist() == [1] * 5
    finally:
        topologies.unregister("fake_ring")
        sys.modules.pop("fake_ring_plugin", None)


def test_broken_plugin_warns_and_is_skipped(tmp_path, monkeypatch):
    """A plug-in that fails to import warns and does not break the registry."""
    (tmp_path / "broken_plugin.py").write_text("raise ImportError('boom')\n")
    dist = tmp_path / "broken_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[netaval.topologies]\nbroken = broken_plugin\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "_entry_points_loaded", False)
    with pytest.warns(NetavalWarning, match="failed to load"):
        names = topologies.available()
    assert "broken" not in names and "random" in names


# ----------------------------------------------------------------------------- Erdos-Renyi


@pytest.mark.parametrize("directed", [True, False], ids=["directed", "undirected"])
def test_random_edge_count_is_binomial(directed):
    """Edge count over realisations: mean and variance of Binomial(N, p) within z = 4."""
    n, k, reps = 200, 5.0, 300
    p = k / (n - 1)
    pairs = n * (n - 1) if directed else n * (n - 1) // 2
    rng = np.random.default_rng(11)
    counts = np.array([topologies.random(n, k=k, directed=directed, seed=rng).n_edges
                       for _ in range(reps)])
    counts = counts if directed else counts // 2
    mean, var = pairs * p, pairs * p * (1 - p)
    assert_within_z(counts.mean(), mean, math.sqrt(var / reps), what="mean edge count")
    # sample variance of (near-)normal data: stderr var * sqrt(2 / (reps - 1))
    assert_within_z(counts.var(ddof=1), var, var * math.sqrt(2 / (reps - 1)),
                    what="edge count variance")


@pytest.mark.parametrize("directed", [True, False], ids=["directed", "undirected"])
def test_random_degrees_follow_binomial(directed, seed):
    """Out-degree histogram vs Binomial(n - 1, p): chi-square, false-alarm rate 1e-3."""
    n, k = 20000, 8.0
    net = topologies.random(n, k=k, directed=directed, seed=seed)
    support = np.arange(n)
    pmf = stats.binom.pmf(support, n - 1, k / (n - 1))
    assert_chisquare_fits(np.bincount(net.out_degree, minlength=n), pmf, what="out-degree")
    if directed:
        assert_chisquare_fits(np.bincount(net.in_degree, minlength=n), pmf, what="in-degree")


def test_random_extremes():
    """k = 0 gives no edges; k = n - 1 gives the complete graph."""
    assert topologies.random(10, k=0, seed=1).n_edges == 0
    assert topologies.random(1, k=0, seed=1).n_edges == 0
    assert topologies.random(10, k=9, seed=1).n_edges == 90
    assert topologies.random(10, k=9, directed=False, seed=1).n_edges == 90


def test_random_undirected_is_symmetric_and_matches_pairs():
    """Undirected ER stores each pair both ways (Network validates symmetry)."""
    net = topologies.random(500, k=6, directed=False, seed=3)
    dense = net.to_scipy().toarray()
    assert np.array_equal(dense, dense.T) and np.all(np.diag(dense) == 0)


def test_fixed_indegree_is_exact_and_out_degree_binomial(seed):
    """In-degree exactly k; out-degree Binomial(n - 1, k / (n - 1)) by chi-square (1e-3)."""
    n, k = 20000, 10
    net = topologies.random_fixed_indegree(n, k=k, seed=seed)
    assert np.all(net.in_degree == k) and net.n_edges == n * k and net.n_self_loops == 0
    pmf = stats.binom.pmf(np.arange(n), n - 1, k / (n - 1))
    assert_chisquare_fits(np.bincount(net.out_degree, minlength=n), pmf, what="out-degree")


@pytest.mark.parametrize("k", [0, 1, 30, 59, 63], ids=lambda k: f"k{k}")
def test_fixed_indegree_small_and_dense(k):
    """Scan (k <= 48) and mark-array (k > 48) paths both give k distinct inputs."""
    net = topologies.random_fixed_indegree(64, k=k, seed=4)
    assert np.all(net.in_degree == k) and net.n_self_loops == 0


def test_fixed_indegree_sources_are_uniform():
    """Each source is chosen by a target with probability k / (n - 1): chi-square (1e-3)."""
    n, k, reps = 12, 4, 3000
    rng = np.random.default_rng(5)
    counts = np.zeros((n, n))
    for _ in range(reps):
        counts += topologies.random_fixed_indegree(n, k=k, seed=rng).to_scipy().toarray()
    observed = counts[:, 0][1:]  # who projects to neuron 0
    assert_chisquare_fits(observed, np.full(n - 1, 1.0), what="sources of neuron 0")


# ----------------------------------------------------------------------------- Watts-Strogatz


def test_small_world_p0_is_the_networkx_ring():
    """p = 0 gives exactly networkx's ring lattice."""
    ours = topologies.small_world(30, k=6, p=0.0, seed=1)
    reference = Network.from_networkx(nx.watts_strogatz_graph(30, 6, 0.0))
    assert _same_arrays(ours, reference)


@pytest.mark.parametrize("p", [0.0, 0.1, 0.3, 1.0], ids=lambda p: f"p{p}")
def test_small_world_clustering_matches_networkx(p):
    """Mean clustering and degree variance over realisations equal networkx's (z = 4)."""
    n, k, reps = 300, 6, 12
    rng = np.random.default_rng(int(p * 10) + 20)
    ours, theirs, var_ours, var_theirs = [], [], [], []
    for _ in range(reps):
        g = topologies.small_world(n, k=k, p=p, seed=rng).to_networkx()
        h = nx.watts_strogatz_graph(n, k, p, seed=int(rng.integers(2**31)))
        ours.append(nx.average_clustering(g))
        theirs.append(nx.average_clustering(h))
        var_ours.append(np.var([d for _, d in g.degree()]))
        var_theirs.append(np.var([d for _, d in h.degree()]))
    assert_means_agree(ours, theirs, what=f"clustering at p = {p}")
    assert_means_agree(var_ours, var_theirs, what=f"degree variance at p = {p}")


def test_small_world_degrees(seed):
    """Undirected: n k entries, min degree >= k / 2; directed: out-degree exactly k."""
    n, k = 2000, 8
    net = topologies.small_world(n, k=k, p=0.5, seed=seed)
    assert net.n_edges == n * k and net.out_degree.min() >= k // 2 and net.n_self_loops == 0
    directed = topologies.small_world(n, k=k, p=0.5, directed=True, seed=seed)
    assert np.all(directed.out_degree == k) and directed.n_self_loops == 0
    # in-degree mean is k; its variance is k p (1 - p) + p k roughly: check the mean only
    assert directed.in_degree.mean() == k


def test_small_world_directed_p0_is_the_ring():
    """Directed p = 0: each neuron projects to its k ring neighbours."""
    net = topologies.small_world(10, k=4, p=0.0, directed=True)
    assert net.indices[net.indptr[0]:net.indptr[1]].tolist() == [1, 2, 8, 9]


def test_small_world_directed_rewired_fraction(seed):
    """Directed: the fraction of out-edges off the ring is p (binomial stderr, z = 4)."""
    n, k, p = 3000, 6, 0.3
    net = topologies.small_world(n, k=k, p=p, directed=True, seed=seed)
    sources = np.repeat(np.arange(n), net.out_degree)
    distance = np.abs(net.indices - sources)
    off = 1.0 - np.mean(np.minimum(distance, n - distance) <= k // 2)
    # each slot is rewired with probability p; a rewired target lands back on a vacated
    # ring slot with probability O(p k / n) ~ 3e-4 here, far below the stderr (~3e-3)
    assert_within_z(off, p, math.sqrt(p * (1 - p) / net.n_edges), what="off-ring fraction")


def test_small_world_dense_corner():
    """k = n - 2 with p = 1 terminates (rewiring skipped when u has no free partner)."""
    net = topologies.small_world(8, k=6, p=1.0, seed=1)
    assert net.n_edges == 48 and net.n_self_loops == 0
    directed = topologies.small_world(8, k=6, p=1.0, directed=True, seed=1)
    assert np.all(directed.out_degree == 6)


# ----------------------------------------------------------------------------- Barabasi-Albert


@pytest.mark.parametrize("m", [1, 3], ids=lambda m: f"m{m}")
def test_scale_free_structure(m):
    """Star seed, 2 m (n - m) entries, min degree m (star leaves aside), connected."""
    n = 500
    net = topologies.scale_free(n, m=m, seed=2)
    assert net.n_edges == 2 * m * (n - m) and net.n_self_loops == 0
    assert net.out_degree[m + 1:].min() >= m
    assert nx.is_connected(net.to_networkx())
    star = topologies.scale_free(m + 1, m=m, seed=0)
    assert star.out_degree.tolist() == [m] + [1] * m


def test_scale_free_degrees_match_networkx(seed):
    """Degree distribution equals networkx.barabasi_albert_graph's (two-sample KS, 1e-3)."""
    n, m = 5000, 2
    ours = topologies.scale_free(n, m=m, seed=seed).out_degree
    theirs = np.array([d for _, d in nx.barabasi_albert_graph(n, m, seed=seed).degree()])
    assert_same_distribution(ours, theirs, what="BA degrees vs networkx")


def _tail_exponent(degrees, k_min):
    """Discrete power-law MLE (Clauset et al. 2009, eq. 3.7 approx) and its stderr."""
    tail = degrees[degrees >= k_min].astype(float)
    alpha = 1.0 + len(tail) / np.sum(np.log(tail / (k_min - 0.5)))
    return alpha, (alpha - 1.0) / math.sqrt(len(tail))


@pytest.mark.slow
def test_scale_free_tail_exponent_matches_networkx():
    """Tail exponent (k >= 10) agrees with networkx's BA at the same n, m (z = 4), near 3."""
    n, m = 100000, 3
    ours = topologies.scale_free(n, m=m, seed=8).out_degree
    theirs = np.array([d for _, d in nx.barabasi_albert_graph(n, m, seed=8).degree()])
    a, se_a = _tail_exponent(ours, 10)
    b, se_b = _tail_exponent(theirs, 10)
    assert_within_z(a - b, 0.0, math.hypot(se_a, se_b), what="tail exponent difference")
    assert 2.6 < a < 3.4
    assert_same_distribution(ours, theirs, what="BA degrees vs networkx (large)")


# ----------------------------------------------------------------------------- Chung-Lu


def test_pareto_weights_follow_truncated_power_law(seed):
    """Target weights: KS against the truncated power-law CDF (false-alarm rate 1e-3)."""
    gamma, k_min, k_max = 2.5, 2.0, 300.0
    w = _pareto_weights(20000, gamma, k_min, k_max, np.random.default_rng(seed))
    norm = 1.0 - (k_max / k_min) ** (1 - gamma)

    def cdf(x):
        return (1.0 - (np.clip(x, k_min, k_max) / k_min) ** (1 - gamma)) / norm

    assert stats.kstest(w, cdf).pvalue > 1e-3
    assert w.min() >= k_min and w.max() <= k_max


def _chung_lu_expectations(n, gamma, k_min, k_max, seed):
    """Exact E[k_i | w] and Var[k_i | w] from the weights the generator draws first."""
    w = _pareto_weights(n, gamma, k_min, float(n - 1) if k_max is None else k_max,
                        np.random.default_rng(seed))
    prob = np.minimum(1.0, np.outer(w, w) / w.sum())
    np.fill_diagonal(prob, 0.0)
    return w, prob


@pytest.mark.parametrize("directed", [False, True], ids=["undirected", "directed"])
def test_chung_lu_degrees_match_targets(directed, seed):
    """Edge count and hub degrees vs exact Poisson-binomial expectations given w (z = 4)."""
    n, gamma, k_min = 2000, 2.5, 3.0
    _, prob = _chung_lu_expectations(n, gamma, k_min, None, seed)
    net = topologies.scale_free_chung_lu(n, gamma=gamma, k_min=k_min, directed=directed,
                                         seed=seed)
    pair_var = prob * (1 - prob)
    if directed:
        mean, var = prob.sum(), pair_var.sum()
        degrees = net.out_degree
    else:
        mean, var = np.triu(prob).sum(), np.triu(pair_var).sum()
        degrees = net.out_degree
    count = net.n_edges if directed else net.n_edges // 2
    assert_within_z(count, mean, math.sqrt(var), what="edge count")
    expected, spread = prob.sum(axis=1), np.sqrt(pair_var.sum(axis=1))
    hubs = expected >= 30  # normal approximation of a Poisson-binomial is good there
    assert hubs.sum() >= 5
    z = stats.norm.isf(1e-3 / (2 * hubs.sum()))  # Bonferroni over the hubs, alpha 1e-3
    worst = np.max(np.abs(degrees[hubs] - expected[hubs]) / spread[hubs])
    assert worst <= z, f"a hub degree is {worst:.2f} sd from its expectation (> {z:.2f})"


def test_chung_lu_default_cutoff_is_n_minus_1():
    """k_max=None is the same graph as k_max=n_nodes - 1."""
    a = topologies.scale_free_chung_lu(300, gamma=2.2, k_min=2.0, seed=3)
    b = topologies.scale_free_chung_lu(300, gamma=2.2, k_min=2.0, k_max=299.0, seed=3)
    assert _same_arrays(a, b)


def test_chung_lu_regular_limit():
    """k_min = k_max = d: an ER-like graph with p = d / n, mean degree d (n - 1) / n."""
    n, d = 4000, 6.0
    net = topologies.scale_free_chung_lu(n, gamma=3.0, k_min=d, k_max=d, seed=9)
    p = d / n
    pairs = n * (n - 1) / 2
    assert_within_z(net.n_edges / 2, pairs * p, math.sqrt(pairs * p * (1 - p)),
                    what="edge count")


# ----------------------------------------------------------------------------- lattices


def _min_image_distance(positions, side, periodic):
    delta = np.abs(positions[:, None, :] - positions[None, :, :])
    if periodic:
        delta = np.minimum(delta, side - delta)
    return delta.sum(axis=2)


@pytest.mark.parametrize(
    ("dim", "side", "radius", "periodic"),
    [(1, 12, 1, True), (1, 12, 3, False), (2, 6, 1, True), (2, 6, 2, False), (2, 4, 2, True),
     (3, 4, 1, True), (3, 4, 2, False), (2, 2, 1, True), (1, 1, 1, True)],
    ids=lambda v: str(v),
)
def test_lattice_is_the_von_neumann_neighbourhood(dim, side, radius, periodic):
    """Adjacency = pairs at (min-image) Manhattan distance 1..r, positions in C order."""
    net = topologies.lattice(side**dim, dim=dim, radius=radius, periodic=periodic)
    expected_positions = np.array(np.unravel_index(np.arange(side**dim), (side,) * dim)).T
    assert np.array_equal(net.positions, expected_positions)
    distance = _min_image_distance(expected_positions.astype(float), side, periodic)
    expected = (distance >= 1) & (distance <= radius)
    assert np.array_equal(net.to_scipy().toarray() > 0, expected)


@pytest.mark.parametrize(("dim", "radius", "degree"),
                         [(1, 1, 2), (1, 4, 8), (2, 1, 4), (2, 2, 12), (2, 3, 24),
                          (3, 1, 6), (3, 2, 24)], ids=str)
def test_periodic_lattice_degree_formula(dim, radius, degree):
    """Periodic lattices with L > 2 r are regular with the documented degree."""
    side = 2 * radius + 3
    net = topologies.lattice(side**dim, dim=dim, radius=radius)
    assert np.all(net.out_degree == degree)


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_open_lattice_edge_count(dim):
    """Open radius-1 lattice has d L^(d-1) (L - 1) edges."""
    side = 5
    net = topologies.lattice(side**dim, dim=dim, periodic=False)
    assert net.n_edges // 2 == dim * side ** (dim - 1) * (side - 1)


@pytest.mark.parametrize("periodic", [True, False], ids=["periodic", "open"])
@pytest.mark.parametrize("dim", [1, 2, 3])
def test_lattice_equals_networkx_grid_graph(dim, periodic):
    """Radius 1 equals networkx.grid_graph with nodes numbered in C order."""
    side = 5
    graph = nx.grid_graph(dim=[side] * dim, periodic=periodic)
    graph = nx.relabel_nodes(graph, {node: int(np.ravel_multi_index(
        np.atleast_1d(node), (side,) * dim)) for node in graph.nodes})
    reference = Network.from_scipy(nx.to_scipy_sparse_array(graph, nodelist=range(side**dim)),
                                   directed=False)
    net = topologies.lattice(side**dim, dim=dim, periodic=periodic)
    assert _same_arrays(net, reference)


def test_lattice_is_deterministic_and_takes_no_seed():
    """The lattice is registered as deterministic and has no seed parameter."""
    assert topologies.get("lattice").random is False
    with pytest.raises(TypeError):
        topologies.lattice(16, seed=1)


# ----------------------------------------------------------------------------- helpers


def test_chisquare_helper_fails_on_wrong_expectation():
    """assert_chisquare_fits rejects Binomial data against the wrong p."""
    data = np.random.default_rng(0).binomial(50, 0.2, size=5000)
    assert_chisquare_fits(np.bincount(data, minlength=51), stats.binom.pmf(np.arange(51), 50, 0.2))
    with pytest.raises(AssertionError, match="chi-square"):
        assert_chisquare_fits(np.bincount(data, minlength=51),
                              stats.binom.pmf(np.arange(51), 50, 0.22))


def test_same_distribution_helper_fails_on_different_samples():
    """assert_same_distribution rejects samples from different distributions."""
    rng = np.random.default_rng(0)
    assert_same_distribution(rng.poisson(5, 3000), rng.poisson(5, 3000))
    with pytest.raises(AssertionError, match="KS"):
        assert_same_distribution(rng.poisson(5, 3000), rng.poisson(5.4, 3000))


def test_means_agree_helper_fails_on_different_means():
    """assert_means_agree rejects samples whose means differ by many standard errors."""
    rng = np.random.default_rng(0)
    assert_means_agree(rng.normal(0, 1, 400), rng.normal(0, 1, 400))
    with pytest.raises(AssertionError, match="stderr"):
        assert_means_agree(rng.normal(0, 1, 400), rng.normal(0.5, 1, 400))


def test_blocked_scatter_equals_direct_scatter():
    """The cache-blocked row scatter used by the CSR builders equals the plain loop."""
    from topologies._kernels import _scatter_rows

    rng = np.random.default_rng(0)
    n, m = 50000, 1 << 19  # above the blocking threshold (2**18 entries)
    rows = rng.integers(0, n, m).astype(np.int32)
    cols = rng.integers(0, n, m).astype(np.int32)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    blocked = np.empty(m, dtype=np.int32)
    _scatter_rows(rows, cols, indptr[:-1].copy(), blocked, indptr)
    order = np.argsort(rows, kind="stable")  # the plain loop is a stable sort by row
    assert np.array_equal(blocked, cols[order])


def test_large_builders_give_valid_networks():
    """Sizes past the blocking threshold still give valid, exact graphs."""
    fixed = topologies.random_fixed_indegree(40000, k=10, seed=1)
    assert np.all(fixed.in_degree == 10)
    er = topologies.random(60000, k=10, directed=False, seed=1)
    assert er.n_self_loops == 0 and not er.directed
    ba = topologies.scale_free(30000, m=5, seed=1)
    assert ba.n_edges == 2 * 5 * (30000 - 5)


# ------------------------------------------------------------- the registry, pinned exactly
# Written from the survivors of mutation testing (mutmut on topologies/_registry.py): the
# fields `register` stores, the default n_nodes range, describe_parameters and
# required_parameters output, the memory bound of validate_call and the messages that name
# the function were read by no test.


def _ring(n_nodes, width, *, loops=False, seed=None):
    """A plug-in generator: ``width`` is required, ``loops`` has a default."""
    sources = np.arange(n_nodes)
    return netaval.Network.from_edges(sources, (sources + width) % n_nodes, n_nodes)


def _odd_only(n_nodes, params):
    """A spec's cross-parameter check: refuses even sizes."""
    if n_nodes % 2 == 0:
        raise InvalidParameterError(f"contract_fixed needs an odd n_nodes, got {n_nodes}")


@pytest.fixture
def registered():
    """Register `_ring` twice (minimal and with every option); unregister afterwards."""
    topologies.register("contract_ring", constraints={"width": Interval(numbers.Integral, 1),
                                                      "loops": Interval(numbers.Integral, 0)},
                        example={"width": 1}, description="Ring.")(_ring)
    topologies.register("contract_fixed", constraints={}, example={}, description="Fixed.",
                        reference="Somebody 2020", n_nodes=Interval(numbers.Integral, 3, 9),
                        random=False, check=_odd_only)(lambda n_nodes: _ring(n_nodes, 1))
    yield
    topologies.unregister("contract_ring")
    topologies.unregister("contract_fixed")


def test_register_stores_every_field_and_the_defaults(registered):
    """Minimal registration: reference '', n_nodes [1, 2**31 - 1], random; options kept."""
    spec = topologies.get("contract_ring")
    assert (spec.name, spec.function, spec.description, spec.reference, spec.random) == (
        "contract_ring", _ring, "Ring.", "", True)
    assert spec.example == {"width": 1} and set(spec.constraints) == {"width", "loops"}
    assert (spec.n_nodes.kind, spec.n_nodes.low, spec.n_nodes.high) == (numbers.Integral, 1,
                                                                         2**31 - 1)
    assert spec.n_nodes.describe() == "an int in the range [1, 2147483647]"
    fixed = topologies.get("contract_fixed")
    assert (fixed.reference, fixed.random, fixed.n_nodes.low, fixed.n_nodes.high) == (
        "Somebody 2020", False, 3, 9)
    with pytest.raises(InvalidParameterError, match=r"^The 'n_nodes' parameter of "
                                                    r"topologies\.contract_fixed .*\[3, 9\]"):
        registry.validate_call("contract_fixed", 10, {})
    assert fixed.check is _odd_only and spec.check is None
    with pytest.raises(InvalidParameterError, match="needs an odd n_nodes, got 4"):
        registry.validate_call("contract_fixed", 4, {})
    registry.validate_call("contract_fixed", 5, {})
    assert topologies.generate("contract_fixed", 9).n_nodes == 9  # no seed passed


def test_unregister_removes_and_ignores_unknown_names(registered):
    topologies.unregister("contract_ring")
    assert "contract_ring" not in topologies.available()
    assert "contract_fixed" in topologies.available()
    topologies.unregister("never_registered")  # no error


def test_parameters_required_and_described(registered):
    """Required parameters have no default; the description shows defaults with repr."""
    spec = topologies.get("contract_ring")
    assert topologies.required_parameters(spec) == ["width"]
    assert topologies.describe_parameters(spec) == "width (required), loops=False"
    assert topologies.describe_parameters(topologies.get("contract_fixed")) == "no parameters"
    assert topologies.required_parameters(topologies.get("small_world")) == ["k", "p"]
    # a constraint the function only takes through **params: not required, default None
    checked = []
    topologies.register("contract_kwargs", constraints={"w": Interval(numbers.Integral, 1)},
                        example={}, description="Kwargs.",
                        check=lambda n_nodes, params: checked.append((n_nodes, params)))(
        lambda n_nodes, **params: None)
    try:
        kwargs_spec = topologies.get("contract_kwargs")
        assert topologies.required_parameters(kwargs_spec) == []
        assert topologies.describe_parameters(kwargs_spec) == "w=None"
        registry.validate_call("contract_kwargs", 3, {"w": 2})
        assert checked == [(3, {"w": 2})]  # no default to fill in for w
    finally:
        topologies.unregister("contract_kwargs")
    assert topologies.describe_parameters(topologies.get("random")) == "k (required), directed=True"


@pytest.mark.parametrize("function", [topologies.required_parameters,
                                      topologies.describe_parameters])
def test_spec_type_is_checked_by_name(function):
    with pytest.raises(InvalidParameterError) as info:
        function("random")
    assert str(info.value) == (f"The 'spec' parameter of topologies.{function.__name__} must be "
                               "a TopologySpec (topologies.get(name)). Got str.")


def test_generate_names_missing_and_unexpected_parameters(registered):
    with pytest.raises(InvalidParameterError) as info:
        topologies.generate("contract_ring", 5)
    assert str(info.value) == ("topologies.generate: topologies.contract_ring is missing "
                               "required parameter(s) "
                               "['width']; its parameters are width (required), loops=False.")
    with pytest.raises(InvalidParameterError) as info:
        topologies.generate("contract_ring", 5, width=1, zz=2)
    assert str(info.value) == ("topologies.generate: topologies.contract_ring got unexpected "
                               "parameter(s) ['zz']; "
                               "its parameters are width (required), loops=False.")
    assert topologies.generate("contract_ring", 5, width=2).n_edges == 5


def test_validate_call_messages_name_the_generator():
    with pytest.raises(InvalidParameterError, match=r"^The 'n_nodes' parameter of "
                                                    r"topologies\.random must be an int"):
        registry.validate_call("random", 0, {"k": 1})
    with pytest.raises(InvalidParameterError, match=r"^The 'k' parameter of topologies\.random "):
        registry.validate_call("random", 10, {"k": -1})


def test_validate_call_refuses_networks_beyond_the_available_memory(monkeypatch):
    """n_nodes * 32 bytes may reach the available memory, not exceed it; None means unknown."""
    monkeypatch.setattr(netaval._memory, "available_memory", lambda: 3 * 2**30)
    limit = 3 * 2**30 // 32
    registry.validate_call("random", limit, {"k": 1})  # exactly the bound: accepted
    with pytest.raises(InvalidParameterError) as info:
        registry.validate_call("random", limit + 1, {"k": 1})
    assert str(info.value) == (
        f"The 'n_nodes' parameter of topologies.random asks for {limit + 1} neurons, whose "
        "network needs more than the 3.0 GiB of memory available (at least 32 bytes per "
        f"neuron). Got {limit + 1}.")
    monkeypatch.setattr(netaval._memory, "available_memory", lambda: None)
    registry.validate_call("random", 2**31 - 1, {"k": 1})


def test_entry_points_adopt_specs_warn_by_kind_and_load_once(monkeypatch):
    """An entry point may name a TopologySpec directly; one that registers nothing warns
    (naming a "Topology" plug-in); the entry points are read on the first lookup only."""
    import netaval._plugins

    spec = registry.TopologySpec(name="ep_spec", function=lambda n_nodes: None,
                                 constraints={}, example={}, description="Adopted.")

    class Point:
        def __init__(self, name, loaded):
            self.name, self.value, self._loaded = name, f"pkg:{name}", loaded

        def load(self):
            return self._loaded

    reads = []

    def entry_points(group):
        reads.append(group)
        return [Point("ep_spec", spec), Point("ep_missing", None)]

    monkeypatch.setattr(netaval._plugins, "entry_points", entry_points)
    monkeypatch.setattr(registry, "_entry_points_loaded", False)
    try:
        with pytest.warns(NetavalWarning) as record:
            names = topologies.available()
        assert "ep_spec" in names and topologies.get("ep_spec") is spec
        assert [str(w.message) for w in record] == [
            "Topology plug-in 'ep_missing' (pkg:ep_missing) did not register a topology of "
            "that name; skipped."]
        topologies.available()
        assert reads == ["netaval.topologies"]
    finally:
        topologies.unregister("ep_spec")
