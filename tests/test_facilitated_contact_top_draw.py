"""FacilitatedContact when the event-choice draw lands at the very top of its range.

`uniform_open` returns the largest float below 1 for the largest 53-bit draw (it once
returned exactly 1.0: ``(2**53 - 1) + 0.5`` rounds up to 2**53), and rounding of
``u * total`` and of the scan can leave the remainder past the last option of the event
choice. The kernel then takes the last outcome of the last option; it once
set an infinite remainder there, whose integer conversion gave -2**63 and an
out-of-bounds read (a segfault of the interpreter).
"""

import importlib
import math

import numpy as np
from numba import njit

import netaval
from netaval._kernels.rng import next_u64, uniform_open

#: SplitMix64 state whose second output is 2**64 - 1 (obtained by inverting the mixer):
#: the waiting-time draw is ordinary, the event-choice draw is the top of the range
STATE = 0x932B113CFBD6B596


@njit
def _first_two_uniforms(state):
    state, z1 = next_u64(state)
    state, z2 = next_u64(state)
    return uniform_open(z1), uniform_open(z2)


def _run_from_top_draw(monkeypatch, net, model, **kwargs):
    module = importlib.import_module("netaval.simulate")
    monkeypatch.setattr(module, "seed_from_generator",
                        lambda generator: np.array([STATE], np.uint64))
    return netaval.simulate(net, model, seed=0, **kwargs)


def _ring():
    return netaval.Network.from_edges([0, 1, 2, 3], [1, 2, 3, 0], n_nodes=4, directed=False)


def test_the_crafted_stream_draws_the_top_of_the_range_for_the_event_choice():
    u1, u2 = _first_two_uniforms(np.uint64(STATE))
    assert u2 == np.nextafter(1.0, 0.0) and 0.0 < u1 < 1.0


def test_top_draw_in_the_drive_picks_the_last_inactive_unit(monkeypatch):
    """Quiescent ring, total rate 4 * drive = 1: the choice falls on the drive option's
    last unit (unit 3), a root at the drawn waiting time."""
    u1, _ = _first_two_uniforms(np.uint64(STATE))
    run = _run_from_top_draw(monkeypatch, _ring(),
                             netaval.FacilitatedContact(rate=1.0, drive=0.25), duration=1.0)
    run.events.check_invariants(_ring())
    assert run.events.neuron[0] == 3 and run.events.primary_parent[0] < 0
    assert math.isclose(run.events.time[0], -math.log(u1), rel_tol=1e-12)


def test_top_draw_among_active_units_without_attempts_deactivates_the_last(monkeypatch):
    """All four units active and rate = omega = 0 (no attempts): every outcome is a
    deactivation, so the top draw deactivates the last unit (3) at -log(u1) / 4."""
    u1, _ = _first_two_uniforms(np.uint64(STATE))
    run = _run_from_top_draw(monkeypatch, _ring(), netaval.FacilitatedContact(rate=0.0),
                             protocol="spreading", initial=[0, 1, 2, 3])
    ev = run.events
    ev.check_invariants(_ring())
    assert ev.n_events == 4 and ev.neuron.tolist() == [0, 1, 2, 3]
    first = int(np.argmin(ev.end_time))
    assert first == 3
    assert math.isclose(ev.end_time[3], -math.log(u1) / 4, rel_tol=1e-12)
