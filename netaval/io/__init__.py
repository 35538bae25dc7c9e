"""Files in and out: saved runs (Parquet) and GraphML export, one module per format.

- `netaval.io.runs`: `save_run` and `load`, one checksummed Parquet file per run.
- `netaval.io.graphml`: `write_graphml` for avalanche DAGs, collections of them and networks.
- `netaval.io.dataset`: streamed runs (``simulate(..., out=PATH)``), one Parquet file per
  chunk plus a manifest, read chunk by chunk or summarised out of core.
- `netaval.io.networks`: `read_network` for users' networks (GraphML, edge lists, Matrix
  Market, scipy .npz).
- `netaval.io.spikes`: `read_spikes` for recorded spike trains (CSV/TSV, Parquet, NWB, Neo).
"""

from netaval.io import dataset
from netaval.io.graphml import write_graphml
from netaval.io.networks import read_network
from netaval.io.runs import FORMAT_NAME, FORMAT_VERSION, load, save_run
from netaval.io.spikes import read_spikes

__all__ = ["dataset", "load", "save_run", "read_network", "read_spikes", "write_graphml",
           "FORMAT_NAME", "FORMAT_VERSION"]
