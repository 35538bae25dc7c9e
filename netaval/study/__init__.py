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

from netaval._lazy import lazy_attributes

#: Public name -> the module defining it, imported on first access (``netaval --help``
#: builds the ``study`` command's parser from `netaval.study._cli` without loading numpy,
#: the analyses and the engine: 0.15-0.2 s off every ``netaval`` command).
_EXPORTS = {"Study": "netaval.study._schema", "Task": "netaval.study._schema",
            "load_study": "netaval.study._schema", "StudyStatus": "netaval.study._engine",
            "load_results": "netaval.study._engine", "run": "netaval.study._engine",
            "status": "netaval.study._engine", "report": "netaval.study._report"}

__all__ = ["Study", "StudyStatus", "Task", "analyses", "load_results", "load_study", "report",
           "run", "status"]

__getattr__, __dir__ = lazy_attributes(__name__, _EXPORTS, __all__)
