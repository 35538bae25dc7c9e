"""Tests for netaval.io: exact save/load round trips, atomic writes, corrupt files, GraphML."""

import dataclasses
import errno
import io
import json
import os
import warnings
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass

import igraph
import networkx as nx
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_avalanches import example_run, random_network, random_run

import netaval
import topologies
from netaval.errors import CorruptFileError, InvalidParameterError, NetavalWarning
from netaval.io import load, save_run, write_graphml

EVENT_FIELDS = ("time", "neuron", "avalanche", "generation", "parent_indptr", "parent_ids")


#: Run fields a saved run does not keep, by design, and their value after load: the Run
#: docstring says final_state is "None for runs loaded from a file" and series is "not
#: saved by Run.save".
NOT_SAVED = {"final_state": None, "series": {}}
#: Fields every saveable run has at these values (Run.save needs the full record).
SAVED_RUNS_HAVE = {"record": "events", "summaries": None, "out": None}


def assert_runs_equal(a, b, *, include_network=False):
    """Every field of `Run` (values, types, dtypes) and every array of `Events` are identical.

    The fields are enumerated from the dataclass, so a field added to `Run` is compared too.
    ``network_data`` is saved only with ``include_network=True`` (else it loads as None).
    """
    for name in EVENT_FIELDS:
        x, y = getattr(a.events, name), getattr(b.events, name)
        assert x.dtype == y.dtype, name
        assert np.array_equal(x, y), name
    assert _same(a.events.end_time, b.events.end_time)
    assert a.events.time_step == b.events.time_step
    for field in dataclasses.fields(netaval.Run):
        if field.name == "events":
            continue
        if field.name in NOT_SAVED:
            assert _same(getattr(b, field.name), NOT_SAVED[field.name]), field.name
            continue
        if field.name == "network_data":
            assert_networks_equal(a.network_data if include_network else None, b.network_data)
            continue
        x, y = getattr(a, field.name), getattr(b, field.name)
        assert _same(x, y), field.name
        assert type(x) is type(y), field.name


def assert_networks_equal(a, b):
    """Two Networks (or None) with identical CSR arrays, flags, positions and provenance."""
    assert (a is None) == (b is None), "network_data"
    if a is not None:
        for name in ("indptr", "indices", "weights"):
            x, y = getattr(a, name), getattr(b, name)
            assert x.dtype == y.dtype and np.array_equal(x, y), f"network_data.{name}"
        assert (a.n_nodes, a.directed) == (b.n_nodes, b.directed), "network_data"
        assert _same(a.positions, b.positions), "network_data.positions"
        assert _same(a.node_labels, b.node_labels), "network_data.node_labels"
        assert _same((a.topology, a.params, a.seed_entropy),
                     (b.topology, b.params, b.seed_entropy)), "network_data provenance"


def _same(x, y):
    """Deep equality that compares arrays by dtype and value and NaN equal to NaN."""
    if isinstance(x, np.ndarray):
        return (isinstance(y, np.ndarray) and x.dtype == y.dtype
                and np.array_equal(x, y, equal_nan=x.dtype.kind == "f"))
    if isinstance(x, dict):
        return isinstance(y, dict) and x.keys() == y.keys() and all(_same(x[k], y[k]) for k in x)
    if isinstance(x, list | tuple):
        return (type(x) is type(y) and len(x) == len(y)
                and all(_same(u, v) for u, v in zip(x, y, strict=True)))
    if isinstance(x, float) and np.isnan(x):
        return isinstance(y, float) and np.isnan(y)
    return type(x) is type(y) and x == y


def with_metadata(run, **changes):
    """A copy of ``run`` with some fields replaced."""
    return netaval.Run(**{**run.__dict__, **{k: v for k, v in changes.items()}})


# ---------------------------------------------------------------------- saved runs
@pytest.mark.parametrize("continuous", [False, True], ids=["discrete", "continuous"])
def test_round_trip_exact(tmp_path, continuous):
    """A saved run loads back identical: arrays, dtypes and metadata."""
    _, run = example_run(1, continuous=continuous)
    run = with_metadata(run, seed=2**100 + 7, wall_time=0.125, end_time=80.0 if continuous
                        else 80, protocol_params={"n_steps": 80, "initial": None,
                                                  "nested": {"a": (1, 2.5), "b": [True]}},
                        rng_state={"bit_generator": "PCG64", "state": {"state": 2**127 + 1}})
    path = tmp_path / "run.parquet"
    run.save(path)
    assert_runs_equal(run, load(path))
    assert sorted(os.listdir(tmp_path)) == ["run.parquet"]


def test_round_trip_with_simulate(tmp_path):
    """A simulated run round-trips with its model rebuilt through the registry."""
    net = topologies.random(200, k=5, seed=1)
    run = netaval.simulate(net, netaval.Branching(sigma=0.9, drive=0.01), n_steps=100, seed=3)
    run.save(tmp_path / "run.parquet")
    back = load(tmp_path / "run.parquet")
    assert_runs_equal(run, back)
    assert isinstance(back.model, netaval.Branching) and back.model == run.model
    assert np.array_equal(back.avalanches.depth, run.avalanches.depth)
    cp = netaval.simulate(net, netaval.ContactProcess(rate=1.5, drive=0.01), duration=20.0,
                          seed=4)
    cp.save(tmp_path / "cp.parquet")
    assert_runs_equal(cp, load(tmp_path / "cp.parquet"))


@dataclass(frozen=True)
class UnregisteredModel:
    """A model class the registry does not know."""

    rate: float = 1.0
    weights: tuple = (1, 2)


def test_unknown_model_is_kept_as_dict(tmp_path):
    """A model the registry cannot rebuild comes back as a dict, with a warning."""
    _, run = example_run(2)
    run = with_metadata(run, model=UnregisteredModel(rate=2.5))
    run.save(tmp_path / "run.parquet")
    with pytest.warns(NetavalWarning, match="could not be rebuilt"):
        back = load(tmp_path / "run.parquet")
    assert back.model["class"] == "UnregisteredModel"
    assert back.model["params"] == {"rate": 2.5, "weights": (1, 2)}
    back.save(tmp_path / "again.parquet")  # a dict model saves back unchanged
    with pytest.warns(NetavalWarning):
        assert load(tmp_path / "again.parquet").model == back.model


def test_file_is_plain_parquet(tmp_path):
    """Other tools read the events table: columns, types and the list of parents."""
    _, run = example_run(3)
    run.save(tmp_path / "run.parquet")
    table = pq.read_table(tmp_path / "run.parquet")
    assert table.column_names == ["time", "neuron", "avalanche", "generation", "parents"]
    assert table.schema.field("parents").type == pa.large_list(pa.int32())
    parents = table.column("parents").to_pylist()
    e = int(np.flatnonzero(run.events.n_parents > 1)[0])
    ids = run.events.parent_ids[run.events.parent_indptr[e]:run.events.parent_indptr[e + 1]]
    assert parents[e] == ids.tolist()
    meta = json.loads(table.schema.metadata[b"netaval"])
    assert meta["format"] == "netaval.run" and meta["version"] == 2


def test_continuous_runs_keep_lifetimes_and_version_1_files_load(tmp_path):
    """A contact-process run saves its end_time column; a version-1 file (no column) loads
    with end_time None (unknown), and its discrete runs still derive theirs."""
    net = topologies.random(100, k=4, seed=1)
    run = netaval.simulate(net, netaval.ContactProcess(rate=1.5, drive=0.05), duration=10.0,
                           seed=2)
    still_active = np.isinf(run.events.end_time)
    assert still_active.any() and not still_active.all()
    assert np.array_equal(np.unique(run.events.avalanche[still_active]), run.alive_avalanches)
    run.save(tmp_path / "cp.parquet")
    table = pq.read_table(tmp_path / "cp.parquet")
    assert table.column_names[-1] == "end_time"
    assert table.schema.field("end_time").type == pa.float64()
    assert np.array_equal(load(tmp_path / "cp.parquet").events.end_time, run.events.end_time)
    data = os.path.join(os.path.dirname(__file__), "data")
    old = load(os.path.join(data, "format_v1_contact_driven.parquet"))
    assert old.events.time_step is None and old.events.end_time is None
    discrete = load(os.path.join(data, "format_v1_branching_driven.parquet"))
    assert np.array_equal(discrete.events.end_time, discrete.events.time + 1.0)


def test_overwrite_is_atomic_and_full_disk_leaves_nothing(tmp_path, monkeypatch):
    """A failing write (disk full) re-raises, leaves no temporary file, keeps the old file."""
    _, run = example_run(4)
    path = tmp_path / "run.parquet"
    run.save(path)
    before = path.read_bytes()

    def full_disk(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left on device.*Nothing was written") as info:
        with_metadata(run, seed=99).save(path)
    assert info.value.errno == errno.ENOSPC
    assert os.listdir(tmp_path) == ["run.parquet"] and path.read_bytes() == before
    with pytest.raises(OSError):
        run.save(tmp_path / "new.parquet")
    assert os.listdir(tmp_path) == ["run.parquet"]


def test_interrupted_write_leaves_nothing(tmp_path, monkeypatch):
    """An exception half-way through writing leaves no file that could be loaded."""
    _, run = example_run(5)

    def half_write(table, handle, **kwargs):
        handle.write(b"PAR1" + b"\0" * 100)
        raise KeyboardInterrupt

    monkeypatch.setattr(pq, "write_table", half_write)
    with pytest.raises(KeyboardInterrupt):
        run.save(tmp_path / "run.parquet")
    assert os.listdir(tmp_path) == []


def test_save_refuses_non_runs_and_unsaveable_values(tmp_path):
    """Saving something else, or metadata JSON cannot hold, raises InvalidParameterError."""
    with pytest.raises(InvalidParameterError, match="'run' parameter of save_run"):
        save_run({"events": 1}, tmp_path / "x.parquet")
    _, run = example_run(6)
    with pytest.raises(InvalidParameterError, match="Cannot save"):
        with_metadata(run, protocol_params={"f": object()}).save(tmp_path / "x.parquet")
    assert os.listdir(tmp_path) == []


def test_corrupt_and_foreign_files(tmp_path):
    """Truncated, corrupted, foreign and newer files raise CorruptFileError; missing files not."""
    _, run = example_run(7)
    good = tmp_path / "run.parquet"
    run.save(good)
    data = good.read_bytes()
    cases = {
        "empty": b"",
        "text": b"hello, this is not parquet at all",
        "truncated": data[: len(data) // 2],
        "no_tail": data[:-4],
    }
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(CorruptFileError, match="Cannot load a run from"):
            load(tmp_path / name)
    # flip bytes inside the column data: the checksum or the decoder catches it
    flipped = bytearray(data)
    for offset in range(8, 400, 7):
        flipped[offset] ^= 0xFF
    (tmp_path / "flipped").write_bytes(bytes(flipped))
    with pytest.raises(CorruptFileError):
        load(tmp_path / "flipped")
    pq.write_table(pa.table({"x": [1, 2, 3]}), tmp_path / "foreign.parquet")
    with pytest.raises(CorruptFileError, match="netaval did not write"):
        load(tmp_path / "foreign.parquet")
    table = pq.read_table(good)
    meta = json.loads(table.schema.metadata[b"netaval"])
    for key, value, message in (("version", 99, "newer"), ("format", "other", "unknown format"),
                                ("n_events", 3, "events, the metadata says"),
                                ("activity", {"x": 1}, "no .dtype. entry")):
        bad = table.replace_schema_metadata(signed_metadata({**meta, key: value}))
        pq.write_table(bad, tmp_path / f"bad_{key}.parquet")
        with pytest.raises(CorruptFileError, match=message):
            load(tmp_path / f"bad_{key}.parquet")
    checks = {**meta, "checksums": {**meta["checksums"], "neuron": 0}}
    pq.write_table(table.replace_schema_metadata(signed_metadata(checks)),
                   tmp_path / "bad_crc.parquet")
    with pytest.raises(CorruptFileError, match="checksum of 'neuron'"):
        load(tmp_path / "bad_crc.parquet")
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.parquet")


def signed_metadata(meta):
    """Schema metadata holding ``meta`` with its (recomputed) format-2 checksum."""
    raw = json.dumps(meta).encode()
    return {b"netaval": raw, b"netaval.crc32": str(zlib.crc32(raw)).encode()}


json_scalars = (st.none() | st.booleans() | st.integers(-2**70, 2**70)
                | st.floats(allow_nan=True) | st.text(max_size=5))
json_values = st.recursive(
    json_scalars, lambda inner: st.lists(inner, max_size=3)
    | st.tuples(inner, inner) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8)


BIT_GENERATORS = [np.random.PCG64, np.random.PCG64DXSM, np.random.MT19937, np.random.Philox,
                  np.random.SFC64]
models = st.none() | st.builds(
    netaval.Branching, sigma=st.floats(0.0, 1.0), refractory=st.integers(1, 5),
    drive=st.floats(0.0, 1.0), normalization=st.sampled_from(["out_degree", "spectral"])
) | st.builds(netaval.ContactProcess, rate=st.floats(0.0, 10.0), drive=st.floats(0.0, 10.0))


@given(seed=st.integers(0, 2**32 - 1), continuous=st.booleans(), n_steps=st.integers(0, 15),
       params=st.dictionaries(st.text(max_size=6), json_values, max_size=4),
       run_seed=st.none() | st.integers(0, 2**128), wall=st.floats(0, 1e9),
       truncated=st.booleans(), model=models, network=st.dictionaries(st.text(max_size=6),
                                                                       json_values, max_size=3),
       protocol=st.sampled_from(["driven", "spreading", "isolated"]),
       rng=st.none() | st.tuples(st.sampled_from(BIT_GENERATORS), st.integers(0, 2**64)),
       with_network=st.sampled_from([(False, False), (True, False), (True, True)]),
       data=st.data())
def test_property_save_load_round_trip(tmp_path_factory, seed, continuous, n_steps, params,
                                       run_seed, wall, truncated, model, network, protocol, rng,
                                       with_network, data):
    """Random runs with every `Run` field varied survive save/load exactly.

    Varied: events (discrete or continuous), activity, model (None, Branching,
    ContactProcess), network provenance, seed, protocol and its parameters, wall_time,
    truncated, end_time, alive_avalanches, rng_state (of five bit generators, which
    must still restore the stream after loading) and network_data (saved or not).
    """
    generator = np.random.default_rng(seed)
    net = random_network(int(generator.integers(2, 10)), 3, generator)
    run = random_run(net, n_steps, 0.3, 0.2, generator, continuous=continuous)
    n_av = run.events.n_avalanches
    alive = data.draw(st.lists(st.integers(0, max(n_av - 1, 0)), unique=True,
                               max_size=n_av), label="alive")
    if continuous:  # any stop time in (last event, n_steps] keeps n_steps unit bins
        last = float(run.events.time[-1]) if run.events.n_events else 0.0
        end_time = n_steps - data.draw(st.floats(0.0, min(0.999, n_steps - last)),
                                       label="end_time before n_steps") if n_steps else 0.0
    else:
        end_time = data.draw(st.sampled_from([int, float]), label="end_time type")(n_steps)
    rng_state = None if rng is None else np.random.Generator(rng[0](rng[1])).bit_generator.state
    fields = {"protocol_params": params, "seed": run_seed, "wall_time": wall,
              "activity": run.activity,
              "truncated": truncated, "end_time": end_time, "model": model, "network": network,
              "protocol": protocol, "alive_avalanches": np.array(alive, np.int32),
              "rng_state": rng_state, "network_data": net if with_network[0] else None}
    assert set(fields) | set(SAVED_RUNS_HAVE) | set(NOT_SAVED) == {
        f.name for f in dataclasses.fields(netaval.Run)} - {"events"}, "a Run field is not varied"
    run = with_metadata(run, **fields, **SAVED_RUNS_HAVE)
    path = tmp_path_factory.mktemp("rt") / "run.parquet"
    run.save(path, include_network=with_network[1])
    back = load(path)
    assert_runs_equal(run, back, include_network=with_network[1])
    assert np.array_equal(back.avalanches.truncated, run.avalanches.truncated)
    if rng_state is not None:
        restored = np.random.Generator(rng[0]())
        restored.bit_generator.state = back.rng_state
        assert restored.random() == np.random.Generator(rng[0](rng[1])).random()


def test_saved_network_keeps_its_own_provenance(tmp_path):
    """network_data comes back with its own provenance, whatever the free-form run.network
    holds (a non-dict 'params' there made the file unloadable)."""
    net = topologies.generate("random", 30, k=3.0, seed=4)
    run = netaval.simulate(net, netaval.Branching(sigma=0.9, drive=0.05), n_steps=20, seed=1)
    for network in ({"params": True}, {"topology": "lattice", "params": {"k": 1}}, {}):
        edited = with_metadata(run, network=network)
        edited.save(tmp_path / "r.parquet", include_network=True)
        back = load(tmp_path / "r.parquet")
        assert back.network == network
        assert_networks_equal(net, back.network_data)
        assert back.network_data.topology == "random" and back.network_data.params["k"] == 3.0


# ---------------------------------------------------------------------- GraphML
def graphml_bytes(obj, engine="fast"):
    buffer = io.BytesIO()
    write_graphml(obj, buffer, engine=engine)
    return buffer.getvalue()


def keys_of(content):
    """(name, scope) -> type of every declared key."""
    root = ET.fromstring(content)
    return {(k.get("attr.name"), k.get("for")): k.get("attr.type")
            for k in root.findall("{http://graphml.graphdrawing.org/xmlns}key")}


def same_graph(a, b):
    """Two networkx graphs with identical nodes, edges and attributes (with their types)."""
    def typed(d):
        return {k: (type(v), v) for k, v in d.items()}
    assert a.is_directed() == b.is_directed()
    assert {n: typed(d) for n, d in a.nodes(data=True)} == \
        {n: typed(d) for n, d in b.nodes(data=True)}
    assert {(u, v): typed(d) for u, v, d in a.edges(data=True)} == \
        {(u, v): typed(d) for u, v, d in b.edges(data=True)}
    assert typed(a.graph) == typed(b.graph)


def assert_portable(content):
    """Keys declared once per (name, scope) with explicit types; booleans in lower case."""
    root = ET.fromstring(content)
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    keys = root.findall("g:key", ns)
    declared = [(k.get("attr.name"), k.get("for")) for k in keys]
    assert len(declared) == len(set(declared))
    assert all(k.get("attr.type") in {"boolean", "int", "long", "float", "double", "string"}
               for k in keys)
    booleans = {k.get("id") for k in keys if k.get("attr.type") == "boolean"}
    values = {d.text for d in root.iter("{http://graphml.graphdrawing.org/xmlns}data")
              if d.get("key") in booleans}
    assert values <= {"true", "false"}
    ids = [n.get("id") for n in root.iter("{http://graphml.graphdrawing.org/xmlns}node")]
    assert all(i.isdigit() for i in ids)


def read_igraph(content, tmp_path):
    path = tmp_path / "graph.graphml"
    path.write_bytes(content)
    return igraph.Graph.Read_GraphML(str(path))


def check_dag_file(content, expected, tmp_path, *, with_avalanche):
    """networkx and igraph read back the same nodes, edges and attributes as ``expected``."""
    assert_portable(content)
    back = nx.read_graphml(io.BytesIO(content), node_type=int)
    assert back.is_directed()
    assert dict(back.nodes(data=True)) == dict(expected.nodes(data=True))
    assert {(u, v): d for u, v, d in back.edges(data=True)} == \
        {(u, v): d for u, v, d in expected.edges(data=True)}
    for key, value in expected.graph.items():
        assert back.graph[key] == value and type(back.graph[key]) is type(value), key
    g = read_igraph(content, tmp_path)
    assert g.is_directed() and g.vcount() == expected.number_of_nodes()
    node_of = [int(i) for i in g.vs["id"]]
    names = ["neuron", "time", "generation"] + (["avalanche"] if with_avalanche else [])
    for name in names if node_of else ():  # igraph declares no attribute of an empty graph
        assert [expected.nodes[n][name] for n in node_of] == g.vs[name], name
    edges = {(node_of[e.source], node_of[e.target]): e["primary"] for e in g.es}
    assert edges == {(u, v): d["primary"] for u, v, d in expected.edges(data=True)}
    for key, value in expected.graph.items():
        assert g[key] == value, key


@pytest.mark.parametrize("continuous", [False, True], ids=["discrete", "continuous"])
def test_graphml_one_avalanche(tmp_path, continuous):
    """One DAG: nodes, edges, attributes and summary read back exactly in networkx and igraph."""
    _, run = example_run(8, continuous=continuous)
    av = run.avalanches
    dag = av[int(np.argmax(av.size))]
    content = graphml_bytes(dag)
    check_dag_file(content, dag.to_networkx(), tmp_path, with_avalanche=False)
    back = nx.read_graphml(io.BytesIO(content), node_type=int)
    assert nx.dag_longest_path_length(back) == dag.depth
    assert back.graph["truncated"] is dag.truncated


def test_graphml_selection_and_path(tmp_path):
    """A selection writes one graph of all its DAGs with an avalanche attribute, to a path."""
    _, run = example_run(9)
    top = run.avalanches.largest(5)
    path = tmp_path / "top.graphml"
    write_graphml(top, path)
    content = path.read_bytes()
    expected = top.to_networkx()
    expected.graph["n_avalanches"] = 5
    check_dag_file(content, expected, tmp_path, with_avalanche=True)
    back = nx.read_graphml(path, node_type=int)
    for k in range(len(top)):
        nodes = [n for n, d in back.nodes(data=True) if d["avalanche"] == top.ids[k]]
        assert len(nodes) == top.size[k]
        assert nx.dag_longest_path_length(back.subgraph(nodes)) == top.depth[k]
    top[0].write_graphml(tmp_path / "one.graphml")
    top.write_graphml(tmp_path / "all.graphml")
    assert (tmp_path / "all.graphml").read_bytes() == content


@pytest.mark.parametrize("directed", [True, False], ids=["directed", "undirected"])
def test_graphml_network(tmp_path, directed):
    """A Network exports with weights, positions and provenance; igraph agrees."""
    rng = np.random.default_rng(0)
    net = topologies.random(30, k=4, directed=directed, seed=2)
    net = netaval.Network(net.indptr, net.indices, rng.random(net.n_edges) if directed
                          else net.weights, n_nodes=net.n_nodes, directed=directed,
                          positions=rng.random((30, 2)), topology=net.topology,
                          params=net.params, seed_entropy=net.seed_entropy)
    content = graphml_bytes(net)
    assert_portable(content)
    back = nx.read_graphml(io.BytesIO(content), node_type=int)
    assert back.is_directed() == directed
    assert sorted(back.nodes) == list(range(30))
    expected = {(int(u), int(v)): w for u, v, w in zip(
        np.repeat(np.arange(30), net.out_degree), net.indices, net.weights, strict=True)}
    got = {(u, v): d["weight"] for u, v, d in back.edges(data=True)}
    if directed:
        assert got == expected
    else:
        assert {(min(u, v), max(u, v)): w for (u, v), w in got.items()} == \
            {k: w for k, w in expected.items() if k[0] <= k[1]}
    assert [back.nodes[i]["x"] for i in range(30)] == net.positions[:, 0].tolist()
    assert back.graph["topology"] == "random" and back.graph["directed"] is directed
    assert json.loads(back.graph["params"]) == json.loads(json.dumps(net.params))
    assert back.graph["seed_entropy"] == str(net.seed_entropy)
    g = read_igraph(content, tmp_path)
    assert g.is_directed() == directed and g.vcount() == 30 and g.ecount() == len(got)
    assert g.vs["y"] == net.positions[:, 1].tolist()


def test_graphml_engines_agree(tmp_path):
    """The fast writer and networkx's writer give the same graphs, keys and types."""
    _, run = example_run(11, continuous=True)
    av = run.avalanches
    net = topologies.random(40, k=3, seed=5)
    for obj in (av[int(np.argmax(av.size))], av.largest(4), net, av[np.zeros(len(av), bool)]):
        fast, slow = graphml_bytes(obj), graphml_bytes(obj, engine="networkx")
        if keys_of(fast) != keys_of(slow):  # networkx declares no key of an empty graph
            assert set(keys_of(slow)) < set(keys_of(fast)) and b"<node" not in fast
        same_graph(nx.read_graphml(io.BytesIO(fast), node_type=int),
                   nx.read_graphml(io.BytesIO(slow), node_type=int))
        assert_portable(slow)
    with pytest.raises(InvalidParameterError, match="'engine' parameter"):
        write_graphml(net, io.BytesIO(), engine="xml")


def test_graphml_refuses_other_objects():
    """Anything but a DAG view, a collection or a Network is refused by name."""
    with pytest.raises(InvalidParameterError, match="'obj' parameter of write_graphml"):
        write_graphml([1, 2], io.BytesIO())
    with pytest.raises(InvalidParameterError, match="'obj' parameter of write_graphml"):
        write_graphml([1, 2], io.BytesIO(), engine="networkx")


@given(seed=st.integers(0, 2**32 - 1), continuous=st.booleans())
def test_property_graphml_round_trip(tmp_path_factory, seed, continuous):
    """Random DAGs and selections write and read back identically in networkx and igraph."""
    rng = np.random.default_rng(seed)
    network = random_network(int(rng.integers(2, 10)), 3, rng)
    run = random_run(network, int(rng.integers(1, 10)), 0.3, 0.2, rng, continuous=continuous)
    av = run.avalanches
    tmp_path = tmp_path_factory.mktemp("g")
    selection = av[rng.random(len(av)) < 0.5]
    expected = selection.to_networkx()
    expected.graph["n_avalanches"] = len(selection)
    check_dag_file(graphml_bytes(selection), expected, tmp_path, with_avalanche=True)
    if len(av):
        dag = av[int(rng.integers(len(av)))]
        check_dag_file(graphml_bytes(dag), dag.to_networkx(), tmp_path, with_avalanche=False)


def test_saved_file_permissions_follow_umask(tmp_path):
    """The renamed file gets the usual permissions (0o666 minus the umask), not mkstemp's."""
    _, run = example_run(12)
    old = os.umask(0o027)
    try:
        run.save(tmp_path / "run.parquet")
    finally:
        os.umask(old)
    assert (tmp_path / "run.parquet").stat().st_mode & 0o777 == 0o640


def test_missing_directory_is_a_clear_oserror(tmp_path):
    """Saving into a folder that does not exist raises FileNotFoundError naming the path."""
    _, run = example_run(13)
    with pytest.raises(FileNotFoundError):
        run.save(tmp_path / "nowhere" / "run.parquet")


# ------------------------------------------------ saved runs, pinned exactly (mutation testing)
# Written from mutmut on netaval/io/runs.py: exact messages (a substring match cannot see
# a changed literal), the boundaries of every consistency rule, and the metadata entries
# no round trip reads.
def tiny_run(*, continuous=False, **changes):
    """Two events (0 -> 1) in one avalanche, activity [1, 1], end_time 2; ``changes`` replace fields."""
    ev = netaval.Events(time=np.array([0.0, 1.0] if continuous else [0, 1]),
                        neuron=np.array([0, 1], np.int32), avalanche=np.array([0, 0], np.int32),
                        generation=np.array([0, 1], np.int32), parent_indptr=np.array([0, 0, 1]),
                        parent_ids=np.array([0], np.int32),
                        time_step=None if continuous else 1.0)
    run = netaval.Run(ev, np.array([1, 1]), None, {"topology": "random"}, 7, "driven",
                      end_time=2.0 if continuous else 2)
    return with_metadata(run, **changes)


def _events(time, avalanche=(0, 0)):
    return netaval.Events(time=np.array(time), neuron=np.array([0, 1], np.int32),
                          avalanche=np.array(avalanche, np.int32),
                          generation=np.array([0, 1 - avalanche[1]], np.int32),
                          parent_indptr=np.array([0, 0, 1 - avalanche[1]]),
                          parent_ids=np.array([0][:1 - avalanche[1]], np.int32),
                          time_step=None if np.asarray(time).dtype.kind == "f" else 1.0)


INCONSISTENT = "The 'run' parameter of save_run holds an inconsistent run, which could not be loaded back: "


@pytest.mark.parametrize(("changes", "reason"), [
    (dict(truncated=1), "'truncated' must be a bool. Got 1"),
    (dict(protocol="x"), "'protocol' must be one of ('driven', 'spreading', 'isolated'). Got 'x'"),
    (dict(seed=True), "'seed' must be a non-negative int or None. Got True"),
    (dict(seed=1.0), "'seed' must be a non-negative int or None. Got 1.0"),
    (dict(seed=-1), "'seed' must be a non-negative int or None. Got -1"),
    (dict(protocol_params=[]), "'protocol_params' must be a mapping"),
    (dict(end_time=True), "'end_time' must be a finite time >= 0. Got True"),
    (dict(end_time="2"), "'end_time' must be a finite time >= 0. Got '2'"),
    (dict(end_time=float("inf")), "'end_time' must be a finite time >= 0. Got inf"),
    (dict(end_time=-1), "'end_time' must be a finite time >= 0. Got -1"),
    (dict(activity=np.array([[1, 1]])),
     "'activity' must be a 1-dimensional integer array. Got dtype int64, shape (1, 2)"),
    (dict(activity=np.array([1.0, 1.0])),
     "'activity' must be a 1-dimensional integer array. Got dtype float64, shape (2,)"),
    (dict(alive_avalanches=np.array([0.0])),
     "'alive_avalanches' must be a 1-dimensional integer array. Got dtype float64, shape (1,)"),
    (dict(activity=np.array([2])), "'activity' has 1 bins, but end_time 2 implies 2"),
    (dict(protocol_params={"n_carried": True}),
     "the protocol parameter 'n_carried' must be an int in [0, n_events]. Got True"),
    (dict(protocol_params={"n_carried": 1.0}),
     "the protocol parameter 'n_carried' must be an int in [0, n_events]. Got 1.0"),
    (dict(protocol_params={"n_carried": -1}),
     "the protocol parameter 'n_carried' must be an int in [0, n_events]. Got -1"),
    (dict(protocol_params={"n_carried": 3}),
     "the protocol parameter 'n_carried' must be an int in [0, n_events]. Got 3"),
    (dict(activity=np.array([2, 1])),
     "'activity' counts 3 events (every count >= 0), the events number 2"),
    (dict(activity=np.array([3, -1])),
     "'activity' counts 2 events (every count >= 0), the events number 2"),
    (dict(protocol_params={"n_carried": 1}),
     "'activity' counts 2 events (every count >= 0), the events number 1"),
    (dict(events=_events([0, 2])), "event times [0, 2] lie outside the run's window [0, end_time = 2)"),
    (dict(events=_events([-1, 1])), "event times [-1, 1] lie outside the run's window [0, end_time = 2)"),
    (dict(events=_events([0.0, 2.5])),
     "event times [0.0, 2.5] lie outside the run's window [0, end_time = 2.0)"),
    (dict(alive_avalanches=np.array([1], np.int32)),
     "'alive_avalanches' must hold avalanche ids in [0, 1). Got range [1, 1]"),
    (dict(alive_avalanches=np.array([-1, 0], np.int32)),
     "'alive_avalanches' must hold avalanche ids in [0, 1). Got range [-1, 0]"),
], ids=lambda v: "" if isinstance(v, str) else "-".join(f"{k}" for k in v))
def test_save_names_each_inconsistency_exactly(tmp_path, changes, reason):
    """Each consistency rule of a run refuses with its own exact message, nothing written."""
    continuous = "events" in changes and changes["events"].time_step is None
    with pytest.raises(InvalidParameterError) as info:
        tiny_run(continuous=continuous, **changes).save(tmp_path / "x.parquet")
    assert str(info.value) == INCONSISTENT + reason + "."
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("changes", [
    dict(seed=0), dict(seed=None), dict(seed=np.int64(3)), dict(end_time=2.0),
    dict(alive_avalanches=np.array([])), dict(alive_avalanches=np.array([0], np.int32)),
    dict(activity=np.array([0, 2])), dict(protocol_params={"n_carried": 2}, activity=np.array([0, 0])),
    dict(protocol_params={"n_carried": 1}, activity=np.array([0, 1])),
    dict(events=_events([0.0, 2.0]), activity=np.array([1, 1])),
    dict(events=_events([0.0, 1.5]), end_time=1.5, activity=np.array([1, 1])),
    dict(events=_events([0, 0], avalanche=(0, 1)), activity=np.array([2, 0]),
         alive_avalanches=np.array([1], np.int32), truncated=np.bool_(True)),
    dict(events=netaval.Events.empty(), activity=np.zeros(0, np.int64), end_time=0),
    dict(events=netaval.Events.empty(), activity=np.zeros(0, np.int64), end_time=0,
         network={"topology": "random", "n_nodes": 0}),
], ids=["seed-0", "seed-none", "seed-np", "end-float", "alive-empty-float", "alive-top",
        "activity-zero-bin", "all-carried", "one-carried", "continuous-last-at-end",
        "continuous-fractional-end", "two-avalanches", "empty", "empty-n-nodes-0"])
def test_runs_at_the_boundaries_of_the_rules_save_and_load(tmp_path, changes):
    """Values at the edge of each rule are valid: they save and load back exactly."""
    continuous = "events" in changes and changes["events"].time_step is None
    run = tiny_run(continuous=continuous, **changes)
    run.save(tmp_path / "ok.parquet")
    back = load(tmp_path / "ok.parquet")
    assert back.truncated is bool(run.truncated) and back.seed == run.seed
    assert back.end_time == run.end_time and type(back.end_time) is type(run.end_time)
    assert back.alive_avalanches.dtype == np.int32 and back.activity.dtype == np.int64
    assert back.alive_avalanches.tolist() == run.alive_avalanches.tolist()
    assert back.activity.tolist() == run.activity.tolist()
    assert back.protocol_params == run.protocol_params


def test_save_refusals_name_the_parameter_exactly(tmp_path):
    """The messages of save_run's own checks, word for word."""
    run = tiny_run()
    cases = [
        (lambda: save_run({"events": 1}, tmp_path / "x.parquet"),
         "The 'run' parameter of save_run must be a Run. Got dict instead."),
        (lambda: save_run(run, tmp_path / "x.parquet", include_network=1),
         "The 'include_network' parameter of save_run must be a bool. Got 1 instead."),
        (lambda: save_run(run, tmp_path / "x.parquet", include_network=True),
         "The 'include_network' parameter of save_run needs run.network_data, but this run "
         "has no network attached (e.g. it was loaded from a file saved without it); "
         "attach one with netaval.rebuild_network(run)."),
        (lambda: with_metadata(run, model=3).save(tmp_path / "x.parquet"),
         "Cannot save the model 3: it is neither a dataclass nor an object with attributes."),
    ]
    for call, message in cases:
        with pytest.raises(InvalidParameterError) as info:
            call()
        assert str(info.value) == message
    for call, owner in ((lambda: save_run(run, 3), "save_run"), (lambda: load(3), "load")):
        with pytest.raises(InvalidParameterError) as info:
            call()
        assert str(info.value).startswith(f"The 'path' parameter of {owner} must be ")
    save_run(run, tmp_path / "x.parquet", include_network=np.bool_(False))
    assert os.listdir(tmp_path) == ["x.parquet"]


class PlainModel:
    """A model that is not a dataclass: its public attributes are its parameters."""

    def __init__(self, rate=1.0):
        self.rate = rate
        self.name = 5  # not a str: not stored as the registry name
        self._cache = "private"


def test_saved_metadata_entries_are_exact(tmp_path):
    """The metadata JSON holds the format, version, netaval version and each field as written."""
    from importlib.metadata import version

    run = tiny_run(wall_time=1.5, truncated=True, alive_avalanches=np.array([0], np.int32),
                   rng_state={"state": 3}, protocol_params={"n_steps": 2},
                   model=netaval.Branching(sigma=0.5))
    run.save(tmp_path / "r.parquet")
    meta = json.loads(pq.read_table(tmp_path / "r.parquet").schema.metadata[b"netaval"])
    assert meta["format"] == netaval.io.runs.FORMAT_NAME == "netaval.run"
    assert meta["version"] == netaval.io.runs.FORMAT_VERSION == 2
    assert meta["netaval_version"] == version("netaval")
    assert (meta["n_events"], meta["time_step"], meta["seed"], meta["protocol"]) == (2, 1.0, 7, "driven")
    assert (meta["wall_time"], meta["truncated"], meta["end_time"]) == (1.5, True, 2)
    assert meta["rng_state"] == {"state": 3} and meta["protocol_params"] == {"n_steps": 2}
    assert meta["network"] == {"topology": "random"} and "network_data" not in meta
    assert sorted(meta["checksums"]) == sorted(EVENT_FIELDS)
    assert meta["model"]["class"] == "Branching" and meta["model"]["module"] == "netaval.models.branching"
    assert meta["model"]["params"]["sigma"] == 0.5 and meta["model"]["name"] == "branching"
    plain = with_metadata(run, model=PlainModel(2.0))
    plain.save(tmp_path / "p.parquet")
    spec = json.loads(pq.read_table(tmp_path / "p.parquet").schema.metadata[b"netaval"])["model"]
    assert spec == {"class": "PlainModel", "module": __name__, "name": None,
                    "params": {"rate": 2.0, "name": 5}}


def _saved_tiny(tmp_path, **changes):
    """A saved tiny run: its path, its table and its metadata dict."""
    path = tmp_path / "tiny.parquet"
    tiny_run(**changes).save(path)
    table = pq.read_table(path)
    return path, table, json.loads(table.schema.metadata[b"netaval"])


def _load_message(path):
    with pytest.raises(CorruptFileError) as info:
        load(path)
    prefix = f"Cannot load a run from {path}: "
    message = str(info.value)
    assert message.startswith(prefix) and message.endswith("."), message
    return message[len(prefix):-1]


def test_files_that_are_not_parquet_are_named_exactly(tmp_path):
    """Magic bytes, length 12 (the smallest Parquet file) and the reader's own failure."""
    bad_magic = "not a Parquet file (bad magic bytes)"
    truncated = "the file is truncated or not a Parquet file (bad magic bytes)"
    cases = {b"": truncated, b"PAR1": truncated, b"PAR1PAR1": truncated, b"PAR1123PAR1": truncated,
             b"hello, world": bad_magic, b"XAR1" + bytes(4) + b"PAR1": bad_magic,
             b"PAR1" + bytes(4) + b"XAR1": truncated, b"PAR1" + bytes(100): truncated}
    for k, (content, reason) in enumerate(cases.items()):
        (tmp_path / f"f{k}").write_bytes(content)
        assert _load_message(tmp_path / f"f{k}") == reason, content
    (tmp_path / "twelve").write_bytes(b"PAR1" + bytes(4) + b"PAR1")
    assert _load_message(tmp_path / "twelve").startswith("the Parquet data cannot be read (")


def test_foreign_and_rewritten_metadata_are_named_exactly(tmp_path):
    """Each refusal of the metadata layer, word for word."""
    from netaval.io._json import encode_array

    path, table, meta = _saved_tiny(tmp_path)

    def rewritten(name, metadata):
        pq.write_table(table.replace_schema_metadata(metadata), tmp_path / name)
        return tmp_path / name

    pq.write_table(pa.table({"x": [1]}), tmp_path / "foreign.parquet")
    assert _load_message(tmp_path / "foreign.parquet") == \
        "a Parquet file that netaval did not write (no 'netaval' metadata)"
    raw = table.schema.metadata[b"netaval"]
    stale = rewritten("stale", {b"netaval": raw.replace(b'"seed": 7', b'"seed": 8'),
                                b"netaval.crc32": table.schema.metadata[b"netaval.crc32"]})
    assert _load_message(stale) == "the checksum of the metadata does not match (corrupted metadata)"
    assert _load_message(rewritten("nocrc", {b"netaval": raw})) == "the checksum of the metadata is missing"
    cases = [
        ({"format": "other"}, "unknown format 'other', expected 'netaval.run'"),
        ({"format": None}, "unknown format None, expected 'netaval.run'"),
        ({"version": True}, "format version True is not a positive int"),
        ({"version": 0}, "format version 0 is not a positive int"),
        ({"version": "2"}, "format version '2' is not a positive int"),
        ({"version": 3}, "format version 3 is newer than this netaval reads (2); upgrade netaval"),
        ({"n_events": 3}, "2 events, the metadata says 3"),
        ({"time_step": None}, "column 'time' has dtype int64, expected float64"),
        ({"checksums": {**meta["checksums"], "parent_ids": 1}},
         "the checksum of 'parent_ids' does not match (corrupted data)"),
        ({"checksums": {**meta["checksums"], "generation": 1}},
         "the checksum of 'generation' does not match (corrupted data)"),
        ({"truncated": 1}, "the metadata is inconsistent: 'truncated' must be a bool. Got 1"),
        ({"end_time": 1, "activity": encode_array(np.array([2]))},
         "the metadata is inconsistent: event times [0, 1] lie outside the run's window "
         "[0, end_time = 1)"),
        ({"activity": {"x": 1}}, "the metadata has no 'dtype' entry"),
        ({"activity": [1, 1]}, "its metadata is malformed (TypeError: list indices must be "
                               "integers or slices, not str)"),
    ]
    for k, (changes, reason) in enumerate(cases):
        assert _load_message(rewritten(f"c{k}", signed_metadata({**meta, **changes}))) == reason, changes
    wide = table.set_column(1, "neuron", table.column("neuron").cast(pa.int64()))
    pq.write_table(wide.replace_schema_metadata(table.schema.metadata), tmp_path / "wide")
    assert _load_message(tmp_path / "wide") == "column 'neuron' has dtype int64, expected int32"
    not_a_dict = rewritten("list", signed_metadata([1]))
    assert _load_message(not_a_dict) == "unknown format None, expected 'netaval.run'"
    version_1 = {k: v for k, v in meta.items()}
    version_1["version"] = 1
    back = load(rewritten("v1", {b"netaval": json.dumps(version_1).encode()}))
    assert back.seed == 7 and back.events.n_events == 2  # format 1 had no metadata checksum



# ------------------------------------------------ GraphML, pinned exactly (mutation testing)
def test_graphml_text_is_exact_for_a_small_network():
    """The fast writer's output, byte for byte, for a weighted network with provenance."""
    net = netaval.Network(np.array([0, 1, 2, 2]), np.array([1, 2]), np.array([0.5, 2.0]),
                          n_nodes=3, topology="a<b&c", params={"z": 1, "a": (2, 3)},
                          seed_entropy=2**70)
    text = graphml_bytes(net).decode("utf-8")
    assert text == (
        "<?xml version='1.0' encoding='utf-8'?>\n"
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
        'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
        '  <key id="d0" for="graph" attr.name="n_nodes" attr.type="long" />\n'
        '  <key id="d1" for="graph" attr.name="n_edges" attr.type="long" />\n'
        '  <key id="d2" for="graph" attr.name="directed" attr.type="boolean" />\n'
        '  <key id="d3" for="graph" attr.name="topology" attr.type="string" />\n'
        '  <key id="d4" for="graph" attr.name="params" attr.type="string" />\n'
        '  <key id="d5" for="graph" attr.name="seed_entropy" attr.type="string" />\n'
        '  <key id="d6" for="edge" attr.name="weight" attr.type="double" />\n'
        '  <graph edgedefault="directed">\n'
        '    <data key="d0">3</data>\n'
        '    <data key="d1">2</data>\n'
        '    <data key="d2">true</data>\n'
        '    <data key="d3">a&lt;b&amp;c</data>\n'
        '    <data key="d4">{"a": {"__tuple__": [2, 3]}, "z": 1}</data>\n'
        f'    <data key="d5">{2**70}</data>\n'
        '    <node id="0" />\n'
        '    <node id="1" />\n'
        '    <node id="2" />\n'
        '    <edge source="0" target="1"><data key="d6">0.5</data></edge>\n'
        '    <edge source="1" target="2"><data key="d6">2.0</data></edge>\n'
        '  </graph>\n</graphml>\n')
    back = nx.read_graphml(io.BytesIO(graphml_bytes(net, engine="networkx")), node_type=int)
    assert {k: v for k, v in back.graph.items() if not k.endswith("_default")} == {
        "n_nodes": 3, "n_edges": 2, "directed": True, "topology": "a<b&c",
                          "params": '{"a": {"__tuple__": [2, 3]}, "z": 1}',
                          "seed_entropy": str(2**70)}
    assert {(u, v): d["weight"] for u, v, d in back.edges(data=True)} == {(0, 1): 0.5, (1, 2): 2.0}
    bare = netaval.Network(np.array([0, 0]), np.array([], np.int32), np.array([]), n_nodes=1)
    for engine in ("fast", "networkx"):
        graph = nx.read_graphml(io.BytesIO(graphml_bytes(bare, engine=engine)), node_type=int)
        assert {k: v for k, v in graph.graph.items() if not k.endswith("_default")} == {
            "n_nodes": 1, "n_edges": 0, "directed": True}, engine


def test_graphml_chunks_positions_and_special_values():
    """Rows written in chunks equal one chunk; 4-D positions are x0..x3; INF/NaN spellings."""
    from netaval.io import graphml as module

    _, run = example_run(3)
    selection = run.avalanches.largest(4)
    spec = module._graph_spec(selection)
    whole, chunked = io.BytesIO(), io.BytesIO()
    module._write_graphml_fast(spec, whole)
    module._write_graphml_fast(spec, chunked, chunk=3)
    assert chunked.getvalue() == whole.getvalue() == graphml_bytes(selection)
    rng = np.random.default_rng(1)
    net = topologies.random(12, k=3, seed=1)
    for dims, names in ((4, ["x0", "x1", "x2", "x3"]), (3, ["x", "y", "z"]), (1, ["x"])):
        placed = netaval.Network(net.indptr, net.indices, net.weights, n_nodes=12,
                                 directed=net.directed, positions=rng.random((12, dims)))
        for engine in ("fast", "networkx"):
            back = nx.read_graphml(io.BytesIO(graphml_bytes(placed, engine=engine)), node_type=int)
            assert sorted(back.nodes[0]) == names, (dims, engine)
            assert [back.nodes[i][names[-1]] for i in range(12)] == placed.positions[:, -1].tolist()
    assert module._column(np.array([np.inf, -np.inf, np.nan, 1.5])) == ["INF", "-INF", "NaN", 1.5]
    assert module._column(np.array([True, False])) == ["true", "false"]
    assert module._column(np.array([2, 3], np.uint8)) == [2, 3]
    assert [module._xml_text(v) for v in (np.inf, -np.inf, np.nan, 0.1, True, False, "<", 7)] == \
        ["INF", "-INF", "NaN", "0.1", "true", "false", "&lt;", "7"]
    assert [module._xml_type(v) for v in (True, 1, 1.0, "s", np.array([1], np.uint8),
                                          np.array([True]), np.array([1.0]))] == \
        ["boolean", "long", "double", "string", "long", "boolean", "double"]
    writer = module._portable_writer()
    assert writer.encoding == "utf-8" and writer.prettyprint is True
    graph = nx.Graph(flag=True, off=False, big=float("inf"), small=float("-inf"), nan=float("nan"))
    graph.add_node(0)
    writer.add_graph_element(graph)
    text = str(writer)
    for spelled in (">true<", ">false<", ">INF<", ">-INF<", ">NaN<"):
        assert spelled in text, spelled


def test_graphml_refusals_are_exact(tmp_path):
    for engine in ("fast", "networkx"):
        with pytest.raises(InvalidParameterError) as info:
            write_graphml([1, 2], io.BytesIO(), engine=engine)
        assert str(info.value) == (
            "The 'obj' parameter of write_graphml must be an AvalancheDAG (avalanches[k]), an "
            "Avalanches collection or a Network. Got list instead.")
    with pytest.raises(InvalidParameterError, match="'path' parameter of write_graphml"):
        write_graphml(topologies.random(5, k=2, seed=1), 3)
    net = topologies.random(5, k=2, seed=1)
    write_graphml(net, str(tmp_path / "n.graphml"), engine="networkx")
    assert sorted(os.listdir(tmp_path)) == ["n.graphml"]
    assert nx.read_graphml(tmp_path / "n.graphml").number_of_nodes() == 5
    with pytest.raises(InvalidParameterError) as info:
        write_graphml(net, io.BytesIO(), engine="nx")
    assert str(info.value) == \
        "The 'engine' parameter of write_graphml must be one of 'fast', 'networkx'. Got 'nx' instead."


def test_graphml_undirected_network_with_a_self_loop(tmp_path):
    """Each undirected edge once, the self-loop kept, by both engines; the file reads back
    as the same network; two node attributes per node line."""
    from netaval.io import read_network

    net = netaval.Network.from_edges([0, 0], [0, 1], n_nodes=2, weights=[1.5, 2.0], directed=False,
                                     positions=np.array([[0.5, 1.0], [2.0, -3.0]]))
    assert graphml_bytes(net).decode("utf-8").split("\n")[8:16] == [
        '  <graph edgedefault="undirected">',
        '    <data key="d0">2</data>', '    <data key="d1">3</data>', '    <data key="d2">false</data>',
        '    <node id="0"><data key="d3">0.5</data><data key="d4">1.0</data></node>',
        '    <node id="1"><data key="d3">2.0</data><data key="d4">-3.0</data></node>',
        '    <edge source="0" target="0"><data key="d5">1.5</data></edge>',
        '    <edge source="0" target="1"><data key="d5">2.0</data></edge>']
    for engine in ("fast", "networkx"):
        path = tmp_path / f"{engine}.graphml"
        write_graphml(net, path, engine=engine)
        assert b'edgedefault="undirected"' in path.read_bytes(), engine
        back = read_network(path)
        assert not back.directed and back.positions.tolist() == net.positions.tolist(), engine
        assert (back.indptr.tolist(), back.indices.tolist(), back.weights.tolist()) == \
            ([0, 2, 3], [0, 1, 0], [1.5, 2.0, 2.0]), engine


@dataclass(frozen=True)
class PluginModel:
    """A model registered under a name that is neither its class name nor its lower case."""

    rate: float = 1.0
    name = "m4_plugin"  # class attribute (the registry's name), not a field


def test_models_are_rebuilt_by_registry_name_then_class(tmp_path, monkeypatch):
    """The registry name is tried first, then the class name; a refusing candidate is skipped."""
    from netaval.models import _registry

    monkeypatch.setitem(_registry._MODELS, "m4_plugin", PluginModel)
    path = tmp_path / "p.parquet"
    tiny_run(model=PluginModel(2.5)).save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load(path).model == PluginModel(2.5)  # found by its name only
    _, table, meta = _saved_tiny(tmp_path)
    cases = [({"class": "Branching", "module": "x", "name": "contact_process",
               "params": {"sigma": 0.5}}, netaval.Branching(sigma=0.5)),   # name refuses sigma
             ({"class": "ContactProcess", "module": "x", "name": None, "params": {"rate": 2.0}},
              netaval.ContactProcess(rate=2.0)),
             ({"class": "contact_process", "module": "x", "params": {"rate": 1.0}},
              netaval.ContactProcess(rate=1.0))]
    for k, (spec, expected) in enumerate(cases):
        pq.write_table(table.replace_schema_metadata(signed_metadata({**meta, "model": spec})),
                       tmp_path / f"m{k}.parquet")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert load(tmp_path / f"m{k}.parquet").model == expected, spec
    spec = {"class": "Branching", "module": "netaval.models.branching", "name": "branching",
            "params": {"bogus": 1}}
    pq.write_table(table.replace_schema_metadata(signed_metadata({**meta, "model": spec})),
                   tmp_path / "refused.parquet")
    with pytest.warns(NetavalWarning) as record:
        back = load(tmp_path / "refused.parquet")
    assert str(record[0].message) == (
        "Model 'Branching' could not be rebuilt from the model registry; run.model is kept as a "
        "dict {'class': ..., 'params': ...}.")
    assert back.model == {"class": "Branching", "module": "netaval.models.branching",
                          "params": {"bogus": 1}}


def test_stored_networks_are_checked_against_their_provenance(tmp_path):
    net = netaval.Network.from_edges([0], [1], n_nodes=2, topology="pair", params={"k": 1})
    run = tiny_run(network=net.provenance, network_data=net)
    run.save(tmp_path / "n.parquet", include_network=True)
    back = load(tmp_path / "n.parquet").network_data
    assert (back.n_nodes, back.n_edges, back.topology, back.params) == (2, 1, "pair", {"k": 1})
    assert back.positions is None and back.node_labels is None
    table = pq.read_table(tmp_path / "n.parquet")
    meta = json.loads(table.schema.metadata[b"netaval"])
    path = tmp_path / "bad.parquet"

    def message(changes):
        pq.write_table(table.replace_schema_metadata(signed_metadata({**meta, **changes})), path)
        return _load_message(path)

    assert message({"network": {**meta["network"], "n_edges": 2}}) == (
        "the stored network (2 nodes, 1 edges) disagrees with its provenance "
        f"{ {**net.provenance, 'n_edges': 2} }")
    assert message({"network": {**meta["network"], "n_nodes": 3}}).startswith(
        "the stored network (2 nodes, 1 edges) disagrees with its provenance")
    assert load(tmp_path / "n.parquet").network_data.n_edges == 1
    from netaval.io._json import encode_array
    broken = {**meta["network_data"], "indices": encode_array(np.array([5], np.int32))}
    assert message({"network_data": broken}).startswith("the stored network is malformed (")
    assert load_with(table, meta, path, network=[1]).network_data.n_nodes == 2  # no provenance dict


def load_with(table, meta, path, **changes):
    pq.write_table(table.replace_schema_metadata(signed_metadata({**meta, **changes})), path)
    return load(path)


@dataclass(frozen=True)
class DerivedModel:
    """A dataclass model with a field the constructor does not take."""

    rate: float = 1.0
    doubled: float = dataclasses.field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "doubled", 2 * self.rate)


def test_saved_dataclass_models_keep_only_constructor_fields(tmp_path):
    run = tiny_run(model=DerivedModel(2.0))
    run.save(tmp_path / "d.parquet")
    spec = json.loads(pq.read_table(tmp_path / "d.parquet").schema.metadata[b"netaval"])["model"]
    assert spec["params"] == {"rate": 2.0}


# ------------------------------------ saved runs: survivors of the full mutation run (s4)
def test_saved_networks_keep_positions_labels_direction_and_seed_entropy(tmp_path):
    """include_network stores every field of the Network, not only its CSR arrays."""
    net = netaval.Network.from_edges([0], [1], n_nodes=2, directed=False, topology="pair",
                                     params={"k": 1}, seed_entropy=2**70,
                                     positions=np.array([[0.5, 1.0], [2.0, 3.5]]),
                                     node_labels=np.array(["a", "bb"]))
    tiny_run(network=net.provenance, network_data=net).save(tmp_path / "n.parquet",
                                                            include_network=True)
    back = load(tmp_path / "n.parquet").network_data
    assert back.directed is False and back.seed_entropy == 2**70
    assert (back.topology, back.params, back.n_nodes, back.n_edges) == ("pair", {"k": 1}, 2, 2)
    assert back.positions.dtype == np.float64
    assert back.positions.tolist() == [[0.5, 1.0], [2.0, 3.5]]
    assert back.node_labels.tolist() == ["a", "bb"] and back.node_labels.dtype == np.dtype("<U2")


def test_stored_network_whose_size_disagrees_with_its_arrays_is_refused(tmp_path):
    """The stored n_nodes is checked against the CSR arrays (not re-derived from them)."""
    net = netaval.Network.from_edges([0], [1], n_nodes=2)
    tiny_run(network=net.provenance, network_data=net).save(tmp_path / "n.parquet",
                                                            include_network=True)
    table = pq.read_table(tmp_path / "n.parquet")
    meta = json.loads(table.schema.metadata[b"netaval"])
    path = tmp_path / "bad.parquet"
    pq.write_table(table.replace_schema_metadata(signed_metadata(
        {**meta, "network_data": {**meta["network_data"], "n_nodes": 3}})), path)
    assert _load_message(path) == ("the stored network is malformed ('indptr' must have "
                                   "n_nodes + 1 = 4 entries. Got 3.)")


def test_netaval_version_is_unknown_when_netaval_is_not_installed(tmp_path, monkeypatch):
    """Running from a source tree (no distribution metadata) records "unknown"."""
    import importlib.metadata

    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    _, _, meta = _saved_tiny(tmp_path)
    assert meta["netaval_version"] == "unknown"


def test_loaded_activity_is_int64_whatever_dtype_was_saved(tmp_path):
    """Run.activity is documented int64: a run saved with int32 counts loads as int64."""
    run = tiny_run(activity=np.array([1, 1], np.int32))
    run.save(tmp_path / "a.parquet")
    back = load(tmp_path / "a.parquet")
    assert back.activity.dtype == np.int64 and back.activity.tolist() == [1, 1]
    assert not hasattr(back, "XXactivityXX") and "activity" in vars(back)


def test_the_window_rule_reads_the_last_event_of_many(tmp_path):
    """With three events, the last one (not the second) is checked against end_time."""
    ev = netaval.Events(time=np.array([0, 1, 2]), neuron=np.array([0, 1, 0], np.int32),
                        avalanche=np.array([0, 0, 0], np.int32),
                        generation=np.array([0, 1, 2], np.int32),
                        parent_indptr=np.array([0, 0, 1, 2]), parent_ids=np.array([0, 1], np.int32))
    with pytest.raises(InvalidParameterError) as info:
        tiny_run(events=ev, activity=np.array([1, 2])).save(tmp_path / "x.parquet")
    assert str(info.value) == INCONSISTENT + (
        "event times [0, 2] lie outside the run's window [0, end_time = 2).")


def test_discrete_runs_have_one_activity_bin_per_whole_step(tmp_path):
    """A discrete run's activity has int(end_time) bins (ceil is for continuous time)."""
    run = tiny_run(end_time=2.5)
    run.save(tmp_path / "d.parquet")
    assert load(tmp_path / "d.parquet").end_time == 2.5
    with pytest.raises(InvalidParameterError) as info:
        tiny_run(end_time=2.5, activity=np.array([1, 1, 0])).save(tmp_path / "x.parquet")
    assert str(info.value) == INCONSISTENT + "'activity' has 3 bins, but end_time 2.5 implies 2."


def test_column_layout_and_missing_values_are_named_exactly(tmp_path):
    """A foreign column and missing values are refused word for word."""
    path, table, _ = _saved_tiny(tmp_path)
    extra = table.append_column("x", pa.array([1, 2]))
    pq.write_table(extra.replace_schema_metadata(table.schema.metadata), tmp_path / "extra")
    assert _load_message(tmp_path / "extra") == (
        "columns ['time', 'neuron', 'avalanche', 'generation', 'parents', 'x'], expected "
        "['time', 'neuron', 'avalanche', 'generation', 'parents']")
    holes = table.set_column(1, "neuron", pa.array([0, None], pa.int32()))
    pq.write_table(holes.replace_schema_metadata(table.schema.metadata), tmp_path / "holes")
    assert _load_message(tmp_path / "holes") == "column 'neuron' has missing values"


@dataclass(frozen=True)
class Lowercased:
    """A plug-in model registered under its lower-cased class name, with no `name`."""

    rate: float = 1.0


def test_models_are_rebuilt_by_their_lowercased_class_name(tmp_path, monkeypatch):
    """A model without a registry name is found under its class name in lower case."""
    from netaval.models import _registry

    monkeypatch.setitem(_registry._MODELS, "lowercased", Lowercased)
    tiny_run(model=Lowercased(3.0)).save(tmp_path / "m.parquet")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load(tmp_path / "m.parquet").model == Lowercased(3.0)


def test_unrebuildable_model_warning_names_the_caller_of_load(tmp_path):
    """stacklevel=3: the warning points at the line that called load, not into netaval."""
    tiny_run(model=Lowercased(3.0)).save(tmp_path / "m.parquet")  # not registered
    with pytest.warns(NetavalWarning, match="could not be rebuilt") as record:
        load(tmp_path / "m.parquet")
    # under mutmut each trampolined call adds two frames (wrapper and trampoline), so
    # stacklevel 3 lands in trampoline.py, while 1 or 4 would land in netaval/io/runs.py
    under_mutmut = hasattr(load, "__wrapped__")
    assert record[0].filename.endswith("trampoline.py") if under_mutmut else (
        record[0].filename == __file__)


def test_unrebuildable_model_warning_names_the_caller_for_a_dataset_too(tmp_path):
    """netaval.load and load_dataset of a streamed dataset warn at the caller's line, as
    load of a file does (the dataset path is one call deeper: it used to warn in runs.py)."""
    import sys

    from netaval.io.dataset import DatasetWriter, _load_dataset, load_dataset
    from netaval.io.runs import _model_from_json

    model = {"class": "NotRegistered", "module": "nowhere", "params": {}}
    writer = DatasetWriter(tmp_path / "run", metadata={"protocol": "driven", "model": model},
                           continuous=False, n_nodes=2)
    writer.write_chunk(np.array([0, 1]), np.array([0, 1], np.int32), np.array([0, 0]),
                       np.array([0, 1], np.int32), np.array([0, 0, 1]), np.array([0]),
                       live=np.array([1]), end_time=2)
    writer.close({"end_time": 3})
    for reader in (load, load_dataset):
        with pytest.warns(NetavalWarning, match="could not be rebuilt") as record:
            run = reader(tmp_path / "run")
        assert run.model["class"] == "NotRegistered"
        if not hasattr(reader, "__wrapped__"):
            assert record[0].filename == __file__
        elif hasattr(_load_dataset, "__wrapped__") and hasattr(_model_from_json, "__wrapped__"):
            # under mutmut (io mutated) every call of a mutated function passes an outer
            # wrapper and a trampoline in mutmut's file, so the warning's stacklevel 4 lands
            # in _load_dataset's body; 3 or 5 would land in mutmut's trampoline file
            assert record[0].filename == sys.modules[_load_dataset.__module__].__file__


def test_networks_saved_before_their_own_provenance_take_it_from_run_network(tmp_path):
    """Files written before network_data held its own provenance still load it, from run.network."""
    net = netaval.Network.from_edges([0], [1], n_nodes=2, topology="pair", params={"k": 1},
                                     seed_entropy=9)
    tiny_run(network=net.provenance, network_data=net).save(tmp_path / "n.parquet",
                                                            include_network=True)
    table = pq.read_table(tmp_path / "n.parquet")
    meta = json.loads(table.schema.metadata[b"netaval"])
    old = {k: v for k, v in meta["network_data"].items() if k != "provenance"}
    back = load_with(table, meta, tmp_path / "old.parquet", network_data=old).network_data
    assert (back.topology, back.params, back.seed_entropy) == ("pair", {"k": 1}, 9)
    bare = load_with(table, meta, tmp_path / "bare.parquet", network_data=old,
                     network={"n_nodes": 2}).network_data
    assert (bare.topology, bare.params, bare.seed_entropy) == (None, {}, None)
