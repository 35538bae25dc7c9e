"""A run's network: stored with the run, given back by load, rebuilt from provenance, and
``netaval run --network FILE`` on a user's file."""

import json
import subprocess
import sys

import networkx as nx
import numpy as np
import pytest

import netaval
import topologies


@pytest.fixture(scope="module")
def run():
    network = topologies.small_world(300, k=6, p=0.1, seed=4)
    return netaval.simulate(network, netaval.Branching(sigma=0.95, drive=0.005), n_steps=400, seed=5)


def test_simulate_attaches_the_network(run):
    """simulate keeps the network it ran on as run.network_data."""
    assert run.network_data is not None and run.network_data.n_edges == run.network["n_edges"]
    run.events.check_invariants(run.network_data)


def test_save_with_and_without_network(run, tmp_path):
    """include_network=True gives the same Network back; without it load has none."""
    run.save(tmp_path / "with.parquet", include_network=True)
    run.save(tmp_path / "without.parquet")
    back = netaval.load(tmp_path / "with.parquet")
    for name in ("indptr", "indices", "weights"):
        assert np.array_equal(getattr(back.network_data, name), getattr(run.network_data, name))
    assert back.network_data.directed == run.network_data.directed
    assert back.network_data.topology == "small_world" and back.network_data.params == run.network_data.params
    back.events.check_invariants(back.network_data)
    assert netaval.load(tmp_path / "without.parquet").network_data is None
    with pytest.raises(netaval.InvalidParameterError, match="'include_network'"):
        run.save(tmp_path / "x.parquet", include_network="yes")


def test_rebuild_from_provenance_is_verified(run, tmp_path):
    """rebuild_network regenerates the generator's network exactly and attaches it."""
    run.save(tmp_path / "run.parquet")
    loaded = netaval.load(tmp_path / "run.parquet")
    rebuilt = netaval.rebuild_network(loaded)
    assert loaded.network_data is rebuilt
    assert np.array_equal(rebuilt.indices, run.network_data.indices)
    loaded.save(tmp_path / "again.parquet", include_network=True)
    assert netaval.load(tmp_path / "again.parquet").network_data.n_edges == rebuilt.n_edges
    with pytest.raises(netaval.InvalidParameterError, match="needs run.network_data"):
        netaval.load(tmp_path / "run.parquet").save(tmp_path / "y.parquet", include_network=True)


def test_rebuild_refuses_a_network_that_does_not_match(run):
    """Tampered provenance (another seed) is caught by the verification, not trusted."""
    for change, match in [({"seed_entropy": 999}, "causal links|differ"),
                          ({"params": {"k": 4, "p": 0.1, "directed": False}}, "n_edges")]:
        fake = netaval.Run(run.events, run.activity, run.model, {**run.network, **change},
                           run.seed, run.protocol, end_time=run.end_time)
        with pytest.raises(netaval.InvariantError, match=match):
            netaval.rebuild_network(fake)
    handmade = netaval.Run(run.events, run.activity, run.model, {"topology": None}, run.seed,
                           run.protocol, end_time=run.end_time)
    with pytest.raises(netaval.InvalidParameterError, match="names no generator"):
        netaval.rebuild_network(handmade)
    with pytest.raises(netaval.InvalidParameterError, match="'run'"):
        netaval.rebuild_network(run.network_data)


def test_cli_run_on_a_network_file(tmp_path):
    """netaval run --network FILE simulates on the file's network, stores it, and a file
    network rebuilds from the same file (SHA-256 checked) but not from another one."""
    graph = nx.gnm_random_graph(200, 1600, seed=2, directed=True)
    nx.relabel_nodes(graph, {n: f"cell{n}" for n in graph}, copy=False)
    nx.write_graphml(graph, tmp_path / "mine.graphml")
    args = ["run", "--network", "mine.graphml", "--model", "branching", "--param", "sigma=0.9",
            "--param", "normalization=spectral", "--param", "drive=0.01", "--n-steps", "300",
            "--seed", "1", "--no-progress", "--out", "run.parquet"]
    done = subprocess.run([sys.executable, "-m", "netaval", *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    run = netaval.load(tmp_path / "run.parquet")
    assert run.network["topology"] == "file" and run.network["params"]["file"] == "mine.graphml"
    assert run.network_data.n_nodes == 200 and run.network_data.n_edges == 1600
    assert run.network_data.node_labels[0] == "cell0" and run.events.n_events > 0
    run.events.check_invariants(run.network_data)
    assert netaval.rebuild_network(run, path=tmp_path / "mine.graphml").n_edges == 1600
    (tmp_path / "other.graphml").write_text((tmp_path / "mine.graphml").read_text() + "\n")
    with pytest.raises(netaval.InvalidParameterError, match="SHA-256"):
        netaval.rebuild_network(run, path=tmp_path / "other.graphml")
    with pytest.raises(netaval.InvalidParameterError, match="'path' parameter .* is required"):
        netaval.rebuild_network(run)
    bad = subprocess.run([sys.executable, "-m", "netaval", *args, "--n-nodes", "5"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "--n-nodes applies to --topology" in bad.stderr
    both = subprocess.run([sys.executable, "-m", "netaval", *args, "--topology", "random"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert both.returncode == 2 and "not allowed with argument" in both.stderr


def test_saved_network_is_covered_by_the_metadata_checksum(run, tmp_path):
    """A stored network is part of the checksummed metadata: changing it is detected."""
    import pyarrow.parquet as pq

    run.save(tmp_path / "run.parquet", include_network=True)
    table = pq.read_table(tmp_path / "run.parquet")
    meta = json.loads(table.schema.metadata[b"netaval"])
    meta["network_data"]["n_nodes"] = 299
    raw = json.dumps(meta).encode()
    pq.write_table(table.replace_schema_metadata({**table.schema.metadata, b"netaval": raw}),
                   tmp_path / "tampered.parquet")
    with pytest.raises(netaval.CorruptFileError):
        netaval.load(tmp_path / "tampered.parquet")
