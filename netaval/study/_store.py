"""The output folder of a study: manifest, one Parquet file per finished task, failures.

Layout::

    OUT/manifest.json              study hash, netaval version, size, the task list, the spec
    OUT/study.toml                 copy of the study file (when run from one)
    OUT/results/task-000012.parquet    one row, written atomically after its artefacts
    OUT/artefacts/task-000012.npz      distributions kept for figures (optional)
    OUT/failures/task-000012.json      error of a failed task (removed when it succeeds)
    OUT/tables/, OUT/figures/          written by the report

A result file exists only complete (temporary file + rename), so a killed run leaves
finished tasks and nothing half-written; the next run skips every task with a result file.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import stat
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from netaval._write_behind import WriteBehind as _WriteBehind
from netaval.errors import CorruptFileError, InvalidParameterError, NetavalWarning

__all__ = ["Store", "WriteBehind"]

MANIFEST = "manifest.json"
_TASK_FILE = re.compile(r"^task-(\d{6,})\.(parquet|json|npz)$")


def _name(index: int, suffix: str) -> str:
    return f"task-{index:06d}.{suffix}"


def _regular(path: Path) -> bool:
    """Whether a regular file is at ``path`` (links followed; False when nothing is there).

    Anything else under a name netaval writes (a FIFO would block its reader forever, a
    folder or a device fail or mislead it) is a `CorruptFileError` naming it: netaval
    writes only regular files in a study folder.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise CorruptFileError(f"{path} cannot be read ({exc.strerror or exc}).") from None
    if not stat.S_ISREG(mode):
        raise CorruptFileError(f"{path} is not a regular file (a folder, FIFO, device or "
                               "socket); netaval writes only regular files there: remove it.")
    return True


def _whole_parquet(path: Path) -> bool:
    """Whether ``path`` has Parquet's leading and trailing magic and a footer length that
    fits in the file (a truncated file has neither): 8 bytes read at each end."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
            size = handle.seek(0, os.SEEK_END)
            if size < 12:
                return False
            handle.seek(size - 8)
            tail = handle.read(8)
    except OSError:
        return False
    footer = int.from_bytes(tail[:4], "little")
    return head == b"PAR1" and tail[4:] == b"PAR1" and footer + 12 <= size


def atomic_write(path, write) -> None:
    """`netaval.io._atomic.atomic_write`, imported on first use (keeps --help light)."""
    from netaval.io._atomic import atomic_write as write_atomically

    write_atomically(path, write)


class Store:
    """Reads and writes one study's output folder."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    # -------------------------------------------------------------- paths
    @property
    def results_dir(self) -> Path:
        return self.root / "results"

    @property
    def artefacts_dir(self) -> Path:
        return self.root / "artefacts"

    @property
    def failures_dir(self) -> Path:
        return self.root / "failures"

    def manifest(self) -> dict | None:
        """The folder's manifest, None when it has none; `CorruptFileError` naming the file
        when it does not read as one (not JSON, not an object, or a key the engine reads
        missing or of the wrong type)."""
        path = self.root / MANIFEST
        if not _regular(path):
            return None
        try:
            manifest = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise CorruptFileError(f"{path} is not a readable study manifest ({exc}).") \
                from None
        problem = None
        if not isinstance(manifest, dict):
            problem = f"a JSON {type(manifest).__name__}, not an object"
        elif manifest.get("format") != "netaval-study":
            problem = f"format {manifest.get('format')!r}, not 'netaval-study'"
        elif (not isinstance(manifest.get("n_tasks"), int) or isinstance(manifest["n_tasks"], bool)
              or manifest["n_tasks"] < 0):
            problem = f"n_tasks {manifest.get('n_tasks')!r}, not a count"
        elif not isinstance(manifest.get("spec"), dict):
            problem = "no study spec (an object under 'spec')"
        if problem is not None:
            raise CorruptFileError(f"{path} is not a netaval study manifest: {problem}.")
        return manifest

    # -------------------------------------------------------------- checks
    def check_writable(self) -> None:
        """Refuse an output folder that cannot be created or written, creating nothing."""
        if self.root.is_symlink() and not self.root.exists():
            raise InvalidParameterError(f"Output folder {self.root} is a symbolic link to "
                                        f"{os.readlink(self.root)}, which does not exist.")
        existing = self.root
        while not existing.exists():
            if existing.parent == existing:
                break
            existing = existing.parent
        if existing.exists() and not existing.is_dir():
            raise InvalidParameterError(f"Output folder {self.root} cannot be created: "
                                        f"{existing} is not a folder.")
        probe_dir = existing
        try:
            fd, probe = tempfile.mkstemp(dir=probe_dir, prefix=".netaval-probe-")
        except OSError as exc:
            raise InvalidParameterError(f"Output folder {self.root} is not writable "
                                        f"({exc.strerror or exc}); nothing was written.") \
                from None
        os.close(fd)
        os.unlink(probe)

    # -------------------------------------------------------------- manifest
    def lock(self) -> None:
        """Hold an exclusive lock on the folder until this process exits or `unlock`."""
        import fcntl

        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / ".lock"
        try:  # non-blocking: opening a FIFO for writing would wait for a reader forever
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NONBLOCK, 0o666)
        except OSError as exc:
            raise InvalidParameterError(f"Output folder {self.root}: its lock file {path} "
                                        f"cannot be opened ({exc.strerror or exc}).") from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise InvalidParameterError(f"Output folder {self.root}: its lock file {path} is "
                                        "not a regular file; remove it.")
        self._lock = os.fdopen(fd, "w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock.close()
            raise InvalidParameterError(f"Output folder {self.root} is in use by another "
                                        "'netaval study run'; wait for it or use another "
                                        "--out.") from None

    def unlock(self) -> None:
        lock = getattr(self, "_lock", None)
        if lock is not None:
            lock.close()
            self._lock = None

    def check_study(self, study, *, restart: bool) -> None:
        """Refuse a folder holding a different study (unless ``restart``); writes nothing."""
        existing = self.manifest()
        if existing is not None and existing.get("study_hash") != study.hash:
            if not restart:
                raise InvalidParameterError(
                    f"Output folder {self.root} holds a different study "
                    f"({existing.get('name')!r}, size {existing.get('size')!r}, hash "
                    f"{str(existing.get('study_hash'))[:12]}); the study changed. Use another "
                    "--out, or --restart to delete its results and start over.")

    def open(self, study, *, restart: bool) -> None:
        """Bind the folder to ``study``: create it, or resume or restart the same study."""
        from netaval import __version__

        self.check_study(study, restart=restart)
        existing = self.manifest()
        if existing is not None and restart:
            for sub in (self.results_dir, self.artefacts_dir, self.failures_dir,
                        self.root / "tables", self.root / "figures"):
                shutil.rmtree(sub, ignore_errors=True)
            (self.root / MANIFEST).unlink(missing_ok=True)
            existing = None
        for sub in (self.results_dir, self.artefacts_dir, self.failures_dir):
            sub.mkdir(parents=True, exist_ok=True)
            for name in os.listdir(sub):
                if name.startswith(".task-") and name.endswith(".tmp"):
                    (sub / name).unlink(missing_ok=True)  # of writes a kill interrupted
                elif _TASK_FILE.match(name):
                    _regular(sub / name)  # refuse a FIFO or a folder before any task runs
        if existing is None:
            manifest = {"format": "netaval-study", "format_version": 1, "name": study.name,
                        "size": study.size, "study_hash": study.hash,
                        "netaval_version": __version__, "source": study.source,
                        "n_tasks": len(study.tasks), "spec": study.spec,
                        "tasks": [{"index": t.index, "topology": t.topology["label"],
                                   "n_nodes": t.n_nodes, "model": t.model["label"],
                                   "params": t.model["params"], "replicate": t.replicate}
                                  for t in study.tasks]}
            text = json.dumps(manifest, indent=1, sort_keys=True).encode()
            atomic_write(self.root / MANIFEST, lambda handle: handle.write(text))
            if study.source:
                source = Path(study.source).read_bytes()
                atomic_write(self.root / "study.toml", lambda handle: handle.write(source))

    # -------------------------------------------------------------- tasks
    def _indices(self, directory: Path, suffix: str) -> set[int]:
        if not directory.is_dir():
            return set()
        found = set()
        for name in os.listdir(directory):
            match = _TASK_FILE.match(name)
            if match and match.group(2) == suffix and _regular(directory / name):
                found.add(int(match.group(1)))
        return found

    def done(self) -> set[int]:
        """Tasks with a complete result file (see `incomplete`)."""
        return self._indices(self.results_dir, "parquet") - self.incomplete()

    def incomplete(self) -> set[int]:
        """Tasks whose result file is not a whole Parquet file (truncated, or not Parquet:
        netaval's own writes are atomic, so a copy or a full disk): they are not done, and
        `netaval.study.run` computes them again, replacing the file."""
        bad = set()
        for index in self._indices(self.results_dir, "parquet"):
            if not _whole_parquet(self.results_dir / _name(index, "parquet")):
                bad.add(index)
        return bad

    def warn_incomplete(self, consequence: str) -> None:
        """Warn, naming the files, when some result files are `incomplete`."""
        bad = sorted(self.incomplete())
        if bad:
            names = ", ".join(_name(i, "parquet") for i in bad[:5])
            more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
            warnings.warn(f"{len(bad)} result file(s) in {self.results_dir} are not whole "
                          f"Parquet files ({names}{more}): {consequence}.", NetavalWarning,
                          stacklevel=3)

    def failed(self) -> set[int]:
        return self._indices(self.failures_dir, "json") - self.done()

    @staticmethod
    def prepare() -> None:
        """Import what writing and reading results needs (pyarrow, and pandas, which every
        pyarrow table constructor imports: about 0.35 s together).

        `netaval.study.run` calls this before the tasks start, while local workers are still
        being started, so that the calling process does not take that time from a worker's
        core at the first result when there are as many workers as cores.
        """
        import pandas  # noqa: F401
        import pyarrow.parquet  # noqa: F401

    def write_result(self, index: int, row: dict, artefacts: dict) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if artefacts:
            def write_npz(handle):
                buffer = io.BytesIO()
                np.savez(buffer, **artefacts)
                handle.write(buffer.getvalue())
            atomic_write(self.artefacts_dir / _name(index, "npz"), write_npz)
        table = pa.Table.from_pylist([row])
        # one row: column statistics, dictionaries and compression only cost time
        atomic_write(self.results_dir / _name(index, "parquet"),
                     lambda handle: pq.write_table(table, handle, write_statistics=False,
                                                   use_dictionary=False, compression="none"))
        (self.failures_dir / _name(index, "json")).unlink(missing_ok=True)

    def write_failure(self, index: int, task_columns: dict, error: str) -> None:
        text = json.dumps({"task": index, **task_columns, "error": error}, indent=1,
                          default=str).encode()
        atomic_write(self.failures_dir / _name(index, "json"), lambda handle: handle.write(text))

    def failures(self) -> list[dict]:
        out = []
        for index in sorted(self.failed()):
            path = self.failures_dir / _name(index, "json")
            try:
                failure = json.loads(path.read_text())
            except (OSError, ValueError) as exc:
                raise CorruptFileError(f"{path} is not a readable failure record ({exc}).") \
                    from None
            if not isinstance(failure, dict) or not isinstance(failure.get("error"), str):
                raise CorruptFileError(f"{path} is not a netaval failure record (a JSON object "
                                       "with an 'error' string).")
            out.append(failure)
        return out

    def results(self) -> Any:
        """Every stored row as a DataFrame sorted by task index (empty when none)."""
        import pandas as pd
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.warn_incomplete("those tasks are not in the table")
        indices = sorted(self.done())
        if not indices:
            return pd.DataFrame()
        tables = []
        for i in indices:  # ParquetFile.read: half the fixed cost of pq.read_table per file
            path = self.results_dir / _name(i, "parquet")
            try:
                with pq.ParquetFile(path) as handle:
                    table = handle.read()
            except (OSError, pa.ArrowException) as exc:
                raise CorruptFileError(f"{path} is not a readable result ({exc}); delete it "
                                       "and run the study again to recompute that task.") \
                    from None
            task = table.column("task").to_pylist() if "task" in table.column_names else None
            if task != [i]:
                raise CorruptFileError(f"{path} holds the result of task(s) {task}, not of "
                                       f"task {i}; delete it and run the study again to "
                                       "recompute that task.")
            tables.append(table)
        table = pa.concat_tables(tables, promote_options="permissive")
        return table.to_pandas().sort_values("task", kind="stable").reset_index(drop=True)

    def artefacts(self, index: int) -> dict[str, np.ndarray]:
        path = self.artefacts_dir / _name(index, "npz")
        if not _regular(path):
            return {}
        try:
            with np.load(path) as data:
                return {name: data[name] for name in data.files}
        except (OSError, ValueError, zipfile.BadZipFile) as exc:
            raise CorruptFileError(f"{path} is not a readable artefact file ({exc}); delete "
                                   "it and run the study again to recompute that task.") \
                from None


class WriteBehind(_WriteBehind):
    """A `Store`'s result and failure writes on one background thread, one at a time.

    The caller hands over a finished task and goes on (the serial executor: computes the next
    task) while the write and its two fsyncs run, as the calling process of the
    ``processes`` executor writes while its workers compute. At most one write is
    outstanding: handing over the next waits for it, so a killed run loses at most that task
    besides those being computed, and a write error surfaces at the next hand-over or at
    `close` (see `netaval._write_behind.WriteBehind`).

    Parameters
    ----------
    store : Store
    """

    def __init__(self, store: Store) -> None:
        super().__init__()
        self._store = store

    def result(self, index: int, row: dict, artefacts: dict) -> None:
        """`Store.write_result` in the background."""
        self.submit(self._store.write_result, index, row, artefacts)

    def failure(self, index: int, task_columns: dict, error: str) -> None:
        """`Store.write_failure` in the background."""
        self.submit(self._store.write_failure, index, task_columns, error)
