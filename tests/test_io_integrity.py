"""Whole-file integrity of saved runs (issue 11): every outcome of loading a damaged or
rewritten file is a faithful load or a `CorruptFileError` naming what is wrong."""

import json
import os
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_hostile_input import run_isolated
from test_io import assert_runs_equal, signed_metadata

import netaval
import topologies
from netaval.errors import CorruptFileError
from netaval.io import load

DATA = os.path.join(os.path.dirname(__file__), "data")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A small saved Branching run (multi-parent events, truncated avalanches)."""
    net = topologies.random(40, k=4, seed=1)
    run = netaval.simulate(net, netaval.Branching(sigma=1.0, drive=0.02), n_steps=60, seed=3)
    assert run.events.n_events > 50 and len(run.alive_avalanches)
    path = tmp_path_factory.mktemp("saved") / "run.parquet"
    run.save(path)
    return run, path


def _rewrite(path, target, **changes):
    """Copy ``path`` to ``target`` with metadata entries changed, checksum recomputed."""
    table = pq.read_table(path)
    meta = json.loads(table.schema.metadata[b"netaval"])
    for key, value in changes.items():
        if value is KeyError:
            del meta[key]
        else:
            meta[key] = value
    pq.write_table(table.replace_schema_metadata(signed_metadata(meta)), target)
    return target


@pytest.mark.parametrize("key", ["truncated", "end_time", "seed", "protocol", "model",
                                 "network", "activity", "time_step", "rng_state",
                                 "alive_avalanches", "protocol_params"])
def test_metadata_rewritten_without_checksum_is_refused(saved, tmp_path, key):
    """Rewriting one metadata entry (keeping the old checksum) is detected."""
    run, path = saved
    table = pq.read_table(path)
    meta = json.loads(table.schema.metadata[b"netaval"])
    new = {"truncated": not meta["truncated"], "end_time": 59, "seed": 4,
           "protocol": "isolated", "network": {"topology": "lattice"}, "time_step": 2.0,
           "rng_state": {"state": 1}, "protocol_params": {}}.get(key, None)
    assert new != meta[key]
    meta[key] = new
    old = table.schema.metadata[b"netaval.crc32"]
    bad = table.replace_schema_metadata({b"netaval": json.dumps(meta).encode(),
                                         b"netaval.crc32": old})
    pq.write_table(bad, tmp_path / "bad.parquet")
    with pytest.raises(CorruptFileError, match="checksum of the metadata does not match"):
        load(tmp_path / "bad.parquet")


def test_footer_metadata_overriding_the_stored_schema_is_refused(saved, tmp_path):
    """A file whose footer key-value metadata (what ParquetFile.read returns) differs from
    the stored Arrow schema's copy (what pq.read_table and pyarrow.dataset return) is
    refused, even when the footer's copy is a validly signed rewrite: other readers would
    read another run."""
    run, path = saved
    table = pq.read_table(path)
    meta = json.loads(table.schema.metadata[b"netaval"])
    meta["seed"] = 4
    with pq.ParquetWriter(tmp_path / "two.parquet", table.schema) as writer:
        writer.write_table(table)
        writer.add_key_value_metadata(signed_metadata(meta))
    with pq.ParquetFile(tmp_path / "two.parquet") as parquet:  # the crafted file's two copies
        assert parquet.read().schema.metadata != parquet.schema_arrow.metadata
    assert pq.read_table(tmp_path / "two.parquet").schema.metadata == table.schema.metadata
    with pytest.raises(CorruptFileError) as info:
        load(tmp_path / "two.parquet")
    assert str(info.value) == (f"Cannot load a run from {tmp_path / 'two.parquet'}: the two "
                               "copies of the metadata (Parquet footer and Arrow schema) differ.")


def test_one_flipped_bit_in_the_metadata_is_refused(saved, tmp_path):
    """A single bit flip anywhere in the metadata JSON (found in the file's bytes) fails."""
    _, path = saved
    data = path.read_bytes()
    raw = pq.read_table(path).schema.metadata[b"netaval"]
    start = data.index(raw[:40])
    for offset in np.linspace(start, start + len(raw) - 1, 25).astype(int):
        flipped = bytearray(data)
        flipped[offset] ^= 0x04
        (tmp_path / "f.parquet").write_bytes(bytes(flipped))
        with pytest.raises(CorruptFileError):
            load(tmp_path / "f.parquet")


@pytest.mark.parametrize("key", ["model", "activity", "checksums", "n_events", "seed",
                                 "truncated", "end_time", "version", "rng_state"])
def test_missing_metadata_key_is_a_corrupt_file_never_a_key_error(saved, tmp_path, key):
    """A missing key raises CorruptFileError naming it (was a bare KeyError)."""
    _, path = saved
    _rewrite(path, tmp_path / "m.parquet", **{key: KeyError})
    with pytest.raises(CorruptFileError, match=f"no '{key}' entry"):
        load(tmp_path / "m.parquet")


def test_missing_metadata_checksum_is_refused(saved, tmp_path):
    """A version-2 file without its metadata checksum is refused."""
    _, path = saved
    table = pq.read_table(path)
    raw = table.schema.metadata[b"netaval"]
    pq.write_table(table.replace_schema_metadata({b"netaval": raw}), tmp_path / "n.parquet")
    with pytest.raises(CorruptFileError, match="checksum of the metadata is missing"):
        load(tmp_path / "n.parquet")


@pytest.mark.parametrize(("changes", "message"), [
    (dict(truncated="yes"), "inconsistent: 'truncated' must be a bool"),
    (dict(end_time=10**6), "bins, but end_time"),
    (dict(end_time=float("nan")), "end_time"),
    (dict(protocol="sideways"), "'protocol' must be one of"),
    (dict(seed=-3), "'seed' must be"),
    (dict(time_step=None), "dtype int64, expected float64"),
    (dict(alive_avalanches={"__ndarray__": "", "dtype": "<i4", "shape": [10**12]}),
     "malformed"),
], ids=["truncated", "end-time", "end-time-nan", "protocol", "seed", "time-step", "zip-bomb"])
def test_inconsistent_metadata_is_refused(saved, tmp_path, changes, message):
    """Metadata that disagrees with itself or with the events is refused, even with a
    recomputed checksum."""
    _, path = saved
    _rewrite(path, tmp_path / "c.parquet", **changes)
    with pytest.raises(CorruptFileError, match=message):
        load(tmp_path / "c.parquet")


def test_activity_must_match_the_events(saved, tmp_path):
    """An activity that does not count the events is refused."""
    run, path = saved
    activity = run.activity.copy()
    activity[0] += 1
    from netaval.io._json import encode_array

    _rewrite(path, tmp_path / "a.parquet", activity=encode_array(activity))
    with pytest.raises(CorruptFileError, match="'activity' counts"):
        load(tmp_path / "a.parquet")


def _rewrite_columns(path, target, transform):
    """Rewrite the event table through ``transform`` and recompute every checksum."""
    from netaval.io._json import crc

    table = pq.read_table(path)
    meta = json.loads(table.schema.metadata[b"netaval"])
    columns = transform({name: table.column(name).combine_chunks() for name in
                         table.column_names})
    new = pa.table(columns)
    parents = new.column("parents").combine_chunks()
    arrays = {name: new.column(name).to_numpy() for name in ("time", "neuron", "avalanche",
                                                             "generation")}
    arrays["parent_indptr"] = parents.offsets.to_numpy().astype(np.int64)
    arrays["parent_ids"] = parents.flatten().to_numpy()
    meta["checksums"] = {name: crc(a) for name, a in arrays.items()}
    pq.write_table(new.replace_schema_metadata(signed_metadata(meta)), target)


def test_reversed_rows_with_recomputed_checksums_are_refused(saved, tmp_path):
    """Rows reversed (CRCs recomputed) used to load and fail later: the Events rules catch
    them on load, in a subprocess in case anything reaches a kernel."""
    _, path = saved
    _rewrite_columns(path, tmp_path / "r.parquet",
                     lambda cols: {k: v.take(pa.array(np.arange(len(v))[::-1]))
                                   for k, v in cols.items()})
    with pytest.raises(CorruptFileError, match="events are inconsistent"):
        load(tmp_path / "r.parquet")


def test_a_corrupted_column_is_a_checksum_error_before_a_structure_error(saved, tmp_path):
    """`load` runs the checksums and the structural pass of Events at once (two threads);
    rows reversed WITHOUT recomputing the checksums break both, and the checksum, which
    says more, is the one reported."""
    _, path = saved
    table = pq.read_table(path)
    reversed_rows = table.take(pa.array(np.arange(table.num_rows)[::-1]))
    pq.write_table(reversed_rows.replace_schema_metadata(table.schema.metadata),
                   tmp_path / "c.parquet")
    with pytest.raises(CorruptFileError, match="the checksum of 'time' does not match"):
        load(tmp_path / "c.parquet")


def test_out_of_range_parents_never_crash_info_export_or_avalanches(saved, tmp_path):
    """A file with out-of-range parent ids (consistent CRCs) used to segfault `netaval info`,
    `netaval export` and ``run.avalanches``: now each refuses it."""
    _, path = saved

    def scramble(cols):
        parents = cols["parents"]
        ids = parents.flatten().to_numpy().copy()
        ids[-1] = 2**30
        cols["parents"] = pa.LargeListArray.from_arrays(parents.offsets, pa.array(ids))
        return cols

    bad = tmp_path / "p.parquet"
    _rewrite_columns(path, bad, scramble)
    out = run_isolated(f"""
        import subprocess, sys, netaval
        try:
            netaval.load({str(bad)!r}).avalanches
        except netaval.CorruptFileError as exc:
            print("refused", "parent_ids" in str(exc))
        for args in (["info", {str(bad)!r}], ["export", {str(bad)!r}, "--out",
                                                 {str(tmp_path / 'x.graphml')!r}]):
            done = subprocess.run([sys.executable, "-m", "netaval", *args],
                                  capture_output=True, text=True)
            print(done.returncode, len(done.stderr.strip().splitlines()),
                  "Traceback" in done.stderr)
    """)
    assert out.split() == ["refused", "True", "2", "1", "False", "2", "1", "False"]


@pytest.mark.parametrize("name", ["branching_driven", "branching_truncated", "contact_driven"])
def test_version_1_files_keep_loading(name):
    """Files written by format version 1 (committed, never regenerated) load exactly."""
    with open(os.path.join(DATA, "format_v1_expected.json")) as handle:
        expected = json.load(handle)[name]
    run = load(os.path.join(DATA, f"format_v1_{name}.parquet"))
    ev = run.events
    assert ev.n_events == expected["n_events"]
    assert (ev.time_step is None) == expected["continuous"]
    for column in ("avalanche", "generation", "neuron", "parent_ids"):
        assert int(getattr(ev, column).astype(np.int64).sum()) == expected[f"{column}_sum"]
    assert float(ev.time.sum()) == pytest.approx(expected["time_sum"], rel=1e-12)
    assert int(ev.parent_indptr[-1]) == expected["parent_indptr_last"]
    assert float(run.activity.sum()) == expected["activity_sum"]
    assert run.alive_avalanches.tolist() == expected["alive_avalanches"]
    assert run.end_time == pytest.approx(expected["end_time"], rel=1e-12)
    assert run.truncated == expected["truncated"] and run.protocol == expected["protocol"]
    assert repr(run.model) == expected["model"]
    assert run.avalanches.size.sum() == ev.n_events  # reaches the kernels safely


@pytest.fixture(scope="module")
def fuzz_source(tmp_path_factory):
    """A tiny run (small file, fast loads) and its bytes."""
    net = topologies.random(12, k=3, seed=2)
    run = netaval.simulate(net, netaval.Branching(sigma=1.0, drive=0.05), n_steps=12, seed=5)
    path = tmp_path_factory.mktemp("fuzz") / "run.parquet"
    run.save(path)
    return run, path.read_bytes()


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzz_damaged_files_load_faithfully_or_raise_corrupt(fuzz_source, tmp_path, data):
    """Truncation or bit flips anywhere in the file (data pages, footer, metadata): every
    outcome is an exact load or CorruptFileError, nothing else."""
    run, original = fuzz_source
    content = bytearray(original)
    if data.draw(st.booleans(), label="truncate"):
        content = content[:data.draw(st.integers(0, len(content) - 1), label="length")]
    else:
        for _ in range(data.draw(st.integers(1, 4), label="n_flips")):
            offset = data.draw(st.integers(0, len(content) - 1), label="offset")
            content[offset] ^= 1 << data.draw(st.integers(0, 7), label="bit")
    target = tmp_path / "fuzzed.parquet"
    target.write_bytes(bytes(content))
    try:
        back = load(target)
    except CorruptFileError:
        return
    assert_runs_equal(run, back)


def test_save_refuses_a_run_it_could_not_load_back(saved, tmp_path):
    """A Run whose metadata contradicts its events is refused by save (so every saved file
    loads), naming the inconsistency."""
    run, _ = saved
    bad = netaval.Run(**{**run.__dict__, "activity": run.activity[:-1]})
    with pytest.raises(netaval.InvalidParameterError, match="'run' parameter of save_run.*bins"):
        bad.save(tmp_path / "never.parquet")
    assert not os.listdir(tmp_path)


def test_temporaries_of_interrupted_saves_are_removed_by_the_next_save(saved, tmp_path):
    """A killed save leaves .NAME.XXXXXXXX.tmp; the next save to that folder removes stale
    ones (netaval's pattern, older than this process) and nothing else."""
    run, _ = saved
    old = time.time() - 3600
    stale = [tmp_path / ".run.parquet.abcd1234.tmp", tmp_path / ".other.parquet.zz_9yy00.tmp"]
    keep = [tmp_path / ".notes.tmp", tmp_path / "data.abcd1234.tmp",
            tmp_path / ".fresh.parquet.qwer5678.tmp"]
    for path in stale + keep:
        path.write_bytes(b"partial")
    for path in stale + keep[:2]:
        os.utime(path, (old, old))  # keep[2] is "being written" right now
    run.save(tmp_path / "run.parquet")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [p.name for p in keep] + ["run.parquet"])


def test_killed_save_leaves_a_temporary_that_the_next_process_cleans(saved, tmp_path):
    """A save killed by SIGKILL leaves its temporary; a later process saving there removes it."""
    run, path = saved
    target = tmp_path / "big.parquet"
    run_isolated(f"""
        import os, signal, netaval
        from netaval.io import _atomic
        run = netaval.load({str(path)!r})
        def die(handle):
            handle.write(b"half a file")
            handle.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        import multiprocessing
        def child():
            _atomic.atomic_write({str(target)!r}, die)
        p = multiprocessing.get_context("fork").Process(target=child)
        p.start(); p.join()
        print(p.exitcode)
    """)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) == 1 and not target.exists()
    time.sleep(0.05)
    run_isolated(f"""
        import netaval
        netaval.load({str(path)!r}).save({str(target)!r})
    """)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.parquet"]


# ------------------------------------------------------- the JSON layer, pinned exactly
# Written from the survivors of mutation testing (mutmut on netaval/io/_json.py).
@pytest.mark.parametrize("dtype, shape", [
    ("<i8", (1,)),      # a tuple is not what encode_array writes
    ("<i8", [-1]),      # negative extent
    ("<i8", [True]),    # a bool is not an extent
    ("<i8", [1.0]),     # nor is a float
    ("|O", [1]),        # object arrays are never decoded
], ids=["tuple", "negative", "bool", "float", "object"])
def test_decode_array_refuses_malformed_shapes_and_dtypes(dtype, shape):
    """A spec that encode_array cannot have written is refused before any decoding."""
    from netaval.io._json import decode_array, encode_array
    spec = dict(encode_array(np.arange(1, dtype=np.int64)), dtype=dtype, shape=shape)
    with pytest.raises(ValueError) as info:
        decode_array(spec)
    assert str(info.value) == f"array of dtype {dtype!r} and shape {shape!r}"


def test_decode_array_bounds_the_claimed_size_exactly():
    """The zip-bomb bound is 1032 bytes per compressed byte plus 64: reached is decoded."""
    import zlib

    from netaval.io._json import decode_array
    packed = zlib.compress(b"")
    bound = 1032 * len(packed) + 64
    spec = {"__ndarray__": __import__("base64").b64encode(packed).decode(), "dtype": "|u1"}
    with pytest.raises(ValueError) as info:
        decode_array(dict(spec, shape=[bound]))
    assert str(info.value) == f"the array data holds 0 bytes, its shape needs {bound}"
    with pytest.raises(ValueError) as info:
        decode_array(dict(spec, shape=[bound + 1]))
    assert str(info.value) == (f"an array of {bound + 1} bytes cannot come from {len(packed)} "
                               "compressed bytes")


@pytest.mark.parametrize("damage", ["trailing", "no-checksum", "longer", "shorter"])
def test_decode_array_refuses_data_that_does_not_fit_the_shape(damage):
    """Trailing bytes, a stream cut before its checksum, and too much or too little data."""
    import base64
    import zlib

    from netaval.io._json import decode_array
    data = np.arange(4, dtype="<i8")
    raw = {"longer": np.arange(5, dtype="<i8"), "shorter": np.arange(3, dtype="<i8")}.get(
        damage, data).tobytes()
    packed = zlib.compress(raw)
    packed = {"trailing": packed + b"junk", "no-checksum": packed[:-4]}.get(damage, packed)
    spec = {"__ndarray__": base64.b64encode(packed).decode(), "dtype": "<i8", "shape": [4]}
    held = {"longer": 33, "shorter": 24}.get(damage, 32)
    with pytest.raises(ValueError) as info:
        decode_array(spec)
    assert str(info.value) == f"the array data holds {held} bytes, its shape needs 32"


def test_json_encoding_is_exact_and_little_endian():
    """Each value kind maps to its tag; arrays are stored little-endian; decoded writable."""
    from netaval.io._json import decode_array, encode_array, from_json, to_json
    spec = encode_array(np.arange(3, dtype=">i4"))
    assert spec["dtype"] == "<i4" and spec["shape"] == [3]
    decoded = decode_array(spec)
    assert decoded.dtype == np.dtype("<i4") and decoded.flags.writeable
    assert decoded.tolist() == [0, 1, 2]
    cases = [(None, None), (True, True), (np.bool_(False), False), (np.int32(3), 3),
             (2.5, 2.5), (np.float32(0.5), 0.5), ("s", "s"),
             (float("inf"), {"__float__": "inf"}), (-np.inf, {"__float__": "-inf"}),
             ((1, (2,)), {"__tuple__": [1, {"__tuple__": [2]}]}), ([1, [2.0]], [1, [2.0]]),
             ({"a": (1,)}, {"a": {"__tuple__": [1]}})]
    for value, encoded in cases:
        got = to_json(value)
        assert got == encoded and type(got) is type(encoded), value
        back = from_json(got)
        assert back == value and type(back) is type(value if not isinstance(
            value, np.generic) else value.item()), value
    assert to_json(np.bool_(True)) is True and type(to_json(np.int64(1))) is int
    nan = from_json(to_json(float("nan")))
    assert to_json(float("nan")) == {"__float__": "nan"} and nan != nan
    with pytest.raises(netaval.InvalidParameterError) as info:
        to_json({1: 2})
    assert str(info.value) == "Cannot save a dict with non-string keys: {1: 2}."
    with pytest.raises(netaval.InvalidParameterError) as info:
        to_json(object)
    assert str(info.value) == "Cannot save a value of type type: <class 'object'>."
    with pytest.raises(netaval.InvalidParameterError) as info:
        to_json(np.array([None]))
    assert str(info.value) == "Cannot save an object array (array([None], dtype=object))."


# ------------------------------------------------------------ atomic writes, pinned exactly
# Written from the survivors of mutation testing (mutmut on netaval/io/_atomic.py).
def test_stale_temporaries_only_netaval_pattern_regular_and_old(tmp_path):
    """Only old regular files named .NAME.XXXXXXXX.tmp go; their names are returned."""
    from netaval.io._atomic import remove_stale_temporaries
    old = time.time() - 3600
    names = {"stale": ".run.parquet.abcd_123.tmp", "short": ".run.parquet.abc.tmp",
             "upper": ".run.parquet.ABCDEFGH.tmp", "plain": "run.parquet.abcdefgh.tmp",
             "link": ".link.parquet.abcdefgh.tmp", "fresh": ".new.parquet.abcdefgh.tmp"}
    for i in range(20):  # ordinary files listed around the stale one
        (tmp_path / f"data{i}.parquet").write_bytes(b"x")
    for key, name in names.items():
        if key != "link":
            (tmp_path / name).write_bytes(b"partial")
    os.symlink(tmp_path / "data0.parquet", tmp_path / names["link"])
    for key in ("stale", "short", "upper", "plain"):
        os.utime(tmp_path / names[key], (old, old))
    os.utime(tmp_path / names["link"], (old, old), follow_symlinks=False)
    os.utime(tmp_path / "data0.parquet", (old, old))
    assert remove_stale_temporaries(str(tmp_path)) == [names["stale"]]
    left = set(os.listdir(tmp_path))
    assert names["stale"] not in left and left >= {n for k, n in names.items() if k != "stale"}
    assert remove_stale_temporaries(str(tmp_path / "missing")) == []


def test_umask_is_read_both_ways_without_changing_it(monkeypatch):
    """/proc/self/status and the os.umask fallback give the process umask, left unchanged."""
    import io

    from netaval.io import _atomic
    old = os.umask(0o027)
    try:
        calls = []
        real_umask = os.umask
        monkeypatch.setattr(os, "umask", lambda mask: calls.append(mask) or real_umask(mask))
        assert _atomic._umask() == 0o027 and calls == []  # read, never set, where /proc is

        def no_proc(*args, **kwargs):
            raise OSError("no /proc")

        monkeypatch.setattr(_atomic, "open", no_proc, raising=False)
        assert _atomic._umask() == 0o027 and calls == [0, 0o027]
        monkeypatch.setattr(_atomic, "open", lambda *a, **k: io.StringIO("Umask:\tzz\n"),
                            raising=False)
        assert _atomic._umask() == 0o027  # a malformed line: the fallback
        monkeypatch.undo()
        assert os.umask(0o027) == 0o027
    finally:
        os.umask(old)


def test_saved_mode_is_0o666_minus_the_umask(tmp_path):
    from netaval.io._atomic import atomic_write
    old = os.umask(0)
    try:
        atomic_write(tmp_path / "out.bin", lambda handle: handle.write(b"x"))
    finally:
        os.umask(old)
    assert (tmp_path / "out.bin").stat().st_mode & 0o777 == 0o666


def test_temporary_is_hidden_next_to_the_target_and_cleanup_errors_are_ignored(
        tmp_path, monkeypatch):
    """The temporary is .NAME.XXXXXXXX.tmp (the pattern the stale cleaner removes); failures
    to remove it, to remove a stale one or to fsync the directory never mask the outcome."""
    import re

    from netaval.io._atomic import _TEMPORARY, atomic_write, remove_stale_temporaries
    names = []

    def write(handle):
        names.extend(n for n in os.listdir(tmp_path) if n != "out.bin")
        handle.write(b"x")

    atomic_write(tmp_path / "out.bin", write)
    assert len(names) == 1 and re.fullmatch(r"\.out\.bin\.[a-z0-9_]{8}\.tmp", names[0])
    assert _TEMPORARY.match(names[0])

    def vanish(handle):
        for name in os.listdir(tmp_path):
            if name.endswith(".tmp"):
                os.unlink(tmp_path / name)
        raise KeyError("k")

    with pytest.raises(KeyError):
        atomic_write(tmp_path / "out.bin", vanish)
    stale = tmp_path / ".old.bin.abcdefgh.tmp"
    stale.write_bytes(b"")
    os.utime(stale, (1, 1))

    def refuse(path, *args, **kwargs):
        raise PermissionError("refused")

    monkeypatch.setattr(os, "unlink", refuse)
    assert remove_stale_temporaries(str(tmp_path)) == [] and stale.exists()
    monkeypatch.undo()
    real_open = os.open

    def no_directory(path, flags, *args, **kwargs):
        if os.path.isdir(path):
            raise PermissionError("no directory fsync here")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", no_directory)
    atomic_write(tmp_path / "out.bin", lambda handle: handle.write(b"y"))
    assert (tmp_path / "out.bin").read_bytes() == b"y"


def test_atomic_write_failure_keeps_the_target_and_says_so(tmp_path):
    """An OSError inside the write: same type and errno, the message says nothing was
    written, the temporary is gone, the target unchanged; other errors pass unchanged."""
    import errno

    from netaval.io._atomic import atomic_write
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")

    def full(handle):
        handle.write(b"new")
        raise PermissionError(errno.EACCES, "Permission denied")

    with pytest.raises(PermissionError) as info:
        atomic_write(target, full)
    assert info.value.errno == errno.EACCES
    assert str(info.value) == (f"[Errno {errno.EACCES}] Could not write {target}: Permission "
                               "denied. Nothing was written; an existing file there is "
                               "unchanged.")
    no_errno = OSError("odd")
    with pytest.raises(OSError) as info:
        atomic_write(target, lambda handle: (_ for _ in ()).throw(no_errno))
    assert info.value is no_errno
    with pytest.raises(KeyError) as info:
        atomic_write(target, lambda handle: {}["k"])
    assert os.listdir(tmp_path) == ["out.bin"] and target.read_bytes() == b"old"
    atomic_write(target, lambda handle: handle.write(b"new"))
    assert os.listdir(tmp_path) == ["out.bin"] and target.read_bytes() == b"new"


def test_data_is_flushed_before_the_fsync(tmp_path, monkeypatch):
    """When fsync runs, the temporary already holds every byte (Python's buffer flushed)."""
    from netaval.io._atomic import atomic_write
    seen = []
    real_fsync = os.fsync

    def fsync(fd):
        path = os.path.realpath(f"/proc/self/fd/{fd}")
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                seen.append(handle.read())
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    atomic_write(tmp_path / "out.bin", lambda handle: handle.write(b"abc" * 10))
    assert seen == [b"abc" * 10]


# ------------------------------------------------------------- event columns, pinned exactly
# Written from the survivors of mutation testing (mutmut on netaval/io/_columns.py).
def test_event_columns_nulls_and_sliced_offsets():
    """Missing values are named; a sliced table's parents offsets are rebased to 0."""
    from netaval.io._columns import read_event_columns
    table = pa.table({"time": pa.array([0, 1, 2], pa.int64()),
                      "parents": pa.array([[], [0], [0, 1]], pa.list_(pa.int64()))})
    got = read_event_columns(table.slice(1), ["time"], ValueError)
    assert got["time"].tolist() == [1, 2]
    assert got["parent_indptr"].tolist() == [0, 1, 3] and got["parent_indptr"].dtype == np.int64
    assert got["parent_ids"].tolist() == [0, 0, 1]
    holes = pa.table({"time": pa.array([0, None], pa.int64()),
                      "parents": pa.array([[], None], pa.list_(pa.int64()))})
    with pytest.raises(ValueError) as info:
        read_event_columns(holes, ["time"], ValueError)
    assert str(info.value) == "column 'time' has missing values"
    with pytest.raises(ValueError) as info:
        read_event_columns(holes, [], ValueError)
    assert str(info.value) == "column 'parents' has missing values"


def test_decode_array_keeps_the_shape_refuses_junk_and_overflowing_shapes():
    """2-D shapes survive; non-base64 characters are refused; a shape whose product
    overflows int64 is measured exactly (and refused by the size bound)."""
    import zlib

    from netaval.io._json import decode_array, encode_array
    spec = encode_array(np.arange(6.0).reshape(2, 3))
    assert decode_array(spec).shape == (2, 3)
    assert decode_array(spec).tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    with pytest.raises(ValueError):
        decode_array(dict(spec, __ndarray__=spec["__ndarray__"] + "@@"))
    packed = zlib.compress(b"")
    huge = {"__ndarray__": __import__("base64").b64encode(packed).decode(), "dtype": "|u1",
            "shape": [2**32, 2**32]}
    with pytest.raises(ValueError) as info:
        decode_array(huge)
    assert str(info.value) == f"an array of {2**64} bytes cannot come from 8 compressed bytes"
