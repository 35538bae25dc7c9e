"""Spike data in: `read_spikes` for CSV/TSV and Parquet tables, NWB units tables and Neo.

A table has one row per spike: a time column and (optionally) a unit column. Columns are
found by name (``time``, ``spike_time``, ``times`` ...; ``unit``, ``unit_id``, ``neuron``,
``senders`` ...) unless named with ``time_column`` / ``unit_column``; a CSV without a
header row is read as ``time[,unit]``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from io import StringIO
from os import PathLike
from typing import Any

import numpy as np

from netaval._validation import Options, check_param
from netaval.errors import CorruptFileError, InvalidParameterError
from netaval.io._text import is_number, split_fields
from netaval.spikes import Spikes

__all__ = ["read_spikes"]

OWNER = "read_spikes"
TIME_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "steps": None}
TIME_NAMES = ("time", "times", "t", "spike_time", "spike_times", "spiketime", "spiketimes",
              "timestamp", "timestamps", "time_s")
UNIT_NAMES = ("unit", "units", "unit_id", "unit_ids", "neuron", "neuron_id", "neurons", "id",
              "cluster", "cluster_id", "cell", "cell_id", "channel", "electrode", "sender",
              "senders", "source")
TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".txt": "\t"}
PARQUET_SUFFIXES = (".parquet", ".pq")


def read_spikes(source: str | PathLike | Sequence[Any], *, time_column: str | int | None = None,
                unit_column: str | int | None = None, time_unit: str | None = None) -> Spikes:
    """Read a spike train: one row per spike, from a file or a list of Neo spike trains.

    Parameters
    ----------
    source : str, path-like, or sequence of neo.SpikeTrain
        A ``.csv`` (comma), ``.tsv`` / ``.tab`` / ``.txt`` (tab) or ``.parquet`` table with
        one row per spike; an ``.nwb`` file (its units table, through ``pynwb``: install
        the ``nwb`` extra); or a list of ``neo.SpikeTrain`` objects (the Neo/Elephant
        convention, one train per unit; the ``neo`` extra).
    time_column : str or int, optional
        Column holding spike times (a name, or a position for a table without header).
        Default: the first column named like ``time``, ``times``, ``spike_time``,
        ``timestamp``...; for a table without header, the first column.
    unit_column : str or int, optional
        Column holding the unit of every spike (any ids: integers or strings; they are
        kept as `Spikes.unit_labels`). Default: the first column named like ``unit``,
        ``unit_id``, ``neuron``, ``cluster``, ``channel``, ``senders``...; for a table
        without header, the second column; a table of times alone is one unit. For NWB it
        names a column of the units table to use as labels (default: the unit ids).
    time_unit : {"s", "ms", "us", "steps"}, optional
        Unit of the times in a table; ``"ms"`` and ``"us"`` are converted to seconds,
        ``"steps"`` keeps integer time steps (netaval's discrete time). Default: ``"steps"``
        for a column of integers, seconds otherwise. NWB and Neo are always seconds.

    Returns
    -------
    Spikes
        Sorted by time; the window runs from the first spike (step 0 for steps) to just
        after the last one (for Neo: the trains' ``t_start`` to ``t_stop``).

    Raises
    ------
    CorruptFileError
        A row that cannot be parsed (with its line number and the reason), a non-finite
        or non-integral time, an NWB file without units table, with malformed columns
        (offsets past the times, non-numeric times, duplicate ids) or with data kept
        outside the file (external storage, virtual datasets, external links).
    InvalidParameterError
        Unknown format, an unknown column (the message lists the columns), a bad
        ``time_unit``, an NWB label column that is not one label per unit, an NWB file
        declaring more spikes than the memory available holds.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "spikes.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("neuron,time_ms\\n3,1.5\\n1,0.5\\n3,2.0\\n")
    >>> spikes = netaval.io.read_spikes(path, time_column="time_ms", time_unit="ms")
    >>> spikes.time.tolist(), spikes.unit.tolist(), spikes.unit_labels.tolist()
    ([0.0005, 0.0015, 0.002], [0, 1, 1], [1, 3])
    """
    check_param(OWNER, "time_unit", time_unit, Options((None, *TIME_UNITS)))
    for name, value in (("time_column", time_column), ("unit_column", unit_column)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, str | int)):
            raise InvalidParameterError(f"The '{name}' parameter of {OWNER} must be a column "
                                        f"name or position, or None. Got {value!r} instead.")
    if isinstance(source, list | tuple):
        _no_columns("a list of neo.SpikeTrain", time_column, time_unit)
        return _from_neo(source)
    if not isinstance(source, str | PathLike):
        raise InvalidParameterError(f"The 'source' parameter of {OWNER} must be a path or a "
                                    f"list of neo.SpikeTrain. Got {type(source).__name__} instead.")
    path = os.fspath(source)
    suffix = os.path.splitext(path)[1].lower()
    if not os.path.exists(path):
        raise FileNotFoundError(f"No such file: {path!r}")
    if not os.path.isfile(path):  # a FIFO would block forever, a directory fail in open
        raise InvalidParameterError(f"The 'source' parameter of {OWNER} must name a regular "
                                    f"file. Got {path!r}, which is not one.")
    if suffix == ".nwb":
        _no_columns("an NWB file", time_column, time_unit)
        return _from_nwb(path, unit_column)
    if suffix in PARQUET_SUFFIXES:
        import pyarrow.parquet as pq

        try:
            frame = pq.read_table(path).to_pandas()
        except Exception as exc:  # pyarrow raises several unrelated types for bad files
            raise CorruptFileError(f"{path}: not a readable Parquet file ({exc}).") from None
        return _from_table(path, frame, None, False, time_column, unit_column, time_unit)
    if suffix in TABLE_SUFFIXES:
        frame, lines, headerless = _read_text_table(path, TABLE_SUFFIXES[suffix])
        return _from_table(path, frame, lines, headerless, time_column, unit_column, time_unit)
    raise InvalidParameterError(
        f"The 'source' parameter of {OWNER} must name a .csv, .tsv, .tab, .txt, .parquet or "
        f".nwb file. Got {path!r} (suffix {suffix!r}) instead.")


def _no_columns(what: str, time_column, time_unit) -> None:
    if time_column is not None:
        raise InvalidParameterError(f"The 'time_column' parameter of {OWNER} does not apply "
                                    f"to {what} (spike times are known). Got {time_column!r}.")
    if time_unit not in (None, "s"):
        raise InvalidParameterError(f"The 'time_unit' parameter of {OWNER} must be None or "
                                    f"'s' for {what} (times are in seconds). Got {time_unit!r}.")


def _read_text_table(path: str, sep: str):
    """The table as strings, plus the 1-based file line of every data row."""
    import pandas as pd

    with open(path, encoding="utf-8", errors="replace") as handle:
        raw = handle.read().splitlines()
    lines = [number for number, text in enumerate(raw, start=1)
             if text.strip() and not text.lstrip().startswith("#")]
    if not lines:
        raise CorruptFileError(f"{path}: the file holds no rows.")
    split = None if sep == "\t" and "\t" not in raw[lines[0] - 1] else sep  # .txt: whitespace
    widths = {}  # the header too: pandas reads extra leading fields as an index, silently
    for number in lines:
        line = raw[number - 1]
        try:  # split_fields only where a quote may hide a separator: long files
            width = len(split_fields(line, split) if '"' in line else line.split(split))
        except ValueError as exc:
            raise CorruptFileError(f"{path}, line {number}: {exc}.") from None
        widths.setdefault(width, number)
    first = split_fields(raw[lines[0] - 1], split)
    has_header = not all(is_number(field) for field in first)
    if len(widths) > 1:
        expected = len(first)
        bad = next(number for width, number in widths.items() if width != expected)
        raise CorruptFileError(f"{path}, line {bad}: expected {expected} fields like line "
                               f"{lines[0]}, got {len(split_fields(raw[bad - 1], split))}.")
    # pandas reads only the rows kept above (as decoded here), so every row has its line:
    # on the file, an indented comment became a row of blanks and bad bytes an error
    text = StringIO("\n".join(raw[number - 1] for number in lines))
    try:
        frame = pd.read_csv(text, sep=r"\s+" if split is None else sep, dtype=str,
                            header=0 if has_header else None, keep_default_na=False,
                            comment="#", engine="c" if split else "python")
    except pd.errors.ParserError as exc:
        raise CorruptFileError(f"{path}: {' '.join(str(exc).split())}") from None
    if has_header:
        frame.columns = [str(c).strip() for c in frame.columns]
        lines = lines[1:]
    else:
        frame.columns = list(range(frame.shape[1]))
    return frame, lines, not has_header


def _find_column(path: str, frame, given, names: tuple[str, ...], what: str, fallback):
    columns = list(frame.columns)
    if given is not None:
        if given in columns:
            return given
        if isinstance(given, int) and 0 <= given < len(columns):
            return columns[given]
        raise InvalidParameterError(f"The '{what}' parameter of {OWNER}: {path} has no column "
                                    f"{given!r}; its columns are {columns}.")
    lowered = {str(c).strip().lower(): c for c in reversed(columns)}
    for name in names:
        if name in lowered:
            return lowered[name]
    return fallback


def _line_of(lines, row: int) -> str:
    return f"line {lines[row]}" if lines is not None else f"row {row + 1}"


def _from_table(path, frame, lines, headerless, time_column, unit_column, time_unit) -> Spikes:
    import pandas as pd

    if frame.shape[1] == 0 or frame.shape[0] == 0:
        raise CorruptFileError(f"{path}: the table holds no spikes.")
    time_col = _find_column(path, frame, time_column, TIME_NAMES, "time_column",
                            frame.columns[0] if headerless else None)
    if time_col is None:
        raise InvalidParameterError(
            f"{OWNER} found no time column in {path} (columns {list(frame.columns)}); "
            f"pass time_column=NAME.")
    others = [c for c in frame.columns if c != time_col]
    unit_col = _find_column(path, frame, unit_column, UNIT_NAMES, "unit_column",
                            (others[0] if headerless and others else None))
    if unit_col is None and others:
        raise InvalidParameterError(
            f"{OWNER} found no unit column in {path} (columns {list(frame.columns)}); pass "
            f"unit_column=NAME.")
    raw_time = frame[time_col]
    times = pd.to_numeric(raw_time, errors="coerce").to_numpy()
    bad = np.flatnonzero(~np.isfinite(times.astype(np.float64)))
    if bad.size:
        row = int(bad[0])
        raise CorruptFileError(f"{path}, {_line_of(lines, row)}: spike time "
                               f"{str(raw_time.iloc[row])!r} in column {time_col!r} is not a "
                               "finite number.")
    unit_name = time_unit or ("steps" if times.dtype.kind in "iu" else "s")
    if unit_name == "steps":
        as_float = times.astype(np.float64)
        fractional = np.flatnonzero(as_float != np.round(as_float))
        if fractional.size:
            row = int(fractional[0])
            raise CorruptFileError(f"{path}, {_line_of(lines, row)}: time_unit='steps' needs "
                                   f"integer times; got {str(raw_time.iloc[row])!r}.")
        steps = _exact_int64(times)
        if steps is None:  # the float cast wrapped around or rounded (silently)
            row = int(np.argmax(np.abs(as_float)))
            raise CorruptFileError(
                f"{path}, {_line_of(lines, row)}: time_unit='steps' needs integer times "
                f"below 2**63 (2**53 when written as decimals); got "
                f"{str(raw_time.iloc[row])!r}.")
        times = steps
    else:
        times = times.astype(np.float64) * TIME_UNITS[unit_name]
    units = None
    if unit_col is not None:
        raw_unit = frame[unit_col]
        null = raw_unit.isna().to_numpy()  # Parquet nulls (an Int64 column keeps kind "i")
        numeric = pd.to_numeric(raw_unit, errors="coerce")
        # integer ids only when int64 holds each exactly (1e300, inf or 2**64 - 1 wrapped)
        units = None if null.any() or numeric.isna().any() else _exact_int64(
            np.array(numeric.tolist()))
        if units is None:
            try:
                units = raw_unit.astype(str).str.strip().to_numpy()
            except UnicodeDecodeError as exc:  # a binary Parquet column
                raise CorruptFileError(f"{path}: unit column {unit_col!r} holds bytes that "
                                       f"are not text ({exc}).") from None
            empty = np.flatnonzero(null | (units == ""))
            if empty.size:
                raise CorruptFileError(f"{path}, {_line_of(lines, int(empty[0]))}: empty unit "
                                       f"in column {unit_col!r}.")
    return Spikes.from_arrays(times, units, time_unit="steps" if unit_name == "steps" else "s")


def _exact_int64(values: np.ndarray) -> np.ndarray | None:
    """``values`` as int64 when every one is an integer int64 holds, exactly (a float
    beyond 2**53 may be a rounded one); None otherwise."""
    if values.dtype.kind == "i":
        return values.astype(np.int64, copy=False)
    if values.dtype.kind == "u":
        return values.astype(np.int64) if not len(values) or values.max() < 2**63 else None
    if values.dtype.kind not in "bf":
        return None
    as_float = values.astype(np.float64)
    if len(as_float) and not (np.isfinite(as_float).all() and np.abs(as_float).max() < 2**53
                              and (as_float == np.round(as_float)).all()):
        return None
    return as_float.astype(np.int64)


def _from_nwb(path: str, unit_column) -> Spikes:
    try:
        import pynwb  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the environment
        raise InvalidParameterError(f"{OWNER} needs pynwb to read {path}: "
                                    "python -m pip install 'netaval[nwb]'.") from None
    from netaval.io._nwb import read_units

    flat, ends, labels = read_units(path, unit_column, OWNER)
    counts = np.diff(np.concatenate([[0], ends]))
    order = np.argsort(labels, kind="stable")
    rank = np.empty(len(labels), np.int64)
    rank[order] = np.arange(len(labels))
    return _spikes_from_trains(flat, np.repeat(rank, counts), labels[order], None, None)


def _spikes_from_trains(times, units, labels, start, end) -> Spikes:
    """Spikes in seconds from pooled trains; the window covers every spike."""
    order = np.argsort(times, kind="stable")
    times, units = times[order], units[order]
    if len(times):
        start = float(times[0]) if start is None else min(start, float(times[0]))
        last = float(times[-1])
    else:  # no spike: the window the trains give (was moved to start at 0)
        start = 0.0 if start is None else start
        last = start
    if end is None or end <= last:
        end = float(np.nextafter(last, math.inf))
    return Spikes(times, units, labels, start, end, "s")


def _from_neo(trains: Sequence[Any]) -> Spikes:
    if not trains:
        raise InvalidParameterError(f"The 'source' parameter of {OWNER} must hold at least "
                                    "one neo.SpikeTrain. Got an empty list.")
    for index, train in enumerate(trains):
        if not all(hasattr(train, name) for name in ("times", "t_start", "t_stop", "rescale")):
            raise InvalidParameterError(
                f"The 'source' parameter of {OWNER} must be a list of neo.SpikeTrain; "
                f"item {index} is a {type(train).__name__}.")
    seconds = [np.asarray(train.rescale("s").magnitude, np.float64).ravel() for train in trains]
    start = min(float(train.t_start.rescale("s").magnitude) for train in trains)
    end = max(float(train.t_stop.rescale("s").magnitude) for train in trains)
    names = [train.name for train in trains]
    labels = (np.asarray(names) if all(isinstance(n, str) for n in names)
              and len(set(names)) == len(names) else np.arange(len(trains)))
    times = np.concatenate(seconds)
    if not np.isfinite(times).all():
        raise InvalidParameterError(f"The 'source' parameter of {OWNER} holds non-finite "
                                    "spike times.")
    order = np.argsort(labels, kind="stable")
    rank = np.empty(len(labels), np.int64)
    rank[order] = np.arange(len(labels))
    units = np.repeat(rank, [len(s) for s in seconds])
    return _spikes_from_trains(times, units, labels[order], start, end)
