"""Saved runs: one Parquet file per run, exact round trip, checksummed, written atomically.

One Parquet file (pyarrow) per run: Parquet is columnar, compressed, typed, and read by
pandas, polars, DuckDB, Spark and R's arrow, so the events of a run can be analysed
without netaval. Table ``events`` has one row per event with columns ``time`` (int64
steps or float64), ``neuron``, ``avalanche``, ``generation`` (int32) and ``parents``
(``large_list<int32>``: the causes, primary first; its offsets are exactly
``Events.parent_indptr``), then, for continuous-time runs whose model records lifetimes,
``end_time`` (float64, ``inf`` for activations still running at the end; since format
version 2). Everything else (activity, model, network provenance, seed,
protocol, flags) is JSON in the schema metadata under the key ``netaval``, with a
format name and version and a CRC-32 of every array; since format version 2 the key
``netaval.crc32`` holds the CRC-32 of that JSON, so one checksum chain covers the
metadata and every column. `load` also checks the columns against the metadata and the
`Events` rules, so a corrupted or inconsistent file raises `CorruptFileError` naming what
is wrong instead of loading as something else. Arrays in the metadata (the activity, arrays among parameters) are stored
exactly as zlib-compressed little-endian bytes in base64.

Writes are atomic: the file is written to a temporary file in the same directory,
flushed and fsynced, then renamed over the target; on any error (a full disk
included) the temporary file is removed, the target is left as it was, and the
error is re-raised.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import numbers
import os
import threading
import warnings
import zlib
from collections.abc import Callable
from os import PathLike
from typing import Any

import numpy as np

from netaval._validation import check_path
from netaval.errors import CorruptFileError, InvalidParameterError, NetavalWarning
from netaval.events import Events
from netaval.io._atomic import atomic_write
from netaval.io._columns import read_event_columns, read_table
from netaval.io._json import crc, decode_array, encode_array, from_json, to_json
from netaval.run import Run

__all__ = ["load", "save_run", "FORMAT_NAME", "FORMAT_VERSION"]

#: Format name written in the metadata of every saved run.
FORMAT_NAME = "netaval.run"
#: Version of the saved-run layout; files with a higher version are refused, older ones
#: load (version 1: no ``end_time`` column).
FORMAT_VERSION = 2
_META_KEY = b"netaval"
_META_CRC_KEY = b"netaval.crc32"
_PROTOCOLS = ("driven", "spreading", "isolated")
_EVENT_COLUMNS = ("time", "neuron", "avalanche", "generation")


# ---------------------------------------------------------------------- models
def _model_to_json(model: Any) -> Any:
    if model is None:
        return None
    if isinstance(model, dict) and "class" in model and "params" in model:
        return to_json(model)  # a model kept as a dict by `load` is saved back unchanged
    if dataclasses.is_dataclass(model) and not isinstance(model, type):
        params = {f.name: getattr(model, f.name) for f in dataclasses.fields(model) if f.init}
    elif hasattr(model, "__dict__"):
        params = {k: v for k, v in vars(model).items() if not k.startswith("_")}
    else:
        raise InvalidParameterError(f"Cannot save the model {model!r}: it is neither a "
                                    "dataclass nor an object with attributes.")
    return {"class": type(model).__name__, "module": type(model).__module__,
            "name": getattr(model, "name", None) if isinstance(getattr(model, "name", None),
                                                                str) else None,
            "params": to_json(params)}


def _model_from_json(spec: Any, stacklevel: int = 3) -> Any:
    """Rebuild the model through the registry; keep a dict (with a warning) if impossible.

    ``stacklevel`` is the warning's, counted from here: 3 names the caller of a public
    function that calls this directly.
    """
    if spec is None:
        return None
    params = from_json(spec["params"])
    candidates = [c for c in (spec.get("name"), spec["class"], spec["class"].lower()) if c]
    try:
        from netaval import models
    except ImportError:  # pragma: no cover - models is part of netaval
        models = None
    factories = []
    for candidate in candidates:
        getter = getattr(models, "get", None)
        if callable(getter):
            with contextlib.suppress(Exception):
                factories.append(getter(candidate))
        factory = getattr(models, candidate, None)
        if isinstance(factory, type):
            factories.append(factory)
    for factory in factories:
        try:
            return factory(**params)
        except Exception:  # a candidate that refuses the parameters: try the next
            continue
    warnings.warn(f"Model {spec['class']!r} could not be rebuilt from the model registry; "
                  "run.model is kept as a dict {'class': ..., 'params': ...}.",
                  NetavalWarning, stacklevel=stacklevel)
    return {"class": spec["class"], "module": spec.get("module"), "params": params}


# ---------------------------------------------------------------------- saved runs
def save_run(run: Run, path: str | PathLike, *, include_network: bool = False) -> None:
    """Write ``run`` to a Parquet file at ``path`` atomically (see the module docstring).

    Parameters
    ----------
    run : Run
    path : str or path-like
    include_network : bool, default False
        Also store the network the run was simulated on (`Run.network_data`: CSR arrays,
        positions, node labels, in the metadata), so `load` gives it back and
        ``run.events.check_invariants(run.network_data)`` works on the loaded run without
        `netaval.rebuild_network`. About 12 bytes per synapse before compression.

    Raises
    ------
    OSError
        When the file cannot be written (no partial file is left behind).

    Examples
    --------
    >>> import os, tempfile
    >>> ev = netaval.Events(time=np.array([0, 1]), neuron=np.array([0, 1], np.int32),
    ...                     avalanche=np.array([0, 0], np.int32),
    ...                     generation=np.array([0, 1], np.int32),
    ...                     parent_indptr=np.array([0, 0, 1]),
    ...                     parent_ids=np.array([0], np.int32))
    >>> run = netaval.Run(ev, np.array([1, 1]), None, {"topology": "random"}, 7, "driven",
    ...                   end_time=2)
    >>> path = os.path.join(tempfile.mkdtemp(), "run.parquet")
    >>> run.save(path)
    >>> back = netaval.load(path)
    >>> back.events.parent_ids.tolist(), back.seed, back.network
    ([0], 7, {'topology': 'random'})
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not isinstance(run, Run):
        raise InvalidParameterError(f"The 'run' parameter of save_run must be a Run. "
                                    f"Got {type(run).__name__} instead.")
    if not isinstance(include_network, bool | np.bool_):
        raise InvalidParameterError(f"The 'include_network' parameter of save_run must be a "
                                    f"bool. Got {include_network!r} instead.")
    if include_network and run.network_data is None:
        raise InvalidParameterError(
            "The 'include_network' parameter of save_run needs run.network_data, but this run "
            "has no network attached (e.g. it was loaded from a file saved without it); "
            "attach one with netaval.rebuild_network(run).")
    path = check_path("save_run", "path", path)
    _check_run(run, lambda reason: InvalidParameterError(
        f"The 'run' parameter of save_run holds an inconsistent run, which could not be "
        f"loaded back: {reason}."))
    events = run.events
    parents = pa.LargeListArray.from_arrays(pa.array(events.parent_indptr, pa.int64()),
                                            pa.array(events.parent_ids, pa.int32()))
    columns = {name: pa.array(getattr(events, name)) for name in _EVENT_COLUMNS}
    columns["parents"] = parents
    checksums = {name: crc(getattr(events, name)) for name in
                 (*_EVENT_COLUMNS, "parent_indptr", "parent_ids")}
    if events.time_step is None and events.end_time is not None:
        columns["end_time"] = pa.array(events.end_time)
        checksums["end_time"] = crc(events.end_time)
    meta = {
        "format": FORMAT_NAME, "version": FORMAT_VERSION, "netaval_version": _version(),
        "n_events": events.n_events, "time_step": events.time_step, "checksums": checksums,
        "activity": encode_array(np.asarray(run.activity)),
        "model": _model_to_json(run.model), "network": to_json(run.network),
        "seed": to_json(run.seed), "protocol": run.protocol,
        "protocol_params": to_json(dict(run.protocol_params or {})),
        "wall_time": to_json(run.wall_time), "truncated": bool(run.truncated),
        "end_time": to_json(run.end_time),
        "alive_avalanches": encode_array(np.asarray(run.alive_avalanches)),
        "rng_state": to_json(run.rng_state),
    }
    if include_network:
        meta["network_data"] = _network_to_json(run.network_data)
    raw = json.dumps(meta, allow_nan=False).encode("utf-8")
    table = pa.table(columns).replace_schema_metadata(
        {_META_KEY: raw, _META_CRC_KEY: str(zlib.crc32(raw)).encode("ascii")})
    atomic_write(path, lambda handle: pq.write_table(table, handle))


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("netaval")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def load(path: str | PathLike) -> Run:
    """Load a run saved by `Run.save`, exactly as it was saved, or a streamed run.

    A directory written by ``simulate(..., out=path)`` (`netaval.io.dataset`) loads as a
    `Run` without events whose avalanches are computed out of core
    (`netaval.io.dataset.load_dataset`).

    The model is rebuilt through the model registry (``netaval.models``) from its class
    name and parameters; if that is impossible (a plug-in model that is not installed),
    ``run.model`` is a dict ``{"class", "module", "params"}`` and a `NetavalWarning` says so.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    Run

    Raises
    ------
    FileNotFoundError
        When there is no file at ``path``.
    InvalidParameterError
        When ``path`` is neither a regular file nor a streamed-run folder (a FIFO, a
        device, a folder without a manifest).
    CorruptFileError
        When the file is truncated, corrupted, not Parquet, or not written by netaval.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "foreign.parquet")
    >>> with open(path, "wb") as f:
    ...     _ = f.write(b"not a parquet file")
    >>> netaval.load(path)
    Traceback (most recent call last):
    ...
    netaval.errors.CorruptFileError: Cannot load a run from ...: not a Parquet file (bad magic bytes).
    """
    target = check_path("load", "path", path)
    if os.path.isdir(target):
        from netaval.io.dataset import _is_dataset, _load_dataset

        if _is_dataset(target):
            return _load_dataset(target)
    if os.path.exists(target) and not os.path.isfile(target):  # a FIFO would block open
        raise InvalidParameterError(
            "The 'path' parameter of load must name a saved run (a regular file) or a "
            f"streamed run (a folder). Got {target!r}, which is neither.")
    with open(target, "rb") as handle:  # FileNotFoundError etc. propagate unchanged
        head = handle.read(4)
        handle.seek(0, os.SEEK_END)
        length = handle.tell()
        if length >= 8:
            handle.seek(-4, os.SEEK_END)
        tail = handle.read(4)

    def corrupt(reason: str) -> CorruptFileError:
        return CorruptFileError(f"Cannot load a run from {target}: {reason}.")

    if length < 12 or head != b"PAR1" or tail != b"PAR1":
        raise corrupt("not a Parquet file (bad magic bytes)" if length >= 12 and head != b"PAR1"
                      else "the file is truncated or not a Parquet file (bad magic bytes)")
    table, metadata = read_table(
        target, (_META_KEY, _META_CRC_KEY), corrupt,
        "the two copies of the metadata (Parquet footer and Arrow schema) differ")
    raw = metadata.get(_META_KEY)
    if raw is None:
        raise corrupt("a Parquet file that netaval did not write (no 'netaval' metadata)")
    stored_crc = metadata.get(_META_CRC_KEY)
    if stored_crc is not None and stored_crc != str(zlib.crc32(raw)).encode("ascii"):
        raise corrupt("the checksum of the metadata does not match (corrupted metadata)")

    def missing(key: str) -> CorruptFileError:
        return corrupt(f"the metadata has no {key!r} entry")

    try:
        meta = json.loads(raw, object_hook=lambda d: _Entries(d, missing))
        if not isinstance(meta, _Entries) or meta.get("format") != FORMAT_NAME:
            raise corrupt(f"unknown format {getattr(meta, 'get', dict().get)('format')!r}, "
                          f"expected {FORMAT_NAME!r}")
        version = meta["version"]
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise corrupt(f"format version {version!r} is not a positive int")
        if version > FORMAT_VERSION:
            raise corrupt(f"format version {version!r} is newer than this netaval reads "
                          f"({FORMAT_VERSION}); upgrade netaval")
        if version >= 2 and stored_crc is None:
            raise corrupt("the checksum of the metadata is missing")
        events = _events_from_table(table, meta, corrupt)
        run = Run(events=events, activity=decode_array(meta["activity"]),
                  model=_model_from_json(meta["model"]), network=from_json(meta["network"]),
                  seed=from_json(meta["seed"]), protocol=meta["protocol"],
                  protocol_params=from_json(meta["protocol_params"]),
                  wall_time=from_json(meta["wall_time"]), truncated=meta["truncated"],
                  end_time=from_json(meta["end_time"]),
                  alive_avalanches=decode_array(meta["alive_avalanches"]),
                  rng_state=from_json(meta["rng_state"]))
        _check_run(run, lambda reason: corrupt(f"the metadata is inconsistent: {reason}"))
        if "network_data" in meta:
            object.__setattr__(run, "network_data",
                               _network_from_json(meta["network_data"], run.network, corrupt))
        object.__setattr__(run, "alive_avalanches", run.alive_avalanches.astype(np.int32))
        object.__setattr__(run, "activity", run.activity.astype(np.int64))
    except CorruptFileError:
        raise
    except Exception as exc:  # malformed metadata of any kind
        raise corrupt(f"its metadata is malformed ({type(exc).__name__}: {exc})") from exc
    return run


def _network_to_json(network: Any) -> dict[str, Any]:
    optional = {name: None if getattr(network, name) is None
                else encode_array(np.asarray(getattr(network, name)))
                for name in ("positions", "node_labels")}
    # the network's own provenance: run.network is a free-form dict that a user may edit
    own = to_json({"topology": network.topology, "params": dict(network.params),
                   "seed_entropy": network.seed_entropy})
    return {"indptr": encode_array(network.indptr), "indices": encode_array(network.indices),
            "weights": encode_array(network.weights), "n_nodes": int(network.n_nodes),
            "directed": bool(network.directed), "provenance": own, **optional}


def _network_from_json(spec: Any, provenance: dict[str, Any], corrupt: Callable) -> Any:
    from netaval.errors import MalformedNetworkError
    from netaval.network import Network

    arrays = {name: None if spec[name] is None else decode_array(spec[name])
              for name in ("indptr", "indices", "weights", "positions", "node_labels")}
    provenance = provenance if isinstance(provenance, dict) else {}
    # files before the network's own provenance was stored: take it from run.network
    own = from_json(spec["provenance"]) if "provenance" in spec else {
        "topology": provenance.get("topology"), "params": provenance.get("params") or {},
        "seed_entropy": provenance.get("seed_entropy")}
    try:
        network = Network(**arrays, n_nodes=spec["n_nodes"], directed=spec["directed"],
                          topology=own["topology"], params=own["params"],
                          seed_entropy=own["seed_entropy"])
    except MalformedNetworkError as exc:
        raise corrupt(f"the stored network is malformed ({exc})") from None
    if provenance.get("n_edges") not in (None, network.n_edges) or \
            provenance.get("n_nodes") not in (None, network.n_nodes):
        raise corrupt(f"the stored network ({network.n_nodes} nodes, {network.n_edges} edges) "
                      f"disagrees with its provenance {provenance}")
    return network


class _Entries(dict):
    """A metadata mapping whose missing keys raise `CorruptFileError`, never `KeyError`."""

    def __init__(self, items: dict, missing: Callable[[str], Exception]) -> None:
        super().__init__(items)
        self._missing = missing

    def __missing__(self, key: str) -> Any:
        raise self._missing(key)


def _check_run(run: Run, fail: Callable[[str], Exception]) -> None:
    """The run's metadata agrees with itself and with its events (O(n), vectorised).

    `save_run` refuses a run that breaks these rules, so every saved file loads; `load`
    refuses a file that breaks them (``fail`` makes the error).
    """
    events = run.events
    activity = np.asarray(run.activity)
    alive = np.asarray(run.alive_avalanches)
    if not isinstance(run.truncated, bool | np.bool_):
        raise fail(f"'truncated' must be a bool. Got {run.truncated!r}")
    if run.protocol not in _PROTOCOLS:
        raise fail(f"'protocol' must be one of {_PROTOCOLS}. Got {run.protocol!r}")
    seed = run.seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)
                             or seed < 0):
        raise fail(f"'seed' must be a non-negative int or None. Got {seed!r}")
    if not isinstance(run.protocol_params, dict):
        raise fail("'protocol_params' must be a mapping")
    end = run.end_time
    if isinstance(end, bool) or not isinstance(end, numbers.Real) or not np.isfinite(end) or \
            end < 0:
        raise fail(f"'end_time' must be a finite time >= 0. Got {end!r}")
    for name, array in (("activity", activity), ("alive_avalanches", alive)):
        if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
            raise fail(f"{name!r} must be a 1-dimensional integer array. Got dtype "
                       f"{array.dtype}, shape {array.shape}")
    continuous = events.time_step is None
    n_bins = int(np.ceil(end)) if continuous else int(end)
    if len(activity) != n_bins:
        raise fail(f"'activity' has {len(activity)} bins, but end_time {end!r} implies "
                   f"{n_bins}")
    carried = run.protocol_params.get("n_carried", 0)
    if isinstance(carried, bool) or not isinstance(carried, int) or \
            not 0 <= carried <= events.n_events:
        raise fail(f"the protocol parameter 'n_carried' must be an int in [0, n_events]. "
                   f"Got {carried!r}")
    counted = int(activity.sum()) if len(activity) else 0
    if (len(activity) and activity.min() < 0) or counted != events.n_events - carried:
        raise fail(f"'activity' counts {counted} events (every count >= 0), the events "
                   f"number {events.n_events - carried}")
    if events.n_events > carried:
        first, last = events.time[carried], events.time[-1]
        if first < 0 or (last > end if continuous else last >= end):
            raise fail(f"event times [{first}, {last}] lie outside the run's window "
                       f"[0, end_time = {end!r})")
    network = run.network if isinstance(run.network, dict) else {}
    n_nodes = network.get("n_nodes")  # readers size per-neuron arrays by it
    if n_nodes is not None:
        low = int(events.neuron.max()) + 1 if events.n_events else 0
        if isinstance(n_nodes, bool) or not isinstance(n_nodes, int | np.integer) or \
                not low <= n_nodes <= 2**31 - 1:
            raise fail(f"the network's 'n_nodes' must be an int in [{low}, 2147483647] (its "
                       f"events name neurons up to {low - 1}). Got {n_nodes!r}")
    if len(alive) and (alive.min() < 0 or alive.max() >= events.n_avalanches):
        raise fail(f"'alive_avalanches' must hold avalanche ids in "
                   f"[0, {events.n_avalanches}). Got range [{alive.min()}, {alive.max()}]")


def _events_from_table(table: Any, meta: dict[str, Any], corrupt: Callable) -> Events:
    expected = (*_EVENT_COLUMNS, "parents")
    with_end = meta["version"] >= 2 and tuple(table.column_names) == (*expected, "end_time")
    if with_end:
        expected = (*expected, "end_time")
    if tuple(table.column_names) != expected:
        raise corrupt(f"columns {table.column_names}, expected {list(expected)}")
    if table.num_rows != meta["n_events"]:
        raise corrupt(f"{table.num_rows} events, the metadata says {meta['n_events']}")
    arrays = read_event_columns(table, _EVENT_COLUMNS + (("end_time",) if with_end else ()), corrupt)
    time_dtype = np.int64 if meta["time_step"] is not None else np.float64
    dtypes = {"time": time_dtype, "neuron": np.int32, "avalanche": np.int32,
              "generation": np.int32, "parent_indptr": np.int64, "parent_ids": np.int32}
    if with_end:
        dtypes["end_time"] = np.float64
    for name, dtype in dtypes.items():
        if arrays[name].dtype != dtype:
            raise corrupt(f"column {name!r} has dtype {arrays[name].dtype}, expected "
                          f"{np.dtype(dtype)}")
    # The checksums (zlib releases the GIL) and the structural check of Events (a nogil
    # kernel) read the same arrays at once, so on two cores the check costs no wall time
    # beyond the checksums'. A checksum mismatch is reported first: it says more.
    checksums: dict[str, int] = {}
    worker = threading.Thread(target=lambda: checksums.update(
        (name, crc(arrays[name])) for name in dtypes), name="netaval-load-crc", daemon=True)
    worker.start()
    try:
        events = Events._from_private(time_step=meta["time_step"], **arrays)
        inconsistent = None
    except InvalidParameterError as exc:
        events, inconsistent = None, exc
    finally:
        worker.join()
    for name in dtypes:
        if checksums.get(name) != meta["checksums"][name]:
            raise corrupt(f"the checksum of {name!r} does not match (corrupted data)")
    if inconsistent is not None:
        raise corrupt(f"its events are inconsistent ({inconsistent})") from None
    return events
