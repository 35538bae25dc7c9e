"""`Network`: canonical sparse (CSR) connectivity consumed by every model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from netaval._kernels.network import _first_asymmetric_edge, _first_unsorted_row
from netaval._validation import sealed
from netaval.errors import InvalidParameterError, MalformedNetworkError

__all__ = ["Network"]

_MAX_NODES = np.iinfo(np.int32).max


def _as_index_array(name: str, values: ArrayLike, dtype: type) -> NDArray:
    """Cast ``values`` to an integer array of ``dtype`` only if no information is lost."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise MalformedNetworkError(f"'{name}' must be 1-dimensional. Got shape {array.shape}.")
    if array.size == 0:
        return np.zeros(0, dtype=dtype)
    if array.dtype.kind == "b" or array.dtype.kind not in "iu":
        raise MalformedNetworkError(
            f"'{name}' must hold integers. Got dtype {array.dtype}; convert explicitly "
            f"with .astype(np.{np.dtype(dtype).name}) if the values are whole numbers."
        )
    info = np.iinfo(dtype)
    low, high = array.min(), array.max()
    if low < info.min or high > info.max:
        raise MalformedNetworkError(
            f"'{name}' values must fit in {np.dtype(dtype).name}. Got range [{low}, {high}]."
        )
    return np.array(array, dtype=dtype, order="C", copy=True)  # private: see sealed


@dataclass(frozen=True, eq=False)
class Network:
    """Directed (or symmetric undirected) weighted connectivity in canonical CSR form.

    Row ``i`` lists the postsynaptic targets of presynaptic neuron ``i``:
    ``indices[indptr[i]:indptr[i + 1]]`` with synaptic weights
    ``weights[indptr[i]:indptr[i + 1]]``. Column indices are sorted within each row and
    never repeated. An undirected network stores each edge in both directions (so it
    counts twice in `n_edges`) and must be symmetric. The arrays are private copies,
    read-only views whose write flag cannot be turned back on.

    Parameters
    ----------
    indptr : array-like of int, shape (n_nodes + 1,)
        Row pointers; cast to int64.
    indices : array-like of int, shape (n_edges,)
        Postsynaptic neuron of each synapse; cast to int32.
    weights : array-like of float, shape (n_edges,), optional
        Non-negative, finite synaptic weights; cast to float64. Default: all ones.
    n_nodes : int, optional
        Number of neurons; default ``len(indptr) - 1``.
    directed : bool, default True
        False requires a symmetric weight matrix.
    positions : array-like of float, shape (n_nodes, n_dims), optional
        Spatial coordinates of the neurons (lattices, electrode subsampling).
    topology : str, optional
        Name of the generator that produced the network (provenance).
    params : dict, optional
        Generator parameters (provenance).
    seed_entropy : int, optional
        Entropy of the seed the generator used (provenance), so the graph can be rebuilt.
    node_labels : array-like, shape (n_nodes,), optional
        The nodes' ids in the source they were read from (`netaval.io.read_network`
        relabels ids that are not ``0..n_nodes-1``): node ``i`` is ``node_labels[i]``.
        None when the nodes are numbered ``0..n_nodes-1`` at the source.

    Raises
    ------
    MalformedNetworkError
        When the arrays do not describe a valid canonical CSR matrix; the message names
        the first offending row, edge or value.

    See Also
    --------
    Network.from_scipy, Network.from_networkx, Network.from_edges

    Examples
    --------
    >>> net = netaval.Network.from_edges([0, 0, 1], [1, 2, 2], n_nodes=3)
    >>> net.n_edges, net.out_degree.tolist(), net.in_degree.tolist()
    (3, [2, 1, 0], [0, 1, 2])
    """

    indptr: NDArray[np.int64]
    indices: NDArray[np.int32]
    weights: NDArray[np.float64] | None = None
    n_nodes: int | None = None
    directed: bool = True
    positions: NDArray[np.float64] | None = None
    topology: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    seed_entropy: int | None = None
    node_labels: NDArray | None = None

    def __post_init__(self) -> None:
        indptr = _as_index_array("indptr", self.indptr, np.int64)
        indices = _as_index_array("indices", self.indices, np.int32)
        n_nodes = len(indptr) - 1 if self.n_nodes is None else self.n_nodes
        if isinstance(n_nodes, bool) or not isinstance(n_nodes, int | np.integer):
            raise MalformedNetworkError(f"'n_nodes' must be an int. Got {n_nodes!r}.")
        n_nodes = int(n_nodes)
        if not 0 <= n_nodes <= _MAX_NODES:
            raise MalformedNetworkError(
                f"'n_nodes' must be in [0, {_MAX_NODES}]. Got {n_nodes}."
            )
        if len(indptr) != n_nodes + 1:
            raise MalformedNetworkError(
                f"'indptr' must have n_nodes + 1 = {n_nodes + 1} entries. Got {len(indptr)}."
            )
        if indptr[0] != 0 or indptr[-1] != len(indices):
            raise MalformedNetworkError(
                f"'indptr' must start at 0 and end at len(indices) = {len(indices)}. "
                f"Got {indptr[0]} and {indptr[-1]}."
            )
        steps = np.diff(indptr)
        if np.any(steps < 0):
            row = int(np.flatnonzero(steps < 0)[0])
            raise MalformedNetworkError(f"'indptr' must be non-decreasing; it drops at row {row}.")
        if len(indices):
            low, high = int(indices.min()), int(indices.max())
            if low < 0 or high >= n_nodes:
                bad = low if low < 0 else high
                raise MalformedNetworkError(
                    f"'indices' must lie in [0, n_nodes) = [0, {n_nodes}). Got {bad}."
                )
        row = _first_unsorted_row(indptr, indices)
        if row >= 0:
            raise MalformedNetworkError(
                f"Row {row} has unsorted or duplicate column indices "
                f"{indices[indptr[row]:indptr[row + 1]].tolist()[:10]}; "
                "use Network.from_scipy or Network.from_edges to canonicalise."
            )
        weights = self._checked_weights(self.weights, len(indices))
        if not isinstance(self.directed, bool | np.bool_):
            raise MalformedNetworkError(f"'directed' must be a bool. Got {self.directed!r}.")
        if not self.directed:
            edge = _first_asymmetric_edge(indptr, indices, weights)
            if edge >= 0:
                source = int(np.searchsorted(indptr, edge, side="right") - 1)
                raise MalformedNetworkError(
                    f"An undirected network must be symmetric, but edge "
                    f"({source}, {indices[edge]}) has no mirror of equal weight."
                )
        positions = self._checked_positions(self.positions, n_nodes)
        self._check_provenance()
        object.__setattr__(self, "indptr", sealed(indptr))
        object.__setattr__(self, "indices", sealed(indices))
        object.__setattr__(self, "weights", sealed(weights))
        object.__setattr__(self, "n_nodes", n_nodes)
        object.__setattr__(self, "directed", bool(self.directed))
        object.__setattr__(self, "positions", positions)
        object.__setattr__(self, "params", dict(self.params))
        if self.node_labels is not None:
            labels = np.array(self.node_labels)
            if labels.shape != (n_nodes,) or labels.dtype.hasobject:
                raise MalformedNetworkError(
                    f"'node_labels' must be an array of numbers or strings of shape "
                    f"(n_nodes,) = ({n_nodes},). Got {labels.dtype} of shape {labels.shape}.")
            object.__setattr__(self, "node_labels", sealed(labels))

    def _check_provenance(self) -> None:
        if self.topology is not None and not isinstance(self.topology, str):
            raise MalformedNetworkError(f"'topology' must be a str or None (provenance). "
                                        f"Got {self.topology!r}.")
        if not isinstance(self.params, dict):
            raise MalformedNetworkError(f"'params' must be a dict (provenance). Got "
                                        f"{type(self.params).__name__}.")
        entropy = self.seed_entropy
        if entropy is not None and (isinstance(entropy, bool) or not isinstance(
                entropy, int | np.integer) or entropy < 0):
            raise MalformedNetworkError(f"'seed_entropy' must be a non-negative int or None "
                                        f"(provenance). Got {entropy!r}.")

    @staticmethod
    def _checked_weights(weights: ArrayLike | None, n_edges: int) -> NDArray[np.float64]:
        if weights is None:
            return np.ones(n_edges, dtype=np.float64)
        array = np.asarray(weights)
        if array.dtype.kind not in "biuf":
            raise MalformedNetworkError(f"'weights' must be numeric. Got dtype {array.dtype}.")
        array = np.array(array, dtype=np.float64, order="C", copy=True)
        if array.shape != (n_edges,):
            raise MalformedNetworkError(
                f"'weights' must have shape ({n_edges},), one per edge. Got {array.shape}."
            )
        bad = ~np.isfinite(array) | (array < 0)
        if np.any(bad):
            edge = int(np.flatnonzero(bad)[0])
            raise MalformedNetworkError(
                f"'weights' must be finite and non-negative. Got {float(array[edge])!r} at edge {edge}."
            )
        return array

    @staticmethod
    def _checked_positions(positions: ArrayLike | None, n_nodes: int) -> NDArray | None:
        if positions is None:
            return None
        try:
            array = np.array(positions, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise MalformedNetworkError(f"'positions' must be an array of coordinates "
                                        f"({exc}).") from None
        if array.ndim == 1:
            array = array[:, None]
        if array.ndim != 2 or array.shape[0] != n_nodes:
            raise MalformedNetworkError(
                f"'positions' must have shape (n_nodes, n_dims) = ({n_nodes}, d). "
                f"Got {array.shape}."
            )
        if not np.all(np.isfinite(array)):
            raise MalformedNetworkError("'positions' must contain only finite coordinates.")
        return sealed(array)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_scipy(cls, matrix: Any, *, directed: bool = True, positions: ArrayLike | None = None,
                   **provenance: Any) -> Network:
        """Build a Network from a square scipy sparse array or matrix (row = presynaptic).

        Duplicate entries are summed and explicit zeros are kept as zero-weight synapses.

        Examples
        --------
        >>> import scipy.sparse as sp
        >>> net = netaval.Network.from_scipy(sp.csr_array(np.array([[0, 2.0], [0, 0]])))
        >>> net.indices.tolist(), net.weights.tolist()
        ([1], [2.0])
        """
        if not sp.issparse(matrix):
            raise InvalidParameterError(
                f"The 'matrix' parameter of Network.from_scipy must be a scipy sparse array "
                f"or matrix. Got {type(matrix).__name__} instead."
            )
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise MalformedNetworkError(f"The matrix must be square. Got shape {matrix.shape}.")
        if matrix.dtype.kind not in "biuf":
            raise MalformedNetworkError(f"The matrix must be real. Got dtype {matrix.dtype}.")
        # cast before converting: COO -> CSR sums duplicates in the input dtype (uint8 100 + 200
        # would be 44)
        csr = sp.csr_array(matrix.astype(np.float64, copy=True))
        csr.sum_duplicates()
        csr.sort_indices()
        return cls(csr.indptr, csr.indices, csr.data, n_nodes=matrix.shape[0],
                   directed=directed, positions=positions, **provenance)

    @classmethod
    def from_edges(cls, sources: ArrayLike, targets: ArrayLike, n_nodes: int,
                   weights: ArrayLike | None = None, *, directed: bool = True,
                   positions: ArrayLike | None = None, **provenance: Any) -> Network:
        """Build a Network from an edge list ``sources[e] -> targets[e]``.

        With ``directed=False`` each pair is stored in both directions. A repeated edge
        raises `MalformedNetworkError` naming it (sum them first if that is intended).

        Examples
        --------
        >>> net = netaval.Network.from_edges([0, 1], [1, 2], n_nodes=3, directed=False)
        >>> net.n_edges, net.out_degree.tolist()
        (4, [1, 2, 1])
        """
        src = _as_index_array("sources", sources, np.int64)
        dst = _as_index_array("targets", targets, np.int64)
        if src.shape != dst.shape:
            raise MalformedNetworkError(
                f"'sources' and 'targets' must have the same length. "
                f"Got {len(src)} and {len(dst)}."
            )
        if isinstance(n_nodes, bool) or not isinstance(n_nodes, int | np.integer) or not (
                0 <= n_nodes <= _MAX_NODES):
            raise MalformedNetworkError(f"'n_nodes' must be an int in [0, {_MAX_NODES}]. "
                                        f"Got {n_nodes!r}.")
        if not isinstance(directed, bool | np.bool_):
            raise MalformedNetworkError(f"'directed' must be a bool. Got {directed!r}.")
        from netaval._memory import beyond_memory

        excess = beyond_memory(16 * int(n_nodes))  # the row offsets and degree counts
        if excess is not None:
            raise InvalidParameterError(
                f"The 'n_nodes' parameter of Network.from_edges asks for {n_nodes} neurons, "
                f"whose row offsets need {excess}. Got {n_nodes}.")
        for name, ids in (("sources", src), ("targets", dst)):
            if len(ids) and (ids.min() < 0 or ids.max() >= n_nodes):
                bad = ids.min() if ids.min() < 0 else ids.max()
                raise MalformedNetworkError(
                    f"'{name}' must lie in [0, n_nodes) = [0, {n_nodes}). Got {bad}."
                )
        w = cls._checked_weights(weights, len(src))
        if not directed:
            src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
            loops = src == dst
            keep = ~loops
            keep[len(loops) // 2:] = True  # keep one copy of each self-loop
            src, dst, w = src[keep], dst[keep], np.concatenate([w, w])[keep]
        keys = src * max(int(n_nodes), 1) + dst
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        repeated = np.flatnonzero(keys[1:] == keys[:-1])
        if len(repeated):
            k = keys[repeated[0]]
            raise MalformedNetworkError(
                f"Edge ({k // n_nodes}, {k % n_nodes}) appears more than once; "
                "merge repeated edges (e.g. sum their weights) before building a Network."
            )
        indptr = np.zeros(int(n_nodes) + 1, dtype=np.int64)
        np.cumsum(np.bincount(src, minlength=int(n_nodes)), out=indptr[1:])
        return cls(indptr, dst[order].astype(np.int32), w[order], n_nodes=int(n_nodes),
                   directed=directed, positions=positions, **provenance)

    @classmethod
    def from_networkx(cls, graph: Any, *, weight: str | None = "weight") -> Network:
        """Build a Network from a networkx graph; nodes are numbered in ``graph.nodes`` order.

        Edges without the ``weight`` attribute get weight 1; multigraph parallel edges are
        summed. A node attribute ``pos`` present on every node becomes `positions`.

        Examples
        --------
        >>> import networkx as nx
        >>> net = netaval.Network.from_networkx(nx.path_graph(3))
        >>> net.directed, net.n_edges
        (False, 4)
        """
        import networkx as nx

        if not isinstance(graph, nx.Graph):
            raise InvalidParameterError(
                f"The 'graph' parameter of Network.from_networkx must be a networkx graph. "
                f"Got {type(graph).__name__} instead."
            )
        nodes = list(graph.nodes)
        if weight is not None and not isinstance(weight, str):
            raise InvalidParameterError(f"The 'weight' parameter of Network.from_networkx must "
                                        f"be an edge attribute name (str) or None. Got "
                                        f"{weight!r}.")
        matrix = nx.to_scipy_sparse_array(graph, nodelist=nodes, weight=weight, format="csr")
        positions = None
        pos = [graph.nodes[n].get("pos") for n in nodes]
        if nodes and all(p is not None for p in pos):
            positions = np.asarray(pos, dtype=np.float64)
        return cls.from_scipy(matrix, directed=graph.is_directed(), positions=positions)

    # ------------------------------------------------------------------ converters
    def to_scipy(self) -> sp.csr_array:
        """Return the weight matrix as a `scipy.sparse.csr_array` (row = presynaptic).

        Examples
        --------
        >>> netaval.Network.from_edges([0], [1], n_nodes=2).to_scipy().toarray().tolist()
        [[0.0, 1.0], [0.0, 0.0]]
        """
        return sp.csr_array((self.weights.copy(), self.indices.copy(), self.indptr.copy()),
                            shape=(self.n_nodes, self.n_nodes))

    def to_networkx(self) -> Any:
        """Return a `networkx.DiGraph` (or `Graph` if undirected) with ``weight`` on edges.

        Examples
        --------
        >>> g = netaval.Network.from_edges([0], [1], n_nodes=3).to_networkx()
        >>> g.number_of_nodes(), list(g.edges(data="weight"))
        (3, [(0, 1, 1.0)])
        """
        import networkx as nx

        graph = nx.DiGraph() if self.directed else nx.Graph()
        graph.add_nodes_from(range(self.n_nodes))
        sources = np.repeat(np.arange(self.n_nodes), self.out_degree)
        graph.add_weighted_edges_from(
            zip(sources.tolist(), self.indices.tolist(), self.weights.tolist(), strict=True)
        )
        if self.positions is not None:
            nx.set_node_attributes(graph, dict(enumerate(map(tuple, self.positions.tolist()))),
                                   "pos")
        return graph

    # ------------------------------------------------------------------ properties
    @property
    def n_edges(self) -> int:
        """Number of stored synapses (CSR entries); an undirected edge counts twice."""
        return int(len(self.indices))

    @property
    def out_degree(self) -> NDArray[np.int64]:
        """Number of postsynaptic targets of each neuron, shape (n_nodes,)."""
        return np.diff(self.indptr)

    @property
    def in_degree(self) -> NDArray[np.int64]:
        """Number of presynaptic sources of each neuron, shape (n_nodes,)."""
        return np.bincount(self.indices, minlength=self.n_nodes).astype(np.int64)

    @property
    def n_self_loops(self) -> int:
        """Number of synapses from a neuron onto itself."""
        sources = np.repeat(np.arange(self.n_nodes, dtype=np.int64), self.out_degree)
        return int(np.count_nonzero(sources == self.indices))

    @property
    def provenance(self) -> dict[str, Any]:
        """Where the network came from: generator name, parameters, seed entropy, size."""
        return {"topology": self.topology, "params": dict(self.params),
                "seed_entropy": self.seed_entropy, "n_nodes": self.n_nodes,
                "n_edges": self.n_edges, "directed": self.directed}

    def spectral_radius(self) -> float:
        """Largest eigenvalue modulus of the weight matrix.

        Exact (dense LAPACK) for up to 500 nodes; ARPACK (`scipy.sparse.linalg.eigsh` for
        undirected, `eigs` for directed networks) beyond. For non-negative weights this
        is the Perron root, which sets the critical point of branching dynamics on
        heterogeneous graphs (Larremore et al. 2011).

        Raises
        ------
        InvalidParameterError
            For a network without nodes.

        Examples
        --------
        >>> net = netaval.Network.from_edges([0, 1, 2], [1, 2, 0], n_nodes=3)
        >>> round(net.spectral_radius(), 6)
        1.0
        """
        if self.n_nodes == 0:
            raise InvalidParameterError("spectral_radius() is undefined for a network with no nodes.")
        if self.n_edges == 0:
            return 0.0
        matrix = self.to_scipy()
        if self.n_nodes <= 500:
            return float(np.max(np.abs(np.linalg.eigvals(matrix.toarray()))))
        from scipy.sparse.linalg import eigs, eigsh

        v0 = np.ones(self.n_nodes)  # deterministic start; positive like the Perron vector
        if not self.directed:
            value = eigsh(matrix, k=1, which="LM", return_eigenvectors=False, v0=v0)
        else:
            value = eigs(matrix, k=1, which="LM", return_eigenvectors=False, v0=v0,
                         maxiter=self.n_nodes * 20)
        return float(np.max(np.abs(value)))

    def __repr__(self) -> str:
        kind = "directed" if self.directed else "undirected"
        origin = f", topology={self.topology!r}" if self.topology else ""
        return f"Network(n_nodes={self.n_nodes}, n_edges={self.n_edges}, {kind}{origin})"
