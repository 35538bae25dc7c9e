"""Continuation: Run.final_state and simulate(..., initial_state=...)."""

import dataclasses
import importlib
import math

import numpy as np
import pytest
from stats import assert_within_z

import netaval
import topologies
from netaval.errors import InvalidParameterError
from netaval.hysteresis import _active_fraction, blocked_stderr

sim_module = importlib.import_module("netaval.simulate")


def _out_regular(n, k, seed):
    """Every neuron has k distinct targets other than itself (out-degree k everywhere)."""
    rng = np.random.default_rng(seed)
    offsets = 1 + np.argsort(rng.random((n, n - 1)), axis=1)[:, :k]
    return netaval.Network.from_edges(np.repeat(np.arange(n), k),
                                      ((np.arange(n)[:, None] + offsets) % n).ravel(), n_nodes=n)


@pytest.fixture(scope="module")
def net():
    return _out_regular(400, 8, seed=3)


def _branching_run(net, seed=1, n_steps=300):
    model = netaval.Branching(sigma=1.1, refractory=3, drive=2e-3)
    return netaval.simulate(net, model, n_steps=n_steps, seed=seed)


def _cp_run(net, seed=1, duration=30.0):
    return netaval.simulate(net, netaval.ContactProcess(rate=2.0, drive=0.01),
                            duration=duration, seed=seed)


@pytest.mark.parametrize("make", [_branching_run, _cp_run], ids=["branching", "contact"])
def test_final_state_is_the_state_the_next_run_starts_from(net, make):
    """A zero-length continuation ends in exactly the state it started from, and the next
    run's carried events are the state's active neurons at their relative times."""
    run = make(net)
    state = run.final_state
    assert state is not None and state.n_active > 0
    limit = {"duration": 0.0} if run.model.continuous_time else {"n_steps": 0}
    still = netaval.simulate(net, run.model, initial_state=state, seed=9, **limit)
    assert still.final_state == state
    limit = {"duration": 5.0} if run.model.continuous_time else {"n_steps": 20}
    nxt = netaval.simulate(net, run.model, initial_state=state, seed=2, **limit)
    k = state.n_active
    assert nxt.protocol_params["n_carried"] == k
    assert np.array_equal(nxt.events.neuron[:k], state.neuron)
    assert np.array_equal(nxt.events.time[:k], state.time)
    assert nxt.events.is_root[:k].all() and nxt.avalanches.truncated[:k].all()
    assert nxt.activity.sum() == nxt.events.n_events - k
    nxt.events.check_invariants(net)


def test_branching_state_holds_the_last_step_and_refractory_clocks(net):
    """Branching: the active neurons are those of the last step; every neuron's last firing
    is recorded relative to the end (-1 = the last step)."""
    run = _branching_run(net)
    ev, end = run.events, int(run.end_time)
    state = run.final_state
    assert np.array_equal(state.neuron, ev.neuron[ev.time == end - 1])
    last = np.full(net.n_nodes, -(2**31), np.int64)
    np.maximum.at(last, ev.neuron, ev.time - end)
    assert np.array_equal(state.arrays["last_fire"], last)


def test_contact_state_holds_the_active_units(net):
    """ContactProcess: the active units are the activations still open (end_time inf)."""
    run = _cp_run(net)
    ev = run.events
    open_ = np.isinf(ev.end_time)
    assert np.array_equal(run.final_state.neuron, ev.neuron[open_])
    assert np.allclose(run.final_state.time, ev.time[open_] - run.end_time)
    assert np.array_equal(np.sort(run.final_state.arrays["perm"][:open_.sum()]),
                          np.sort(ev.neuron[open_]))


def test_branching_continuation_is_exact(net, monkeypatch):
    """With the random stream carried on, T steps + T continued steps are the 2T-step run,
    event for event and cause for cause (times shifted by T)."""
    model = netaval.Branching(sigma=1.2, refractory=2, drive=3e-3)
    streams = []
    original = sim_module.seed_from_generator

    def seeded(generator):
        rng = original(generator) if not streams else streams[-1].copy()
        streams.append(rng)
        return rng

    monkeypatch.setattr(sim_module, "seed_from_generator", seeded)
    first = netaval.simulate(net, model, n_steps=150, seed=4)
    second = netaval.simulate(net, model, n_steps=150, seed=5, initial_state=first.final_state)
    streams.clear()
    whole = netaval.simulate(net, model, n_steps=300, seed=4)
    k = second.protocol_params["n_carried"]

    def causes(run, offset, skip):
        ev = run.events
        parents = ev.parent_ids.astype(np.int64)
        return (ev.time[skip:] + offset, ev.neuron[skip:], np.diff(ev.parent_indptr)[skip:],
                ev.time[parents] + offset, ev.neuron[parents])

    half = int(np.searchsorted(whole.events.time, 150))
    tail = causes(whole, 0, half)
    # the whole run's links out of events of the second half
    links = whole.events.parent_indptr[half]
    tail = (*tail[:3], tail[3][links:], tail[4][links:])
    cont = causes(second, 150, k)
    for a, b in zip(tail, cont, strict=True):
        assert np.array_equal(a, b)
    assert np.array_equal(whole.activity, np.concatenate([first.activity, second.activity]))


def _two_halves(net, model, limit, span, seeds):
    """Density series of one run over 2 span, and of two continued halves of span."""
    whole = netaval.simulate(net, model, seed=seeds[0], **{limit: 2 * span})
    one = netaval.simulate(net, model, seed=seeds[1], **{limit: span})
    two = netaval.simulate(net, model, seed=seeds[2], initial_state=one.final_state,
                           **{limit: span})
    return whole, one, two


def test_branching_halves_have_the_stationary_statistics_of_one_run():
    """Mean firing rate and fraction of roots: two continued halves vs one run, within z = 4
    combined standard errors (blocking for the correlated rate series)."""
    net = topologies.random(2000, k=10, seed=7)
    model = netaval.Branching(sigma=0.9, refractory=1, drive=1e-3)
    whole, one, two = _two_halves(net, model, "n_steps", 20_000, (1, 2, 3))
    a = whole.activity[1000:] / net.n_nodes  # skip the relaxation from quiescence
    b = np.concatenate([one.activity[1000:], two.activity]) / net.n_nodes
    assert_within_z(a.mean() - b.mean(), 0.0, math.hypot(blocked_stderr(a), blocked_stderr(b)),
                    what="density difference")
    # the second half alone, right after continuation, is already stationary
    c = two.activity / net.n_nodes
    assert_within_z(a.mean() - c.mean(), 0.0, math.hypot(blocked_stderr(a), blocked_stderr(c)),
                    what="continued-half density")
    # fraction of roots, a ratio of correlated per-step counts: delta method + blocking
    f, se = zip(*(_root_fraction(r) for r in (whole, two)), strict=True)
    assert_within_z(f[0] - f[1], 0.0, math.hypot(*se), what="f_ext difference")


def _root_fraction(run):
    """Fraction of roots among the window's events and its standard error."""
    ev = run.events
    window = ev.time >= 0
    n_bins = int(run.end_time)
    roots = np.bincount(ev.time[window & ev.is_root], minlength=n_bins).astype(float)
    events = np.bincount(ev.time[window], minlength=n_bins).astype(float)
    f = roots.sum() / events.sum()
    return f, blocked_stderr(roots - f * events) / events.mean()


def test_contact_halves_have_the_stationary_statistics_of_one_run():
    """ContactProcess: time-averaged active fraction of two continued halves vs one run."""
    net = topologies.random(1000, k=10, seed=8)
    model = netaval.ContactProcess(rate=2.0, drive=0.005)
    whole, one, two = _two_halves(net, model, "duration", 400.0, (1, 2, 3))
    a = _active_fraction(whole, net.n_nodes, 800.0)[256:]
    b = np.concatenate([_active_fraction(one, net.n_nodes, 400.0)[512:],
                        _active_fraction(two, net.n_nodes, 400.0)])
    assert_within_z(a.mean() - b.mean(), 0.0, math.hypot(blocked_stderr(a), blocked_stderr(b)),
                    what="active fraction difference")
    two.events.check_invariants(net)


def test_continuation_with_changed_parameters(net):
    """dataclasses.replace(model, ...) continues the same state with new parameters: a
    sub-critical, undriven contact process started from an active state dies out."""
    run = _cp_run(net)
    quiet = dataclasses.replace(run.model, rate=0.3, drive=0.0)
    with pytest.warns(netaval.NetavalWarning, match="drive=0"):
        after = netaval.simulate(net, quiet, duration=200.0, initial_state=run.final_state,
                                 seed=3)
    assert after.final_state.n_active == 0 and len(after.alive_avalanches) == 0
    assert after.events.n_events >= run.final_state.n_active
    after.events.check_invariants(net)


def test_spreading_and_isolated_from_a_state(net):
    """"spreading" spreads the carried activity until silence; "isolated" lets it die out
    uncounted before seeding n_avalanches avalanches of its own."""
    state = _branching_run(net).final_state
    model = netaval.Branching(sigma=0.8, refractory=3)
    spread = netaval.simulate(net, model, protocol="spreading", initial_state=state, seed=1)
    assert spread.final_state.n_active == 0 and spread.events.n_avalanches == state.n_active
    spread.events.check_invariants(net, delay=1)
    iso = netaval.simulate(net, model, protocol="isolated", n_avalanches=7,
                           initial_state=state, seed=1)
    assert iso.events.n_avalanches == state.n_active + 7
    assert not iso.avalanches.truncated[state.n_active:].any()
    cp = _cp_run(net).final_state
    iso = netaval.simulate(net, netaval.ContactProcess(rate=0.5), protocol="isolated",
                           n_avalanches=5, initial_state=cp, seed=1)
    assert iso.events.n_avalanches == cp.n_active + 5
    iso.events.check_invariants(net)


def test_foreign_states_are_refused(net):
    """A state of another model class, another network, or not a State at all is refused
    naming 'initial_state'; so is initial= together with initial_state."""
    b_state = _branching_run(net).final_state
    c_model = netaval.ContactProcess(rate=2.0, drive=0.01)
    with pytest.raises(InvalidParameterError, match="'initial_state'.*Branching.*ContactProc"):
        netaval.simulate(net, c_model, duration=1.0, initial_state=b_state)
    other = _out_regular(400, 8, seed=4)  # same size, other edges
    with pytest.raises(InvalidParameterError, match="'initial_state'.*another network"):
        netaval.simulate(other, b_state.model, n_steps=1, initial_state=b_state)
    with pytest.raises(InvalidParameterError, match="'initial_state'.*State"):
        netaval.simulate(net, b_state.model, n_steps=1, initial_state={"neuron": [1]})
    with pytest.raises(InvalidParameterError, match="'initial'.*initial_state"):
        netaval.simulate(net, b_state.model, protocol="spreading", initial=[0],
                         initial_state=b_state)
    same = netaval.Network(net.indptr.copy(), net.indices.copy(), None, n_nodes=net.n_nodes)
    assert netaval.simulate(same, b_state.model, n_steps=2, initial_state=b_state).events


def test_tampered_states_are_refused(net):
    """A State whose arrays do not fit the model (wrong shape, ids, times) never reaches a
    kernel: InvalidParameterError names 'initial_state'."""
    b_state = _branching_run(net).final_state
    c_state = _cp_run(net).final_state
    bad = [dataclasses.replace(b_state, neuron=b_state.neuron + net.n_nodes),
           dataclasses.replace(b_state, time=b_state.time - 1),
           dataclasses.replace(b_state, arrays={"last_fire": b_state.arrays["last_fire"][:5]}),
           dataclasses.replace(c_state, time=c_state.time + 100.0),
           dataclasses.replace(c_state, arrays={"perm": np.zeros(net.n_nodes, np.int32)})]
    for state in bad:
        limit = {"duration": 1.0} if state.model.continuous_time else {"n_steps": 1}
        with pytest.raises(InvalidParameterError, match="'initial_state'"):
            netaval.simulate(net, state.model, initial_state=state, **limit)
