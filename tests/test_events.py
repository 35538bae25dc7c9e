"""Tests for Events.end_time (lifetimes) and the lifetime rules of check_invariants."""

import dataclasses
import re

import numpy as np
import pytest
import scipy.stats
from stats import assert_within_z

import netaval
import topologies
from netaval.errors import InvariantError

Z = 4.0  # two-sided false-alarm rate ~6e-5 per check

NET = netaval.Network.from_edges([0, 1, 0], [1, 2, 2], n_nodes=3)


def chain(end_time, time=(0.0, 0.5, 1.0), neuron=(0, 1, 2), parents=((), (0,), (1,))):
    """Continuous-time events 0 -> 1 -> 2 (by default) with the given end times."""
    indptr = np.concatenate([[0], np.cumsum([len(p) for p in parents])])
    avalanche, generation = [], []
    for p in parents:  # roots open avalanches in order, children follow their primary parent
        avalanche.append(avalanche[p[0]] if p else max(avalanche, default=-1) + 1)
        generation.append(generation[p[0]] + 1 if p else 0)
    return netaval.Events(time=np.array(time), neuron=np.array(neuron, np.int32),
                          avalanche=np.array(avalanche, np.int32),
                          generation=np.array(generation, np.int32),
                          parent_indptr=indptr,
                          parent_ids=np.array([p for ps in parents for p in ps], np.int32),
                          time_step=None, end_time=None if end_time is None
                          else np.array(end_time, float))


def test_valid_lifetimes_pass_and_discrete_time_derives_them():
    """Parents active at their children's activation pass; discrete events last one step."""
    chain([0.7, 2.0, np.inf]).check_invariants(NET)
    chain(None).check_invariants(NET)  # lifetimes not recorded: nothing to check
    discrete = netaval.Events(time=np.array([0, 1]), neuron=np.array([0, 1], np.int32),
                              avalanche=np.zeros(2, np.int32),
                              generation=np.array([0, 1], np.int32),
                              parent_indptr=np.array([0, 0, 1]),
                              parent_ids=np.array([0], np.int32))
    assert discrete.end_time.tolist() == [1.0, 2.0] and discrete.end_time.dtype == np.float64
    stored = ("time", "neuron", "avalanche", "generation", "parent_indptr", "parent_ids")
    assert discrete.nbytes == sum(getattr(discrete, k).nbytes for k in stored)  # derived: free
    recorded = chain([0.7, 2.0, np.inf])
    assert recorded.nbytes == sum(getattr(recorded, k).nbytes for k in stored) + 3 * 8


@pytest.mark.parametrize(("end_time", "message"), [
    ([0.4, 2.0, np.inf], "still be active"),  # event 0 ended before its child at 0.5
    ([0.7, 0.5, np.inf], "not after its start"),  # event 1 ends as it starts
    ([0.7, 2.0, np.nan], "not after its start"),
])
def test_broken_lifetimes_raise(end_time, message):
    """A parent that ended before its child, or a lifetime that is not positive, is caught."""
    with pytest.raises(InvariantError, match=message):
        chain(end_time).check_invariants(NET)


def test_reactivation_before_the_end_raises():
    """A neuron activated twice with overlapping lifetimes is caught."""
    events = chain([3.0, 2.0, np.inf], time=(0.0, 0.5, 1.0), neuron=(0, 1, 0),
                   parents=((), (0,), ()))
    with pytest.raises(InvariantError, match="activated again"):
        events.check_invariants(NET)
    netaval.Events(**{**events.__dict__, "end_time": np.array([0.9, 2.0, np.inf])}
                   ).check_invariants(NET)  # ended at 0.9, before the reactivation at 1.0


def test_end_time_shape_and_clock_are_checked():
    """end_time of the wrong length, or given for discrete time, is refused."""
    with pytest.raises(netaval.InvalidParameterError, match="'end_time'.*one entry per event"):
        chain([1.0, 2.0])
    with pytest.raises(netaval.InvalidParameterError, match="'end_time'.*derived"):
        netaval.Events(time=np.array([0]), neuron=np.array([0], np.int32),
                       avalanche=np.zeros(1, np.int32), generation=np.zeros(1, np.int32),
                       parent_indptr=np.zeros(2, np.int64), parent_ids=np.zeros(0, np.int32),
                       end_time=np.array([1.0]))


def test_contact_process_lifetimes_are_exponential_with_rate_one():
    """Every completed activation of the contact process lasts Exp(1): mean 1, variance 1."""
    net = topologies.random(500, k=6, seed=3)
    run = netaval.simulate(net, netaval.ContactProcess(rate=0.9), protocol="isolated",
                           n_avalanches=500, seed=4)
    run.events.check_invariants(net)
    life = run.events.end_time - run.events.time
    assert np.isfinite(life).all() and len(life) > 2000  # the run died out: all ended
    assert_within_z(life.mean(), 1.0, 1.0 / np.sqrt(len(life)), z=Z, what="mean lifetime")
    assert scipy.stats.kstest(life, "expon").pvalue > 1e-3  # false-alarm rate 1e-3


# ---------------------------------------------------------------------- pinned exactly
# The messages name the column and the event: they are the contract a user debugging a
# hand-built record reads, so they are asserted whole.
from tests.test_hostile_input import BAD_EVENTS, _columns  # noqa: E402

BASE_NET = netaval.Network.from_edges([0, 1, 2], [2, 2, 0], n_nodes=3)  # fits _columns()


def exactly(message):
    """``match`` argument of pytest.raises for the whole message, not a substring."""
    return "^" + re.escape(message) + "$"


def _of_events(name, text):
    return f"The {name!r} parameter of Events {text}."


STRUCTURE_MESSAGES = {
    "parent-out-of-range": "must hold ids of earlier events, in [0, 3) for event 3. Got [1000000]",
    "negative-parent": "must hold ids of earlier events, in [0, 3) for event 3. Got [-5]",
    "parent-not-earlier": "must hold ids of earlier events, in [0, 3) for event 3. Got [3]",
    "indptr-drops": "must be non-decreasing; it drops after event 3",
    "indptr-past-links": "must end at len(parent_ids) = 3 without exceeding it. Got 9 after event 3",
    "indptr-not-from-zero": "must start at 0. Got 1",
    "indptr-short": "must have n_events + 1 entries: 5. Got 4",
    "links-short": "must end at len(parent_ids) = 2 without exceeding it. Got 3 after event 3",
    "negative-neuron": "must hold non-negative neuron ids. Got -1 at event 1",
    "time-backwards": "must be finite and non-decreasing (causal order). Got 2 then 1 at event 3",
    "time-nan": "must be finite and non-decreasing (causal order). Got 0.0 then nan at event 2",
    "time-inf": "must be finite and non-decreasing (causal order). Got 1.0 then inf at event 3",
    "wrong-generation": "must be 0 for a root and 1 + the primary parent's otherwise. Got 3 at "
                        "event 3",
    "negative-generation": "must be 0 for a root and 1 + the primary parent's otherwise. Got -1 "
                           "at event 1",
    "avalanche-not-primary": "must number roots 0, 1, ... in order and give every other event "
                             "its primary parent's avalanche. Got 1 at event 2",
    "avalanche-skips-id": "must number roots 0, 1, ... in order and give every other event its "
                          "primary parent's avalanche. Got 2 at event 1",
    "ids-wrap-in-int32": "must fit in int32. Got values in [0, 4294967298]",
    "float-ids": "must hold integers. Got dtype float64 instead",
    "2d-column": "must be 1-dimensional. Got shape (4, 1) instead",
    "length-mismatch": "must have one entry per event (as time): 4. Got 3",
    "strings": "must hold integers or floats. Got dtype <U1 instead",
}


@pytest.mark.parametrize("case", list(BAD_EVENTS))
def test_structure_messages_are_exact(case):
    """Each broken record of test_hostile_input's table gets its whole message."""
    name, changes = BAD_EVENTS[case]
    with pytest.raises(netaval.InvalidParameterError,
                       match=exactly(_of_events(name, STRUCTURE_MESSAGES[case]))):
        netaval.Events(**_columns(**changes))


@pytest.mark.parametrize(("changes", "name", "text"), [
    (dict(parent_ids=np.array([0, 1, 2, 0], np.int32)), "parent_indptr",
     "must end at len(parent_ids) = 4 without exceeding it. Got 3 after event 4"),
    (dict(time=np.array([np.nan, 0.0, 1.0, 2.0])), "time",
     "must be finite and non-decreasing (causal order). Got nan at event 0"),
    (dict(time=np.array([-np.inf, 0.0, 1.0, 2.0])), "time",
     "must be finite and non-decreasing (causal order). Got -inf at event 0"),
    (dict(parent_indptr=np.zeros(0, np.int64)), "parent_indptr",
     "must have n_events + 1 entries. Got 0"),
    (dict(generation=np.array([1, 0, 2, 3], np.int32)), "generation",
     "must be 0 for a root and 1 + the primary parent's otherwise. Got 1 at event 0"),
    (dict(avalanche=np.array([1, 0, 1, 1], np.int32)), "avalanche",
     "must number roots 0, 1, ... in order and give every other event its primary parent's "
     "avalanche. Got 1 at event 0"),
    (dict(neuron=np.array([0, 1, 2**31, 0])), "neuron",
     "must fit in int32. Got values in [0, 2147483648]"),
    (dict(avalanche=np.array([0, -2**31 - 1, 0, 0])), "avalanche",
     "must fit in int32. Got values in [-2147483649, 0]"),
    (dict(generation=np.array([0, 0, 1, 2], bool)), "generation",
     "must hold integers. Got dtype bool instead"),
    (dict(avalanche=np.array([0, -2**31, 0, 0])), "avalanche",  # fits int32: a numbering fault
     "must number roots 0, 1, ... in order and give every other event its primary parent's "
     "avalanche. Got -2147483648 at event 1"),
    (dict(time=np.zeros(0), neuron=np.zeros(0, bool), avalanche=np.zeros(0, np.int32),
          generation=np.zeros(0, np.int32), parent_indptr=np.zeros(1, np.int64),
          parent_ids=np.zeros(0, np.int32)), "neuron",
     "must hold integers or floats. Got dtype bool instead"),  # empty: floats allowed too
    (dict(parent_indptr=np.array([1, 0, 0, 2, 3])), "parent_indptr", "must start at 0. Got 1"),
    (dict(parent_indptr=np.array([0, 0, 5, 7, 7])), "parent_indptr",
     "must end at len(parent_ids) = 3 without exceeding it. Got 5 after event 1"),
], ids=["links-long", "nan-first", "minus-inf-first", "indptr-empty", "root-generation",
        "first-root-not-0", "above-int32", "below-int32", "bool-column", "int32-minimum",
        "empty-bool-column", "indptr-start-only-first", "indptr-exceeds-early"])
def test_more_structure_messages(changes, name, text):
    """Faults at the first and the last event, int32 bounds and bools."""
    with pytest.raises(netaval.InvalidParameterError, match=exactly(_of_events(name, text))):
        netaval.Events(**_columns(**changes))


def test_ragged_column_message_names_numpy_reason():
    """Input numpy cannot make an array of is refused with numpy's reason in brackets."""
    with pytest.raises(netaval.InvalidParameterError, match="^" + re.escape(
            "The 'neuron' parameter of Events must be a 1-dimensional array of numbers (") +
            r".*inhomogeneous.*\)\.$"):
        netaval.Events(**_columns(neuron=[[0], [1, 2], [0], [1]]))


def test_columns_convert_losslessly_and_at_the_int32_bounds():
    """Values at the int32 limits are kept; uints and empty float arrays are converted."""
    top = netaval.Events(**_columns(neuron=np.array([0, 1, 2**31 - 1, 0], np.int64)))
    assert top.neuron.dtype == np.int32 and top.neuron.tolist() == [0, 1, 2**31 - 1, 0]
    unsigned = netaval.Events(**_columns(neuron=np.array([0, 1, 2, 0], np.uint64),
                                         parent_indptr=np.array([0, 0, 0, 2, 3], np.uint8)))
    assert unsigned.neuron.dtype == np.int32 and unsigned.parent_indptr.dtype == np.int64
    assert unsigned.parent_indptr.tolist() == [0, 0, 0, 2, 3]
    for given, stored in ((np.int32, np.int64), (np.uint16, np.int64), (np.float32, np.float64)):
        assert netaval.Events(**_columns(time=np.array([0, 0, 1, 2], given))).time.dtype == stored
    empty = netaval.Events(time=[], neuron=[], avalanche=[], generation=[], parent_indptr=[0],
                           parent_ids=[])  # np.array([]) is float64: accepted when empty
    assert [getattr(empty, k).dtype for k in ("neuron", "avalanche", "generation",
                                               "parent_indptr", "parent_ids")] == [
        np.int32, np.int32, np.int32, np.int64, np.int32]
    assert empty.n_events == empty.n_avalanches == 0
    columns = chain(None).__dict__
    continuous = netaval.Events(**{**columns, "end_time": np.array([1, 2, 3])})
    assert continuous.end_time.dtype == np.float64 and continuous.end_time.tolist() == [1, 2, 3]
    assert continuous.time.dtype == np.float64
    with pytest.raises(netaval.InvalidParameterError, match=exactly(_of_events(
            "end_time", "must hold integers or floats. Got dtype bool instead"))):
        netaval.Events(**{**columns, "end_time": np.ones(3, bool)})
    with pytest.raises(netaval.InvalidParameterError, match=exactly(_of_events(
            "neuron", "must hold integers. Got dtype float64 instead"))):
        netaval.Events(**_columns(neuron=np.array([0.0, 1.0, 2.0, 0.0])))


def test_too_many_events_are_refused(monkeypatch):
    """More events than MAX_EVENTS_IN_MEMORY are refused, naming the limit (limit patched)."""
    import netaval.events as events_module

    monkeypatch.setattr(events_module, "MAX_EVENTS_IN_MEMORY", 3)
    with pytest.raises(netaval.InvalidParameterError, match=exactly(_of_events(
            "time", "holds 4 events, more than MAX_EVENTS_IN_MEMORY = 3"))):
        netaval.Events(**_columns())
    monkeypatch.setattr(events_module, "MAX_EVENTS_IN_MEMORY", 4)
    assert netaval.Events(**_columns()).n_events == 4
    monkeypatch.undo()
    assert events_module.MAX_EVENTS_IN_MEMORY == 2**31 - 1  # int32 event ids


@pytest.mark.parametrize("time_step", [0, -1.0, np.inf, np.nan, True, "1"])
def test_time_step_message(time_step):
    """time_step must be a positive finite real (bools refused), message whole."""
    with pytest.raises(netaval.InvalidParameterError, match=exactly(_of_events(
            "time_step", f"must be a positive finite float or None. Got {time_step!r} instead"))):
        netaval.Events(**_columns(), time_step=time_step)


def test_time_step_is_stored_as_float_and_end_time_only_for_continuous_time():
    """An int time step becomes a float; end_time with a time step is refused."""
    events = netaval.Events(**_columns(), time_step=2)
    assert type(events.time_step) is float and events.time_step == 2.0
    assert netaval.Events(**_columns(), time_step=np.float32(0.5)).time_step == 0.5
    assert netaval.Events(**_columns(), time_step=None).time_step is None
    with pytest.raises(netaval.InvalidParameterError, match=exactly(_of_events(
            "end_time", "is derived for discrete time (time + 1); pass it only with "
                        "time_step=None"))):
        netaval.Events(**_columns(), end_time=np.ones(4))
    assert chain(None).end_time is None  # continuous, not recorded
    assert dataclasses.fields(netaval.Events)[-1].default is None  # the dataclass default


def test_derived_arrays_repr_and_empty_records():
    """n_events, n_avalanches, n_parents, is_root, primary_parent, nbytes, repr, empty()."""
    events = netaval.Events(**_columns())
    assert (events.n_events, events.n_avalanches) == (4, 2)
    assert type(events.n_events) is int and type(events.n_avalanches) is int
    assert events.n_parents.tolist() == [0, 0, 2, 1]
    assert events.is_root.tolist() == [True, True, False, False]
    assert events.primary_parent.tolist() == [-1, -1, 0, 2]
    assert events.primary_parent.dtype == np.int64
    assert events.nbytes == 4 * 8 + 3 * 4 * 4 + 5 * 8 + 3 * 4
    assert repr(events) == "Events(n_events=4, n_avalanches=2, steps)"
    for continuous in (False, True):
        empty = netaval.Events.empty(continuous=continuous)
        assert (empty.n_events, empty.n_avalanches, empty.nbytes) == (0, 0, 8)
        assert empty.time.dtype == (np.float64 if continuous else np.int64)
        assert empty.parent_indptr.tolist() == [0] and empty.parent_ids.size == 0
        assert empty.time_step == (None if continuous else 1.0)
        assert empty.end_time.dtype == np.float64 and empty.end_time.size == 0
        assert empty.primary_parent.size == 0
        for name in ("time", "neuron", "avalanche", "generation", "parent_indptr", "parent_ids"):
            assert not getattr(empty, name).flags.writeable
        empty.check_invariants(BASE_NET)
    assert repr(netaval.Events.empty(continuous=True)) == (
        "Events(n_events=0, n_avalanches=0, continuous time)")
    assert netaval.Events.empty().__dict__["end_time"] is None  # derived, not stored


def test_private_constructors_share_or_seal_and_refuse_unknown_columns():
    """_from_private validates without copying; _trusted seals without validating."""
    columns = _columns()
    private = netaval.Events._from_private(**columns)
    for name in ("time", "parent_indptr", "neuron"):
        assert np.shares_memory(getattr(private, name), columns[name])
        assert not getattr(private, name).flags.writeable
    converted = netaval.Events._from_private(**_columns(neuron=np.array([0, 1, 2, 0]),
                                                        time=np.array([0, 0, 1, 2], np.int32)))
    assert converted.neuron.dtype == np.int32 and converted.time.dtype == np.int64
    with pytest.raises(netaval.InvalidParameterError, match="'generation' parameter"):
        netaval.Events._from_private(**_columns(generation=np.array([0, 0, 1, 3], np.int32)))
    trusted = netaval.Events._trusted(**_columns(generation=np.array([0, 0, 1, 3], np.int32)))
    assert trusted.generation.tolist() == [0, 0, 1, 3] and not trusted.time.flags.writeable
    assert trusted.time_step == 1.0 and trusted.__dict__["end_time"] is None
    with pytest.raises(TypeError, match=exactly("Events got unknown columns ['rate', 'x']")):
        netaval.Events._trusted(**_columns(), x=1, rate=2)


def _trusted(**changes):
    return netaval.Events._trusted(**_columns(**changes))


@pytest.mark.parametrize(("events", "message"), [
    (_trusted(parent_indptr=np.array([1, 1, 1, 2, 3])),
     "parent_indptr must rise from 0 to len(parent_ids)."),
    (_trusted(parent_indptr=np.array([0, 0, 0, 2, 2])),
     "parent_indptr must rise from 0 to len(parent_ids)."),
    (_trusted(parent_indptr=np.array([0, 0, 3, 2, 3])),
     "parent_indptr must rise from 0 to len(parent_ids)."),
    (_trusted(neuron=np.array([0, 1, 3, 0], np.int32)),
     "Neuron ids must lie in [0, 3). Got range [0, 3]."),
    (_trusted(neuron=np.array([0, -1, 2, 0], np.int32)),
     "Neuron ids must lie in [0, 3). Got range [-1, 2]."),
    (_trusted(neuron=np.array([1, 0, 2, 0], np.int32)),
     "Events are not sorted by (time, neuron) without repeats at event 1: (0, 1) then (0, 0)."),
    (_trusted(neuron=np.array([1, 1, 2, 0], np.int32)),
     "Events are not sorted by (time, neuron) without repeats at event 1: (0, 1) then (0, 1)."),
    (_trusted(time=np.array([0, 0, 2, 1])),
     "Events are not sorted by (time, neuron) without repeats at event 3: (2, 2) then (1, 0)."),
    (_trusted(parent_ids=np.array([0, 1, 3], np.int32)),
     "Causal link 3 -> 3 breaks the rule: a parent id must be smaller than its child's id."),
    (_trusted(parent_ids=np.array([0, 1, -1], np.int32)),
     "Causal link -1 -> 3 breaks the rule: a parent id must be smaller than its child's id."),
    (_trusted(time=np.array([0, 0, 0, 2])),
     "Causal link 0 -> 2 breaks the rule: a parent must fire earlier."),
    (_trusted(generation=np.array([0, 0, 1, 3], np.int32)),
     "Event 3 has generation 3, expected 2 (0 for a root, else 1 + primary parent's)."),
    (_trusted(generation=np.array([0, 1, 1, 2], np.int32)),
     "Event 1 has generation 1, expected 0 (0 for a root, else 1 + primary parent's)."),
    (_trusted(avalanche=np.array([0, 1, 1, 1], np.int32)),
     "Event 2 is in avalanche 1, expected 0 (roots number avalanches in order; others inherit "
     "the primary parent's)."),
    (_trusted(avalanche=np.array([0, 2, 0, 0], np.int32)),
     "Event 1 is in avalanche 2, expected 1 (roots number avalanches in order; others inherit "
     "the primary parent's)."),
], ids=["indptr-start", "indptr-end", "indptr-drops", "neuron-high", "neuron-negative",
        "unsorted", "repeat", "time-backwards", "parent-not-earlier-id", "parent-negative",
        "parent-same-time", "generation", "root-generation", "avalanche", "root-avalanche"])
def test_check_invariants_messages(events, message):
    """Every rule of check_invariants, broken alone on a record that skipped validation."""
    with pytest.raises(InvariantError, match=exactly(message)):
        events.check_invariants(BASE_NET)


@pytest.mark.parametrize(("network", "link"), [
    (netaval.Network.from_edges([0, 2], [2, 0], n_nodes=3), "1 -> 2"),  # key between two
    (netaval.Network.from_edges([0, 1], [2, 2], n_nodes=3), "2 -> 3"),  # key past the last
    (netaval.Network.from_edges([], [], n_nodes=3), "0 -> 2"),  # no synapse at all
    (netaval.Network.from_edges([1, 2], [2, 0], n_nodes=3), "0 -> 2"),  # key before the first
], ids=["middle", "past-last", "empty", "before-first"])
def test_check_invariants_finds_the_missing_synapse(network, link):
    """A causal link without a synapse is named, wherever its key falls among the network's."""
    with pytest.raises(InvariantError, match=exactly(
            f"Causal link {link} breaks the rule: the parent's neuron must have a synapse onto "
            "the child's neuron.")):
        netaval.Events(**_columns()).check_invariants(network)


@pytest.mark.parametrize(("events", "message"), [
    (chain([0.4, 2.0, np.inf]), "Causal link 0 -> 1 breaks the rule: a parent must still be "
     "active when its child is activated (child.time < parent.end_time)."),
    (chain([0.5, 2.0, np.inf]), "Causal link 0 -> 1 breaks the rule: a parent must still be "
     "active when its child is activated (child.time < parent.end_time)."),  # ends as it starts
    (chain([0.7, 0.5, np.inf]), "Event 1 ends at 0.5, not after its start 0.5."),
    (chain([1.0, 2.0, np.inf, 5.0], time=(0.0, 0.5, 0.7, 1.0), neuron=(1, 2, 0, 0),
           parents=((), (0,), (), ())),
     "Neuron 0 is activated again (event 3) before its activation 2 ended."),
    (chain([0.2, 3.0, 4.0], time=(0.0, 0.1, 0.5), neuron=(0, 1, 1), parents=((), (), ())),
     "Neuron 1 is activated again (event 2) before its activation 1 ended."),
], ids=["parent-ended", "parent-ends-at-child", "not-positive", "reactivated",
        "reactivated-second-neuron"])
def test_lifetime_messages(events, message):
    """The lifetime rules name the event, link or neuron, messages whole."""
    net = netaval.Network.from_edges([0, 1, 0, 1], [1, 2, 2, 0], n_nodes=3)
    with pytest.raises(InvariantError, match=exactly(message)):
        events.check_invariants(net)


def test_check_invariants_on_a_one_synapse_network():
    """The key search is clamped to the last synapse, also when there is only one."""
    one = netaval.Network.from_edges([0], [1], n_nodes=2)
    events = netaval.Events(time=np.array([0, 1]), neuron=np.array([0, 1], np.int32),
                            avalanche=np.zeros(2, np.int32), generation=np.array([0, 1], np.int32),
                            parent_indptr=np.array([0, 0, 1]), parent_ids=np.array([0], np.int32))
    events.check_invariants(one)
    events.check_invariants(one, delay=1.0)
    backwards = netaval.Events(**{**events.__dict__, "neuron": np.array([1, 0], np.int32)})
    with pytest.raises(InvariantError, match=exactly(  # its key lies past the only synapse's
            "Causal link 0 -> 1 breaks the rule: the parent's neuron must have a synapse onto "
            "the child's neuron.")):
        backwards.check_invariants(one)


def test_check_invariants_delay_and_network_arguments():
    """delay demands exact gaps; bad network and delay values are refused, messages whole."""
    events = netaval.Events(**_columns())
    events.check_invariants(BASE_NET, delay=1)
    events.check_invariants(BASE_NET, delay=None)
    for delay, shown in ((2, "2"), (0.5, "0.5")):
        with pytest.raises(InvariantError, match=exactly(
                f"Causal link 0 -> 2 breaks the rule: a parent must fire earlier, exactly "
                f"{shown} earlier.")):
            events.check_invariants(BASE_NET, delay=delay)
    owner = "Events.check_invariants"
    for network in ({}, None):
        with pytest.raises(netaval.InvalidParameterError, match=exactly(
                f"The 'network' parameter of {owner} must be a netaval Network. Got "
                f"{type(network).__name__}.")):
            events.check_invariants(network)
    with pytest.raises(netaval.InvalidParameterError, match=exactly(
            f"The 'delay' parameter of {owner} must be finite. Got inf instead.")):
        events.check_invariants(BASE_NET, delay=np.inf)
    for delay in (0, -1, True, "1"):
        with pytest.raises(netaval.InvalidParameterError, match=exactly(
                f"The 'delay' parameter of {owner} must be a float in the range (0, inf) or "
                f"None. Got {delay!r} instead.")):
            events.check_invariants(BASE_NET, delay=delay)
