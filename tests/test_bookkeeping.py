"""Run.bookkeeping: the exact identities of SCIENCE.md 2.4 on every built-in model
(Branching, ContactProcess, FacilitatedContact, Millman), every protocol, truncated and
continued runs."""

import math

import numpy as np
import pytest

import netaval
import topologies


@pytest.fixture(scope="module")
def net():
    return topologies.random(300, k=6, seed=2)


def _runs(net):
    """Runs of every built-in model and protocol, with truncation and continuation."""
    dense = topologies.random(60, k=20, seed=1)  # many neurons with several causes
    branching = netaval.Branching(sigma=1.0, refractory=1, drive=5e-3)
    contact = netaval.ContactProcess(rate=2.5, drive=0.02)
    runs = {
        "branching-driven": netaval.simulate(net, branching, n_steps=2000, seed=1),
        "branching-multiparent": netaval.simulate(
            dense, netaval.Branching(sigma=5.0, refractory=2, drive=1e-2), n_steps=500, seed=2),
        "branching-spreading": netaval.simulate(net, netaval.Branching(sigma=0.9),
                                                protocol="spreading", initial=[1, 2, 3], seed=3),
        "branching-isolated": netaval.simulate(net, netaval.Branching(sigma=0.9),
                                               protocol="isolated", n_avalanches=40, seed=4),
        "contact-driven": netaval.simulate(net, contact, duration=50.0, seed=5),
        "contact-truncated": netaval.simulate(net, contact, duration=500.0, max_events=3000,
                                              on_max_events="truncate", seed=6),
        "contact-isolated": netaval.simulate(net, netaval.ContactProcess(rate=0.8),
                                             protocol="isolated", n_avalanches=30, seed=7),
    }
    runs["facilitated-driven"] = netaval.simulate(
        net, netaval.FacilitatedContact(rate=1.5, omega=2.0, drive=0.01), duration=30.0, seed=10)
    runs["millman-driven"] = netaval.simulate(net, netaval.Millman(), n_steps=20_000, seed=11)
    runs["branching-continued"] = netaval.simulate(
        net, branching, n_steps=500, seed=8, initial_state=runs["branching-driven"].final_state)
    runs["contact-continued"] = netaval.simulate(
        net, contact, duration=20.0, seed=9, initial_state=runs["contact-driven"].final_state)
    runs["facilitated-continued"] = netaval.simulate(
        net, runs["facilitated-driven"].model, duration=10.0, seed=12,
        initial_state=runs["facilitated-driven"].final_state)
    runs["millman-continued"] = netaval.simulate(
        net, runs["millman-driven"].model, n_steps=5000, seed=13,
        initial_state=runs["millman-driven"].final_state)
    return runs


@pytest.fixture(scope="module")
def runs(net):
    return _runs(net)


NAMES = ["branching-driven", "branching-multiparent", "branching-spreading",
         "branching-isolated", "contact-driven", "contact-truncated", "contact-isolated",
         "branching-continued", "contact-continued", "facilitated-driven", "millman-driven",
         "facilitated-continued", "millman-continued"]


@pytest.mark.parametrize("name", NAMES)
def test_identities_are_exact(runs, name):
    """Each event has one cause (primary parent or none): children per event = 1 - f_ext
    and <S> over all avalanches = 1 / f_ext, exactly (as integer counts)."""
    run = runs[name]
    book = run.bookkeeping()
    ev = run.events
    n, roots = ev.n_events, int(ev.is_root.sum())
    assert n > 0
    assert book["n_events"] == n and book["n_roots"] == roots
    assert book["n_avalanches"] == roots == len(run.avalanches)
    assert book["f_ext"] == roots / n
    children = round(book["branching_ratio"] * n)
    assert children + roots == n
    assert math.isclose(book["branching_ratio"], 1 - book["f_ext"], rel_tol=1e-12, abs_tol=1e-15)
    assert math.isclose(book["mean_size"], 1 / book["f_ext"], rel_tol=1e-12)
    assert math.isclose(book["mean_size"] * book["n_avalanches"], n, rel_tol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_truncation_is_explained(runs, name):
    """The truncated avalanches are those alive at the end or started before the window;
    the counts are recomputed here from the run's own fields."""
    run = runs[name]
    book = run.bookkeeping()
    av = run.avalanches
    carried = run.protocol_params.get("n_carried", 0)
    alive = np.isin(av.ids, run.alive_avalanches)
    before = av.ids < carried
    assert book["n_carried"] == carried
    assert book["n_alive_at_end"] == alive.sum()
    assert book["n_started_before_window"] == before.sum()
    assert book["n_truncated"] == (alive | before).sum() == av.truncated.sum()
    complete = av.size[~av.truncated]
    if len(complete):
        assert math.isclose(book["mean_size_complete"], complete.mean())


def test_multiple_causes_do_not_break_the_identity(runs):
    """With several recorded causes per firing the all-links offspring ratio exceeds the
    causal (primary-parent) branching ratio, which stays exactly 1 - f_ext."""
    run = runs["branching-multiparent"]
    assert (run.events.n_parents > 1).any()
    book = run.bookkeeping()
    all_links = run.avalanches.branching_ratio(include_truncated=True)
    assert all_links > book["branching_ratio"] + 0.05
    assert math.isclose(book["branching_ratio"], 1 - book["f_ext"], rel_tol=1e-12)


def test_specific_counts(runs):
    """Spreading from 3 seeds: 3 roots; isolated: one root per avalanche; continued runs
    count their carried activations among the roots."""
    assert runs["branching-spreading"].bookkeeping()["n_roots"] == 3
    assert runs["branching-isolated"].bookkeeping()["n_avalanches"] == 40
    assert runs["contact-isolated"].bookkeeping()["n_truncated"] == 0
    cont = runs["contact-continued"].bookkeeping()
    assert cont["n_carried"] == runs["contact-driven"].final_state.n_active > 0
    assert cont["n_started_before_window"] == cont["n_carried"]
    assert runs["contact-truncated"].bookkeeping()["n_alive_at_end"] > 0


def test_empty_run_gives_nan_rates(net):
    """No events: counts are 0, rates NaN."""
    with pytest.warns(netaval.NetavalWarning):
        run = netaval.simulate(net, netaval.Branching(sigma=0.5), n_steps=10, seed=1)
    book = run.bookkeeping()
    assert book["n_events"] == 0 and book["n_avalanches"] == 0
    assert math.isnan(book["f_ext"]) and math.isnan(book["mean_size"])


def test_every_built_in_model_is_covered(runs):
    """The identities above run on every model that ships with netaval."""
    built_in = {name for name in netaval.models.available()
                if netaval.models.get(name).__module__.startswith("netaval.models.")}
    assert built_in <= {type(run.model).name for run in runs.values()}
