"""The units table of an NWB file, read defensively for `netaval.io.read_spikes`.

Everything the file declares is checked before its data is read: every dataset must keep
its data inside the file (external raw storage may name a FIFO or a device, a virtual
dataset or an external link another file), the spike times must be a 1-D numeric
column, the ragged index 1-D integer offsets, the labels one per unit, and the declared
sizes must fit in the memory available. The values are checked once read: the labels
must be unique, the offsets rise from 0 to the number of spike times, the times be finite.
"""

from __future__ import annotations

import numpy as np

from netaval.errors import CorruptFileError, InvalidParameterError

__all__ = ["read_units"]

#: Bytes one spike (or unit) takes from the file to the `netaval.Spikes` built from it:
#: its time and unit as read, the sorted copies, the sort's permutation and the unit ranks.
ENTRY_BYTES = 64


def read_units(path: str, unit_column: str | None,
               owner: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(times, ends, labels)`` of the units table at ``path``: the pooled spike times
    (float64 seconds), each unit's end offset into them (int64) and its label (the unit
    ids, or the column ``unit_column``), checked.

    Raises
    ------
    CorruptFileError
        When the file is not a readable NWB file, has no units table with spike times,
        keeps data outside the file, or its columns are malformed.
    InvalidParameterError
        When ``unit_column`` names no column, or one that is not one unique label per
        unit; when the declared sizes exceed the memory available.
    """
    from pynwb import NWBHDF5IO

    def corrupt(reason: str) -> CorruptFileError:
        return CorruptFileError(f"{path}: {reason}.")

    try:
        from hdmf.build.errors import ConstructError
        from hdmf.common import VectorIndex

        _check_storage(path, owner, corrupt)
        with NWBHDF5IO(path, "r") as io:
            units = io.read().units
            if units is None or "spike_times" not in units.colnames:
                raise corrupt("the NWB file has no units table with spike_times")
            index = units["spike_times"]
            if not isinstance(index, VectorIndex):
                raise corrupt("the units table's spike_times has no spike_times_index "
                              "(one ragged list of times per unit)")
            times, ends = index.target.data, index.data
            _check_column(times, "spike_times", "iuf", "numbers", corrupt)
            _check_column(ends, "spike_times_index", "iu", "integers", corrupt)
            if unit_column is None:
                labels = units.id.data
            elif unit_column not in units.colnames:
                raise InvalidParameterError(
                    f"The 'unit_column' parameter of {owner}: the units table of {path} has "
                    f"no column {unit_column!r}; its columns are {list(units.colnames)}.")
            else:
                labels = _label_column(units[unit_column], VectorIndex, unit_column, path,
                                       owner)
            _check_memory(path, owner, len(times), len(ends))
            times = np.asarray(times[:], np.float64)
            ends = np.asarray(ends[:])  # cast once checked: a uint64 offset would wrap
            labels = np.asarray(labels[:])
    except (CorruptFileError, InvalidParameterError):
        raise
    except Exception as exc:  # h5py and hdmf raise many types for foreign files
        # hdmf's ConstructError carries the whole builder tree before its reason; the
        # others are named, as a KeyError's text alone is only the missing key
        reason = (exc.args[-1] if isinstance(exc, ConstructError) and exc.args
                  else f"{type(exc).__name__}: {exc}")
        raise corrupt(f"not a readable NWB file ({reason})") from None
    if len(np.unique(labels)) != len(labels):
        if unit_column is None:
            raise corrupt("the units table's ids are not unique")
        raise InvalidParameterError(f"The 'unit_column' parameter of {owner}: column "
                                    f"{unit_column!r} of {path} is not unique per unit.")
    ends = _check_offsets(ends, len(times), corrupt)
    if not np.isfinite(times).all():
        raise corrupt("the units table holds non-finite spike times")
    return times, ends, labels


def _check_storage(path: str, owner: str, corrupt) -> None:
    """Refuse a file any of whose objects keeps its data elsewhere (read_spikes reads only
    the file it is given: an external file may be a FIFO, which would block forever)."""
    import h5py

    found = []

    def visit(name: str, link) -> None:
        if isinstance(link, h5py.ExternalLink):
            found.append((name, "an external link to another file"))

    def visit_datasets(name: str, item) -> None:
        if isinstance(item, h5py.Dataset):
            if item.external:
                found.append((name, "external raw storage"))
            elif item.is_virtual:
                found.append((name, "a virtual dataset over other files"))

    with h5py.File(path, "r") as handle:
        handle.visititems_links(visit)
        if not found:
            handle.visititems(visit_datasets)
    if found:
        name, how = found[0]
        raise corrupt(f"'/{name}' keeps its data outside the file ({how}); {owner} reads "
                      "only the file it is given")


def _check_column(data, name: str, kinds: str, what: str, corrupt) -> None:
    shape, dtype = getattr(data, "shape", None), getattr(data, "dtype", None)
    if shape is None or dtype is None or len(shape) != 1:
        raise corrupt(f"the units table's {name} must be 1-dimensional. Got shape {shape}")
    # hdmf gives 'object' for references and a list of field types for a compound type
    if not isinstance(dtype, np.dtype) or dtype.kind not in kinds:
        raise corrupt(f"the units table's {name} holds {dtype} values, not {what}")


def _label_column(column, ragged: type, name: str, path: str, owner: str):
    """The data of the label column ``name``: one value per unit."""
    shape = getattr(column.data, "shape", None)
    if isinstance(column, ragged) or shape is None or len(shape) != 1:
        what = ("a ragged column (a list of values per unit)" if isinstance(column, ragged)
                else f"of shape {shape}")
        raise InvalidParameterError(f"The 'unit_column' parameter of {owner}: column "
                                    f"{name!r} of {path} is {what}, not one label per unit.")
    return column.data


def _check_memory(path: str, owner: str, n_spikes: int, n_units: int) -> None:
    from netaval._memory import beyond_memory

    excess = beyond_memory((n_spikes + n_units) * ENTRY_BYTES)
    if excess is not None:
        raise InvalidParameterError(
            f"The 'source' parameter of {owner}: {path} declares {n_spikes} spike times of "
            f"{n_units} units, which needs about {excess}.")


def _check_offsets(ends: np.ndarray, n_spikes: int, corrupt) -> np.ndarray:
    """``ends`` (integers of any width) as int64, checked: each unit's end offset lies
    between the previous one (0 before the first) and the number of spike times, and the
    last one is that number. An offset is named with its value in the file."""
    beyond = ends > n_spikes  # compared in the file's own integer width: exact
    exact = ends.astype(np.int64)  # wraps only offsets beyond, all of them refused
    previous = np.concatenate([np.zeros(1, np.int64), exact[:-1]])
    bad = np.flatnonzero(beyond | (exact < previous))
    if bad.size:
        i = int(bad[0])
        raise corrupt(f"offset {i} of the units table's spike_times_index, {ends[i]}, is not "
                      f"between the one before ({previous[i]}) and the number of spike "
                      f"times ({n_spikes})")
    last = int(exact[-1]) if len(exact) else 0
    if last != n_spikes:
        raise corrupt(f"the units table's spike_times_index ends at {last}, not at its "
                      f"{n_spikes} spike times")
    return exact
