"""Tests for netaval.avalanches: every per-avalanche query against networkx and pure Python."""

import math
import re
from collections import Counter

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import netaval
from netaval.avalanches import AvalancheDAG, Avalanches
from netaval.errors import InvalidParameterError, NetavalWarning
from tests.warning_location import assert_warned_at_caller


# ---------------------------------------------------------------------- synthetic runs
def random_network(n_nodes, k, rng):
    """A random directed network, each neuron with up to k distinct targets (no self-loops)."""
    sources, targets = [], []
    for i in range(n_nodes):
        others = np.delete(np.arange(n_nodes), i)
        chosen = rng.choice(others, size=min(k, n_nodes - 1), replace=False)
        sources += [i] * len(chosen)
        targets += chosen.tolist()
    return netaval.Network.from_edges(sources, targets, n_nodes=n_nodes, topology="test",
                                      params={"k": k})


def random_run(network, n_steps, p, drive, rng, *, continuous=False, initial=(), memory=2):
    """A valid causal record of a driven branching process (no refractory period).

    An event tries to excite each target in each of the ``memory`` steps after it fires,
    so causal paths of different lengths meet and depth can exceed the highest generation.
    Every successful transmitter is a parent (primary drawn at random, the others in id
    order), so events with several parents and avalanches overlapping in time are common.
    ``continuous`` spreads each step's firings over [t, t + 0.5) by neuron, float times.
    Returns a `Run` whose alive avalanches are those with an event in the last ``memory``
    steps (they could still have children).
    """
    n = network.n_nodes
    time, neuron, avalanche, generation, parents = [], [], [], [], []
    recent = [[] for _ in range(memory)]  # event ids of the last ``memory`` steps
    n_avalanches = 0
    for t in range(n_steps):
        causes = {}
        for e in sorted(e for step in recent for e in step):
            j = neuron[e]
            for i in network.indices[network.indptr[j]:network.indptr[j + 1]].tolist():
                if rng.random() < p:
                    if e not in causes.setdefault(i, []):
                        causes[i].append(e)
        driven = set(np.flatnonzero(rng.random(n) < drive).tolist())
        if t == 0:
            driven |= set(initial)
        active = []
        recent = [active] + recent[:-1]
        for i in sorted(set(causes) | driven):
            e = len(time)
            if i in causes:
                cause = causes[i]
                primary = cause[int(rng.integers(len(cause)))]
                parents.append([primary] + [c for c in cause if c != primary])
                avalanche.append(avalanche[primary])
                generation.append(generation[primary] + 1)
            else:
                parents.append([])
                avalanche.append(n_avalanches)
                generation.append(0)
                n_avalanches += 1
            time.append(t)
            neuron.append(i)
            active.append(e)
    indptr = np.zeros(len(time) + 1, np.int64)
    indptr[1:] = np.cumsum([len(p) for p in parents])
    ids = np.array([c for p in parents for c in p], np.int32)
    times = np.array(time, np.int64)
    if continuous:
        times = times + np.array(neuron, np.float64) / (2.0 * n)
    events = netaval.Events(time=times, neuron=np.array(neuron, np.int32),
                            avalanche=np.array(avalanche, np.int32),
                            generation=np.array(generation, np.int32), parent_indptr=indptr,
                            parent_ids=ids, time_step=None if continuous else 1.0)
    events.check_invariants(network)
    last = np.array(time, np.int64) >= n_steps - memory
    alive = np.unique(events.avalanche[last]).astype(np.int32)
    activity = np.bincount(np.array(time, np.int64), minlength=n_steps).astype(np.int64)
    return netaval.Run(events=events, activity=activity, model=None,
                       network=network.provenance, seed=None, protocol="driven",
                       protocol_params={"n_steps": n_steps}, end_time=n_steps,
                       alive_avalanches=alive)


def example_run(seed=42, *, continuous=False, n_nodes=30, n_steps=80, p=0.1, drive=0.04):
    """A run with many multi-parent events and overlapping avalanches (checked for seeds 0-99)."""
    rng = np.random.default_rng(seed)
    network = random_network(n_nodes, 5, rng)
    return network, random_run(network, n_steps, p, drive, rng, continuous=continuous)


# ---------------------------------------------------------------------- references
def reference_graph(events):
    """All events and all causal links in one networkx DiGraph (the EoN-user route)."""
    graph = nx.DiGraph()
    for e in range(events.n_events):
        graph.add_node(e, neuron=int(events.neuron[e]), time=events.time[e].item(),
                       generation=int(events.generation[e]), avalanche=int(events.avalanche[e]))
        for j in range(events.parent_indptr[e], events.parent_indptr[e + 1]):
            graph.add_edge(int(events.parent_ids[j]), e, primary=j == events.parent_indptr[e])
    return graph


def reference_avalanches(events):
    """Per-avalanche quantities from one networkx subgraph per avalanche."""
    graph = reference_graph(events)
    out = []
    for a in range(events.n_avalanches):
        nodes = [e for e in range(events.n_events) if events.avalanche[e] == a]
        sub = graph.subgraph(nodes)
        times = [events.time[e].item() for e in nodes]
        offspring = sum(graph.out_degree(e) for e in nodes)
        out.append({"size": len(nodes), "depth": nx.dag_longest_path_length(sub),
                    "n_neurons": len({int(events.neuron[e]) for e in nodes}),
                    "start": min(times), "end": max(times), "root": min(nodes),
                    "offspring": offspring,
                    "generations": Counter(int(events.generation[e]) for e in nodes),
                    "edges": set(sub.edges), "nodes": nodes})
    return out


# ---------------------------------------------------------------------- against networkx
@pytest.mark.parametrize("continuous", [False, True], ids=["discrete", "continuous"])
def test_every_query_matches_networkx(seed, continuous):
    """size, depth, neurons, times, offspring, generations, DAG edges equal the networkx route."""
    _, run = example_run(seed, continuous=continuous)
    events = run.events
    assert np.any(events.n_parents > 1), "the example must have multi-parent events"
    av = run.avalanches
    reference = reference_avalanches(events)
    assert len(av) == len(reference) == events.n_avalanches
    for k, ref in enumerate(reference):
        assert av.size[k] == ref["size"]
        assert av.depth[k] == ref["depth"]
        assert av.n_neurons[k] == ref["n_neurons"]
        assert av.start[k] == ref["start"] and av.end[k] == ref["end"]
        expected = ref["end"] - ref["start"] + (0 if continuous else 1)
        assert av.duration[k] == expected
        assert av.root[k] == ref["root"]
        assert av.offspring[k] == ref["offspring"]
        counts = [ref["generations"][g] for g in range(max(ref["generations"]) + 1)]
        assert av[k].generation_counts.tolist() == counts
        assert av.n_generations[k] == len(counts)
        dag = av[k].to_networkx()
        assert sorted(dag.nodes) == ref["nodes"]
        assert set(dag.edges) == ref["edges"]
        assert nx.dag_longest_path_length(dag) == av.depth[k]
        assert dag.graph["size"] == ref["size"]
    arrays = av.dag_arrays()
    assert not arrays["primary"].all(), "the example must have secondary links inside avalanches"


def test_depth_follows_secondary_parents():
    """Depth counts the longest path over all parents, beyond the primary-parent generations."""
    net = netaval.Network.from_edges([0, 0, 1], [1, 2, 2], n_nodes=3)
    events = netaval.Events(time=np.array([0, 1, 2]), neuron=np.array([0, 1, 2], np.int32),
                            avalanche=np.zeros(3, np.int32),
                            generation=np.array([0, 1, 1], np.int32),
                            parent_indptr=np.array([0, 0, 1, 3]),
                            parent_ids=np.array([0, 0, 1], np.int32))
    events.check_invariants(net)
    av = Avalanches.from_events(events)
    assert av.depth.tolist() == [2] and av.n_generations.tolist() == [2]
    assert av.generation_counts.tolist() == [1, 2]
    assert nx.dag_longest_path_length(av[0].to_networkx()) == 2


def test_dtypes_and_time_units():
    """Integer times give int64 starts and durations; float times give float64."""
    for continuous, kind in ((False, "i"), (True, "f")):
        _, run = example_run(1, continuous=continuous, n_steps=20)
        av = run.avalanches
        assert av.duration.dtype.kind == av.start.dtype.kind == kind
        for name in ("size", "depth", "n_neurons", "offspring", "root", "ids"):
            assert getattr(av, name).dtype == np.int64
        assert av.event_order.dtype == np.int32 and av.event_indptr.dtype == np.int64
        assert av.truncated.dtype == np.bool_


def test_conservation(seed):
    """Sizes sum to n_events, generation counts to sizes, event_order is a grouping."""
    _, run = example_run(seed)
    events, av = run.events, run.avalanches
    assert av.size.sum() == events.n_events
    assert np.array_equal(np.sort(av.event_order), np.arange(events.n_events))
    assert np.array_equal(np.diff(av.event_indptr), av.size)
    owner = np.repeat(av.ids, av.size)
    assert np.array_equal(events.avalanche[av.event_order], owner)
    assert np.all(np.diff(av.event_order)[np.diff(owner) == 0] > 0), "causal order inside"
    sums = np.add.reduceat(av.generation_counts, av.generation_indptr[:-1])
    assert np.array_equal(sums, av.size)
    assert np.array_equal(np.diff(av.generation_indptr), av.n_generations)
    assert av.offspring.sum() == len(events.parent_ids)


# ---------------------------------------------------------------------- branching
def test_branching_ratios(seed):
    """Overall, per avalanche, per generation and first-generation ratios match references."""
    _, run = example_run(seed)
    av, events = run.avalanches, run.events
    assert av.truncated.any() and not av.truncated.all()
    assert av.branching_ratio(include_truncated=True) == len(events.parent_ids) / events.n_events
    keep = ~av.truncated
    assert av.branching_ratio() == av.offspring[keep].sum() / av.size[keep].sum()
    assert np.array_equal(av.branching_ratios(), av.offspring / av.size)
    in_complete = keep[events.avalanche]
    pooled = np.bincount(events.generation[in_complete])
    assert np.array_equal(av.generation_sizes(), pooled)
    assert np.allclose(av.branching_ratio_by_generation(), pooled[1:] / pooled[:-1])
    first = np.bincount(events.avalanche[events.generation == 1], minlength=len(av))
    assert np.isclose(av.ancestor_descendant_ratio(), first[keep].mean())
    assert np.isclose(av.ancestor_descendant_ratio(include_truncated=True), first.mean())


def test_empty_selection_gives_nan():
    """With nothing selected the ratios are NaN, not an error."""
    _, run = example_run(3)
    none = run.avalanches[np.zeros(len(run.avalanches), bool)]
    assert len(none) == 0 and np.isnan(none.branching_ratio())
    assert np.isnan(none.ancestor_descendant_ratio())
    assert none.branching_ratio_by_generation().size == 0


# ---------------------------------------------------------------------- selection
def test_subset_matches_original(seed):
    """Masks, index arrays and slices give consistent sub-collections with the same DAGs."""
    _, run = example_run(seed)
    av = run.avalanches
    index = np.random.default_rng(seed).permutation(len(av))[: len(av) // 2]
    for sub, positions in ((av[index], index), (av[av.size > 2], np.flatnonzero(av.size > 2)),
                           (av[3:9], np.arange(3, 9)), (av[-1:], np.arange(len(av))[-1:])):
        assert np.array_equal(sub.ids, av.ids[positions])
        for name in ("size", "duration", "depth", "n_neurons", "start", "truncated"):
            assert np.array_equal(getattr(sub, name), getattr(av, name)[positions])
        for j, k in enumerate(positions.tolist()):
            assert np.array_equal(sub[j].events, av[k].events)
            assert np.array_equal(sub[j].generation_counts, av[k].generation_counts)
        graph = sub.to_networkx()
        assert graph.number_of_nodes() == sub.size.sum()
        assert {d["avalanche"] for _, d in graph.nodes(data=True)} == set(sub.ids[sub.size > 0])


def test_select_ranges_and_truncation():
    """select() applies inclusive ranges and drops truncated avalanches unless asked."""
    _, run = example_run(5)
    av = run.avalanches
    chosen = av.select(size=(2, 6), duration=(None, 3))
    expected = (~av.truncated) & (av.size >= 2) & (av.size <= 6) & (av.duration <= 3)
    assert np.array_equal(chosen.ids, av.ids[expected])
    assert np.array_equal(av.select(include_truncated=True).ids, av.ids)
    assert not av.select().truncated.any()
    with pytest.raises(InvalidParameterError, match="'size' parameter of Avalanches.select"):
        av.select(size=3)
    with pytest.raises(InvalidParameterError, match="include_truncated"):
        av.select(include_truncated="no")


def test_largest_and_indexing_errors():
    """largest(n) sorts by size (ties by id); bad indices raise IndexError."""
    _, run = example_run(6)
    av = run.avalanches
    top = av.largest(5)
    order = np.lexsort((av.ids, -av.size))[:5]
    assert np.array_equal(top.ids, av.ids[order])
    assert not av.largest(5, include_truncated=False).truncated.any()
    assert isinstance(av[-1], AvalancheDAG) and av[-1].id == av.ids[-1]
    for bad in (len(av), -len(av) - 1, np.array([len(av)]), np.ones(3, bool), "x", 1.5):
        with pytest.raises(IndexError):
            av[bad]
    with pytest.raises(InvalidParameterError, match="'n' parameter"):
        av.largest(-1)


def test_dag_view_fields():
    """A view exposes Python-scalar summary fields and its events' arrays."""
    _, run = example_run(7)
    av = run.avalanches
    k = int(np.argmax(av.size))
    dag = av[k]
    assert isinstance(dag.size, int) and isinstance(dag.truncated, bool)
    assert dag.summary["avalanche"] == dag.id == av.ids[k]
    assert np.array_equal(dag.neuron, run.events.neuron[dag.events])
    assert np.array_equal(dag.time, run.events.time[dag.events])
    assert dag.events[0] == dag.root
    graph = dag.to_networkx()
    assert all(graph.nodes[e]["time"] == run.events.time[e] for e in graph.nodes)
    primary = [(u, v) for u, v, d in graph.edges(data=True) if d["primary"]]
    assert len(primary) == dag.size - 1, "every non-root has exactly one primary edge"
    assert repr(dag).startswith("AvalancheDAG(") and "Avalanches(" in repr(av)
    with pytest.raises(AttributeError):
        dag.nonexistent  # noqa: B018


# ---------------------------------------------------------------------- truncation
def test_truncation_rules():
    """alive ids, the end_time fallback and burn_in flag the right avalanches."""
    _, run = example_run(8)
    events = run.events
    flagged = Avalanches.from_events(events, alive=run.alive_avalanches).truncated
    assert np.array_equal(np.flatnonzero(flagged), run.alive_avalanches)
    fallback = Avalanches.from_events(events, end_time=run.end_time).truncated
    in_last_step = np.unique(events.avalanche[events.time == run.end_time - 1])
    assert np.array_equal(np.flatnonzero(fallback), in_last_step)
    assert not Avalanches.from_events(events).truncated.any()
    early = Avalanches.from_events(events, burn_in=10)
    assert np.array_equal(early.truncated, early.start < 10)
    run2 = netaval.Run(**{**run.__dict__, "protocol_params": {"burn_in": 10}})
    assert np.array_equal(run2.avalanches.truncated, flagged | (early.start < 10))
    with pytest.raises(InvalidParameterError, match="'alive' parameter"):
        Avalanches.from_events(events, alive=[len(flagged)])
    with pytest.raises(InvalidParameterError, match="'events' parameter"):
        Avalanches.from_events(run)


def test_empty_events():
    """A silent run has no avalanches and empty arrays everywhere."""
    for continuous in (False, True):
        av = Avalanches.from_events(netaval.Events.empty(continuous=continuous))
        assert len(av) == 0 and av.event_indptr.tolist() == [0]
        assert av.to_frame().shape == (0, 11)
        assert av.dag_arrays()["node"].size == 0


# ---------------------------------------------------------------------- profiles, frame
def test_mean_profile_discrete(seed):
    """The discrete profile is the mean number of events per step after the start."""
    _, run = example_run(seed, n_steps=80)
    av, events = run.avalanches, run.events
    duration = int(np.bincount(av.duration[~av.truncated]).argmax()) or 1
    duration = max(duration, 2)
    chosen = (~av.truncated) & (av.duration == duration)
    if not chosen.any():
        pytest.skip("no avalanche of that duration")
    member = chosen[events.avalanche]
    offsets = events.time[member] - av.start[events.avalanche[member]]
    expected = np.bincount(offsets, minlength=duration) / chosen.sum()
    assert np.allclose(av.mean_profile(duration), expected)
    assert np.isclose(av.mean_profile(duration).sum(), av.size[chosen].mean())
    with pytest.warns(NetavalWarning, match="No avalanche of duration"):
        assert np.isnan(av.mean_profile(10_000)).all()


def test_mean_profile_continuous():
    """The continuous profile integrates to the mean size of the selected avalanches."""
    _, run = example_run(9, continuous=True, n_steps=80)
    av = run.avalanches
    target = float(np.median(av.duration[(av.duration > 0) & ~av.truncated]))
    chosen = (~av.truncated) & (np.abs(av.duration - target) <= 0.5 * target)
    profile = av.mean_profile(target, rtol=0.5, n_bins=4)
    assert profile.shape == (4,)
    assert np.isclose(profile.sum() * target / 4, av.size[chosen].mean())
    with pytest.raises(InvalidParameterError, match="'n_bins' parameter"):
        av.mean_profile(target, n_bins=0)


def test_to_frame():
    """The table has one row per avalanche with the documented columns and values."""
    _, run = example_run(10)
    av = run.avalanches
    frame = av.to_frame()
    assert list(frame.columns) == ["root", "size", "duration", "depth", "n_neurons",
                                   "n_generations", "start", "end", "offspring",
                                   "branching_ratio", "truncated"]
    assert frame.index.name == "avalanche" and np.array_equal(frame.index, av.ids)
    assert np.array_equal(frame["depth"], av.depth)
    assert frame["truncated"].dtype == bool


# ---------------------------------------------------------------------- properties
@st.composite
def small_runs(draw):
    """Random small networks and driven runs (discrete or continuous)."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    network = random_network(draw(st.integers(2, 12)), draw(st.integers(1, 4)), rng)
    return random_run(network, draw(st.integers(1, 12)), draw(st.floats(0, 0.9)),
                      draw(st.floats(0, 0.3)), rng, continuous=draw(st.booleans()))


@given(small_runs())
def test_property_depth_and_conservation(run):
    """On random runs depth equals networkx's longest path; counts are conserved."""
    av = run.avalanches
    assert av.size.sum() == run.events.n_events
    sums = (np.add.reduceat(av.generation_counts, av.generation_indptr[:-1])
            if len(av) else np.zeros(0))
    assert np.array_equal(sums, av.size)
    graph = av.to_networkx()
    for k in range(len(av)):
        nodes = av[k].events.tolist()
        assert nx.dag_longest_path_length(graph.subgraph(nodes)) == av.depth[k]
        assert av.n_neurons[k] == len(set(run.events.neuron[nodes].tolist()))


# ---------------------------------------------------------------------- with simulate
@pytest.mark.parametrize("model, options", [
    (netaval.Branching(sigma=1.0, drive=0.01, refractory=1), {"n_steps": 60}),
    (netaval.Branching(sigma=1.0, drive=0.02, refractory=0), {"n_steps": 25}),
    (netaval.ContactProcess(rate=1.5, drive=0.05), {"duration": 8.0}),
], ids=["branching", "branching-no-refractory", "contact-process"])
def test_simulated_runs_match_networkx(seed, model, options):
    """On simulated runs depth, size, neurons and generations equal the networkx route."""
    import topologies

    network = topologies.random(60, k=4, seed=seed)
    run = netaval.simulate(network, model, seed=seed, max_events=100_000, **options)
    events, av = run.events, run.avalanches
    assert av.size.sum() == events.n_events
    assert np.array_equal(np.flatnonzero(av.truncated), np.sort(run.alive_avalanches))
    reference = reference_avalanches(events)
    assert av.depth.tolist() == [ref["depth"] for ref in reference]
    assert av.size.tolist() == [ref["size"] for ref in reference]
    assert av.n_neurons.tolist() == [ref["n_neurons"] for ref in reference]
    assert av.offspring.tolist() == [ref["offspring"] for ref in reference]
    sums = np.add.reduceat(av.generation_counts, av.generation_indptr[:-1]) if len(av) else []
    assert np.array_equal(sums, av.size)
    graph = av.to_networkx()
    for k in np.flatnonzero(av.size > 1)[:20].tolist():
        nodes = av[k].events.tolist()
        assert nx.dag_longest_path_length(graph.subgraph(nodes)) == av.depth[k]


@pytest.mark.parametrize(
    ("avalanche", "parent_indptr", "parent_ids"),
    [([0, 0], [0, 0, 0], []), ([1, 1], [0, 0, 1], [0]), ([0, 1], [0, 0, 1], [0])],
    ids=["parentless-event-joins-avalanche", "ids-not-from-zero", "child-leaves-parents-avalanche"],
)
def test_events_breaking_the_numbering_rules_are_refused(avalanche, parent_indptr, parent_ids):
    """Event records whose avalanche numbering breaks the Events invariants are refused by
    the constructor (naming 'avalanche'), and the kernel's own check still catches them."""
    columns = dict(time=np.array([0, 1]), neuron=np.array([0, 1], np.int32),
                   avalanche=np.array(avalanche, np.int32),
                   generation=np.array([0, len(parent_ids)], np.int32),
                   parent_indptr=np.array(parent_indptr, np.int64),
                   parent_ids=np.array(parent_ids, np.int32))
    with pytest.raises(netaval.InvalidParameterError, match="'avalanche' parameter of Events"):
        netaval.Events(**columns)
    with pytest.raises(netaval.InvariantError):
        Avalanches.from_events(netaval.Events._trusted(**columns))


# ---------------------------------------------------------------------- pinned exactly
# A hand-made record (test_hostile_input's base: event 2 has parents 0 and 1 in different
# avalanches) and the record of test_depth_follows_secondary_parents, with every field and
# message asserted whole.
from tests.test_hostile_input import _columns  # noqa: E402

_MISSING = ("{} needs the full event record, which this run did not keep: simulate with "
            "record='events' (the default), or stream the record with out=PATH and read it "
            "back with netaval.io.dataset.read_events(PATH).")
_SUMMARY_NAMES = ("root", "size", "duration", "depth", "n_neurons", "n_generations", "start",
                  "end", "offspring")


def exactly(message):
    """``match`` argument of pytest.raises for the whole message, not a substring."""
    return "^" + re.escape(message) + "$"


def _hand():
    return Avalanches.from_events(netaval.Events(**_columns()))


def _summaries_of(av, **extra):
    return {**{k: np.asarray(getattr(av, k)) for k in _SUMMARY_NAMES}, "alive": av.truncated,
            **extra}


def test_hand_counted_fields():
    """Every per-avalanche field and grouping of the hand-made record."""
    av = _hand()
    assert av.ids.tolist() == [0, 1] and av.root.tolist() == [0, 1]
    assert av.size.tolist() == [3, 1] and av.duration.tolist() == [3, 1]
    assert av.depth.tolist() == [2, 0] and av.n_neurons.tolist() == [2, 1]
    assert av.n_generations.tolist() == [3, 1] and av.offspring.tolist() == [2, 1]
    assert av.start.tolist() == [0, 0] and av.end.tolist() == [2, 0]
    assert av.event_indptr.tolist() == [0, 3, 4] and av.event_order.tolist() == [0, 2, 3, 1]
    assert av.generation_indptr.tolist() == [0, 3, 4]
    assert av.generation_counts.tolist() == [1, 1, 1, 1]
    assert av.generation_counts.dtype == av.generation_indptr.dtype == np.int64
    assert av.truncated.tolist() == [False, False] and av.time_step == 1.0
    assert repr(av) == "Avalanches(n_avalanches=2, n_events=4, n_truncated=0)"
    assert av.n_avalanches == len(av) == 2 and type(av.n_avalanches) is int
    assert av.generation_sizes().tolist() == [2, 1, 1]
    assert av.branching_ratio_by_generation().tolist() == [0.5, 1.0]
    assert av.ancestor_descendant_ratio() == 0.5 and av.branching_ratio() == 0.75
    assert av.branching_ratios().tolist() == [2 / 3, 1.0]
    assert av.lifetime.tolist() == [3.0, 1.0] and av.lifetime.dtype == np.float64
    frame = av.to_frame().to_dict("list")
    assert frame == {"root": [0, 1], "size": [3, 1], "duration": [3, 1], "depth": [2, 0],
                     "n_neurons": [2, 1], "n_generations": [3, 1], "start": [0, 0],
                     "end": [2, 0], "offspring": [2, 1], "branching_ratio": [2 / 3, 1.0],
                     "truncated": [False, False]}


def test_dag_arrays_keep_links_inside_and_flag_primaries():
    """Links between avalanches are not edges; a secondary parent inside is primary=False."""
    arrays = _hand().dag_arrays()
    expected = {"node": [0, 2, 3, 1], "neuron": [0, 2, 0, 1], "time": [0, 1, 2, 0],
                "generation": [0, 1, 2, 0], "avalanche": [0, 0, 0, 1], "source": [0, 2],
                "target": [2, 3], "primary": [True, True]}
    assert {k: v.tolist() for k, v in arrays.items()} == expected
    assert arrays["node"].dtype == arrays["source"].dtype == np.int64
    assert arrays["primary"].dtype == np.bool_
    events = netaval.Events(time=np.array([0, 1, 2]), neuron=np.array([0, 1, 2], np.int32),
                            avalanche=np.zeros(3, np.int32),
                            generation=np.array([0, 1, 1], np.int32),
                            parent_indptr=np.array([0, 0, 1, 3]),
                            parent_ids=np.array([1, 0, 0], np.int32)[[1, 2, 0]])
    arrays = Avalanches.from_events(events).dag_arrays()
    assert list(zip(arrays["source"].tolist(), arrays["target"].tolist(),
                    arrays["primary"].tolist(), strict=True)) == [
        (0, 1, True), (0, 2, True), (1, 2, False)]
    graph = Avalanches.from_events(events)[0].to_networkx()
    assert graph.edges[1, 2] == {"primary": False} and graph.edges[0, 2] == {"primary": True}
    single = _hand()[1].dag_arrays()
    assert single["node"].tolist() == [1] and single["source"].size == 0


def test_from_dataset_takes_burn_in_from_the_run(tmp_path):
    """from_dataset flags roots before the run's burn_in (protocol_params) unless told
    otherwise; a bad burn_in is refused naming from_dataset."""
    from netaval.io.dataset import DatasetWriter

    path = str(tmp_path / "run")
    writer = DatasetWriter(path, metadata={"protocol_params": {"burn_in": 1}}, continuous=False,
                           n_nodes=2)
    writer.write_chunk(np.array([0, 1]), np.array([0, 1], np.int32), np.array([0, 1]),
                       np.array([0, 0], np.int32), np.array([0, 0, 0]), np.zeros(0),
                       live=np.array([], np.int64), end_time=3)
    writer.close({"end_time": 3})
    assert Avalanches.from_dataset(path).truncated.tolist() == [True, False]
    assert Avalanches.from_dataset(path, burn_in=2).truncated.tolist() == [True, True]
    av = Avalanches.from_dataset(path, burn_in=0)
    assert av.truncated.tolist() == [False, False] and av.time_step == 1.0
    with pytest.raises(InvalidParameterError, match=exactly(
            "The 'burn_in' parameter of Avalanches.from_dataset must be a float in the range "
            "(-inf, inf) or None. Got 'x' instead.")):
        Avalanches.from_dataset(path, burn_in="x")


def test_write_graphml_writes_every_dag(tmp_path):
    """Avalanches.write_graphml writes all DAGs to the given path (read back with networkx)."""
    path = tmp_path / "all.graphml"
    _hand().write_graphml(path)
    graph = nx.read_graphml(path)
    assert sorted(graph.nodes) == ["0", "1", "2", "3"] and graph.number_of_edges() == 2
    _hand()[0].write_graphml(tmp_path / "one.graphml")
    one = nx.read_graphml(tmp_path / "one.graphml")
    assert sorted(one.nodes) == ["0", "2", "3"] and one.graph["size"] == 3


def test_networkx_views_carry_python_scalars():
    """Node attributes (and the DAG's graph attributes) are Python ints, exactly these."""
    av = _hand()
    graph = av.to_networkx()
    assert dict(graph.nodes(data=True)) == {
        0: {"neuron": 0, "time": 0, "generation": 0, "avalanche": 0},
        2: {"neuron": 2, "time": 1, "generation": 1, "avalanche": 0},
        3: {"neuron": 0, "time": 2, "generation": 2, "avalanche": 0},
        1: {"neuron": 1, "time": 0, "generation": 0, "avalanche": 1}}
    assert list(graph.edges(data=True)) == [(0, 2, {"primary": True}), (2, 3, {"primary": True})]
    assert all(type(v) is int for _, d in graph.nodes(data=True) for v in d.values())
    dag = av[0].to_networkx()
    assert dag.graph == {"avalanche": 0, "root": 0, "size": 3, "duration": 3, "depth": 2,
                         "n_neurons": 2, "n_generations": 3, "start": 0, "end": 2,
                         "offspring": 2, "truncated": False}
    assert dict(dag.nodes(data=True))[3] == {"neuron": 0, "time": 2, "generation": 2}


def test_dag_view_fields_exactly():
    """AvalancheDAG: scalars, arrays of its events, repr, and the missing-attribute error."""
    av = _hand()
    dag = av[-2]
    assert dag.id == 0 and type(dag.id) is int
    assert (dag.root, dag.size, dag.duration, dag.depth, dag.n_neurons, dag.n_generations,
            dag.start, dag.end, dag.offspring, dag.truncated) == (0, 3, 3, 2, 2, 3, 0, 2, 2,
                                                                  False)
    assert dag.events.tolist() == [0, 2, 3] and dag.neuron.tolist() == [0, 2, 0]
    assert dag.time.tolist() == [0, 1, 2] and dag.generation.tolist() == [0, 1, 2]
    assert dag.generation_counts.tolist() == [1, 1, 1]
    assert av[1].generation_counts.tolist() == [1] and av[1].events.tolist() == [1]
    assert repr(dag) == "AvalancheDAG(id=0, size=3, duration=3, depth=2, truncated=False)"
    assert av.dag(-1).id == 1 and av.dag(np.int64(0)).events.tolist() == [0, 2, 3]
    with pytest.raises(AttributeError, match=exactly(
            "'AvalancheDAG' object has no attribute 'ids'")):
        dag.ids  # noqa: B018
    subset = av[np.array([1])]
    assert subset[0].id == 1 and subset[0].events.tolist() == [1]


def test_indexing_and_position_messages():
    """IndexError and InvalidParameterError messages, whole; negative index arrays wrap."""
    av = _hand()
    for key, message in (
            (2, "Avalanche position 2 out of range for 2 avalanches."),
            (-3, "Avalanche position -3 out of range for 2 avalanches."),
            (np.array([True]), "A boolean mask must have shape (2,). Got (1,)."),
            (np.array([2]), "Avalanche positions out of range for 2 avalanches."),
            (np.array([-3]), "Avalanche positions out of range for 2 avalanches."),
            (np.zeros((1, 1), int), "Avalanches can be indexed by an int, a slice, a boolean "
                                    "mask or an integer array. Got array([[0]])."),
            (True, "A boolean mask must have shape (2,). Got ()."),
            (1.5, "Avalanches can be indexed by an int, a slice, a boolean mask or an integer "
                  "array. Got array(1.5).")):
        with pytest.raises(IndexError, match=exactly(message)):
            av[key]
    assert av[np.array([-1, -2])].ids.tolist() == [1, 0]
    assert av[np.array([], np.int64)].ids.size == 0 and av[[0]].ids.tolist() == [0]
    empty = av[np.zeros(2, bool)]
    assert empty[np.array([], np.int64)].ids.size == 0
    for k in (2, -3, True, 0.0):
        with pytest.raises(InvalidParameterError, match=exactly(
                f"The 'k' parameter of Avalanches.dag must be an int in the range [-2, 2). Got "
                f"{k!r} instead.")):
            av.dag(k)
    with pytest.raises(InvalidParameterError, match=exactly(
            "The 'k' parameter of Avalanches.population must be an int in the range [-2, 2). "
            "Got 2 instead.")):
        av.population(2)


def test_construction_messages():
    """from_events, from_run, from_summaries and from_dataset refusals, messages whole."""
    events = netaval.Events(**_columns())
    owner = "Avalanches.from_events"
    for kwargs, message in (
            (dict(end_time="x"), f"The 'end_time' parameter of {owner} must be a float in the "
                                 "range (-inf, inf) or None. Got 'x' instead."),
            (dict(burn_in="x"), f"The 'burn_in' parameter of {owner} must be a float in the "
                                "range (-inf, inf) or None. Got 'x' instead."),
            (dict(alive=[2]), f"The 'alive' parameter of {owner} must hold avalanche ids in "
                              "[0, 2). Got array([2]) instead."),
            (dict(alive=[-1]), f"The 'alive' parameter of {owner} must hold avalanche ids in "
                               "[0, 2). Got array([-1]) instead."),
            (dict(alive=[0.0]), f"The 'alive' parameter of {owner} must hold avalanche ids in "
                                "[0, 2). Got array([0.]) instead.")):
        with pytest.raises(InvalidParameterError, match=exactly(message)):
            Avalanches.from_events(events, **kwargs)
    with pytest.raises(InvalidParameterError, match=exactly(
            f"The 'events' parameter of {owner} must be an Events. Got list instead.")):
        Avalanches.from_events([1])
    with pytest.raises(InvalidParameterError, match=exactly(
            "The 'run' parameter of Avalanches.from_run must be a Run. Got Events instead.")):
        Avalanches.from_run(events)
    keys = ("['root', 'size', 'duration', 'depth', 'n_neurons', 'n_generations', 'start', "
            "'end', 'offspring', 'alive']")
    summaries = _summaries_of(_hand())
    for bad in ([1], {k: v for k, v in summaries.items() if k != "alive"}):
        with pytest.raises(InvalidParameterError, match=exactly(
                "The 'summaries' parameter of Avalanches.from_summaries must be a dict with keys "
                f"{keys}. Got {bad!r} instead.")):
            Avalanches.from_summaries(bad, time_step=1.0)
    with pytest.raises(InvalidParameterError, match=exactly(
            "The 'summaries' parameter of Avalanches.from_summaries must hold 1-d arrays of one "
            "length.")):
        Avalanches.from_summaries({**summaries, "depth": np.zeros(3)}, time_step=1.0)
    with pytest.raises(InvalidParameterError, match=exactly(
            "The 'time_step' parameter of Avalanches.from_summaries must be a float in the range "
            "(0, inf) or None. Got 0 instead.")):
        Avalanches.from_summaries(summaries, time_step=0)
    with pytest.raises(InvalidParameterError, match=exactly(
            "The 'burn_in' parameter of Avalanches.from_summaries must be a float in the range "
            "(-inf, inf) or None. Got 'x' instead.")):
        Avalanches.from_summaries(summaries, time_step=1.0, burn_in="x")
    with pytest.raises(InvalidParameterError, match=exactly(
            "The 'path' parameter of Avalanches.from_dataset must be a str or path-like object. "
            "Got int instead.")):
        Avalanches.from_dataset(3)
    with pytest.raises(netaval.InvariantError, match=exactly(
            f"{owner}: the events break the avalanche invariants (ids 0, 1, ... first appear at "
            "parentless roots, in order; every other event has a primary parent).")):
        Avalanches.from_events(netaval.Events._trusted(**_columns(
            avalanche=np.array([0, 0, 0, 0], np.int32))))


def test_truncation_boundaries():
    """end_time flags avalanches with an event at end_time - 1 (discrete only); burn_in
    flags roots strictly before it; alive ids take precedence over end_time."""
    events = netaval.Events(**_columns())  # avalanche 0 ends at 2, avalanche 1 at 0
    flags = lambda **kw: Avalanches.from_events(events, **kw).truncated.tolist()  # noqa: E731
    assert flags(end_time=3) == [True, False] and flags(end_time=3.5) == [False, False]
    assert flags(end_time=1) == [True, True] and flags(end_time=4) == [False, False]
    assert flags(alive=[1], end_time=3) == [False, True]
    assert flags(alive=np.array([], np.int64), end_time=3) == [False, False]
    assert flags(alive=[]) == [False, False] and flags(alive=[0, 0]) == [True, False]
    assert flags(burn_in=0) == [False, False] and flags(burn_in=0.5) == [True, True]
    assert flags(burn_in=0.5, alive=[]) == [True, True]
    continuous = netaval.Events(**{**_columns(time=np.array([0.0, 0.0, 1.0, 2.0])),
                                   "time_step": None})
    assert Avalanches.from_events(continuous, end_time=2.5).truncated.tolist() == [False, False]
    assert Avalanches.from_events(continuous).duration.tolist() == [2.0, 0.0]


def test_from_run_flags_carried_avalanches_and_returns_summaries():
    """Carried-over avalanches (n_carried) and burn_in flag truncation; a run without events
    returns its summaries."""
    events = netaval.Events(**_columns())

    def flags(params, alive=None):
        extra = {} if alive is None else {"alive_avalanches": alive}
        run = netaval.Run(events, np.array([2, 1, 1, 0]), None, {}, 1, "driven", end_time=10,
                          protocol_params=params, **extra)
        return Avalanches.from_run(run).truncated.tolist()

    assert flags({"n_carried": 1}) == [True, False] and flags({"n_carried": 2}) == [True, True]
    assert flags({"burn_in": 0.5, "n_carried": 0}) == [True, True]
    assert flags({"n_carried": None}) == flags(None) == [False, False]
    assert flags(None, np.array([1], np.int32)) == [False, True]
    assert flags({"n_carried": 1}, np.array([1], np.int32)) == [True, True]
    net = netaval.Network.from_edges([0, 1], [1, 0], n_nodes=2)
    light = netaval.simulate(net, netaval.Branching(sigma=0.5, drive=0.2), n_steps=30,
                             record="avalanches", seed=1)
    assert Avalanches.from_run(light) is light.summaries


def test_summaries_only_collections():
    """Without events: dtypes by clock, burn_in, subsets, time_step, and every query that
    needs the record raises MissingRecordError naming itself."""
    av = _hand()
    summaries = _summaries_of(av, alive=np.array([0, 1]))
    light = Avalanches.from_summaries(summaries, time_step=1.0, burn_in=None)
    assert light.truncated.tolist() == [False, True] and light.time_step == 1.0
    for name in _SUMMARY_NAMES:  # documented: compact int32 where the values are bounded
        assert getattr(light, name).dtype == (np.int32 if name in (
            "depth", "n_neurons", "n_generations", "start", "end", "duration") else np.int64)
        assert getattr(light, name).tolist() == getattr(av, name).tolist()
    assert light.events is light.event_order is light.generation_counts is None
    assert light.branching_ratio(include_truncated=True) == 0.75
    continuous = Avalanches.from_summaries(summaries, time_step=None, burn_in=0.5)
    assert continuous.duration.dtype == continuous.start.dtype == np.float64
    assert continuous.size.dtype == np.int64 and continuous.time_step is None
    assert continuous.depth.dtype == continuous.n_neurons.dtype == np.int32
    assert continuous.truncated.tolist() == [True, True]
    assert Avalanches.from_summaries(summaries, time_step=1.0, burn_in=0).truncated.tolist() \
        == [False, True]
    sub = light[np.array([1])]
    assert sub.events is None and sub.time_step == 1.0 and sub.size.tolist() == [1]
    assert sub.event_indptr is None and sub.generation_indptr is None
    assert light.largest(1).ids.tolist() == [0]
    for query, owner in ((lambda: light.generation_sizes(), "Avalanches.generation_sizes"),
                         (lambda: light.branching_ratio_by_generation(),
                          "Avalanches.generation_sizes"),
                         (lambda: light.ancestor_descendant_ratio(),
                          "Avalanches.ancestor_descendant_ratio"),
                         (lambda: light.dag_arrays(), "Avalanches.dag_arrays"),
                         (lambda: light.to_networkx(), "Avalanches.to_networkx"),
                         (lambda: light.mean_profile(2), "Avalanches.mean_profile"),
                         (lambda: light[0].events, "AvalancheDAG.events"),
                         (lambda: light[0].generation_counts, "AvalancheDAG.generation_counts"),
                         (lambda: light.lifetime, "Avalanches.lifetime"),
                         (lambda: light.population(0), "Avalanches.population"),
                         (lambda: light.write_graphml("never-written.graphml"),
                          "Avalanches.write_graphml")):
        with pytest.raises(netaval.errors.MissingRecordError, match=exactly(
                _MISSING.format(owner))):
            query()


def test_summaries_with_out_of_core_lifetimes():
    """A ``lifetime`` summary (streamed runs, computed without the record) is what
    `Avalanches.lifetime` gives, float64, subset with the collection; it must have one
    entry per avalanche; population still needs the record."""
    summaries = _summaries_of(_hand(), alive=np.array([0, 1]))
    light = Avalanches.from_summaries({**summaries, "lifetime": np.array([2, np.inf])},
                                      time_step=None)
    assert light.lifetime.tolist() == [2.0, np.inf] and light.lifetime.dtype == np.float64
    assert light[np.array([1])].lifetime.tolist() == [np.inf]
    assert light[::-1].lifetime.tolist() == [np.inf, 2.0]
    with pytest.raises(netaval.errors.MissingRecordError):
        light.population(0)
    with pytest.raises(InvalidParameterError, match="1-d arrays of one length"):
        Avalanches.from_summaries({**summaries, "lifetime": np.zeros(3)}, time_step=None)
    plain = Avalanches.from_summaries({**summaries, "lifetime": None}, time_step=None)
    assert plain.summary_lifetime is None


def test_lifetimes_and_population_in_continuous_time():
    """Lifetime = last deactivation - first activation (inf while active); population counts."""
    events = netaval.Events(time=np.array([0.0, 0.5, 0.7]), neuron=np.array([0, 1, 2], np.int32),
                            avalanche=np.zeros(3, np.int32),
                            generation=np.array([0, 1, 1], np.int32),
                            parent_indptr=np.array([0, 0, 1, 2]),
                            parent_ids=np.array([0, 0], np.int32), time_step=None,
                            end_time=np.array([1.0, 0.6, np.inf]))
    av = Avalanches.from_events(events)
    assert av.lifetime.tolist() == [np.inf] and av.duration.tolist() == [0.7]
    times, counts = av.population(-1)
    assert times.tolist() == [0.0, 0.5, 0.6, 0.7, 1.0] and counts.tolist() == [1, 2, 1, 2, 1]
    assert times.dtype == np.float64 and counts.dtype == np.int64
    finite = netaval.Events(**{**events.__dict__, "end_time": np.array([1.0, 0.6, 2.0])})
    assert Avalanches.from_events(finite).lifetime.tolist() == [2.0]
    discrete_times, discrete_counts = _hand().population(0)
    assert discrete_times.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert discrete_counts.tolist() == [1, 1, 1, 0]
    assert Avalanches.from_events(netaval.Events.empty()).lifetime.size == 0
    unrecorded = Avalanches.from_events(netaval.Events(**{**events.__dict__, "end_time": None}))
    message = ("{} needs the events' end_time (lifetimes), which this run did not record "
               "(continuous-time runs saved by format version 1, or a model without lifetimes).")
    for query, owner in ((lambda: unrecorded.lifetime, "Avalanches.lifetime"),
                         (lambda: unrecorded.population(0), "Avalanches.population")):
        with pytest.raises(netaval.NetavalError, match=exactly(message.format(owner))):
            query()


def test_deep_chains_overflow_the_int16_depth_scratch():
    """Depth beyond int16 (32767) is recomputed with the int32 scratch, exactly."""
    n = 40_000
    events = netaval.Events(time=np.arange(n), neuron=(np.arange(n) % 2).astype(np.int32),
                            avalanche=np.zeros(n, np.int32),
                            generation=np.arange(n, dtype=np.int32),
                            parent_indptr=np.concatenate([[0], np.arange(n)]),
                            parent_ids=np.arange(n - 1, dtype=np.int32))
    av = Avalanches.from_events(events)
    assert av.depth.tolist() == [n - 1] and av.n_generations.tolist() == [n]
    assert np.array_equal(av.event_order, np.arange(n))  # the scratch was overwritten
    assert av.n_neurons.tolist() == [2] and av.size.tolist() == [n]


def test_selection_and_ratio_messages_and_edges():
    """select, largest, the ratios and include_truncated: bounds inclusive, messages whole."""
    av = _hand()
    assert av.select(size=[1, 1]).ids.tolist() == [1]
    assert av.select(size=(3, None)).ids.tolist() == [0]
    assert av.select(duration=(None, 1)).ids.tolist() == [1]
    assert av.select(size=(1, 3), duration=(1, 3)).ids.tolist() == [0, 1]
    with pytest.raises(InvalidParameterError, match=exactly(
            "The 'duration' parameter of Avalanches.select must be a (low, high) pair. Got (1,) "
            "instead.")):
        av.select(duration=(1,))
    assert av.select(size=(-math.inf, math.inf)).ids.tolist() == [0, 1]
    for bad in ((math.nan, 3), (1, "3"), (True, None)):  # NaN selected nothing, silently
        with pytest.raises(InvalidParameterError, match="'size' parameter of Avalanches.select"):
            av.select(size=bad)
    assert av.largest(5).ids.tolist() == [0, 1] and av.largest(0).ids.size == 0
    tie = Avalanches.from_events(netaval.Events(**_columns(
        time=np.array([0, 0, 1, 1]), neuron=np.array([0, 1, 0, 2], np.int32),
        avalanche=np.array([0, 1, 0, 1], np.int32), generation=np.array([0, 0, 1, 1], np.int32),
        parent_indptr=np.array([0, 0, 0, 1, 2]), parent_ids=np.array([0, 1], np.int32))))
    assert tie.size.tolist() == [2, 2] and tie.largest(1).ids.tolist() == [0]
    for method, bad in ((av.largest, dict(n=-1)), (av.largest, dict(n=1, include_truncated=1)),
                        (av.select, dict(include_truncated=None)),
                        (av.branching_ratio, dict(include_truncated=None)),
                        (av.generation_sizes, dict(include_truncated=0)),
                        (av.ancestor_descendant_ratio, dict(include_truncated="yes")),
                        (av.branching_ratio_by_generation, dict(include_truncated=1.0))):
        name = method.__name__
        param, value = list(bad.items())[-1]
        expected = ("an int in the range [0, inf)" if param == "n" else "a bool")
        via = ("Avalanches.branching_ratio_by_generation: " if name.endswith("by_generation")
               else "")  # forwarded to generation_sizes, which names itself after the caller
        name = "generation_sizes" if via else name
        with pytest.raises(InvalidParameterError, match=exactly(
                f"{via}The {param!r} parameter of Avalanches.{name} must be {expected}. Got "
                f"{value!r} instead.")):
            method(**bad)
    flagged = av[np.array([0, 1])]
    object.__setattr__(flagged, "truncated", np.array([True, False]))
    assert flagged.branching_ratio() == 1.0 and flagged.ancestor_descendant_ratio() == 0.0
    assert flagged.generation_sizes().tolist() == [1]
    assert flagged.branching_ratio_by_generation().size == 0
    assert flagged.largest(2, include_truncated=False).ids.tolist() == [1]
    assert flagged.largest(2).ids.tolist() == [0, 1]  # truncated ones included by default
    one = av[np.array([1])]
    assert one[np.array([-1])].ids.tolist() == [1]  # -1 wraps modulo a length of 1
    assert flagged.select().ids.tolist() == [1]
    assert flagged.branching_ratio(include_truncated=True) == 0.75
    empty = av[np.zeros(2, bool)]
    assert empty.branching_ratios().size == 0 and empty.to_frame().shape == (0, 11)
    zero = Avalanches.from_summaries(_summaries_of(av, size=np.array([0, 1])), time_step=1.0)
    assert zero.branching_ratios().tolist() == [2.0, 1.0]  # size 0 divides by 1


def test_mean_profile_fields_and_messages():
    """Bins, tolerance windows, rates, the NaN warning and the refusals, whole."""
    av = _hand()
    assert av.mean_profile(3).tolist() == [1.0, 1.0, 1.0]
    assert av.mean_profile(1).tolist() == [1.0]
    assert av.mean_profile(3, n_bins=1).tolist() == [1.0]
    assert av.mean_profile(2, rtol=0.5).tolist() == [1.5, 0.5]
    assert av.mean_profile(3, include_truncated=True).tolist() == [1.0, 1.0, 1.0]
    assert av.mean_profile(3.0).shape == (3,)
    with pytest.warns(NetavalWarning, match=exactly(
            "No avalanche of duration 2 to average over; the profile is NaN.")) as caught:
        profile = av.mean_profile(2)
    assert profile.shape == (2,) and np.isnan(profile).all()
    assert_warned_at_caller(caught[0], Avalanches.mean_profile, __file__)
    with pytest.warns(NetavalWarning):  # exactly MAX_PROFILE_BINS steps: the default is allowed
        assert av.mean_profile(2**24).shape == (2**24,)
    with pytest.raises(InvalidParameterError, match=exactly(
            "The 'include_truncated' parameter of Avalanches.mean_profile must be a bool. Got 1 "
            "instead.")):
        av.mean_profile(3, include_truncated=1)
    owner = "Avalanches.mean_profile"
    for kwargs, message in (
            (dict(duration=0), f"The 'duration' parameter of {owner} must be a float in the "
                               "range [1, 4.611686018427388e+18]. Got 0 instead."),
            (dict(duration=2, rtol=-1), f"The 'rtol' parameter of {owner} must be a float in "
                                        "the range [0, inf). Got -1 instead."),
            (dict(duration=2**24 + 1), f"The 'n_bins' parameter of {owner} must be given for a "
                                       "duration over MAX_PROFILE_BINS = 16777216 steps (the "
                                       "default is one bin per step). Got duration=16777217."),
            (dict(duration=2, n_bins=2**24 + 1), f"The 'n_bins' parameter of {owner} must be "
                                                 "an int in the range [1, 16777216]. Got "
                                                 "16777217 instead.")):
        with pytest.raises(InvalidParameterError, match=exactly(message)):
            av.mean_profile(**kwargs)
    with pytest.warns(NetavalWarning):
        assert av.mean_profile(2**24, n_bins=1).shape == (1,)
    events = netaval.Events(time=np.array([0.0, 0.5, 0.7]), neuron=np.array([0, 1, 2], np.int32),
                            avalanche=np.zeros(3, np.int32),
                            generation=np.array([0, 1, 1], np.int32),
                            parent_indptr=np.array([0, 0, 1, 2]),
                            parent_ids=np.array([0, 0], np.int32), time_step=None)
    continuous = Avalanches.from_events(events)
    profile = continuous.mean_profile(0.7)
    assert profile.shape == (10,)  # default: 10 bins; the last event falls in the last bin
    assert np.allclose(profile, np.array([1, 0, 0, 0, 0, 0, 0, 1, 0, 1]) / 0.07)
    assert np.allclose(continuous.mean_profile(0.7, n_bins=2), np.array([1, 2]) / 0.35)
    with pytest.raises(InvalidParameterError, match=exactly(
            f"The 'duration' parameter of {owner} must be a float in the range (0, inf). Got 0 "
            "instead.")):
        continuous.mean_profile(0)
    with pytest.warns(NetavalWarning):
        continuous.mean_profile(0.8, rtol=0.1)
    assert np.allclose(continuous.mean_profile(0.8, rtol=0.13, n_bins=2),
                       np.array([1, 2]) / 0.4)


def _stored_dtype_summaries(n=6):
    """Summaries of ``n`` single-spike avalanches, each array already of the dtype
    `Avalanches.from_summaries` keeps it in (discrete time), plus lifetimes."""
    one64, one32 = np.ones(n, np.int64), np.ones(n, np.int32)
    return {"root": np.arange(n, dtype=np.int64), "size": one64.copy(),
            "duration": one32.copy(), "depth": np.zeros(n, np.int32),
            "n_neurons": one32.copy(), "n_generations": one32.copy(),
            "start": np.arange(n, dtype=np.int32), "end": np.arange(n, dtype=np.int32),
            "offspring": np.zeros(n, np.int64), "alive": np.zeros(n, np.bool_),
            "lifetime": np.full(n, 0.5)}


def test_from_summaries_keeps_arrays_of_their_stored_dtype():
    """Documented: arrays already of the dtype a field is kept in are kept, not copied (a
    long run's summaries are its largest arrays)."""
    summaries = _stored_dtype_summaries()
    av = Avalanches.from_summaries(summaries, time_step=1.0)
    for name in ("root", "size", "offspring", "duration", "start", "end", "depth",
                 "n_neurons", "n_generations", "lifetime"):
        assert np.shares_memory(getattr(av, name), summaries[name]), name
    assert np.shares_memory(av.truncated, summaries["alive"])
    # a burn-in makes new flags and leaves the caller's array alone
    flagged = Avalanches.from_summaries(summaries, time_step=1.0, burn_in=2)
    assert flagged.truncated.tolist() == [True, True, False, False, False, False]
    assert not summaries["alive"].any()


def test_from_summaries_narrows_every_compact_field_whichever_is_int32_already():
    """A compact field that arrives as int32 is kept; the ones after it in the same call
    are still narrowed from int64 (each field on its own)."""
    summaries = _stored_dtype_summaries()
    for name in ("n_neurons", "n_generations", "start", "end", "duration"):
        summaries[name] = summaries[name].astype(np.int64)
    av = Avalanches.from_summaries(summaries, time_step=1.0)  # depth (first) is int32
    for name in ("depth", "n_neurons", "n_generations", "start", "end", "duration"):
        assert getattr(av, name).dtype == np.int32, name
        assert getattr(av, name).tolist() == summaries[name].tolist(), name


@pytest.mark.parametrize(("field", "values", "time_step", "expected"), [
    # continuous time: durations are numbers >= 0
    ("duration", [-1.0], None, "'duration' numbers >= 0 (finite). Got dtype float64, values "
     "[-1.0]."),
    # ends (like starts) may be negative: no ">= 0" in what is expected
    ("end", [0.5], 1.0, "'end' integers (finite). Got dtype float64, values [0.5]."),
    # the first five values, then "..." only when there are more
    ("size", [-1, 2, 3, 4, 5], 1.0, "'size' integers >= 0 (finite). Got dtype int64, "
     "values [-1, 2, 3, 4, 5]."),
    ("size", [-1, 2, 3, 4, 5, 6], 1.0, "'size' integers >= 0 (finite). Got dtype int64, "
     "values [-1, 2, 3, 4, 5]...."),
])
def test_from_summaries_names_the_field_what_it_holds_and_the_values(field, values,
                                                                      time_step, expected):
    summaries = _stored_dtype_summaries(len(values))
    summaries[field] = np.array(values)
    if time_step is None:
        for name in ("duration", "start", "end"):
            summaries[name] = summaries[name].astype(np.float64)
        summaries[field] = np.array(values)
    with pytest.raises(InvalidParameterError) as info:
        Avalanches.from_summaries(summaries, time_step=time_step)
    assert str(info.value) == ("The 'summaries' parameter of Avalanches.from_summaries must "
                               "hold in " + expected)
