"""Parquet files and their event columns read back, shared by saved runs and streamed
datasets."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

__all__ = ["read_event_columns", "read_table"]


def read_table(target: str, keys: Iterable[bytes], corrupt: Callable,
               differ: str) -> tuple[Any, dict[bytes, bytes]]:
    """The Parquet file ``target`` as an Arrow table, and its key-value metadata.

    A path that is not a regular file raises ``corrupt("not a regular file")``; a file
    pyarrow cannot read raises ``corrupt("the Parquet data cannot be read (...)")``.
    The metadata is the footer's plain copy; a file whose stored Arrow schema holds another
    value for one of ``keys`` raises ``corrupt(differ)``: other readers (``pq.read_table``,
    ``pyarrow.dataset``) take the schema's copy, so they would read the file differently.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not os.path.isfile(target):  # a FIFO would block the reader forever
        raise corrupt("not a regular file")
    try:
        with pq.ParquetFile(target) as parquet:
            table = parquet.read()
            stored = parquet.schema_arrow.metadata or {}
    except (pa.ArrowException, OSError, ValueError, MemoryError) as exc:
        raise corrupt(f"the Parquet data cannot be read ({exc})") from exc
    metadata = table.schema.metadata or {}
    if any(stored.get(key) != metadata.get(key) for key in keys):
        raise corrupt(differ)
    return table, metadata


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
