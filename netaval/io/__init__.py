"""Files in and out: saved runs (Parquet) and GraphML export, one module per format.

- `netaval.io.runs`: `save_run` and `load`, one checksummed Parquet file per run.
- `netaval.io.graphml`: `write_graphml` for avalanche DAGs, collections of them and networks.
- `netaval.io.dataset`: streamed runs (``simulate(..., out=PATH)``), one Parquet file per
  chunk plus a manifest, read chunk by chunk or summarised out of core.
- `netaval.io.networks`: `read_network` for users' networks (GraphML, edge lists, Matrix
  Market, scipy .npz).
- `netaval.io.spikes`: `read_spikes` for recorded spike trains (CSV/TSV, Parquet, NWB, Neo).

Public names are imported on first use (`netaval._lazy`): a study's calling process writes
its manifest with `netaval.io._atomic` and would otherwise load every format, numba with
`netaval.events` among them (0.3 s), while its workers start.
"""

from netaval._lazy import lazy_attributes

#: Public name -> the module defining it.
_EXPORTS = {"load": "netaval.io.runs", "save_run": "netaval.io.runs",
            "FORMAT_NAME": "netaval.io.runs", "FORMAT_VERSION": "netaval.io.runs",
            "read_network": "netaval.io.networks", "read_spikes": "netaval.io.spikes",
            "write_graphml": "netaval.io.graphml"}

__all__ = ["dataset", "load", "save_run", "read_network", "read_spikes", "write_graphml",
           "FORMAT_NAME", "FORMAT_VERSION"]

__getattr__, __dir__ = lazy_attributes(__name__, _EXPORTS, __all__)
