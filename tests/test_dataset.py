"""Streamed runs: chunked Parquet datasets, read back exactly, summarised out of core."""

import json
import math
import os

import numpy as np
import pandas as pd
import pyarrow.dataset
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_avalanches import example_run
from test_summaries import FIELDS

import netaval
from netaval.errors import CorruptFileError, InvalidParameterError, MissingRecordError
from netaval.io import dataset as ds
from tests.forge import forged_writer
from tests.refusals import raised_message


def write_in_chunks(path, run, network, steps_per_chunk, *, memory=2, close=True,
                    forge=False):
    """Stream a recorded run into a dataset, cut every ``steps_per_chunk`` steps.

    The live events at a cut are those of the last ``memory`` steps (`example_run`'s
    records take parents up to two steps back), as an engine would report its frontier;
    ``forge``: unchecked (`forged_writer`), for a ``memory`` too short.
    """
    ev = run.events
    continuous = ev.time.dtype.kind == "f"
    steps = np.floor(ev.time).astype(np.int64)
    writer = (forged_writer if forge else ds.DatasetWriter)(
        path, metadata={"protocol": "driven"}, continuous=continuous, n_nodes=network.n_nodes)
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
    compact = ("depth", "n_neurons", "n_generations") + (
        ("start", "end", "duration") if av.time_step is not None else ())
    for name in (*FIELDS, "truncated"):
        np.testing.assert_array_equal(getattr(av, name), getattr(expected, name), name)
        assert getattr(av, name).dtype == (np.int32 if name in compact  # documented
                                           else getattr(expected, name).dtype), name
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


def test_a_chunk_that_would_write_a_bad_record_is_refused(tmp_path):
    """write_chunk stores exactly what it is given or refuses it naming the parameter, and
    writes nothing then (what the values mean, e.g. neurons below n_nodes, is refused too:
    tests/test_dataset_writer.py; the reader tests forge such files with tests.forge)."""
    writer = ds.DatasetWriter(tmp_path / "run", metadata={}, continuous=False, n_nodes=2)
    good = dict(time=np.array([0, 1]), neuron=np.array([0, 1], np.int32),
                avalanche=np.array([0, 0]), generation=np.array([0, 1], np.int32),
                parent_indptr=np.array([0, 0, 1]), parent_ids=np.array([0]),
                live=np.array([1]), end_time=2)
    owner = "DatasetWriter.write_chunk"
    for change, message in [
        ({"neuron": np.array([0, 2**31])},  # would wrap around in int32
         f"The 'neuron' parameter of {owner} must fit in int32. Got values in [0, "
         "2147483648]."),
        ({"time": np.array([0.5, 1.0])},
         f"The 'time' parameter of {owner} must hold integers. Got fractional or infinite "
         "values."),
        ({"time": np.array(["0", "1"])},
         f"The 'time' parameter of {owner} must hold integers or floats. Got dtype <U1 "
         "instead."),
        ({"generation": np.array([0])},
         f"The 'generation' parameter of {owner} must have 2 entries. Got 1."),
        ({"parent_indptr": np.array([0, 0])},
         f"The 'parent_indptr' parameter of {owner} must have at least 3 entries. Got 2."),
        ({"parent_indptr": np.array([0, 1, 0])},
         f"The 'parent_indptr' parameter of {owner} must be non-decreasing offsets into "
         "'parent_ids' (0 to 1). Got offsets from 0 to 0."),
        ({"parent_indptr": np.array([0, 1, 2])},
         f"The 'parent_indptr' parameter of {owner} must be non-decreasing offsets into "
         "'parent_ids' (0 to 1). Got offsets from 0 to 2."),
        ({"live": np.array([2**63], np.uint64)},
         f"The 'live' parameter of {owner} must fit in int64. Got values in [{2**63}, "
         f"{2**63}]."),
        ({"end_time": math.nan},
         f"The 'end_time' parameter of {owner} must be a float in the range [0, 268435456]. "
         "Got nan instead."),
    ]:
        with pytest.raises(InvalidParameterError) as info:
            writer.write_chunk(**{**good, **change})
        assert str(info.value) == message, change
    assert sorted(os.listdir(tmp_path / "run")) == ["_manifest.json"]
    with pytest.raises(InvalidParameterError, match="'final' parameter of DatasetWriter.close"):
        writer.close({"end_time": object()})
    writer.write_chunk(**good)
    writer.close({"end_time": 2})
    assert [chunk.neuron.tolist() for chunk in ds.iter_chunks(tmp_path / "run")] == [[0, 1]]


def test_parent_that_is_not_live_is_refused(tmp_path):
    """A chunk whose parent was not declared live at the previous cut cannot be summarised."""
    network, run = example_run(5)
    path = tmp_path / "run"
    write_in_chunks(path, run, network, 5, memory=0, forge=True)
    with pytest.raises(CorruptFileError, match="live"):
        netaval.Avalanches.from_dataset(path)


def test_writer_and_readers_validate(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    with pytest.raises(InvalidParameterError, match="'path' parameter of DatasetWriter"):
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
    # the same frame, with the summaries' compact int32 columns
    pd.testing.assert_frame_equal(av.to_frame(), full.to_frame(), check_dtype=False)
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


# ------------------------------------------------ the dataset layout, pinned exactly
# Written from mutmut on netaval/io/dataset.py: the manifest and chunk metadata as
# written, exact messages (a substring match cannot see a changed literal) and the
# fields of a loaded streamed run.
def two_chunks(path, *, continuous=False, close=True, metadata=None, final=None, forge=False):
    """Events 0 -> 1 | -> 2, 3: avalanche 0 is 0 -> 1 -> 2 (parent 1 of event 2 across the
    cut), avalanche 1 is event 3 alone. Chunk 0 ends at time 2 with event 1 live, chunk 1
    at time 4 with event 3 live (listed twice). ``forge``: unchecked (`forged_writer`)."""
    def t(values):
        return np.array(values, np.float64 if continuous else np.int64)

    writer = (forged_writer if forge else ds.DatasetWriter)(
        path, metadata={"protocol": "driven"} if metadata is None else metadata,
        continuous=continuous, n_nodes=3)
    # parent_indptr starting at offset 1 into parent_ids: only parent_ids[1:2] is this chunk's
    writer.write_chunk(t([0, 1]), np.array([0, 1]), np.array([0, 0]), np.array([0, 1]),
                       np.array([1, 1, 2]), np.array([7, 0, 7]), live=np.array([1]), end_time=2)
    writer.write_chunk(t([2, 3.5 if continuous else 3]), np.array([2, 0]), np.array([0, 1]),
                       np.array([2, 0]), np.array([0, 1, 1]), np.array([1]),
                       live=np.array([3, 3]), end_time=4)
    if close:
        writer.close({"end_time": 5} if final is None else final)
    return writer


def test_read_events_refuses_a_forged_generation_as_a_corrupt_file(tmp_path):
    """The chunk readers leave generations to `Events`: a forged one is the file's fault,
    reported as a CorruptFileError naming the path, not as a bad argument of Events."""
    path = tmp_path / "run"
    writer = forged_writer(path, metadata={"protocol": "driven"}, continuous=False, n_nodes=3)
    writer.write_chunk(np.array([0, 1]), np.array([0, 1]), np.array([0, 0]), np.array([0, 5]),
                       np.array([0, 0, 1]), np.array([0]), live=np.array([1]), end_time=2)
    writer.close({"end_time": 2})
    with pytest.raises(CorruptFileError) as info:
        ds.read_events(path)
    message = str(info.value)
    assert message.startswith(f"Cannot read the streamed run at {path}: its events are not a "
                              "causal record ("), message
    assert "'generation'" in message and info.value.__cause__ is None
    two_chunks(tmp_path / "valid")
    assert ds.read_events(tmp_path / "valid").generation.tolist() == [0, 1, 2, 0]


def test_manifest_and_chunk_metadata_are_written_exactly(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "run"
    writer = ds.DatasetWriter(path, metadata={"seed": 5, "x": (1, 2)}, continuous=np.True_,
                              n_nodes=np.int64(3))
    assert json.loads((path / "_manifest.json").read_text())["continuous"] is True
    assert json.loads((path / "_manifest.json").read_text()) == {
        "format": "netaval.dataset", "version": 2, "continuous": True, "n_nodes": 3,
        "complete": False, "metadata": {"seed": 5, "x": {"__tuple__": [1, 2]}}}
    assert ds.read_manifest(path)["final"] is None and ds.is_dataset(path)
    assert not ds.is_dataset(tmp_path) and not ds.is_dataset(path / "_manifest.json")
    assert (ds.DATASET_FORMAT_NAME, ds.DATASET_FORMAT_VERSION) == ("netaval.dataset", 2)
    writer = two_chunks(tmp_path / "two", final={"end_time": 5, "wall_time": 0.5})
    assert (writer.n_chunks, writer.n_events) == (2, 4)
    assert sorted(os.listdir(tmp_path / "two")) == ["_manifest.json", "part-000000.parquet",
                                                    "part-000001.parquet"]
    manifest = json.loads((tmp_path / "two" / "_manifest.json").read_text())
    assert manifest == {"format": "netaval.dataset", "version": 2, "continuous": False,
                        "n_nodes": 3, "complete": True, "metadata": {"protocol": "driven"},
                        "n_events": 4, "n_chunks": 2, "final": {"end_time": 5, "wall_time": 0.5}}
    for index, (first, end, live, indptr, ids) in enumerate(
            [(0, 2, [1], [0, 0, 1], [0]), (2, 4, [3, 3], [0, 1, 1], [1])]):
        file = pq.ParquetFile(tmp_path / "two" / f"part-{index:06d}.parquet")
        table = file.read()
        meta = json.loads(table.schema.metadata[b"netaval.chunk"])
        assert {k: meta[k] for k in ("index", "first_event", "n_events", "end_time")} == \
            {"index": index, "first_event": first, "n_events": 2, "end_time": end}
        assert ds.decode_array(meta["live"]).tolist() == live
        assert table.schema == pa.schema([("time", pa.int64()), ("neuron", pa.int32()),
                                          ("avalanche", pa.int64()), ("generation", pa.int32()),
                                          ("parents", pa.large_list(pa.int64()))])
        assert table.column("parents").to_pylist() == [ids[indptr[k]:indptr[k + 1]] for k in range(2)]
        assert sorted(meta["checksums"]) == sorted(["time", "neuron", "avalanche", "generation",
                                                    "parent_indptr", "parent_ids"])
        assert meta["checksums"]["parent_indptr"] == ds.crc(np.array(indptr, np.int64))
        assert meta["checksums"]["parent_ids"] == ds.crc(np.array(ids, np.int64))
        group = file.metadata.row_group(0)
        columns = [group.column(k) for k in range(group.num_columns)]
        # the nearly monotone integers delta-packed, only the times compressed
        assert {c.path_in_schema: (c.compression, sorted(c.encodings)) for c in columns} == {
            "time": ("SNAPPY", ["PLAIN", "RLE"]), "neuron": ("UNCOMPRESSED", ["PLAIN", "RLE"]),
            "avalanche": ("UNCOMPRESSED", ["DELTA_BINARY_PACKED", "RLE"]),
            "generation": ("UNCOMPRESSED", ["DELTA_BINARY_PACKED", "RLE"]),
            "parents.list.element": ("UNCOMPRESSED", ["DELTA_BINARY_PACKED", "RLE"])}
        assert [c.path_in_schema for c in columns if c.is_stats_set] == ["time", "avalanche"]
        assert (columns[0].statistics.min, columns[0].statistics.max) == (first, first + 1)
    chunks = list(ds.iter_chunks(tmp_path / "two"))
    assert [(c.index, c.first_event, c.n_events, c.end_time) for c in chunks] == [(0, 0, 2, 2), (1, 2, 2, 4)]
    assert [c.parent_indptr.tolist() for c in chunks] == [[0, 0, 1], [0, 1, 1]]
    assert [c.parent_ids.tolist() for c in chunks] == [[0], [1]]
    assert [c.live.tolist() for c in chunks] == [[1], [3, 3]]
    for c in chunks:
        assert (c.time.dtype, c.neuron.dtype, c.avalanche.dtype, c.generation.dtype, c.live.dtype) \
            == (np.int64, np.int32, np.int64, np.int32, np.int64)
    assert [c.index for c in ds.iter_chunks(tmp_path / "two", start=1)] == [1]
    assert list(ds.iter_chunks(tmp_path / "two", start=2)) == []


def test_writer_refusals_are_exact(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    (tmp_path / "file").write_text("")
    network = netaval.Network.from_edges([0], [1], 2)
    for name, which in (("full", "is not empty"), ("file", "is not a directory")):
        with pytest.raises(InvalidParameterError) as info:
            ds.DatasetWriter(tmp_path / name, metadata={}, continuous=False, n_nodes=1)
        assert str(info.value) == ("The 'path' parameter of DatasetWriter must name a new or "
                                   f"empty directory. Got {str(tmp_path / name)!r}, which "
                                   f"{which}.")
        with pytest.raises(InvalidParameterError) as info:  # before anything runs
            netaval.simulate(network, netaval.Branching(sigma=0.5, drive=0.1), n_steps=5,
                             seed=0, out=tmp_path / name)
        assert str(info.value) == ("The 'out' parameter of simulate must name a new or empty "
                                   f"directory. Got {str(tmp_path / name)!r}, which {which}.")
    (tmp_path / "empty").mkdir()
    ds.DatasetWriter(tmp_path / "empty", metadata={}, continuous=False, n_nodes=1)
    assert os.listdir(tmp_path / "empty") == ["_manifest.json"]


def _message(call):
    return raised_message(CorruptFileError, call)


def test_damaged_manifests_are_named_exactly(tmp_path):
    path = tmp_path / "run"
    two_chunks(path)
    manifest = json.loads((path / "_manifest.json").read_text())
    head = f"Cannot read the streamed run at {path}: "
    cases = [
        ({"format": "x"}, "unknown format 'x'."),
        ({"format": None}, "unknown format None."),
        ({"version": 3}, "format version 3 is newer than this netaval reads (2); upgrade netaval."),
        ({"version": "1"}, "format version '1' is newer than this netaval reads (2); upgrade netaval."),
        ({"metadata": KeyError}, "its manifest is malformed (KeyError: 'metadata')."),
        ({"n_nodes": KeyError}, "its manifest has no 'n_nodes' entry."),
        ({"continuous": KeyError}, "its manifest has no 'continuous' entry."),
        ({"n_nodes": "x"}, "its manifest entry 'n_nodes' must be an int in the range [0, "
                           "2147483647]. Got 'x'."),
    ]
    for changes, reason in cases:
        bad = {k: v for k, v in {**manifest, **changes}.items() if v is not KeyError}
        (path / "_manifest.json").write_text(json.dumps(bad))
        assert _message(lambda: ds.read_manifest(path)) == head + reason, changes
    (path / "_manifest.json").write_text("{")
    assert _message(lambda: ds.read_manifest(path)).startswith(
        head + "its manifest is malformed (JSONDecodeError: ")
    (path / "_manifest.json").write_text(json.dumps({**manifest, "version": 0}))
    assert ds.read_manifest(path)["version"] == 0  # older versions are read
    (path / "_manifest.json").write_text(json.dumps({**manifest, "n_chunks": 3}))
    assert _message(lambda: list(ds.iter_chunks(path))) == \
        head + "the manifest lists 3 chunks, 2 are present."
    (path / "_manifest.json").write_text(json.dumps({**manifest, "n_chunks": 3, "complete": False}))
    assert len(list(ds.iter_chunks(path))) == 2  # an unfinished dataset lists no count
    with pytest.raises(InvalidParameterError) as info:
        list(ds.iter_chunks(path, start=-1))
    assert str(info.value).startswith("The 'start' parameter of iter_chunks must be")


def test_damaged_chunks_are_named_exactly(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "run"
    two_chunks(path)
    part = path / "part-000001.parquet"
    good = pq.read_table(part)
    meta = json.loads(good.schema.metadata[b"netaval.chunk"])
    head = f"Cannot read chunk {part}: "

    def rewrite(table, changes=None, raw=None):
        if raw is None:
            raw = {b"netaval.chunk": json.dumps({**meta, **(changes or {})}).encode()}
        pq.write_table(table.replace_schema_metadata(raw), part)
        return _message(lambda: list(ds.iter_chunks(path)))

    assert rewrite(good, {"n_events": 3}) == head + "its metadata does not match its contents."
    assert rewrite(good, {"index": 0}) == head + "its metadata does not match its contents."
    assert rewrite(good, {"checksums": {**meta["checksums"], "generation": 0}}) == \
        head + "the checksum of 'generation' does not match (corrupted data)."
    assert rewrite(good, raw={}) == head + "its metadata is malformed (KeyError: b'netaval.chunk')."
    assert rewrite(good, {"live": [1]}) == \
        head + "its metadata is malformed (TypeError: list indices must be integers or slices, not str)."
    renamed = good.rename_columns(["time", "neuron", "avalanche", "gen", "parents"])
    assert rewrite(renamed) == head + "columns ['time', 'neuron', 'avalanche', 'gen', 'parents']."
    narrow = good.set_column(2, "avalanche", good.column("avalanche").cast(pa.int32()))
    assert rewrite(narrow) == head + "column 'avalanche' has dtype int32."
    gaps = good.set_column(1, "neuron", pa.array([None, 0], pa.int32()))
    assert rewrite(gaps) == head + "column 'neuron' has missing values."
    pq.write_table(good, part)
    data = part.read_bytes()  # the footer's plain copy of the metadata changed, index 1 -> 7
    plain = data.index(b'{"index": 1')
    part.write_bytes(data[:plain] + b'{"index": 7' + data[plain + 11:])
    assert pq.read_table(part).schema.metadata == good.schema.metadata  # Arrow's copy intact
    assert _message(lambda: list(ds.iter_chunks(path))) == \
        head + "its two copies of the chunk metadata differ (corrupted metadata)."
    part.write_bytes(b"PAR1 not really")
    assert _message(lambda: list(ds.iter_chunks(path))).startswith(
        head + "the Parquet data cannot be read (")
    pq.write_table(good.replace_schema_metadata(
        {b"netaval.chunk": json.dumps({**meta, "first_event": 3}).encode()}), part)
    assert _message(lambda: list(ds.iter_chunks(path))) == \
        f"Cannot read the streamed run at {path}: chunk 1 starts at event 3, expected 2."
    # resuming at chunk 1 checks it against chunk 0's metadata
    assert _message(lambda: list(ds.iter_chunks(path, start=1))) == \
        f"Cannot read the streamed run at {path}: chunk 1 starts at event 3, expected 2."
    pq.write_table(good, part)
    first = path / "part-000000.parquet"
    _rewrite_chunk(first, drop=("n_events",))
    assert [c.index for c in ds.iter_chunks(path, start=2)] == []  # chunk 1 read no more
    assert _message(lambda: ds.iter_chunks(path, start=1)) == (  # read when called
        f"Cannot read chunk {first}: its metadata is malformed (KeyError: 'n_events').")


def test_part_files_count_only_while_consecutive(tmp_path):
    path = tmp_path / "run"
    two_chunks(path, close=False)
    (path / "part-000003.parquet").write_bytes(b"")  # after a gap: not a completed chunk
    (path / "part-00002.parquet").write_bytes(b"")  # five digits: not a part file
    (path / "xpart-000002.parquet").write_bytes(b"")
    assert [c.index for c in ds.iter_chunks(path)] == [0, 1]
    os.rename(path / "part-000001.parquet", path / "part-0000002.parquet")  # 7 digits: index 2
    assert [c.index for c in ds.iter_chunks(path)] == [0]


@pytest.mark.parametrize("continuous", [False, True])
def test_read_events_joins_the_chunks_and_bounds_their_size(tmp_path, monkeypatch, continuous):
    import netaval.events

    path = tmp_path / "run"
    two_chunks(path, continuous=continuous)
    ev = ds.read_events(path)
    assert ev.parent_indptr.tolist() == [0, 0, 1, 2, 2] and ev.parent_ids.tolist() == [0, 1]
    assert ev.avalanche.tolist() == [0, 0, 0, 1] and ev.neuron.tolist() == [0, 1, 2, 0]
    assert ev.time.dtype == (np.float64 if continuous else np.int64)
    assert ev.avalanche.dtype == np.int32 and ev.parent_ids.dtype == np.int32
    assert ev.time_step == (None if continuous else 1.0)
    monkeypatch.setattr(netaval.events, "MAX_EVENTS_IN_MEMORY", 4)
    assert ds.read_events(path).n_events == 4  # exactly at the limit
    monkeypatch.setattr(netaval.events, "MAX_EVENTS_IN_MEMORY", 3)
    with pytest.raises(InvalidParameterError) as info:
        ds.read_events(path)
    assert str(info.value) == (
        "The 'path' parameter of read_events names a streamed run of more than 3 events or "
        "avalanches, more than one in-memory Events holds; compute its avalanches out of core "
        "with Avalanches.from_dataset(path), or read it chunk by chunk with iter_chunks.")
    empty = tmp_path / "empty"
    ds.DatasetWriter(empty, metadata={}, continuous=continuous, n_nodes=1).close({"end_time": 0})
    assert ds.read_events(empty).time.dtype == (np.float64 if continuous else np.int64)
    assert ds.read_events(empty).n_events == 0


def test_read_events_bounds_the_avalanche_ids(tmp_path, monkeypatch):
    import netaval.events

    path = tmp_path / "run"
    writer = ds.DatasetWriter(path, metadata={}, continuous=False, n_nodes=2)
    writer.write_chunk(np.array([0, 1]), np.array([0, 1]), np.array([0, 1]), np.array([0, 0]),
                       np.array([0, 0, 0]), np.array([], np.int64), live=np.array([1]), end_time=2)
    writer.close({"end_time": 2})
    monkeypatch.setattr(netaval.events, "MAX_EVENTS_IN_MEMORY", 2)
    assert ds.read_events(path).avalanche.tolist() == [0, 1]  # id 1 < 2: fits
    monkeypatch.setattr(netaval.events, "MAX_EVENTS_IN_MEMORY", 1)
    with pytest.raises(InvalidParameterError, match="more than 1 events or avalanches"):
        ds.read_events(path)


@pytest.mark.parametrize("continuous", [False, True])
def test_loaded_streamed_run_has_every_field(tmp_path, continuous):
    """`netaval.load` of a finished dataset: each Run field from the manifest or the pass."""
    path = tmp_path / "run"
    metadata = {"protocol": "spreading", "seed": 3, "model": None, "network": {"topology": "x"},
                "protocol_params": {"n_carried": 1, "burn_in": 0.5}, "rng_state": {"s": 1}}
    two_chunks(path, continuous=continuous, metadata=metadata,
               final={"end_time": 5, "wall_time": 0.25, "truncated": True, "series": {"f": [1, 2]}})
    run = netaval.load(path)
    assert run.events is None and run.record == "avalanches" and run.out == str(path)
    assert run.activity.tolist() == [0, 1, 1, 1, 0]  # carried event 0 is not counted
    assert run.activity.dtype == np.int64
    assert (run.model, run.network, run.seed, run.protocol) == (None, {"topology": "x"}, 3, "spreading")
    assert run.protocol_params == {"n_carried": 1, "burn_in": 0.5} and run.rng_state == {"s": 1}
    assert (run.wall_time, run.truncated, run.end_time) == (0.25, True, 5)
    assert run.series == {"f": [1, 2]} and run.n_events == 4
    assert run.alive_avalanches.tolist() == [1] and run.alive_avalanches.dtype == np.int32
    av = run.avalanches
    assert av.size.tolist() == [3, 1]
    assert av.duration.tolist() == ([2.0, 0.0] if continuous else [3, 1])
    assert av.time_step == (None if continuous else 1.0)
    # avalanche 0 carried (started before the window), 1 alive at the end, 0 also rooted
    # before burn_in = 0.5
    assert av.truncated.tolist() == [True, True]
    plain = tmp_path / "plain"
    two_chunks(plain, continuous=continuous)
    run = netaval.load(plain)
    assert (run.model, run.network, run.seed, run.protocol, run.protocol_params) == (None, {}, None, "driven", {})
    assert (run.wall_time, run.truncated, run.end_time, run.rng_state, run.series) == (0.0, False, 5, None, {})
    assert run.activity.tolist() == [1, 1, 1, 1, 0]
    assert run.avalanches.truncated.tolist() == [False, True]


def test_unfinished_dataset_loads_truncated_to_its_last_chunk(tmp_path):
    path = tmp_path / "run"
    two_chunks(path, continuous=True, close=False)
    run = netaval.load(path)
    assert run.truncated is True and run.end_time == 4 and run.activity.tolist() == [1, 1, 1, 1]
    summary = ds.summarise(path)
    assert summary.complete is False and summary.end_time == 4 and summary.n_events == 4
    assert summary.alive.tolist() == [1]
    os.remove(path / "part-000001.parquet")
    summary = ds.summarise(path)
    assert (summary.end_time, summary.n_events, summary.activity.tolist()) == (2, 2, [1, 1])
    assert summary.alive.tolist() == [0] and summary.summaries["size"].tolist() == [2]
    empty = tmp_path / "empty"
    ds.DatasetWriter(empty, metadata={}, continuous=True, n_nodes=1)
    summary = ds.summarise(empty)
    assert (summary.end_time, summary.n_events, summary.activity.tolist()) == (0.0, 0, [])
    assert type(summary.end_time) is float
    ds.DatasetWriter(tmp_path / "e2", metadata={}, continuous=False, n_nodes=1)
    assert type(ds.summarise(tmp_path / "e2").end_time) is int


def test_summarise_refuses_impossible_parents_and_live_events_exactly(tmp_path):
    head = "Cannot read the streamed run at {}: chunk {} "

    def dataset(name, first_live, second_parents, second_live, neuron=2):
        path = tmp_path / name
        writer = forged_writer(path, metadata={}, continuous=False, n_nodes=3)
        writer.write_chunk(np.array([0, 1]), np.array([0, 1]), np.array([0, 0]), np.array([0, 1]),
                           np.array([0, 0, 1]), np.array([0]), live=np.array(first_live), end_time=2)
        writer.write_chunk(np.array([2]), np.array([neuron]), np.array([0]), np.array([2]),
                           np.array([0, len(second_parents)]), np.array(second_parents, np.int64),
                           live=np.array(second_live), end_time=3)
        writer.close({"end_time": 3})
        return path

    path = dataset("not-live", [1], [0], [])
    assert _message(lambda: ds.summarise(path)) == head.format(path, 1) + \
        "names a parent that is neither in the chunk nor live at its start."
    path = dataset("none-live", [], [1], [])
    assert _message(lambda: ds.summarise(path)) == head.format(path, 1) + \
        "names a parent that is neither in the chunk nor live at its start."
    path = dataset("live-gone", [1], [1], [0])
    assert _message(lambda: ds.summarise(path)) == head.format(path, 1) + \
        "lists a live event it cannot have."
    path = dataset("live-gone-above", [0], [0], [1])  # above every carried id
    assert _message(lambda: ds.summarise(path)) == head.format(path, 1) + \
        "lists a live event it cannot have."
    path = dataset("live-late", [1], [1], [3])
    assert _message(lambda: ds.summarise(path)) == head.format(path, 1) + \
        "lists a live event after its end."
    path = dataset("first-live-late", [2], [1], [])
    assert _message(lambda: ds.summarise(path)) == head.format(path, 0) + \
        "lists a live event after its end."
    path = dataset("ok", [0, 1], [1], [2, 0])
    assert ds.summarise(path).alive.tolist() == [0]
    path = dataset("bad-neuron", [1], [1], [], neuron=5)  # n_nodes = 3
    assert _message(lambda: ds.summarise(path)) == head.format(path, 1)[:-1] + ": " + (
        "The event stream breaks the avalanche invariants (roots open avalanches 0, 1, ... in "
        "order; every other event has an earlier primary parent in its avalanche; neuron ids "
        "lie in range).")


def test_streamed_run_metadata_variants(tmp_path):
    """A model spec, burn_in alone, carried events beyond the first chunk, empty metadata."""
    from netaval.io.runs import _model_to_json

    model = netaval.Branching(sigma=0.5)
    two_chunks(tmp_path / "a", metadata={"model": _model_to_json(model),
                                         "protocol_params": {"burn_in": 0.5}})
    run = netaval.load(tmp_path / "a")
    assert run.model == model and run.protocol == ""  # no protocol in the metadata
    assert run.avalanches.truncated.tolist() == [True, True]  # 0 rooted before burn_in
    two_chunks(tmp_path / "b", metadata={"protocol_params": {"n_carried": 3}}, forge=True)
    summary = ds.summarise(tmp_path / "b")
    assert summary.activity.tolist() == [0, 0, 0, 1, 0]  # three carried events not counted
    assert summary.summaries["alive"].tolist() == [True, True]
    two_chunks(tmp_path / "c", metadata={"protocol_params": [1]}, final={"end_time": 5, "x": (1, 2)},
               forge=True)
    assert ds.summarise(tmp_path / "c").activity.tolist() == [1, 1, 1, 1, 0]
    manifest = ds.read_manifest(tmp_path / "c")
    assert manifest["final"] == {"end_time": 5, "x": (1, 2)}
    writer = ds.DatasetWriter(tmp_path / "d", metadata={"x": (1, 2)}, continuous=False, n_nodes=1)
    writer.write_chunk(np.array([0]), np.array([0]), np.array([0]), np.array([0]), np.array([0, 0]),
                       np.array([], np.int64), live=np.array([0], np.int32), end_time=1)
    assert ds.read_manifest(tmp_path / "d")["metadata"] == {"x": (1, 2)}
    import pyarrow.parquet as pq
    meta = json.loads(pq.read_table(tmp_path / "d" / "part-000000.parquet").schema.metadata[b"netaval.chunk"])
    assert meta["live"]["dtype"] == "<i8"


# ------------------------------------------------ lifetimes (format version 2)
def lifetime_chunks(path, *, close=True):
    """Continuous events 0 -> 1, 0 -> 2 in one avalanche, cut in three chunks: event 1 ends
    in chunk 0 (0.9), event 0 (live at the first cut) ends in chunk 1 (1.5), event 2 (live
    at the second cut) in chunk 2, which has no events (2.5)."""
    writer = ds.DatasetWriter(path, metadata={}, continuous=True, n_nodes=3)
    inf = np.inf
    writer.write_chunk(np.array([0.0, 0.5]), np.array([0, 1]), np.array([0, 0]),
                       np.array([0, 1]), np.array([0, 0, 1]), np.array([0]),
                       live=np.array([0]), end_time=1.0, event_end_time=np.array([inf, 0.9]))
    writer.write_chunk(np.array([1.2]), np.array([2]), np.array([0]), np.array([1]),
                       np.array([0, 1]), np.array([0]), live=np.array([2]), end_time=2.0,
                       event_end_time=np.array([inf]), ended_ids=np.array([0]),
                       ended_times=np.array([1.5]))
    writer.write_chunk(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(1),
                       np.zeros(0), live=np.zeros(0), end_time=3.0,
                       event_end_time=np.zeros(0), ended_ids=[2], ended_times=[2.5])
    if close:
        writer.close({"end_time": 3.0})
    return writer


def test_lifetime_chunks_are_written_and_replayed_exactly(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "run"
    lifetime_chunks(path)
    table = pq.read_table(path / "part-000001.parquet")
    assert table.schema.remove_metadata() == pa.schema(
        [("time", pa.float64()), ("neuron", pa.int32()), ("avalanche", pa.int64()),
         ("generation", pa.int32()), ("end_time", pa.float64()),
         ("parents", pa.large_list(pa.int64()))])
    meta = json.loads(table.schema.metadata[b"netaval.chunk"])
    assert meta["checksums"]["end_time"] == ds.crc(np.array([np.inf]))
    assert sorted(meta["ended"]) == ["ids", "times"]
    assert ds.decode_array(meta["ended"]["ids"]).dtype == np.int64
    chunks = list(ds.iter_chunks(path))
    assert [c.event_end_time.tolist() for c in chunks] == [[np.inf, 0.9], [np.inf], []]
    assert [c.ended_ids.tolist() for c in chunks] == [[], [0], [2]]
    assert [c.ended_times.tolist() for c in chunks] == [[], [1.5], [2.5]]
    assert chunks[0].ended_ids.dtype == np.int64 and chunks[0].ended_times.dtype == np.float64
    events = ds.read_events(path)
    assert events.end_time.tolist() == [1.5, 0.9, 2.5]
    assert netaval.Avalanches.from_events(events).lifetime.tolist() == [2.5]
    assert netaval.Avalanches.from_dataset(path).lifetime.tolist() == [2.5]  # out of core
    assert ds.summarise(path).summaries["lifetime"].tolist() == [2.5]
    # a writer that crashed before the last chunk: event 2 is still active as far as known
    os.remove(path / "part-000002.parquet")
    manifest = json.loads((path / "_manifest.json").read_text())
    (path / "_manifest.json").write_text(json.dumps({**manifest, "complete": False}))
    assert ds.read_events(path).end_time.tolist() == [1.5, 0.9, np.inf]
    assert netaval.load(path).avalanches.lifetime.tolist() == [np.inf]
    # without lifetimes (a continuous model that records none): no end_time, as before
    writer = ds.DatasetWriter(tmp_path / "plain", metadata={}, continuous=True, n_nodes=1)
    writer.write_chunk(np.array([0.0]), np.array([0]), np.array([0]), np.array([0]),
                       np.array([0, 0]), np.zeros(0), live=np.zeros(0), end_time=1.0)
    assert "ended" not in json.loads(pq.read_table(tmp_path / "plain" / "part-000000.parquet")
                                     .schema.metadata[b"netaval.chunk"])
    assert ds.read_events(tmp_path / "plain").end_time is None
    assert "lifetime" not in ds.summarise(tmp_path / "plain").summaries
    with pytest.raises(MissingRecordError, match="Avalanches.lifetime"):
        netaval.Avalanches.from_dataset(tmp_path / "plain").lifetime  # noqa: B018
    # ended records are sorted when written in any order
    writer = ds.DatasetWriter(tmp_path / "order", metadata={}, continuous=True, n_nodes=3)
    writer.write_chunk(np.array([0.0, 0.1]), np.array([0, 1]), np.array([0, 1]),
                       np.array([0, 0]), np.zeros(3), np.zeros(0), live=np.array([0, 1]),
                       end_time=0.5, event_end_time=np.full(2, np.inf))
    writer.write_chunk(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(1),
                       np.zeros(0), live=np.zeros(0), end_time=1.0, event_end_time=np.zeros(0),
                       ended_ids=[1, 0], ended_times=[0.7, 0.6])
    assert ds.read_events(tmp_path / "order").end_time.tolist() == [0.6, 0.7]
    assert netaval.Avalanches.from_dataset(tmp_path / "order").lifetime.tolist() == [0.6, 0.6]


def test_version_1_datasets_are_read_without_lifetimes(tmp_path):
    """Decision: format version 1 (before lifetimes) is still read, as before: no
    end_time, so lifetimes are refused with a NetavalError; an end_time column or a
    deactivation record in a version-1 chunk is a damaged chunk."""
    path = tmp_path / "v1"
    writer = ds.DatasetWriter(path, metadata={}, continuous=True, n_nodes=2)
    writer.write_chunk(np.array([0.0, 0.5]), np.array([0, 1]), np.array([0, 0]),
                       np.array([0, 1]), np.array([0, 0, 1]), np.array([0]),
                       live=np.zeros(0), end_time=1.0)
    writer.close({"end_time": 1.0})
    manifest = json.loads((path / "_manifest.json").read_text())
    (path / "_manifest.json").write_text(json.dumps({**manifest, "version": 1}))
    events = ds.read_events(path)
    assert events.end_time is None and events.time.tolist() == [0.0, 0.5]
    with pytest.raises(netaval.NetavalError, match="end_time"):
        netaval.Avalanches.from_events(events).lifetime  # noqa: B018
    assert netaval.Avalanches.from_dataset(path).size.tolist() == [2]
    lifetime_chunks(tmp_path / "new")
    manifest = json.loads((tmp_path / "new" / "_manifest.json").read_text())
    (tmp_path / "new" / "_manifest.json").write_text(json.dumps({**manifest, "version": 1}))
    part = tmp_path / "new" / "part-000000.parquet"
    assert _message(lambda: ds.read_events(tmp_path / "new")) == (
        f"Cannot read chunk {part}: columns ['time', 'neuron', 'avalanche', 'generation', "
        "'end_time', 'parents'].")


def test_lifetime_writer_refusals_are_exact(tmp_path):
    def refusal(call):
        return raised_message(InvalidParameterError, call)

    owner = "DatasetWriter.write_chunk"
    one = (np.array([0.0]), np.array([0]), np.array([0]), np.array([0]), np.array([0, 0]),
           np.zeros(0))
    discrete = ds.DatasetWriter(tmp_path / "d", metadata={}, continuous=False, n_nodes=1)
    assert refusal(lambda: discrete.write_chunk(
        *one, live=[], end_time=1, event_end_time=[1.0])) == (
        f"The 'event_end_time' parameter of {owner} is for continuous time only (a discrete "
        "event lasts one step).")
    writer = ds.DatasetWriter(tmp_path / "c", metadata={}, continuous=True, n_nodes=1)
    assert refusal(lambda: writer.write_chunk(*one, live=[], end_time=1, ended_ids=[0])) == (
        f"The 'ended_ids' and 'ended_times' parameters of {owner} need 'event_end_time'.")
    assert refusal(lambda: writer.write_chunk(*one, live=[], end_time=1, ended_times=[0])) == (
        f"The 'ended_ids' and 'ended_times' parameters of {owner} need 'event_end_time'.")
    assert refusal(lambda: writer.write_chunk(
        *one, live=[], end_time=1, event_end_time=[1.0], ended_ids=[0, 1],
        ended_times=[1.0])) == (
        f"The 'ended_times' parameter of {owner} must have one entry per ended id.")
    assert writer.n_chunks == 0
    writer.write_chunk(*one, live=[], end_time=1, event_end_time=[1.0])
    assert writer.lifetimes is True
    assert refusal(lambda: writer.write_chunk(*one, live=[], end_time=1)) == (
        f"The 'event_end_time' parameter of {owner} must be given for every chunk of a "
        "dataset or for none.")
    plain = ds.DatasetWriter(tmp_path / "p", metadata={}, continuous=True, n_nodes=1)
    plain.write_chunk(*one, live=[], end_time=1)
    assert plain.lifetimes is False
    assert refusal(lambda: plain.write_chunk(*one, live=[], end_time=1,
                                             event_end_time=[1.0])).endswith(
        "must be given for every chunk of a dataset or for none.")


def _rewrite_chunk(part, *, meta=None, end=None, drop_end=False, drop=()):
    """Rewrite a part file with its end_time column changed or dropped (with its
    deactivation records), then its chunk metadata updated with ``meta`` and the entries
    ``drop`` removed; checksums are kept right, so only the change is damaged."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(part)
    chunk_meta = json.loads(table.schema.metadata[b"netaval.chunk"])
    if end is not None:
        end = np.asarray(end, np.float64)
        table = table.set_column(4, "end_time", pa.array(end))
        chunk_meta["checksums"]["end_time"] = ds.crc(end)
    if drop_end:
        table = table.remove_column(4)
        del chunk_meta["checksums"]["end_time"], chunk_meta["ended"]
    chunk_meta.update(meta or {})
    for key in drop:
        del chunk_meta[key]
    pq.write_table(table.replace_schema_metadata(
        {b"netaval.chunk": json.dumps(chunk_meta).encode()}), part)


def _ended(ids, times, id_dtype=np.int64):
    return {"ended": {"ids": ds.encode_array(np.asarray(ids, id_dtype)),
                      "times": ds.encode_array(np.asarray(times, np.float64))}}


def test_hostile_deactivation_records_raise_corrupt_file_error(tmp_path):
    """Crafted deactivation records and end times: each is refused by name, by
    `read_events`, `summarise` and `iter_chunks`, before any array is indexed with it."""
    import shutil

    import pyarrow as pa
    import pyarrow.parquet as pq

    good = tmp_path / "good"
    lifetime_chunks(good)
    nan, inf = np.nan, np.inf
    records = "its deactivation records name events outside the earlier chunks or out of order."
    when = "its deactivation records hold a time that is not finite or after the chunk was written."
    shape = "its deactivation records are not one int64 id and one float64 time each."
    cases = [  # (chunk, changes, the complaint: "chunk" ones name the part file)
        (1, {"meta": _ended([-1], [1.5])}, "chunk", records),
        (1, {"meta": _ended([2], [1.5])}, "chunk", records),  # the chunk's own event
        (1, {"meta": _ended([2**62], [1.5])}, "chunk", records),
        (2, {"meta": _ended([1, 0], [2.5, 2.5])}, "chunk", records),
        (2, {"meta": _ended([0, 0], [2.5, 2.5])}, "chunk", records),
        (1, {"meta": _ended([0], [nan])}, "chunk", when),
        (1, {"meta": _ended([0], [inf])}, "chunk", when),
        (1, {"meta": _ended([0], [-inf])}, "chunk", when),
        (1, {"meta": _ended([0], [2.5])}, "chunk", when),
        (1, {"meta": _ended([0], [1.5], np.int32)}, "chunk", shape),
        (1, {"meta": {"ended": {"ids": ds.encode_array(np.array([0, 0])),
                                "times": ds.encode_array(np.array([1.5]))}}}, "chunk", shape),
        (1, {"meta": {"ended": {"ids": ds.encode_array(np.array([[0]])),
                                "times": ds.encode_array(np.array([[1.5]]))}}}, "chunk", shape),
        (1, {"meta": {"ended": None}}, "chunk",
         "its metadata is malformed (TypeError: 'NoneType' object is not subscriptable)."),
        (1, {"end": [nan]}, "chunk", "column 'end_time' holds an end before its event or NaN."),
        (1, {"end": [1.0]}, "chunk", "column 'end_time' holds an end before its event or NaN."),
        (1, {"end": [2.5]}, "chunk", "column 'end_time' holds an end after the chunk was written."),
        (0, {"end": [inf, -inf]}, "chunk",
         "column 'end_time' holds an end before its event or NaN."),
        (0, {"drop_end": True, "meta": _ended([], [])}, "chunk",
         "it records deactivations but no end_time column."),
        (1, {"meta": _ended([1], [1.5])}, "run",
         "chunk 1 ends an event that was not active at the previous chunk."),
        (2, {"meta": _ended([0], [2.5])}, "run",  # event 0 ended in chunk 1 already
         "chunk 2 ends an event that was not active at the previous chunk."),
        (1, {"meta": _ended([0], [0.95])}, "run",
         "chunk 1 ends an event before it started or before the previous chunk was written."),
        (1, {"meta": _ended([0], [-1.0])}, "run",
         "chunk 1 ends an event before it started or before the previous chunk was written."),
        (1, {"meta": {"live": ds.encode_array(np.array([0, 2]))}}, "run",
         "chunk 1 lists a live event that has ended."),
        (1, {"end": [1.8]}, "run", "chunk 1 lists a live event that has ended."),
        (1, {"meta": {"live": ds.encode_array(np.array([1, 2]))}}, "run",
         "chunk 1 lists a live event it cannot have."),
        (1, {"meta": {"live": ds.encode_array(np.array([3]))}}, "run",
         "chunk 1 lists a live event after its end."),
        (1, {"meta": _ended([], [])}, "run",  # event 0 neither ended nor live
         "chunk 1 drops a live event that has not ended."),
        (2, {"meta": _ended([], [])}, "run", "chunk 2 drops a live event that has not ended."),
        (1, {"drop_end": True}, "run",
         "chunk 1 differs from the previous ones in having an end_time column."),
        (0, {"drop_end": True}, "run",
         "chunk 1 differs from the previous ones in having an end_time column."),
    ]
    bad = tmp_path / "bad"
    for index, changes, kind, reason in cases:
        shutil.rmtree(bad, ignore_errors=True)
        shutil.copytree(good, bad)
        part = bad / f"part-{index:06d}.parquet"
        _rewrite_chunk(part, **changes)
        expected = (f"Cannot read chunk {part}: " if kind == "chunk"
                    else f"Cannot read the streamed run at {bad}: ") + reason
        for call in (lambda: ds.read_events(bad), lambda: ds.summarise(bad),
                     lambda: list(ds.iter_chunks(bad))):
            assert _message(call) == expected, (index, changes)
    # a discrete dataset cannot have an end_time column
    two_chunks(tmp_path / "discrete")
    part = tmp_path / "discrete" / "part-000000.parquet"
    table = pq.read_table(part)
    pq.write_table(table.add_column(4, "end_time", pa.array([1.0, 2.0])), part)
    assert _message(lambda: list(ds.iter_chunks(tmp_path / "discrete"))) == (
        f"Cannot read chunk {part}: columns ['time', 'neuron', 'avalanche', 'generation', "
        "'end_time', 'parents'].")
    # resuming at a later chunk checks what the chunks read can tell
    assert [c.index for c in ds.iter_chunks(good, start=1)] == [1, 2]
    shutil.rmtree(bad)
    shutil.copytree(good, bad)
    _rewrite_chunk(bad / "part-000002.parquet", meta=_ended([0], [2.5]))
    assert [c.index for c in ds.iter_chunks(bad, start=2)] == [2]  # chunk 1 unread
    assert _message(lambda: list(ds.iter_chunks(bad, start=1))).endswith(
        "chunk 2 ends an event that was not active at the previous chunk.")


@settings(max_examples=40, deadline=None)
@given(ids=st.lists(st.integers(-3, 5) | st.integers(-2**63, 2**63 - 1), max_size=4),
       times=st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.floats(0, 3),
                      max_size=4),
       index=st.sampled_from([1, 2]))
def test_crafted_deactivation_records_never_crash(ids, times, index):
    """Any deactivation record a chunk may hold is either consistent (the replayed
    end_time has every event ending after it started, and the out-of-core lifetimes
    equal those of the replayed events) or refused with CorruptFileError, by
    read_events and the out-of-core pass alike."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        lifetime_chunks(f"{folder}/run")
        times = (times + [1.5] * len(ids))[:len(ids)]
        _rewrite_chunk(f"{folder}/run/part-{index:06d}.parquet", meta=_ended(ids, times))
        try:
            events = ds.read_events(f"{folder}/run")
        except CorruptFileError:
            for call in (ds.summarise, netaval.Avalanches.from_dataset):
                with pytest.raises(CorruptFileError):
                    call(f"{folder}/run")
            return
        assert np.all(events.end_time >= events.time)
        np.testing.assert_array_equal(netaval.Avalanches.from_dataset(f"{folder}/run").lifetime,
                                      netaval.Avalanches.from_events(events).lifetime)


@pytest.mark.parametrize("name", ["contact_process", "facilitated_contact"])
def test_streamed_lifetimes_equal_the_in_memory_ones(tmp_path, monkeypatch, name):
    """`simulate(..., out=)` with small chunks: the reloaded end_time equals the in-memory
    one exactly, including deactivations recorded chunks after their event and in a last
    chunk without events; a crashed writer's completed chunks give the in-memory end_time
    of every deactivation up to the last one written, inf after it."""
    import warnings

    import topologies

    sim = __import__("importlib").import_module("netaval.simulate")
    monkeypatch.setattr(sim, "_CHUNK_EVENTS_BOUNDED", 5)
    model = {"contact_process": netaval.ContactProcess(rate=1.2),
             "facilitated_contact": netaval.FacilitatedContact(rate=1.0, omega=1.0)}[name]
    net = topologies.random(300, k=8, seed=2)
    kwargs = {"protocol": "spreading", "initial": list(range(0, 300, 8)), "seed": 11}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", netaval.NetavalWarning)
        full = netaval.simulate(net, model, **kwargs)
        netaval.simulate(net, model, out=tmp_path / "run", **kwargs)
    end = full.events.end_time
    back = ds.read_events(tmp_path / "run")
    np.testing.assert_array_equal(back.end_time, end)
    np.testing.assert_array_equal(back.time, full.events.time)
    chunks = list(ds.iter_chunks(tmp_path / "run"))
    later = sum(len(c.ended_ids) for c in chunks)
    assert len(chunks) > 10 and later > 100  # most deactivations come chunks later
    assert later == np.count_nonzero(end > np.repeat(
        [c.end_time for c in chunks], [c.n_events for c in chunks]))
    if name == "contact_process":  # its last flush has deactivations and no activations
        assert chunks[-1].n_events == 0 and len(chunks[-1].ended_ids) > 0
    lifetime = netaval.Avalanches.from_events(back, alive=full.alive_avalanches).lifetime
    np.testing.assert_array_equal(lifetime, full.avalanches.lifetime)
    # the writer crashed after chunk k
    k = len(chunks) // 2
    for index in range(k + 1, len(chunks)):
        os.remove(tmp_path / "run" / f"part-{index:06d}.parquet")
    manifest = json.loads((tmp_path / "run" / "_manifest.json").read_text())
    (tmp_path / "run" / "_manifest.json").write_text(json.dumps({**manifest, "complete": False}))
    n_kept = chunks[k].first_event + chunks[k].n_events
    crashed = ds.read_events(tmp_path / "run")
    known = end[:n_kept] <= chunks[k].end_time
    assert known.any() and not known.all()
    np.testing.assert_array_equal(crashed.end_time, np.where(known, end[:n_kept], np.inf))


# ------------------------------- survivors of the full mutation run (session 4), pinned
def test_writer_converts_the_columns_to_their_stored_dtypes(tmp_path):
    """Any integer dtype (or a list) is stored as the documented column dtype, checksums
    included, so the chunk reads back (int32 offsets, int times of a continuous run, an
    offsets buffer longer than the chunk)."""
    path = tmp_path / "run"
    writer = ds.DatasetWriter(path, metadata={}, continuous=True, n_nodes=2)
    writer.write_chunk([0, 1], np.array([0, 1], np.int16), np.array([0, 0], np.int32),
                       np.array([0, 1], np.int8), np.array([0, 0, 1, 1], np.int32),
                       np.array([0], np.int32), live=np.array([1], np.int32), end_time=2)
    writer.close({"end_time": 2})
    (chunk,) = ds.iter_chunks(path)
    assert chunk.time.dtype == np.float64 and chunk.time.tolist() == [0.0, 1.0]
    assert chunk.parent_indptr.dtype == np.int64 and chunk.parent_indptr.tolist() == [0, 0, 1]
    assert chunk.parent_ids.tolist() == [0] and chunk.avalanche.dtype == np.int64


def test_manifest_that_is_not_utf8_is_a_corrupt_file(tmp_path):
    """Bytes that are not text are refused as a malformed manifest, never UnicodeDecodeError."""
    path = tmp_path / "run"
    ds.DatasetWriter(path, metadata={}, continuous=False, n_nodes=1)
    (path / "_manifest.json").write_bytes(b'{"format": "\xff"}')
    assert _message(lambda: ds.read_manifest(path)).startswith(
        f"Cannot read the streamed run at {path}: its manifest is malformed (UnicodeDecodeError: ")


def test_read_events_bounds_the_last_avalanche_id_exactly(tmp_path, monkeypatch):
    """The avalanche id bound is checked on the chunk's last event, the limit included: a
    (forged) id 3 with the bound at 3 is refused by read_events itself, before Events."""
    import netaval.events

    path = tmp_path / "run"
    writer = forged_writer(path, metadata={}, continuous=False, n_nodes=3)
    writer.write_chunk(np.array([0, 1, 2]), np.array([0, 1, 2]), np.array([0, 1, 3]),
                       np.array([0, 0, 0]), np.array([0, 0, 0, 0]), np.array([], np.int64),
                       live=np.array([2]), end_time=3)
    writer.close({"end_time": 3})
    monkeypatch.setattr(netaval.events, "MAX_EVENTS_IN_MEMORY", 3)  # 3 events fit, id 3 does not
    with pytest.raises(InvalidParameterError) as info:
        ds.read_events(path)
    assert str(info.value).startswith(
        "The 'path' parameter of read_events names a streamed run of more than 3 events or "
        "avalanches, more than one in-memory Events holds;")


def _chunks(path, *chunks, final=None, metadata=None, forge=False):
    """A discrete dataset on 3 nodes from (time, neuron, avalanche, generation, indptr,
    parent_ids, live) tuples, closed with end_time = 1 + the last time (``forge``:
    unchecked, `forged_writer`)."""
    writer = (forged_writer if forge else ds.DatasetWriter)(
        path, metadata={} if metadata is None else metadata, continuous=False, n_nodes=3)
    for time, neuron, avalanche, generation, indptr, parents, live in chunks:
        writer.write_chunk(np.array(time), np.array(neuron), np.array(avalanche),
                           np.array(generation), np.array(indptr), np.array(parents, np.int64),
                           live=np.array(live, np.int64), end_time=time[-1] + 1)
    writer.close({"end_time": chunks[-1][0][-1] + 1} if final is None else final)
    return path


def test_summarise_follows_one_carried_event_and_counts_shared_steps(tmp_path):
    """One live event carried over (and still live after the next chunk); a step split
    between two chunks is counted once with every event in it."""
    path = _chunks(tmp_path / "a",
                   ([0, 0], [0, 1], [0, 1], [0, 0], [0, 0, 0], [], [1]),
                   ([0, 1], [2, 0], [2, 1], [0, 1], [0, 0, 1], [1], [1, 3]))
    summary = ds.summarise(path)
    assert summary.activity.tolist() == [3, 1]
    assert summary.summaries["size"].tolist() == [1, 2, 1] and summary.alive.tolist() == [1]
    above = _chunks(tmp_path / "b",  # a parent id above the only live one
                    ([0, 1], [0, 1], [0, 0], [0, 1], [0, 0, 1], [0], [0]),
                    ([2], [2], [0], [2], [0, 1], [1], []), forge=True)
    assert _message(lambda: ds.summarise(above)) == (
        f"Cannot read the streamed run at {above}: chunk 1 names a parent that is neither in "
        "the chunk nor live at its start.")


def test_streams_without_carried_events_count_every_event(tmp_path):
    """protocol_params without n_carried: nothing is carried. A list is summarised the same,
    but does not load: it would be the Run's protocol_params, whose n_events then raised
    AttributeError."""
    for params in ({}, {"burn_in": 0}, [1]):
        path = tmp_path / str(len(str(params)))
        two_chunks(path, metadata={"protocol_params": params}, forge=isinstance(params, list))
        assert ds.summarise(path).activity.tolist() == [1, 1, 1, 1, 0], params
        if isinstance(params, list):
            assert _message(lambda path=path: netaval.load(path)) == (
                f"Cannot load the streamed run at {path}: its metadata entry 'protocol_params' "
                "must be a JSON object or null. Got [1].")
            continue
        run = netaval.load(path)
        assert run.activity.tolist() == [1, 1, 1, 1, 0], params
        assert run.protocol_params == params and run.n_events == 4
        assert run.avalanches.truncated.tolist() == [False, True], params


def test_summarised_activity_spans_the_run_window(tmp_path):
    """ceil(end_time) bins in continuous time, none for an unfinished discrete run without
    chunks (its end is 0)."""
    path = tmp_path / "run"
    two_chunks(path, continuous=True, final={"end_time": 5.5})
    assert ds.summarise(path).activity.tolist() == [1, 1, 1, 1, 0, 0]
    ds.DatasetWriter(tmp_path / "bare", metadata={}, continuous=False, n_nodes=1)
    summary = ds.summarise(tmp_path / "bare")
    assert (summary.end_time, summary.activity.tolist()) == (0, [])


def test_writer_stores_lifetimes_in_their_documented_dtypes(tmp_path):
    """Integer end times and int32 ended ids are stored as float64 / int64, so they read back."""
    path = tmp_path / "run"
    writer = ds.DatasetWriter(path, metadata={}, continuous=True, n_nodes=2)
    writer.write_chunk(np.array([0.0, 1.0]), np.array([0, 1]), np.array([0, 0]),
                       np.array([0, 1]), np.array([0, 0, 1]), np.array([0]), live=np.array([1]),
                       end_time=2, event_end_time=np.array([1.0, np.inf]))
    writer.write_chunk(np.array([2.0]), np.array([0]), np.array([1]), np.array([0]),
                       np.array([0, 0]), np.array([], np.int64), live=np.array([], np.int64),
                       end_time=4, event_end_time=[3], ended_ids=np.array([1], np.int32),
                       ended_times=[3])
    writer.close({"end_time": 4})
    assert ds.read_events(path).end_time.tolist() == [1.0, 3.0, 3.0]


def test_lifetimes_of_zero_length_are_valid_at_every_boundary(tmp_path):
    """An event may end the instant it starts, in its own chunk or in the next one when it
    started exactly when its chunk was written (the checks are strict inequalities; 2.5:
    an event at an integer end time would lie past the activity of a dataset cut there)."""
    path = tmp_path / "run"
    writer = ds.DatasetWriter(path, metadata={}, continuous=True, n_nodes=2)
    writer.write_chunk(np.array([0.0, 2.5]), np.array([0, 1]), np.array([0, 1]),
                       np.array([0, 0]), np.array([0, 0, 0]), np.array([], np.int64),
                       live=np.array([1]), end_time=2.5, event_end_time=np.array([0.0, np.inf]))
    writer.write_chunk(np.array([3.0]), np.array([0]), np.array([2]), np.array([0]),
                       np.array([0, 0]), np.array([], np.int64), live=np.array([], np.int64),
                       end_time=4, event_end_time=np.array([3.0]), ended_ids=np.array([1]),
                       ended_times=np.array([2.5]))
    writer.close({"end_time": 4})
    assert ds.read_events(path).end_time.tolist() == [0.0, 2.5, 3.0]


def test_lifetimes_are_checked_from_a_later_start_chunk(tmp_path):
    """iter_chunks(start=1): events live before the first chunk read have an unknown start,
    which never refuses their deactivation."""
    path = tmp_path / "run"
    writer = ds.DatasetWriter(path, metadata={}, continuous=True, n_nodes=3)
    inf = np.inf
    writer.write_chunk(np.array([0.0]), np.array([0]), np.array([0]), np.array([0]),
                       np.array([0, 0]), np.array([], np.int64), live=np.array([0]),
                       end_time=1, event_end_time=np.array([inf]))
    writer.write_chunk(np.array([1.0]), np.array([1]), np.array([0]), np.array([1]),
                       np.array([0, 1]), np.array([0]), live=np.array([0, 1]), end_time=2,
                       event_end_time=np.array([inf]))
    writer.write_chunk(np.array([3.0]), np.array([2]), np.array([1]), np.array([0]),
                       np.array([0, 0]), np.array([], np.int64), live=np.array([1, 2]),
                       end_time=4, event_end_time=np.array([inf]), ended_ids=np.array([0]),
                       ended_times=np.array([2.5]))
    writer.close({"end_time": 4})
    chunks = list(ds.iter_chunks(path, start=1))
    assert [c.index for c in chunks] == [1, 2] and chunks[1].ended_ids.tolist() == [0]


def test_streamed_lifetimes_keep_avalanches_that_ended_in_earlier_chunks(tmp_path):
    """Per-avalanche lifetimes over chunks: ended in chunk 0 (1.5), ended in chunk 1 by a
    deactivation record (3.5 - 1.0), started and ended in chunk 1 (0.25)."""
    path = tmp_path / "run"
    writer = ds.DatasetWriter(path, metadata={}, continuous=True, n_nodes=2)
    writer.write_chunk(np.array([0.0, 1.0]), np.array([0, 1]), np.array([0, 1]), np.array([0, 0]),
                       np.array([0, 0, 0]), np.array([], np.int64), live=np.array([1]),
                       end_time=2, event_end_time=np.array([1.5, np.inf]))
    writer.write_chunk(np.array([3.0]), np.array([0]), np.array([2]), np.array([0]),
                       np.array([0, 0]), np.array([], np.int64), live=np.array([], np.int64),
                       end_time=4, event_end_time=np.array([3.25]), ended_ids=np.array([1]),
                       ended_times=np.array([3.5]))
    writer.close({"end_time": 4})
    assert ds.summarise(path).summaries["lifetime"].tolist() == [1.5, 2.5, 0.25]


def test_every_public_entry_point_names_its_parameter_exactly(tmp_path):
    """Each public function and method of netaval.io.dataset refuses a bad value with the
    message naming the parameter, the function and the bound (no other function's name, no
    foreign error), and accepts the values at its bounds (an empty network: n_nodes = 0)."""
    path = tmp_path / "run"
    two_chunks(path)
    owner = "DatasetWriter"
    for kwargs, message in [
        ({"path": 3}, f"The 'path' parameter of {owner} must be a str or path-like object. "
                      "Got int instead."),
        ({"continuous": 2}, f"The 'continuous' parameter of {owner} must be a bool. Got 2 "
                            "instead."),
        ({"n_nodes": -1}, f"The 'n_nodes' parameter of {owner} must be an int in the range "
                          "[0, 2147483647]. Got -1 instead."),
        ({"n_nodes": 2**31}, f"The 'n_nodes' parameter of {owner} must be an int in the range "
                             "[0, 2147483647]. Got 2147483648 instead."),
        ({"metadata": []}, f"The 'metadata' parameter of {owner} must be a dict. Got list "
                           "instead."),
        ({"metadata": {"a": 1j}}, f"The 'metadata' parameter of {owner}: Cannot save a value "
                                  "of type complex: 1j."),
    ]:
        call = {"path": tmp_path / "new", "metadata": {}, "continuous": False, "n_nodes": 2,
                **kwargs}
        assert raised_message(InvalidParameterError, ds.DatasetWriter, call.pop("path"),
                              **call) == message, kwargs
    assert not (tmp_path / "new").exists()  # refused before the directory is made
    for n_nodes in (0, 2**31 - 1):
        writer = ds.DatasetWriter(tmp_path / f"nodes{n_nodes}", metadata={}, continuous=False,
                                  n_nodes=n_nodes)
        writer.close({"end_time": 0})
        assert ds.read_manifest(tmp_path / f"nodes{n_nodes}")["n_nodes"] == n_nodes
    writer = ds.DatasetWriter(tmp_path / "w", metadata={}, continuous=False, n_nodes=2)
    assert raised_message(InvalidParameterError, writer.close, []) == (
        "The 'final' parameter of DatasetWriter.close must be a dict. Got list instead.")
    for function in (ds.is_dataset, ds.read_manifest, ds.iter_chunks, ds.read_events,
                     ds.summarise, ds.load_dataset):
        assert raised_message(InvalidParameterError, function, 3.5) == (
            f"The 'path' parameter of {function.__name__} must be a str or path-like object. "
            "Got float instead.")
    for start in (-1, 1.0):
        assert raised_message(InvalidParameterError, ds.iter_chunks, path, start=start) == (
            f"The 'start' parameter of iter_chunks must be an int in the range [0, inf). Got "
            f"{start!r} instead.")
    writer = ds.DatasetWriter(tmp_path / "c", metadata={}, continuous=True, n_nodes=2)
    good = dict(time=np.array([0.0, 1.0]), neuron=np.array([0, 1]), avalanche=np.array([0, 0]),
                generation=np.array([0, 1]), parent_indptr=np.array([0, 0, 1]),
                parent_ids=np.array([0]), live=np.array([1]), end_time=2.0,
                event_end_time=np.array([1.5, np.inf]), ended_ids=None, ended_times=None)
    owner = "DatasetWriter.write_chunk"
    for change, message in [
        ({"time": np.array(["0", "1"])}, f"The 'time' parameter of {owner} must hold "
         "integers or floats. Got dtype <U1 instead."),
        ({"avalanche": np.zeros((2, 1), np.int64)}, f"The 'avalanche' parameter of {owner} must "
         "be 1-dimensional. Got shape (2, 1) instead."),
        ({"parent_ids": np.array([0.5])}, f"The 'parent_ids' parameter of {owner} must hold "
         "integers. Got fractional or infinite values."),
        ({"event_end_time": np.array([np.nan, np.inf])}, f"The 'event_end_time' parameter of "
         f"{owner} must not hold NaN."),
        ({"event_end_time": np.array([1.5])}, f"The 'event_end_time' parameter of {owner} "
         "must have 2 entries. Got 1."),
        ({"ended_ids": np.array([np.inf]), "ended_times": np.array([1.0])}, f"The 'ended_ids' "
         f"parameter of {owner} must hold integers. Got fractional or infinite values."),
        ({"ended_ids": np.array([0]), "ended_times": np.array(["1"])}, f"The 'ended_times' "
         f"parameter of {owner} must hold integers or floats. Got dtype <U1 instead."),
    ]:
        assert raised_message(InvalidParameterError, writer.write_chunk,
                              **{**good, **change}) == message, change
    # a ragged list numpy cannot make an array of (once numpy's ValueError), its reason kept
    assert raised_message(InvalidParameterError, writer.write_chunk,
                          **{**good, "neuron": [[0], [1, 2]]}).startswith(
        f"The 'neuron' parameter of {owner} must be a 1-dimensional array of numbers (")
    assert writer.n_chunks == 0


def test_writer_stores_integral_floats_and_the_dtype_bounds_exactly(tmp_path):
    """Integer columns accept integral floats and every value of their dtype, the bounds
    included, and store exactly those values; a column longer than the chunk is refused
    naming it (only the parent offsets may be a longer buffer)."""
    lo, hi = -2**31, 2**31 - 1
    writer = forged_writer(tmp_path / "run", metadata={}, continuous=False, n_nodes=2)
    good = dict(time=np.array([0.0, 1.0]), neuron=np.array([lo, hi]),
                avalanche=np.array([0.0, 0.0]), generation=np.array([hi, lo], np.int64),
                parent_indptr=np.array([0.0, 0.0, 1.0, 5.0]), parent_ids=np.array([0.0]),
                live=np.array([1.0]), end_time=2)
    assert raised_message(InvalidParameterError, writer.write_chunk,
                          **{**good, "time": np.array([0, 1, 2])}) == (
        "The 'time' parameter of DatasetWriter.write_chunk must have 2 entries. Got 3.")
    writer.write_chunk(**good)
    (chunk,) = ds.iter_chunks(tmp_path / "run")
    assert chunk.time.dtype == np.int64 and chunk.time.tolist() == [0, 1]
    assert chunk.neuron.tolist() == [lo, hi] and chunk.generation.tolist() == [hi, lo]
    assert chunk.avalanche.tolist() == [0, 0] and chunk.parent_indptr.tolist() == [0, 0, 1]
    assert chunk.parent_ids.tolist() == [0] and chunk.live.tolist() == [1]


def test_resuming_after_the_last_chunk_still_checks_the_chunk_before(tmp_path):
    """iter_chunks(start=k) reads chunk k - 1's metadata when called, also when k is the
    number of chunks present (a reader polling a growing dataset that has caught up): a
    damaged last chunk is reported then, not taken as the end of the stream."""
    path = tmp_path / "run"
    two_chunks(path)
    assert list(ds.iter_chunks(path, start=2)) == [] and list(ds.iter_chunks(path, start=5)) == []
    last = path / "part-000001.parquet"
    _rewrite_chunk(last, drop=("first_event",))
    assert _message(lambda: ds.iter_chunks(path, start=2)) == (
        f"Cannot read chunk {last}: its metadata is malformed (KeyError: 'first_event').")
    assert list(ds.iter_chunks(path, start=3)) == []  # past the end: nothing to check against
