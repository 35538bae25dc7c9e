"""Tests for netaval.avalanches: every per-avalanche query against networkx and pure Python."""

from collections import Counter

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import netaval
from netaval.avalanches import AvalancheDAG, Avalanches
from netaval.errors import InvalidParameterError, NetavalWarning


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
