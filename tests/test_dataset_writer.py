"""DatasetWriter refuses, before writing, exactly what the readers of a dataset refuse.

The readers (`iter_chunks`, `summarise`, `netaval.load`, `Avalanches.from_dataset`,
`read_events`) judge a dataset as a whole and a dataset cut after any chunk (a writer that
crashed). Each refusal of the writer is checked three ways: its exact message, that
nothing was written (the chunks before it stay a readable dataset), and that the same
input forged onto disk (`tests.forge`) is refused by a reader.
"""

import copy
import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import netaval
from netaval.errors import CorruptFileError, InvalidParameterError
from netaval.io import dataset as ds
from tests.forge import forged_writer

W = "The {!r} parameter of DatasetWriter.write_chunk "
INIT = "The 'metadata' parameter of DatasetWriter "
CLOSE = "The 'final' parameter of DatasetWriter.close "
RANGE = "must be a float in the range [0, 268435456]"


def discrete_spec():
    """Events 0 (carried, t = -1), 1 -> 2 | -> 3, and 0 -> 4 across the cut: avalanches 0
    (events 0, 4) and 1 (events 1, 2, 3)."""
    chunk0 = dict(time=[-1, 0, 1], neuron=[0, 1, 2], avalanche=[0, 1, 1], generation=[0, 0, 1],
                  parent_indptr=[0, 0, 0, 1], parent_ids=[1], live=[0, 2], end_time=2)
    chunk1 = dict(time=[2, 3], neuron=[1, 0], avalanche=[1, 0], generation=[2, 1],
                  parent_indptr=[0, 1, 2], parent_ids=[2, 0], live=[4], end_time=4)
    return dict(metadata={"protocol_params": {"n_carried": 1}}, continuous=False,
                chunks=[chunk0, chunk1], final={"end_time": 5})


def lifetime_spec():
    """Continuous time with lifetimes: 0 -> 1 | -> 2; event 0 ends in its chunk, event 1
    (live at the cut) in the next one, event 2 is still active at the end."""
    chunk0 = dict(time=[0.0, 0.5], neuron=[0, 1], avalanche=[0, 0], generation=[0, 1],
                  parent_indptr=[0, 0, 1], parent_ids=[0], live=[1], end_time=1.0,
                  event_end_time=[0.7, math.inf], ended_ids=[], ended_times=[])
    chunk1 = dict(time=[1.2], neuron=[2], avalanche=[0], generation=[2], parent_indptr=[0, 1],
                  parent_ids=[1], live=[2], end_time=2.5, event_end_time=[math.inf],
                  ended_ids=[1], ended_times=[1.5])
    return dict(metadata={}, continuous=True, chunks=[chunk0, chunk1], final={"end_time": 3})


def _arrays(chunk):
    """``chunk`` with numpy columns (int64 ids, float64 times where given as floats)."""
    out = {}
    for key, value in chunk.items():
        if key == "end_time":
            out[key] = value
        elif key in ("event_end_time", "ended_times"):
            out[key] = np.array(value, np.float64)
        elif key == "time":
            out[key] = np.array(value)
        else:
            out[key] = np.array(value, np.int64)
    return out


def _steps(path, spec, *, forge, upto=None):
    """Write ``spec`` at ``path`` step by step (0: the writer, 1..K: the chunks, K + 1: the
    close), stopping after step ``upto``; return the step that raised, or None."""
    make = forged_writer if forge else ds.DatasetWriter
    steps = len(spec["chunks"]) + 1 if upto is None else upto
    try:
        writer = make(path, metadata=spec["metadata"], continuous=spec["continuous"],
                      n_nodes=3)
    except InvalidParameterError:
        return 0
    for k, chunk in enumerate(spec["chunks"][:steps]):
        try:
            writer.write_chunk(**_arrays(chunk))
        except InvalidParameterError:
            return k + 1
    if steps > len(spec["chunks"]):
        try:
            writer.close(spec["final"])
        except InvalidParameterError:
            return steps
    return None


def readers_refusal(path):
    """The first refusal (message) of a reader of the dataset at ``path``, or None."""
    calls = [lambda: list(ds.iter_chunks(path)), lambda: ds.summarise(path),
             lambda: netaval.load(path), lambda: netaval.Avalanches.from_dataset(path),
             lambda: ds.read_events(path)]
    for call in calls:
        try:
            call()
        except (CorruptFileError, InvalidParameterError) as exc:
            return str(exc)
    return None


def _changed(spec, change):
    spec = copy.deepcopy(spec)
    for (where, key), value in change.items():
        target = spec if where == "spec" else spec["final"] if where == "final" else \
            spec["metadata"] if where == "metadata" else spec["chunks"][where]
        target[key] = value
    return spec


def test_the_base_streams_are_accepted_by_the_writer_and_every_reader(tmp_path):
    """Both base streams, and every dataset cut after a chunk of them, are readable. The
    one exception: before its first chunk, a continuation's dataset holds fewer events
    than its metadata's n_carried, which the readers refuse (the first chunk must bring
    them all, as `netaval.simulate`'s does)."""
    for name, spec in (("d", discrete_spec()), ("c", lifetime_spec())):
        for upto in range(len(spec["chunks"]) + 2):
            path = tmp_path / f"{name}{upto}"
            assert _steps(path, spec, forge=False, upto=upto) is None
            if (name, upto) == ("d", 0):
                assert readers_refusal(path) == (f"Cannot read the streamed run at {path}: "
                                                 "its 0 events cannot include n_carried = 1 "
                                                 "carried ones.")
                continue
            assert readers_refusal(path) is None, (name, upto)
    assert ds.read_events(tmp_path / "c3").end_time.tolist() == [0.7, 1.5, math.inf]
    assert netaval.load(tmp_path / "d3").avalanches.size.tolist() == [2, 3]


# (spec, change, step refused, exact message)
CASES = {
    "end-below-0": (discrete_spec, {(0, "end_time"): -1}, 1, W.format("end_time") + RANGE
                    + ". Got -1 instead."),
    "end-nan": (discrete_spec, {(0, "end_time"): math.nan}, 1, W.format("end_time") + RANGE
                + ". Got nan instead."),
    "end-inf": (lifetime_spec, {(1, "end_time"): math.inf}, 2, W.format("end_time") + RANGE
                + ". Got inf instead."),
    "end-past-max": (discrete_spec, {(0, "end_time"): 2**28 + 1}, 1, W.format("end_time")
                     + RANGE + ". Got 268435457 instead."),
    "end-before-events": (discrete_spec, {(0, "end_time"): 0.5}, 1, W.format("end_time")
                          + RANGE + ", at or after the chunk's last event time 1 and at least "
                          "2 (the activity runs to bin 1). Got 0.5 instead."),
    "end-at-last-step": (discrete_spec, {(0, "end_time"): 1}, 1, W.format("end_time") + RANGE
                         + ", at or after the chunk's last event time 1 and at least 2 (the "
                         "activity runs to bin 1). Got 1 instead."),
    "end-at-integer-last-time": (lifetime_spec, {(1, "time"): [2.0], (1, "end_time"): 2.0,
                                                 (1, "ended_times"): [1.5]},
                                 2, W.format("end_time") + RANGE + ", at or after the chunk's "
                                 "last event time 2.0 and above 2 (the activity runs to bin "
                                 "2). Got 2.0 instead."),
    "end-before-previous-activity": (discrete_spec, {(1, "time"): [], (1, "neuron"): [],
                                                     (1, "avalanche"): [], (1, "generation"): [],
                                                     (1, "parent_indptr"): [0],
                                                     (1, "parent_ids"): [], (1, "live"): [],
                                                     (1, "end_time"): 1},
                                     2, W.format("end_time") + RANGE + " and at least 2 (the "
                                     "activity runs to bin 1). Got 1 instead."),
    "time-decreasing": (discrete_spec, {(0, "time"): [-1, 1, 0]}, 1, W.format("time")
                        + "must be finite and non-decreasing, from the previous chunk's last "
                        "time -inf. Got 1 then 0 at event 2."),
    "time-before-previous-chunk": (discrete_spec, {(1, "time"): [0, 3]}, 2, W.format("time")
                                   + "must be finite and non-decreasing, from the previous "
                                   "chunk's last time 1. Got 1 then 0 at event 3."),
    "time-inf": (lifetime_spec, {(1, "time"): [math.inf]}, 2, W.format("time")
                 + "must be finite and non-decreasing, from the previous chunk's last time "
                 "0.5. Got 0.5 then inf at event 2."),
    "time-before-window": (discrete_spec, {(0, "time"): [-2, -1, 1]}, 1, W.format("time")
                           + "must lie in [0, MAX_ACTIVITY_BINS = 268435456) after the "
                           "n_carried = 1 carried events. Got times in [-1, 1]."),
    "time-past-window": (discrete_spec, {(1, "time"): [2, 2**28], (1, "end_time"): 2**28},
                         2, W.format("time") + "must lie in [0, MAX_ACTIVITY_BINS = "
                         "268435456) after the n_carried = 1 carried events. Got times in "
                         "[2, 268435456]."),
    "carried-step-below-int32": (discrete_spec, {(0, "time"): [-2**31 - 1, 0, 1]}, 1,
                                 W.format("time") + "must hold steps in the int32 range. Got "
                                 "steps in [-2147483649, 1]."),
    "fewer-events-than-carried": (discrete_spec,
                                  {("metadata", "protocol_params"): {"n_carried": 4}}, 1,
                                  W.format("time") + "must bring the dataset to at least the "
                                  "n_carried = 4 carried events of its metadata (a dataset cut "
                                  "after this chunk must hold them). Got 3 events, 3 in all."),
    "neuron-past-n-nodes": (discrete_spec, {(1, "neuron"): [1, 3]}, 2, W.format("neuron")
                            + "must hold neuron ids in [0, n_nodes = 3). Got 3 at event 4."),
    "neuron-negative": (discrete_spec, {(0, "neuron"): [-1, 1, 2]}, 1, W.format("neuron")
                        + "must hold neuron ids in [0, n_nodes = 3). Got -1 at event 0."),
    "parent-itself": (discrete_spec, {(0, "parent_ids"): [2]}, 1, W.format("parent_ids")
                      + "must hold ids of earlier events, of the chunk or live at the previous "
                      "chunk. Got [2] for event 2."),
    "parent-not-live": (discrete_spec, {(1, "parent_ids"): [2, 1]}, 2, W.format("parent_ids")
                        + "must hold ids of earlier events, of the chunk or live at the "
                        "previous chunk. Got [1] for event 4."),
    "parent-negative": (discrete_spec, {(0, "parent_ids"): [-1]}, 1, W.format("parent_ids")
                        + "must hold ids of earlier events, of the chunk or live at the "
                        "previous chunk. Got [-1] for event 2."),
    "secondary-parent-not-live": (discrete_spec, {(1, "parent_indptr"): [0, 2, 3],
                                                  (1, "parent_ids"): [2, 1, 0]},
                                  2, W.format("parent_ids") + "must hold ids of earlier "
                                  "events, of the chunk or live at the previous chunk. Got "
                                  "[2, 1] for event 3."),
    "root-skips-an-avalanche": (discrete_spec, {(0, "avalanche"): [0, 2, 2]}, 1,
                                W.format("avalanche") + "must number the roots (events without "
                                "parents) in order and give every other event its primary "
                                "parent's avalanche. Got 2 for event 1 (a root, opening "
                                "avalanche 1)."),
    "child-leaves-its-avalanche": (discrete_spec, {(1, "avalanche"): [0, 0]}, 2,
                                   W.format("avalanche") + "must number the roots (events "
                                   "without parents) in order and give every other event its "
                                   "primary parent's avalanche. Got 0 for event 3 (primary "
                                   "parent 2)."),
    "root-generation": (discrete_spec, {(0, "generation"): [0, 1, 2]}, 1, W.format("generation")
                        + "must be 0 for a root and 1 + the primary parent's otherwise. Got 1 "
                        "for event 1 (a root, opening avalanche 1)."),
    "child-generation-across-the-cut": (discrete_spec, {(1, "generation"): [2, 2]}, 2,
                                        W.format("generation") + "must be 0 for a root and 1 + "
                                        "the primary parent's otherwise. Got 2 for event 4 "
                                        "(primary parent 0)."),
    "live-after-the-chunk": (discrete_spec, {(0, "live"): [0, 3]}, 1, W.format("live")
                             + "must list ids of the chunk's events (0 to 2) or of events live "
                             "at the previous chunk."),
    "live-no-longer": (discrete_spec, {(1, "live"): [1, 4]}, 2, W.format("live")
                       + "must list ids of the chunk's events (3 to 4) or of events live at "
                       "the previous chunk."),
    "end-before-an-event": (lifetime_spec, {(0, "event_end_time"): [-0.5, math.inf]}, 1,
                            W.format("event_end_time") + "must hold, per event, an end at or "
                            "after its time and not after 'end_time' (1.0); inf while it is "
                            "active."),
    "end-after-the-chunk": (lifetime_spec, {(0, "event_end_time"): [1.5, math.inf]}, 1,
                            W.format("event_end_time") + "must hold, per event, an end at or "
                            "after its time and not after 'end_time' (1.0); inf while it is "
                            "active."),
    "live-event-ended": (lifetime_spec, {(0, "event_end_time"): [0.7, 0.9]}, 1,
                         W.format("live") + "must not list an event that has ended (a finite "
                         "'event_end_time', or in 'ended_ids')."),
    "live-and-ended": (lifetime_spec, {(1, "live"): [1, 2]}, 2, W.format("live")
                       + "must not list an event that has ended (a finite 'event_end_time', or "
                       "in 'ended_ids')."),
    "live-dropped": (lifetime_spec, {(1, "ended_ids"): [], (1, "ended_times"): []}, 2,
                     W.format("live") + "must keep every event live at the previous chunk "
                     "until it ends (in 'ended_ids'). Got [1] dropped."),
    "ended-not-live": (lifetime_spec, {(1, "ended_ids"): [0]}, 2, W.format("ended_ids")
                       + "must be distinct ids of events live at the previous chunk."),
    "ended-twice": (lifetime_spec, {(1, "ended_ids"): [1, 1], (1, "ended_times"): [1.5, 1.6]},
                    2, W.format("ended_ids") + "must be distinct ids of events live at the "
                    "previous chunk."),
    "ended-in-the-first-chunk": (lifetime_spec, {(0, "ended_ids"): [0],
                                                 (0, "ended_times"): [0.8]},
                                 1, W.format("ended_ids") + "must be distinct ids of events "
                                 "live at the previous chunk."),
    "ended-before-the-previous-chunk": (lifetime_spec, {(1, "ended_times"): [0.9]}, 2,
                                        W.format("ended_times") + "must be finite, not after "
                                        "'end_time' (2.5), nor before the event's start or the "
                                        "previous chunk's end time (1.0)."),
    "ended-after-the-chunk": (lifetime_spec, {(1, "ended_times"): [2.6]}, 2,
                              W.format("ended_times") + "must be finite, not after 'end_time' "
                              "(2.5), nor before the event's start or the previous chunk's end "
                              "time (1.0)."),
    "ended-never": (lifetime_spec, {(1, "ended_times"): [math.inf]}, 2, W.format("ended_times")
                    + "must be finite, not after 'end_time' (2.5), nor before the event's "
                    "start or the previous chunk's end time (1.0)."),
    "final-before-the-activity": (discrete_spec, {("final", "end_time"): 3}, 3, CLOSE
                                  + "entry 'end_time' must be a float in the range [0, "
                                  "268435456] and at least 4 (the activity runs to bin 3). Got "
                                  "3 instead."),
    "final-integer-end-at-last-time": (lifetime_spec, {(1, "time"): [2.0],
                                                       ("final", "end_time"): 2.0},
                                       3, CLOSE + "entry 'end_time' must be a float in the "
                                       "range [0, 268435456] and above 2 (the activity runs to "
                                       "bin 2). Got 2.0 instead."),
    "final-without-end": (discrete_spec, {("final", "end_time"): None}, 3, CLOSE
                          + "entry 'end_time' must be a float in the range [0, 268435456]. "
                          "Got None."),
    "final-truncated-text": (discrete_spec, {("final", "truncated"): "yes"}, 3, CLOSE
                             + "entry 'truncated' must be a bool. Got 'yes'."),
    "final-series-list": (discrete_spec, {("final", "series"): [1]}, 3, CLOSE
                          + "entry 'series' must be a JSON object. Got [1]."),
    "metadata-params-list": (discrete_spec, {("spec", "metadata"): {"protocol_params": [1]}}, 0,
                             INIT + "entry 'protocol_params' must be a JSON object or null. Got "
                             "[1]."),
    "metadata-n-carried-negative": (discrete_spec,
                                    {("metadata", "protocol_params"): {"n_carried": -1}}, 0,
                                    INIT + "entry protocol_params 'n_carried' must be an int in "
                                    "the range [0, inf) or None. Got -1."),
    "metadata-burn-in-text": (discrete_spec, {("metadata", "protocol_params"): {"burn_in": "0"}},
                              0, INIT + "entry protocol_params 'burn_in' must be a float in the "
                              "range (-inf, inf) or None. Got '0'."),
    "metadata-seed-negative": (discrete_spec, {("metadata", "seed"): -1}, 0, INIT
                               + "entry 'seed' must be an int in the range [0, inf) or None. "
                               "Got -1."),
    "metadata-protocol-number": (discrete_spec, {("metadata", "protocol"): 5}, 0, INIT
                                 + "entry 'protocol' must be a str or null. Got 5."),
    "metadata-model-without-params": (discrete_spec, {("metadata", "model"): {"class": "X"}}, 0,
                                      INIT + "entry 'model' is malformed (KeyError: 'params')."),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_writer_refuses_what_a_reader_refuses(tmp_path, name):
    """The writer refuses at the step a reader refuses the dataset cut there, naming the
    parameter exactly, and leaves the earlier chunks a readable dataset."""
    make, change, step, message = CASES[name]
    spec = _changed(make(), change)
    path = tmp_path / "written"
    with pytest.raises(InvalidParameterError) as info:
        _write_raising(path, spec)
    assert str(info.value) == message
    if step == 0:
        assert not path.exists()  # nothing written
    else:
        parts = sorted(p for p in os.listdir(path) if p.startswith("part-"))
        assert len(parts) == min(step - 1, len(spec["chunks"])), parts
        if parts:  # the chunks before the refused one (none: see the base streams' test)
            assert readers_refusal(path) is None
    forged = tmp_path / "forged"  # metadata: the whole run, which the readers then refuse
    _steps(forged, spec, forge=True, upto=step or None)
    assert readers_refusal(forged) is not None


def _write_raising(path, spec):
    """Write ``spec`` with the real writer, letting its refusal propagate."""
    writer = ds.DatasetWriter(path, metadata=spec["metadata"], continuous=spec["continuous"],
                              n_nodes=3)
    for chunk in spec["chunks"]:
        writer.write_chunk(**_arrays(chunk))
    writer.close(spec["final"])


def test_a_refused_chunk_changes_nothing(tmp_path):
    """After a refusal the writer takes the right chunk in its place (its record of the
    stream did not advance), and the dataset reads as if the refusal never happened."""
    spec = discrete_spec()
    writer = ds.DatasetWriter(tmp_path / "run", metadata=spec["metadata"], continuous=False,
                              n_nodes=3)
    writer.write_chunk(**_arrays(spec["chunks"][0]))
    bad = _arrays({**spec["chunks"][1], "parent_ids": [2, 1]})
    with pytest.raises(InvalidParameterError, match="'parent_ids'"):
        writer.write_chunk(**bad)
    assert (writer.n_chunks, writer.n_events) == (1, 3)
    writer.write_chunk(**_arrays(spec["chunks"][1]))
    writer.close(spec["final"])
    assert readers_refusal(tmp_path / "run") is None
    assert netaval.load(tmp_path / "run").avalanches.size.tolist() == [2, 3]


# one value changed anywhere in a base stream: the writer and the readers always agree
_POOL = {"time": [-2, -1, 0, 1, 2, 3, 4, 0.5, 2.0, math.inf], "neuron": [-1, 0, 1, 2, 3],
         "avalanche": [-1, 0, 1, 2], "generation": [0, 1, 2, 3], "parent_ids": [-1, 0, 1, 2, 3, 4],
         "live": [-1, 0, 1, 2, 3, 4, 5], "end_time": [-1, 0, 0.5, 1, 1.0, 2, 2.5, 3, 4, 5],
         "event_end_time": [-1.0, 0.0, 0.5, 0.7, 1.0, 1.2, 2.0, 2.5, 3.0, math.inf],
         "ended_ids": [-1, 0, 1, 2], "ended_times": [0.5, 0.9, 1.0, 1.5, 2.5, 2.6, math.inf]}


@st.composite
def _mutated(draw):
    spec = draw(st.sampled_from([discrete_spec, lifetime_spec]))()
    if draw(st.booleans()) and not spec["continuous"]:  # the carried count or the end
        spec["metadata"]["protocol_params"]["n_carried"] = draw(st.integers(0, 6))
    if draw(st.integers(0, 4)) == 0:
        spec["final"]["end_time"] = draw(st.sampled_from(_POOL["end_time"]))
        return spec
    chunk = spec["chunks"][draw(st.integers(0, len(spec["chunks"]) - 1))]
    key = draw(st.sampled_from(sorted(k for k in chunk if k in _POOL)))
    pool = [v for v in _POOL[key] if spec["continuous"] or key != "time"
            or float(v).is_integer()]
    if key == "end_time":
        chunk[key] = draw(st.sampled_from(pool))
        return spec
    values = list(chunk[key])
    action = draw(st.sampled_from(["set", "append", "drop"] if key in (
        "live", "ended_ids", "parent_ids") else ["set"]))
    if action == "append" or not values:
        values.append(draw(st.sampled_from(pool)))
        if key == "parent_ids":  # the last event gets one more parent
            chunk["parent_indptr"] = [*chunk["parent_indptr"][:-1],
                                      chunk["parent_indptr"][-1] + 1]
        if key == "ended_ids":
            chunk["ended_times"] = [*chunk["ended_times"], 2.0]
    elif action == "drop" and key != "parent_ids":
        values.pop(draw(st.integers(0, len(values) - 1)))
        if key == "ended_ids":
            chunk["ended_times"] = chunk["ended_times"][:len(values)]
    else:
        values[draw(st.integers(0, len(values) - 1))] = draw(st.sampled_from(pool))
    chunk[key] = values
    return spec


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=_mutated())
def test_the_writer_and_the_readers_agree_on_every_cut(tmp_path_factory, spec):
    """The step at which the writer refuses a stream is the first at which a reader refuses
    the dataset cut there (forged), and a stream the writer takes is readable at every cut
    from its first chunk on (the metadata is not changed here)."""
    folder = tmp_path_factory.mktemp("agree")
    refused_at = _steps(folder / "written", spec, forge=False)
    first_refused = None
    for step in range(1, len(spec["chunks"]) + 2):
        path = folder / f"forged{step}"
        # a column the forger cannot store either (lengths) is refused by both
        if _steps(path, spec, forge=True, upto=step) is not None or readers_refusal(path):
            first_refused = step
            break
    assert refused_at == first_refused, spec
