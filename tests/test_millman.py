"""Tests for the Millman LIF network: exact single-neuron theory, vesicles, attribution."""

import math
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import SplitMix64
from scipy import stats as sps
from stats import assert_chisquare_fits, assert_within_z

import netaval
from netaval._kernels import millman as _km
from netaval.models import Recorder
from netaval.models import _engine as _engine_module
from netaval.models import _millman_engine as engine
from netaval.models.millman import Millman

QUIET = {"f_ext": 0.0}


def _recorder():
    return Recorder(1 << 10, False, limit=1 << 40)


class _Net:
    """A network as CSR, built from (pre, post) pairs."""

    def __new__(cls, pre, post, n):
        return netaval.Network.from_edges(np.asarray(pre), np.asarray(post), n_nodes=n)


def _prime(arrays, neuron, *, u=0.0, cur=0.0, ext_cur=0.0):
    """Give a neuron a membrane offset u (mV above e_leak) and currents at time point 0."""
    arrays.u[neuron] = u
    arrays.cur[neuron] = cur + ext_cur
    arrays.ext_cur[neuron] = ext_cur
    arrays.ext_last[neuron] = 0 if ext_cur else arrays.ext_last[neuron]


def _run(network, model, arrays, recorder, n_steps, seed=0, **kwargs):
    rng = np.array([seed], np.uint64)
    status, trace = engine.advance(network, model, arrays, recorder, n_steps=n_steps,
                                   rng=rng, **kwargs)
    n = int(arrays.state[_km.M_N_EVENTS])
    return n, trace


def _parents(recorder, e):
    return recorder.parent_ids[recorder.parent_indptr[e]:recorder.parent_indptr[e + 1]].tolist()


def _g(model, k):
    """Closed form (SCIENCE.md 1.1) of the PSP of a unit pulse, k steps after it (mV/pA)."""
    s = k * model.dt
    if model.tau_l == model.tau_s:
        return s / model.capacitance * np.exp(-s / model.tau_l)
    scale = model.tau_l * model.tau_s / (model.capacitance * (model.tau_l - model.tau_s))
    return scale * (np.exp(-s / model.tau_l) - np.exp(-s / model.tau_s))


# --------------------------------------------------------------------- single neuron
@pytest.mark.parametrize("tau_l, tau_s", [(20.0, 5.0), (10.0, 10.0), (3.0, 7.0)])
@pytest.mark.parametrize("u0", [0.0, 10.0])
def test_psp_of_one_pulse_matches_closed_form(tau_l, tau_s, u0):
    """A vesicle's PSP equals the closed form of SCIENCE.md 1.1 at every step (1e-9
    relative), on top of a decaying offset u0 (then the neuron's bound u + g_max I reaches
    threshold, but the sum stays below it: the kernel schedules no crossing); its grid
    peak sits next to t* and its area is the exact series sum, which tends to the
    integral R_m w tau_s."""
    probe = Millman(tau_l=tau_l, tau_s=tau_s)
    g_max = _km.propagator(probe.dt, tau_l, tau_s, probe.capacitance)[3]
    w = 12.0 / g_max  # a 12 mV PSP: with u0 = 10 mV the bound exceeds the 20 mV gap
    model = Millman(n_sites=1, p_release=1.0, a_syn=w, tau_l=tau_l, tau_s=tau_s, **QUIET)
    net = _Net([0], [1], 2)
    arrays = engine.MillmanArrays(2, 1, 1)
    _prime(arrays, 0, u=100.0)  # fires at step 0, its vesicle reaches 1 at point 1
    _prime(arrays, 1, u=u0)
    rec = _recorder()
    n_steps = int(12 * max(tau_l, tau_s) / model.dt)
    trace, scheduled = [], 0
    for k in range(1, n_steps + 1):
        _run(net, model, arrays, rec, k)
        scheduled += arrays.n_scheduled
        trace.append(engine.membrane(model, arrays)[1] - model.e_leak)
    assert int(arrays.state[_km.M_N_EVENTS]) == 1  # only neuron 0 fired
    assert scheduled == 0
    trace = np.array(trace)  # u at time points 1 .. n_steps
    k = np.arange(n_steps) + 0.0  # steps since the pulse arrived (at time point 1)
    a, c = math.exp(-model.dt / tau_l), math.exp(-model.dt / tau_s)
    decay = u0 * np.exp(-(k + 1) * model.dt / tau_l)
    np.testing.assert_allclose(trace, w * _g(model, k) + decay, rtol=1e-9, atol=1e-300)
    if u0:
        return
    t_star = (tau_l * tau_s * math.log(tau_l / tau_s) / (tau_l - tau_s) if tau_l != tau_s
              else tau_l)
    peak = int(np.argmax(trace))
    assert peak in (math.floor(t_star / model.dt), math.ceil(t_star / model.dt))
    np.testing.assert_allclose(trace[peak], w * _g(model, peak), rtol=1e-9)
    np.testing.assert_allclose(trace[peak], max(w * _g(model, t_star / model.dt - 0.5),
                                                trace[peak]), rtol=1e-9)
    # area: the grid sum plus the tail beyond the run is the exact series sum
    if tau_l != tau_s:
        scale = tau_l * tau_s / (model.capacitance * (tau_l - tau_s))
        tail = w * scale * (a ** n_steps / (1 - a) - c ** n_steps / (1 - c))
        total = w * scale * (1 / (1 - a) - 1 / (1 - c))
    else:
        scale = model.dt / model.capacitance
        tail = w * scale * a ** n_steps * (n_steps * (1 - a) + a) / (1 - a) ** 2
        total = w * scale * a / (1 - a) ** 2
    np.testing.assert_allclose(trace.sum() + tail, total, rtol=1e-9)
    integral = w * tau_l * tau_s / model.capacitance  # R_m w tau_s, R_m = tau_l / C
    # a Riemann sum of a unimodal function is off by at most its peak times dt
    assert abs(total * model.dt - integral) <= trace.max() * model.dt


@pytest.mark.parametrize("multiple", [1.1, 2.0, 6.0])
def test_f_i_curve_matches_lif_formula(multiple):
    """Under constant current (tau_s so long that I does not decay; ``multiple`` times the
    rheobase gap C / tau_l), the neuron fires periodically with the exact discrete period,
    and its rate matches the LIF formula 1 / (refractory + tau_l ln(u_inf / (u_inf -
    gap))) within one step per period."""
    model = Millman(tau_s=1e12, **QUIET)
    gap = model.threshold - model.e_leak
    current = multiple * gap * model.capacitance / model.tau_l
    u_inf = current * model.tau_l / model.capacitance
    net = _Net([], [], 1)
    arrays = engine.MillmanArrays(1, 0, model.n_sites)
    _prime(arrays, 0, cur=current)
    rec = _recorder()
    n_steps = 20_000
    n, _ = _run(net, model, arrays, rec, n_steps)
    times = rec.time[:n]
    a = math.exp(-model.dt / model.tau_l)
    k = 1
    while u_inf * (1 - a ** k) < gap * (1 + 1e-12):
        k += 1
    # first spike when u reaches gap from 0; then every max(R, 1) + k - 1 steps
    period = max(model.refractory_steps, 1) + k - 1
    np.testing.assert_array_equal(times, k - 1 + period * np.arange(len(times)))
    f_lif = 1.0 / (model.refractory + model.tau_l * math.log(u_inf / (u_inf - gap)))
    f_grid = 1.0 / (period * model.dt)
    assert abs(f_grid - f_lif) <= f_lif * f_grid * model.dt
    assert np.all(rec.parent_indptr[: n + 1] == 0)  # driven by no source: roots


def test_below_rheobase_the_neuron_never_fires():
    """u_inf < gap: no spike, and the neuron leaves the active list."""
    model = Millman(tau_s=1e12, **QUIET)
    arrays = engine.MillmanArrays(1, 0, model.n_sites)
    rheobase = (model.threshold - model.e_leak) * model.capacitance / model.tau_l
    _prime(arrays, 0, cur=0.96 * rheobase)  # u_inf = 0.96 gap
    n, _ = _run(_Net([], [], 1), model, arrays, _recorder(), 5000)
    assert n == 0


# --------------------------------------------------------------------- vesicles
def _star(m):
    return _Net(np.zeros(m, np.int64), np.arange(1, m + 1), m + 1)


def test_release_without_refill_follows_binomial_depletion():
    """tau_recovery = inf: after k presynaptic spikes every synapse holds Binomial(n_sites,
    (1 - p)^k) loaded sites, and spike k releases Binomial(loaded, p) vesicles."""
    m_targets, n_sites, p = 4000, 6, 0.3
    model = Millman(n_sites=n_sites, p_release=p, tau_recovery=math.inf, a_syn=0.0,
                    tau_s=1e12, **QUIET)
    net = _star(m_targets)
    arrays = engine.MillmanArrays(m_targets + 1, m_targets, n_sites)
    _prime(arrays, 0, cur=3000.0)  # fires periodically
    rec = _recorder()
    loaded_before = arrays.loaded.astype(np.int64).sum()
    step, spikes = 0, 0
    rng = np.array([7], np.uint64)  # one random stream through the calls
    for k in range(1, 6):
        while int(arrays.state[_km.M_N_EVENTS]) < k:
            step += 1
            engine.advance(net, model, arrays, rec, n_steps=step, rng=rng)
        spikes = k
        loaded = arrays.loaded.astype(np.int64)
        released = loaded_before - loaded.sum()
        mean = loaded_before * p
        assert_within_z(released, mean, math.sqrt(loaded_before * p * (1 - p)),
                        what=f"released at spike {k}")
        loaded_before = loaded.sum()
    q = (1 - p) ** spikes
    counts = np.bincount(arrays.loaded, minlength=n_sites + 1)
    assert_chisquare_fits(counts, sps.binom.pmf(np.arange(n_sites + 1), n_sites, q),
                          what="loaded sites after 5 spikes")


def test_stationary_loaded_fraction_under_poisson_spiking():
    """A neuron firing as a Bernoulli process (rate f) keeps the mean loaded fraction of
    its synapses at the exact stationary value of the per-step recursion,
    (1 - r)(1 - p pi) / (1 - r + r p pi) with r = exp(-dt / tau_recovery), pi = f dt,
    whose dt -> 0 limit is the mean-field 1 / (1 + p f tau_recovery) of SCIENCE.md 1.1."""
    f, p, tau_r = 20.0, 0.5, 100.0
    # tiny tau_s and huge a_ext: every external event fires its neuron at the next step
    model = Millman(n_sites=4, p_release=p, tau_recovery=tau_r, a_syn=0.0, tau_s=0.01,
                    a_ext=1e7, f_ext=f, refractory=0.0)
    net = _star(50)
    arrays = engine.MillmanArrays(51, 50, 4)
    n_steps = 400_000
    n, trace = _run(net, model, arrays, _recorder(), n_steps, seed=3)
    pi = f * model.dt * 1e-3
    r = math.exp(-model.dt / tau_r)
    exact = (1 - r) * (1 - p * pi) / (1 - r + r * p * pi)
    burn = 10_000
    batches = trace[burn:].reshape(39, -1).mean(axis=1)
    se = batches.std(ddof=1) / math.sqrt(len(batches))
    assert_within_z(batches.mean(), exact, se, what="mean loaded fraction")
    mean_field = 1.0 / (1.0 + p * f * 1e-3 * tau_r)
    assert abs(exact - mean_field) < 2e-3 * mean_field  # O(dt) apart


def _vesicle_reference(net, model, loaded, last_fire, times, neurons, state):
    """The documented vesicle draws, literally: for each firing in event order, for each
    synapse of its row in CSR order, ceil(n_sites / 2) draws for refill trials (refill
    with probability 1 - exp(-elapsed dt / tau_recovery); none when that is 0 or 1), of
    which the empty sites use the first, then ceil(n_sites / 2) draws for release trials,
    of which the loaded sites use the first; two trials per draw, high 32 bits first,
    success iff below floor(p 2**32). Returns the loaded sites and the SplitMix64 state
    after them."""
    rng = SplitMix64(state)
    loaded = [int(x) for x in loaded]
    last_fire = [int(x) for x in last_fire]
    dt_tau_r = model.dt / model.tau_recovery
    p_thr = int(min(model.p_release * 2.0**32, 2.0**32))
    half = (model.n_sites + 1) // 2

    def trials():
        out = []
        for _ in range(half):
            z = rng.bits()
            out += [z >> 32, z & 0xFFFFFFFF]
        return out

    for t, j in zip(times.tolist(), neurons.tolist(), strict=True):
        keep = math.exp(-(t - last_fire[j]) * dt_tau_r)
        q_thr = int(min((1.0 - keep) * 2.0**32, 2.0**32))
        last_fire[j] = t
        for s in range(net.indptr[j], net.indptr[j + 1]):
            if 0 < q_thr < 2**32:
                empty = model.n_sites - loaded[s]
                loaded[s] += sum(u < q_thr for u in trials()[:empty])
            elif q_thr >= 2**32:
                loaded[s] = model.n_sites
            loaded[s] -= sum(u < p_thr for u in trials()[:loaded[s]])
    return np.array(loaded), rng.state


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**64 - 1), n_sites=st.integers(1, 24),
       p_release=st.sampled_from([0.05, 0.25, 0.5, 0.999, 1.0]),
       tau_recovery=st.sampled_from([1e-6, 0.3, 5.0, 100.0, math.inf]),
       data=st.data())
def test_vesicle_draws_match_the_documented_order(seed, n_sites, p_release, tau_recovery,
                                                  data):
    """Rows of 0-120 synapses with random loaded sites, fired by a few driven neurons
    (several in one step too): the kernel's loaded sites and its random state after the
    run are those of the literal draw order (`_vesicle_reference`). Synapses of up to
    `VECTOR_SITES` sites take the vector path (rows longer than its flag buffer holds
    drawn in parts), more sites the scalar one."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="layout"))
    n_drivers = 4
    degrees = rng.integers(0, 121, n_drivers)
    pre = np.repeat(np.arange(n_drivers), degrees)
    post = n_drivers + np.concatenate([rng.permutation(120)[:d] for d in degrees])
    net = _Net(pre, post, n_drivers + 120)
    model = Millman(n_sites=n_sites, p_release=p_release, tau_recovery=tau_recovery,
                    a_syn=0.0, tau_s=1e12, **QUIET)
    arrays = engine.MillmanArrays(n_drivers + 120, net.n_edges, n_sites)
    arrays.loaded[:] = rng.integers(0, n_sites + 1, net.n_edges)
    arrays.last_fire[:n_drivers] = rng.integers(-300, 1, n_drivers)
    loaded0, last_fire0 = arrays.loaded.copy(), arrays.last_fire.copy()
    for i, cur in enumerate([3000.0, 3000.0, 1500.0, 800.0]):
        _prime(arrays, i, cur=cur)
    rec = _recorder()
    state = np.array([seed], np.uint64)
    engine.advance(net, model, arrays, rec, n_steps=600, rng=state, chunk_steps=250)
    n = int(arrays.state[_km.M_N_EVENTS])
    assert n > 20
    want_loaded, want_state = _vesicle_reference(net, model, loaded0, last_fire0,
                                                 rec.time[:n], rec.neuron[:n], seed)
    np.testing.assert_array_equal(arrays.loaded, want_loaded)
    assert int(state[0]) == want_state


# --------------------------------------------------------------------- attribution
def _motif(attribution, copies=1):
    """Copies of a three-neuron motif: 0 -> 2 and 1 -> 2; neuron 0 fires at step 0,
    neuron 1 (driven by a decaying current) at a later step; neuron 2 fires after both
    vesicles arrived: neuron 0's input is near its PSP peak, neuron 1's still rising."""
    model = Millman(n_sites=1, p_release=1.0, a_syn=950.0, attribution=attribution, **QUIET)
    pre = np.concatenate([[3 * c, 3 * c + 1] for c in range(copies)])
    post = np.concatenate([[3 * c + 2, 3 * c + 2] for c in range(copies)])
    net = _Net(pre, post, 3 * copies)
    arrays = engine.MillmanArrays(3 * copies, 2 * copies, 1)
    for c in range(copies):
        _prime(arrays, 3 * c, u=100.0)
        _prime(arrays, 3 * c + 1, cur=2000.0)
    return model, net, arrays


def _motif_contributions(model, rec, n, copies=1):
    """Events of the motif's neurons and the two contributions at neuron 2's crossing."""
    times, neurons = rec.time[:n], rec.neuron[:n]
    t0 = times[neurons == 0][0]
    t1 = times[neurons == 1][0]
    t2 = times[neurons == 2][0]
    m = t2 + 1
    w = model.a_syn
    return t0, t1, t2, w * _g(model, m - (t0 + 1)), w * _g(model, m - (t1 + 1))


@pytest.mark.parametrize("attribution", ["largest", "last"])
def test_attribution_rules_on_a_three_neuron_motif(attribution):
    """Neuron 2 fires because of both presynaptic spikes: "largest" picks neuron 0's (the
    larger contribution at the crossing), "last" neuron 1's (the later input); the other
    spike is recorded as a second parent; neuron 0 and 1 are roots."""
    model, net, arrays = _motif(attribution)
    rec = _recorder()
    n, _ = _run(net, model, arrays, rec, 3000)
    assert n == 3
    t0, t1, t2, c0, c1 = _motif_contributions(model, rec, n)
    assert t0 == 0 < t1 < t2 and c0 > c1 > _km.PARENT_FRACTION * (model.threshold - model.e_leak)
    assert c0 < model.threshold - model.e_leak  # neither alone
    e0, e1 = int(np.flatnonzero(rec.neuron[:n] == 0)[0]), int(
        np.flatnonzero(rec.neuron[:n] == 1)[0])
    e2 = int(np.flatnonzero(rec.neuron[:n] == 2)[0])
    assert _parents(rec, e0) == [] and _parents(rec, e1) == []
    expected = [e0, e1] if attribution == "largest" else [e1, e0]
    assert _parents(rec, e2) == expected
    assert rec.avalanche[e2] == rec.avalanche[expected[0]]
    assert rec.generation[e2] == 1


@pytest.mark.parametrize("attribution", ["largest", "last"])
def test_external_input_as_primary_makes_a_root(attribution):
    """Neuron 1 holds an external current (since time point 0) larger than the vesicle of
    neuron 0 (arriving at point 1); together they make it fire: "largest" makes the spike
    a root (external contributes most, no parent recorded), "last" picks neuron 0's."""
    model = Millman(n_sites=1, p_release=1.0, a_syn=950.0, attribution=attribution, **QUIET)
    net = _Net([0], [1], 2)
    arrays = engine.MillmanArrays(2, 1, 1)
    _prime(arrays, 0, u=100.0)
    _prime(arrays, 1, ext_cur=1200.0)
    rec = _recorder()
    n, _ = _run(net, model, arrays, rec, 3000)
    assert rec.neuron[:n].tolist() == [0, 1]
    m = int(rec.time[1]) + 1
    ext, vesicle = 1200.0 * _g(model, m), 950.0 * _g(model, m - 1)
    assert ext > vesicle > _km.PARENT_FRACTION * (model.threshold - model.e_leak)
    assert _parents(rec, 1) == ([] if attribution == "largest" else [0])


def test_proportional_rule_draws_in_proportion_to_contributions():
    """"proportional" picks each source with probability contribution / total: over many
    identical motifs the fraction choosing neuron 0's spike is c0 / (c0 + c1)."""
    copies = 3000
    model, net, arrays = _motif("proportional", copies=copies)
    rec = _recorder()
    n, _ = _run(net, model, arrays, rec, 3000, seed=11)
    assert n == 3 * copies
    neurons = rec.neuron[:n]
    third = np.flatnonzero(neurons % 3 == 2)
    primaries = rec.parent_ids[rec.parent_indptr[third]]
    chose_first = np.mean(neurons[primaries] % 3 == 0)
    sub_rec = _recorder()
    m_model, m_net, m_arrays = _motif("largest")
    m = _run(m_net, m_model, m_arrays, sub_rec, 3000)[0]
    _, _, _, c0, c1 = _motif_contributions(m_model, sub_rec, m)
    share = c0 / (c0 + c1)
    assert_within_z(chose_first, share, math.sqrt(share * (1 - share) / copies),
                    what="fraction attributed to neuron 0")


def _step_by_step(pre, post, n, model, u0, cur0, n_steps):
    """Brute-force reference: every neuron stepped every step with the propagator
    ``u <- a u + b I``, ``I <- c I`` (held at 0 while refractory), a spike at the end of
    step t when u >= gap, then u = 0 until step t + max(R, 1); each spike adds a_syn
    to its targets' I after the step (one site per synapse released with certainty)."""
    a, b, c, _, _, _ = _km.propagator(model.dt, model.tau_l, model.tau_s, model.capacitance)
    gap = model.threshold - model.e_leak
    weights = np.zeros((n, n))
    np.add.at(weights, (pre, post), model.a_syn)
    u, cur = u0.copy(), cur0.copy()
    ready = np.zeros(n, np.int64)
    times, neurons = [], []
    for t in range(n_steps):
        live = t >= ready
        u = np.where(live, a * u + b * cur, u)
        cur = c * cur
        fire = live & (u >= gap)
        u[fire] = 0.0
        ready[fire] = t + max(model.refractory_steps, 1)
        times += [t] * int(fire.sum())
        neurons += np.flatnonzero(fire).tolist()
        cur = cur + fire.astype(np.float64) @ weights
    return np.array(times, np.int64), np.array(neurons, np.int64)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), tau_l=st.sampled_from([40.0, 10.0, 5.0, 2.0]),
       refractory=st.sampled_from([0.0, 0.1, 2.0, 5.0]), a_syn=st.floats(200.0, 1500.0))
def test_scheduled_crossings_match_stepping_every_neuron(seed, tau_l, refractory, a_syn):
    """The kernel touches a neuron only at its inputs and at its scheduled crossing (the
    first step boundary where the closed-form two-exponential u reaches gap): on random
    networks with deterministic synapses (one site, p_release 1, instant refill, no
    external input) and random initial (u, I), its spikes are exactly those of the
    brute-force reference that steps every neuron every step (tau_l above, equal to and
    below tau_s = 5 ms)."""
    rng = np.random.default_rng(seed)
    n = 30
    pairs = np.unique(rng.integers(0, n, (90, 2)), axis=0)
    pre, post = pairs[pairs[:, 0] != pairs[:, 1]].T
    model = Millman(n_sites=1, p_release=1.0, tau_recovery=1e-6, tau_l=tau_l,
                    refractory=refractory, a_syn=a_syn, f_ext=0.0)
    u0 = rng.uniform(0.0, 25.0, n)
    u0[0] = 30.0  # fires at step 0 whatever the draw
    cur0 = rng.uniform(0.0, 2500.0, n) * rng.integers(0, 2, n)
    n_steps = 1500
    want_t, want_n = _step_by_step(pre, post, n, model, u0, cur0, n_steps)
    net = _Net(pre, post, n)
    arrays = engine.MillmanArrays(n, net.n_edges, 1)
    for i in range(n):
        _prime(arrays, i, u=u0[i], cur=cur0[i])
    rec = _recorder()
    got, _ = _run(net, model, arrays, rec, n_steps, chunk_steps=377)
    assert len(want_t) > 0
    np.testing.assert_array_equal(rec.time[:got], want_t)
    np.testing.assert_array_equal(rec.neuron[:got], want_n)


def test_same_seed_same_run_and_chunking_does_not_matter():
    """Bit-for-bit identical events whatever the chunk size."""
    net = netaval.Network.from_edges(np.array([0, 1, 2, 3, 4, 0]), np.array([1, 2, 3, 4, 0, 3]),
                                     n_nodes=5)
    model = Millman(a_syn=900.0, f_ext=200.0, attribution="proportional")
    out = []
    for chunk in (4096, 7):
        arrays = engine.MillmanArrays(5, net.n_edges, model.n_sites)
        rec = _recorder()
        n, trace = _run(net, model, arrays, rec, 5000, seed=5, chunk_steps=chunk)
        out.append((rec.time[:n].copy(), rec.neuron[:n].copy(),
                    rec.parent_ids[: rec.parent_indptr[n]].copy(), trace))
    assert len(out[0][0]) > 20
    for x, y in zip(out[0], out[1], strict=True):
        np.testing.assert_array_equal(x, y)


# --------------------------------------------------------------------- through simulate
from netaval._validation import invalid_values  # noqa: E402
from netaval.errors import InvalidParameterError  # noqa: E402
from netaval.models.millman import _CONSTRAINTS  # noqa: E402

INVALID = [(name, bad) for name, constraint in _CONSTRAINTS.items()
           for bad in invalid_values(constraint)]


@pytest.mark.parametrize(("name", "bad"), INVALID, ids=[f"{n}-{b!r}" for n, b in INVALID])
def test_invalid_parameter_is_refused_naming_it(name, bad):
    """Every invalid value raises InvalidParameterError naming the parameter and Millman."""
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of Millman"):
        Millman(**{name: bad})


@pytest.mark.parametrize("name", ["capacitance", "tau_l", "e_leak", "threshold", "tau_s",
                                  "a_syn", "a_ext", "f_ext", "dt", "refractory"])
def test_infinite_parameters_are_refused(name):
    """Only tau_recovery may be infinite (no refill)."""
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of Millman"):
        Millman(**{name: math.inf})
    assert Millman(tau_recovery=math.inf).tau_recovery == math.inf


def test_threshold_and_external_rate_combinations_are_refused():
    with pytest.raises(InvalidParameterError, match="'threshold' parameter of Millman"):
        Millman(threshold=-70.0)
    with pytest.raises(InvalidParameterError, match="'f_ext' parameter of Millman"):
        Millman(f_ext=10_000.0)


def test_registered_and_round_trips_through_save(tmp_path):
    """netaval.models.get("millman") is Millman; a saved run reloads its parameters."""
    assert netaval.models.get("millman") is Millman is netaval.Millman
    net = netaval.Network.from_edges([0, 1], [1, 0], n_nodes=2)
    model = Millman(a_syn=900.0, f_ext=300.0, attribution="last")
    run = netaval.simulate(net, model, n_steps=2000, seed=1)
    run.save(tmp_path / "run.parquet")
    loaded = netaval.load(tmp_path / "run.parquet")
    assert loaded.model == model
    np.testing.assert_array_equal(loaded.events.parent_ids, run.events.parent_ids)


def _bookkeeping(run):
    events = run.events
    n = events.n_events
    roots = int(events.is_root.sum())
    sizes = np.bincount(events.avalanche, minlength=events.n_avalanches)
    return n, roots, sizes


@pytest.mark.parametrize("attribution", ["largest", "last", "proportional"])
def test_random_network_run_keeps_the_causal_invariants_and_identities(attribution):
    """On a random graph in the up state: every parent is an earlier spike of a
    presynaptic neuron (Events.check_invariants), generation = 1 + parent's, and the
    identities of SCIENCE.md 2.4 hold exactly: spikes with a parent = (1 - f_ext) x all
    spikes, number of avalanches = roots, mean size over all avalanches = 1 / f_ext."""
    import topologies

    net = topologies.random(500, k=7.5, seed=2)
    run = netaval.simulate(net, Millman(a_syn=230.0, attribution=attribution),
                           n_steps=6000, seed=3)
    run.events.check_invariants(net)
    n, roots, sizes = _bookkeeping(run)
    assert n > 5000 and 0 < roots < n  # up state (the down state gives ~30 spikes)
    f_ext = roots / n
    assert run.events.n_avalanches == roots
    assert int((~run.events.is_root).sum()) == n - roots
    assert sizes.sum() == n and sizes.mean() * f_ext == pytest.approx(1.0, rel=1e-12)
    assert run.events.n_parents.max() > 1  # several contributing spikes recorded
    assert len(run.series["loaded_fraction"]) == 6000


def test_continuation_carries_the_remembered_spikes():
    """A run continued from final_state starts with the remembered presynaptic spikes as
    carried roots (negative times), keeps the up state going, and keeps the invariants."""
    import topologies

    net = topologies.random(500, k=7.5, seed=2)
    model = Millman(a_syn=230.0)
    first = netaval.simulate(net, model, n_steps=5000, seed=3)
    second = netaval.simulate(net, model, n_steps=3000, seed=4,
                              initial_state=first.final_state)
    carried = second.protocol_params["n_carried"]
    assert carried > 0 and np.all(second.events.time[:carried] < 0)
    second.events.check_invariants(net)
    rate_first = netaval.population_rate(first)[-1000:].mean()
    rate_second = netaval.population_rate(second)[:1000].mean()
    assert rate_first > 30 and rate_second > 30
    assert second.series["loaded_fraction"][0] == pytest.approx(
        first.series["loaded_fraction"][-1], abs=0.05)
    with pytest.raises(InvalidParameterError, match="dt"):
        netaval.simulate(net, Millman(dt=0.05), n_steps=10,
                         initial_state=first.final_state)


def test_continuation_with_another_a_syn_keeps_the_carried_currents():
    """The kernel keeps a source's current as a class (r vesicles of the run's a_syn, or a
    carried value): continuing with half the a_syn (so that 230 pA is 2 vesicles of 115 pA
    but the 6-vesicle 1380 pA is more than n_sites of them) and stopping at once must give
    back the saved sources exactly."""
    import topologies

    net = topologies.random(500, k=7.5, seed=2)
    first = netaval.simulate(net, Millman(a_syn=230.0), n_steps=3000, seed=3)
    saved = first.final_state.arrays
    currents = saved["src_w"][saved["src_w"] > 0]
    assert np.any(currents <= 10 * 115.0) and np.any(currents > 10 * 115.0)
    second = netaval.simulate(net, Millman(a_syn=115.0), n_steps=0, seed=4,
                              initial_state=first.final_state)
    again = second.final_state.arrays
    for name in ("src_event", "src_t0", "src_w", "src_n"):
        np.testing.assert_array_equal(again[name], saved[name])


def test_spreading_stops_when_no_neuron_can_fire():
    """Spreading: the initial neurons fire at step 0 as roots; without external input the
    run stops once no neuron can reach threshold."""
    net = netaval.Network.from_edges([0, 1], [1, 2], n_nodes=3)
    run = netaval.simulate(net, Millman(n_sites=1, p_release=1.0, a_syn=3000.0, f_ext=0.0),
                           protocol="spreading", initial=[0])
    assert run.events.neuron.tolist() == [0, 1, 2]
    assert run.events.primary_parent.tolist() == [-1, 0, 1]
    assert run.end_time < 1000 and run.alive_avalanches.tolist() == []


def test_up_down_states_and_dwell_times():
    """up_down thresholds the smoothed rate; dwell times are the complete periods."""
    net = netaval.Network.from_edges([], [], n_nodes=4)
    activity = np.zeros(3000, np.int64)
    activity[1000:1500] = 1  # 0.25 spikes per neuron per step: 2500 Hz
    activity[2000:2600] = 1
    run = netaval.Run(netaval.Events.empty(), activity, Millman(), net.provenance, 1, "driven",
                      end_time=3000)
    states = netaval.up_down(run, threshold=100.0, window=0.0)
    np.testing.assert_array_equal(states.up_dwell, [50.0, 60.0])
    np.testing.assert_array_equal(states.down_dwell, [50.0])
    assert states.n_transitions == 4 and states.fraction_up == pytest.approx(1100 / 3000)
    with pytest.raises(InvalidParameterError, match="'threshold' parameter of up_down"):
        netaval.up_down(run, threshold=-1.0)


# --------------------------------------------------------------------- slow: statistics
def _fit(x, low, high):
    from test_simulate import fit_discrete_power_law

    return fit_discrete_power_law(x, low, high)


def _up_state_run(attribution="largest", seconds=2.0):
    import topologies

    net = topologies.random(10_000, k=7.5, seed=1)
    model = Millman(a_syn=230.0, attribution=attribution)
    ignite = netaval.simulate(net, model, n_steps=5000, seed=1)  # 0.5 s: into the up state
    return net, netaval.simulate(net, model, n_steps=int(seconds * 1e4), seed=2,
                                 initial_state=ignite.final_state)


@pytest.mark.slow
def test_up_state_causal_avalanches_have_mean_field_exponents():
    """Up state (a_syn = 230 pA, above the bistable window; N = 1e4, k = 7.5, 2 s after
    0.5 s of ignition): causal sizes follow s^-3/2 on [2, 20] and durations in
    generations (depth + 1) follow d^-2 on [5, 50] (discrete MLE, z = 4 with the Fisher
    standard error). The windows sit below the cut-offs S_c ~ f_ext^-2 and T_c ~ 1 /
    f_ext generations set by f_ext ~ 0.07 (S_c ~ 200; the fit over [10, 100] for sizes, or
    durations in ms, bend down already). Durations in time are not a clean power law at
    this size: one generation lasts several ms with a broad spread, so only a few
    generations separate the smallest durations from T_c. Avalanches cut by the window (carried or alive) are
    left out."""
    _, run = _up_state_run()
    book = _bookkeeping(run)
    n, roots = book[0] - run.protocol_params["n_carried"], book[1]
    assert 0.01 < roots / n < 0.1  # f_ext: few externally triggered spikes
    av = run.avalanches
    complete = ~av.truncated
    sizes, depth = av.size[complete], av.depth[complete] + 1
    alpha, se = _fit(sizes, 2, 20)
    print(f"sizes [2, 20]: {alpha:.4f} +- {se:.4f}")
    assert_within_z(alpha, 1.5, se, what="size exponent on [2, 20]")
    alpha, se = _fit(depth, 5, 50)
    print(f"depth + 1 [5, 50]: {alpha:.4f} +- {se:.4f}")
    assert_within_z(alpha, 2.0, se, what="duration (generations) exponent on [5, 50]")


@pytest.mark.slow
def test_down_state_causal_avalanches_are_short_and_exponentially_cut_off():
    """Down state (a_syn = 150 pA, below the window; N = 1e4, 10 s): most spikes are
    externally triggered (f_ext > 0.5), avalanches are short, and their sizes fall much
    faster than a power law: the discrete power-law fit on [1, 8] is steeper than 2.5,
    and no avalanche reaches 50 spikes among > 1000 (under a s^-3/2 law each would with
    probability ~0.14)."""
    import topologies

    net = topologies.random(10_000, k=7.5, seed=1)
    run = netaval.simulate(net, Millman(a_syn=150.0), n_steps=100_000, seed=2)
    sizes = run.avalanches.size
    assert run.events.is_root.mean() > 0.5 and len(sizes) > 1000
    alpha, se = _fit(sizes, 1, 8)
    print(f"down state: f_ext {run.events.is_root.mean():.3f}, {len(sizes)} avalanches, "
          f"largest {sizes.max()}, power-law fit on [1, 8] {alpha:.3f} +- {se:.3f}")
    assert alpha - 4 * se > 2.5
    assert sizes.max() < 50


def _batch_rate(times, n, start, stop, n_batches=10, dt=0.1):
    edges = np.linspace(start, stop, n_batches + 1)
    counts = np.histogram(times, bins=edges)[0]
    rates = counts / n / ((stop - start) / n_batches * dt * 1e-3)
    return rates.mean(), rates.std(ddof=1) / math.sqrt(n_batches)


@pytest.mark.slow
@pytest.mark.parametrize("a_syn", [150.0, 230.0], ids=["down", "up"])
def test_population_rate_agrees_with_brian2(a_syn):
    """The same network (random, N = 2000, k = 7.5), equations and vesicle rules in Brian2
    (benchmarks/millman_brian2.py, cpp_standalone) give the same population rate over the
    second half of a 2 s run, in the down state (a_syn = 150 pA) and the up state (230 pA),
    within z = 4 combined standard errors (batch means over 10 batches of 100 ms).
    Needs Brian2: set NETAVAL_BRIAN2_PYTHON to a Python where Brian2 imports (README)."""
    import dataclasses
    import sys
    from pathlib import Path

    import topologies

    sys.path.append(str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from millman_brian2 import brian2_python, run_brian2

    python = brian2_python()
    if python is None:
        pytest.skip("Brian2 does not import; set NETAVAL_BRIAN2_PYTHON (see the README)")
    n, n_steps = 2000, 20_000
    net = topologies.random(n, k=7.5, seed=1)
    model = Millman(a_syn=a_syn)
    run = netaval.simulate(net, model, n_steps=n_steps, seed=1)
    out = run_brian2(python, net.indptr, net.indices, dataclasses.asdict(model), n_steps, 1)
    mine = _batch_rate(run.events.time, n, n_steps // 2, n_steps)
    theirs = _batch_rate(out["time"], n, n_steps // 2, n_steps)
    print(f"a_syn {a_syn}: netaval {mine[0]:.4f} +- {mine[1]:.4f} Hz, Brian2 "
          f"{theirs[0]:.4f} +- {theirs[1]:.4f} Hz")
    assert_within_z(mine[0], theirs[0], math.hypot(mine[1], theirs[1]),
                    what="netaval - Brian2 population rate")
    if a_syn > 200:
        assert mine[0] > 30  # both in the up state


def test_hysteresis_reports_the_mean_loaded_fraction():
    """netaval.hysteresis adds a column per model series: Millman's loaded_fraction, the
    window mean of Run.series["loaded_fraction"], below 1 once neurons fire."""
    net = netaval.Network.from_edges([0, 1], [1, 0], n_nodes=2)
    table = netaval.hysteresis(net, Millman(f_ext=500.0, a_syn=100.0), "a_syn", [100.0, 900.0],
                               relax=100, measure=2000, seed=1)
    assert list(table.columns[-1:]) == ["loaded_fraction"]
    assert np.all((table["loaded_fraction"] > 0) & (table["loaded_fraction"] < 1))
    assert np.all(table["n_events"] > 0)


@pytest.mark.slow
def test_hysteresis_loop_is_open():
    """Quasi-static sweep of a_syn (N = 2000, k = 7.5, relax 0.5 s, measure 1 s): inside
    the window (190 pA) the up-sweep (from rest) stays in the down state and the
    down-sweep (from the up state) stays up: the loop is open. The two rates differ by
    far more than their standard errors (blocking), and the branches meet outside the
    window (150 and 230 pA, within z = 4)."""
    import topologies

    net = topologies.random(2000, k=7.5, seed=1)
    table = netaval.hysteresis(net, Millman(), "a_syn", [150.0, 190.0, 230.0], relax=5000,
                               measure=10_000, seed=1)
    rate = table.set_index(["direction", "value"])
    hz = 1.0 / (Millman().dt * 1e-3)
    print(table[["direction", "value", "density", "f_ext", "loaded_fraction"]])
    up, down = rate.loc[("up", 190.0)], rate.loc[("down", 190.0)]
    assert up["density"] * hz < 1.0 and down["density"] * hz > 20.0
    assert down["density"] - up["density"] > 10 * math.hypot(up["density_stderr"],
                                                               down["density_stderr"])
    assert down["loaded_fraction"] < 0.5 < up["loaded_fraction"]
    for value in (150.0, 230.0):
        a, b = rate.loc[("up", value)], rate.loc[("down", value)]
        assert_within_z(a["density"], b["density"],
                        math.hypot(a["density_stderr"], b["density_stderr"]),
                        what=f"branches at {value} pA")


def _vm_flags(address):
    """The VmFlags of the mapping of this process holding ``address`` (/proc/self/smaps)."""
    with open("/proc/self/smaps") as smaps:
        inside = False
        for line in smaps:
            head = line.split()[0]
            if "-" in head and not head.endswith(":"):
                lo, hi = (int(x, 16) for x in head.split("-"))
                inside = lo <= address < hi
            elif inside and head == "VmFlags:":
                return line.split()[1:]
    raise AssertionError("no mapping holds the address")


@pytest.mark.skipif(_engine_module._madvise is None or not os.path.exists("/proc/self/smaps"),
                    reason="needs Linux's madvise and /proc/self/smaps")
def test_event_buffers_grow_on_small_pages():
    """The Recorder's grown event and link buffers of SMALL_PAGES_MIN bytes and more (the
    Millman run's largest, written once in order) are advised onto small pages (VmFlags
    'nh'), with their kept entries intact, smaller ones not; fails if the advice is dropped
    or given to every buffer."""
    recorder = Recorder(16, False, limit=1 << 30)
    recorder.time[:16] = np.arange(16)
    recorder.parent_ids[:16] = np.arange(16, 32)
    recorder.grow_events(1 << 23, 16)
    recorder.grow_links(1 << 23, 16)
    for array in (recorder.time, recorder.neuron, recorder.avalanche, recorder.generation,
                  recorder.parent_indptr, recorder.parent_ids):
        assert array.nbytes >= _engine_module.SMALL_PAGES_MIN
        assert "nh" in _vm_flags(array.ctypes.data + (1 << 20))
    small = Recorder(16, False, limit=1 << 30)  # below SMALL_PAGES_MIN: numpy's advice
    small.grow_events(_engine_module.SMALL_PAGES_MIN // 8 - (1 << 16), 16)
    assert small.time.nbytes < _engine_module.SMALL_PAGES_MIN
    assert "nh" not in _vm_flags(small.time.ctypes.data + (1 << 20))
    np.testing.assert_array_equal(recorder.time[:16], np.arange(16))
    np.testing.assert_array_equal(recorder.parent_ids[:16], np.arange(16, 32))
