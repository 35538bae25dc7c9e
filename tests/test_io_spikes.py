"""`netaval.io.read_spikes` and `netaval.Spikes`: files written by pandas, pynwb and Neo."""

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import netaval
from netaval import binning, stats
from netaval.io import read_spikes


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
