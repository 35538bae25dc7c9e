"""Hostile streamed datasets on disk, for the tests of their readers.

`netaval.io.dataset.DatasetWriter` refuses what the readers refuse, so a file they must
refuse is forged by `forged_writer`: a writer whose checks of the metadata, the chunks'
meaning and the run's end are off (the columns are still converted exactly, so a chunk
is stored as given). The one way tests bypass the writer's validation.
"""

from typing import Any

from netaval.io import dataset as ds
from netaval.io._json import to_json


class _Unchecked:
    """Stands for a writer's record of what the readers know (`ds._Stream`): takes every
    chunk and every end as they are."""

    def follow(self, *args: Any, **kwargs: Any) -> "_Unchecked":
        return self

    def finish(self, *args: Any, **kwargs: Any) -> None:
        return None


def forged_writer(path, *, metadata: dict, continuous: bool, n_nodes: int) -> ds.DatasetWriter:
    """A `DatasetWriter` at ``path`` that writes ``metadata``, chunks and ``close``'s end
    unchecked (``final`` must still be a dict of JSON-able values)."""
    writer = ds.DatasetWriter(path, metadata={}, continuous=continuous, n_nodes=n_nodes)
    writer._manifest["metadata"] = to_json(metadata)
    writer._write_manifest()
    writer._stream = _Unchecked()
    return writer
