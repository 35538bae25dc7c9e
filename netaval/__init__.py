"""netaval: simulate and analyse neural avalanches on networks, with causal truth.

Every firing records the firing(s) that caused it, so the true causal avalanches of a run
can be compared with what a time-binned analysis would report.
"""

from netaval import binning, io, stats
from netaval.avalanches import Avalanches
from netaval.errors import (
    CorruptFileError,
    InvalidParameterError,
    InvariantError,
    MalformedNetworkError,
    NetavalError,
    NetavalWarning,
    RunawayActivityError,
)
from netaval.events import Events
from netaval.io import load
from netaval.models import Branching, ContactProcess
from netaval.network import Network
from netaval.run import Run
from netaval.simulate import simulate

__version__ = "0.1.0"

__all__ = [
    "Avalanches",
    "Branching",
    "ContactProcess",
    "CorruptFileError",
    "Events",
    "InvalidParameterError",
    "InvariantError",
    "MalformedNetworkError",
    "NetavalError",
    "NetavalWarning",
    "Network",
    "Run",
    "RunawayActivityError",
    "binning",
    "io",
    "load",
    "simulate",
    "stats",
]
