"""Loading third-party plug-ins from an entry-point group into a registry dict.

Shared by the model registry (group ``netaval.models``) and the topology registry (group
``netaval.topologies``): each entry point names a module or object whose import registers
one entry under the entry point's name. A plug-in that reuses a taken name, fails to
import, or does not register its name is skipped with a `NetavalWarning`, so a broken
plug-in never breaks netaval.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, MutableMapping
from importlib.metadata import entry_points
from typing import Any

from netaval.errors import NetavalWarning

__all__ = ["load_plugins"]


def load_plugins(group: str, registry: MutableMapping[str, Any], kind: str,
                 adopt: Callable[[Any], None] | None = None) -> None:
    """Import every entry point of ``group``; each import is expected to fill ``registry``.

    Parameters
    ----------
    group : str
        Entry-point group, e.g. ``"netaval.models"``.
    registry : mutable mapping
        The registry the plug-ins register into (read to detect taken and missing names).
    kind : str
        What a plug-in provides, capitalised, for the warnings (``"Model"``, ``"Topology"``).
    adopt : callable, optional
        Called with the loaded object after a successful import, for registries that accept
        an object the entry point names directly (a `topologies.TopologySpec`).
    """
    noun = kind.lower()
    for point in entry_points(group=group):
        if point.name in registry:
            warnings.warn(f"{kind} plug-in {point.value!r} reuses the taken name "
                          f"{point.name!r}; skipped.", NetavalWarning, stacklevel=4)
            continue
        try:
            loaded = point.load()
        except Exception as exc:  # a broken plug-in must not break netaval
            warnings.warn(f"{kind} plug-in {point.name!r} ({point.value}) failed to load: "
                          f"{exc!r}; skipped.", NetavalWarning, stacklevel=4)
            continue
        if adopt is not None:
            adopt(loaded)
        if point.name not in registry:
            warnings.warn(f"{kind} plug-in {point.name!r} ({point.value}) did not register a "
                          f"{noun} of that name; skipped.", NetavalWarning, stacklevel=4)
