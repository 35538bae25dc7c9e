"""Tests for netaval.simulate: kernels vs pure-Python references, exact theory, contracts."""

import importlib
import math
import types
import warnings

import numpy as np
import pytest
import reference
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import random_network
from scipy import optimize
from scipy import stats as sps
from stats import assert_mean_within_z, assert_within_z

import netaval
from netaval import simulate
from netaval.errors import InvalidParameterError, NetavalWarning, RunawayActivityError

sim_module = importlib.import_module("netaval.simulate")

Z = 4.0


def assert_events_equal(a, b):
    """Two Events are identical array by array."""
    for name in ("time", "neuron", "avalanche", "generation", "parent_indptr", "parent_ids",
                 "end_time"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.time.dtype == b.time.dtype and a.time_step == b.time_step


def quiet_simulate(*args, **kwargs):
    """simulate() with the 'drive ignored / no drive' warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NetavalWarning)
        return simulate(*args, **kwargs)


# ---------------------------------------------------------------- kernel == reference
HUB = netaval.Network.from_edges(np.repeat(np.arange(6), 40),
                                 np.concatenate([(np.arange(40) + 8 * i + 1) % 48
                                                 for i in range(6)]), n_nodes=48)
BRANCHING_CASES = [
    ("driven", Branching := netaval.Branching, dict(sigma=1.0, drive=0.2), dict(n_steps=30)),
    ("driven-refractory0", netaval.Branching, dict(sigma=1.0, drive=0.1, refractory=0),
     dict(n_steps=25)),
    ("driven-refractory3-drive1", netaval.Branching, dict(sigma=1.0, drive=1.0, refractory=3),
     dict(n_steps=12)),
    ("weights", netaval.Branching, dict(sigma=0.9, normalization="weights", drive=0.15),
     dict(n_steps=30)),
    ("spectral-spreading", netaval.Branching, dict(sigma=1.0, normalization="spectral"),
     dict(protocol="spreading", initial=[0, 3, 4], n_steps=40)),
    ("spreading-until-silent", netaval.Branching, dict(sigma=0.9, refractory=0),
     dict(protocol="spreading", initial=[1, 2])),
    ("isolated", netaval.Branching, dict(sigma=1.0, refractory=2),
     dict(protocol="isolated", n_avalanches=15)),
]


@pytest.mark.parametrize(("case", "cls", "params", "kwargs"), BRANCHING_CASES,
                         ids=[c[0] for c in BRANCHING_CASES])
@pytest.mark.parametrize("net_id", ["random12", "hub48"])
def test_branching_kernel_matches_reference(case, cls, params, kwargs, net_id, seed):
    """The numba kernel and the pure-Python reference give identical events and end time."""
    net = random_network(12, 3, seed=seed) if net_id == "random12" else HUB
    model = cls(**params)
    run = quiet_simulate(net, model, seed=seed, **kwargs)
    ref_kwargs = {k: v for k, v in kwargs.items()}
    events, end_time = reference.branching(net, model, seed=seed, **ref_kwargs)
    assert_events_equal(run.events, events)
    assert run.end_time == end_time
    run.events.check_invariants(net, delay=1)


def test_hub_rows_use_geometric_skipping_and_multiple_parents():
    """The hub network exercises geometric rows and events with several parents."""
    _, inv_log_q, _, _ = netaval.Branching(sigma=1.0).transmission(HUB)
    assert np.all(inv_log_q[:6] != 0)
    run = quiet_simulate(HUB, netaval.Branching(sigma=6.0, drive=1.0, refractory=0),
                         n_steps=5, seed=0)
    assert run.events.n_parents.max() >= 2


# rows of 2 .. 39 synapses in shuffled order, every one drawn trial by trial (p = 1.5 / k):
# rows of one, two and three blocks of 16 trials, rows ending anywhere in a block, and the
# last rows of the CSR (drawn by the scalar loop)
_RAMP_DEGREE = np.random.default_rng(3).permutation(np.arange(2, 40))
RAMP = netaval.Network.from_edges(
    np.repeat(np.arange(40), np.append(_RAMP_DEGREE, [0, 0])),
    np.concatenate([(i + 1 + np.arange(k)) % 40 for i, k in enumerate(_RAMP_DEGREE)]),
    n_nodes=40)


@pytest.mark.parametrize("seed_", [0, 1, 2])
def test_bernoulli_rows_of_every_length_match_the_reference(seed_):
    """Rows drawn in blocks of 16 trials give the reference's events for every row length."""
    model = netaval.Branching(sigma=1.5, drive=0.05)
    assert np.all(model.transmission(RAMP)[1] == 0)  # no geometric row
    run = quiet_simulate(RAMP, model, n_steps=40, seed=seed_)
    events, end_time = reference.branching(RAMP, model, n_steps=40, seed=seed_)
    assert run.events.n_events > 200 and run.events.n_parents.max() >= 2
    assert_events_equal(run.events, events)
    assert run.end_time == end_time


@pytest.mark.parametrize("padded", [False, True])
@pytest.mark.parametrize("half", ["high", "low"])
def test_bernoulli_tie_draws_once_more_like_the_reference(half, padded):
    """A 32-bit draw equal to floor(p 2**32) takes one more draw, in the reference's order."""
    # p = sigma / 2 on neuron 0's two synapses is chosen so that the run's first draw ties
    # in its high (first synapse) or low (second synapse) 32 bits, with remainder 1/2;
    # seed 4 gives a long cascade afterwards (24+ events), so a draw consumed out of
    # order would change the events
    seed = 4
    z = reference._kernel_rng(seed).bits()
    u = z >> 32 if half == "high" else z & 0xFFFFFFFF
    # padded: 20 more synapses among neurons that never fire, so that the tie falls in a
    # block of 16 trials (rows ending in the CSR's last 15 synapses use the scalar loop)
    pad = [(a, b) for a in range(5, 10) for b in range(5, 10) if a != b] if padded else []
    net = netaval.Network.from_edges([0, 0, 1, 1, 2, 2, 3, 3, 4, 4] + [a for a, _ in pad],
                                     [1, 2, 3, 4, 3, 4, 0, 1, 0, 2] + [b for _, b in pad],
                                     n_nodes=10 if padded else 5)
    model = netaval.Branching(sigma=(2 * u + 1) / 2.0**32, refractory=0)
    assert model.transmission(net)[0][0] * 2.0**32 == u + 0.5
    run = quiet_simulate(net, model, protocol="spreading", initial=[0], n_steps=8, seed=seed)
    events, end_time = reference.branching(net, model, protocol="spreading", initial=[0],
                                           n_steps=8, seed=seed)
    assert_events_equal(run.events, events)
    assert run.end_time == end_time and run.events.n_events > 5


CP_CASES = [
    ("driven", dict(rate=1.5, drive=0.3), dict(duration=6.0)),
    ("spreading", dict(rate=2.0), dict(protocol="spreading", initial=[0, 5], duration=8.0)),
    ("spreading-until-silent", dict(rate=0.7), dict(protocol="spreading", initial=[3])),
    ("isolated", dict(rate=1.1), dict(protocol="isolated", n_avalanches=12)),
]


@pytest.mark.parametrize(("case", "params", "kwargs"), CP_CASES, ids=[c[0] for c in CP_CASES])
def test_contact_process_kernel_matches_reference(case, params, kwargs, seed):
    """The contact-process kernel and the reference give identical events and end time."""
    net = random_network(12, 3, seed=seed)
    model = netaval.ContactProcess(**params)
    run = quiet_simulate(net, model, seed=seed, **kwargs)
    events, end_time = reference.contact_process(net, model, seed=seed, **kwargs)
    assert_events_equal(run.events, events)
    assert run.end_time == end_time
    run.events.check_invariants(net)


@pytest.mark.parametrize("model", [netaval.Branching(sigma=1.0, drive=0.05),
                                   netaval.ContactProcess(rate=1.5, drive=0.05),
                                   netaval.FacilitatedContact(rate=1.5, omega=1.0, drive=0.05)],
                         ids=["branching", "contact_process", "facilitated_contact"])
def test_chunking_and_buffer_growth_do_not_change_results(model, monkeypatch):
    """Tiny chunks and buffers (many resumptions and regrowths) give bit-identical runs."""
    net = random_network(200, 5, seed=1)
    kwargs = {"duration": 40.0} if model.continuous_time else {"n_steps": 200}
    expected = simulate(net, model, seed=5, **kwargs)
    assert isinstance(sim_module, types.ModuleType)
    monkeypatch.setattr(sim_module, "_CHUNK_STEPS", 3)
    monkeypatch.setattr(sim_module, "_CHUNK_EVENTS", 7)
    monkeypatch.setattr(sim_module, "_INITIAL_CAPACITY", 2)
    run = simulate(net, model, seed=5, **kwargs)
    assert_events_equal(run.events, expected.events)
    np.testing.assert_array_equal(run.activity, expected.activity)


# ---------------------------------------------------------------- exact theory
def test_branching_isolated_mean_size_and_offspring(seed):
    """Isolated avalanches on a sparse random network: <S> = 1/(1 - sigma), offspring sigma.

    Offspring per event ~ Binomial(k, sigma / k) (k = 10, a few rows 9 after merging
    duplicate targets), a Galton-Watson process while the avalanche is tiny compared with
    N = 1e5 (collision and refractory losses are O(S / N), far below the standard error).
    Mean size 1/(1 - sigma), checked with the sample standard error (theory: Var S =
    v / (1 - sigma)^3, v = sigma (1 - sigma / k)); mean number of successful transmissions
    per event sigma with standard error sqrt(v / n_events); z = 4.
    """
    net = random_network(100_000, 10, seed=seed)
    for sigma in (0.5, 0.8):
        run = simulate(net, netaval.Branching(sigma=sigma), protocol="isolated",
                       n_avalanches=20_000, seed=seed)
        events = run.events
        sizes = np.bincount(events.avalanche)
        assert len(sizes) == 20_000 and len(run.alive_avalanches) == 0
        assert_mean_within_z(sizes, 1.0 / (1.0 - sigma), z=Z, what=f"<S> at sigma={sigma}")
        v = sigma * (1 - sigma / 10)
        assert_within_z(len(events.parent_ids) / events.n_events, sigma,
                        math.sqrt(v / events.n_events), z=Z, what="offspring per event")


def contact_process_qsd_mean(n, lam):
    """Mean of the quasi-stationary distribution of the complete-graph contact process.

    Birth-death chain on n = 1..N active nodes: birth lam * n * (N - n) / (N - 1) (a
    contact hits one of the N - 1 others, inactive with probability (N - n)/(N - 1)),
    death n; pi(n + 1) / pi(n) = birth(n) / death(n + 1) (reflecting at 1; extinction from
    the active state takes ~exp(N) time, negligible here).
    """
    k = np.arange(1, n)
    log_ratio = np.log(lam * k * (n - k) / (n - 1)) - np.log(k + 1)
    log_pi = np.concatenate([[0.0], np.cumsum(log_ratio)])
    pi = np.exp(log_pi - log_pi.max())
    pi /= pi.sum()
    return float(np.dot(np.arange(1, n + 1), pi))


def complete_graph(n):
    """Complete directed graph without self-loops."""
    src = np.repeat(np.arange(n), n - 1)
    dst = np.concatenate([np.delete(np.arange(n), i) for i in range(n)])
    return netaval.Network.from_edges(src, dst, n_nodes=n)


def test_contact_process_complete_graph_stationary_density():
    """Complete graph, lambda = 2: stationary density 1 - 1/lambda with finite-size correction.

    In a stationary state activations per unit time equal deactivations, whose rate is the
    number of active nodes, so the mean of `Run.activity` estimates N rho. Expected value:
    the exact quasi-stationary mean of the birth-death chain (N = 400: 199.1..., versus
    N (1 - 1/lambda) = 200). Standard error from batch means (40 batches of 50 time units,
    much longer than the relaxation time 1/(lambda - 1) = 1); first 20 units discarded.
    """
    n, lam = 400, 2.0
    net = complete_graph(n)
    run = simulate(net, netaval.ContactProcess(rate=lam), protocol="spreading",
                   initial=np.arange(n), duration=2020.0, seed=3)
    counts = run.activity[20:2020]
    batch = counts.reshape(40, 50).mean(axis=1)
    expected = contact_process_qsd_mean(n, lam)
    assert abs(expected - n * (1 - 1 / lam)) < 2
    assert_mean_within_z(batch, expected, z=Z, what="activations per unit time")


def test_contact_process_density_check_fails_on_wrong_value():
    """The density check fails for the mean-field value of a wrong lambda (2.2)."""
    n = 400
    run = simulate(complete_graph(n), netaval.ContactProcess(rate=2.0), protocol="spreading",
                   initial=np.arange(n), duration=1020.0, seed=3)
    batch = run.activity[20:1020].reshape(20, 50).mean(axis=1)
    with pytest.raises(AssertionError):
        assert_mean_within_z(batch, contact_process_qsd_mean(n, 2.2), z=Z)


def test_primary_parent_is_uniform_among_transmitters():
    """Two transmitters firing one neuron: each is primary with probability 1/2 (z = 4)."""
    m = 2000
    src = np.concatenate([3 * np.arange(m), 3 * np.arange(m) + 1])
    dst = np.concatenate([3 * np.arange(m) + 2] * 2)
    net = netaval.Network.from_edges(src, dst, n_nodes=3 * m)
    run = simulate(net, netaval.Branching(sigma=1.0), protocol="spreading",
                   initial=np.sort(src), seed=11)
    ev = run.events
    children = np.flatnonzero(ev.time == 1)
    assert len(children) == m and np.all(ev.n_parents[children] == 2)
    first_is_lower = ev.neuron[ev.primary_parent[children]] % 3 == 0
    assert_within_z(first_is_lower.mean(), 0.5, math.sqrt(0.25 / m), z=Z, what="P(primary=a)")


def test_transmission_takes_precedence_over_drive():
    """Drive coinciding with transmission: the firing is internal (has a parent), not a root."""
    net = netaval.Network.from_edges([0], [1], n_nodes=2)
    run = simulate(net, netaval.Branching(sigma=1.0, drive=1.0, refractory=0), n_steps=6,
                   seed=0)
    ev = run.events
    assert ev.n_events == 12
    later = (ev.neuron == 1) & (ev.time > 0)
    assert np.all(ev.n_parents[later] == 1) and np.all(ev.is_root[ev.neuron == 0])


# ---------------------------------------------------------------- hypothesis properties
@st.composite
def small_networks(draw):
    n = draw(st.integers(1, 9))
    pairs = draw(st.sets(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)),
                         max_size=n * n))
    src = [a for a, _ in pairs]
    dst = [b for _, b in pairs]
    weights = draw(st.lists(st.floats(0.05, 1.0), min_size=len(src), max_size=len(src)))
    return netaval.Network.from_edges(src, dst, n_nodes=n, weights=weights)


@st.composite
def branching_runs(draw):
    net = draw(small_networks())
    normalization = draw(st.sampled_from(["out_degree", "weights"]))
    k_min = int(net.out_degree[net.out_degree > 0].min()) if net.n_edges else 1
    sigma = draw(st.floats(0.0, float(min(k_min, 1.0) if normalization == "weights" else
                                      min(k_min, 2.0))))
    model = netaval.Branching(sigma=sigma, normalization=normalization,
                              refractory=draw(st.integers(0, 3)),
                              drive=draw(st.sampled_from([0.0, 0.1, 0.5, 1.0])))
    protocol = draw(st.sampled_from(["driven", "spreading", "isolated"]))
    kwargs = {"driven": {"n_steps": draw(st.integers(0, 30))},
              "spreading": {"initial": sorted(draw(st.sets(st.integers(0, net.n_nodes - 1)))),
                            "n_steps": draw(st.sampled_from([None, 0, 1, 20]))},
              "isolated": {"n_avalanches": draw(st.integers(0, 8)), "n_steps": 200}}[protocol]
    return net, model, dict(kwargs, protocol=protocol)


@st.composite
def contact_runs(draw):
    net = draw(small_networks())
    model = netaval.ContactProcess(rate=draw(st.floats(0.0, 3.0)),
                                   drive=draw(st.sampled_from([0.0, 0.2, 2.0])))
    protocol = draw(st.sampled_from(["driven", "spreading", "isolated"]))
    kwargs = {"driven": {"duration": draw(st.floats(0.0, 10.0))},
              "spreading": {"initial": sorted(draw(st.sets(st.integers(0, net.n_nodes - 1)))),
                            "duration": draw(st.sampled_from([None, 0.0, 5.0]))},
              "isolated": {"n_avalanches": draw(st.integers(0, 8)), "duration": 100.0}}[protocol]
    return net, model, dict(kwargs, protocol=protocol)


@settings(max_examples=60)
@given(case=st.one_of(branching_runs(), contact_runs()), seed=st.integers(0, 2**32))
def test_properties_on_small_random_networks(case, seed):
    """Invariants hold, avalanche sizes sum to n_events, activity sums too, same seed same run."""
    net, model, kwargs = case
    run = quiet_simulate(net, model, seed=seed, max_events=20_000, on_max_events="truncate",
                         **kwargs)
    ev = run.events
    ev.check_invariants(net, delay=None if model.continuous_time else 1)
    assert np.bincount(ev.avalanche, minlength=ev.n_avalanches).sum() == ev.n_events
    assert run.activity.sum() == ev.n_events and run.activity.dtype == np.int64
    if kwargs["protocol"] == "isolated" and not run.truncated and run.alive_avalanches.size == 0:
        assert ev.n_avalanches == kwargs["n_avalanches"]
    if kwargs["protocol"] == "spreading":
        limit = kwargs.get("n_steps", kwargs.get("duration"))
        roots = ev.neuron[ev.is_root]
        assert roots.tolist() == ([] if limit == 0 else kwargs["initial"])
    assert set(run.alive_avalanches.tolist()) <= set(range(ev.n_avalanches))
    again = quiet_simulate(net, model, seed=seed, max_events=20_000, on_max_events="truncate",
                           **kwargs)
    assert_events_equal(run.events, again.events)


# ---------------------------------------------------------------- contracts
NET = random_network(30, 3, seed=0)
BRANCH = netaval.Branching(sigma=0.9, drive=0.1)
CP = netaval.ContactProcess(rate=1.0, drive=0.1)
INVALID = [
    ("network", (np.eye(3), BRANCH), dict(n_steps=5)),
    ("model", (NET, "branching"), dict(n_steps=5)),
    ("protocol", (NET, BRANCH), dict(protocol="burst", n_steps=5)),
    ("n_steps", (NET, BRANCH), dict(n_steps=-1)),
    ("n_steps", (NET, BRANCH), dict(n_steps=2.5)),
    ("n_steps", (NET, BRANCH), dict()),
    ("n_steps", (NET, CP), dict(n_steps=5)),
    ("duration", (NET, CP), dict(duration=-1.0)),
    ("duration", (NET, CP), dict(duration=float("inf"))),
    ("duration", (NET, CP), dict()),
    ("duration", (NET, BRANCH), dict(duration=5.0)),
    ("initial", (NET, BRANCH), dict(protocol="spreading")),
    ("initial", (NET, BRANCH), dict(protocol="spreading", initial=[0, 30])),
    ("initial", (NET, BRANCH), dict(protocol="spreading", initial=[1, 1])),
    ("initial", (NET, BRANCH), dict(protocol="spreading", initial=[0.5])),
    ("initial", (NET, BRANCH), dict(n_steps=3, initial=[0])),
    ("n_avalanches", (NET, BRANCH), dict(protocol="isolated")),
    ("n_avalanches", (NET, BRANCH), dict(protocol="isolated", n_avalanches=-2)),
    ("n_avalanches", (NET, BRANCH), dict(n_steps=3, n_avalanches=2)),
    ("max_events", (NET, BRANCH), dict(n_steps=3, max_events=0)),
    ("on_max_events", (NET, BRANCH), dict(n_steps=3, on_max_events="ignore")),
    ("progress", (NET, BRANCH), dict(n_steps=3, progress="yes")),
    ("seed", (NET, BRANCH), dict(n_steps=3, seed=-1)),
    ("seed", (NET, BRANCH), dict(n_steps=3, seed=1.5)),
    ("sigma", (netaval.Network.from_edges([0], [1], n_nodes=2), netaval.Branching(sigma=2.0)),
     dict(n_steps=3)),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), INVALID,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(INVALID)])
def test_invalid_arguments_raise_naming_the_parameter(name, args, kwargs):
    """Every invalid argument or combination raises InvalidParameterError naming it."""
    with pytest.raises(InvalidParameterError, match=f"'{name}'"):
        quiet_simulate(*args, **kwargs)


def test_isolated_on_empty_network_raises():
    """protocol='isolated' cannot seed avalanches on a network without neurons."""
    with pytest.raises(InvalidParameterError, match="'network'"):
        simulate(netaval.Network.from_edges([], [], n_nodes=0), BRANCH, protocol="isolated",
                 n_avalanches=3)


@pytest.mark.parametrize("model", [BRANCH, CP, netaval.FacilitatedContact(1.0, drive=0.1)],
                         ids=["branching", "contact_process", "facilitated_contact"])
def test_empty_network_and_zero_length_runs(model):
    """Empty network: no events, activity of zeros; n_steps=0 / duration=0: empty run."""
    empty = netaval.Network.from_edges([], [], n_nodes=0)
    limit = {"duration": 3.0} if model.continuous_time else {"n_steps": 3}
    run = simulate(empty, model, seed=0, **limit)
    assert run.events.n_events == 0 and run.activity.tolist() == [0, 0, 0]
    assert run.end_time == 3
    zero = {"duration": 0.0} if model.continuous_time else {"n_steps": 0}
    for kwargs in ({}, {"protocol": "spreading", "initial": [0, 1]}):
        run = quiet_simulate(NET, model, seed=0, **zero, **kwargs)
        assert run.events.n_events == 0 and len(run.activity) == 0 and run.end_time == 0
    run = quiet_simulate(NET, model, protocol="isolated", n_avalanches=0, seed=0)
    assert run.events.n_events == 0


@pytest.mark.parametrize("model", [netaval.Branching(sigma=2.5),
                                   netaval.ContactProcess(rate=4.0),
                                   netaval.FacilitatedContact(rate=5.0)],
                         ids=["branching", "contact_process", "facilitated_contact"])
def test_runaway_raises_by_default(model):
    """Supercritical spreading hits max_events: RunawayActivityError naming max_events."""
    net = random_network(2000, 10, seed=0)
    with pytest.raises(RunawayActivityError, match="max_events.*on_max_events='truncate'"):
        simulate(net, model, protocol="spreading", initial=[0], max_events=5000, seed=1)


@pytest.mark.parametrize("model", [netaval.Branching(sigma=2.5),
                                   netaval.ContactProcess(rate=4.0),
                                   netaval.FacilitatedContact(rate=5.0)],
                         ids=["branching", "contact_process", "facilitated_contact"])
def test_runaway_truncates_when_asked(model):
    """on_max_events='truncate' returns the partial run, flagged, with the alive avalanche."""
    net = random_network(2000, 10, seed=0)
    run = simulate(net, model, protocol="spreading", initial=[0], max_events=5000,
                   on_max_events="truncate", seed=1)
    assert run.truncated and run.alive_avalanches.tolist() == [0]
    assert run.events.n_events >= 5000
    if model.continuous_time:
        assert run.events.n_events == 5000
    else:
        assert run.events.n_events - 5000 < run.activity[-1]
    run.events.check_invariants(net, delay=None if model.continuous_time else 1)


def test_driven_run_metadata_and_activity():
    """A driven run records protocol, params, provenance, steps, activity and memory <= 32 B."""
    net = random_network(500, 5, seed=2)
    model = netaval.Branching(sigma=0.9, drive=0.01)
    run = simulate(net, model, n_steps=300, seed=7)
    assert run.model is model and run.protocol == "driven" and run.end_time == 300
    assert run.protocol_params["n_steps"] == 300 and run.network == net.provenance
    assert len(run.activity) == 300 and run.activity.sum() == run.events.n_events
    assert run.events.time.dtype == np.int64 and run.events.time_step == 1.0
    assert run.wall_time > 0 and not run.truncated
    one_parent = run.events.n_parents.max() <= 1
    if one_parent:
        assert run.events.nbytes <= 32 * run.events.n_events + 8
    assert run.events.nbytes <= 32 * run.events.n_events + 4 * len(run.events.parent_ids) + 8


def test_contact_process_activity_is_per_unit_time_bin():
    """ContactProcess: float times, activity counts activations in [k, k + 1)."""
    run = simulate(NET, CP, duration=7.5, seed=1)
    assert run.events.time.dtype == np.float64 and run.events.time_step is None
    assert len(run.activity) == 8 and run.end_time == 7.5
    np.testing.assert_array_equal(run.activity,
                                  np.bincount(np.floor(run.events.time).astype(int),
                                              minlength=8))


def test_seed_none_is_recorded_and_repeatable():
    """seed=None records the entropy; passing it back repeats the run bit for bit."""
    run = simulate(NET, BRANCH, n_steps=50)
    assert isinstance(run.seed, int) and run.rng_state is None
    again = simulate(NET, BRANCH, n_steps=50, seed=run.seed)
    assert_events_equal(run.events, again.events)


def test_generator_seed_records_state():
    """A Generator seed: Run.seed is None and Run.rng_state restores the stream."""
    generator = np.random.default_rng(3)
    run = simulate(NET, BRANCH, n_steps=50, seed=generator)
    assert run.seed is None and run.rng_state is not None
    restored = np.random.default_rng()
    restored.bit_generator.state = run.rng_state
    assert_events_equal(run.events, simulate(NET, BRANCH, n_steps=50, seed=restored).events)
    other = simulate(NET, BRANCH, n_steps=50, seed=4)
    assert other.events.n_events != run.events.n_events or not np.array_equal(
        other.events.neuron, run.events.neuron)


def test_scipy_matrix_is_accepted():
    """A scipy sparse matrix is converted with Network.from_scipy."""
    matrix = NET.to_scipy()
    a = simulate(sp.csr_matrix(matrix), BRANCH, n_steps=40, seed=2)
    b = simulate(NET, BRANCH, n_steps=40, seed=2)
    assert_events_equal(a.events, b.events)


def test_isolated_protocol_completes_avalanches_without_overlap():
    """Isolated: n_avalanches complete, each starts after the previous one ended."""
    net = random_network(300, 4, seed=5)
    run = simulate(net, netaval.Branching(sigma=0.9, refractory=2), protocol="isolated",
                   n_avalanches=200, seed=5)
    ev = run.events
    assert ev.n_avalanches == 200 and len(run.alive_avalanches) == 0
    first = np.array([ev.time[ev.avalanche == a].min() for a in range(200)])
    last = np.array([ev.time[ev.avalanche == a].max() for a in range(200)])
    assert np.all(first[1:] >= last[:-1] + 1 + 2)
    assert run.end_time == ev.time[-1] + 1


def test_spreading_gives_each_initial_neuron_its_own_avalanche():
    """Spreading: initial neurons are roots at time 0, avalanches numbered in neuron order."""
    net = random_network(300, 4, seed=6)
    run = simulate(net, netaval.Branching(sigma=0.8), protocol="spreading",
                   initial=[40, 7, 100], seed=6)
    ev = run.events
    assert ev.neuron[ev.is_root].tolist() == [7, 40, 100]
    assert ev.avalanche[ev.is_root].tolist() == [0, 1, 2] and np.all(ev.time[ev.is_root] == 0)
    assert len(run.alive_avalanches) == 0 and run.end_time == ev.time[-1] + 1
    unsigned = simulate(net, netaval.Branching(sigma=0.8), protocol="spreading",
                        initial=np.array([100, 7, 40], np.uint8), seed=6)
    assert unsigned.events.neuron[unsigned.events.is_root].tolist() == [7, 40, 100]
    for huge in (np.array([2**64 - 1], np.uint64), [2**63 - 1]):  # named as given, not wrapped
        with pytest.raises(InvalidParameterError, match=f"ids in \\[0, 300\\). Got {huge[0]}\\."):
            simulate(net, netaval.Branching(sigma=0.8), protocol="spreading", initial=huge,
                     seed=6)


def test_warnings_for_ignored_or_missing_drive():
    """Drive ignored by spreading/isolated and no drive in 'driven' both warn."""
    with pytest.warns(NetavalWarning, match="ignores the model's drive"):
        simulate(NET, BRANCH, protocol="isolated", n_avalanches=2, seed=0)
    with pytest.warns(NetavalWarning, match="drive=0"):
        simulate(NET, netaval.Branching(sigma=0.5), n_steps=2, seed=0)


def test_progress_bar_runs(capsys):
    """progress=True draws a tqdm bar to 30/30 steps on stderr, the result is unchanged;
    progress=False prints nothing."""
    a = simulate(NET, BRANCH, n_steps=30, seed=1, progress=True)
    shown = capsys.readouterr()
    assert "30/30" in shown.err and "100%" in shown.err and shown.out == ""
    b = simulate(NET, BRANCH, n_steps=30, seed=1)
    assert capsys.readouterr() == ("", "")
    assert_events_equal(a.events, b.events)


# ---------------------------------------------------------------- power-law exponents (slow)
def fit_discrete_power_law(x, low, high):
    """MLE of alpha for p(s) ∝ s^-alpha on the integers [low, high]; returns (alpha, stderr).

    Standard error from the Fisher information: 1 / sqrt(n Var_alpha(log s)).
    """
    x = np.asarray(x)
    x = x[(x >= low) & (x <= high)]
    support = np.arange(low, high + 1, dtype=float)
    log_s = np.log(support)
    mean_log = np.log(x).mean()

    def negative_log_likelihood(alpha):
        return alpha * mean_log + np.log(np.exp(-alpha * log_s).sum())

    alpha = optimize.minimize_scalar(negative_log_likelihood, bounds=(1.0001, 5.0),
                                     method="bounded", options={"xatol": 1e-8}).x
    weights = np.exp(-alpha * log_s)
    weights /= weights.sum()
    variance = np.dot(weights, log_s**2) - np.dot(weights, log_s) ** 2
    return alpha, 1.0 / math.sqrt(len(x) * variance)


def pseudo_true_exponent(pmf, low, high):
    """The exponent the MLE converges to on [low, high] for data drawn from ``pmf``."""
    support = np.arange(low, high + 1, dtype=float)
    p = pmf[low:high + 1] / pmf[low:high + 1].sum()
    target = np.dot(p, np.log(support))

    def gap(alpha):
        w = support ** -alpha
        return np.dot(w, np.log(support)) / w.sum() - target

    return optimize.brentq(gap, 1.0001, 5.0)


def test_power_law_fit_recovers_and_rejects(seed):
    """fit_power_law on [10, 1000] equals this file's independent MLE (alpha and its Fisher
    stderr) and recovers alpha = 1.5 within z = 4 of that stderr, rejecting 1.6."""
    rng = np.random.default_rng(seed)
    support = np.arange(10, 1001)
    p = support ** -1.5
    x = rng.choice(support, size=20_000, p=p / p.sum())
    alpha, se = fit_discrete_power_law(x, 10, 1000)
    fit = netaval.stats.fit_power_law(x, xmin=10, xmax=1000)
    assert fit.alpha == pytest.approx(alpha, abs=1e-6)
    assert fit.alpha_stderr == pytest.approx(se, rel=1e-4)
    assert_within_z(fit.alpha, 1.5, se, z=Z)
    with pytest.raises(AssertionError):
        assert_within_z(fit.alpha, 1.6, se, z=Z)


@pytest.mark.slow
def test_critical_branching_exponents():
    """sigma = 1: sizes ~ s^-3/2, durations ~ t^-2 (discrete MLE on stated windows).

    Isolated avalanches on a random network with out-degree 10, N = 1e6 (the sum of sizes
    is heavy-tailed, so the run is capped at 2e7 events and an avalanche left unfinished by
    the cap is dropped: one out of more than 1e4). The reference is
    the exact Galton-Watson law with Binomial(10, 1/10) offspring: P(S = s) = P(Bin(10 s,
    1/10) = s - 1) / s and P(T <= t) = f^t(0) (f the offspring generating function); the
    test compares the exponent fitted on each window (sizes [10, 1000]; durations [4, 40]
    and [20, 200]) with the value the MLE converges to on that law (the pseudo-true
    exponent; z = 4, standard error from the Fisher information), and checks that the
    exact laws reach 3/2 and 2 (within 0.02) on the windows [2000, 20000] and [200, 2000].
    Duration corrections to scaling are large: the local exponent is 1.69 on [4, 40].
    """
    net = random_network(1_000_000, 10, seed=1)
    run = simulate(net, netaval.Branching(sigma=1.0), protocol="isolated",
                   n_avalanches=30_000, max_events=20_000_000, on_max_events="truncate",
                   seed=1)
    ev = run.events
    sizes = np.bincount(ev.avalanche)
    first = np.full(ev.n_avalanches, np.iinfo(np.int64).max)
    np.minimum.at(first, ev.avalanche, ev.time)
    last = np.zeros(ev.n_avalanches, np.int64)
    np.maximum.at(last, ev.avalanche, ev.time)
    durations = last - first + 1
    complete = np.ones(ev.n_avalanches, bool)
    complete[run.alive_avalanches] = False  # a run cut by max_events leaves one unfinished
    assert ev.n_avalanches > 10_000
    sizes, durations = sizes[complete], durations[complete]
    s = np.arange(1, 20_001)
    size_pmf = np.concatenate([[0.0], sps.binom.pmf(s - 1, 10 * s, 0.1) / s])
    q = [0.0]
    for _ in range(2001):
        q.append((0.9 + 0.1 * q[-1]) ** 10)
    duration_pmf = np.concatenate([[0.0], np.diff(q)])
    # the exact laws have the mean-field exponents asymptotically (slowly for durations:
    # the local exponent on [4, 40] is 1.69, on [20, 200] 1.90, on [200, 2000] 1.99)
    assert abs(pseudo_true_exponent(size_pmf, 2000, 20_000) - 1.5) < 0.02
    assert abs(pseudo_true_exponent(duration_pmf, 200, 2000) - 2.0) < 0.02
    for data, pmf, low, high in ((sizes, size_pmf, 10, 1000), (durations, duration_pmf, 4, 40),
                                 (durations, duration_pmf, 20, 200)):
        target = pseudo_true_exponent(pmf, low, high)
        alpha, se = fit_discrete_power_law(data, low, high)
        print(f"[{low}, {high}]: alpha = {alpha:.4f} +- {se:.4f}, pseudo-true {target:.4f}")
        assert_within_z(alpha, target, se, z=Z, what=f"exponent on [{low}, {high}]")


TOPOLOGY_PARAMS = {"lattice": {"dim": 2}, "random": {"k": 4.0},
                   "random_fixed_indegree": {"k": 4}, "scale_free": {"m": 2},
                   "scale_free_chung_lu": {"gamma": 2.5, "k_min": 2.0},
                   "small_world": {"k": 4, "p": 0.1}}


@pytest.mark.parametrize("protocol", ["driven", "spreading", "isolated"])
@pytest.mark.parametrize("name", sorted(TOPOLOGY_PARAMS))
def test_every_protocol_and_model_on_every_topology(name, protocol):
    """Both models run all three protocols on each registered topology; invariants hold."""
    topologies = pytest.importorskip("topologies")
    if name not in topologies.available():
        pytest.skip(f"topology {name!r} is not registered")
    generator = topologies.get(name)
    function = getattr(generator, "function", generator)
    kwargs = dict(TOPOLOGY_PARAMS[name])
    if "seed" in function.__code__.co_varnames:
        kwargs["seed"] = 1
    net = function(64, **kwargs)
    k_min = int(net.out_degree[net.out_degree > 0].min())
    for model in (netaval.Branching(sigma=min(1.0, k_min), drive=0.01),
                  netaval.ContactProcess(rate=1.5, drive=0.01)):
        limit = {"duration": 20.0} if model.continuous_time else {"n_steps": 50}
        extra = {"driven": limit, "spreading": dict(limit, initial=[0, 5]),
                 "isolated": dict(limit, n_avalanches=5)}[protocol]
        run = quiet_simulate(net, model, protocol=protocol, seed=2, **extra)
        run.events.check_invariants(net, delay=None if model.continuous_time else 1)


@pytest.mark.parametrize(("features", "vector"), [
    ("+avx2,+fma,-avx512f,-avx512vl,-avx512dq", False),
    ("+avx2,+avx512f,+avx512vl,-avx512dq", False),
    ("+avx2,+avx512f,+avx512dq,+avx512vl,+avx512bw", True),
])
def test_vector_blocks_of_trials_only_with_avx512(monkeypatch, features, vector):
    """Rows go in vector blocks of trials only where numba targets AVX-512 F, VL and DQ."""
    from numba.core import config

    from netaval._kernels import branching as kb

    monkeypatch.setattr(config, "CPU_FEATURES", features)
    assert kb._vector_trials() is vector
