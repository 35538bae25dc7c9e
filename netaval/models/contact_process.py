"""`ContactProcess`: continuous-time contact process (SIS) with spontaneous activation."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

from netaval._validation import Interval, check_params
from netaval.errors import InvalidParameterError
from netaval.models._registry import register

__all__ = ["ContactProcess"]

_CONSTRAINTS = {
    "rate": Interval(numbers.Real, 0, None, closed="left"),
    "drive": Interval(numbers.Real, 0, None, closed="left"),
}


@register("contact_process")
@dataclass(frozen=True)
class ContactProcess:
    """Contact process in continuous time, simulated exactly event by event (Gillespie).

    An active node deactivates at rate 1 and, at total rate ``rate`` (lambda), tries to
    activate one uniformly chosen out-neighbour; the attempt does nothing if that
    neighbour is already active (the convention of SCIENCE.md section 4.4, mean-field
    critical point lambda = 1). With the ``"driven"`` protocol, every inactive node also
    activates spontaneously at rate ``drive`` (a root, opening a new avalanche). The
    parent of an activation is the activation event of the node that made the contact.

    Parameters
    ----------
    rate : float, >= 0
        Contact (infection) rate per active node, lambda.
    drive : float, >= 0, default 0.0
        Spontaneous activation rate per inactive node (driven protocol only).

    Notes
    -----
    Each event costs O(1): the nodes are kept in one array with the active ones first,
    the total rate is ``n_active * (1 + rate) + drive * n_inactive``, and the event type
    and node are drawn uniformly within it. A node without out-neighbours still makes
    (void) contact attempts at rate ``rate``.

    Examples
    --------
    >>> netaval.ContactProcess(rate=2.0, drive=0.01)
    ContactProcess(rate=2.0, drive=0.01)
    """

    rate: float
    drive: float = 0.0

    def __post_init__(self) -> None:
        check_params("ContactProcess", self.__dict__, _CONSTRAINTS)
        for name in ("rate", "drive"):
            value = getattr(self, name)
            if not math.isfinite(value):
                raise InvalidParameterError(
                    f"The {name!r} parameter of ContactProcess must be a float in the range "
                    f"[0, inf). Got {value!r} instead."
                )
            object.__setattr__(self, name, float(value))

    #: continuous time: events carry float64 times
    continuous_time = True
