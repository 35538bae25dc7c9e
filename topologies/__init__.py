"""Topology generators for netaval (ships with netaval; see DESIGN.md).

Each generator is ``name(n_nodes, *, <params>, seed=None) -> netaval.Network``, built in
bulk with numpy or a jitted builder, and registered by name. Third-party generators
plug in through the ``netaval.topologies`` entry-point group.
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
