"""`netaval.io.read_network`: files written by networkx, igraph, scipy and netaval itself."""

import csv
import os

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
from tests.refusals import raised_message


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


@pytest.mark.parametrize("quoting", [csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC])
def test_quoted_labels_written_by_pandas(tmp_path, quoting):
    """Node labels holding a comma or a quote, quoted by pandas, are read back whole."""
    import pandas as pd

    path = tmp_path / "quoted.csv"
    pd.DataFrame({"source": ["Smith, J", 'cell "b"', "c"], "target": ['cell "b"', "c", "Smith, J"],
                  "weight": [0.5, 1.5, 2.0]}).to_csv(path, index=False, quoting=quoting)
    net = read_network(path)
    assert net.node_labels.tolist() == ["Smith, J", 'cell "b"', "c"]
    assert np.array_equal(dense(net), [[0, 0.5, 0], [0, 0, 1.5], [2.0, 0, 0]])
    (tmp_path / "open.csv").write_text('source,target\n"a",b\n"b,c\n')
    assert raised_message(netaval.CorruptFileError, read_network, tmp_path / "open.csv") == (
        f"{tmp_path / 'open.csv'}, line 3: a quoted field is not closed on its line (fields "
        "spanning lines are not supported).")


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


# ------------------------------------------------ read_network, pinned exactly
# Written from mutmut on netaval/io/networks.py: exact messages (a substring match cannot
# see a changed literal), the provenance, and the header and relabelling rules.
def _refusal(error, path, **kwargs):
    return raised_message(error, read_network, path, **kwargs)


def test_parameter_refusals_are_exact(tmp_path):
    (tmp_path / "x.xlsx").write_text("")
    assert _refusal(netaval.InvalidParameterError, tmp_path / "x.csv", weight=3) == \
        "The 'weight' parameter of read_network must be a str or None. Got 3 instead."
    assert _refusal(netaval.InvalidParameterError, 3) == (
        "The 'path' parameter of read_network must be a str or path-like object. Got int "
        "instead.")
    assert _refusal(FileNotFoundError, tmp_path / "x.csv") == f"No such file: {str(tmp_path / 'x.csv')!r}"
    os.mkfifo(tmp_path / "fifo.csv")  # once "No such file", as for a folder
    (tmp_path / "folder.csv").mkdir()
    for name in ("fifo.csv", "folder.csv"):
        assert _refusal(netaval.InvalidParameterError, tmp_path / name) == (
            f"The 'path' parameter of read_network must name a regular file. Got "
            f"{str(tmp_path / name)!r}, which is not one.")
    suffixes = sorted(s for v in netaval.io.networks.FORMATS.values() for s in v)
    assert suffixes == ['.csv', '.edgelist', '.edges', '.el', '.graphml', '.mm', '.mtx', '.npz',
                        '.tab', '.tsv', '.txt', '.xml']
    assert _refusal(netaval.InvalidParameterError, tmp_path / "x.xlsx") == (
        f"The 'format' parameter of read_network is needed for {str(tmp_path / 'x.xlsx')!r}: its "
        f"suffix '.xlsx' is none of {suffixes}.")
    (tmp_path / "E.CSV").write_text("0,1\n")
    assert read_network(tmp_path / "E.CSV").params["format"] == "csv"  # suffixes in any case
    (tmp_path / "e.data").write_text("0,1\n1,0\n")
    assert read_network(tmp_path / "e.data", format="csv").params["format"] == "csv"


@pytest.mark.parametrize(("suffix", "format", "text"), [
    (".csv", "csv", "0,1\n"), (".tsv", "tsv", "0\t1\n"), (".tab", "tsv", "0\t1\n"),
    (".txt", "edgelist", "0 1\n"), (".edges", "edgelist", "0  1\n"), (".edgelist", "edgelist", "0 1\n"),
    (".el", "edgelist", "0\t 1\n"), (".mtx", "mtx", "%%MatrixMarket matrix coordinate real general\n2 2 1\n1 2 1.0\n"),
    (".mm", "mtx", "%%MatrixMarket matrix coordinate real general\n2 2 1\n1 2 1.0\n"),
    (".xml", "graphml", "<graphml xmlns='http://graphml.graphdrawing.org/xmlns'><graph edgedefault='directed'>"
     "<node id='0'/><node id='1'/><edge source='0' target='1'/></graph></graphml>"),
])
def test_each_suffix_selects_its_format_and_the_provenance_is_exact(tmp_path, suffix, format, text):
    import hashlib

    path = tmp_path / f"net{suffix}"
    path.write_text(text)
    net = read_network(path, weight="weight")
    assert (net.n_nodes, net.n_edges, net.indices.tolist(), net.weights.tolist()) == (2, 1, [1], [1.0])
    assert net.topology == "file"
    assert net.params == {"file": f"net{suffix}", "format": format, "weight": "weight",
                          "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    assert read_network(path, weight=None).params["weight"] is None


def test_file_digest_reads_every_block(tmp_path):
    import hashlib

    content = bytes(range(256)) * 4097 + b"tail"  # a little over 1 MiB: two blocks
    (tmp_path / "big").write_bytes(content)
    assert netaval.io.networks.file_digest(tmp_path / "big") == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(("text", "kwargs", "error", "message"), [
    ("source,target\n0,1\n1,2,3\n", {}, netaval.CorruptFileError,
     ", line 3: expected 2 fields (source, target[, weight]), got 3."),
    ("0\n1\n", {}, netaval.CorruptFileError, ", line 1: expected 2 fields (source, target[, weight]), got 1."),
    ("0,1,2\n0,2\n", {}, netaval.CorruptFileError, ", line 2: expected 3 fields (source, target[, weight]), got 2."),
    ("0,1,0.5\n1,2,heavy\n", {}, netaval.CorruptFileError, ", line 2: weight 'heavy' is not a number."),
    ("0,1,0.5\n\n1,2,-1\n", {}, netaval.MalformedNetworkError,
     ", line 3: weight '-1' must be finite and non-negative."),
    ("0 1 inf\n", {}, netaval.MalformedNetworkError, ", line 1: weight 'inf' must be finite and non-negative."),
    ("0 1 nan\n", {}, netaval.MalformedNetworkError, ", line 1: weight 'nan' must be finite and non-negative."),
    ("0,1\n1,2\n0,1\n", {}, netaval.MalformedNetworkError,
     ", line 3: edge (0, 1) repeats line 1; merge repeated edges first."),
    ("0,1\n1,0\n", {"directed": False}, netaval.MalformedNetworkError,
     ", line 2: edge (1, 0) repeats line 1 (undirected: both directions are one edge); merge "
     "repeated edges first."),
    ("source,target\n", {}, netaval.CorruptFileError, ": the file holds a header (line 1) but no edges."),
    ("# only\n%comments\n\n", {}, netaval.CorruptFileError, ": the file holds no edges."),
    ("a,b\n0,1\n", {"weight": "strength"}, netaval.InvalidParameterError, None),
], ids=["too-many", "one-column", "too-few", "weight-text", "negative", "inf", "nan", "repeat",
        "undirected-repeat", "header-only", "comments-only", "named-weight"])
def test_edge_list_refusals_are_exact(tmp_path, text, kwargs, error, message):
    path = tmp_path / "e.txt" if " " in text else tmp_path / "e.csv"
    path.write_text(text)
    got = _refusal(error, path, **kwargs)
    if message is None:
        assert got == (f"The 'weight' parameter of read_network: {path} has no column 'strength'; "
                       "its columns are ['a', 'b'].")
    else:
        assert got == str(path) + message


def test_edge_list_headers_choose_the_columns(tmp_path):
    """Source and target found by name in either order, a lone name, the weight by name."""
    cases = [
        ("to,from\n1,2\n", {}, [[0, 0], [1, 0]], [1, 2]),        # target first
        ("x,pre\n5,6\n", {}, [[0, 0], [1, 0]], [5, 6]),          # only the source named
        ("post,x\n5,6\n", {}, [[0, 0], [1, 0]], [5, 6]),         # only the target named (was
        # read as the source: the unnamed column took column 0 from it)
        ("x,post\n5,6\n", {}, [[0, 1], [0, 0]], [5, 6]),
        ("w,x,pre\n9,5,6\n", {"weight": "w"}, [[0, 0], [9, 0]], [5, 6]),
        ("SRC,DST,W\n1,2,4\n", {"weight": "w"}, [[0, 4], [0, 0]], [1, 2]),
        ("u,v,weight\n1,2,4\n", {}, [[0, 4], [0, 0]], [1, 2]),
        ("u,v,other\n1,2,4\n", {}, [[0, 1], [0, 0]], [1, 2]),   # no 'weight' column: weight 1
        ("a,b\n1,2\n", {}, [[0, 1], [0, 0]], [1, 2]),            # names where numbers follow
        ("1,2,4\n", {}, [[0, 4], [0, 0]], [1, 2]),               # no header: third column
        ("1,2,4\n", {"weight": None}, [[0, 1], [0, 0]], [1, 2]),
        ("node1 node2\n1 2\n", {}, [[0, 1], [0, 0]], [1, 2]),
        ("i j weight\n1 2 4\n2 1 3\n", {}, [[0, 4], [3, 0]], [1, 2]),
        ("1.5,2\n2,1\n", {}, [[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["1.5", "2", "1"]),  # strings
    ]
    for k, (text, kwargs, matrix, labels) in enumerate(cases):
        path = tmp_path / (f"e{k}.txt" if " " in text else f"e{k}.csv")
        path.write_text(text)
        net = read_network(path, **kwargs)
        assert dense(net).tolist() == matrix, text
        assert net.node_labels.tolist() == labels, text
    (tmp_path / "single.csv").write_text("pre,post\n")
    with pytest.raises(netaval.CorruptFileError, match="header"):
        read_network(tmp_path / "single.csv")
    (tmp_path / "one.csv").write_text("3,4\n")  # one numeric row: an edge, not a header
    assert read_network(tmp_path / "one.csv").node_labels.tolist() == [3, 4]
    (tmp_path / "names.csv").write_text("a,b\n")  # one row of names: a header
    with pytest.raises(netaval.CorruptFileError, match="header"):
        read_network(tmp_path / "names.csv")


def test_node_ids_are_relabelled_only_when_needed(tmp_path):
    (tmp_path / "a.csv").write_text("1,0\n0,2\n")
    assert read_network(tmp_path / "a.csv").node_labels is None  # already 0..n-1
    (tmp_path / "b.csv").write_text("+1,-2\n 3 ,1\n")
    net = read_network(tmp_path / "b.csv")
    assert net.node_labels.tolist() == [-2, 1, 3] and net.node_labels.dtype == np.int64
    assert dense(net).tolist() == [[0, 0, 0], [1, 0, 0], [0, 1, 0]]
    (tmp_path / "c.csv").write_text("99999999999999999999,1\n")  # beyond int64: strings
    assert read_network(tmp_path / "c.csv").node_labels.tolist() == ["99999999999999999999", "1"]
    (tmp_path / "d.csv").write_text("b,a\na,c\n")
    assert read_network(tmp_path / "d.csv").node_labels.tolist() == ["b", "a", "c"]
    (tmp_path / "e.csv").write_text("1,3\n")  # integers with a gap
    assert read_network(tmp_path / "e.csv").node_labels.tolist() == [1, 3]


def _graphml(tmp_path, body, *, directed=True, keys=""):
    path = tmp_path / "g.graphml"
    path.write_text("<graphml xmlns='http://graphml.graphdrawing.org/xmlns'>" + keys +
                    f"<graph edgedefault='{'directed' if directed else 'undirected'}'>" + body +
                    "</graph></graphml>")
    return path


def test_graphml_refusals_are_exact(tmp_path):
    weight_key = "<key id='w' for='edge' attr.name='weight' attr.type='double'/>"
    bad = _graphml(tmp_path, "<node id='a'/><node id='b'/><edge source='a' target='b'>"
                   "<data key='w'>-1</data></edge>", keys=weight_key)
    assert _refusal(netaval.MalformedNetworkError, bad) == (
        f"{bad}: edge (a, b) has weight=-1.0; weights must be finite non-negative numbers on "
        "every edge.")
    text_key = "<key id='w' for='edge' attr.name='weight' attr.type='string'/>"
    bad = _graphml(tmp_path, "<node id='a'/><node id='b'/><edge source='a' target='b'>"
                   "<data key='w'>x</data></edge>", keys=text_key)
    assert _refusal(netaval.MalformedNetworkError, bad).startswith(f"{bad}: edge (a, b) has weight='x';")
    bool_key = "<key id='w' for='edge' attr.name='weight' attr.type='boolean'/>"
    bad = _graphml(tmp_path, "<node id='a'/><node id='b'/><edge source='a' target='b'>"
                   "<data key='w'>true</data></edge>", keys=bool_key)
    assert _refusal(netaval.MalformedNetworkError, bad).startswith(f"{bad}: edge (a, b) has weight=True;")
    inf = _graphml(tmp_path, "<node id='a'/><node id='b'/><edge source='a' target='b'>"
                   "<data key='w'>inf</data></edge>", keys=weight_key)
    assert _refusal(netaval.MalformedNetworkError, inf).startswith(f"{inf}: edge (a, b) has weight=inf;")
    missing = _graphml(tmp_path, "<node id='a'/><node id='b'/><edge source='a' target='b'/>"
                       "<edge source='b' target='a'><data key='w'>1</data></edge>", keys=weight_key)
    assert _refusal(netaval.MalformedNetworkError, missing).startswith(
        f"{missing}: edge (a, b) has weight=None;")
    multi = tmp_path / "m.graphml"
    graph = nx.MultiDiGraph([(0, 1), (0, 1)])
    nx.write_graphml(graph, multi)
    assert _refusal(netaval.MalformedNetworkError, multi) == \
        f"{multi}: the graph has parallel edges (a multigraph); merge them first."
    broken = tmp_path / "x.graphml"
    broken.write_text("<graphml><graph>\n<node id='0'>\n</graph></graphml>")
    assert _refusal(netaval.CorruptFileError, broken) == (
        f"{broken}, line 3, column 2: not well-formed XML (mismatched tag: line 3, column 2).")
    foreign = tmp_path / "f.graphml"
    foreign.write_text("<graphml xmlns='http://graphml.graphdrawing.org/xmlns'><key id='k' "
                       "for='node' attr.name='a' attr.type='complex'/><graph/></graphml>")
    assert _refusal(netaval.CorruptFileError, foreign).startswith(
        f"{foreign}: not a readable GraphML file (")


def test_graphml_ids_directions_and_positions(tmp_path):
    igraph_style = _graphml(tmp_path, "<node id='n1'/><node id='n0'/><edge source='n0' target='n1'/>")
    net = read_network(igraph_style)  # n1 before n0: not igraph's order, so relabelled
    assert net.node_labels.tolist() == ["n1", "n0"] and dense(net).tolist() == [[0, 0], [1, 0]]
    ordered = _graphml(tmp_path, "<node id='n0'/><node id='n1'/><edge source='n1' target='n0'/>")
    net = read_network(ordered)
    assert net.node_labels is None and dense(net).tolist() == [[0, 0], [1, 0]]
    numeric = _graphml(tmp_path, "<node id='7'/><node id='3'/><edge source='7' target='3'/>")
    net = read_network(numeric)
    assert net.node_labels.tolist() == [3, 7] and dense(net).tolist() == [[0, 0], [1, 0]]
    undirected = _graphml(tmp_path, "<node id='0'/><node id='1'/><edge source='0' target='1'/>",
                          directed=False)
    assert not read_network(undirected).directed and read_network(undirected, directed=None).n_edges == 2
    both = read_network(undirected, directed=True)
    assert both.directed and dense(both).tolist() == [[0, 1], [1, 0]]
    assert read_network(undirected, directed=False).directed is False
    one_way = read_network(numeric, directed=False)
    assert one_way.directed is False and dense(one_way).tolist() == [[0, 1], [1, 0]]
    assert read_network(numeric, directed=True).directed is True
    keys = "".join(f"<key id='{a}' for='node' attr.name='{a}' attr.type='double'/>" for a in "xyz")
    placed = _graphml(tmp_path, "<node id='0'><data key='x'>1</data><data key='y'>2</data></node>"
                      "<node id='1'><data key='x'>3</data><data key='y'>4</data></node>", keys=keys)
    assert read_network(placed).positions.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    partial = _graphml(tmp_path, "<node id='0'><data key='x'>1</data><data key='y'>2</data>"
                       "<data key='z'>5</data></node><node id='1'><data key='x'>3</data>"
                       "<data key='y'>4</data></node>", keys=keys)
    assert read_network(partial).positions.tolist() == [[1.0, 2.0], [3.0, 4.0]]  # z not on all
    no_x = _graphml(tmp_path, "<node id='0'><data key='y'>2</data></node>", keys=keys)
    assert read_network(no_x).positions is None
    three = _graphml(tmp_path, "<node id='0'><data key='x'>1</data><data key='y'>2</data>"
                     "<data key='z'>5</data></node>", keys=keys)
    assert read_network(three).positions.tolist() == [[1.0, 2.0, 5.0]]
    empty = _graphml(tmp_path, "")  # was networkx's NetworkXError
    assert _refusal(netaval.CorruptFileError, empty) == f"{empty}: the graph has no nodes."


def test_matrices_refusals_and_weights(tmp_path):
    header = "%%MatrixMarket matrix coordinate {} {}\n"
    complex_ = tmp_path / "c.mtx"
    complex_.write_text(header.format("complex", "general") + "2 2 1\n1 2 1.0 2.0\n")
    assert _refusal(netaval.MalformedNetworkError, complex_) == \
        f"{complex_}: complex weights are not synaptic weights."
    wide = tmp_path / "w.mtx"
    wide.write_text(header.format("real", "general") + "2 3 1\n1 1 1.0\n")
    assert _refusal(netaval.MalformedNetworkError, wide) == \
        f"{wide}: the matrix must be square (row = presynaptic neuron). Got shape (2, 3)."
    one_way = tmp_path / "o.mtx"
    one_way.write_text(header.format("real", "general") + "2 2 1\n1 2 2.5\n")
    assert _refusal(netaval.MalformedNetworkError, one_way, directed=False) == (
        f"{one_way}: An undirected network must be symmetric, but edge (0, 1) has no mirror "
        "of equal weight.")
    assert dense(read_network(one_way)).tolist() == [[0, 2.5], [0, 0]]
    assert dense(read_network(one_way, weight=None)).tolist() == [[0, 1], [0, 0]]
    pattern = tmp_path / "p.mtx"
    pattern.write_text(header.format("pattern", "general") + "2 2 2\n1 2\n2 1\n")
    assert dense(read_network(pattern)).tolist() == [[0, 1], [1, 0]]
    symmetric = tmp_path / "s.mtx"
    symmetric.write_text(header.format("real", "symmetric") + "2 2 1\n2 1 3.0\n")
    net = read_network(symmetric)
    assert not net.directed and dense(net).tolist() == [[0, 3], [3, 0]]
    assert read_network(symmetric, directed=True).directed
    array = tmp_path / "a.mtx"  # array (dense) format
    array.write_text("%%MatrixMarket matrix array real general\n2 2\n0\n2.5\n0\n0\n")
    assert dense(read_network(array)).tolist() == [[0, 0], [2.5, 0]]
    assert dense(read_network(array, weight=None)).tolist() == [[0, 0], [1, 0]]  # was a crash
    garbage = tmp_path / "g.mtx"
    garbage.write_text(header.format("real", "general") + "2 2 1\n1 x 1.0\n")
    assert _refusal(netaval.CorruptFileError, garbage).startswith(
        f"{garbage}: not a readable Matrix Market file (")
    sp.save_npz(tmp_path / "m.npz", sp.csr_matrix(np.array([[0, 2.0], [0, 0]])))
    assert dense(read_network(tmp_path / "m.npz", weight=None)).tolist() == [[0, 1], [0, 0]]
    assert dense(read_network(tmp_path / "m.npz")).tolist() == [[0, 2], [0, 0]]
    (tmp_path / "bad.npz").write_text("not a zip")
    assert _refusal(netaval.CorruptFileError, tmp_path / "bad.npz").startswith(
        f"{tmp_path / 'bad.npz'}: not a scipy.sparse .npz file (")
    duplicates = tmp_path / "d.mtx"  # repeated entries are summed, explicit zeros dropped
    duplicates.write_text(header.format("real", "general") + "2 2 3\n1 2 1.0\n1 2 0.5\n2 1 0\n")
    net = read_network(duplicates)
    assert dense(net).tolist() == [[0, 1.5], [0, 0]] and net.n_edges == 1


# ------------------------------------------------ from the session-3 full run's survivors
def test_checked_parameters_name_read_network(tmp_path):
    (tmp_path / "x.csv").write_text("0,1\n")
    assert _refusal(netaval.InvalidParameterError, tmp_path / "x.csv", format="gml") == (
        "The 'format' parameter of read_network must be one of None, 'graphml', 'csv', 'tsv', "
        "'edgelist', 'mtx', 'npz'. Got 'gml' instead.")
    assert _refusal(netaval.InvalidParameterError, tmp_path / "x.csv", directed=1) == \
        "The 'directed' parameter of read_network must be a bool. Got 1 instead."


def test_integer_ids_are_every_id_spelled_as_an_integer(tmp_path):
    """numpy's cast also takes '1_0' (= 10): every id is checked, not the first 1000 only
    (a '1_0' after them was read as node 10, merged with a real node 10)."""
    (tmp_path / "u.csv").write_text("1_0,2\n")
    assert read_network(tmp_path / "u.csv").node_labels.tolist() == ["1_0", "2"]
    rows = "".join(f"{k},{k + 1}\n" for k in range(10, 511)) + "3,1_0\n"  # 1004 ids
    (tmp_path / "late.csv").write_text(rows)
    net = read_network(tmp_path / "late.csv")
    assert net.node_labels.dtype.kind == "U" and net.n_nodes == 504
    assert "1_0" in net.node_labels.tolist() and "10" in net.node_labels.tolist()
    (tmp_path / "signs.csv").write_text("+1,-2\n")
    assert read_network(tmp_path / "signs.csv").node_labels.tolist() == [-2, 1]
    (tmp_path / "two.csv").write_text("3,4\n+-1,2\n")  # two signs: text
    assert read_network(tmp_path / "two.csv").node_labels.tolist() == ["3", "+-1", "4", "2"]
    (tmp_path / "x.csv").write_text("3,4\nX5,6\n")  # a letter before the digits: text
    assert read_network(tmp_path / "x.csv").node_labels.tolist() == ["3", "X5", "4", "6"]
    (tmp_path / "one.txt").write_text("7 7\n")  # one node, not 0: relabelled
    one = read_network(tmp_path / "one.txt")
    assert (one.n_nodes, one.node_labels.tolist(), dense(one).tolist()) == (1, [7], [[1.0]])
    single = _graphml(tmp_path, "<node id='7'/>")
    assert read_network(single).node_labels.tolist() == [7]


def test_edge_list_header_rules_beyond_numbers(tmp_path):
    """A header is found by its names even when the ids are text; bytes that are not UTF-8
    are replaced, never an error; a zero weight is a synapse of weight 0."""
    (tmp_path / "s.csv").write_text("source,target\na,b\nb,c\n")
    net = read_network(tmp_path / "s.csv")
    assert net.node_labels.tolist() == ["a", "b", "c"] and net.n_edges == 2
    (tmp_path / "w.csv").write_text("x,y,w\na,b,c\n")  # 'w' named: a header, line 2 is data
    assert _refusal(netaval.CorruptFileError, tmp_path / "w.csv", weight="w") == \
        f"{tmp_path / 'w.csv'}, line 2: weight 'c' is not a number."
    (tmp_path / "n.csv").write_text("x,y,weight\na,b,exc\n")  # weight=None: still a header
    net = read_network(tmp_path / "n.csv", weight=None)
    assert net.node_labels.tolist() == ["a", "b"] and net.n_edges == 1
    (tmp_path / "r.txt").write_text("1 2 x\n")  # one row, numbers first: an edge
    assert _refusal(netaval.CorruptFileError, tmp_path / "r.txt") == \
        f"{tmp_path / 'r.txt'}, line 1: weight 'x' is not a number."
    (tmp_path / "l.txt").write_bytes(b"# caf\xe9\n0 1\ncaf\xe9 b\n")
    assert read_network(tmp_path / "l.txt").node_labels.tolist() == ["0", "caf\ufffd", "1", "b"]
    (tmp_path / "h.csv").write_text("pre,post\n0,1,2\n")  # the header sets the width
    assert _refusal(netaval.CorruptFileError, tmp_path / "h.csv") == \
        f"{tmp_path / 'h.csv'}, line 2: expected 2 fields (source, target[, weight]), got 3."
    (tmp_path / "z.txt").write_text("0 1 0\n1 2 1.5\n")
    assert read_network(tmp_path / "z.txt").weights.tolist() == [0.0, 1.5]


def test_the_first_repeated_edge_is_reported(tmp_path):
    """Repeats are reported for the smallest (source, target), first and second lines."""
    cases = [("0 1\n0 2\n1 0\n1 0\n0 2\n0 1\n", "line 6: edge (0, 1) repeats line 1"),
             ("0 1\n1 2\n1 2\n", "line 3: edge (1, 2) repeats line 2"),
             ("1 0\n" * 3 + "0 1\n" * 30, "line 5: edge (0, 1) repeats line 4")]
    for text, message in cases:
        (tmp_path / "e.txt").write_text(text)
        assert _refusal(netaval.MalformedNetworkError, tmp_path / "e.txt") == \
            f"{tmp_path / 'e.txt'}, {message}; merge repeated edges first."


def test_graphml_and_matrix_details(tmp_path):
    """Zero weights are synapses; a directed file read undirected; the readers' own error
    text; a .npz read undirected or refused by its path."""
    weight_key = "<key id='w' for='edge' attr.name='weight' attr.type='double'/>"
    zero = _graphml(tmp_path, "<node id='0'/><node id='1'/><edge source='0' target='1'>"
                    "<data key='w'>0</data></edge>", keys=weight_key)
    net = read_network(zero)
    assert (net.n_edges, net.weights.tolist()) == (1, [0.0])
    both = _graphml(tmp_path, "<node id='0'/><node id='1'/><edge source='0' target='1'/>"
                    "<edge source='1' target='0'/>")
    assert read_network(both, directed=False).directed is False
    foreign = tmp_path / "f.graphml"
    foreign.write_text("<graphml xmlns='http://graphml.graphdrawing.org/xmlns'><key id='k' "
                       "for='node' attr.name='a' attr.type='complex'/><graph/></graphml>")
    assert _refusal(netaval.CorruptFileError, foreign) == \
        f"{foreign}: not a readable GraphML file (KeyError: 'complex')."
    garbage = tmp_path / "g.mtx"
    garbage.write_text("%%MatrixMarket matrix coordinate real general\n2 2 1\n1 x 1.0\n")
    with pytest.raises(ValueError) as scipy_error:
        scipy.io.mmread(garbage)
    assert _refusal(netaval.CorruptFileError, garbage) == (
        f"{garbage}: not a readable Matrix Market file ({' '.join(str(scipy_error.value).split())}).")
    header = tmp_path / "h.mtx"  # refused by scipy's header reader, before any allocation
    header.write_text("%%MatrixMarket matrix coordinate real general\nx y z\n")
    with pytest.raises(ValueError) as scipy_error:
        scipy.io.mminfo(header)
    assert _refusal(netaval.CorruptFileError, header) == (
        f"{header}: not a readable Matrix Market file ({' '.join(str(scipy_error.value).split())}).")
    sp.save_npz(tmp_path / "wide.npz", sp.csr_matrix(np.ones((2, 3))))
    assert _refusal(netaval.MalformedNetworkError, tmp_path / "wide.npz") == (
        f"{tmp_path / 'wide.npz'}: the matrix must be square (row = presynaptic neuron). Got shape (2, 3).")
    repeated = sp.coo_matrix((np.array([100, 200], np.uint8), ([0, 0], [1, 1])), shape=(2, 2))
    sp.save_npz(tmp_path / "counts.npz", repeated)  # summed as 300, not in uint8 (44)
    assert dense(read_network(tmp_path / "counts.npz")).tolist() == [[0, 300], [0, 0]]
    sp.save_npz(tmp_path / "sym.npz", sp.csr_matrix(np.array([[0, 2.0], [2.0, 0]])))
    assert read_network(tmp_path / "sym.npz").directed is True
    assert read_network(tmp_path / "sym.npz", directed=False).directed is False
