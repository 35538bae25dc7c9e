"""Study files: parse a TOML study, validate every key before anything runs, expand the grid.

The schema is documented key by key in ``studies/README.md``. Validation raises
`InvalidParameterError` naming the offending key as a dotted path (``models[1].params.sigma``),
so a wrong study is refused before a folder is created or a task runs.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import itertools
import json
import math
import numbers
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from netaval._validation import Interval, check_param, forwarded_from
from netaval.errors import InvalidParameterError

__all__ = ["Study", "Task", "load_study"]

_OWNER = "study file"
_SECTIONS = {"study", "grid", "limits", "topologies", "models", "analyses", "sizes", "report"}
_STUDY_KEYS = {"name", "description", "seed", "default_size", "artefacts"}
_GRID_KEYS = {"n_nodes", "replicates"}
_LIMIT_KEYS = {"n_steps", "duration", "n_avalanches", "max_events", "on_max_events"}
_TOPOLOGY_KEYS = {"label", "generator", "file", "params"}
_MODEL_KEYS = {"label", "model", "params", "sweep", "protocol", "initial", "limits"}
_ANALYSIS_KEYS = {"name", "label", "params"}
_SIZE_KEYS = _GRID_KEYS | _LIMIT_KEYS
_PROTOCOLS = ("driven", "spreading", "isolated")
_NETWORK_SUFFIXES = (".graphml", ".xml", ".csv", ".tsv", ".txt", ".edges", ".mtx", ".npz")


def _fail(key: str, message: str) -> InvalidParameterError:
    return InvalidParameterError(f"Study key '{key}': {message}")


def _table(value: Any, key: str) -> dict:
    if not isinstance(value, dict):
        raise _fail(key, f"must be a table. Got {value!r}.")
    return value


def _known(table: dict, allowed: set[str], key: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        where = f"{key}." if key else ""
        raise _fail(f"{where}{unknown[0]}", f"unknown key; expected one of {sorted(allowed)}.")


def _label(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value or not value.replace("_", "").replace("-", "") \
            .isalnum():
        raise _fail(key, f"must be a non-empty name of letters, digits, '_' or '-'. Got {value!r}.")
    return value


def _scalar(value: Any, key: str) -> Any:
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    raise _fail(key, f"must be a number, a boolean or a string. Got {value!r}.")


def _sweep_values(value: Any, key: str) -> list:
    """A sweep entry: a non-empty list, or {linspace|geomspace = [start, stop, n]}."""
    if isinstance(value, list):
        if not value:
            raise _fail(key, "is an empty list: the grid would be empty.")
        return [_scalar(v, f"{key}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("linspace",
                                                                             "geomspace"):
        kind, spec = next(iter(value.items()))
        if (not isinstance(spec, list) or len(spec) != 3
                or not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in spec)
                or not isinstance(spec[2], int) or spec[2] < 1):
            raise _fail(f"{key}.{kind}", f"must be [start, stop, n] with n a positive int. "
                                         f"Got {spec!r}.")
        if kind == "geomspace" and (spec[0] <= 0 or spec[1] <= 0):
            raise _fail(f"{key}.{kind}", f"needs positive start and stop. Got {spec!r}.")
        grid = (np.linspace if kind == "linspace" else np.geomspace)(spec[0], spec[1], spec[2])
        return [float(v) for v in grid]
    raise _fail(key, "must be a non-empty list of values or a table {linspace = [start, stop, n]}"
                     f" or {{geomspace = [start, stop, n]}}. Got {value!r}.")


@dataclass(frozen=True)
class Task:
    """One point of a study's grid: everything a worker needs to compute one result row.

    Attributes
    ----------
    index : int
        Position in the grid (row-major over topologies, n_nodes, models and their sweeps,
        replicates); the task's random streams are spawned from the root seed by it.
    topology, model : dict
        The topology entry (label, generator or file, params) and the model entry (label,
        model, params with the sweep point filled in, protocol, initial, limits).
    n_nodes, replicate : int
    network_key : tuple of int
        (topology position, n_nodes position, replicate): tasks sharing it simulate on the
        same network, so models are compared on identical graphs.
    analyses : list of dict
        The analyses to compute (name, label, params).
    root_seed : int
    artefacts : bool
        Keep per-task distributions (avalanche sizes and durations) for figures.
    """

    index: int
    topology: dict
    n_nodes: int
    model: dict
    replicate: int
    network_key: tuple
    analyses: list
    root_seed: int
    artefacts: bool = True

    def columns(self) -> dict[str, Any]:
        """The columns identifying this task in the results table."""
        row = {"task": self.index, "topology": self.topology["label"],
               "generator": self.topology.get("generator") or os.path.basename(
                   self.topology["file"]),
               "n_nodes": self.n_nodes, "model": self.model["label"],
               "model_name": self.model["model"], "protocol": self.model["protocol"],
               "replicate": self.replicate, "root_seed": self.root_seed}
        for name, value in sorted(self.model["params"].items()):
            row[f"param.{name}"] = value
        return row


@dataclass(frozen=True)
class Study:
    """A validated study: its normalised specification and the tasks of its grid.

    Attributes
    ----------
    spec : dict
        The study after validation, with the chosen size applied (what is hashed).
    size : str or None
        The size that was applied.
    source : str or None
        Path of the TOML file, when read from one.
    tasks : list of Task
    """

    spec: dict
    size: str | None
    source: str | None
    tasks: list = field(repr=False)

    @property
    def name(self) -> str:
        """The study's name."""
        return self.spec["study"]["name"]

    @property
    def hash(self) -> str:
        """SHA-256 of the normalised specification (keys sorted): what a folder is bound to."""
        text = json.dumps(self.spec, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def _check_topologies(entries: Any, base: Path | None) -> list[dict]:
    import topologies

    if not isinstance(entries, list) or not entries:
        raise _fail("topologies", "must be a non-empty array of tables ([[topologies]]).")
    out, labels = [], set()
    for i, entry in enumerate(entries):
        key = f"topologies[{i}]"
        entry = _table(entry, key)
        _known(entry, _TOPOLOGY_KEYS, key)
        params = _table(entry.get("params", {}), f"{key}.params")
        for name, value in params.items():
            _scalar(value, f"{key}.params.{name}")
        if ("generator" in entry) == ("file" in entry):
            raise _fail(key, "needs exactly one of 'generator' (a registered topology) or 'file' "
                             "(a network file).")
        if "generator" in entry:
            generator = entry["generator"]
            if generator not in topologies.available():
                raise _fail(f"{key}.generator", f"unknown topology {generator!r}; known "
                                                f"topologies are {topologies.available()}.")
            spec = topologies.get(generator)
            unknown = sorted(set(params) - set(spec.constraints))
            if unknown:
                raise _fail(f"{key}.params.{unknown[0]}", f"is not a parameter of topology "
                                                          f"{generator!r}; expected some of "
                                                          f"{sorted(spec.constraints)}.")
            label = entry.get("label", generator)
            item = {"label": label, "generator": generator, "params": dict(params)}
        else:
            path = entry["file"]
            if not isinstance(path, str) or not path.endswith(_NETWORK_SUFFIXES):
                raise _fail(f"{key}.file", f"must be a path ending in one of "
                                           f"{list(_NETWORK_SUFFIXES)}. Got {path!r}.")
            if params:
                raise _fail(f"{key}.params", "is not allowed with 'file'.")
            full = Path(path) if base is None or os.path.isabs(path) else base / path
            if not full.is_file():
                raise _fail(f"{key}.file", f"no such file: {full}.")
            label = entry.get("label", Path(path).stem)
            digest = hashlib.sha256(full.read_bytes()).hexdigest()  # a changed file: a new study
            item = {"label": label, "file": str(full.resolve()), "sha256": digest, "params": {}}
        _label(label, f"{key}.label")
        if label in labels:
            raise _fail(f"{key}.label", f"{label!r} is used twice; labels must be unique.")
        labels.add(label)
        out.append(item)
    return out


def _check_limits(table: Any, key: str) -> dict:
    table = _table(table, key)
    _known(table, _LIMIT_KEYS, key)
    limits = {}
    for name, value in table.items():
        if name == "on_max_events":
            if value not in ("raise", "truncate"):
                raise _fail(f"{key}.{name}", f"must be 'raise' or 'truncate'. Got {value!r}.")
        elif name == "duration":
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or value < 0 \
                    or not math.isfinite(value):
                raise _fail(f"{key}.{name}", f"must be a finite number >= 0. Got {value!r}.")
            value = float(value)
        else:
            if isinstance(value, bool) or not isinstance(value, int) or value < (
                    1 if name == "max_events" else 0):
                raise _fail(f"{key}.{name}", f"must be a non-negative int. Got {value!r}.")
        limits[name] = value
    return limits


def _check_models(entries: Any, limits: dict) -> list[dict]:
    import netaval.models

    if not isinstance(entries, list) or not entries:
        raise _fail("models", "must be a non-empty array of tables ([[models]]).")
    out, labels = [], set()
    for i, entry in enumerate(entries):
        key = f"models[{i}]"
        entry = _table(entry, key)
        _known(entry, _MODEL_KEYS, key)
        name = entry.get("model")
        if name not in netaval.models.available():
            raise _fail(f"{key}.model", f"unknown model {name!r}; known models are "
                                        f"{netaval.models.available()}.")
        cls = netaval.models.get(name)
        fields = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) \
            else None
        params = dict(_table(entry.get("params", {}), f"{key}.params"))
        sweep = _table(entry.get("sweep", {}), f"{key}.sweep")
        for pname, value in params.items():
            _scalar(value, f"{key}.params.{pname}")
        axes = {pname: _sweep_values(value, f"{key}.sweep.{pname}")
                for pname, value in sweep.items()}
        for pname in list(params) + list(axes):
            if fields is not None and pname not in fields:
                where = "params" if pname in params else "sweep"
                raise _fail(f"{key}.{where}.{pname}", f"is not a parameter of model {name!r}; "
                                                      f"expected some of {sorted(fields)}.")
        both = sorted(set(params) & set(axes))
        if both:
            raise _fail(f"{key}.sweep.{both[0]}", "is also given in params; give it once.")
        protocol = entry.get("protocol", "driven")
        if protocol not in _PROTOCOLS:
            raise _fail(f"{key}.protocol", f"must be one of {list(_PROTOCOLS)}. "
                                           f"Got {protocol!r}.")
        initial = entry.get("initial")
        if protocol == "spreading":
            if (not isinstance(initial, list) or not initial
                    or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                               for v in initial)):
                raise _fail(f"{key}.initial", "must be a non-empty list of neuron ids for "
                                              f"protocol 'spreading'. Got {initial!r}.")
        elif initial is not None:
            raise _fail(f"{key}.initial", "is only used by protocol 'spreading'.")
        model_limits = {**limits, **_check_limits(entry.get("limits", {}), f"{key}.limits")}
        label = entry.get("label", name)
        _label(label, f"{key}.label")
        if label in labels:
            raise _fail(f"{key}.label", f"{label!r} is used twice; labels must be unique.")
        labels.add(label)
        points = []
        for combo in itertools.product(*axes.values()):
            point = {**params, **dict(zip(axes, combo, strict=True))}
            try:
                model = cls(**point)
            except InvalidParameterError as exc:
                raise _fail(f"{key}.params", str(exc)) from None
            except TypeError as exc:
                raise _fail(f"{key}.params", f"{exc}") from None
            need = "duration" if getattr(model, "continuous_time", False) else "n_steps"
            if protocol == "driven" and need not in model_limits:
                raise _fail(f"{key}.limits.{need}", f"is required: protocol 'driven' of model "
                                                    f"{name!r} needs it (in [limits], "
                                                    f"[sizes.*] or the model's limits).")
            if protocol == "isolated" and "n_avalanches" not in model_limits:
                raise _fail(f"{key}.limits.n_avalanches", "is required by protocol 'isolated'.")
            points.append(point)
        out.append({"label": label, "model": name, "protocol": protocol, "initial": initial,
                    "limits": model_limits, "points": points, "sweep": sorted(axes)})
    return out


def _check_analyses(entries: Any) -> list[dict]:
    from netaval.study import analyses as registry

    if not isinstance(entries, list) or not entries:
        raise _fail("analyses", "must be a non-empty array of tables ([[analyses]]).")
    out, labels = [], set()
    for i, entry in enumerate(entries):
        key = f"analyses[{i}]"
        entry = _table(entry, key)
        _known(entry, _ANALYSIS_KEYS, key)
        name = entry.get("name")
        if name not in registry.available():
            raise _fail(f"{key}.name", f"unknown analysis {name!r}; known analyses are "
                                       f"{registry.available()}.")
        params = dict(_table(entry.get("params", {}), f"{key}.params"))
        try:
            params = registry.get(name).validate(params)
        except InvalidParameterError as exc:
            raise _fail(f"{key}.params", str(exc)) from None
        label = entry.get("label", name)
        _label(label, f"{key}.label")
        if label in labels:
            raise _fail(f"{key}.label", f"{label!r} is used twice; labels must be unique.")
        labels.add(label)
        out.append({"name": name, "label": label, "params": params})
    return out


def _apply_size(raw: dict, size: str | None) -> tuple[dict, str | None]:
    sizes = _table(raw.get("sizes", {}), "sizes")
    study = raw.get("study", {})
    if size is None:
        size = study.get("default_size") if isinstance(study, dict) else None
        if size is None and "small" in sizes:
            size = "small"
    if size is None:
        return raw, None
    if size not in sizes:
        raise _fail("sizes", f"has no size {size!r}; sizes are {sorted(sizes)}.")
    overrides = _table(sizes[size], f"sizes.{size}")
    _known(overrides, _SIZE_KEYS, f"sizes.{size}")
    raw = copy.deepcopy(raw)
    grid = raw.setdefault("grid", {})
    limits = raw.setdefault("limits", {})
    for name, value in overrides.items():
        (grid if name in _GRID_KEYS else limits)[name] = value
    return raw, size


def _check_report(table: Any) -> dict:
    from netaval.study._report import FIGURE_KINDS

    table = _table(table, "report")
    _known(table, {"figures"}, "report")
    figures = table.get("figures", [])
    if not isinstance(figures, list):
        raise _fail("report.figures", "must be an array of tables ([[report.figures]]).")
    out = []
    for i, entry in enumerate(figures):
        key = f"report.figures[{i}]"
        entry = dict(_table(entry, key))
        kind = entry.pop("kind", None)
        if kind not in FIGURE_KINDS:
            raise _fail(f"{key}.kind", f"must be one of {sorted(FIGURE_KINDS)}. Got {kind!r}.")
        allowed = FIGURE_KINDS[kind]
        _known(entry, allowed | {"name"}, key)
        name = entry.pop("name", f"{kind}_{i}")
        _label(name, f"{key}.name")
        out.append({"kind": kind, "name": name, **entry})
    return {"figures": out}


def parse_study(raw: dict, *, size: str | None = None, source: str | None = None) -> Study:
    """Validate a study given as a dict (as read from TOML) and expand its grid."""
    raw = _table(raw, "(top level)")
    _known(raw, _SECTIONS, "")
    raw, size = _apply_size(raw, size)
    study = _table(raw.get("study"), "study") if "study" in raw else None
    if study is None:
        raise _fail("study", "is required ([study] with name and seed).")
    _known(study, _STUDY_KEYS, "study")
    name = _label(study.get("name"), "study.name")
    seed = study.get("seed")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise _fail("study.seed", f"must be a non-negative int (the root seed). Got {seed!r}.")
    description = study.get("description", "")
    if not isinstance(description, str):
        raise _fail("study.description", f"must be a string. Got {description!r}.")
    artefacts = study.get("artefacts", True)
    if not isinstance(artefacts, bool):
        raise _fail("study.artefacts", f"must be true or false. Got {artefacts!r}.")
    grid = _table(raw.get("grid", {}), "grid")
    _known(grid, _GRID_KEYS, "grid")
    n_nodes = grid.get("n_nodes")
    if isinstance(n_nodes, int) and not isinstance(n_nodes, bool):
        n_nodes = [n_nodes]
    if not isinstance(n_nodes, list) or not n_nodes or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in n_nodes):
        raise _fail("grid.n_nodes", f"must be a positive int or a non-empty list of them. "
                                    f"Got {grid.get('n_nodes')!r}.")
    replicates = grid.get("replicates", 1)
    try:
        check_param(_OWNER, "grid.replicates", replicates, Interval(numbers.Integral, 1))
    except InvalidParameterError:
        raise _fail("grid.replicates", f"must be an int >= 1. Got {replicates!r}.") from None
    limits = _check_limits(raw.get("limits", {}), "limits")
    base = Path(source).resolve().parent if source else None
    topology_entries = _check_topologies(raw.get("topologies"), base)
    model_entries = _check_models(raw.get("models"), limits)
    analysis_entries = _check_analyses(raw.get("analyses"))
    report = _check_report(raw.get("report", {}))
    from topologies._registry import validate_call

    for t_pos, topo in enumerate(topology_entries):
        if "generator" in topo:
            for n in n_nodes:
                try:
                    validate_call(topo["generator"], n, topo["params"])
                except InvalidParameterError as exc:
                    raise _fail(f"topologies[{t_pos}].params", f"{exc} (for n_nodes = {n})") \
                        from None
    spec = {"study": {"name": name, "description": description, "seed": seed,
                      "artefacts": artefacts},
            "grid": {"n_nodes": n_nodes, "replicates": int(replicates)},
            "topologies": topology_entries, "models": model_entries,
            "analyses": analysis_entries, "report": report}
    tasks = []
    for t_pos, topo in enumerate(topology_entries):
        for n_pos, n in enumerate(n_nodes):
            for model in model_entries:
                for point in model["points"]:
                    for rep in range(int(replicates)):
                        entry = {"label": model["label"], "model": model["model"],
                                 "params": point, "protocol": model["protocol"],
                                 "initial": model["initial"], "limits": model["limits"]}
                        tasks.append(Task(len(tasks), topo, n, entry, rep, (t_pos, n_pos, rep),
                                          analysis_entries, seed, artefacts))
    return Study(spec=spec, size=size, source=source, tasks=tasks)


def load_study(path_or_spec: Any, *, size: str | None = None) -> Study:
    """Read and validate a study from a TOML file path, a TOML string's dict, or a `Study`.

    Parameters
    ----------
    path_or_spec : str, os.PathLike, dict or Study
        A ``.toml`` file, or the study as a dict (relative network files are then resolved
        against the working directory).
    size : str, optional
        A ``[sizes.NAME]`` table to apply; default ``study.default_size``, else "small" when
        the study defines it, else none.

    Returns
    -------
    Study

    Raises
    ------
    InvalidParameterError
        Naming the offending key, for a malformed file or an invalid study.

    Examples
    --------
    >>> from netaval.study import load_study
    >>> s = load_study({"study": {"name": "demo", "seed": 1}, "grid": {"n_nodes": [50]},
    ...                 "limits": {"n_steps": 100},
    ...                 "topologies": [{"generator": "random", "params": {"k": 4.0}}],
    ...                 "models": [{"model": "branching", "sweep": {"sigma": [0.5, 1.0]}}],
    ...                 "analyses": [{"name": "density"}]})
    >>> len(s.tasks), s.tasks[1].model["params"]
    (2, {'sigma': 1.0})
    """
    if isinstance(path_or_spec, Study):
        if size is not None and size != path_or_spec.size:
            raise InvalidParameterError(f"The 'size' parameter of load_study cannot change the "
                                        f"size of an already loaded Study ({path_or_spec.size!r})."
                                        f" Got {size!r}.")
        return path_or_spec
    if size is not None and not isinstance(size, str):
        raise InvalidParameterError(f"The 'size' parameter of load_study must be a str or None. "
                                    f"Got {size!r} instead.")
    if isinstance(path_or_spec, dict):
        with forwarded_from("load_study"):
            return parse_study(path_or_spec, size=size)
    if not isinstance(path_or_spec, str | os.PathLike):
        raise InvalidParameterError("The 'path_or_spec' parameter of load_study must be a path "
                                    f"to a TOML file, a dict or a Study. Got {path_or_spec!r}.")
    path = Path(path_or_spec)
    if path.exists() and not path.is_file():  # a FIFO would block read_text forever
        raise InvalidParameterError(f"The 'path_or_spec' parameter of load_study must name a "
                                    f"regular file. Got {str(path)!r}, which is not one.")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidParameterError(f"The 'path_or_spec' parameter of load_study: cannot read "
                                    f"study file {path}: {exc.strerror or exc}.") from None
    except UnicodeDecodeError:
        raise InvalidParameterError(f"The 'path_or_spec' parameter of load_study: study file "
                                    f"{path} is not UTF-8 text (TOML).") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidParameterError(f"The 'path_or_spec' parameter of load_study: study file "
                                    f"{path} is not valid TOML: {exc}.") from None
    with forwarded_from("load_study"):
        return parse_study(raw, size=size, source=str(path))
