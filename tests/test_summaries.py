"""Online per-avalanche summaries equal the ones computed from the full record, exactly."""

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_avalanches import example_run

import netaval
import netaval._summaries as summaries_module
from netaval._kernels.accumulate import MARK_WIDTH
from netaval._summaries import AvalancheAccumulator
from netaval.errors import InvariantError

FIELDS = ("root", "size", "duration", "depth", "n_neurons", "n_generations", "start", "end",
          "offspring")


def assert_same_summaries(summary, av):
    """Every summary field equal to the `Avalanches` field (same dtype kind, same values)."""
    for name in FIELDS:
        expected = getattr(av, name)
        got = summary[name]
        assert got.dtype.kind == expected.dtype.kind, name
        np.testing.assert_array_equal(got, expected, err_msg=name)


def feed_in_chunks(events, cuts, n_nodes, *, alive_sets=None):
    """Feed ``events`` to an accumulator cut at ``cuts`` (event positions), one buffer.

    At each cut the avalanches with an event or a parent of an event after it are declared
    alive (exactly the ones that may still grow or gain a link), so the pair table is pruned
    and finished avalanches are written out as an engine would do it.
    """
    acc = AvalancheAccumulator(n_nodes, continuous=events.time.dtype.kind == "f")
    depth = np.empty(events.n_events, np.int32)
    bounds = [0, *sorted(cuts), events.n_events]
    for begin, end in zip(bounds[:-1], bounds[1:], strict=True):
        acc.feed(events.time, events.neuron, events.avalanche, events.generation,
                 events.parent_indptr, events.parent_ids, depth, begin, end, 0)
        if alive_sets is None:
            parents = events.parent_ids[events.parent_indptr[end]:]
            later = np.union1d(events.avalanche[end:], events.avalanche[parents[parents < end]])
        else:
            later = alive_sets(end)
        acc.boundary(later[later < acc.n_avalanches])
    return acc


@pytest.mark.parametrize("continuous", [False, True])
def test_accumulator_equals_from_events_on_multiparent_records(seed, continuous):
    network, run = example_run(seed, continuous=continuous)
    ev = run.events
    av = netaval.Avalanches.from_events(ev)
    rng = np.random.default_rng(seed)
    cuts = rng.choice(np.arange(1, ev.n_events), size=min(7, ev.n_events - 1), replace=False)
    acc = feed_in_chunks(ev, cuts, network.n_nodes)
    assert acc.n_events == ev.n_events
    assert_same_summaries(acc.summaries(), av)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 40))
def test_accumulator_is_independent_of_chunking(seed, n_cuts):
    """Any cut points, any number of chunks: the same summaries as from_events."""
    network, run = example_run(seed % 1000, n_nodes=12, n_steps=40, p=0.2, drive=0.08)
    ev = run.events
    rng = np.random.default_rng(seed)
    cuts = np.unique(rng.integers(1, max(ev.n_events, 2), size=n_cuts))
    acc = feed_in_chunks(ev, cuts[cuts < ev.n_events], network.n_nodes)
    assert_same_summaries(acc.summaries(), netaval.Avalanches.from_events(ev))


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 40), st.integers(1, 5), st.booleans())
def test_written_out_avalanches_equal_from_events(seed, n_cuts, block_rows, release):
    """Finished avalanches written out at every boundary that allows it, into blocks of a
    few avalanches, then joined: the same summaries as from_events, any chunking."""
    network, run = example_run(seed % 1000, n_nodes=12, n_steps=40, p=0.2, drive=0.08)
    ev = run.events
    rng = np.random.default_rng(seed)
    cuts = np.unique(rng.integers(1, max(ev.n_events, 2), size=n_cuts))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(summaries_module, "_MIN_PIECE", 1)
        patch.setattr(summaries_module, "_BLOCK_ROWS", block_rows)
        acc = feed_in_chunks(ev, cuts[cuts < ev.n_events], network.n_nodes)
        assert acc.n_events == ev.n_events
        summary = acc.summaries(release=release)
    assert_same_summaries(summary, netaval.Avalanches.from_events(ev))


def test_events_and_boundaries_of_written_out_avalanches_are_refused():
    """Avalanche 0 finishes at the first boundary and is written out: a later event in it,
    or a boundary naming it alive, breaks the invariants (and so does a boundary naming an
    avalanche not seen yet)."""
    ev = raw_events(time=np.array([0, 1, 2], np.int64), neuron=np.array([0, 1, 1], np.int32),
                    avalanche=np.array([0, 1, 0], np.int32),
                    generation=np.array([0, 0, 1], np.int32),
                    parent_indptr=np.array([0, 0, 0, 1], np.int64),
                    parent_ids=np.array([0], np.int32))
    depth = np.empty(3, np.int32)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(summaries_module, "_MIN_PIECE", 1)
        for later in ("event", "boundary", "unseen"):
            acc = AvalancheAccumulator(2, continuous=False)
            acc.feed(ev.time, ev.neuron, ev.avalanche, ev.generation, ev.parent_indptr,
                     ev.parent_ids, depth, 0, 2, 0)
            acc.boundary(np.array([1]))
            assert acc._base == 1
            with pytest.raises(InvariantError):
                if later == "event":
                    acc.feed(ev.time, ev.neuron, ev.avalanche, ev.generation,
                             ev.parent_indptr, ev.parent_ids, depth, 2, 3, 0)
                else:
                    acc.boundary(np.array([0 if later == "boundary" else 2]))
            assert acc.summaries()["size"].tolist() == [1, 1]


def test_steps_beyond_int32_are_refused():
    """Discrete-time summaries keep start, end and duration as int32: a stream with a step
    past 2**31 - 1 is refused when fed, and so are such values given to from_summaries
    (naming the field); continuous times are float64 and accepted."""
    for steps, continuous in (([0, 2**31], False), ([-2**31 - 1, 0], False),
                              ([0.0, 2.0**40], True)):
        ev = raw_events(time=np.array(steps), neuron=np.array([0, 1], np.int32),
                        avalanche=np.array([0, 1], np.int32),
                        generation=np.array([0, 0], np.int32),
                        parent_indptr=np.array([0, 0, 0], np.int64),
                        parent_ids=np.array([], np.int32))
        acc = AvalancheAccumulator(2, continuous=continuous)
        args = (ev.time, ev.neuron, ev.avalanche, ev.generation, ev.parent_indptr,
                ev.parent_ids, np.empty(2, np.int32), 0, 2, 0)
        if continuous:
            acc.feed(*args)
            assert acc.summaries()["end"].tolist() == steps
        else:
            with pytest.raises(InvariantError, match="int32"):
                acc.feed(*args)
    one = np.array([1])
    summaries = {"root": np.array([0]), "size": one, "duration": one, "depth": one * 0,
                 "n_neurons": one, "n_generations": one, "start": np.array([2**31]),
                 "end": np.array([2**31]), "offspring": one * 0, "alive": np.array([False])}
    with pytest.raises(netaval.InvalidParameterError, match="'start'.*int32"):
        netaval.Avalanches.from_summaries(summaries, time_step=1.0)
    assert netaval.Avalanches.from_summaries(summaries, time_step=None).start.tolist() == [
        2**31]


def test_neuron_revisiting_an_avalanche_after_another_counts_once():
    """Neuron 0 fires in avalanche 0, then 1, then 0 again: n_neurons counts it once in 0.

    A marker holding only each neuron's last avalanche would count it twice; the pair
    table must remember (0, neuron 0) across the pruning at the cut (avalanche 0 alive).
    """
    ev = netaval.Events(time=np.array([0, 1, 2, 3]), neuron=np.array([0, 0, 0, 1], np.int32),
                        avalanche=np.array([0, 1, 0, 0], np.int32),
                        generation=np.array([0, 0, 1, 2], np.int32),
                        parent_indptr=np.array([0, 0, 0, 1, 2]),
                        parent_ids=np.array([0, 2], np.int32))
    for cuts in ([], [1], [2], [1, 2, 3]):
        acc = feed_in_chunks(ev, cuts, 2)
        assert acc.summaries()["n_neurons"].tolist() == [2, 1]


def test_pruning_keeps_the_pair_table_small_and_exact():
    """A tiny table rebuilt (pruned) at nearly every chunk: counts stay exact, and the table
    holds far fewer pairs than when every avalanche is declared alive (no pruning)."""
    network, run = example_run(3, n_nodes=10, n_steps=200, p=0.15, drive=0.1)
    ev = run.events
    av = netaval.Avalanches.from_events(ev)
    stored = {}
    for prune in (True, False):
        acc = AvalancheAccumulator(network.n_nodes, continuous=False)
        acc.table = np.full(4, -1, np.int64)  # tiny: feeds rebuild (prune) and grow it
        depth = np.empty(ev.n_events, np.int32)
        for begin in range(0, ev.n_events, 5):
            end = min(begin + 5, ev.n_events)
            acc.feed(ev.time, ev.neuron, ev.avalanche, ev.generation, ev.parent_indptr,
                     ev.parent_ids, depth, begin, end, 0)
            alive = np.unique(ev.avalanche[end:]) if prune else np.arange(acc.n_avalanches)
            acc.boundary(alive[alive < acc.n_avalanches])
        assert_same_summaries(acc.summaries(), av)
        stored[prune] = int(acc.state[1])
    assert 3 * stored[True] < stored[False]


def raw_events(**arrays):
    """Event arrays that skip `Events` validation (the accumulator's own checks are tested)."""
    arrays = {name: np.asarray(value) for name, value in arrays.items()}
    return SimpleNamespace(n_events=len(arrays["time"]), **arrays)


@pytest.mark.parametrize("broken", [
    {"avalanche": [1, 1]},                # the first root must open avalanche 0
    {"neuron": [0, 5]},                   # neuron out of range
    {"avalanche": [0, 1]},                # not in its primary parent's avalanche
    {"parent_ids": [1]},                  # a parent that is not earlier
])
def test_broken_record_raises_invariant_error(broken):
    arrays = {"time": [0, 1], "neuron": [0, 1], "avalanche": [0, 0], "generation": [0, 1],
              "parent_indptr": [0, 0, 1], "parent_ids": [0]}
    arrays.update(broken)
    dtypes = {"time": np.int64, "neuron": np.int32, "avalanche": np.int32,
              "generation": np.int32, "parent_indptr": np.int64, "parent_ids": np.int32}
    ev = raw_events(**{name: np.asarray(value, dtypes[name]) for name, value in arrays.items()})
    with pytest.raises(InvariantError, match="invariants"):
        feed_in_chunks(ev, [], 2)


def test_neuron_revisited_after_leaving_its_row_is_counted_once():
    """Neuron 0 fires in avalanche 0, then as the root of MARK_WIDTH other avalanches (more
    than a neuron's row remembers), then in avalanche 0 again while it is still alive: the
    pair must come back from the hash set, so avalanche 0 has 4 distinct neurons, not 5."""
    others = MARK_WIDTH
    time, neuron, avalanche, generation, parents = [0, 1], [1, 0], [0, 0], [0, 1], [[], [0]]
    chain = 1  # the last event of avalanche 0
    for t in range(2, others + 3):
        time.append(t)
        neuron.append(2 + t % 2)
        avalanche.append(0)
        generation.append(generation[chain] + 1)
        parents.append([chain])
        chain = len(time) - 1
        if t <= others + 1:  # a root at neuron 0: avalanche t - 1
            time.append(t)
            neuron.append(0)
            avalanche.append(t - 1)
            generation.append(0)
            parents.append([])
    time.append(others + 3)
    neuron.append(0)
    avalanche.append(0)
    generation.append(generation[chain] + 1)
    parents.append([chain])
    indptr = np.concatenate([[0], np.cumsum([len(p) for p in parents])])
    ev = raw_events(time=np.array(time, np.int64), neuron=np.array(neuron, np.int32),
                    avalanche=np.array(avalanche, np.int32),
                    generation=np.array(generation, np.int32),
                    parent_indptr=indptr.astype(np.int64),
                    parent_ids=np.array([q for p in parents for q in p], np.int32))
    for cuts in ([], list(range(1, ev.n_events))):
        summary = feed_in_chunks(ev, cuts, 4).summaries()
        assert summary["n_neurons"].tolist() == [4] + [1] * others
        assert summary["size"].tolist() == [others + 4] + [1] * others
