"""simulate(record=..., out=...): online summaries and streamed records equal the full record.

Same seed, same dynamics at every record level: the per-avalanche summaries computed
online (``record="avalanches"``), streamed to disk and summarised out of core
(``out=``), or read back in memory, equal those of the full in-memory record, field by
field, exactly, for every model, protocol, chunking and continuation.
"""

import dataclasses
import importlib
import tempfile
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import netaval
import netaval._streaming as streaming
import netaval._summaries as summaries_module
import topologies
from netaval._kernels.accumulate import MARK_WIDTH
from netaval.errors import InvalidParameterError, MissingRecordError, RunawayActivityError
from netaval.io.dataset import iter_chunks, read_events

sim_module = importlib.import_module("netaval.simulate")

FIELDS = ("ids", "root", "size", "duration", "depth", "n_neurons", "n_generations", "start",
          "end", "offspring", "truncated")
EVENT_COLUMNS = ("time", "neuron", "avalanche", "generation", "parent_indptr", "parent_ids")

#: every model on main, with the limit argument of its clock
MODELS = {
    "branching": (netaval.Branching(sigma=1.0, drive=2e-3), {"n_steps": 300}),
    "branching_refractory": (netaval.Branching(sigma=1.0, drive=1e-3, refractory=3),
                             {"n_steps": 300}),
    "contact_process": (netaval.ContactProcess(rate=1.2, drive=0.01), {"duration": 15.0}),
    "millman": (netaval.models.Millman(a_syn=230.0, a_ext=2000.0), {"n_steps": 1500}),
    "facilitated_contact": (netaval.FacilitatedContact(rate=1.0, omega=1.0, drive=0.01),
                            {"duration": 15.0}),
}


def run_all_levels(net, model, tmp_path, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", netaval.NetavalWarning)
        full = netaval.simulate(net, model, **kwargs)
        summary = netaval.simulate(net, model, record="avalanches", **kwargs)
        activity = netaval.simulate(net, model, record="activity", **kwargs)
        path = tmp_path / f"run{len(list(tmp_path.iterdir()))}"
        streamed = netaval.simulate(net, model, out=path, **kwargs)
    return full, summary, activity, streamed, path


#: the fields summaries without events keep as int32 (documented in `netaval.Avalanches`),
#: and the ones they also keep as int32 in discrete time; the rest have the record's dtypes
SUMMARY_INT32 = ("depth", "n_neurons", "n_generations")
SUMMARY_STEPS_INT32 = ("start", "end", "duration")


def assert_same_avalanches(got, expected):
    """Every field equal; dtypes the record's, or the documented compact ones of summaries."""
    assert len(got) == len(expected)
    compact = SUMMARY_INT32 + (SUMMARY_STEPS_INT32 if got.time_step is not None else ())
    for name in FIELDS:
        a, b = getattr(got, name), getattr(expected, name)
        if got.events is None and name in compact:
            assert a.dtype == np.int32, name
        else:
            assert a.dtype == b.dtype, name
        np.testing.assert_array_equal(a, b, err_msg=name)


def assert_same_run(run, full):
    np.testing.assert_array_equal(run.activity, full.activity)
    assert run.n_events == full.n_events
    assert run.end_time == full.end_time and run.truncated == full.truncated
    np.testing.assert_array_equal(run.alive_avalanches, full.alive_avalanches)
    assert run.events is None
    assert sorted(run.series) == sorted(full.series)
    for name, values in full.series.items():
        np.testing.assert_array_equal(run.series[name], values)


def assert_same_lifetimes(back, full):
    """The streamed-and-reloaded events' ``end_time`` (continuous time: stored, with the
    deactivations of later chunks replayed) and what depends on it equal the in-memory
    run's: every avalanche's lifetime and population curve."""
    assert back.end_time.dtype == np.float64
    np.testing.assert_array_equal(back.end_time, full.events.end_time)
    if full.events.time_step is not None:
        return
    reloaded = netaval.Avalanches.from_run(dataclasses.replace(full, events=back))
    expected = full.avalanches
    assert_same_avalanches(reloaded, expected)
    np.testing.assert_array_equal(reloaded.lifetime, expected.lifetime)
    for k in range(0, len(expected), max(1, len(expected) // 7)):
        for a, b in zip(reloaded.population(k), expected.population(k), strict=True):
            np.testing.assert_array_equal(a, b)


def check_levels(net, model, tmp_path, **kwargs):
    full, summary, activity, streamed, path = run_all_levels(net, model, tmp_path, **kwargs)
    expected = full.avalanches
    for run in (summary, activity, streamed):
        assert_same_run(run, full)
    assert summary.record == "avalanches" and activity.record == "activity"
    assert streamed.record == "avalanches" and streamed.out == str(path)
    assert_same_avalanches(summary.avalanches, expected)
    assert_same_avalanches(streamed.avalanches, expected)
    from_dataset = netaval.Avalanches.from_dataset(path)
    assert_same_avalanches(from_dataset, expected)
    back = read_events(path)
    for name in EVENT_COLUMNS:
        np.testing.assert_array_equal(getattr(back, name), getattr(full.events, name), name)
    assert_same_lifetimes(back, full)
    loaded = netaval.load(path)
    assert_same_run(loaded, full)
    assert_same_avalanches(loaded.avalanches, expected)
    if model.continuous_time:  # lifetimes online and out of core, without the record
        for avalanches in (summary.avalanches, streamed.avalanches, from_dataset,
                           loaded.avalanches):
            assert avalanches.lifetime.dtype == np.float64
            np.testing.assert_array_equal(avalanches.lifetime, expected.lifetime)
            np.testing.assert_array_equal(avalanches[1::3].lifetime, expected.lifetime[1::3])
    assert loaded.model == model and loaded.seed == full.seed
    with pytest.raises(MissingRecordError, match="record='avalanches'"):
        activity.avalanches  # noqa: B018
    return full, path


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("protocol", ["driven", "spreading", "isolated"])
def test_every_record_level_equals_the_full_record(name, protocol, tmp_path, seed):
    model, limit = MODELS[name]
    net = topologies.random(400, k=6, seed=seed)
    kwargs = {"driven": limit, "spreading": {"initial": list(range(0, 400, 8))},
              "isolated": {"n_avalanches": 100}}[protocol]
    full, _ = check_levels(net, model, tmp_path, protocol=protocol, seed=seed, **kwargs)
    assert full.n_events > 50


def tiny_chunks(monkeypatch):
    """Chunks of a few events and steps, buffers from 2 events: many flushes and files."""
    monkeypatch.setattr(sim_module, "_CHUNK_EVENTS_BOUNDED", 5)
    monkeypatch.setattr(sim_module, "_STREAM_CHUNK_FACTOR", 1)
    monkeypatch.setattr(sim_module, "_CHUNK_STEPS", 3)
    monkeypatch.setattr(sim_module, "_INITIAL_CAPACITY", 2)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_tiny_chunks_many_files_same_summaries(name, tmp_path, monkeypatch):
    """Chunks of a few events (hundreds of flushes and dataset files): still exact."""
    model, limit = MODELS[name]
    net = topologies.random(300, k=8, seed=2)
    tiny_chunks(monkeypatch)
    full, path = check_levels(net, model, tmp_path, seed=11, **limit)
    assert len(list(iter_chunks(path))) > 50


def test_neurons_seeing_more_avalanches_than_their_row_holds(tmp_path):
    """A directed cycle of 20 neurons that transmit surely (p = 1, no refractory period):
    the drive fills it with 20 avalanches that circulate for ever, so every neuron fires in
    all 20 in turn, more than its row of recent avalanches holds (MARK_WIDTH - 2): each
    pair comes back from the hash set, and every avalanche has exactly 20 neurons at every
    level (the Branching kernel, and the generic feed of the streamed record)."""
    n = 20
    assert MARK_WIDTH - 2 < n
    net = netaval.Network.from_edges(np.arange(n), (np.arange(n) + 1) % n, n_nodes=n,
                                     directed=True)
    model = netaval.Branching(sigma=1.0, drive=0.3, refractory=0)
    full, _ = check_levels(net, model, tmp_path, seed=3, n_steps=120)
    assert full.avalanches.n_neurons.tolist() == [n] * n


#: models whose avalanches end soon (the window moves): the Branching kernel's summaries,
#: and the generic feed of an engine's chunks (continuous time, several parents)
SHORT_LIVED = {
    "branching": MODELS["branching"],
    "branching_refractory": MODELS["branching_refractory"],
    "contact_process": (netaval.ContactProcess(rate=0.5, drive=0.02), {"duration": 40.0}),
}


@pytest.mark.parametrize("name", sorted(SHORT_LIVED))
def test_finished_avalanches_written_out_in_tiny_blocks_same_summaries(name, tmp_path,
                                                                       monkeypatch):
    """The accumulator's window writes its finished avalanches out at every boundary it
    can, into blocks of 3 avalanches, while the run goes on (in memory and out of core):
    still exact."""
    model, limit = SHORT_LIVED[name]
    net = topologies.random(300, k=8, seed=2)
    monkeypatch.setattr(sim_module, "_CHUNK_EVENTS_BOUNDED", 40)
    monkeypatch.setattr(summaries_module, "_MIN_PIECE", 1)
    monkeypatch.setattr(summaries_module, "_BLOCK_ROWS", 3)
    bases = []
    real = summaries_module.AvalancheAccumulator.summaries

    def spy(self, **kwargs):
        bases.append(self._base)
        return real(self, **kwargs)

    monkeypatch.setattr(summaries_module.AvalancheAccumulator, "summaries", spy)
    full, _ = check_levels(net, model, tmp_path, seed=11, **limit)
    # record="avalanches" and the reloads of out=: most avalanches were written out
    assert len(bases) >= 2 and min(bases) > len(full.avalanches) // 2


@pytest.mark.parametrize("name", sorted(MODELS))
def test_runaway_budget_is_the_same_at_every_level(name, tmp_path):
    model = {"branching": netaval.Branching(sigma=2.0, drive=1e-3, normalization="spectral"),
             "branching_refractory": netaval.Branching(sigma=2.0, drive=1e-3, refractory=2,
                                                     normalization="spectral"),
             "contact_process": netaval.ContactProcess(rate=4.0, drive=0.01),
             "millman": netaval.models.Millman(a_syn=600.0, a_ext=2000.0),
             "facilitated_contact": netaval.FacilitatedContact(rate=4.0, omega=4.0,
                                                               drive=0.01)}[name]
    limit = MODELS[name][1]
    net = topologies.random(500, k=8, seed=3)
    full, _ = check_levels(net, model, tmp_path, seed=4, max_events=3000,
                           on_max_events="truncate", **limit)
    assert full.truncated
    with pytest.raises(RunawayActivityError):
        netaval.simulate(net, model, seed=4, max_events=3000, record="avalanches", **limit)


@pytest.mark.parametrize("name", ["branching", "contact_process", "millman",
                                  "facilitated_contact"])
def test_continuation_from_a_bounded_run(name, tmp_path):
    """A bounded run's final_state continues exactly like the full run's."""
    model, limit = MODELS[name]
    net = topologies.random(300, k=6, seed=5)
    first = netaval.simulate(net, model, seed=1, **limit)
    bounded = netaval.simulate(net, model, seed=1, record="avalanches", **limit)
    assert bounded.final_state == first.final_state
    check_levels(net, model, tmp_path, seed=2, initial_state=bounded.final_state, **limit)


@pytest.mark.parametrize("name", ["branching", "contact_process", "millman",
                                  "facilitated_contact"])
@pytest.mark.parametrize("protocol", ["driven", "spreading"])
def test_online_event_count_of_a_continuation_counts_carried_roots_once(name, protocol,
                                                                        monkeypatch):
    """The online accumulator's event count equals the run's, carried roots included once
    (the Branching kernel once counted them twice: fed as roots, then again at the flush)."""
    model, limit = MODELS[name]
    net = topologies.random(300, k=6, seed=5)
    state = netaval.simulate(net, model, seed=1, **limit).final_state
    assert state.n_active > 0
    counts = []
    summaries = streaming.BoundedRecorder.summaries

    def spy(recorder):
        counts.append(recorder.accumulator.n_events)
        return summaries(recorder)

    monkeypatch.setattr(streaming.BoundedRecorder, "summaries", spy)
    kwargs = limit if protocol == "driven" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", netaval.NetavalWarning)
        run = netaval.simulate(net, model, seed=2, initial_state=state, protocol=protocol,
                               record="avalanches", **kwargs)
    assert counts == [run.n_events] == [int(run.avalanches.size.sum())]


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), chunk=st.integers(1, 400),
       name=st.sampled_from(sorted(MODELS)))
def test_summaries_do_not_depend_on_chunking(seed, chunk, name):
    model, limit = MODELS[name]
    net = topologies.random(150, k=5, seed=seed)
    full = netaval.simulate(net, model, seed=seed, **limit)
    old = sim_module._CHUNK_EVENTS_BOUNDED
    sim_module._CHUNK_EVENTS_BOUNDED = chunk
    try:
        summary = netaval.simulate(net, model, seed=seed, record="avalanches", **limit)
    finally:
        sim_module._CHUNK_EVENTS_BOUNDED = old
    assert_same_avalanches(summary.avalanches, full.avalanches)
    assert_same_run(summary, full)


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), chunk=st.integers(1, 300),
       name=st.sampled_from(["contact_process", "facilitated_contact"]),
       protocol=st.sampled_from(["driven", "spreading", "isolated"]))
def test_streamed_lifetimes_do_not_depend_on_chunking(seed, chunk, name, protocol):
    """Streamed and reloaded at any chunk size, the continuous-time models' events,
    end_time included, and their avalanches (lifetimes and populations too) equal the
    in-memory run's."""
    model, limit = MODELS[name]
    net = topologies.random(150, k=5, seed=seed)
    kwargs = {"driven": limit, "spreading": {"initial": list(range(0, 150, 10))},
              "isolated": {"n_avalanches": 30}}[protocol]
    old = sim_module._CHUNK_EVENTS_BOUNDED
    sim_module._CHUNK_EVENTS_BOUNDED = chunk
    try:
        with tempfile.TemporaryDirectory() as folder:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", netaval.NetavalWarning)
                full = netaval.simulate(net, model, seed=seed, protocol=protocol, **kwargs)
                netaval.simulate(net, model, seed=seed, protocol=protocol,
                                 out=f"{folder}/run", **kwargs)
            back = read_events(f"{folder}/run")
            avalanches = netaval.Avalanches.from_dataset(f"{folder}/run")
    finally:
        sim_module._CHUNK_EVENTS_BOUNDED = old
    for column in EVENT_COLUMNS:
        np.testing.assert_array_equal(getattr(back, column), getattr(full.events, column))
    assert_same_lifetimes(back, full)
    assert_same_avalanches(avalanches, full.avalanches)
    np.testing.assert_array_equal(avalanches.lifetime, full.avalanches.lifetime)


def test_bounded_runs_may_exceed_the_in_memory_event_cap():
    """max_events above 2**31 - 1 is refused for record='events' only."""
    net = topologies.random(50, k=3, seed=0)
    model = netaval.Branching(sigma=0.5, drive=0.01)
    with pytest.raises(InvalidParameterError, match="'max_events'"):
        netaval.simulate(net, model, n_steps=10, max_events=2**31, seed=0)
    run = netaval.simulate(net, model, n_steps=10, max_events=2**40, record="avalanches",
                           seed=0)
    assert run.n_events == netaval.simulate(net, model, n_steps=10, seed=0).n_events


def test_record_and_out_are_validated(tmp_path):
    net = topologies.random(20, k=3, seed=0)
    model = netaval.Branching(sigma=0.5, drive=0.01)
    with pytest.raises(InvalidParameterError, match="'record'"):
        netaval.simulate(net, model, n_steps=5, record="everything", seed=0)
    with pytest.raises(InvalidParameterError, match="'record'"):
        netaval.simulate(net, model, n_steps=5, record="events", out=tmp_path / "x", seed=0)
    with pytest.raises(InvalidParameterError, match="'out'"):
        netaval.simulate(net, model, n_steps=5, out=3, seed=0)
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "file").write_text("")
    with pytest.raises(InvalidParameterError, match="'out'"):
        netaval.simulate(net, model, n_steps=5, out=tmp_path / "used", seed=0)


def test_summary_runs_refuse_what_needs_the_record(tmp_path):
    net = topologies.random(100, k=4, seed=0)
    run = netaval.simulate(net, netaval.Branching(sigma=1.0, drive=0.01), n_steps=50,
                           record="avalanches", seed=0)
    with pytest.raises(MissingRecordError, match="record='events'"):
        run.save(tmp_path / "run.parquet")
    with pytest.raises(MissingRecordError, match="record='events'"):
        run.avalanches.mean_profile(2)
    with pytest.raises(MissingRecordError, match="record='events'"):
        netaval.binning.detect_binned_avalanches(run, bin_width=1)
    assert "record='avalanches'" in repr(run)


def test_dense_overlapping_avalanches_equal_the_full_record(tmp_path):
    """Strong drive on a small dense graph puts every neuron in many live avalanches at
    once, so the in-kernel summaries evict neuron rows and prune by their horizon on every
    step; a horizon one step too late or too early miscounts ``n_neurons``."""
    net = topologies.random(20, k=10, seed=4)
    model = netaval.Branching(sigma=1.0, drive=0.1)
    full, _ = check_levels(net, model, tmp_path, n_steps=1500, seed=4)
    assert full.avalanches.n_neurons.max() == 20  # some avalanche visits every neuron


def test_neurons_coming_back_to_long_avalanches_equal_the_full_record(tmp_path):
    """Near-critical avalanches of ~200 steps on 2000 neurons: a neuron fires in more
    avalanches than its summary row remembers before firing again in a still-growing one,
    so the in-kernel summaries must keep the evicted pairs (and look them up) to count
    ``n_neurons`` right; dropping them overcounts this run."""
    net = topologies.random(2000, k=10, seed=4)
    model = netaval.Branching(sigma=1.0, drive=1e-3)
    full, _ = check_levels(net, model, tmp_path, n_steps=4000, seed=4)
    assert full.avalanches.duration.max() > 100



#: models with many small avalanches (each a few hundred in these windows)
MANY_AVALANCHES = {
    "branching": (netaval.Branching(sigma=0.5, drive=0.05), {"n_steps": 400}),
    "contact_process": (netaval.ContactProcess(rate=0.5, drive=0.2), {"duration": 100.0}),
    "millman": (netaval.models.Millman(a_syn=230.0, a_ext=2000.0), {"n_steps": 10000}),
    "facilitated_contact": (netaval.FacilitatedContact(rate=0.5, omega=1.0, drive=0.2),
                            {"duration": 100.0}),
}


@pytest.mark.parametrize("name", sorted(MANY_AVALANCHES))
@pytest.mark.parametrize("record", ["events", "avalanches", "activity", "out"])
def test_runs_stop_before_their_avalanche_ids_run_out(name, record, tmp_path, monkeypatch):
    """Avalanche ids are int32: a run that would open more than MAX_AVALANCHES avalanches
    (here lowered to 400) stops at a chunk boundary before any id could wrap (the
    summaries' tables are indexed by it), warns, and returns the run so far, truncated,
    which a continuation extends with ids from 0 again. Without the engines' check the run
    goes on to the end of its window and opens more than 400 avalanches."""
    import netaval.models._engine as engine_module

    model, limit = MANY_AVALANCHES[name]
    net = topologies.random(100, k=8, seed=2)
    tiny_chunks(monkeypatch)
    kwargs = dict(seed=11, **limit)
    if record == "out":
        kwargs["out"] = tmp_path / "run"
    else:
        kwargs["record"] = record
    whole = netaval.simulate(net, model, **kwargs)
    assert len(netaval.simulate(net, model, seed=11, record="avalanches",
                                **limit).avalanches) > 1000
    monkeypatch.setattr(engine_module, "MAX_AVALANCHES", 400)
    if record == "out":
        kwargs["out"] = tmp_path / "capped"
    with pytest.warns(netaval.NetavalWarning, match="MAX_AVALANCHES = 400"):
        run = netaval.simulate(net, model, **kwargs)
    assert run.truncated and 0 < run.end_time < whole.end_time
    assert 0 < run.n_events < whole.n_events
    if record == "events":
        assert run.events.avalanche.max() < 400
    if record != "activity":
        av = run.avalanches
        assert 0 < len(av) <= 400 and av.size.sum() == run.n_events
        assert av.truncated[np.asarray(run.alive_avalanches, np.int64)].all()
    if record == "out":
        assert netaval.Avalanches.from_dataset(kwargs["out"]).size.sum() == run.n_events
    monkeypatch.setattr(engine_module, "MAX_AVALANCHES", 2**31 - 1)
    if record == "out":
        kwargs["out"] = tmp_path / "continued"
    kwargs["seed"] = 12
    with warnings.catch_warnings():
        warnings.simplefilter("error", netaval.NetavalWarning)
        more = netaval.simulate(net, model, initial_state=run.final_state, **kwargs)
    assert not more.truncated and more.n_events > 0
