"""The Millman kernel's crossing table: what each cell claims holds for every state in it.

The kernel schedules a neuron at the first step k >= 1 with ``u_k = u a^k + I g(k) >=
gap`` (its state (u, I) and no further input). It reads that step from a table of cells
of states (`crossing_table`: none, exactly k, or not before k) and finishes with Newton's
method; the reference here steps one step at a time through the same float64 values, so
any cell that claims too much (a wrong corner, an inexact cell index) shows as a
different step.
"""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import netaval
import topologies
from netaval._kernels import millman as _km
from netaval.models import _millman_engine as engine

MODELS = {
    "defaults": netaval.Millman(),
    "equal time constants": netaval.Millman(tau_l=5.0, tau_s=5.0),
    "fine step": netaval.Millman(dt=0.025, tau_l=20.0),
    "slow membrane": netaval.Millman(tau_l=200.0, capacitance=1000.0),
}


def _inputs(model):
    params, tables = engine.kernel_inputs(model)
    return params, tables, _km.crossing_table(params, tables)


def _args(params, tables):
    return (params[_km.P_GAP], tables, params[_km.P_A], params[_km.P_C],
            params[_km.P_G_SCALE], params[_km.P_DEGENERATE] != 0.0)


def _scan(u, cur, params, tables):
    """The first crossing by single steps (the reference), or -1 (maximum passed)."""
    gap, tables, a, c, g_scale, degenerate = _args(params, tables)
    if u + params[_km.P_GMAX] * cur < gap:
        return -1
    k = 1
    v = _km._u_at(u, cur, k, tables, a, c, g_scale, degenerate)
    while v < gap:
        w = _km._u_at(u, cur, k + 1, tables, a, c, g_scale, degenerate)
        if w <= v:
            return -1
        k, v = k + 1, w
    return k


def _from_table(u, cur, params, tables, cross):
    """The kernel's search: the table's cell, then Newton's method from its bound."""
    gap, tables, a, c, g_scale, degenerate = _args(params, tables)
    if u + params[_km.P_GMAX] * cur < gap:
        return -1
    x, y = u * params[_km.P_CROSS_INV_H_U], cur * params[_km.P_CROSS_INV_H_I]
    entry = 0
    if 0.0 <= x < cross.shape[0] and 0.0 <= y < cross.shape[1]:
        entry = int(cross[int(x), int(y)])
    if entry < 0:
        return -1
    if entry & 1:
        return entry >> 1
    return _km._first_crossing(u, cur, max(entry >> 1, 1), _km._NO_LIMIT, gap, tables, a, c,
                               g_scale, degenerate)


@pytest.mark.parametrize("name", list(MODELS))
def test_grid_is_exact_powers_of_two(name):
    params, tables, cross = _inputs(MODELS[name])
    gap, g_max = params[_km.P_GAP], params[_km.P_GMAX]
    for inv in (params[_km.P_CROSS_INV_H_U], params[_km.P_CROSS_INV_H_I]):
        assert inv > 0 and np.log2(inv) == np.round(np.log2(inv))
    assert cross.shape[0] * (1 / params[_km.P_CROSS_INV_H_U]) >= gap
    assert cross.shape[1] * (1 / params[_km.P_CROSS_INV_H_I]) >= _km.CROSS_RANGE * gap / g_max
    assert _km.CROSS_CELLS <= cross.shape[0] <= 2 * _km.CROSS_CELLS
    # all three kinds of cells occur, so the test below exercises each
    assert (cross < 0).any() and (cross % 2 == 1).any() and ((cross > 0) & (cross % 2 == 0)).any()


@settings(max_examples=400, deadline=None)
@given(name=st.sampled_from(list(MODELS)), fu=st.floats(0.0, 1.0), fi=st.floats(0.0, 1.2),
       on_corner=st.booleans())
def test_table_search_is_the_single_step_crossing(name, fu, fi, on_corner):
    params, tables, cross = _inputs(MODELS[name])
    h_u, h_i = 1 / params[_km.P_CROSS_INV_H_U], 1 / params[_km.P_CROSS_INV_H_I]
    u = fu * cross.shape[0] * h_u * 0.999
    cur = fi * cross.shape[1] * h_i
    if on_corner:  # cell corners: where an index or a corner off by one would show
        u, cur = np.floor(u / h_u) * h_u, np.floor(cur / h_i) * h_i
    assert _from_table(u, cur, params, tables, cross) == _scan(u, cur, params, tables)


@pytest.mark.parametrize("name", list(MODELS))
def test_every_cell_claim_holds_at_its_corners_and_centre(name):
    params, tables, cross = _inputs(MODELS[name])
    h_u, h_i = 1 / params[_km.P_CROSS_INV_H_U], 1 / params[_km.P_CROSS_INV_H_I]
    rng = np.random.default_rng(5)
    cells = rng.integers(0, cross.shape, size=(300, 2))
    for iu, ii in cells:
        entry = int(cross[iu, ii])
        for du, di in ((0.0, 0.0), (0.5, 0.5), (1 - 1e-12, 1 - 1e-12), (0.0, 1 - 1e-12)):
            k = _scan((iu + du) * h_u, (ii + di) * h_i, params, tables)
            if entry < 0:
                assert k == -1
            elif entry & 1:
                assert k == entry >> 1
            elif entry > 0:
                assert k == -1 or k >= entry >> 1


def test_slow_neurons_leave_far_crossings_unknown():
    """Crossings beyond `_CROSS_MAX` steps are left unknown (0), not wrapped into int16."""
    params, tables, cross = _inputs(netaval.Millman(tau_l=10_000.0, tau_s=5000.0, dt=0.01))
    assert (cross == 0).mean() > 0.5  # most cells: the search goes on from step 1
    assert (cross >= -1).all() and (cross <= 2 * _km._CROSS_MAX + 1).all()


def test_no_table_for_a_degenerate_grid():
    assert _km.crossing_grid(0.0, 1.0) == (0.0, 0.0)
    assert _km.crossing_grid(20.0, 0.0) == (0.0, 0.0)
    assert _km.crossing_grid(float("nan"), 1.0) == (0.0, 0.0)


def test_network_run_is_the_same_without_the_table(monkeypatch):
    """The records of an up-state run with the table equal those with Newton's method from
    step 1 for every search (the kernel without its table)."""
    network = topologies.random(2000, k=7.5, seed=3)
    model = dataclasses.replace(netaval.Millman(), a_syn=230.0)
    with_table = netaval.simulate(network, model, n_steps=3000, seed=4).events
    monkeypatch.setattr(_km, "crossing_grid", lambda gap, g_max: (0.0, 0.0))
    without = netaval.simulate(network, model, n_steps=3000, seed=4).events
    assert with_table.n_events > 10_000
    for field in ("time", "neuron", "parent_indptr", "parent_ids"):
        np.testing.assert_array_equal(getattr(with_table, field), getattr(without, field))
