"""Files in and out: saved runs (Parquet) and GraphML export, one module per format.

- `netaval.io.runs`: `save_run` and `load`, one checksummed Parquet file per run.
- `netaval.io.graphml`: `write_graphml` for avalanche DAGs, collections of them and networks.
- `netaval.io.dataset`: streamed runs (``simulate(..., out=PATH)``), one Parquet file per
  chunk plus a manifest, read chunk by chunk or summarised out of core.
"""

from netaval.io import dataset
from netaval.io.graphml import write_graphml
from netaval.io.runs import FORMAT_NAME, FORMAT_VERSION, load, save_run

__all__ = ["dataset", "load", "save_run", "write_graphml", "FORMAT_NAME", "FORMAT_VERSION"]
