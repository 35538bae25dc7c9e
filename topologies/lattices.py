"""Hypercubic lattices (d = 1, 2, 3) with a von Neumann neighbourhood of radius r."""

from __future__ import annotations

import itertools
import numbers
from typing import TYPE_CHECKING

import numpy as np

from netaval._validation import Boolean, Interval
from topologies._common import require
from topologies._registry import register, validate_call

if TYPE_CHECKING:
    from netaval.network import Network

__all__ = ["lattice"]


def _von_neumann_offsets(dim: int, radius: int) -> np.ndarray:
    """Integer vectors with Manhattan norm 1..radius, shape (n_offsets, dim)."""
    axis = range(-radius, radius + 1)
    offsets = [o for o in itertools.product(axis, repeat=dim) if 1 <= sum(map(abs, o)) <= radius]
    return np.array(offsets, dtype=np.int64).reshape(-1, dim)


def _side(n_nodes: int, dim: int) -> int | None:
    """Integer ``L`` with ``L**dim == n_nodes``, or None."""
    side = round(n_nodes ** (1.0 / dim))
    for candidate in (side - 1, side, side + 1):
        if candidate >= 1 and candidate**dim == n_nodes:
            return candidate
    return None


def _check_lattice(n_nodes: int, params: dict) -> None:
    dim = int(params["dim"])
    require(_side(n_nodes, dim) is not None, "lattice",
            f"n_nodes must be a perfect dim-th power (L**{dim}) for dim = {dim}. Got {n_nodes}; "
            f"nearest valid sizes are "
            f"{sorted({max(1, round(n_nodes ** (1 / dim)) + d) ** dim for d in (-1, 0, 1)})}.")


@register(
    "lattice",
    constraints={"dim": Interval(numbers.Integral, 1, 3), "radius": Interval(numbers.Integral, 1, 10**4),
                 "periodic": Boolean()},
    example={"dim": 2, "radius": 1, "periodic": True},
    description="Hypercubic lattice (d = 1, 2, 3), von Neumann neighbourhood of radius r.",
    reference="Hypercubic lattice; von Neumann neighbourhood (Manhattan distance <= r).",
    random=False,
    check=_check_lattice,
)
def lattice(n_nodes: int, *, dim: int = 2, radius: int = 1, periodic: bool = True) -> Network:
    """Undirected hypercubic lattice with ``L**dim = n_nodes`` sites.

    Site ``s`` sits at integer coordinates ``numpy.unravel_index(s, (L,) * dim)`` (last
    coordinate fastest) and connects to every site at Manhattan distance ``1..radius``
    (the von Neumann neighbourhood), with periodic (torus) or open boundaries.

    Parameters
    ----------
    n_nodes : int
        Number of sites; must be a perfect ``dim``-th power ``L**dim``.
    dim : int, default 2
        Dimension, 1, 2 or 3.
    radius : int, default 1
        Neighbourhood radius r >= 1 (Manhattan distance).
    periodic : bool, default True
        Wrap around every axis (torus) or cut at the borders.

    Returns
    -------
    netaval.Network
        Undirected (each edge stored both ways), unit weights, no self-loops, no
        multi-edges, ``positions`` = integer coordinates as floats, shape (n_nodes, dim).

    Raises
    ------
    InvalidParameterError
        If ``n_nodes`` is not a perfect ``dim``-th power.

    Notes
    -----
    Deterministic. With periodic boundaries and ``L > 2 r`` every site has the same
    degree, the number of non-zero integer vectors of Manhattan norm <= r:
    ``2 r`` (d = 1), ``2 r (r + 1)`` (d = 2), ``(2 r + 1)(2 r^2 + 2 r + 3) / 3 - 1``
    (d = 3); e.g. 2 d for r = 1. With ``L <= 2 r`` wrapped neighbours coincide or hit the
    site itself; they are merged and the self-loop dropped, so degrees are smaller.
    Open boundaries lower the degree of border sites; for r = 1 there are
    ``d L^(d-1) (L - 1)`` edges. Time and memory O(n_nodes x neighbourhood size).

    References
    ----------
    .. [1] D. Stauffer and A. Aharony, "Introduction to Percolation Theory", 2nd ed.
       (Taylor & Francis, 1994), ch. 1 (lattices and neighbourhoods).

    Examples
    --------
    >>> import topologies
    >>> net = topologies.lattice(100, dim=2)
    >>> sorted(set(net.out_degree.tolist())), net.positions.shape
    ([4], (100, 2))
    >>> topologies.lattice(27, dim=3, periodic=False).n_edges // 2
    54
    """
    from netaval.network import Network
    from topologies._kernels import _lattice

    validate_call("lattice", n_nodes, {"dim": dim, "radius": radius, "periodic": periodic})
    side = _side(int(n_nodes), int(dim))
    offsets = _von_neumann_offsets(int(dim), int(radius))
    indptr, indices = _lattice(side, int(dim), offsets, bool(periodic))
    positions = np.indices((side,) * int(dim), dtype=np.float64).reshape(int(dim), -1).T
    return Network(indptr, indices, n_nodes=int(n_nodes), directed=False, positions=positions,
                   topology="lattice",
                   params={"dim": int(dim), "radius": int(radius), "periodic": bool(periodic)})
