"""`netaval.io.read_network`: files written by networkx, igraph, scipy and netaval itself."""

import igraph
import networkx as nx
import numpy as np
import pytest
import scipy.io
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

import netaval
import topologies
from netaval.io import read_network, write_graphml


def dense(network):
    return network.to_scipy().toarray()


def test_graphml_from_networkx_directed_string_ids(tmp_path):
    """A networkx DiGraph with string ids and weights: file order kept, labels kept."""
    graph = nx.DiGraph()
    graph.add_weighted_edges_from([("b", "a", 0.5), ("a", "c", 2.0), ("c", "b", 1.0)])
    nx.write_graphml(graph, tmp_path / "g.graphml")
    net = read_network(tmp_path / "g.graphml")
    assert net.directed and net.node_labels.tolist() == ["b", "a", "c"]
    expected = nx.to_scipy_sparse_array(graph, nodelist=["b", "a", "c"]).toarray()
    assert np.array_equal(dense(net), expected)
    assert net.topology == "file" and net.params["format"] == "graphml"
    assert len(net.params["sha256"]) == 64


def test_graphml_from_networkx_undirected_and_weight_by_name(tmp_path):
    """An undirected graph stays undirected; the weight attribute is chosen by name."""
    graph = nx.Graph()
    graph.add_edge(0, 1, w=3.0, weight=7.0)
    graph.add_edge(1, 2, w=0.25, weight=7.0)
    graph.add_node(3)
    nx.write_graphml(graph, tmp_path / "u.graphml")
    net = read_network(tmp_path / "u.graphml", weight="w")
    assert not net.directed and net.node_labels is None and net.n_nodes == 4
    assert np.array_equal(dense(net), nx.to_numpy_array(graph, nodelist=[0, 1, 2, 3], weight="w"))
    assert set(read_network(tmp_path / "u.graphml").weights.tolist()) == {7.0}
    assert set(read_network(tmp_path / "u.graphml", weight=None).weights.tolist()) == {1.0}
    assert read_network(tmp_path / "u.graphml", directed=True).directed
    with pytest.raises(netaval.InvalidParameterError, match=r"no attribute 'strength'.*\['w', 'weight'\]"):
        read_network(tmp_path / "u.graphml", weight="strength")


@pytest.mark.parametrize("directed", [True, False], ids=["directed", "undirected"])
def test_graphml_from_igraph(tmp_path, directed):
    """igraph's GraphML (nodes n0..n{n-1}) reads back as the same matrix."""
    g = igraph.Graph.Erdos_Renyi(n=30, m=60, directed=directed)
    g.es["weight"] = np.random.default_rng(1).uniform(0.1, 2, g.ecount()).tolist()
    g.write_graphml(str(tmp_path / "ig.graphml"))
    net = read_network(tmp_path / "ig.graphml")
    assert net.directed == directed and net.node_labels is None and net.n_nodes == 30
    expected = np.array(g.get_adjacency(attribute="weight").data, dtype=float)
    assert np.allclose(dense(net), expected, rtol=1e-12, atol=0)


def test_graphml_written_by_netaval_round_trips_with_positions(tmp_path):
    """netaval's own GraphML export of a network (with positions) reads back identically."""
    net = topologies.lattice(16, dim=2, radius=1, periodic=False)
    write_graphml(net, tmp_path / "lattice.graphml")
    back = read_network(tmp_path / "lattice.graphml")
    assert back.directed == net.directed and np.array_equal(back.indptr, net.indptr)
    assert np.array_equal(back.indices, net.indices) and np.array_equal(back.weights, net.weights)
    assert np.array_equal(back.positions, net.positions)


def test_edge_lists_with_and_without_header(tmp_path):
    """CSV with header, TSV and whitespace without header; 1-based ids relabelled and kept."""
    (tmp_path / "e.csv").write_text("from,to,strength\n1,2,0.5\n2,3,1.5\n3,1,2.0\n")
    csv = read_network(tmp_path / "e.csv", weight="strength")
    assert csv.node_labels.tolist() == [1, 2, 3] and csv.weights.tolist() == [0.5, 1.5, 2.0]
    assert np.array_equal(dense(csv), [[0, 0.5, 0], [0, 0, 1.5], [2.0, 0, 0]])
    (tmp_path / "e.tsv").write_text("0\t1\n1\t2\n")
    tsv = read_network(tmp_path / "e.tsv")
    assert tsv.node_labels is None and tsv.n_edges == 2 and tsv.weights.tolist() == [1.0, 1.0]
    (tmp_path / "e.txt").write_text("% SNAP style\n# comment\nalice  bob 2\nbob carol 3\n\n")
    txt = read_network(tmp_path / "e.txt", directed=False)
    assert txt.node_labels.tolist() == ["alice", "bob", "carol"] and not txt.directed
    assert np.array_equal(dense(txt), [[0, 2, 0], [2, 0, 3], [0, 3, 0]])
    assert read_network(tmp_path / "e.txt", weight=None).weights.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("symmetric", [False, True], ids=["general", "symmetric"])
def test_matrix_market_and_npz_from_scipy(tmp_path, symmetric):
    """Matrix Market (general / symmetric) and .npz written by scipy read back exactly."""
    matrix = sp.random(40, 40, density=0.1, random_state=3, format="csr")
    if symmetric:
        matrix = sp.triu(matrix, k=1) + sp.triu(matrix, k=1).T
    scipy.io.mmwrite(tmp_path / "m.mtx", matrix, symmetry="symmetric" if symmetric else "general")
    net = read_network(tmp_path / "m.mtx")
    assert net.directed != symmetric and np.allclose(dense(net), matrix.toarray(), rtol=1e-12, atol=0)
    sp.save_npz(tmp_path / "m.npz", sp.csr_matrix(matrix))
    npz = read_network(tmp_path / "m.npz", directed=not symmetric)
    assert np.array_equal(dense(npz), matrix.toarray())


@pytest.mark.parametrize("name, content, error, match", [
    ("bad.csv", "source,target\n0,1\n1,2,3\n", netaval.CorruptFileError, r"line 3: expected 2 fields"),
    ("bad.csv", "0,1,0.5\n1,2,heavy\n", netaval.CorruptFileError, r"line 2: weight 'heavy' is not a number"),
    ("bad.csv", "0,1,0.5\n\n1,2,-1\n", netaval.MalformedNetworkError, r"line 3: weight '-1' must be finite"),
    ("bad.csv", "0,1\n1,2\n0,1\n", netaval.MalformedNetworkError, r"line 3: edge \(0, 1\) repeats line 1"),
    ("bad.csv", "source,target\n", netaval.CorruptFileError, r"header \(line 1\) but no edges"),
    ("bad.csv", "", netaval.CorruptFileError, r"no edges"),
    ("bad.csv", "a,b\n0,1\n", netaval.InvalidParameterError, None),
    ("bad.graphml", "<graphml><graph>\n<node id='0'>\n</graph></graphml>", netaval.CorruptFileError,
     r"line 3, column \d+: not well-formed XML"),
    ("bad.mtx", "%%MatrixMarket matrix coordinate real general\n2 2 1\n1 x 1.0\n",
     netaval.CorruptFileError, r"not a readable Matrix Market"),
    ("bad.mtx", "%%MatrixMarket matrix coordinate real general\n2 3 1\n1 1 1.0\n",
     netaval.MalformedNetworkError, r"must be square"),
    ("bad.npz", "not a zip", netaval.CorruptFileError, r"not a scipy.sparse .npz"),
    ("bad.xlsx", "", netaval.InvalidParameterError, r"suffix '.xlsx'"),
], ids=["field-count", "weight-text", "negative-weight", "repeated-edge", "header-only", "empty",
        "named-weight-missing", "xml", "mtx-garbage", "mtx-not-square", "npz", "suffix"])
def test_malformed_files_name_the_line_and_reason(tmp_path, name, content, error, match):
    """Malformed files are refused with the line (where there is one) and the reason."""
    path = tmp_path / name
    path.write_text(content)
    kwargs = {"weight": "strength"} if match is None else {}
    with pytest.raises(error, match=match or r"no column 'strength'; its columns are \['a', 'b'\]"):
        read_network(path, **kwargs)


def test_parameters_are_validated(tmp_path):
    """format, directed, weight and path are checked before the file is opened."""
    for kwargs, match in [({"format": "gml"}, "'format'"), ({"directed": 1}, "'directed'"),
                          ({"weight": 3}, "'weight'")]:
        with pytest.raises(netaval.InvalidParameterError, match=match):
            read_network(tmp_path / "x.csv", **kwargs)
    with pytest.raises(netaval.InvalidParameterError, match="'path'"):
        read_network(3)
    with pytest.raises(FileNotFoundError):
        read_network(tmp_path / "missing.csv")


@given(st.integers(1, 25), st.lists(st.tuples(st.integers(0, 24), st.integers(0, 24),
                                              st.floats(0, 10, allow_nan=False)), max_size=60))
def test_edge_list_round_trip(tmp_path_factory, n_nodes, edges):
    """Any edge list written as CSV reads back as the same weighted matrix (labels = ids)."""
    pairs = {}
    for u, v, w in edges:
        pairs.setdefault((u % n_nodes, v % n_nodes), w)
    if not pairs:
        return
    path = tmp_path_factory.mktemp("el") / "edges.csv"
    path.write_text("".join(f"{u},{v},{w!r}\n" for (u, v), w in pairs.items()))
    net = read_network(path)
    labels = net.node_labels if net.node_labels is not None else np.arange(net.n_nodes)
    sources = np.repeat(np.arange(net.n_nodes), net.out_degree)
    got = {(int(labels[u]), int(labels[v])): w for u, v, w in
           zip(sources, net.indices, net.weights, strict=True)}
    assert got == pairs
