"""Atomic file writes shared by every writer: temporary file, fsync, rename."""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable
from os import PathLike
from typing import IO

__all__ = ["atomic_write", "remove_stale_temporaries"]

#: Temporary files of `atomic_write`: ``.NAME.XXXXXXXX.tmp`` (tempfile.mkstemp's 8 random
#: characters).
_TEMPORARY = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")
#: When this process imported netaval: temporary files last written before then belong to
#: writes that can no longer be running in this process.
_STARTED = time.time()


def remove_stale_temporaries(directory: str) -> list[str]:
    """Delete temporaries of interrupted saves in ``directory``; return their names.

    Only netaval's own pattern (``.NAME.XXXXXXXX.tmp``), only regular files, and only those
    last modified before this process started, so a save in progress (here or in another
    process) is never touched. Errors (permissions, races) are ignored.
    """
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            if not _TEMPORARY.match(entry.name):
                continue
            with contextlib.suppress(OSError):
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(info.st_mode) and info.st_mtime < _STARTED:
                    os.unlink(entry.path)
                    removed.append(entry.name)
    return removed


# ---------------------------------------------------------------------- atomic writes
def _umask() -> int:
    """The process umask, read without changing it where /proc allows (thread safety)."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | PathLike, write: Callable[[IO[bytes]], None]) -> None:
    """Call ``write(file)`` on a temporary file next to ``path``, then rename it to ``path``.

    An existing ``path`` that is not a regular file (or a symbolic link) is refused: the
    rename would replace a directory's entry, or a device such as /dev/null, by the file.
    """
    target = os.path.abspath(os.fspath(path))
    directory, name = os.path.split(target)
    with contextlib.suppress(FileNotFoundError):
        mode = os.lstat(target).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):  # the rename would replace it
            raise OSError(f"Could not write {target}: it exists and is not a regular file "
                          "(a directory, device, FIFO or socket). Nothing was written.")
    remove_stale_temporaries(directory)
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError) and exc.errno is not None:
            raise type(exc)(exc.errno, f"Could not write {target}: {exc.strerror or exc}. "
                            "Nothing was written; an existing file there is unchanged.") from exc
        raise
    with contextlib.suppress(OSError, AttributeError):  # durability of the rename itself
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
