"""`netaval.io.read_spikes` and `netaval.Spikes`: files written by pandas, pynwb and Neo."""

import csv
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import netaval
from netaval import binning, stats
from netaval.io import read_spikes
from tests.refusals import raised_message


@pytest.fixture
def train(seed):
    """300 spikes of 5 units with ids that are not 0..n-1, in seconds, unsorted."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 10, 300), rng.choice([11, 12, 40, 7, 99], 300)


@pytest.mark.parametrize("suffix, sep", [(".csv", ","), (".tsv", "\t")])
def test_table_written_by_pandas(tmp_path, train, suffix, sep):
    """A CSV/TSV written by pandas reads back sorted, with the units relabelled and kept."""
    times, units = train
    path = tmp_path / f"spikes{suffix}"
    pd.DataFrame({"unit_id": units, "spike_time": times}).to_csv(path, sep=sep, index=False)
    spikes = read_spikes(path)
    order = np.argsort(times, kind="stable")
    assert np.allclose(spikes.time, times[order], rtol=1e-15, atol=0)
    assert spikes.unit_labels.tolist() == [7, 11, 12, 40, 99]
    assert np.array_equal(spikes.unit_labels[spikes.unit], units[order])
    assert spikes.time_unit == "s" and spikes.start == spikes.time[0] and spikes.end > spikes.time[-1]


@pytest.mark.parametrize("quoting", [csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC])
@pytest.mark.parametrize("suffix, sep", [(".csv", ","), (".tsv", "\t")])
def test_quoted_fields_written_by_pandas(tmp_path, suffix, sep, quoting):
    """Unit names holding the separator or a quote are quoted by pandas and read back whole,
    whichever quoting pandas was asked for (a plain split of such a line counted too many
    fields and refused the file)."""
    names = np.array(["Smith, J\tch1", 'cell "b"', "c"], dtype=object)
    units = names[[0, 1, 2, 0, 1]]
    times = np.array([0.5, 0.125, 0.25, 1.0, 2.0])
    path = tmp_path / f"quoted{suffix}"
    pd.DataFrame({"unit": units, "time": times}).to_csv(path, sep=sep, index=False,
                                                        quoting=quoting)
    spikes = read_spikes(path)
    order = np.argsort(times, kind="stable")
    assert spikes.time.tolist() == times[order].tolist()
    assert spikes.unit_labels[spikes.unit].tolist() == units[order].tolist()


def test_an_open_quote_names_its_line(tmp_path):
    """A quoted field left open at the end of its line, or too long for the csv module, is
    refused with its line number."""
    path = tmp_path / "open.csv"
    path.write_text('unit,time\n"a",0.5\n"b,1.0\n')
    assert raised_message(netaval.CorruptFileError, read_spikes, path) == (
        f"{path}, line 3: a quoted field is not closed on its line (fields spanning lines are "
        "not supported).")
    path.write_text('unit,time\n"' + "x" * 200_000 + '",0.5\n')  # over csv's field limit
    assert raised_message(netaval.CorruptFileError, read_spikes, path) == (
        f"{path}, line 2: unreadable quoted field (field larger than field limit (131072)).")


def test_headerless_csv_and_milliseconds(tmp_path):
    """A table without header is time,unit; time_unit='ms' converts to seconds."""
    path = tmp_path / "raw.csv"
    path.write_text("# comment line\n12.5,3\n\n2.5,1\n7.0,3\n")
    spikes = read_spikes(path, time_unit="ms")
    assert spikes.time.tolist() == [0.0025, 0.007, 0.0125]
    assert spikes.unit_labels[spikes.unit].tolist() == [1, 3, 3]


def test_parquet_integer_steps_and_string_units(tmp_path):
    """Integer times in a Parquet file are time steps; string unit ids are kept as labels."""
    path = tmp_path / "spikes.parquet"
    pd.DataFrame({"times": np.array([5, 2, 9, 2]), "senders": ["b", "a", "b", "c"]}).to_parquet(path)
    spikes = read_spikes(path)
    assert spikes.time_unit == "steps" and spikes.time.dtype == np.int64
    assert spikes.time.tolist() == [2, 2, 5, 9] and (spikes.start, spikes.end) == (0.0, 10.0)
    assert spikes.unit_labels.tolist() == ["a", "b", "c"]
    assert spikes.unit_labels[spikes.unit].tolist() == ["a", "c", "b", "b"]


def test_nwb_units_table_written_by_pynwb(tmp_path):
    """The units table of an NWB file written by pynwb itself reads back unit by unit."""
    pynwb = pytest.importorskip("pynwb")
    nwb = pynwb.NWBFile(session_description="test", identifier="netaval-test",
                        session_start_time=datetime(2024, 1, 1, tzinfo=UTC))
    nwb.add_unit_column(name="label", description="sorter label")
    trains = {3: [0.5, 1.25, 2.0], 8: [0.75], 5: [0.1, 3.5]}
    for unit_id, spike_times in trains.items():
        nwb.add_unit(id=unit_id, spike_times=spike_times, label=f"u{unit_id}")
    path = tmp_path / "session.nwb"
    with pynwb.NWBHDF5IO(str(path), "w") as io:
        io.write(nwb)
    spikes = read_spikes(path)
    assert spikes.unit_labels.tolist() == [3, 5, 8] and spikes.n_spikes == 6
    pooled = sorted((t, u) for u, ts in trains.items() for t in ts)
    assert spikes.time.tolist() == [t for t, _ in pooled]
    assert spikes.unit_labels[spikes.unit].tolist() == [u for _, u in pooled]
    named = read_spikes(path, unit_column="label")
    assert named.unit_labels.tolist() == ["u3", "u5", "u8"]
    with pytest.raises(netaval.InvalidParameterError, match="no column 'nope'.*'label'"):
        read_spikes(path, unit_column="nope")
    with pytest.raises(netaval.InvalidParameterError, match="time_unit"):
        read_spikes(path, time_unit="ms")


def test_neo_spike_trains():
    """A list of neo.SpikeTrain (the Neo/Elephant convention) keeps t_start/t_stop and units."""
    neo = pytest.importorskip("neo")
    quantities = pytest.importorskip("quantities")
    trains = [neo.SpikeTrain([10.0, 30.0] * quantities.ms, t_start=0 * quantities.s,
                             t_stop=0.05 * quantities.s, name="a"),
              neo.SpikeTrain([0.02] * quantities.s, t_stop=0.05 * quantities.s, name="b")]
    spikes = read_spikes(trains)
    assert np.allclose(spikes.time, [0.01, 0.02, 0.03]) and spikes.unit.tolist() == [0, 1, 0]
    assert spikes.unit_labels.tolist() == ["a", "b"] and (spikes.start, spikes.end) == (0.0, 0.05)
    with pytest.raises(netaval.InvalidParameterError, match="item 1"):
        read_spikes([trains[0], [1.0, 2.0]])


@pytest.mark.parametrize("content, kwargs, error, match", [
    ("time,unit\n0.1,1\n0.2,2\nabc,1\n", {}, netaval.CorruptFileError, r"line 4: spike time 'abc'"),
    ("time,unit\n0.1,1\n\n0.2,2,5\n", {}, netaval.CorruptFileError, r"line 4: expected 2 fields"),
    ("time,unit\n0.1,1\ninf,2\n", {}, netaval.CorruptFileError, r"line 3: .*not a finite number"),
    ("time,unit\n1,1\n2.5,2\n", {"time_unit": "steps"}, netaval.CorruptFileError,
     r"line 3: time_unit='steps' needs integer"),
    ("start,stop\n0.1,1\n", {}, netaval.InvalidParameterError, r"no time column.*'start', 'stop'"),
    ("time,a,b\n0.1,1,2\n", {}, netaval.InvalidParameterError, r"no unit column.*unit_column"),
    ("time,unit\n0.1,1\n", {"time_column": "when"}, netaval.InvalidParameterError,
     r"no column 'when'; its columns are \['time', 'unit'\]"),
    ("time,unit\n", {}, netaval.CorruptFileError, r"no spikes"),
    ("", {}, netaval.CorruptFileError, r"no rows"),
    ("time\n0.1\n", {"time_unit": "hours"}, netaval.InvalidParameterError, r"'time_unit'"),
], ids=["bad-value", "field-count", "infinite", "fractional-steps", "no-time-column",
        "no-unit-column", "unknown-column", "header-only", "empty", "bad-time-unit"])
def test_malformed_tables_name_the_line_and_reason(tmp_path, content, kwargs, error, match):
    """A bad row is refused with its line number and what is wrong with it."""
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(error, match=match):
        read_spikes(path, **kwargs)


def test_foreign_files_and_sources(tmp_path):
    """Unknown suffixes, missing files, non-Parquet and non-NWB bytes are refused clearly."""
    (tmp_path / "x.xlsx").write_text("")
    with pytest.raises(netaval.InvalidParameterError, match="suffix '.xlsx'"):
        read_spikes(tmp_path / "x.xlsx")
    with pytest.raises(FileNotFoundError):
        read_spikes(tmp_path / "missing.csv")
    for name in ("x.parquet", "x.nwb"):
        (tmp_path / name).write_bytes(b"not this format at all")
        with pytest.raises(netaval.CorruptFileError, match="not a readable"):
            read_spikes(tmp_path / name)
    with pytest.raises(netaval.InvalidParameterError, match="'source'"):
        read_spikes(42)


def test_spikes_validate_their_arrays():
    """The constructor refuses unsorted, non-finite, out-of-window or mislabelled input."""
    good = dict(time=np.array([0.1, 0.2]), unit=np.array([0, 1]), unit_labels=np.array([5, 6]),
                start=0.0, end=1.0)
    netaval.Spikes(**good)
    for change, match in [({"time": np.array([0.2, 0.1])}, "sorted"),
                          ({"time": np.array([0.1, np.nan])}, "finite"),
                          ({"unit": np.array([0, 2])}, "indices into unit_labels"),
                          ({"unit_labels": np.array([5, 5])}, "unique"),
                          ({"end": 0.2}, "contain every spike"),
                          ({"start": float("nan")}, "'start'"),
                          ({"time_unit": "ms"}, "'time_unit'"),
                          ({"time_unit": "steps"}, "integer")]:
        with pytest.raises(netaval.InvalidParameterError, match=match):
            netaval.Spikes(**{**good, **change})
    with pytest.raises(netaval.InvalidParameterError, match="'bin_width'"):
        netaval.Spikes(**good).binned_activity(0)


@given(st.lists(st.tuples(st.integers(0, 50), st.sampled_from(["x", "y", "z"])), max_size=40))
def test_from_arrays_keeps_every_spike(rows):
    """from_arrays sorts, relabels without losing a spike, and bins conserve the count."""
    times = np.array([t for t, _ in rows], np.int64)
    labels = np.array([u for _, u in rows], dtype=object)
    spikes = netaval.Spikes.from_arrays(times, labels if rows else None, time_unit="steps")
    assert np.all(np.diff(spikes.time) >= 0) and spikes.n_spikes == len(rows)
    assert sorted(zip(spikes.time.tolist(), spikes.unit_labels[spikes.unit].tolist(), strict=True)) \
        == sorted(rows) if rows else spikes.n_units == 0
    assert spikes.activity.sum() == len(rows)
    for width in (1, 3, 7):
        assert spikes.binned_activity(width).sum() == len(rows)


def test_spikes_go_wherever_a_run_goes(tmp_path):
    """A run's spikes written to CSV give the same binned avalanches, subsamples, threshold
    excursions and branching-ratio estimates as the Run itself."""
    import topologies

    network = topologies.random(400, k=8, seed=1)
    run = netaval.simulate(network, netaval.Branching(sigma=0.9, drive=0.002), n_steps=3000, seed=2)
    path = tmp_path / "run.csv"
    pd.DataFrame({"time": run.events.time, "neuron": run.events.neuron}).to_csv(path, index=False)
    spikes = read_spikes(path)
    assert spikes.time_unit == "steps" and spikes.end <= run.end_time
    end = float(run.end_time)
    from_run = binning.detect_binned_avalanches(run, bin_width=2)
    from_spikes = binning.detect_binned_avalanches(spikes, bin_width=2, start=0, end=end)
    for name in ("size", "duration", "n_active_units", "truncated", "profile"):
        assert np.array_equal(getattr(from_run, name), getattr(from_spikes, name)), name
    length = len(spikes.activity)
    assert np.array_equal(spikes.activity, run.activity[:length])
    trimmed = run.activity[:length]
    assert stats.branching_ratio_mr(spikes, k_max=10).m == stats.branching_ratio_mr(trimmed, k_max=10).m
    assert stats.branching_ratio_conventional(spikes) == stats.branching_ratio_conventional(trimmed)
    assert stats.branching_ratio_naive(spikes) == stats.branching_ratio_naive(trimmed)
    assert np.array_equal(stats.regression_slopes(spikes, k_max=3), stats.regression_slopes(trimmed, k_max=3))
    assert stats.branching_ratio_avalanches(spikes) == stats.branching_ratio_avalanches(
        binning.detect_binned_avalanches(spikes))
    assert np.array_equal(binning.detect_threshold_avalanches(spikes, threshold=3).size,
                          binning.detect_threshold_avalanches(trimmed, threshold=3).size)
    sub = binning.sample_neurons(spikes, n_sampled=50, seed=3)
    assert sub.n_units == spikes.n_units and sub.n_events < spikes.n_spikes


# ------------------------------------------------ read_spikes, pinned exactly
# Written from mutmut on netaval/io/spikes.py: exact messages (a substring match cannot
# see a changed literal), column finding, units, windows.
def _refusal(error, source, **kwargs):
    return raised_message(error, read_spikes, source, **kwargs)


def test_parameter_and_source_refusals_are_exact(tmp_path):
    (tmp_path / "s.csv").write_text("time,unit\n1,1\n")
    (tmp_path / "x.xlsx").write_text("")
    for name, value in (("time_column", True), ("unit_column", 2.0), ("time_column", [0])):
        assert _refusal(netaval.InvalidParameterError, tmp_path / "s.csv", **{name: value}) == (
            f"The '{name}' parameter of read_spikes must be a column name or position, or None. "
            f"Got {value!r} instead.")
    assert _refusal(netaval.InvalidParameterError, 42) == (
        "The 'source' parameter of read_spikes must be a path or a list of neo.SpikeTrain. Got int "
        "instead.")
    assert _refusal(netaval.InvalidParameterError, tmp_path / "x.xlsx") == (
        "The 'source' parameter of read_spikes must name a .csv, .tsv, .tab, .txt, .parquet or "
        f".nwb file. Got {str(tmp_path / 'x.xlsx')!r} (suffix '.xlsx') instead.")
    assert _refusal(FileNotFoundError, tmp_path / "no.csv") == f"No such file: {str(tmp_path / 'no.csv')!r}"
    for source in ([], ()):
        assert _refusal(netaval.InvalidParameterError, source) == (
            "The 'source' parameter of read_spikes must hold at least one neo.SpikeTrain. Got an "
            "empty list.")
    assert _refusal(netaval.InvalidParameterError, [[1.0]]) == (
        "The 'source' parameter of read_spikes must be a list of neo.SpikeTrain; item 0 is a list.")
    assert _refusal(netaval.InvalidParameterError, [], time_column="t") == (
        "The 'time_column' parameter of read_spikes does not apply to a list of neo.SpikeTrain "
        "(spike times are known). Got 't'.")
    assert _refusal(netaval.InvalidParameterError, [], time_unit="ms") == (
        "The 'time_unit' parameter of read_spikes must be None or 's' for a list of "
        "neo.SpikeTrain (times are in seconds). Got 'ms'.")
    (tmp_path / "x.nwb").write_bytes(b"")
    assert _refusal(netaval.InvalidParameterError, tmp_path / "x.nwb", time_unit="steps") == (
        "The 'time_unit' parameter of read_spikes must be None or 's' for an NWB file (times are "
        "in seconds). Got 'steps'.")
    assert _refusal(netaval.CorruptFileError, tmp_path / "x.nwb", time_unit="s").startswith(
        f"{tmp_path / 'x.nwb'}: not a readable NWB file (")
    (tmp_path / "x.PQ").write_bytes(b"PAR1")
    assert _refusal(netaval.CorruptFileError, tmp_path / "x.PQ").startswith(
        f"{tmp_path / 'x.PQ'}: not a readable Parquet file (")


@pytest.mark.parametrize(("name", "content", "kwargs", "error", "message"), [
    ("s.csv", "time,unit\n0.1,1\n0.2,2\nabc,1\n", {}, netaval.CorruptFileError,
     ", line 4: spike time 'abc' in column 'time' is not a finite number."),
    ("s.csv", "time,unit\n0.1,1\n\n0.2,2,5\n", {}, netaval.CorruptFileError,
     ", line 4: expected 2 fields like line 1, got 3."),
    ("s.tsv", "1\t2\n3\n", {}, netaval.CorruptFileError, ", line 2: expected 2 fields like line 1, got 1."),
    ("s.txt", "# c\n1 2\n3 4 5\n", {}, netaval.CorruptFileError, ", line 3: expected 2 fields like line 2, got 3."),
    ("s.csv", "time,unit\n1,1\n2.5,2\n", {"time_unit": "steps"}, netaval.CorruptFileError,
     ", line 3: time_unit='steps' needs integer times; got '2.5'."),
    ("s.csv", "time,unit\n1,\n", {}, netaval.CorruptFileError, ", line 2: empty unit in column 'unit'."),
    ("s.csv", "time,unit\n1,a\n2, \n", {}, netaval.CorruptFileError, ", line 3: empty unit in column 'unit'."),
    ("s.csv", "time,unit\n", {}, netaval.CorruptFileError, ": the table holds no spikes."),
    ("s.csv", "# nothing\n\n", {}, netaval.CorruptFileError, ": the file holds no rows."),
    ("s.csv", 'time,unit\n"1,2\n', {}, netaval.CorruptFileError,
     ", line 2: a quoted field is not closed on its line (fields spanning lines are not "
     "supported)."),
    ("s.csv", "time,unit\n0.1,1\n", {"time_column": "when"}, netaval.InvalidParameterError,
     "no column 'when'; its columns are ['time', 'unit']."),
    ("s.csv", "time,unit\n0.1,1\n", {"time_column": 2}, netaval.InvalidParameterError,
     "no column 2; its columns are ['time', 'unit']."),
    ("s.csv", "time,unit\n0.1,1\n", {"unit_column": -1}, netaval.InvalidParameterError,
     "no column -1; its columns are ['time', 'unit']."),
], ids=["bad-time", "field-count", "tsv-count", "txt-count", "fractional", "empty-unit",
        "blank-unit", "header-only", "no-rows", "parser", "unknown-name", "position-too-big",
        "negative-position"])
def test_table_refusals_are_exact(tmp_path, name, content, kwargs, error, message):
    path = tmp_path / name
    path.write_text(content)
    got = _refusal(error, path, **kwargs)
    if error is netaval.InvalidParameterError:
        which = "time_column" if "time_column" in kwargs else "unit_column"
        assert got == f"The '{which}' parameter of read_spikes: {path} has " + message
    else:
        assert got == str(path) + message


def test_missing_columns_are_named_exactly(tmp_path):
    (tmp_path / "a.csv").write_text("start,stop\n0.1,1\n")
    assert _refusal(netaval.InvalidParameterError, tmp_path / "a.csv") == (
        f"read_spikes found no time column in {tmp_path / 'a.csv'} (columns ['start', 'stop']); "
        "pass time_column=NAME.")
    (tmp_path / "b.csv").write_text("time,a,b\n0.1,1,2\n")
    assert _refusal(netaval.InvalidParameterError, tmp_path / "b.csv") == (
        f"read_spikes found no unit column in {tmp_path / 'b.csv'} (columns ['time', 'a', 'b']); "
        "pass unit_column=NAME.")
    (tmp_path / "c.parquet").write_bytes(b"")
    pd.DataFrame({"time": [1.0, 0.5], "x": [1, 2]}).to_parquet(tmp_path / "c.parquet")
    assert _refusal(netaval.InvalidParameterError, tmp_path / "c.parquet").endswith(
        "(columns ['time', 'x']); pass unit_column=NAME.")
    pd.DataFrame({"time": [1.0, np.inf]}).to_parquet(tmp_path / "d.parquet")
    assert _refusal(netaval.CorruptFileError, tmp_path / "d.parquet") == (
        f"{tmp_path / 'd.parquet'}, row 2: spike time 'inf' in column 'time' is not a finite number.")
    pd.DataFrame({"time": [1.0, 2.5]}).to_parquet(tmp_path / "e.parquet")
    assert _refusal(netaval.CorruptFileError, tmp_path / "e.parquet", time_unit="steps") == (
        f"{tmp_path / 'e.parquet'}, row 2: time_unit='steps' needs integer times; got '2.5'.")


def test_columns_units_and_windows(tmp_path):
    """Names in any case, positions, a lone time column, unit ids, time units, the window."""
    cases = [
        ("a.txt", "0.5 1\n1.5 2\n", {}, [0.5, 1.5], [1, 2], "s"),         # whitespace .txt
        ("b.txt", "t\tunit\n1\t2\n", {}, [1], [2], "steps"),              # tab .txt
        ("c.csv", "Time,Unit\n1,a\n2, b \n", {}, [1, 2], ["a", "b"], "steps"),
        ("d.csv", "1\n2\n", {}, [1, 2], [0], "steps"),                    # times alone: one unit
        ("e.csv", "1,2\n3,4\n", {"time_column": 1, "unit_column": 0}, [2, 4], [1, 3], "steps"),
        ("f.csv", "a,b\n1,5\n", {"time_column": "a", "unit_column": "b"}, [1], [5], "steps"),
        ("g.csv", "time\n1.0\n2.0\n", {"time_unit": "steps"}, [1, 2], [0], "steps"),
        ("h.csv", "time,unit\n1,1.0\n2,2.5\n", {}, [1, 2], ["1.0", "2.5"], "steps"),
        ("i.csv", "time,unit\n1,1.0\n2,2.0\n", {}, [1, 2], [1, 2], "steps"),
        ("j.csv", "time,unit\n1,1\n", {"time_unit": "us"}, [1e-6], [1], "s"),
        ("k.csv", "time,unit\n1,1\n", {"time_unit": "ms"}, [1e-3], [1], "s"),
        ("l.csv", "time,unit\n1,1\n", {"time_unit": "s"}, [1.0], [1], "s"),
        ("m.csv", "spike_times,cluster_id,unit\n1,5,6\n", {}, [1], [6], "steps"),  # 'unit' first
        ("n.csv", "neuron,timestamp,time\n5,1,2\n", {}, [2], [5], "steps"),        # 'time' first
        ("o.tab", "time\tsenders\n3\t4\n", {}, [3], [4], "steps"),
        ("p.csv", "# head\ntime,unit\n# mid\n2,1\n", {}, [2], [1], "steps"),
        ("q.csv", "3,7\n1,8\n", {}, [1, 3], [7, 8], "steps"),            # headerless time,unit
    ]
    for name, content, kwargs, times, labels, unit in cases:
        (tmp_path / name).write_text(content)
        spikes = read_spikes(tmp_path / name, **kwargs)
        assert spikes.time.tolist() == times, name
        assert spikes.unit_labels.tolist() == labels, name
        assert spikes.time_unit == unit, name
    seconds = read_spikes(tmp_path / "a.txt")
    assert seconds.start == 0.5 and seconds.end == np.nextafter(1.5, np.inf)
    steps = read_spikes(tmp_path / "e.csv", time_column=1, unit_column=0)
    assert (steps.start, steps.end) == (0.0, 5.0) and steps.unit.tolist() == [0, 1]
    assert read_spikes(tmp_path / "q.csv").unit.tolist() == [1, 0]
    (tmp_path / "r.csv").write_text("3,x\n1,y\n")  # a text field: the first row is a header
    assert read_spikes(tmp_path / "r.csv", time_column="3", unit_column="x").time.tolist() == [1]


def test_nwb_refusals_are_exact(tmp_path):
    pynwb = pytest.importorskip("pynwb")

    def session(units):
        nwb = pynwb.NWBFile(session_description="t", identifier="netaval-test",
                            session_start_time=datetime(2024, 1, 1, tzinfo=UTC))
        if units:
            nwb.add_unit_column(name="group", description="shared label")
            for unit_id, spike_times in units.items():
                nwb.add_unit(id=unit_id, spike_times=spike_times, group="same")
        path = tmp_path / f"s{len(list(tmp_path.iterdir()))}.nwb"
        with pynwb.NWBHDF5IO(str(path), "w") as io:
            io.write(nwb)
        return path

    empty = session({})
    assert _refusal(netaval.CorruptFileError, empty) == \
        f"{empty}: the NWB file has no units table with spike_times."
    shared = session({1: [0.5], 2: [0.25, np.inf]})
    assert _refusal(netaval.InvalidParameterError, shared, unit_column="group") == (
        f"The 'unit_column' parameter of read_spikes: column 'group' of {shared} is not unique "
        "per unit.")
    assert _refusal(netaval.InvalidParameterError, shared, unit_column="nope") == (
        f"The 'unit_column' parameter of read_spikes: the units table of {shared} has no column "
        "'nope'; its columns are ['group', 'spike_times'].")
    assert _refusal(netaval.CorruptFileError, shared) == \
        f"{shared}: the units table holds non-finite spike times."


def test_neo_labels_windows_and_refusals():
    neo = pytest.importorskip("neo")
    quantities = pytest.importorskip("quantities")
    s = quantities.s

    def train(times, name=None, t_start=0.0, t_stop=1.0):
        return neo.SpikeTrain(times * s, t_start=t_start * s, t_stop=t_stop * s, name=name)

    same_names = read_spikes([train([0.5], "a"), train([0.25], "a")])
    assert same_names.unit_labels.tolist() == [0, 1] and same_names.unit.tolist() == [1, 0]
    unnamed = read_spikes([train([0.5]), train([0.25], "b")])
    assert unnamed.unit_labels.tolist() == [0, 1]
    named = read_spikes([train([0.5], "b", 0.1, 0.8), train([0.25], "a", 0.2, 2.0)])
    assert named.unit_labels.tolist() == ["a", "b"] and named.unit.tolist() == [0, 1]
    assert (named.start, named.end) == (0.1, 2.0)
    stop_at_last = read_spikes([train([0.5, 1.0], "a")])  # t_stop at the last spike: just after it
    assert stop_at_last.end == np.nextafter(1.0, np.inf) and stop_at_last.start == 0.0
    silent = read_spikes([train([], "a", 0.5, 3.0)])  # its start was moved to 0
    assert (silent.n_spikes, silent.start, silent.end) == (0, 0.5, 3.0)
    early = read_spikes([train([], "a", 0.5, 3.0), train([0.75], "b", 0.6, 1.0)])
    assert (early.start, early.end) == (0.5, 3.0)
    with pytest.raises(netaval.InvalidParameterError) as info:
        read_spikes([train([0.5], "a"), [1.0]])
    assert str(info.value) == ("The 'source' parameter of read_spikes must be a list of "
                               "neo.SpikeTrain; item 1 is a list.")


# ------------------------------------------------ from the session-3 full run's survivors
def test_refusals_name_read_spikes_and_the_source(tmp_path, monkeypatch):
    import sys

    (tmp_path / "s.csv").write_text("time\n1\n")
    assert _refusal(netaval.InvalidParameterError, tmp_path / "s.csv", time_unit="hours") == (
        "The 'time_unit' parameter of read_spikes must be one of None, 's', 'ms', 'us', 'steps'. "
        "Got 'hours' instead.")
    (tmp_path / "x.nwb").write_bytes(b"")
    assert _refusal(netaval.InvalidParameterError, tmp_path / "x.nwb", time_column="t") == (
        "The 'time_column' parameter of read_spikes does not apply to an NWB file (spike times "
        "are known). Got 't'.")
    monkeypatch.setitem(sys.modules, "pynwb", None)  # an environment without pynwb
    assert _refusal(netaval.InvalidParameterError, tmp_path / "x.nwb") == (
        f"read_spikes needs pynwb to read {tmp_path / 'x.nwb'}: python -m pip install "
        "'netaval[nwb]'.")
    neo = pytest.importorskip("neo")
    quantities = pytest.importorskip("quantities")
    nan = neo.SpikeTrain([0.5, np.nan] * quantities.s, t_stop=1 * quantities.s)
    assert _refusal(netaval.InvalidParameterError, [nan]) == \
        "The 'source' parameter of read_spikes holds non-finite spike times."


def test_text_tables_are_read_as_written(tmp_path):
    """The header counts in the field check (pandas took an extra leading field as the
    index, silently: ``time,unit`` over ``1,0.5,3`` read time 0.5, unit 3); bytes that
    are not UTF-8 are replaced (as `read_network` does); indented comments are skipped
    and lines counted right; tabs with spaces inside fields; big numbers."""
    cases = [("n.csv", "time,unit\n1,0.5,3\n2,0.7,4\n", ", line 2: expected 2 fields like line 1, got 3."),
             ("w.csv", "time,unit,extra\n0.5,1\n", ", line 2: expected 3 fields like line 1, got 2."),
             ("b.csv", "time,unit\n1e400,1\n",
              ", line 2: spike time '1e400' in column 'time' is not a finite number.")]
    for name, content, message in cases:
        (tmp_path / name).write_text(content)
        assert _refusal(netaval.CorruptFileError, tmp_path / name) == str(tmp_path / name) + message
    (tmp_path / "l.csv").write_bytes(b"time,unit\n0.5,caf\xe9\n")  # was a CorruptFileError
    assert read_spikes(tmp_path / "l.csv").unit_labels.tolist() == ["caf\ufffd"]
    (tmp_path / "c.csv").write_text("time,unit\n   # indented\n0.5,1\n0.25,x # inline\n")
    spikes = read_spikes(tmp_path / "c.csv")  # was refused: line 3 had time '   '
    assert spikes.time.tolist() == [0.25, 0.5] and spikes.unit_labels.tolist() == ["1", "x"]
    (tmp_path / "d.csv").write_text("time,unit\n  # indented\n0.5,\n")
    assert _refusal(netaval.CorruptFileError, tmp_path / "d.csv") == \
        f"{tmp_path / 'd.csv'}, line 3: empty unit in column 'unit'."
    (tmp_path / "t.tsv").write_text("# sorter output\n0.5\t1\n0.25\tcell a\n")
    spikes = read_spikes(tmp_path / "t.tsv")
    assert spikes.time.tolist() == [0.25, 0.5] and spikes.unit_labels.tolist() == ["1", "cell a"]
    (tmp_path / "o.tsv").write_text("0.5\t1\n")  # one row
    assert read_spikes(tmp_path / "o.tsv").time.tolist() == [0.5]
    (tmp_path / "p.csv").write_text("t0,u0\n5,1\n")  # positions into a table with a header
    spikes = read_spikes(tmp_path / "p.csv", time_column=0, unit_column=1)
    assert spikes.time.tolist() == [5] and spikes.unit_labels.tolist() == [1]
    assert spikes.unit_labels.dtype == np.int64
    (tmp_path / "f.csv").write_text("time,unit\n1,1.0\n2,2.0\n")  # integral floats: int labels
    (tmp_path / "na.csv").write_text("time,unit\n1,NA\n2,None\n")  # text, not missing values
    assert read_spikes(tmp_path / "na.csv").unit_labels.tolist() == ["NA", "None"]
    (tmp_path / "nt.csv").write_text("time,unit\nNA,1\n")
    assert _refusal(netaval.CorruptFileError, tmp_path / "nt.csv") == \
        f"{tmp_path / 'nt.csv'}, line 2: spike time 'NA' in column 'time' is not a finite number."
    assert read_spikes(tmp_path / "f.csv").unit_labels.dtype == np.int64


def test_parquet_columns_and_null_units(tmp_path):
    """Named columns of a Parquet table are used; a null unit is refused like an empty one
    (an Int64 null became unit -9223372036854775808, a string null a TypeError)."""
    pd.DataFrame({"a": [2.0, 1.0], "b": [5, 6], "time": [9.0, 8.0], "unit": [1, 1]}).to_parquet(
        tmp_path / "n.parquet")
    spikes = read_spikes(tmp_path / "n.parquet", time_column="a", unit_column="b")
    assert spikes.time.tolist() == [1.0, 2.0] and spikes.unit_labels.tolist() == [5, 6]
    for units, row in ((pd.array([1, None, 2], dtype="Int64"), 2), (["a", "b", None], 3)):
        pd.DataFrame({"time": [0.1, 0.2, 0.3], "unit": units}).to_parquet(tmp_path / "x.parquet")
        assert _refusal(netaval.CorruptFileError, tmp_path / "x.parquet") == \
            f"{tmp_path / 'x.parquet'}, row {row}: empty unit in column 'unit'."


def test_pooled_trains_keep_their_order_at_equal_times(tmp_path):
    """Simultaneous spikes stay in train order (a stable sort); a spike-less NWB units
    table gives the window [0, the next float)."""
    neo = pytest.importorskip("neo")
    quantities = pytest.importorskip("quantities")
    s = quantities.s
    trains = [neo.SpikeTrain([1.0] * s, t_stop=2 * s) for _ in range(30)]
    trains += [neo.SpikeTrain([0.0] * s, t_stop=2 * s) for _ in range(3)]
    assert read_spikes(trains).unit.tolist() == [30, 31, 32, *range(30)]
    pynwb = pytest.importorskip("pynwb")
    nwb = pynwb.NWBFile(session_description="t", identifier="netaval-test",
                        session_start_time=datetime(2024, 1, 1, tzinfo=UTC))
    for unit_id in (4, 2):
        nwb.add_unit(id=unit_id, spike_times=[])
    with pynwb.NWBHDF5IO(str(tmp_path / "e.nwb"), "w") as io:
        io.write(nwb)
    silent = read_spikes(tmp_path / "e.nwb")
    assert (silent.n_spikes, silent.start, silent.end) == (0, 0.0, float(np.nextafter(0.0, 1.0)))
    assert silent.unit_labels.tolist() == [2, 4]


def test_a_quote_in_a_whitespace_table_is_an_ordinary_character(tmp_path):
    """In a whitespace-separated table (.txt) a double quote is part of its field, as the
    reader's field count takes it: a unit named '"a' or 'a"b' is read as written."""
    path = tmp_path / "units.txt"
    path.write_text('time unit\n0.5 "a\n1.0 a"b\n2.0 "a\n')
    spikes = read_spikes(path)
    assert spikes.time.tolist() == [0.5, 1.0, 2.0]
    assert spikes.unit_labels[spikes.unit].tolist() == ['"a', 'a"b', '"a']
