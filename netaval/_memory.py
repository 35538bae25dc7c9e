"""Memory budgets of a run, checked before anything large is allocated."""

from __future__ import annotations

import contextlib
import os

__all__ = ["available_memory", "beyond_memory", "MAX_ACTIVITY_BINS", "EVENT_BYTES", "MEMORY_FRACTION"]

#: Largest ``activity`` a run may record (int64 bins): 2**28 bins, 2 GiB. A run whose time
#: window would need more is refused before it starts (or, without a time limit, stopped
#: at this many bins); run longer windows as a sequence of continued runs
#: (``initial_state=run.final_state``).
MAX_ACTIVITY_BINS = 1 << 28
#: Bytes one recorded event takes with one cause (see `netaval.Events`).
EVENT_BYTES = 36
#: Share of the memory available when a run starts that its event buffers may take
#: (growing copies a buffer, so the peak is about 1.25 times the final size).
MEMORY_FRACTION = 0.5


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation without swapping, or None if unknown.

    Linux ``MemAvailable`` (/proc/meminfo), else free physical pages (POSIX sysconf).
    """
    with contextlib.suppress(OSError, ValueError, IndexError):
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    with contextlib.suppress(OSError, ValueError, AttributeError):
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    return None


def beyond_memory(need: int, what: str = "") -> str | None:
    """None when ``need`` bytes fit in the `available_memory` (or it is unknown), else the
    end of an error message: "3.0 GiB<what>, more than the 2.0 GiB of memory available"."""
    available = available_memory()
    if available is None or need <= available:
        return None
    return (f"{need / 2**30:.1f} GiB{what}, more than the {available / 2**30:.1f} GiB of "
            "memory available")
