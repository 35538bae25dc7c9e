"""Tests for FacilitatedContact: exact rates, mean field, equivalence with ContactProcess,
causal invariants with lifetimes."""

import dataclasses
import math
import warnings

import networkx as nx
import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import random_network
from stats import assert_same_distribution, assert_within_z

import netaval
from netaval.errors import InvalidParameterError, NetavalWarning

Z = 4.0  # two-sided false-alarm rate ~6e-5 per check


def quiet(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NetavalWarning)
        return netaval.simulate(*args, **kwargs)


def complete_graph(n):
    """Complete directed graph without self-loops, CSR built in bulk."""
    indptr = np.arange(n + 1, dtype=np.int64) * (n - 1)
    rows = np.repeat(np.arange(n), n - 1)
    indices = ((rows + 1 + np.tile(np.arange(n - 1), n)) % n).reshape(n, n - 1)
    indices.sort(axis=1)
    return netaval.Network(indptr, indices.ravel().astype(np.int32), None, n_nodes=n)


def regular_graph(k, n, seed):
    """Random k-regular undirected graph."""
    return netaval.Network.from_networkx(nx.random_regular_graph(k, n, seed=seed))


def mean_active(events, t0, t1):
    """Time average of the number of active units over [t0, t1], from the lifetimes."""
    overlap = np.minimum(events.end_time, t1) - np.maximum(events.time, t0)
    return float(np.clip(overlap, 0.0, None).sum()) / (t1 - t0)


# ---------------------------------------------------------------- exact rates
def transitions(events, duration):
    """Every state change of a run in order: times, units, kinds (0: root activation,
    1: recurrent activation, 2: deactivation), and the active set just before each."""
    n_ev = events.n_events
    ended = np.isfinite(events.end_time)
    times = np.concatenate([events.time, events.end_time[ended]])
    units = np.concatenate([events.neuron, events.neuron[ended]]).astype(np.int64)
    kinds = np.concatenate([np.where(events.is_root, 0, 1), np.full(ended.sum(), 2)])
    order = np.argsort(times, kind="stable")
    times, units, kinds = times[order], units[order], kinds[order]
    assert times[-1] < duration
    change = np.where(kinds == 2, -1, 1)
    n_units = int(events.neuron.max()) + 1
    steps = np.zeros((len(times), n_units), np.int64)
    steps[np.arange(len(times)), units] = change
    before = np.cumsum(steps, axis=0) - steps
    assert before.min() == 0 and before.max() <= 1 and n_ev > 0
    return times, units, kinds, before, order


@pytest.mark.parametrize(("rate", "omega", "drive"), [(1.2, 0.0, 0.05), (0.8, 3.0, 0.02)],
                         ids=["omega0", "omega3"])
def test_jump_chain_has_the_model_rates(rate, omega, drive):
    """On a heterogeneous directed graph (several weight groups, unequal rows), every state
    change occurs with probability r/R given the state (r: its rate, R: the total), the
    waiting times are Exp(R), and each activation's parents are the active in-neighbours,
    the primary uniform among them.

    Counts per (unit, kind) are compared with the sum of their probabilities over all
    steps (variance sum p (1 - p)), each with a two-sided z for a total false-alarm rate of
    1e-3 (Bonferroni); sum R dt over the steps is Gamma(n, 1).
    """
    n, duration = 12, 3000.0
    net = random_network(n, 3, seed=5)
    net = netaval.Network(net.indptr, net.indices, None, n_nodes=n)
    adjacency = net.to_scipy().toarray() > 0
    k_in = adjacency.sum(axis=0)
    assert len(np.unique(k_in)) > 2
    run = netaval.simulate(net, netaval.FacilitatedContact(rate, omega=omega, drive=drive),
                           duration=duration, seed=11)
    events = run.events
    events.check_invariants(net)
    times, units, kinds, before, order = transitions(events, duration)
    x = np.divide(before @ adjacency, k_in, out=np.zeros(before.shape), where=k_in > 0)
    inactive = 1 - before
    rates = np.stack([inactive * drive, inactive * (rate * x + omega * x * x),
                      before.astype(float)], axis=2)  # (step, unit, kind)
    total = rates.sum(axis=(1, 2))
    p = rates / total[:, None, None]
    expected = p.sum(axis=0)
    variance = (p * (1 - p)).sum(axis=0)
    observed = np.zeros_like(expected)
    np.add.at(observed, (units, kinds), 1)
    z = scipy.stats.norm.isf(1e-3 / 2 / expected.size)
    dev = np.abs(observed - expected) / np.sqrt(np.maximum(variance, 1e-300))
    assert dev.max() <= z, (dev.max(), np.unravel_index(dev.argmax(), dev.shape))
    waits = np.diff(np.concatenate([[0.0], times])) * total
    assert_within_z(waits.mean(), 1.0, 1 / math.sqrt(len(waits)), z=Z, what="R dt")
    # parents: exactly the active in-neighbours, the primary uniform among them
    step_of_event = np.empty(events.n_events, np.int64)
    activation = kinds != 2
    step_of_event[order[activation]] = np.flatnonzero(activation)
    ranks, sizes = [], []
    for e in np.flatnonzero(~events.is_root):
        parents = events.parent_ids[events.parent_indptr[e]:events.parent_indptr[e + 1]]
        state = before[step_of_event[e]]
        active_in = np.flatnonzero(adjacency[:, events.neuron[e]] & (state == 1))
        assert sorted(events.neuron[parents].tolist()) == active_in.tolist()
        ranks.append(int(np.searchsorted(active_in, events.neuron[parents[0]])))
        sizes.append(len(active_in))
    ranks, sizes = np.array(ranks), np.array(sizes)
    assert (sizes > 1).sum() > 1000
    centred = ranks - (sizes - 1) / 2
    assert_within_z(centred.sum(), 0.0, math.sqrt(((sizes**2 - 1) / 12).sum()), z=Z,
                    what="primary parent rank")


# ---------------------------------------------------------------- mean field
def birth_death_time_average(n, rate, omega, low):
    """Exact mean and asymptotic variance (T x Var of the time average over T) of the
    density n/N for the complete-graph chain: birth (N - n)(rate x + omega x^2), x = n/(N-1),
    death n, on low..N with a reflecting boundary at ``low`` (the metastable active state).

    Asymptotic variance of a birth-death chain: 2 sum_n F(n)^2 / (pi(n) b(n)), F(n) =
    sum_{m <= n} pi(m) (f(m) - <f>) (the Poisson equation solved by summation).
    """
    m = np.arange(low, n + 1)
    x = m / (n - 1)
    birth = (n - m) * (rate * x + omega * x * x)
    log_pi = np.concatenate([[0.0], np.cumsum(np.log(birth[:-1]) - np.log(m[1:]))])
    pi = np.exp(log_pi - log_pi.max())
    pi /= pi.sum()
    f = m / n
    mean = float(pi @ f)
    mass = pi * (f - mean)
    # F(n) from whichever end keeps it accurate where pi is tiny (it sums to 0 overall)
    left = np.cumsum(mass)[:-1]
    right = -np.cumsum(mass[::-1])[::-1][1:]
    flux = np.where(f[:-1] < mean, left, right)
    keep = pi[:-1] > 0
    return mean, float(2 * np.sum(flux[keep]**2 / (pi[:-1][keep] * birth[:-1][keep])))


@pytest.mark.parametrize(("rate", "omega", "relax", "measure"),
                         [(1.5, 0.0, 15.0, 40.0), (0.9, 2.0, 25.0, 60.0)],
                         ids=["continuous-1.5-0", "bistable-0.9-2-up"])
def test_complete_graph_stationary_density_matches_mean_field(rate, omega, relax, measure):
    """Complete graph, N = 2000, from all units active: the time-averaged density matches
    the exact quasi-stationary mean of the birth-death chain within z standard errors
    (asymptotic variance of the chain), and that mean lies within finite-size distance
    (4e-3 at N = 2000) of the stable mean-field root (1/3; 0.4351).
    Relaxation time 1/|f'(rho*)| = 2 and 3.6: ``relax`` is > 7 of them."""
    n = 2000
    model = netaval.FacilitatedContact(rate=rate, omega=omega)
    root = model.mean_field_density()[-1]
    low = int(model.mean_field_density()[1] * n) + 1 if omega > 1 else 1
    expected, asym_var = birth_death_time_average(n, rate, omega, low)
    assert abs(expected - root) < 4e-3
    run = netaval.simulate(complete_graph(n), model, protocol="spreading",
                           initial=np.arange(n), duration=relax + measure, seed=2)
    density = mean_active(run.events, relax, relax + measure) / n
    assert_within_z(density, expected, math.sqrt(asym_var / measure), z=Z, what="density")


def test_density_check_fails_on_the_other_root():
    """The same check rejects the unstable root and the density of a neighbouring rate."""
    n = 2000
    run = netaval.simulate(complete_graph(n), netaval.FacilitatedContact(1.5),
                           protocol="spreading", initial=np.arange(n), duration=55.0, seed=2)
    density = mean_active(run.events, 15.0, 55.0) / n
    _, asym_var = birth_death_time_average(n, 1.5, 0.0, 1)
    wrong, _ = birth_death_time_average(n, 1.6, 0.0, 1)
    with pytest.raises(AssertionError):
        assert_within_z(density, wrong, math.sqrt(asym_var / 40.0), z=Z)


def test_bistable_point_from_few_active_dies():
    """(0.9, 2) from 20 active units of 2000 (below the unstable root 0.1149): the activity
    dies out by itself, quickly (the lower branch is absorbing at h = 0)."""
    n = 2000
    run = netaval.simulate(complete_graph(n), netaval.FacilitatedContact(0.9, omega=2.0),
                           protocol="spreading", initial=np.arange(0, n, 100), seed=3)
    assert len(run.alive_avalanches) == 0 and np.isfinite(run.events.end_time).all()
    assert run.end_time < 100.0
    assert run.events.n_events < 2000  # subcritical: mean total ~ 20 / (1 - 0.9) = 200


# ---------------------------------------------------------------- ContactProcess
@pytest.mark.parametrize("kwargs", [dict(duration=40.0),
                                    dict(protocol="spreading", initial=[0, 3, 7], duration=30.0),
                                    dict(protocol="isolated", n_avalanches=40)],
                         ids=["driven", "spreading", "isolated"])
def test_omega_zero_on_regular_graph_is_the_contact_process_draw_for_draw(kwargs, seed):
    """On a k-regular undirected graph with omega = 0 both kernels make the same draws:
    identical times, neurons, avalanches, generations, primary parents and lifetimes."""
    net = regular_graph(6, 300, seed=1)
    rate = 1.5 if "n_avalanches" not in kwargs else 0.8
    drive = 0.01 if "protocol" not in kwargs else 0.0
    a = quiet(net, netaval.ContactProcess(rate, drive=drive), seed=seed, **kwargs)
    b = quiet(net, netaval.FacilitatedContact(rate, drive=drive), seed=seed, **kwargs)
    for name in ("time", "neuron", "avalanche", "generation", "end_time", "primary_parent"):
        np.testing.assert_array_equal(getattr(a.events, name), getattr(b.events, name), name)
    assert a.end_time == b.end_time and np.array_equal(a.alive_avalanches, b.alive_avalanches)
    # FacilitatedContact lists every active neighbour as a parent, the contact process one
    assert (b.events.n_parents >= a.events.n_parents).all() and b.events.n_parents.max() > 1


def test_omega_zero_on_regular_graph_is_statistically_the_contact_process():
    """Independent runs (different seeds) of both models on a 10-regular graph: the
    densities of 20 replicates agree (two-sample z, false alarm 6e-5) and the avalanche
    sizes and durations agree (two-sample KS, false-alarm rate 1e-3 each)."""
    net = regular_graph(10, 2000, seed=2)
    densities = {}
    sizes = {}
    durations = {}
    for name, model in (("cp", netaval.ContactProcess(1.3, drive=2e-3)),
                        ("fc", netaval.FacilitatedContact(1.3, drive=2e-3))):
        offset = 0 if name == "cp" else 1000
        runs = [netaval.simulate(net, model, duration=30.0, seed=offset + r) for r in range(20)]
        densities[name] = [mean_active(r.events, 10.0, 30.0) / net.n_nodes for r in runs]
        av = [r.avalanches[~r.avalanches.truncated] for r in runs]
        sizes[name] = np.concatenate([a.size for a in av])
        durations[name] = np.concatenate([a.lifetime for a in av])
    a, b = np.array(densities["cp"]), np.array(densities["fc"])
    se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    assert_within_z(a.mean() - b.mean(), 0.0, se, z=Z, what="density difference")
    assert min(len(sizes["cp"]), len(sizes["fc"])) > 500
    assert_same_distribution(sizes["cp"], sizes["fc"], alpha=1e-3, what="sizes")
    assert_same_distribution(durations["cp"], durations["fc"], alpha=1e-3, what="lifetimes")


def test_equivalence_check_detects_a_different_rate():
    """The KS comparison tells ContactProcess(0.7) from FacilitatedContact(0.7, omega=1)
    (mean avalanche sizes about 2.9 and 3.8, KS distance 0.045), so the equivalence test
    can fail."""
    net = regular_graph(10, 2000, seed=2)
    sizes = []
    for seed, model in enumerate((netaval.ContactProcess(0.7),
                                  netaval.FacilitatedContact(0.7, omega=1.0))):
        run = netaval.simulate(net, model, protocol="isolated", n_avalanches=10_000,
                               seed=seed)
        sizes.append(run.avalanches.size)
    with pytest.raises(AssertionError):
        assert_same_distribution(*sizes, alpha=1e-3)


# ---------------------------------------------------------------- invariants, contracts
@st.composite
def facilitated_runs(draw):
    n = draw(st.integers(1, 25))
    net = random_network(n, draw(st.integers(0, 4)), seed=draw(st.integers(0, 1000)))
    if draw(st.booleans()):
        matrix = net.to_scipy()
        net = netaval.Network.from_scipy(matrix + matrix.T, directed=False)
    model = netaval.FacilitatedContact(rate=draw(st.floats(0.0, 3.0)),
                                       omega=draw(st.sampled_from([0.0, 0.5, 4.0])),
                                       drive=draw(st.sampled_from([0.0, 0.2, 2.0])))
    protocol = draw(st.sampled_from(["driven", "spreading", "isolated"]))
    kwargs = {"driven": {"duration": draw(st.floats(0.0, 10.0))},
              "spreading": {"initial": sorted(draw(st.sets(st.integers(0, n - 1)))),
                            "duration": draw(st.sampled_from([None, 0.0, 5.0]))},
              "isolated": {"n_avalanches": draw(st.integers(0, 8)), "duration": 100.0}}[protocol]
    return net, model, dict(kwargs, protocol=protocol)


@settings(max_examples=60)
@given(case=facilitated_runs(), seed=st.integers(0, 2**32))
def test_properties_on_small_random_networks(case, seed):
    """Causal invariants with lifetimes (every parent active at its child's activation, on
    a presynaptic neuron), lifetimes inf exactly for the units active at the end, avalanche
    lifetimes >= durations, and the same seed gives the same run."""
    net, model, kwargs = case
    run = quiet(net, model, seed=seed, max_events=5000, on_max_events="truncate", **kwargs)
    ev = run.events
    ev.check_invariants(net)
    still = np.isinf(ev.end_time)
    assert np.array_equal(np.unique(ev.avalanche[still]), run.alive_avalanches)
    assert np.unique(ev.neuron[still]).size == still.sum()
    av = run.avalanches
    assert np.all(av.lifetime >= av.duration)
    assert np.array_equal(np.isinf(av.lifetime), av.truncated)
    again = quiet(net, model, seed=seed, max_events=5000, on_max_events="truncate", **kwargs)
    for name in ("time", "neuron", "avalanche", "parent_indptr", "parent_ids", "end_time"):
        assert np.array_equal(getattr(ev, name), getattr(again.events, name))


@pytest.mark.parametrize(("params", "name"), [
    (dict(rate=-1.0), "rate"), (dict(rate=1.0, omega=-0.5), "omega"),
    (dict(rate=1.0, drive=float("nan")), "drive"), (dict(rate=float("inf")), "rate"),
    (dict(rate="1"), "rate"), (dict(rate=1.0, omega=True), "omega"),
])
def test_invalid_parameters_name_the_parameter(params, name):
    """Invalid values raise InvalidParameterError naming the parameter and the model."""
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of FacilitatedContact"):
        netaval.FacilitatedContact(**params)


def test_registered_and_exported():
    """Registered as "facilitated_contact", exported, parameters as floats."""
    assert netaval.models.get("facilitated_contact") is netaval.FacilitatedContact
    assert "FacilitatedContact" in netaval.__all__
    assert netaval.FacilitatedContact(2, omega=1).omega == 1.0


def test_population_and_lifetime_follow_the_lifetimes():
    """Avalanches.population integrates to the summed lifetimes of its members, ends at 0
    for finished avalanches, and lifetime is the last deactivation minus the first
    activation."""
    net = regular_graph(6, 200, seed=3)
    run = netaval.simulate(net, netaval.FacilitatedContact(1.2, omega=1.0, drive=0.02),
                           duration=30.0, seed=5)
    av = run.avalanches
    assert av.truncated.any() and not av.truncated.all()
    for k in [int(np.argmax(np.where(av.truncated, 0, av.size))), int(np.argmax(av.truncated))]:
        times, counts = av.population(k)
        members = av.event_order[av.event_indptr[k]:av.event_indptr[k + 1]]
        life = run.events.end_time[members] - run.events.time[members]
        if av.truncated[k]:
            assert counts[-1] > 0 and np.isinf(av.lifetime[k])
        else:
            assert counts[-1] == 0 and counts.min() == 0 and (counts[:-1] > 0).all()
            assert math.isclose(np.sum(np.diff(times) * counts[:-1]), life.sum())
            assert av.lifetime[k] == times[-1] - times[0]
        assert times[0] == av.start[k] and counts.max() <= av.size[k]
    with pytest.raises(InvalidParameterError, match="'k' parameter"):
        av.population(len(av))


# ---------------------------------------------------------------- continuation
def test_continuation_starts_from_the_final_state():
    """The next run starts from Run.final_state: its carried events are the units active at
    the end (with their times), lifetimes continue, the model may change, and a state
    with a broken layout or from another model is refused."""
    net = regular_graph(6, 300, seed=4)
    model = netaval.FacilitatedContact(1.5, omega=1.0, drive=0.01)
    first = netaval.simulate(net, model, duration=20.0, seed=1)
    state = first.final_state
    still = np.flatnonzero(np.isinf(first.events.end_time))
    assert np.array_equal(state.neuron, first.events.neuron[still])
    assert np.array_equal(state.time, first.events.time[still] - 20.0)
    for changed in (model, dataclasses.replace(model, rate=0.9, omega=2.0)):
        second = netaval.simulate(net, changed, duration=10.0, initial_state=state, seed=2)
        carried = state.n_active
        assert np.array_equal(second.events.neuron[:carried], state.neuron)
        assert np.array_equal(second.events.time[:carried], state.time)
        assert second.events.is_root[:carried].all() and second.avalanches.truncated[:carried].all()
        second.events.check_invariants(net)
    broken = dataclasses.replace(state, arrays={"members": state.arrays["members"][::-1].copy()})
    with pytest.raises(InvalidParameterError, match="initial_state"):
        netaval.simulate(net, model, duration=1.0, initial_state=broken, seed=3)
    cp_state = netaval.simulate(net, netaval.ContactProcess(1.5, drive=0.01), duration=5.0,
                                seed=1).final_state
    with pytest.raises(InvalidParameterError, match="initial_state"):
        netaval.simulate(net, model, duration=1.0, initial_state=cp_state, seed=3)


def test_continued_halves_keep_the_stationary_density():
    """Complete graph, (1.5, 0), N = 2000: relax 15, then two continued windows of 20; the
    density of each window matches the exact quasi-stationary mean (z standard errors),
    which a continuation that lost the state (restarting quiescent) would not."""
    n = 2000
    net = complete_graph(n)
    model = netaval.FacilitatedContact(1.5)
    expected, asym_var = birth_death_time_average(n, 1.5, 0.0, 1)
    run = netaval.simulate(net, model, protocol="spreading", initial=np.arange(n),
                           duration=15.0, seed=5)
    for half in range(2):
        run = quiet(net, model, duration=20.0, initial_state=run.final_state, seed=6 + half)
        assert_within_z(mean_active(run.events, 0.0, 20.0) / n, expected,
                        math.sqrt(asym_var / 20.0), z=Z, what=f"density, half {half}")


# ---------------------------------------------------------------- hysteresis
def test_hysteresis_at_omega_2_shows_two_branches_with_the_mean_field_jumps():
    """netaval.hysteresis over rate at omega = 2 (complete graph, N = 1000, drive 1e-3):
    the up-sweep stays low through the bistable window and jumps up near rate 1, the
    down-sweep stays high and drops near the spinodal 2 sqrt(2) - 2 = 0.828.

    With drive h = 1e-3 the mean-field folds move to 0.825 and 0.938 (computed below from
    the roots); a finite system leaves a metastable branch somewhat before its fold, and
    the up jump lags by the slow growth near the fold (relax = 10), so the jump (first
    value past density 0.2) is asserted within [0.90, 1.00] up and [0.76, 0.86] down."""
    h = 1e-3
    grid = np.linspace(0.6, 1.2, 6001)
    three = [len(netaval.FacilitatedContact(r, omega=2.0, drive=h).mean_field_density()) == 3
             for r in grid]
    lower_fold, upper_fold = grid[three].min(), grid[three].max()
    assert abs(lower_fold - 0.825) < 2e-3 and abs(upper_fold - 0.938) < 2e-3
    values = np.round(np.arange(0.70, 1.101, 0.02), 2)
    table = netaval.hysteresis(complete_graph(1000),
                               netaval.FacilitatedContact(0.7, omega=2.0, drive=h), "rate",
                               values, relax=10.0, measure=5.0, seed=1)
    up = table[table.direction == "up"].set_index("value").density
    down = table[table.direction == "down"].set_index("value").density
    jump_up = up.index[np.argmax(up.values > 0.2)]
    jump_down = down.index[np.argmax(down.values < 0.2)]
    assert (up.values > 0.2).any() and (down.values < 0.2).any()
    assert 0.90 <= jump_up <= 1.00 and 0.76 <= jump_down <= 0.86, (jump_up, jump_down)
    window = values[(values > 0.86) & (values < 0.9)]  # inside the bistable window
    assert (up.loc[window] < 0.05).all() and (down.loc[window] > 0.3).all()
    assert (up.loc[values[values >= 1.0]] > 0.4).all()
    assert (down.loc[values[values <= 0.74]] < 0.05).all()


# ---------------------------------------------------------------- neutral exponents (slow)
def neutral_run(rate, omega, drive, duration, seed):
    """Random undirected graph of 1e4 units (k = 10): burn in from all units active
    (spreading, 30 time units), then continue driven for ``duration``; the complete
    avalanches rooted in the driven window."""
    import topologies

    net = topologies.random(10_000, k=10, directed=False, seed=seed)
    model = netaval.FacilitatedContact(rate, omega=omega, drive=drive)
    state = None
    if rate + omega > 1:  # can be active: start on the active branch
        state = quiet(net, model, protocol="spreading", initial=np.arange(net.n_nodes),
                      duration=30.0, seed=seed).final_state
    run = quiet(net, model, duration=duration, initial_state=state, seed=seed + 1)
    av = run.avalanches
    return run, av[~av.truncated]


@pytest.mark.slow
@pytest.mark.parametrize(("rate", "omega", "drive", "duration"),
                         [(1.5, 0.0, 5e-4, 3000.0), (0.9, 2.0, 1e-3, 1500.0)],
                         ids=["continuous", "discontinuous-up"])
def test_neutral_exponents_in_the_active_phase(rate, omega, drive, duration):
    """Causal avalanches in the active phase, away from any transition (SCIENCE.md 3.3,
    3.6): truncated power-law MLE gives size exponent 3/2 on S in [10, 1e4] and duration
    exponent 2 on T in [10, 300] (the window of 3.6), each within 4 standard errors; the
    identity <S> = 1/f_ext of 2.4 is not needed here."""
    run, av = neutral_run(rate, omega, drive, duration, seed=7)
    assert run.events.n_events / run.end_time / 1e4 > 0.2  # active phase
    sizes = av.size[(av.size >= 10) & (av.size <= 10_000)]
    durations = av.duration[(av.duration >= 10.0) & (av.duration <= 300.0)]
    size = netaval.stats.fit_power_law(sizes, xmin=10, xmax=10_000)
    dur = netaval.stats.fit_power_law(durations, discrete=False, xmin=10.0, xmax=300.0)
    print(f"\n({rate}, {omega}, {drive}): {len(av)} avalanches, "
          f"tau = {size.alpha:.3f} +- {size.alpha_stderr:.3f} (n = {size.n_tail}), "
          f"alpha = {dur.alpha:.3f} +- {dur.alpha_stderr:.3f} (n = {dur.n_tail})")
    assert_within_z(size.alpha, 1.5, size.alpha_stderr, z=Z, what="size exponent")
    assert_within_z(dur.alpha, 2.0, dur.alpha_stderr, z=Z, what="duration exponent")


@pytest.mark.slow
def test_quiescent_phase_has_an_exponential_cutoff():
    """Quiescent phase (rate 0.6, omega 0, h = 1e-3): per-capita internal birth rate well
    below death, so sizes are cut off at small S: of the avalanches with S >= 10, under 1%
    reach 100, where a 3/2 power law would put (100/10)^(-1/2) = 32% of them."""
    run, av = neutral_run(0.6, 0.0, 1e-3, 1000.0, seed=8)
    big = av.size[av.size >= 10]
    print(f"\nquiescent: {len(av)} avalanches, mean size {av.size.mean():.2f}, "
          f"{len(big)} with S >= 10, max {av.size.max()}")
    assert len(big) > 100 and np.mean(big >= 100) < 0.01
