"""Tests for Events.end_time (lifetimes) and the lifetime rules of check_invariants."""

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
