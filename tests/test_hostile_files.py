"""Hostile and careless files, crafted through the real writers and then damaged (red team,
session 7): each either loads as what was saved or raises a netaval error naming what is
wrong; a case that once crashed the interpreter runs in a subprocess."""

import json
import math
import os
import shutil
import stat

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import netaval
from netaval.io import read_network
from tests.forge import forged_writer
from tests.isolated import run_isolated

# ------------------------------------------------ networks: scipy .npz
FORGED_COMPRESSED = {  # arrays as scipy.sparse.save_npz writes them, the structure forged
    "indptr-not-monotone": dict(format=b"csr", data=[1.0], indices=[1], indptr=[0, 5, 1, 1]),
    "indptr-past-the-end": dict(format=b"csr", data=[1.0], indices=[1], indptr=[0, 1, 1, 9]),
    "index-out-of-range": dict(format=b"csr", data=[1.0], indices=[7], indptr=[0, 1, 1, 1]),
    "negative-index": dict(format=b"csc", data=[1.0], indices=[-2], indptr=[0, 1, 1, 1]),
    "csc-not-monotone": dict(format=b"csc", data=[1.0, 2.0], indices=[0, 1],
                             indptr=[0, 2, 0, 2]),
    "bsr-index-out-of-range": dict(format=b"bsr", data=[[[1.0]]], indices=[7],
                                   indptr=[0, 1, 1, 1]),
}


def test_forged_compressed_npz_never_crashes_the_interpreter(tmp_path):
    """A .npz whose CSR/CSC structure is forged (offsets that go back or past the end,
    indices out of range) is a CorruptFileError. It reached scipy's C++ routines unchecked:
    heap corruption, 'free(): invalid size' and an abort at the latest when the interpreter
    exits, or a foreign RuntimeError / ValueError."""
    for name, arrays in FORGED_COMPRESSED.items():
        np.savez(tmp_path / f"{name}.npz", shape=np.array([3, 3]),
                 **{key: np.array(value) for key, value in arrays.items()})
    done = run_isolated(f"""
        import netaval
        from netaval.io import read_network
        for name in {sorted(FORGED_COMPRESSED)!r}:
            for _ in range(20):  # the corruption shows at a later allocation or at exit
                try:
                    read_network(name + ".npz")
                except netaval.CorruptFileError as exc:
                    message = str(exc)
                else:
                    raise SystemExit(name + " loaded")
            assert message.startswith(name + ".npz: not a "), message
            print(name, "refused")
        """, tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == [word for name in sorted(FORGED_COMPRESSED)
                                   for word in (name, "refused")]


def test_complex_npz_is_refused_like_complex_matrix_market(tmp_path):
    """A complex .npz loaded as a network with its imaginary weights silently dropped (1j
    became 0, then no edge); Matrix Market files with complex weights were refused."""
    sp.save_npz(tmp_path / "c.npz", sp.csr_array(np.array([[0, 1j], [2.0, 0]])))
    with pytest.raises(netaval.MalformedNetworkError) as info:
        read_network(tmp_path / "c.npz")
    assert str(info.value) == f"{tmp_path / 'c.npz'}: complex weights are not synaptic weights."


# ------------------------------------------------ streamed datasets: the manifest
def _edited(tmp_path, name, edit, **kwargs):
    """A streamed run (`two_chunks`: 4 events, times 0-3, end time 5) whose manifest
    ``edit`` changed."""

    from tests.test_dataset import two_chunks

    path = tmp_path / name
    two_chunks(path, **kwargs)
    manifest = json.loads((path / "_manifest.json").read_text())
    edit(manifest)
    (path / "_manifest.json").write_text(json.dumps(manifest))
    return path


MANIFEST_DAMAGE = {  # each loaded (silently wrong) or raised a foreign error before
    # memory bombs: buffers sized by the manifest (7 PiB of activity / 29 TiB of rows)
    "end-1e15": (lambda m: m["final"].update(end_time=1e15), "entry final 'end_time' must be "
                 "a float in the range [0, 268435456]. Got 1000000000000000.0."),
    "n-nodes-1e12": (lambda m: m.update(n_nodes=10**12), "entry 'n_nodes' must be an int in "
                     "the range [0, 2147483647]. Got 1000000000000."),
    # foreign ValueError / TypeError / AttributeError
    "end-nan": (lambda m: m["final"].update(end_time=float("nan")), "entry final 'end_time' "
                "must be a float in the range [0, 268435456]. Got nan."),
    "end-text": (lambda m: m["final"].update(end_time="5"), "entry final 'end_time' must be "
                 "a float in the range [0, 268435456]. Got '5'."),
    "final-missing": (lambda m: m.pop("final"), "entry 'final' must be a JSON object. Got None."),
    "metadata-list": (lambda m: m.update(metadata=[1]), "entry 'metadata' must be a JSON "
                      "object. Got [1]."),
    "series-list": (lambda m: m["final"].update(series=[1]), "entry final 'series' must be a "
                    "JSON object. Got [1]."),
    # silently wrong: a negative end time, "no" read as True, 2.7 neurons
    "end-negative": (lambda m: m["final"].update(end_time=-5), "entry final 'end_time' must "
                     "be a float in the range [0, 268435456]. Got -5."),
    "complete-text": (lambda m: m.update(complete="no"), "entry 'complete' must be a bool. "
                      "Got 'no'."),
    "truncated-text": (lambda m: m["final"].update(truncated="no"), "entry final 'truncated' "
                       "must be a bool. Got 'no'."),
    "n-nodes-float": (lambda m: m.update(n_nodes=2.7), "entry 'n_nodes' must be an int in the "
                      "range [0, 2147483647]. Got 2.7."),
    # the entries of a complete run, and an optional final entry after a missing one
    "n-events-missing": (lambda m: m.pop("n_events"), "has no 'n_events' entry."),
    "n-chunks-negative": (lambda m: m.update(n_chunks=-1), "entry 'n_chunks' must be an int in "
                          "the range [0, inf). Got -1."),
    "wall-time-negative": (lambda m: m["final"].update(wall_time=-1.0), "entry final "
                           "'wall_time' must be a float in the range [0, inf). Got -1.0."),
}


@pytest.mark.parametrize("name", sorted(MANIFEST_DAMAGE))
def test_damaged_manifest_entries_are_named(tmp_path, name):
    edit, reason = MANIFEST_DAMAGE[name]
    path = _edited(tmp_path, name, edit)
    with pytest.raises(netaval.CorruptFileError) as info:
        netaval.load(path)
    assert str(info.value) == f"Cannot read the streamed run at {path}: its manifest {reason}"


def _load_message(path):
    with pytest.raises(netaval.CorruptFileError) as info:
        netaval.load(path)
    return str(info.value)


def test_manifest_disagreeing_with_the_chunks_is_refused(tmp_path):
    """Counts and times the chunks contradict loaded as the manifest said: 999 events for
    4, an end time before the last event (activity longer than the window), 10**20 carried
    events (``run.n_events`` 10**20), n_carried 'x' (foreign ValueError)."""
    path = _edited(tmp_path, "count", lambda m: m.update(n_events=999))
    assert _load_message(path) == (f"Cannot read the streamed run at {path}: its chunks hold "
                                   "4 events, the manifest says 999.")
    path = _edited(tmp_path, "early", lambda m: m["final"].update(end_time=1))
    assert _load_message(path) == (f"Cannot read the streamed run at {path}: its events run "
                                   "to bin 3, past its end time 1.")
    path = _edited(tmp_path, "carried", lambda m: m["metadata"].update(
        protocol_params={"n_carried": 10**20}))
    assert _load_message(path) == (f"Cannot read the streamed run at {path}: its 4 events "
                                   "cannot include n_carried = 100000000000000000000 carried "
                                   "ones.")
    path = _edited(tmp_path, "carried-text", lambda m: m["metadata"].update(
        protocol_params={"n_carried": "x"}))
    assert _load_message(path) == (f"Cannot read the streamed run at {path}: its protocol "
                                   "parameter 'n_carried' must be an int >= 0. Got 'x'.")
    path = _edited(tmp_path, "carried-negative", lambda m: m["metadata"].update(
        protocol_params={"n_carried": -1}))
    with pytest.raises(netaval.CorruptFileError) as info:
        list(netaval.io.dataset.iter_chunks(path))
    assert str(info.value) == (f"Cannot read the streamed run at {path}: its protocol "
                               "parameter 'n_carried' must be an int >= 0. Got -1.")


def test_discrete_fractional_end_time_bins_whole_steps_as_a_saved_run(tmp_path):
    """A discrete run's activity has one bin per whole step before its end time, streamed
    or saved: a forged end time of 4.5 gives 4 bins, not ceil(4.5) = 5."""
    path = _edited(tmp_path, "run", lambda m: m["final"].update(end_time=4.5))
    run = netaval.load(path)
    assert (run.end_time, run.activity.tolist()) == (4.5, [1, 1, 1, 1])
    saved = netaval.Run(netaval.io.dataset.read_events(path), run.activity, None, {}, None,
                        "driven", end_time=4.5)
    saved.save(tmp_path / "saved.parquet")
    assert netaval.load(tmp_path / "saved.parquet").activity.tolist() == [1, 1, 1, 1]


def test_null_n_carried_is_a_run_without_carried_events(tmp_path):
    """``n_carried: null`` (what a protocol without continuation may record) loads as 0:
    every event counts in the activity, no avalanche is marked alive for it."""
    plain = netaval.load(_edited(tmp_path, "zero", lambda m: m["metadata"].update(
        protocol_params={"n_carried": 0})))
    null = netaval.load(_edited(tmp_path, "null", lambda m: m["metadata"].update(
        protocol_params={"n_carried": None})))
    assert null.activity.tolist() == plain.activity.tolist() == [1, 1, 1, 1, 0]
    assert null.alive_avalanches.tolist() == plain.alive_avalanches.tolist()


@pytest.mark.parametrize("entry, value, reason", [
    ("seed", -1, "entry 'seed' must be an int in the range [0, inf) or None. Got -1."),
    ("protocol", 5, "entry 'protocol' must be a str or null. Got 5."),
    ("model", "branching", "entry 'model' must be a JSON object or null. Got 'branching'."),
    ("network", [1], "entry 'network' must be a JSON object or null. Got [1]."),
    ("rng_state", 5, "entry 'rng_state' must be a JSON object or null. Got 5."),
    ("model", {"class": 5}, "entry 'model' is malformed (KeyError: 'params')."),
    ("protocol_params", {"burn_in": "x"}, "entry protocol_params 'burn_in' must be a float in "
     "the range (-inf, inf) or None. Got 'x'."),
], ids=["seed", "protocol", "model-text", "network", "rng-state", "model-dict", "burn-in"])
def test_run_metadata_of_a_streamed_run_is_checked_like_a_saved_one(tmp_path, entry, value,
                                                                     reason):
    """What becomes a Run field: a negative seed and a numeric protocol loaded as such; a
    malformed model raised KeyError / TypeError; a text burn_in blamed from_summaries."""
    path = _edited(tmp_path, "run", lambda m: m["metadata"].update({entry: value}))
    assert _load_message(path) == f"Cannot load the streamed run at {path}: its metadata {reason}"


def test_streamed_run_too_large_for_memory_is_refused_before_allocating(tmp_path, monkeypatch):
    """A manifest's n_nodes (within int32) sizes the out-of-core pass's rows, 64 bytes per
    neuron: 1e9 neurons asked for 60 GiB and raised MemoryError."""
    path = _edited(tmp_path, "big", lambda m: m.update(n_nodes=10**9))
    monkeypatch.setattr("netaval._memory.available_memory", lambda: 2**34)
    with pytest.raises(netaval.InvalidParameterError) as info:
        netaval.load(path)
    assert str(info.value) == (
        "The 'path' parameter of summarise names a streamed run of 1000000000 neurons, whose "
        "out-of-core pass needs 59.6 GiB for them, more than the 16.0 GiB of memory available.")


def _chunk_with_times(path, times, end_time, final_end=None, *, n_carried=0, forge=True):
    """One chunk of roots at ``times`` (forged: the writer refuses what the readers must;
    ``forge=False`` for a valid one, which the writer then accepts too)."""
    from netaval.io import dataset as ds

    n = len(times)
    writer = (forged_writer if forge else ds.DatasetWriter)(
        path, metadata={"protocol_params": {"n_carried": n_carried}}, continuous=True,
        n_nodes=2)
    writer.write_chunk(np.array(times, float), np.zeros(n, np.int32), np.arange(n),
                       np.zeros(n, np.int32), np.zeros(n + 1, np.int64), np.zeros(0, np.int64),
                       live=np.zeros(0, np.int64), end_time=end_time)
    writer.close({"end_time": end_time if final_end is None else final_end})
    return path


TIMES = "has times that are not finite and non-decreasing"
CHUNK_END = "is not a time in [0, MAX_ACTIVITY_BINS] at or after its events"


@pytest.mark.parametrize("times, chunk_end, final_end, reason", [
    ([0.5, -3.0, 1.0], 2.0, 2.0, TIMES),   # going back: counted into bin 1 from the end
    ([-3.0, -2.0], 2.0, 2.0, TIMES),       # before the window, not carried: bins from the end
    ([0.5, float("inf")], 2.0, 2.0, CHUNK_END),   # foreign OverflowError from the binning
    ([0.5, 1e15], 1e15 + 1, 2.0, CHUNK_END),      # a memory bomb through the activity
    ([0.5, 1.5], 1.0, 2.0, CHUNK_END),             # events after their chunk was written
], ids=["decreasing", "negative", "inf", "beyond-max-bins", "after-chunk-end"])
def test_chunk_times_are_checked_before_they_are_binned(tmp_path, times, chunk_end, final_end,
                                                        reason):
    path = _chunk_with_times(tmp_path / "run", times, chunk_end, final_end)
    message = _load_message(path)
    assert reason in message and message.startswith("Cannot read "), message
    with pytest.raises(netaval.CorruptFileError, match=reason.replace("[", r"\[")):
        netaval.io.dataset.read_events(path)  # the same check guards every reader


def _chunks_with_times(path, chunks, *, n_carried=0, forge=True):
    """Chunks of roots at the times of each list in ``chunks``, each written at its last
    time (or 0), the run closed at the last one (forged unless ``forge=False``, as in
    `_chunk_with_times`)."""
    from netaval.io import dataset as ds

    writer = (forged_writer if forge else ds.DatasetWriter)(
        path, metadata={"protocol_params": {"n_carried": n_carried}}, continuous=True,
        n_nodes=2)
    first, end = 0, 0.0
    for times in chunks:
        n = len(times)
        end = max([end, *times])
        writer.write_chunk(np.array(times, float), np.zeros(n, np.int32),
                           np.arange(first, first + n), np.zeros(n, np.int32),
                           np.zeros(n + 1, np.int64), np.zeros(0, np.int64),
                           live=np.zeros(0, np.int64), end_time=end)
        first += n
    writer.close({"end_time": end})
    return path


@pytest.mark.parametrize("chunks, n_carried, index", [
    ([[1.0, 0.5]], 0, 0),                     # two events going back
    ([[-0.5, 1.0]], 0, 0),                    # the first event alone before the window
    ([[0.5, 268435456.0]], 0, 0),             # the last exactly at MAX_ACTIVITY_BINS
    ([[-1.0], [0.5, 268435456.0]], 1, 1),     # after the carried events, in a later chunk
], ids=["two-decreasing", "first-negative", "at-max-bins", "later-chunk"])
def test_chunk_times_refusals_name_the_run_and_chunk(tmp_path, chunks, n_carried, index):
    """The time rules at their boundaries, read chunk by chunk (no activity is binned)."""
    path = _chunks_with_times(tmp_path / "run", chunks, n_carried=n_carried)
    with pytest.raises(netaval.CorruptFileError) as info:
        list(netaval.io.dataset.iter_chunks(path))
    previous = "-inf" if index == 0 else chunks[index - 1][-1]
    assert str(info.value) == (
        f"Cannot read the streamed run at {path}: chunk {index} has times that are not "
        f"finite and non-decreasing (from {previous} at the previous chunk), or that lie "
        "outside [0, MAX_ACTIVITY_BINS = 268435456) after the carried events.")


def test_chunk_times_within_the_rules_load(tmp_path):
    """The accepted side of those boundaries: equal times, a carried event before the
    window, a last time just below MAX_ACTIVITY_BINS (read chunk by chunk)."""
    path = _chunks_with_times(tmp_path / "run", [[-1.0], [0.5, 0.5, 268435455.5]],
                              n_carried=1, forge=False)
    chunks = list(netaval.io.dataset.iter_chunks(path))
    assert [chunk.time.tolist() for chunk in chunks] == [[-1.0], [0.5, 0.5, 268435455.5]]


def test_a_chunk_written_before_the_window_is_refused(tmp_path):
    """A chunk end time below 0 (no events to compare it with) is refused like one
    past MAX_ACTIVITY_BINS."""
    path = _chunk_with_times(tmp_path / "run", [], -1.0, final_end=2.0)
    with pytest.raises(netaval.CorruptFileError) as info:
        list(netaval.io.dataset.iter_chunks(path))
    assert str(info.value) == (f"Cannot read chunk {path / 'part-000000.parquet'}: its end "
                               "time -1.0 is not a time in [0, MAX_ACTIVITY_BINS] at or after "
                               "its events.")


def test_carried_events_before_the_window_still_load(tmp_path):
    """Continuation runs carry activations with times before 0: those stay valid."""
    path = _chunk_with_times(tmp_path / "run", [-2.0, -1.0, 0.5], 2.0, n_carried=2,
                             forge=False)
    run = netaval.load(path)
    assert run.n_events == 3 and run.activity.tolist() == [1, 0]


# ------------------------------------------------ spike files
@pytest.mark.parametrize("text, labels", [
    ("0,99999999999999999999999\n1,1\n", ["1", "99999999999999999999999"]),  # was -2**63
    ("0,18446744073709551615\n1,1\n", ["1", "18446744073709551615"]),          # was -1
    ("0,1e300\n1,1\n", ["1", "1e300"]),                                        # was -2**63
    ("0,inf\n1,1\n", ["1", "inf"]),                                            # was -2**63
    ("0,7\n1,-1\n", [-1, 7]),
], ids=["beyond-uint64", "uint64-max", "1e300", "inf", "plain"])
def test_unit_ids_are_kept_exactly(tmp_path, text, labels):
    """Unit ids are integers only when int64 holds every one exactly; otherwise they stay
    the strings of the file (they were cast to int64, wrapping to -2**63 or -1)."""
    (tmp_path / "s.csv").write_text("time,unit\n" + text)
    spikes = netaval.io.read_spikes(tmp_path / "s.csv")
    assert spikes.unit_labels.tolist() == labels


@pytest.mark.parametrize("time", ["1e20", "18446744073709551615", "9300000000000000000"])
def test_step_times_beyond_int64_are_refused_naming_the_line(tmp_path, time):
    """Step times the int64 cast wrapped to -2**63 were refused as 'not sorted'."""
    (tmp_path / "s.csv").write_text(f"time,unit\n0,1\n{time},1\n")
    with pytest.raises(netaval.CorruptFileError) as info:
        netaval.io.read_spikes(tmp_path / "s.csv", time_unit="steps")
    assert str(info.value) == (f"{tmp_path / 's.csv'}, line 3: time_unit='steps' needs integer "
                               f"times below 2**63 (2**53 when written as decimals); got "
                               f"{time!r}.")


def test_step_times_in_int64_are_exact(tmp_path):
    """An int64 step count beyond 2**53 went through float64 and came back rounded."""
    (tmp_path / "s.csv").write_text("time,unit\n0,1\n9007199254740993,1\n")
    assert netaval.io.read_spikes(tmp_path / "s.csv").time.tolist()[1] == 2**53 + 1


def test_spike_source_that_is_not_a_regular_file_is_refused(tmp_path):
    """A FIFO named .csv blocked read_spikes forever (open waits for a writer); a folder
    named .csv raised IsADirectoryError."""
    os.mkfifo(tmp_path / "fifo.csv")
    (tmp_path / "folder.csv").mkdir()
    done = run_isolated("""
        import netaval
        for name in ("fifo.csv", "folder.csv"):
            try:
                netaval.io.read_spikes(name)
            except netaval.InvalidParameterError as exc:
                print(exc)
        """, tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == [
        f"The 'source' parameter of read_spikes must name a regular file. Got {name!r}, "
        "which is not one." for name in ("fifo.csv", "folder.csv")]


def test_binary_unit_column_is_a_corrupt_file(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"time": [0.5, 1.0], "unit": pa.array([b"\xff", b"a"])}),
                   tmp_path / "s.parquet")
    with pytest.raises(netaval.CorruptFileError, match="unit column 'unit' holds bytes that "
                                                       "are not text"):
        netaval.io.read_spikes(tmp_path / "s.parquet")


# ------------------------------------------------ output paths
def _small_run():
    net = netaval.Network.from_edges([0, 1], [1, 0], n_nodes=2)
    return netaval.simulate(net, netaval.Branching(sigma=0.5, drive=0.3), n_steps=20, seed=1)


def test_saving_over_a_non_regular_file_is_refused_and_leaves_it(tmp_path):
    """The temporary file was renamed over whatever the path named: a FIFO (or, for root,
    /dev/null: ``netaval run --out /dev/null`` turned the device into a regular file) was
    replaced, a directory failed only after the write."""
    os.mkfifo(tmp_path / "fifo.parquet")
    (tmp_path / "folder.parquet").mkdir()
    run = _small_run()
    for name in ("fifo.parquet", "folder.parquet"):
        with pytest.raises(OSError) as info:
            run.save(tmp_path / name)
        assert str(info.value) == (f"Could not write {tmp_path / name}: it exists and is not a "
                                   "regular file (a directory, device, FIFO or socket). Nothing "
                                   "was written.")
    assert stat.S_ISFIFO(os.lstat(tmp_path / "fifo.parquet").st_mode)
    assert sorted(os.listdir(tmp_path)) == ["fifo.parquet", "folder.parquet"]  # no temporary
    (tmp_path / "real.parquet").write_bytes(b"old")
    os.symlink(tmp_path / "real.parquet", tmp_path / "link.parquet")
    run.save(tmp_path / "link.parquet")  # a link is replaced by the file, as before
    assert netaval.load(tmp_path / "link.parquet").n_events == run.n_events


@pytest.mark.parametrize("out, message", [
    ("", "--out '' names a directory; give a file name."),
    ("fifo", "--out 'fifo' is not a regular file (a device, FIFO or socket); give a file name."),
], ids=["empty", "fifo"])
def test_cli_refuses_outputs_it_could_not_write_before_simulating(tmp_path, monkeypatch,
                                                                  capsys, out, message):
    """--out '' failed after the whole run (the save went to the working directory's parent);
    a FIFO or a device was replaced by the file."""
    from netaval.cli import main

    monkeypatch.chdir(tmp_path)
    os.mkfifo(tmp_path / "fifo")
    monkeypatch.setattr(netaval, "simulate", lambda *a, **k: pytest.fail("simulated"))
    assert main(["run", "--topology", "random", "--param", "k=2", "--n-nodes", "10",
                 "--model", "branching", "--param", "sigma=0.5", "--n-steps", "5",
                 "--out", out]) == 2
    assert capsys.readouterr().err == f"netaval: error: {message}\n"


def test_cli_negative_seed_and_out_of_memory_are_one_line(tmp_path, monkeypatch, capsys):
    """--seed -5 said only 'expected non-negative integer' (numpy's words); a MemoryError
    the size estimates let through was a traceback."""
    import topologies
    from netaval.cli import main

    monkeypatch.chdir(tmp_path)
    args = ["run", "--topology", "random", "--param", "k=2", "--n-nodes", "10", "--model",
            "branching", "--param", "sigma=0.5", "--n-steps", "5", "--out", "r.parquet"]
    assert main([*args, "--seed", "-5"]) == 2
    assert capsys.readouterr().err == "netaval: error: --seed must be a non-negative integer. " \
                                      "Got -5.\n"

    def exhausted(*args, **kwargs):
        raise MemoryError("Unable to allocate 12.0 GiB for an array")

    monkeypatch.setattr(topologies, "generate", exhausted)
    assert main(args) == 2
    assert capsys.readouterr().err == ("netaval: error: out of memory (Unable to allocate 12.0 "
                                       "GiB for an array); try a smaller network or run.\n")
    assert not (tmp_path / "r.parquet").exists()


# ------------------------------------------------ networks: sizes a small file declares
MM = "%%MatrixMarket matrix coordinate real general\n"


@pytest.mark.parametrize("text, reason", [
    (MM + "3 3 1000000000000\n1 2 1.0\n", "a 3 x 3 matrix of 1000000000000 entries, which "
     "needs about 44703.5 GiB"),                                     # was 3.6 TiB asked for
    ("%%MatrixMarket matrix array real general\n100000 100000\n1.0\n", "a 100000 x 100000 "
     "matrix of 10000000000 entries, which needs about 447.0 GiB"),  # a dense 75 GiB array
    (MM + "2000000000 2000000000 1\n1 2 1.0\n", "a 2000000000 x 2000000000 matrix of 1 "
     "entries, which needs about 44.7 GiB"),                         # the CSR row offsets
], ids=["entries", "dense", "rows"])
def test_matrix_market_sizes_are_checked_before_allocating(tmp_path, monkeypatch, text, reason):
    """A 60-byte Matrix Market file made scipy allocate what its header claims: a foreign
    MemoryError (or, within the machine's memory, tens of GiB)."""
    monkeypatch.setattr("netaval._memory.available_memory", lambda: 16 * 2**30)
    (tmp_path / "m.mtx").write_text(text)
    with pytest.raises(netaval.InvalidParameterError) as info:
        read_network(tmp_path / "m.mtx")
    assert str(info.value) == (f"The 'path' parameter of read_network: {tmp_path / 'm.mtx'} "
                               f"declares {reason}, more than the 16.0 GiB of memory available.")


def test_matrices_beyond_network_size_are_malformed(tmp_path):
    (tmp_path / "m.mtx").write_text(MM + "3000000000 3000000000 1\n1 1 1.0\n")
    sp.save_npz(tmp_path / "c.npz", sp.coo_array(([1.0], ([0], [1])), shape=(3 * 10**9,) * 2))
    for name in ("m.mtx", "c.npz"):
        with pytest.raises(netaval.MalformedNetworkError) as info:
            read_network(tmp_path / name)
        assert str(info.value) == (f"{tmp_path / name}: a network has at most 2147483647 "
                                   "neurons; the file declares a 3000000000 x 3000000000 "
                                   "matrix.")


def test_matrix_market_integer_beyond_range_is_a_corrupt_file(tmp_path):
    (tmp_path / "m.mtx").write_text("%%MatrixMarket matrix coordinate integer general\n"
                                    "3 3 1\n1 2 99999999999999999999999\n")
    with pytest.raises(netaval.CorruptFileError, match="Integer out of range"):  # OverflowError
        read_network(tmp_path / "m.mtx")


GRAPHML = ('<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
           '<key id="x" for="node" attr.name="x" attr.type="{x_type}"/>'
           '<key id="w" for="edge" attr.name="weight" attr.type="long"/>'
           '<graph edgedefault="directed"><node id="a"><data key="x">{x}</data></node>'
           '<node id="b"><data key="x">1</data></node>'
           '<edge source="a" target="b"><data key="w">{w}</data></edge></graph></graphml>')


@pytest.mark.parametrize("x_type, x, w, reason", [
    ("string", "abc", 1, "node 'a' has x='abc'; node positions must be finite numbers."),
    ("double", "1", "9" * 400, f"edge (a, b) has weight={'9' * 400}; weights must be finite "
     "non-negative numbers on every edge."),
    ("boolean", "true", 1, "node 'a' has x=True; node positions must be finite numbers."),
], ids=["text-position", "weight-beyond-float", "boolean-position"])
def test_graphml_values_that_are_not_finite_numbers_are_malformed(tmp_path, x_type, x, w,
                                                                  reason):
    """A text position raised a foreign ValueError, a 400-digit weight a foreign TypeError
    from numpy."""
    (tmp_path / "g.graphml").write_text(GRAPHML.format(x_type=x_type, x=x, w=w))
    with pytest.raises(netaval.MalformedNetworkError) as info:
        read_network(tmp_path / "g.graphml")
    assert str(info.value) == f"{tmp_path / 'g.graphml'}: {reason}"


# ------------------------------------------------ saved runs: network provenance
@pytest.mark.parametrize("n_nodes, shown", [(10**12, "1000000000000"), ("40", "'40'"),
                                            (1, "1"), (True, "True")],
                         ids=["1e12", "text", "below-the-neurons", "bool"])
def test_saved_network_size_must_hold_the_events(tmp_path, n_nodes, shown):
    """The saved network's n_nodes sizes per-neuron arrays in the readers: 10**12 made
    ``netaval analyse`` allocate 8 TB (MemoryError traceback), text raised ValueError, a
    size below the neurons recorded loaded. Checked like the rest of the metadata."""

    import pyarrow.parquet as pq

    from tests.test_io_integrity import _rewrite

    run = _small_run()
    run.save(tmp_path / "run.parquet")
    meta = json.loads(pq.read_table(tmp_path / "run.parquet").schema.metadata[b"netaval"])
    network = {**meta["network"], "n_nodes": n_nodes}
    _rewrite(tmp_path / "run.parquet", tmp_path / "bad.parquet", network=network)
    with pytest.raises(netaval.CorruptFileError) as info:
        netaval.load(tmp_path / "bad.parquet")
    assert str(info.value) == (
        f"Cannot load a run from {tmp_path / 'bad.parquet'}: the metadata is inconsistent: the "
        f"network's 'n_nodes' must be an int in [2, 2147483647] (its events name neurons up "
        f"to 1). Got {shown}.")


# ------------------------------------------------ runaway contact rates
def test_saturating_contact_rates_stop_with_a_clear_error(tmp_path):
    """ContactProcess / FacilitatedContact simulate contact by contact; once a huge rate
    has activated every node, each step is a contact with an active node, so rate=1e20 ran
    for ever inside the kernel, out of reach of Ctrl-C and of max_events (no event
    happens). After 2**24 steps in a row that change nothing the run stops with
    RunawayActivityError (in a subprocess: a regression hangs)."""
    done = run_isolated("""
        import netaval
        net = netaval.Network.from_edges([0, 1, 2], [1, 2, 0], n_nodes=3)
        for model in (netaval.ContactProcess(rate=1e20, drive=1.0),
                      netaval.FacilitatedContact(rate=1e20, drive=1.0)):
            try:
                netaval.simulate(net, model, duration=10.0, max_events=1000, seed=1)
            except netaval.RunawayActivityError as exc:
                print(exc)
        """, tmp_path, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert len(lines) == 2
    for line, name in zip(lines, ("ContactProcess", "FacilitatedContact"), strict=True):
        assert "16777216 contacts in a row hit active neurons only. " + name + \
            "(rate=1e+20) saturates the network" in line, line


# ------------------------------------------------ streamed datasets: fuzzed manifests
JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**70, 2**70)
                    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=6)
KEYS = [("n_nodes",), ("continuous",), ("complete",), ("metadata",), ("n_events",),
        ("n_chunks",), ("final",), ("final", "end_time"), ("final", "truncated"),
        ("final", "wall_time"), ("final", "series"), ("metadata", "seed"),
        ("metadata", "protocol"), ("metadata", "model"), ("metadata", "network"),
        ("metadata", "protocol_params"), ("metadata", "protocol_params", "n_carried"),
        ("metadata", "protocol_params", "burn_in"), ("metadata", "rng_state")]


@pytest.fixture(scope="module")
def streamed(tmp_path_factory):
    from tests.test_dataset import two_chunks

    path = tmp_path_factory.mktemp("fuzz") / "run"
    two_chunks(path, metadata={"protocol": "driven", "protocol_params": {}})
    good = json.loads((path / "_manifest.json").read_text())
    return path, good, netaval.load(path)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_manifest_entries_load_faithfully_or_are_refused(streamed, data):
    """Any JSON value in any manifest entry the readers use: the run loads as the chunks
    say (its events, activity and avalanches unchanged) or raises a netaval error; before
    the manifest checks, such values raised foreign errors or loaded silently wrong."""
    path, good, expected = streamed
    key = data.draw(st.sampled_from(KEYS))
    value = data.draw(JSON)
    manifest = json.loads(json.dumps(good))
    target = manifest
    for part in key[:-1]:
        if not isinstance(target.get(part), dict):
            target[part] = {}
        target = target[part]
    target[key[-1]] = value
    (path / "_manifest.json").write_text(json.dumps(manifest))
    try:
        run = netaval.load(path)
    except netaval.errors.NetavalError:
        return
    finally:
        (path / "_manifest.json").write_text(json.dumps(good))
    assert run.n_events == expected.n_events
    assert np.array_equal(run.avalanches.size, expected.avalanches.size)
    assert len(run.activity) >= 4 and run.activity[:4].tolist() == expected.activity[:4].tolist()
    assert isinstance(run.truncated, bool) and run.end_time >= 3


# ------------------------------------------------ spike binning
@pytest.mark.parametrize("spikes, width, count", [
    (lambda: netaval.Spikes.from_arrays([0.0, 1.0, 2.0]), 1e-300, "2e+300"),   # OverflowError
    (lambda: netaval.Spikes.from_arrays([0.0, 1.0, 2.0]), 1e-9, "2e+09"),      # 15 GiB asked
    (lambda: netaval.Spikes.from_arrays([-1e308, 1e308]), 1.0, "inf"),        # OverflowError
], ids=["1e-300", "1e-9", "infinite-window"])
def test_binned_activity_is_bounded_like_a_run(spikes, width, count):
    """Spikes.binned_activity allocated one int64 per bin, however many: MemoryError for a
    1e-9 s width over 2 s, OverflowError for 1e-300 or a window of 2e308. It has the bound
    of a run's activity, MAX_ACTIVITY_BINS."""
    recording = spikes()
    with pytest.raises(netaval.InvalidParameterError) as info:
        recording.binned_activity(width)
    assert str(info.value).startswith(f"The 'bin_width' parameter of Spikes.binned_activity "
                                      f"gives {count} bins over the window ")
    assert str(info.value).endswith(f"more than MAX_ACTIVITY_BINS = 268435456 (8 bytes each). "
                                    f"Got {width!r}.")


@pytest.mark.parametrize("width", [math.inf, math.nan, True, 0.0, -1.0, "1"])
def test_binned_activity_refuses_widths_that_are_not_positive_finite_numbers(width):
    """An infinite width gave one bin, True a width of 1 (bool is an int)."""
    with pytest.raises(netaval.InvalidParameterError) as info:
        netaval.Spikes.from_arrays([0.0, 1.0]).binned_activity(width)
    assert str(info.value) == ("The 'bin_width' parameter of Spikes.binned_activity must be a "
                               f"positive finite number. Got {width!r} instead.")


def test_binned_activity_counts_each_bin_from_the_window_start():
    """Bins of width w from the window's start, one per started bin up to its end (trailing
    empty bins kept), at least one, int64; the tests reaching it checked only the sums."""
    recording = netaval.Spikes.from_arrays([2.1, 2.3, 2.8, 3.4], start=2.0, end=3.5)
    activity = recording.binned_activity(0.25)
    assert activity.dtype == np.int64 and activity.tolist() == [1, 1, 0, 1, 0, 1]
    assert netaval.Spikes.from_arrays([2.1], start=2.0, end=3.0).binned_activity(
        0.25).tolist() == [1, 0, 0, 0]
    assert netaval.Spikes.from_arrays([0.1, 0.2], start=0.0, end=0.5).binned_activity(
        1.0).tolist() == [2]
    # the last spike's bin rounds up to 17 of 17 (found by search): it stays in the last
    start, width, end = -9.328288493890714, 0.7323588919656446, 3.1218126695252444
    last = netaval.Spikes.from_arrays([3.121812669525244], start=start, end=end)
    assert np.floor((3.121812669525244 - start) / width) == 17
    assert last.binned_activity(width).tolist() == [0] * 16 + [1]


def test_binned_activity_takes_exactly_max_activity_bins(monkeypatch):
    """The bound is inclusive: a width giving exactly MAX_ACTIVITY_BINS bins is binned
    (checked with the bound lowered to 4 bins, 1 s wide over a 4 s window)."""
    monkeypatch.setattr("netaval._memory.MAX_ACTIVITY_BINS", 4)
    recording = netaval.Spikes.from_arrays([0.0, 1.5, 3.5], start=0.0, end=4.0)
    assert recording.binned_activity(1.0).tolist() == [1, 1, 0, 1]
    with pytest.raises(netaval.InvalidParameterError, match="gives 4.01 bins"):
        recording.binned_activity(4.0 / 4.01)


def test_default_activity_of_long_step_recordings_is_refused():
    """Steps spanning 1e15 asked numpy for 7 PiB through ``Spikes.activity``."""
    recording = netaval.Spikes.from_arrays(np.array([0, 10**15]), time_unit="steps")
    with pytest.raises(netaval.InvalidParameterError, match="gives 1e\\+15 bins"):
        recording.activity  # noqa: B018
    assert netaval.binning.detect_binned_avalanches(recording).size.sum() == 2  # unbinned


# ------------------------------------------------ per-avalanche summaries
def _summaries(**changes):
    base = {name: np.array([1]) for name in ("root", "size", "duration", "depth", "n_neurons",
                                             "n_generations", "start", "end", "offspring")}
    base["alive"] = np.array([False])
    return {**base, **changes}


@pytest.mark.parametrize("changes, shown", [
    (dict(size=np.array([-5])), "in 'size' integers >= 0 (finite). Got dtype int64, values [-5]."),
    (dict(size=np.array([1.7])), "in 'size' integers >= 0 (finite). Got dtype float64, values "
     "[1.7]."),
    (dict(start=np.array([np.nan])), "in 'start' integers (finite). Got dtype float64, values "
     "[nan]."),
    (dict(alive=np.array(["no"])), "in 'alive' bools (finite). Got dtype <U2, values ['no']."),
], ids=["negative-size", "fractional-size", "nan-start", "text-alive"])
def test_summaries_are_refused_unless_the_casts_are_exact(changes, shown):
    """from_summaries cast every array: size -5 gave a branching ratio of -0.2, size 1.7
    became 1, NaN became -2**63, 'no' a foreign ValueError."""
    with pytest.raises(netaval.InvalidParameterError) as info:
        netaval.Avalanches.from_summaries(_summaries(**changes), time_step=1.0)
    assert str(info.value) == f"The 'summaries' parameter of Avalanches.from_summaries must hold {shown}"


def test_network_from_edges_beyond_memory_is_refused(monkeypatch):
    """from_edges([], [], n_nodes=2**31 - 1) asked numpy for 16 GiB of row offsets."""
    monkeypatch.setattr("netaval._memory.available_memory", lambda: 2**33)
    with pytest.raises(netaval.InvalidParameterError) as info:
        netaval.Network.from_edges([], [], n_nodes=2**31 - 1)
    assert str(info.value) == (
        "The 'n_nodes' parameter of Network.from_edges asks for 2147483647 neurons, whose row "
        "offsets need 32.0 GiB, more than the 8.0 GiB of memory available. Got 2147483647.")


def test_run_files_that_are_not_regular_files_are_refused(tmp_path):
    """A FIFO where load, a streamed run's reader or a resumed iter_chunks expects a file
    blocked forever (open and pyarrow wait for a writer): refused naming the file."""
    from tests.test_dataset import two_chunks

    two_chunks(tmp_path / "run", metadata={"protocol": "driven", "protocol_params": {}})
    os.mkfifo(tmp_path / "run.parquet")
    for name, fifo in (("chunk", "part-000001.parquet"), ("first", "part-000000.parquet"),
                       ("manifest", "_manifest.json")):
        shutil.copytree(tmp_path / "run", tmp_path / name)
        os.remove(tmp_path / name / fifo)
        os.mkfifo(tmp_path / name / fifo)
    done = run_isolated("""
        import netaval
        from netaval.io.dataset import iter_chunks
        calls = [lambda: netaval.load("run.parquet"), lambda: netaval.load("chunk"),
                 lambda: list(iter_chunks("first", start=1)),
                 lambda: netaval.Avalanches.from_dataset("manifest")]
        for call in calls:
            try:
                call()
            except (netaval.InvalidParameterError, netaval.CorruptFileError) as exc:
                print(exc)
        """, tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == [
        "The 'path' parameter of load must name a saved run (a regular file) or a streamed "
        "run (a folder). Got 'run.parquet', which is neither.",
        "Cannot read chunk chunk/part-000001.parquet: not a regular file.",
        "Cannot read chunk first/part-000000.parquet: not a regular file.",
        "Cannot read the streamed run at manifest: its manifest is not a regular file."]
