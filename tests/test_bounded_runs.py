"""Runaway and oversized runs stop in bounded time and memory (issue 11)."""

import importlib
import warnings

import numpy as np
import pytest
from test_hostile_input import run_isolated

import netaval
import topologies
from netaval._memory import EVENT_BYTES, MAX_ACTIVITY_BINS, MEMORY_FRACTION
from netaval.models import _engine

simulate_module = importlib.import_module("netaval.simulate")  # the module, not the function


@pytest.fixture
def growth_log(monkeypatch):
    """Record every buffer growth: (kind, old size, new size)."""
    log = []
    grow_events, grow_links = _engine.Recorder.grow_events, _engine.Recorder.grow_links

    def events(self, need, n):
        old = len(self.time)
        grow_events(self, need, n)
        log.append(("events", old, len(self.time)))

    def links(self, need, n_links):
        old = len(self.parent_ids)
        grow_links(self, need, n_links)
        log.append(("links", old, len(self.parent_ids)))

    monkeypatch.setattr(_engine.Recorder, "grow_events", events)
    monkeypatch.setattr(_engine.Recorder, "grow_links", links)
    return log


def test_saturated_run_stops_after_max_events_with_geometric_growth(growth_log):
    """sigma = 2 (spectral) on N = 1e4 saturates; causal links outnumber events, which used
    to make parent_ids grow to the exact size on every chunk (quadratic copying). Now every
    buffer grows geometrically, so the copying is O(max_events)."""
    net = topologies.random(10_000, k=10, seed=0)
    max_events = 1_000_000
    run = netaval.simulate(net, netaval.Branching(sigma=2.0, normalization="spectral"),
                           protocol="spreading", initial=[0], max_events=max_events,
                           on_max_events="truncate", seed=1)
    assert run.truncated
    assert max_events <= run.events.n_events <= max_events + net.n_nodes
    n_links = len(run.events.parent_ids)
    assert n_links > 1.2 * run.events.n_events  # the regime of the old bug
    for kind, final in (("events", run.events.n_events), ("links", n_links)):
        sizes = [(old, new) for k, old, new in growth_log if k == kind]
        assert all(new >= 2 * old or new >= final for old, new in sizes), sizes
        copied = sum(old for old, _ in sizes)  # entries copied by all growths together
        assert copied <= 2 * final, (kind, copied, final)
        assert len(sizes) <= 12


def test_growth_beyond_the_limit_is_geometric():
    """The recorder's sizing rule: 4x up to the limit, then at least 2x (never exact)."""
    recorder = _engine.Recorder(16, continuous=False, limit=100)
    assert recorder._size(20, 16) == 64
    assert recorder._size(70, 64) == 100
    assert recorder._size(101, 100) == 200
    assert recorder._size(201, 200) == 400
    assert recorder._size(1000, 200) == 1000


@pytest.fixture
def small_memory(monkeypatch):
    """Pretend the machine has memory for 20_000 events of buffers."""
    fits = 20_000
    monkeypatch.setattr(simulate_module, "available_memory",
                        lambda: int(fits * EVENT_BYTES / MEMORY_FRACTION))
    return fits


def test_run_beyond_available_memory_stops_with_a_clear_error(small_memory):
    """A run whose buffers would not fit stops at what memory holds, with a netaval error
    that says so (not a numpy MemoryError after the work is done)."""
    net = topologies.random(2_000, k=10, seed=0)
    model = netaval.Branching(sigma=2.0, normalization="spectral")
    with pytest.raises(netaval.RunawayActivityError, match="available memory"):
        netaval.simulate(net, model, protocol="spreading", initial=[0], seed=1)
    run = netaval.simulate(net, model, protocol="spreading", initial=[0], seed=1,
                           on_max_events="truncate")
    assert run.truncated and small_memory <= run.events.n_events <= small_memory + 2_000
    assert len(run.alive_avalanches) == 1
    with pytest.warns(netaval.NetavalWarning, match="stops at 20000 events"):
        netaval.simulate(net, model, protocol="spreading", initial=[0], seed=1,
                         max_events=10**6, on_max_events="truncate")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a budget that fits is not touched
        small = netaval.simulate(net, model, protocol="spreading", initial=[0], seed=1,
                                 max_events=5_000, on_max_events="truncate")
    assert 5_000 <= small.events.n_events <= 7_000


def test_memory_proportional_to_time_is_refused():
    """activity is one int64 per step: a window beyond MAX_ACTIVITY_BINS is refused before
    anything runs; a run without time limit stops at it (a long refractory period used to
    allocate 16 GB for 12 events), and silent resting steps cost nothing."""
    net = topologies.lattice(100, dim=2)
    with pytest.raises(netaval.InvalidParameterError, match="'n_steps'.*MAX_ACTIVITY_BINS"):
        netaval.simulate(net, netaval.Branching(sigma=0.5, drive=0.1),
                         n_steps=MAX_ACTIVITY_BINS + 1)
    with pytest.raises(netaval.InvalidParameterError, match="'duration'.*MAX_ACTIVITY_BINS"):
        netaval.simulate(net, netaval.ContactProcess(rate=0.5, drive=0.1),
                         duration=float(MAX_ACTIVITY_BINS) + 0.5)
    with pytest.raises(netaval.RunawayActivityError, match="MAX_ACTIVITY_BINS"):
        netaval.simulate(net, netaval.Branching(sigma=0.5, refractory=10**9),
                         protocol="isolated", n_avalanches=3, seed=0)
    run = netaval.simulate(net, netaval.Branching(sigma=0.5, refractory=10**6),
                           protocol="isolated", n_avalanches=3, seed=0)
    assert run.events.avalanche.max() == 2 and len(run.activity) == run.end_time
    assert run.end_time > 2 * 10**6 and run.activity.sum() == run.events.n_events


def test_skipping_silent_steps_changes_nothing():
    """Isolated avalanches with a refractory pause are the same whether the resting steps
    are simulated one by one (a chunk per step) or skipped."""
    net = topologies.random(60, k=4, seed=2)
    model = netaval.Branching(sigma=0.9, refractory=40)
    fast = netaval.simulate(net, model, protocol="isolated", n_avalanches=30, seed=3)
    old = simulate_module._CHUNK_STEPS
    try:
        simulate_module._CHUNK_STEPS = 1
        slow = netaval.simulate(net, model, protocol="isolated", n_avalanches=30, seed=3)
    finally:
        simulate_module._CHUNK_STEPS = old
    assert fast.end_time == slow.end_time
    for name in ("time", "neuron", "avalanche", "parent_ids"):
        assert np.array_equal(getattr(fast.events, name), getattr(slow.events, name))


@pytest.mark.parametrize(("model", "field", "value", "limit"), [
    ("Branching(sigma=1.0, drive=0.1)", "drive", "float('nan')", "n_steps=20"),
    ("Branching(sigma=1.0, drive=0.1)", "sigma", "-3.0", "n_steps=20"),
    ("Branching(sigma=1.0, drive=0.1)", "refractory", "-2", "n_steps=20"),
    ("ContactProcess(rate=1.0, drive=0.1)", "rate", "-5.0", "duration=5.0"),
    ("ContactProcess(rate=1.0, drive=0.1)", "drive", "float('inf')", "duration=5.0"),
])
def test_patched_frozen_models_are_refused_not_segfaulting(model, field, value, limit):
    """object.__setattr__ on a frozen model used to reach the kernel and segfault."""
    out = run_isolated(f"""
        import netaval, topologies
        model = netaval.{model}
        object.__setattr__(model, {field!r}, {value})
        try:
            netaval.simulate(topologies.random(50, k=4, seed=0), model, {limit}, seed=0)
        except netaval.InvalidParameterError as exc:
            print("refused", {field!r} in str(exc))
    """)
    assert out.split() == ["refused", "True"]
