"""Atomic file writes shared by every writer: temporary file, fsync, rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from os import PathLike
from typing import IO

__all__ = ["atomic_write"]


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
    """Call ``write(file)`` on a temporary file next to ``path``, then rename it to ``path``."""
    target = os.path.abspath(os.fspath(path))
    directory, name = os.path.split(target)
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
