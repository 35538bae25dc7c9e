"""Studies: a TOML grid of (topology x size x model x parameters x replicates) tasks.

Each task builds its network, simulates, runs the study's analyses and returns one row;
rows are stored one Parquet file per task, atomically, in the study's output folder, so a
study resumes where it stopped and no executor or worker count changes a result. The
schema of a study file is documented key by key in ``studies/README.md``.

- `run` runs or resumes a study (executors "serial", "processes", "dask");
- `status` lists done, pending and failed tasks of an output folder;
- `load_results` reads the results table back; `report` regenerates tables and figures
  from the stored results only;
- `load_study` validates a study file without running it;
- `netaval.study.analyses` is the registry of per-task analyses.
"""

import importlib

#: Public name -> the module defining it, imported on first access (``netaval --help``
#: builds the ``study`` command's parser from `netaval.study._cli` without loading numpy,
#: the analyses and the engine: 0.15-0.2 s off every ``netaval`` command).
_EXPORTS = {"Study": "_schema", "Task": "_schema", "load_study": "_schema",
            "StudyStatus": "_engine", "load_results": "_engine", "run": "_engine",
            "status": "_engine", "report": "_report"}

__all__ = ["Study", "StudyStatus", "Task", "analyses", "load_results", "load_study", "report",
           "run", "status"]


def __getattr__(name: str):
    if name == "analyses":
        return importlib.import_module(f"{__name__}.analyses")
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
