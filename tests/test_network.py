"""Tests of `netaval.Network`: validation, canonical form, converters, spectral radius."""

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from netaval import InvalidParameterError, MalformedNetworkError, Network


@st.composite
def sparse_matrices(draw, max_nodes=20):
    """Random square non-negative sparse matrices, possibly with self-loops and isolated nodes."""
    n = draw(st.integers(1, max_nodes))
    density = draw(st.floats(0, 1))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    dense = np.where(rng.random((n, n)) < density, rng.integers(1, 5, (n, n)), 0).astype(float)
    return sp.csr_array(dense)


def test_from_edges_builds_sorted_rows():
    """Edges given in any order end up in sorted CSR rows with their weights attached."""
    net = Network.from_edges([2, 0, 0], [1, 2, 1], n_nodes=3, weights=[3.0, 2.0, 1.0])
    assert net.indptr.tolist() == [0, 2, 2, 3]
    assert net.indices.tolist() == [1, 2, 1]
    assert net.weights.tolist() == [1.0, 2.0, 3.0]
    assert net.indptr.dtype == np.int64 and net.indices.dtype == np.int32
    assert net.weights.dtype == np.float64


def test_undirected_edges_are_stored_both_ways():
    """An undirected edge counts twice in n_edges; a self-loop is stored once."""
    net = Network.from_edges([0, 1, 2], [1, 2, 2], n_nodes=3, directed=False)
    assert net.n_edges == 5
    assert net.n_self_loops == 1
    assert net.out_degree.tolist() == net.in_degree.tolist() == [1, 2, 2]


def test_arrays_are_read_only():
    """A Network is immutable: its arrays cannot be written."""
    net = Network.from_edges([0], [1], n_nodes=2)
    with pytest.raises(ValueError):
        net.indices[0] = 0


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"indptr": [0, 1], "indices": [1.0]}, "'indices' must hold integers"),
        ({"indptr": [0, 1], "indices": [5]}, "Got 5"),
        ({"indptr": [0, 1], "indices": [-1]}, "Got -1"),
        ({"indptr": [0, 2], "indices": [0, 0]}, "duplicate"),
        ({"indptr": [0, 2, 2], "indices": [1, 0]}, "Row 0"),
        ({"indptr": [0, 1, 1], "indices": [0, 1]}, "end at len(indices)"),
        ({"indptr": [0, 2, 1], "indices": [0]}, "drops at row 1"),
        ({"indptr": [1, 1], "indices": []}, "start at 0"),
        ({"indptr": [0, 1, 1], "indices": [1], "weights": [np.nan]}, "nan"),
        ({"indptr": [0, 1, 1], "indices": [1], "weights": [-2.0]}, "-2.0"),
        ({"indptr": [0, 1, 1], "indices": [1], "weights": [1.0, 2.0]}, "shape (1,)"),
        ({"indptr": [0, 1, 1], "indices": [1], "directed": False}, "symmetric"),
        ({"indptr": [0, 0], "indices": [], "n_nodes": 3}, "n_nodes + 1 = 4"),
        ({"indptr": [0, 0], "indices": [], "positions": [[0.0], [1.0]]}, "positions"),
        ({"indptr": [0, 0], "indices": [], "positions": [[np.inf]]}, "finite"),
        ({"indptr": [0, 1, 1], "indices": [2**40]}, "fit in int32"),
    ],
    ids=["float-indices", "index-too-big", "negative-index", "duplicate", "unsorted",
         "indptr-end", "indptr-decreasing", "indptr-start", "nan-weight", "negative-weight", "weight-shape",
         "asymmetric-undirected", "n_nodes-mismatch", "positions-shape", "positions-inf",
         "int32-overflow"],
)
def test_malformed_input_is_refused_with_the_offending_value(kwargs, fragment):
    """Each kind of malformed CSR raises MalformedNetworkError naming the problem."""
    with pytest.raises(MalformedNetworkError, match=None) as info:
        Network(**kwargs)
    assert fragment in str(info.value)


def test_from_scipy_sums_duplicates_without_overflow():
    """Duplicate small-integer entries (COO or unsummed CSR) are summed as float64."""
    data = np.array([100, 200, 7], np.uint8)
    coo = sp.coo_array((data, (np.array([0, 0, 1]), np.array([1, 1, 0]))), shape=(2, 2))
    csr = sp.csr_array((data, np.array([1, 1, 0]), np.array([0, 2, 3])), shape=(2, 2))
    for matrix in (coo, csr):
        net = Network.from_scipy(matrix)
        assert net.indices.tolist() == [1, 0] and net.weights.tolist() == [300.0, 7.0]
        assert net.weights.dtype == np.float64


def test_from_scipy_refuses_non_square_and_dense():
    """from_scipy needs a square sparse matrix."""
    with pytest.raises(MalformedNetworkError, match=r"\(2, 3\)"):
        Network.from_scipy(sp.csr_array(np.ones((2, 3))))
    with pytest.raises(InvalidParameterError, match="ndarray"):
        Network.from_scipy(np.ones((2, 2)))


def test_from_edges_refuses_repeated_edges_and_bad_ids():
    """Repeated edges and out-of-range ids are named in the error."""
    with pytest.raises(MalformedNetworkError, match=r"Edge \(1, 0\)"):
        Network.from_edges([1, 1], [0, 0], n_nodes=2)
    with pytest.raises(MalformedNetworkError, match="'targets'.*Got 7"):
        Network.from_edges([0], [7], n_nodes=2)
    with pytest.raises(MalformedNetworkError, match="same length"):
        Network.from_edges([0, 1], [1], n_nodes=2)


def test_empty_network_is_allowed():
    """A network without nodes or edges is valid; its spectral radius is undefined."""
    empty = Network.from_edges([], [], n_nodes=0)
    assert empty.n_nodes == 0 and empty.n_edges == 0
    with pytest.raises(InvalidParameterError, match="no nodes"):
        empty.spectral_radius()
    assert Network.from_edges([], [], n_nodes=4).spectral_radius() == 0.0


@given(sparse_matrices())
def test_scipy_round_trip(matrix):
    """from_scipy then to_scipy returns the same matrix."""
    net = Network.from_scipy(matrix)
    assert (net.to_scipy() != matrix).nnz == 0
    assert net.n_edges == matrix.nnz


@given(sparse_matrices())
def test_networkx_round_trip(matrix):
    """Directed graphs survive a trip through networkx, weights included."""
    net = Network.from_scipy(matrix)
    back = Network.from_networkx(net.to_networkx())
    np.testing.assert_array_equal(back.indptr, net.indptr)
    np.testing.assert_array_equal(back.indices, net.indices)
    np.testing.assert_array_equal(back.weights, net.weights)


def test_networkx_undirected_and_positions():
    """Undirected networkx graphs give symmetric networks; 'pos' becomes positions."""
    graph = nx.grid_2d_graph(3, 3)
    nx.set_node_attributes(graph, {node: node for node in graph}, "pos")
    net = Network.from_networkx(graph)
    assert not net.directed
    assert net.n_edges == 2 * graph.number_of_edges()
    assert net.positions.shape == (9, 2)
    assert isinstance(net.to_networkx(), nx.Graph) and not net.to_networkx().is_directed()


def test_degrees_match_networkx():
    """out_degree and in_degree equal networkx's on a random digraph."""
    graph = nx.gnp_random_graph(60, 0.1, seed=3, directed=True)
    net = Network.from_networkx(graph)
    assert net.out_degree.tolist() == [d for _, d in graph.out_degree()]
    assert net.in_degree.tolist() == [d for _, d in graph.in_degree()]


@pytest.mark.parametrize("n_nodes", [50, 800], ids=["dense-lapack", "arpack"])
@pytest.mark.parametrize("directed", [True, False], ids=["directed", "undirected"])
def test_spectral_radius_matches_dense_eigenvalues(n_nodes, directed):
    """spectral_radius equals the largest |eigenvalue| from numpy on the dense matrix."""
    graph = nx.gnp_random_graph(n_nodes, 8 / n_nodes, seed=5, directed=directed)
    net = Network.from_networkx(graph)
    expected = np.max(np.abs(np.linalg.eigvals(net.to_scipy().toarray())))
    assert net.spectral_radius() == pytest.approx(expected, rel=1e-8)


def test_spectral_radius_of_a_ring_is_its_weight():
    """A directed ring with weight w has spectral radius w exactly."""
    n = 1000
    net = Network.from_edges(np.arange(n), (np.arange(n) + 1) % n, n, weights=np.full(n, 0.5))
    assert net.spectral_radius() == pytest.approx(0.5, rel=1e-8)


def test_provenance_is_recorded():
    """Provenance carries generator name, parameters and seed entropy."""
    net = Network.from_edges([0], [1], n_nodes=2, topology="custom", params={"a": 1},
                             seed_entropy=7)
    assert net.provenance == {"topology": "custom", "params": {"a": 1}, "seed_entropy": 7,
                              "n_nodes": 2, "n_edges": 1, "directed": True}
    assert "custom" in repr(net)
