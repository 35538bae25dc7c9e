"""Hostile NWB spike files: read_spikes refuses each crafted units table with a netaval
error naming the file and the fault (never a foreign exception, a hang or a wrong load).

Every file is written by pynwb under a temporary directory, then edited with h5py."""

import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import netaval
from netaval.io import read_spikes
from tests.refusals import raised_message

pynwb = pytest.importorskip("pynwb")
h5py = pytest.importorskip("h5py")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(netaval.__file__)))
TRAINS = {3: [0.5, 1.25, 2.0], 8: [0.75], 5: [0.1, 3.5]}  # 6 spikes, offsets [3, 4, 6]


def session(path, trains=TRAINS, label=False):
    nwb = pynwb.NWBFile(session_description="t", identifier="netaval-test",
                        session_start_time=datetime(2024, 1, 1, tzinfo=UTC))
    if label:
        nwb.add_unit_column(name="label", description="sorter label")
    for unit_id, spike_times in trains.items():
        nwb.add_unit(id=unit_id, spike_times=spike_times,
                     **({"label": f"u{unit_id}"} if label else {}))
    with pynwb.NWBHDF5IO(str(path), "w") as io:
        io.write(nwb)
    return path


def replace(path, name, data=None, **kwargs):
    """Replace dataset ``units/name`` (keeping its attributes; the index's target
    reference follows a replaced spike_times)."""
    with h5py.File(path, "r+") as f:
        units = f["units"]
        attrs = dict(units[name].attrs)
        del units[name]
        if "layout" in kwargs:
            new = units.create_virtual_dataset(name, kwargs["layout"])
        else:
            new = units.create_dataset(name, data=data, **kwargs)
        for key, value in attrs.items():
            new.attrs[key] = value
        units["spike_times_index"].attrs["target"] = units["spike_times"].ref


def refusal(error, path, **kwargs):
    return raised_message(error, read_spikes, path, **kwargs)


INDEX = "the units table's spike_times_index"
OFFSETS = [  # (offsets, message after "{path}: ")
    (np.array([3, 4, 10], np.uint8),
     f"offset 2 of {INDEX}, 10, is not between the one before (4) and the number of spike "
     "times (6)."),
    (np.array([3, 1, 6], np.uint8),
     f"offset 1 of {INDEX}, 1, is not between the one before (3) and the number of spike "
     "times (6)."),
    (np.array([-1, 4, 6], np.int64),
     f"offset 0 of {INDEX}, -1, is not between the one before (0) and the number of spike "
     "times (6)."),
    (np.array([3, 4, 2**62], np.int64),
     f"offset 2 of {INDEX}, {2**62}, is not between the one before (4) and the number of "
     "spike times (6)."),
    (np.array([3, 2**64 - 1, 6], np.uint64),
     f"offset 1 of {INDEX}, {2**64 - 1}, is not between the one before (3) and the number "
     "of spike times (6)."),
    (np.array([1, 2, 3], np.uint8), f"{INDEX} ends at 3, not at its 6 spike times."),
    (np.array([1.5, 4.2, 6.0]), f"{INDEX} holds float64 values, not integers."),
]


@pytest.mark.parametrize(("offsets", "message"), OFFSETS, ids=range(len(OFFSETS)))
def test_ragged_index_beyond_the_data_or_out_of_order_is_refused(tmp_path, offsets, message):
    """Offsets past the data, decreasing, negative, huge, short of the data or fractional
    once crashed (ValueError / IndexError from numpy) or loaded spikes under wrong units;
    a uint64 offset past int64 was named by its wrapped value (-1 for 2**64 - 1)."""
    path = session(tmp_path / "s.nwb")
    replace(path, "spike_times_index", offsets)
    assert refusal(netaval.CorruptFileError, path) == f"{path}: {message}"


TIMES = [
    (np.array([1 + 1j] * 6), "the units table's spike_times holds complex128 values, not "
                             "numbers."),
    (np.array([True] * 6), "the units table's spike_times holds bool values, not numbers."),
    (np.array([b"a"] * 6), "the units table's spike_times holds |S1 values, not numbers."),
    (np.ones((6, 2)), "the units table's spike_times must be 1-dimensional. Got shape (6, 2)."),
    (np.zeros(6, [("a", "f8"), ("b", "i4")]),
     "the units table's spike_times holds ['float64', 'int32'] values, not numbers."),
    (h5py.ref_dtype, "the units table's spike_times holds object values, not numbers."),
    (np.array([0.5, 1.25, 2.0, 0.75, np.nan, 3.5]),
     "the units table holds non-finite spike times."),
]


@pytest.mark.parametrize(("times", "message"), TIMES, ids=range(len(TIMES)))
def test_spike_times_of_the_wrong_type_or_shape_are_refused(tmp_path, times, message):
    """Complex and bool times once loaded silently (the imaginary part dropped, True as
    1 s); 2-D times crashed with a TypeError; compound and reference times (hdmf gives no
    numpy dtype for them) were refused as "'list' object has no attribute 'kind'"."""
    path = session(tmp_path / "s.nwb")
    if isinstance(times, np.ndarray):
        replace(path, "spike_times", times)
    else:  # six null object references
        replace(path, "spike_times", shape=(6,), dtype=times)
    assert refusal(netaval.CorruptFileError, path) == f"{path}: {message}"


def test_integer_negative_and_unsorted_times_load_exactly(tmp_path):
    """What the format allows loads as given: integer seconds, negative times (before the
    reference time), times unsorted within a unit, a unit without spikes."""
    path = session(tmp_path / "s.nwb", {1: [3.0, -0.5, 2.0], 2: [], 4: [1.0]})
    spikes = read_spikes(path)
    assert spikes.time.tolist() == [-0.5, 1.0, 2.0, 3.0]
    assert spikes.unit_labels.tolist() == [1, 2, 4]
    assert spikes.unit_labels[spikes.unit].tolist() == [1, 4, 1, 1]
    replace(path, "spike_times", np.array([3, -1, 2, 1], np.int64))
    assert read_spikes(path).time.tolist() == [-1.0, 1.0, 2.0, 3.0]


def test_duplicate_ids_name_the_ids_not_a_parameter(tmp_path):
    """Duplicate unit ids once blamed the 'unit_column' parameter the user never passed."""
    path = session(tmp_path / "s.nwb")
    replace(path, "id", np.array([1, 1, 2], np.int64))
    assert refusal(netaval.CorruptFileError, path) == \
        f"{path}: the units table's ids are not unique."


def test_a_label_column_must_hold_one_label_per_unit(tmp_path):
    """unit_column="spike_times" (a ragged column) once labelled the units with the index
    offsets [3, 4, 6]; a 2-D column was reported as "not unique"."""
    path = session(tmp_path / "s.nwb", label=True)
    assert read_spikes(path, unit_column="label").unit_labels.tolist() == ["u3", "u5", "u8"]
    assert refusal(netaval.InvalidParameterError, path, unit_column="spike_times") == (
        f"The 'unit_column' parameter of read_spikes: column 'spike_times' of {path} is a "
        "ragged column (a list of values per unit), not one label per unit.")
    replace(path, "label", np.ones((3, 2)))
    assert refusal(netaval.InvalidParameterError, path, unit_column="label") == (
        f"The 'unit_column' parameter of read_spikes: column 'label' of {path} is of shape "
        "(3, 2), not one label per unit.")


def test_hdmf_refusals_give_the_reason_not_the_builder_tree(tmp_path):
    """A units table hdmf cannot build (ids and columns of different lengths) is refused
    with hdmf's reason alone, not the repr of every builder of the table."""
    path = session(tmp_path / "s.nwb")
    replace(path, "id", np.array([1, 2], np.int64))
    assert refusal(netaval.CorruptFileError, path) == (
        f"{path}: not a readable NWB file (Could not construct Units object due to: Must "
        "provide same number of ids as length of columns).")


def test_spike_times_without_their_index_are_refused(tmp_path):
    """A spike_times column that is not ragged (one time per unit, no spike_times_index)
    is not a units table of spike trains."""
    path = session(tmp_path / "s.nwb")
    replace(path, "id", np.arange(6))
    with h5py.File(path, "r+") as f:
        del f["units/spike_times_index"]
    assert refusal(netaval.CorruptFileError, path) == (
        f"{path}: the units table's spike_times has no spike_times_index (one ragged list of "
        "times per unit).")


def test_a_units_table_without_units_loads_empty(tmp_path):
    """Zero units (ids, times and offsets all empty) is an empty recording, not an error."""
    path = session(tmp_path / "s.nwb")
    for name, dtype in (("id", np.int64), ("spike_times", np.float64),
                        ("spike_times_index", np.int64)):
        replace(path, name, np.zeros(0, dtype))
    spikes = read_spikes(path)
    assert (spikes.n_spikes, spikes.time.tolist(), spikes.unit_labels.tolist()) == (0, [], [])


def test_foreign_errors_are_named_with_their_type(tmp_path):
    """What h5py or pynwb raise for a damaged file is reported with its type: a KeyError's
    text alone ("('namespaces')") named only the missing key."""
    path = session(tmp_path / "s.nwb")
    with h5py.File(path, "r+") as f:
        core = f["specifications/core"]
        version = next(iter(core))
        del core[version]["namespace"]
        core[version]["namespace"] = "{}"
    assert refusal(netaval.CorruptFileError, path) == (
        f"{path}: not a readable NWB file (KeyError: 'namespaces').")
    (tmp_path / "text.nwb").write_text("not HDF5")
    assert refusal(netaval.CorruptFileError, tmp_path / "text.nwb") == (
        f"{tmp_path / 'text.nwb'}: not a readable NWB file (OSError: Unable to synchronously "
        "open file (file signature not found)).")


def test_declared_sizes_beyond_memory_are_refused_before_reading(tmp_path, monkeypatch):
    """A chunked dataset declaring 2**40 spike times takes a few kB on disk; its size is
    checked against the memory available before anything is read."""
    path = session(tmp_path / "s.nwb")
    replace(path, "spike_times", shape=(2**40,), dtype="f8", chunks=(2**16,))
    replace(path, "spike_times_index", np.array([3, 4, 2**40], np.int64))
    assert os.path.getsize(path) < 2**20
    monkeypatch.setattr("netaval._memory.available_memory", lambda: 2**30)
    assert refusal(netaval.InvalidParameterError, path) == (
        f"The 'source' parameter of read_spikes: {path} declares {2**40} spike times of 3 "
        "units, which needs about 65536.0 GiB, more than the 1.0 GiB of memory available.")
    small = session(tmp_path / "small.nwb")  # 9 entries x 64 bytes: refused below 576 bytes
    monkeypatch.setattr("netaval._memory.available_memory", lambda: 575)
    assert refusal(netaval.InvalidParameterError, small).endswith(
        "declares 6 spike times of 3 units, which needs about 0.0 GiB, more than the 0.0 GiB "
        "of memory available.")
    monkeypatch.setattr("netaval._memory.available_memory", lambda: 576)
    assert read_spikes(small).n_spikes == 6


def _external(tmp_path, target):
    path = session(tmp_path / "s.nwb")
    replace(path, "spike_times", shape=(6,), dtype="f8", external=[(str(target), 0, 48)])
    return path


def test_data_outside_the_file_is_refused(tmp_path):
    """External raw storage, virtual datasets and external links may name other files
    (a FIFO blocks the reader forever, see below): refused, whatever they hold."""
    raw = tmp_path / "raw.bin"
    np.arange(6, dtype=np.float64).tofile(raw)
    external = _external(tmp_path, raw)
    assert refusal(netaval.CorruptFileError, external) == (
        f"{external}: '/units/spike_times' keeps its data outside the file (external raw "
        "storage); read_spikes reads only the file it is given.")
    source = tmp_path / "source.h5"
    with h5py.File(source, "w") as f:
        f["x"] = np.arange(6, dtype=np.float64)
    virtual = session(tmp_path / "v.nwb")
    layout = h5py.VirtualLayout(shape=(6,), dtype="f8")
    layout[:] = h5py.VirtualSource(str(source), "x", shape=(6,))
    replace(virtual, "spike_times", layout=layout)
    assert refusal(netaval.CorruptFileError, virtual) == (
        f"{virtual}: '/units/spike_times' keeps its data outside the file (a virtual dataset "
        "over other files); read_spikes reads only the file it is given.")
    linked = session(tmp_path / "l.nwb")
    with h5py.File(linked, "r+") as f:
        f["analysis/elsewhere"] = h5py.ExternalLink(str(source), "x")
    assert refusal(netaval.CorruptFileError, linked) == (
        f"{linked}: '/analysis/elsewhere' keeps its data outside the file (an external link "
        "to another file); read_spikes reads only the file it is given.")


def test_external_storage_on_a_fifo_does_not_hang(tmp_path):
    """The spike times stored "externally" in a FIFO under the temporary directory once
    blocked read_spikes forever; run in a subprocess so a regression fails, not hangs."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    path = _external(tmp_path, fifo)
    code = textwrap.dedent(f"""
        import netaval
        from netaval.io import read_spikes
        try:
            read_spikes({str(path)!r})
        except netaval.CorruptFileError as exc:
            print(exc)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONPATH": ROOT})
    assert done.stdout.strip() == (
        f"{path}: '/units/spike_times' keeps its data outside the file (external raw "
        "storage); read_spikes reads only the file it is given."), done.stderr


@settings(max_examples=20, deadline=None)
@given(trains=st.dictionaries(st.integers(0, 2**40), st.lists(
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False), max_size=6), min_size=1,
    max_size=5))
def test_any_units_table_pynwb_writes_reads_back_unit_by_unit(tmp_path_factory, trains):
    """Whatever trains pynwb writes (ids of any size, empty units, repeated and unsorted
    times), read_spikes returns every spike once, sorted, under its unit's id."""
    path = session(tmp_path_factory.mktemp("nwb") / "s.nwb", trains)
    spikes = read_spikes(path)
    pooled = sorted((t, u) for u, ts in trains.items() for t in ts)
    assert spikes.unit_labels.tolist() == sorted(trains)
    assert spikes.time.tolist() == [t for t, _ in pooled]
    assert sorted(zip(spikes.time.tolist(), spikes.unit_labels[spikes.unit].tolist(),
                      strict=True)) == pooled
