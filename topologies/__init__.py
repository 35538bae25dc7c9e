"""Topology generators for netaval (ships with netaval; see DESIGN.md).

Each generator is ``name(n_nodes, *, <params>, seed=None) -> netaval.Network``, built in
bulk with numpy or a jitted builder, and registered by name. Third-party generators
plug in through the ``netaval.topologies`` entry-point group.

The generators import their kernels (numba) and `netaval.Network` (scipy.sparse) when they
are called, so that looking generators up and checking their parameters, as a study's
validation does in the calling process while the workers start, loads neither (0.4 s).
"""

from topologies._registry import (
    TopologySpec,
    available,
    describe_parameters,
    generate,
    get,
    register,
    required_parameters,
    unregister,
)
from topologies.lattices import lattice
from topologies.random_graphs import random, random_fixed_indegree
from topologies.scale_free_graphs import scale_free, scale_free_chung_lu
from topologies.small_world_graphs import small_world

__all__ = [
    "TopologySpec",
    "available",
    "generate",
    "get",
    "register",
    "unregister",
    "required_parameters",
    "describe_parameters",
    "random",
    "random_fixed_indegree",
    "small_world",
    "scale_free",
    "scale_free_chung_lu",
    "lattice",
]
