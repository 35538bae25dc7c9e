"""netaval: simulate and analyse neural avalanches on networks, with causal truth.

Every firing records the firing(s) that caused it, so the true causal avalanches of a run
can be compared with what a time-binned analysis would report.

Public names are imported lazily on first access (a module-level ``__getattr__``), so
``import netaval`` and ``netaval --help`` stay fast: ``netaval.stats`` alone pulls in numba
and scipy.stats. ``from netaval import X`` and ``netaval.X`` work for every name in
``__all__``. To add a public name, add it to ``__all__`` and to ``_EXPORTS`` (name ->
module that defines it) or, for a public submodule, to ``_SUBMODULES``;
``tests/test_lazy_imports.py`` checks that they agree and that every name resolves.
"""

from __future__ import annotations

import sys
import types

from netaval._lazy import lazy_attributes

__version__ = "0.1.0"

#: Public name -> the module defining it (a submodule maps to its own module path).
_EXPORTS = {
    "Avalanches": "netaval.avalanches",
    "Branching": "netaval.models",
    "ContactProcess": "netaval.models",
    "CorruptFileError": "netaval.errors",
    "Events": "netaval.events",
    "FacilitatedContact": "netaval.models",
    "InvalidParameterError": "netaval.errors",
    "InvariantError": "netaval.errors",
    "MalformedNetworkError": "netaval.errors",
    "Millman": "netaval.models",
    "MissingRecordError": "netaval.errors",
    "NetavalError": "netaval.errors",
    "NetavalWarning": "netaval.errors",
    "Network": "netaval.network",
    "Run": "netaval.run",
    "RunawayActivityError": "netaval.errors",
    "UpDown": "netaval.updown",
    "analyse": "netaval._analyse",
    "hysteresis": "netaval.hysteresis",
    "load": "netaval.io",
    "population_rate": "netaval.updown",
    "simulate": "netaval.simulate",
    "Spikes": "netaval.spikes",
    "up_down": "netaval.updown",
    "rebuild_network": "netaval.rebuild",
}

#: Public submodules, imported on first access as ``netaval.<name>``.
_SUBMODULES = {"binning", "io", "plot", "stats", "study"}

__all__ = [
    "Avalanches",
    "Branching",
    "ContactProcess",
    "CorruptFileError",
    "Events",
    "FacilitatedContact",
    "InvalidParameterError",
    "InvariantError",
    "MalformedNetworkError",
    "Millman",
    "MissingRecordError",
    "NetavalError",
    "NetavalWarning",
    "Network",
    "Run",
    "RunawayActivityError",
    "Spikes",
    "UpDown",
    "analyse",
    "binning",
    "hysteresis",
    "io",
    "load",
    "plot",
    "population_rate",
    "rebuild_network",
    "simulate",
    "stats",
    "study",
    "up_down",
]


__getattr__, __dir__ = lazy_attributes(__name__, _EXPORTS, __all__)


class _Package(types.ModuleType):
    """The netaval module's class: importing ``netaval.simulate`` (the module) must not
    replace the function ``netaval.simulate`` that ``__getattr__`` hands out."""

    def __setattr__(self, name: str, value) -> None:
        if isinstance(value, types.ModuleType) and name in _EXPORTS:
            return  # importlib binding a submodule whose name is also a public object
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
