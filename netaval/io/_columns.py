"""Event columns read back from an Arrow table, shared by saved runs and streamed datasets."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

__all__ = ["read_event_columns"]


def read_event_columns(table: Any, names: Iterable[str], corrupt: Callable) -> dict[str, np.ndarray]:
    """The named columns and the ``parents`` list as ``parent_indptr`` / ``parent_ids``.

    A column with missing values raises ``corrupt(reason)``; dtypes are left to the caller.
    """
    arrays = {}
    for name in names:
        column = table.column(name)
        if column.null_count:
            raise corrupt(f"column {name!r} has missing values")
        arrays[name] = column.to_numpy()
    parents = table.column("parents").combine_chunks()
    if parents.null_count:
        raise corrupt("column 'parents' has missing values")
    offsets = parents.offsets.to_numpy()
    arrays["parent_indptr"] = (offsets - offsets[0]).astype(np.int64)
    arrays["parent_ids"] = parents.flatten().to_numpy()
    return arrays
