"""`rebuild_network`: the network of a run, regenerated from its provenance and verified."""

from __future__ import annotations

from os import PathLike
from typing import Any

import numpy as np

from netaval.errors import InvalidParameterError, InvariantError
from netaval.network import Network

__all__ = ["rebuild_network"]

OWNER = "rebuild_network"


def rebuild_network(run: Any, *, path: str | PathLike | None = None) -> Network:
    """Regenerate the network a run was simulated on, verify it, and attach it to the run.

    A generated network is rebuilt by calling its generator (``run.network["topology"]``)
    with the recorded size, parameters and seed entropy; a network read from a file
    (``topology="file"``) is re-read from ``path`` and must have the recorded SHA-256.
    The result is then verified: size, edge count and directedness as recorded, the same
    arrays as `Run.network_data` when the run has one, and every causal link of the
    run's events along a synapse of the network (`Events.check_invariants`). It is
    attached as ``run.network_data`` so ``run.save(path, include_network=True)`` works.

    Parameters
    ----------
    run : Run
        A simulated or loaded run.
    path : str or path-like, optional
        The network file, for runs on a network read by `netaval.io.read_network`.

    Returns
    -------
    Network

    Raises
    ------
    InvalidParameterError
        When the provenance cannot rebuild the network (no generator recorded, a
        generator seeded by a caller's Generator whose entropy was not recorded, a file
        network without ``path``, a file whose SHA-256 differs).
    InvariantError
        When the rebuilt network does not match the record (another netaval or
        generator version, or a tampered file).

    Examples
    --------
    >>> import topologies
    >>> net = topologies.random(200, k=5, seed=3)
    >>> run = netaval.simulate(net, netaval.Branching(sigma=0.9, drive=0.01), n_steps=50, seed=1)
    >>> loaded = netaval.Run(run.events, run.activity, run.model, run.network, run.seed, "driven",
    ...                      end_time=run.end_time)
    >>> rebuilt = netaval.rebuild_network(loaded)
    >>> bool(np.array_equal(rebuilt.indices, net.indices)), loaded.network_data is rebuilt
    (True, True)
    """
    from netaval.run import Run

    if not isinstance(run, Run):
        raise InvalidParameterError(f"The 'run' parameter of {OWNER} must be a Run. Got "
                                    f"{type(run).__name__} instead.")
    provenance = run.network if isinstance(run.network, dict) else {}
    topology = provenance.get("topology")
    params = dict(provenance.get("params") or {})
    if topology == "file":
        network = _reread(provenance, params, path)
    else:
        if path is not None:
            raise InvalidParameterError(f"The 'path' parameter of {OWNER} applies to runs on a "
                                        f"network file; this run's network came from "
                                        f"{topology!r}. Got {path!r}.")
        network = _regenerate(provenance, topology, params)
    _verify(run, network, provenance)
    object.__setattr__(run, "network_data", network)
    return network


def _reread(provenance: dict[str, Any], params: dict[str, Any], path) -> Network:
    from netaval.io.networks import read_network

    if path is None:
        raise InvalidParameterError(
            f"The 'path' parameter of {OWNER} is required: this run's network was read from "
            f"the file {params.get('file')!r} (SHA-256 {params.get('sha256')}).")
    network = read_network(path, format=params.get("format"), weight=params.get("weight"),
                           directed=provenance.get("directed"))
    if network.params.get("sha256") != params.get("sha256"):
        raise InvalidParameterError(
            f"The 'path' parameter of {OWNER}: {path!r} has SHA-256 "
            f"{network.params.get('sha256')}, but the run was simulated on a file with "
            f"SHA-256 {params.get('sha256')}.")
    return network


def _regenerate(provenance: dict[str, Any], topology: Any, params: dict[str, Any]) -> Network:
    import topologies

    if not isinstance(topology, str):
        raise InvalidParameterError(
            f"{OWNER} cannot rebuild this run's network: its provenance names no generator "
            f"(network={provenance}). Networks built by hand or with Network.from_* record "
            "none; save the run with include_network=True instead.")
    spec = topologies.get(topology)
    seed = provenance.get("seed_entropy")
    if spec.random and seed is None:
        raise InvalidParameterError(
            f"{OWNER} cannot rebuild this run's network: the {topology!r} generator was "
            "seeded without recorded entropy (a Generator passed as seed).")
    n_nodes = provenance.get("n_nodes")
    return topologies.generate(topology, n_nodes, seed=seed, **params)


def _verify(run: Any, network: Network, provenance: dict[str, Any]) -> None:
    for key in ("n_nodes", "n_edges", "directed"):
        recorded = provenance.get(key)
        if recorded is not None and recorded != getattr(network, key):
            raise InvariantError(f"{OWNER}: the rebuilt network has {key}="
                                 f"{getattr(network, key)!r}, the run recorded {recorded!r}.")
    stored = run.network_data
    if stored is not None:
        for name in ("indptr", "indices", "weights"):
            if not np.array_equal(getattr(stored, name), getattr(network, name)):
                raise InvariantError(f"{OWNER}: the rebuilt network's {name} differ from "
                                     "the run's network_data.")
    if run.events is not None:
        try:
            run.events.check_invariants(network)
        except InvariantError as exc:
            raise InvariantError(f"{OWNER}: the rebuilt network does not carry the run's "
                                 f"causal links: {exc}") from None
