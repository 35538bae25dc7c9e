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

from netaval.study import analyses
from netaval.study._engine import StudyStatus, load_results, run, status
from netaval.study._report import report
from netaval.study._schema import Study, Task, load_study

__all__ = ["Study", "StudyStatus", "Task", "analyses", "load_results", "load_study", "report",
           "run", "status"]
