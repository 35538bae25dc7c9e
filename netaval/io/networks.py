"""Networks in: `read_network` for GraphML, CSV/TSV/whitespace edge lists, Matrix Market, .npz.

Every reader returns a canonical `netaval.Network` (row = presynaptic neuron) whose
provenance says where it came from (``topology="file"``, ``params`` with the file's
name, format, weight attribute and SHA-256), so a run on it records its source and
`netaval.rebuild_network` can re-read and verify it. Node ids that are not
``0..n_nodes-1`` are relabelled in sorted order (numbers) or file order (strings), and
the original ids are kept as `Network.node_labels`.
"""

from __future__ import annotations

import hashlib
import math
import os
from os import PathLike
from typing import Any

import numpy as np

from netaval._validation import Boolean, Options, check_param, check_path
from netaval.errors import CorruptFileError, InvalidParameterError, MalformedNetworkError
from netaval.io._text import is_number, split_fields
from netaval.network import Network

__all__ = ["read_network", "FORMATS"]

OWNER = "read_network"
#: Formats `read_network` reads, and the suffixes that select them.
FORMATS = {"graphml": (".graphml", ".xml"), "csv": (".csv",), "tsv": (".tsv", ".tab"),
           "edgelist": (".txt", ".edges", ".edgelist", ".el"), "mtx": (".mtx", ".mm"),
           "npz": (".npz",)}
SOURCE_NAMES = ("source", "src", "from", "pre", "presynaptic", "i", "node1", "u")
TARGET_NAMES = ("target", "dst", "to", "post", "postsynaptic", "j", "node2", "v")


def read_network(path: str | PathLike, *, format: str | None = None, weight: str | None = "weight",
                 directed: bool | None = None) -> Network:
    """Read a network (connectome) from a file.

    Parameters
    ----------
    path : str or path-like
        The file. Its suffix chooses the format unless ``format`` is given.
    format : {"graphml", "csv", "tsv", "edgelist", "mtx", "npz"}, optional
        ``"graphml"`` (``.graphml``, ``.xml``: files written by netaval, networkx, igraph,
        Gephi); ``"csv"`` / ``"tsv"`` / ``"edgelist"`` (comma, tab, whitespace separated
        ``source target [weight]`` rows, with or without a header row, ``#`` comments;
        ``.csv``, ``.tsv``, ``.txt``, ``.edges``); ``"mtx"`` (Matrix Market, ``.mtx``);
        ``"npz"`` (``scipy.sparse.save_npz``). Matrices are read with row = presynaptic
        neuron, entry = weight.
    weight : str or None, default "weight"
        GraphML edge attribute, or header column of an edge list, holding the weights.
        An edge list without header takes its third column. A GraphML file without that
        attribute, or an edge list without weight column, gives weight 1; an explicitly
        named attribute or column that does not exist is an error. None: every edge
        weight 1.
    directed : bool, optional
        Default: from the file (GraphML's ``edgedefault``, Matrix Market's ``symmetric``
        qualifier); edge lists and .npz are directed. ``False`` for an edge list stores
        each row in both directions; for a matrix it requires a symmetric one.

    Returns
    -------
    Network
        With provenance ``topology="file"``, ``params={"file", "format", "weight",
        "sha256"}`` and `Network.node_labels` when the ids were relabelled.

    Raises
    ------
    FileNotFoundError
        When there is no file at ``path``.
    CorruptFileError
        When the file cannot be parsed: the message gives the line and the reason.
    MalformedNetworkError
        When the file parses but is not a valid network (a negative or non-finite
        weight, a repeated edge, a non-square matrix); edge lists name the line.
    InvalidParameterError
        An unknown format or suffix, a named weight attribute that is absent, a path that
        is not a regular file (a FIFO, a folder).

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "edges.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("pre,post,weight\\n10,20,0.5\\n20,30,1.5\\n")
    >>> net = netaval.io.read_network(path)
    >>> net.n_nodes, net.n_edges, net.node_labels.tolist(), net.weights.tolist()
    (3, 2, [10, 20, 30], [0.5, 1.5])
    """
    check_param(OWNER, "format", format, Options((None, *FORMATS)))
    if directed is not None:
        check_param(OWNER, "directed", directed, Boolean())
    if weight is not None and not isinstance(weight, str):
        raise InvalidParameterError(f"The 'weight' parameter of {OWNER} must be a str or None. "
                                    f"Got {weight!r} instead.")
    target = check_path(OWNER, "path", path)
    if not os.path.exists(target):
        raise FileNotFoundError(f"No such file: {target!r}")
    if not os.path.isfile(target):  # a FIFO would block the reader, a folder fail in open
        raise InvalidParameterError(f"The 'path' parameter of {OWNER} must name a regular "
                                    f"file. Got {target!r}, which is not one.")
    if format is None:
        suffix = os.path.splitext(target)[1].lower()
        format = next((name for name, suffixes in FORMATS.items() if suffix in suffixes), None)
        if format is None:
            raise InvalidParameterError(
                f"The 'format' parameter of {OWNER} is needed for {target!r}: its suffix "
                f"{suffix!r} is none of {sorted(s for v in FORMATS.values() for s in v)}.")
    reader = {"graphml": _read_graphml, "mtx": _read_mtx, "npz": _read_npz}.get(format)
    if reader is None:
        sep = {"csv": ",", "tsv": "\t", "edgelist": None}[format]
        fields = _read_edge_list(target, sep, weight, directed)
    else:
        fields = reader(target, weight, directed)
    provenance = {"topology": "file", "params": {
        "file": os.path.basename(target), "format": format, "weight": weight,
        "sha256": file_digest(target)}}
    return Network(**fields, **provenance)


def file_digest(path: str | PathLike) -> str:
    """SHA-256 of a file's bytes, in hex (read in 1 MiB blocks).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    str

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "empty")
    >>> open(path, "wb").close()
    >>> netaval.io.networks.file_digest(path)[:16]
    'e3b0c44298fc1c14'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------------- relabelling
def _relabel(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Node indices for ``ids`` and the labels (None when the ids already are 0..n-1)."""
    if ids.dtype.kind in "iu":
        labels, index = np.unique(ids, return_inverse=True)
        if len(labels) == 0 or (labels[0] == 0 and labels[-1] == len(labels) - 1):
            return index.astype(np.int64), None
        return index.astype(np.int64), labels
    labels, first, index = np.unique(ids, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # strings keep the order they first appear in
    rank = np.empty(len(labels), np.int64)
    rank[order] = np.arange(len(labels))
    return rank[index], labels[order]


def _integers_if_possible(values: np.ndarray) -> np.ndarray:
    """Strings that all spell integers (``[+-]?digits``) become int64; anything else stays
    as stripped str. Every id is checked: numpy's cast alone also takes ``1_000``."""
    text = np.char.strip(values.astype(str))
    digits = np.char.lstrip(text, "+-")
    signs = np.char.str_len(text) - np.char.str_len(digits)
    if text.size and np.all(np.char.isdecimal(digits) & (signs <= 1)):
        try:
            return text.astype(np.int64)
        except OverflowError:
            pass
    return text


# ---------------------------------------------------------------------- edge lists
def _is_header(rows: list[list[str]], weight: str | None) -> bool:
    """A first row naming columns: a known column name, or text where later rows have numbers."""
    first = [f.lower() for f in rows[0]]
    if set(first) & {*SOURCE_NAMES, *TARGET_NAMES, (weight or "weight").lower()}:
        return True
    if len(rows) < 2:
        return not all(is_number(f) for f in first[:2])
    second = rows[1]
    return any(not is_number(a) and is_number(b) for a, b in zip(first, second, strict=False))


def _read_edge_list(path: str, sep: str | None, weight: str | None, directed: bool | None):
    with open(path, encoding="utf-8", errors="replace") as handle:
        raw = handle.read().splitlines()
    rows, lines = [], []
    for number, text in enumerate(raw, start=1):
        stripped = text.strip()
        if not stripped or stripped.startswith(("#", "%")):
            continue
        try:
            rows.append(split_fields(stripped, sep))
        except ValueError as exc:
            raise CorruptFileError(f"{path}, line {number}: {exc}.") from None
        lines.append(number)
    if not rows:
        raise CorruptFileError(f"{path}: the file holds no edges.")
    header = rows[0] if _is_header(rows, weight) else None
    if header is not None:
        rows, lines, header_line = rows[1:], lines[1:], lines[0]
        if not rows:
            raise CorruptFileError(f"{path}: the file holds a header (line {header_line}) "
                                   "but no edges.")
    width = len(header) if header is not None else len(rows[0])
    for fields, number in zip(rows, lines, strict=True):
        if len(fields) != width or width < 2:
            raise CorruptFileError(f"{path}, line {number}: expected {max(width, 2)} fields "
                                   f"(source, target[, weight]), got {len(fields)}.")
    table = np.array(rows, dtype=str)
    columns = [c.lower() for c in header] if header is not None else None

    def position(names, default):
        if columns is None:
            return default
        return next((columns.index(n) for n in names if n in columns), default)

    # a column not named by the header takes whichever of columns 0, 1 the other left free
    src_at, dst_at = position(SOURCE_NAMES, None), position(TARGET_NAMES, None)
    if src_at is None:
        src_at = 1 if dst_at == 0 else 0
    if dst_at is None:
        dst_at = 0 if src_at == 1 else 1
    weight_at = None
    if weight is not None:
        if columns is None:
            weight_at = 2 if width > 2 else None
        elif weight.lower() in columns:
            weight_at = columns.index(weight.lower())
        elif weight != "weight":
            raise InvalidParameterError(f"The 'weight' parameter of {OWNER}: {path} has no "
                                        f"column {weight!r}; its columns are {header}.")
    weights = None
    if weight_at is not None:
        weights = np.empty(len(rows), np.float64)
        for k, text in enumerate(table[:, weight_at]):
            try:
                weights[k] = float(text)
            except ValueError:
                raise CorruptFileError(f"{path}, line {lines[k]}: weight {str(text)!r} is not a "
                                       "number.") from None
        bad = np.flatnonzero(~np.isfinite(weights) | (weights < 0))
        if bad.size:
            k = int(bad[0])
            raise MalformedNetworkError(f"{path}, line {lines[k]}: weight {str(table[k, weight_at])!r} "
                                        "must be finite and non-negative.")
    ids = _integers_if_possible(np.concatenate([table[:, src_at], table[:, dst_at]]))
    index, labels = _relabel(ids)
    n_edges = len(rows)
    src, dst = index[:n_edges], index[n_edges:]
    n_nodes = int(index.max()) + 1
    undirected = directed is False
    key_src, key_dst = (np.minimum(src, dst), np.maximum(src, dst)) if undirected else (src, dst)
    keys = key_src * n_nodes + key_dst
    order = np.argsort(keys, kind="stable")
    repeated = np.flatnonzero(keys[order][1:] == keys[order][:-1])
    if repeated.size:
        first, second = order[repeated[0]], order[repeated[0] + 1]
        raise MalformedNetworkError(
            f"{path}, line {lines[second]}: edge ({table[second, src_at]}, "
            f"{table[second, dst_at]}) repeats line {lines[first]}"
            + (" (undirected: both directions are one edge)" if undirected else "")
            + "; merge repeated edges first.")
    network = Network.from_edges(src, dst, n_nodes, weights, directed=not undirected)
    return {"indptr": network.indptr, "indices": network.indices, "weights": network.weights,
            "n_nodes": n_nodes, "directed": network.directed, "node_labels": labels}


# ---------------------------------------------------------------------- GraphML
def _read_graphml(path: str, weight: str | None, directed: bool | None):
    import xml.etree.ElementTree as ET

    import networkx as nx

    try:
        graph = nx.read_graphml(path)
    except ET.ParseError as exc:
        line, column = exc.position
        raise CorruptFileError(f"{path}, line {line}, column {column}: not well-formed XML "
                               f"({exc}).") from None
    except (nx.NetworkXError, ValueError, KeyError, TypeError) as exc:
        raise CorruptFileError(f"{path}: not a readable GraphML file "
                               f"({type(exc).__name__}: {exc}).") from None
    nodes = list(graph.nodes)
    if not nodes:
        raise CorruptFileError(f"{path}: the graph has no nodes.")
    attributes = {key for _, _, data in graph.edges(data=True) for key in data}
    if weight is not None and weight not in attributes and weight != "weight":
        raise InvalidParameterError(f"The 'weight' parameter of {OWNER}: the edges of {path} "
                                    f"have no attribute {weight!r}; they have {sorted(attributes)}.")
    use_weight = weight if weight in attributes else None
    if graph.is_multigraph():
        raise MalformedNetworkError(f"{path}: the graph has parallel edges (a multigraph); "
                                    "merge them first.")
    if use_weight is not None:
        for u, v, data in graph.edges(data=True):
            value = data.get(use_weight)
            if not isinstance(value, int | float) or isinstance(value, bool) \
                    or not _finite(value) or value < 0:
                raise MalformedNetworkError(f"{path}: edge ({u}, {v}) has {use_weight}="
                                            f"{value!r}; weights must be finite non-negative "
                                            "numbers on every edge.")
    ids = np.array([str(n) for n in nodes])
    igraph_style = np.array([f"n{k}" for k in range(len(nodes))])
    if np.array_equal(ids, igraph_style):
        labels = None  # igraph and yEd name nodes n0 .. n{n-1} in order
        order = np.arange(len(nodes))
    else:
        order, labels = _relabel(_integers_if_possible(ids))
    nodelist = [None] * len(nodes)
    for node, k in zip(nodes, order, strict=True):
        nodelist[k] = node
    matrix = nx.to_scipy_sparse_array(graph, nodelist=nodelist, weight=use_weight, format="csr")
    if use_weight is None:
        matrix.data[:] = 1.0
    undirected = not graph.is_directed()
    if directed is True and undirected:
        undirected = False  # each undirected edge is two synapses, kept as a directed graph
    if directed is False and not undirected:
        undirected = True
    positions = _positions(path, graph, nodelist)
    network = Network.from_scipy(matrix, directed=not undirected, positions=positions)
    return {"indptr": network.indptr, "indices": network.indices, "weights": network.weights,
            "n_nodes": len(nodes), "directed": network.directed, "positions": positions,
            "node_labels": labels}


def _positions(path: str, graph: Any, nodelist: list) -> np.ndarray | None:
    """Node attributes x, y[, z] (as netaval writes them), when every node has them."""
    axes = [axis for axis in ("x", "y", "z") if all(axis in graph.nodes[n] for n in nodelist)]
    if not axes or axes[0] != "x":
        return None
    for node in nodelist:
        for axis in axes:
            value = graph.nodes[node][axis]
            if isinstance(value, bool) or not isinstance(value, int | float | str) or (
                    not _finite(value)):
                raise MalformedNetworkError(f"{path}: node {node!r} has {axis}={value!r}; node "
                                            "positions must be finite numbers.")
    return np.array([[float(graph.nodes[n][a]) for a in axes] for n in nodelist])


def _finite(value: Any) -> bool:
    """Whether ``value`` (a number, or text spelling one) is a finite float."""
    try:
        return math.isfinite(float(value))
    except (ValueError, OverflowError):  # 'abc', an int beyond float range
        return False


# ---------------------------------------------------------------------- matrices
def _from_matrix(path: str, matrix: Any, directed: bool | None, symmetric: bool):
    import scipy.sparse as sp

    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise MalformedNetworkError(f"{path}: the matrix must be square (row = presynaptic "
                                    f"neuron). Got shape {matrix.shape}.")
    csr = sp.csr_array(matrix.astype(np.float64))  # cast first: uint8 100 + 200 summed to 44
    csr.sum_duplicates()
    csr.eliminate_zeros()
    undirected = (directed is False) or (directed is None and symmetric)
    try:
        network = Network.from_scipy(csr, directed=not undirected)
    except MalformedNetworkError as exc:
        raise MalformedNetworkError(f"{path}: {exc}") from None
    return {"indptr": network.indptr, "indices": network.indices, "weights": network.weights,
            "n_nodes": int(csr.shape[0]), "directed": network.directed}


#: Bytes a matrix entry and a row take while a file becomes a `Network` (scipy's copies
#: included), for the memory check of `_check_size`.
_ENTRY_BYTES, _ROW_BYTES = 48, 24


def _check_size(path: str, rows: int, cols: int, entries: int) -> None:
    """Refuse a matrix larger than a `Network` holds or than the memory available, before
    anything is allocated for it."""
    from netaval._memory import beyond_memory
    from netaval.network import _MAX_NODES

    if max(rows, cols) > _MAX_NODES:
        raise MalformedNetworkError(f"{path}: a network has at most {_MAX_NODES} neurons; the "
                                    f"file declares a {rows} x {cols} matrix.")
    excess = beyond_memory(entries * _ENTRY_BYTES + rows * _ROW_BYTES)
    if excess is not None:
        raise InvalidParameterError(
            f"The 'path' parameter of {OWNER}: {path} declares a {rows} x {cols} matrix of "
            f"{entries} entries, which needs about {excess}.")


def _read_mtx(path: str, weight: str | None, directed: bool | None):
    import scipy.io
    import scipy.sparse as sp

    unreadable = (ValueError, OSError, IndexError, TypeError, RuntimeError, OverflowError)

    def corrupt(exc: Exception) -> CorruptFileError:
        return CorruptFileError(f"{path}: not a readable Matrix Market file ("
                                f"{' '.join(str(exc).split())}).")

    try:
        rows, cols, entries, layout, field, symmetry = scipy.io.mminfo(path)
    except unreadable as exc:
        raise corrupt(exc) from None
    # the header's sizes, before scipy allocates for them (a 60-byte file may claim 10**12
    # entries or a 10**5 x 10**5 dense array)
    _check_size(path, rows, cols, rows * cols if layout == "array" else entries)
    try:
        matrix = scipy.io.mmread(path)
    except unreadable as exc:
        raise corrupt(exc) from None
    if field == "complex":
        raise MalformedNetworkError(f"{path}: complex weights are not synaptic weights.")
    if weight is None or field == "pattern":
        if sp.issparse(matrix):  # coordinate format
            matrix = matrix.copy()
            matrix.data[:] = 1.0
        else:  # array format: a dense ndarray (whose .data is a memoryview)
            matrix = (np.asarray(matrix) != 0).astype(np.float64)
    return _from_matrix(path, matrix, directed, symmetry == "symmetric")


def _read_npz(path: str, weight: str | None, directed: bool | None):
    import scipy.sparse as sp

    try:
        matrix = sp.load_npz(path)
    except (ValueError, OSError, KeyError) as exc:
        raise CorruptFileError(f"{path}: not a scipy.sparse .npz file ({exc}).") from None
    if matrix.format in ("csr", "csc", "bsr"):
        # load_npz checks only the lengths: forged offsets or indices reach scipy's
        # C++ routines unchecked (heap corruption, an abort of the interpreter)
        try:
            matrix.check_format(full_check=True)
        except ValueError as exc:
            raise CorruptFileError(f"{path}: not a valid sparse matrix ({exc}).") from None
    if matrix.dtype.kind == "c":
        raise MalformedNetworkError(f"{path}: complex weights are not synaptic weights.")
    _check_size(path, *matrix.shape, matrix.nnz)  # a COO file may claim any shape
    if weight is None:
        matrix = matrix.copy()
        matrix.data[:] = 1.0
    return _from_matrix(path, matrix, directed, False)
