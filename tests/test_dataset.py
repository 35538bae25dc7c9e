"""Streamed runs: chunked Parquet datasets, read back exactly, summarised out of core."""

import json
import os

import numpy as np
import pyarrow.dataset
import pytest
from test_avalanches import example_run
from test_summaries import FIELDS

import netaval
from netaval.errors import CorruptFileError, InvalidParameterError, MissingRecordError
from netaval.io import dataset as ds


def write_in_chunks(path, run, network, steps_per_chunk, *, memory=2, close=True):
    """Stream a recorded run into a dataset, cut every ``steps_per_chunk`` steps.

    The live events at a cut are those of the last ``memory`` steps (`example_run`'s
    records take parents up to two steps back), as an engine would report its frontier.
    """
    ev = run.events
    continuous = ev.time.dtype.kind == "f"
    steps = np.floor(ev.time).astype(np.int64)
    writer = ds.DatasetWriter(path, metadata={"protocol": "driven"}, continuous=continuous,
                              n_nodes=network.n_nodes)
    cuts = list(range(steps_per_chunk, int(run.end_time), steps_per_chunk))
    bounds = [0, *np.searchsorted(steps, cuts).tolist(), ev.n_events]
    for k, (begin, end) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        t_end = cuts[k] if k < len(cuts) else run.end_time
        live = np.flatnonzero(steps[:end] >= t_end - memory)
        writer.write_chunk(ev.time[begin:end], ev.neuron[begin:end], ev.avalanche[begin:end],
                           ev.generation[begin:end], ev.parent_indptr[begin:end + 1],
                           ev.parent_ids, live=live, end_time=t_end)
    if close:
        writer.close({"end_time": run.end_time})
    return writer


@pytest.mark.parametrize("continuous", [False, True])
@pytest.mark.parametrize("steps_per_chunk", [1, 7, 1000])
def test_dataset_round_trip_and_out_of_core_summaries(tmp_path, seed, continuous,
                                                      steps_per_chunk):
    network, run = example_run(seed, continuous=continuous)
    path = tmp_path / "run"
    write_in_chunks(path, run, network, steps_per_chunk)
    back = ds.read_events(path)
    for name in ("time", "neuron", "avalanche", "generation", "parent_indptr", "parent_ids"):
        np.testing.assert_array_equal(getattr(back, name), getattr(run.events, name))
    assert back.time_step == run.events.time_step
    expected = netaval.Avalanches.from_run(run)
    av = netaval.Avalanches.from_dataset(path)
    assert av.events is None and av.time_step == run.events.time_step
    for name in (*FIELDS, "truncated"):
        np.testing.assert_array_equal(getattr(av, name), getattr(expected, name), name)
        assert getattr(av, name).dtype == getattr(expected, name).dtype, name
    summary = ds.summarise(path)
    np.testing.assert_array_equal(summary.activity, run.activity)
    assert summary.n_events == run.events.n_events and summary.complete


def test_pyarrow_reads_the_events_as_one_table(tmp_path):
    network, run = example_run(1)
    path = tmp_path / "run"
    writer = write_in_chunks(path, run, network, 9)
    assert writer.n_chunks > 3
    table = pyarrow.dataset.dataset(path, format="parquet").to_table()
    assert table.num_rows == run.events.n_events
    np.testing.assert_array_equal(np.sort(table.column("neuron").to_numpy()),
                                  np.sort(run.events.neuron))


def test_crashed_writer_leaves_completed_chunks_readable(tmp_path):
    """No final manifest, and a half-written part: the completed chunks are read, the
    avalanches alive at the last one flagged truncated."""
    network, run = example_run(2)
    path = tmp_path / "run"
    writer = write_in_chunks(path, run, network, 10, close=False)
    n_chunks = writer.n_chunks
    (path / ".part-000099.parquet.x.tmp").write_bytes(b"PAR1 half")  # a crash mid-write
    os.remove(path / f"part-{n_chunks - 1:06d}.parquet")  # the last chunk never completed
    chunks = list(ds.iter_chunks(path))
    assert len(chunks) == n_chunks - 1
    n_kept = sum(chunk.n_events for chunk in chunks)
    t_end = chunks[-1].end_time
    av = netaval.Avalanches.from_dataset(path)
    ev = run.events
    n_links = ev.parent_indptr[n_kept]
    prefix = netaval.Events(time=ev.time[:n_kept], neuron=ev.neuron[:n_kept],
                            avalanche=ev.avalanche[:n_kept], generation=ev.generation[:n_kept],
                            parent_indptr=ev.parent_indptr[:n_kept + 1],
                            parent_ids=ev.parent_ids[:n_links])
    alive = np.unique(prefix.avalanche[prefix.time >= t_end - 2])  # the live events' ones
    expected = netaval.Avalanches.from_events(prefix, alive=alive)
    for name in (*FIELDS, "truncated"):
        np.testing.assert_array_equal(getattr(av, name), getattr(expected, name), name)
    assert av.truncated.any()
    # reading resumes at any chunk
    assert [c.index for c in ds.iter_chunks(path, start=2)] == list(range(2, n_chunks - 1))


def test_damaged_datasets_raise_corrupt_file_error(tmp_path):
    network, run = example_run(4)
    path = tmp_path / "run"
    write_in_chunks(path, run, network, 10)
    # a chunk's bytes changed
    part = path / "part-000001.parquet"
    good = part.read_bytes()
    part.write_bytes(good[:len(good) // 2] + b"garbage" + good[len(good) // 2 + 7:])
    with pytest.raises(CorruptFileError):
        netaval.Avalanches.from_dataset(path)
    part.write_bytes(good)
    # a missing middle chunk of a complete dataset
    os.rename(path / "part-000002.parquet", tmp_path / "aside.parquet")
    with pytest.raises(CorruptFileError, match="chunks"):
        list(ds.iter_chunks(path))
    os.rename(tmp_path / "aside.parquet", path / "part-000002.parquet")
    # a newer format
    manifest = json.loads((path / "_manifest.json").read_text())
    manifest["version"] = ds.DATASET_FORMAT_VERSION + 1
    (path / "_manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CorruptFileError, match="newer"):
        ds.read_manifest(path)
    with pytest.raises(FileNotFoundError):
        ds.read_manifest(tmp_path / "nothing")


def test_parent_that_is_not_live_is_refused(tmp_path):
    """A chunk whose parent was not declared live at the previous cut cannot be summarised."""
    network, run = example_run(5)
    path = tmp_path / "run"
    write_in_chunks(path, run, network, 5, memory=0)
    with pytest.raises(CorruptFileError, match="live"):
        netaval.Avalanches.from_dataset(path)


def test_writer_and_readers_validate(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    with pytest.raises(InvalidParameterError, match="'out'"):
        ds.DatasetWriter(tmp_path / "full", metadata={}, continuous=False, n_nodes=1)
    with pytest.raises(InvalidParameterError, match="'start'"):
        list(ds.iter_chunks(tmp_path, start=-1))
    with pytest.raises(InvalidParameterError, match="'path'"):
        netaval.Avalanches.from_dataset(3)
    with pytest.raises(InvalidParameterError, match="'burn_in'"):
        netaval.Avalanches.from_dataset(tmp_path, burn_in="x")


def test_summary_only_avalanches_refuse_record_queries(tmp_path):
    network, run = example_run(6)
    path = tmp_path / "run"
    write_in_chunks(path, run, network, 10)
    av = netaval.Avalanches.from_dataset(path)
    full = netaval.Avalanches.from_run(run)
    assert av.branching_ratio() == full.branching_ratio()
    np.testing.assert_array_equal(av.branching_ratios(), full.branching_ratios())
    assert av.to_frame().equals(full.to_frame())
    big = av.select(size=(3, None))
    np.testing.assert_array_equal(big.size, full.select(size=(3, None)).size)
    np.testing.assert_array_equal(av.largest(3).ids, full.largest(3).ids)
    assert av[0].summary == full[0].summary
    for query in (lambda: av.generation_sizes(), lambda: av.mean_profile(2),
                  lambda: av.dag_arrays(), lambda: av.to_networkx(),
                  lambda: av.ancestor_descendant_ratio(),
                  lambda: av.branching_ratio_by_generation(), lambda: av[0].events,
                  lambda: av[0].to_networkx(), lambda: av[0].generation_counts,
                  lambda: av.write_graphml(tmp_path / "g.graphml")):
        with pytest.raises(MissingRecordError, match="record='events'"):
            query()
