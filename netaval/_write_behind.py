"""Writes on one background thread, at most one outstanding (write-behind).

Used by the study engine (each task's result is written while the next task runs) and by
streamed runs (`netaval.simulate` with ``out=``: each chunk is written while the kernel
simulates the next one). Writing Parquet, compressing, checksumming and fsync release the
GIL, so a write overlaps with computing that releases it too (numba ``nogil`` kernels).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["WriteBehind"]


class WriteBehind:
    """Run writes on one background thread, one at a time, in the order handed over.

    The caller hands a write over (`submit`) and goes on while it runs. At most one write
    is outstanding: handing over the next one waits for it first, so at most one write's
    data is held besides the caller's, and a killed process loses at most that write. A
    write's error is raised in the caller at the next hand-over, `wait` or `close`.

    Examples
    --------
    >>> written = []
    >>> behind = WriteBehind()
    >>> behind.submit(written.append, 1)
    >>> behind.submit(written.append, 2)  # waits for the first write
    >>> behind.close()
    >>> written
    [1, 2]
    """

    def __init__(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="netaval-writer")
        self._pending = None

    def submit(self, write: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Wait for the outstanding write (raising its error), then start ``write(*args,
        **kwargs)`` in the background."""
        self.wait()
        self._pending = self._thread.submit(write, *args, **kwargs)

    def wait(self) -> None:
        """Wait for the outstanding write; raise its error here."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        """Wait for the outstanding write (raising its error) and stop the thread."""
        try:
            self.wait()
        finally:
            self._thread.shutdown(wait=True)
