"""`Millman`: leaky integrate-and-fire network with stochastic depressing synapses.

The spiking model of Millman, Mihalas, Kirkwood & Niebur (Nature Physics 6, 801, 2010) as
used by Martinello et al. (PRX 2017): excitatory LIF neurons whose synapses are pools of
vesicle release sites, released stochastically and refilled slowly, driven by independent
Poisson input; with the cause of every spike (SCIENCE.md sections 1 and 2.1).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

from netaval._validation import Interval, Options, check_params
from netaval.errors import InvalidParameterError
from netaval.models._registry import register

__all__ = ["Millman", "ATTRIBUTIONS"]

#: attribution rules, in the kernel's numbering
ATTRIBUTIONS = ("largest", "last", "proportional")

_POSITIVE = Interval(numbers.Real, 0, None, closed="neither")
_NON_NEGATIVE = Interval(numbers.Real, 0, None, closed="left")
_REAL = Interval(numbers.Real, None, None)

_CONSTRAINTS = {
    "n_sites": Interval(numbers.Integral, 1, 255),
    "p_release": Interval(numbers.Real, 0, 1, closed="right"),
    "tau_recovery": _POSITIVE,
    "capacitance": _POSITIVE,
    "tau_l": _POSITIVE,
    "e_leak": _REAL,
    "threshold": _REAL,
    "refractory": _NON_NEGATIVE,
    "tau_s": _POSITIVE,
    "a_syn": _NON_NEGATIVE,
    "a_ext": _NON_NEGATIVE,
    "f_ext": _NON_NEGATIVE,
    "dt": _POSITIVE,
    "attribution": Options(ATTRIBUTIONS),
}

_FINITE = ("capacitance", "tau_l", "e_leak", "threshold", "refractory", "tau_s", "a_syn",
           "a_ext", "f_ext", "dt")


@register("millman")
@dataclass(frozen=True)
class Millman:
    """Leaky integrate-and-fire neurons with stochastic depressing synapses (Millman 2010).

    Every neuron obeys ``C dV/dt = -(C / tau_l) (V - e_leak) + I`` and ``tau_s dI/dt = -I``,
    integrated exactly (exponential propagator) in steps of ``dt``. When ``V >= threshold``
    at the end of a step the neuron fires; V is reset to ``e_leak`` and held there for
    ``refractory``. Every synapse j -> i has ``n_sites`` release sites, each loaded or
    empty: when j fires, every loaded site releases independently with probability
    ``p_release`` and each released vesicle adds ``a_syn`` to ``I_i`` after the step; an
    empty site refills independently at rate ``1 / tau_recovery``. Every neuron also
    receives an independent Poisson train of rate ``f_ext``, each event adding ``a_ext``
    to its I after the step in which it was drawn (probability ``f_ext dt`` per step, as
    Brian2's ``PoissonInput``).

    Parameters
    ----------
    n_sites : int in [1, 255], default 10
        Release sites per synapse.
    p_release : float in (0, 1], default 0.25
        Release probability of a loaded site when the presynaptic neuron fires.
    tau_recovery : float > 0 (ms), default 100.0
        Mean refill time of an empty site; ``inf`` disables refilling.
    capacitance : float > 0 (pF), default 250.0
    tau_l : float > 0 (ms), default 40.0
        Leak (membrane) time constant (membrane resistance ``tau_l / capacitance``:
        160 MOhm with the defaults).
    e_leak : float (mV), default -70.0
        Resting and reset potential.
    threshold : float > e_leak (mV), default -50.0
    refractory : float >= 0 (ms), default 5.0
        Absolute refractory period, rounded to whole steps as Brian2 does
        (``int(refractory / dt + 1e-3)`` steps): V is integrated again from the step that
        starts ``refractory`` after the spike (at least one step later).
    tau_s : float > 0 (ms), default 5.0
        Decay time of the synaptic current.
    a_syn : float >= 0 (pA), default 190.0
        Current added by one released vesicle (a PSP of 2.8 mV at its peak from rest
        with the defaults). The control parameter of the calibration
        (``studies/millman_up_down``): about 170-200 pA is the bistable window of the
        defaults on a random graph with mean degree 7.5.
    a_ext : float >= 0 (pA), default 420.0
        Current added by one external event.
    f_ext : float >= 0 (Hz), default 10.0
        Rate of each neuron's external Poisson input; ``f_ext * dt`` must be below 1.
    dt : float > 0 (ms), default 0.1
        Time step; event times are step numbers (time ``n dt`` ms).
    attribution : {"largest", "last", "proportional"}, default "largest"
        How the primary parent of a spike is chosen among its sources (every presynaptic
        spike whose vesicles reached the neuron, and "external"), from the contribution
        of each to V at the crossing: the largest; the last input before the crossing
        (ties in the same step: the largest of them); or drawn with probability
        proportional to the contributions. A spike whose chosen source is external is a
        root. The other presynaptic spikes contributing at least 5% of
        ``threshold - e_leak`` (1 mV with the defaults, about a third of one vesicle's
        PSP peak) are recorded as further parents, after the primary one.

    Notes
    -----
    The published parameter values could not be read (SCIENCE.md 1.2): these defaults
    are **calibrated** by the study ``studies/millman_up_down``, not taken from the paper.
    On a directed random graph of 1e4 neurons with mean degree 7.5 the network stays in
    a down state (about 0.1-0.2 Hz, mostly externally triggered spikes) for ``a_syn``
    below about 170 pA, has a self-sustained up state limited by vesicle depletion
    (about 40-50 Hz inside the window, 55-60 Hz at 220-230 pA, 40-50 % of the sites
    loaded) above about 200-210 pA, and is bistable in between.

    Why not slower up states: in this excitatory-only network the up state sits on the
    upper branch of the rate curve at frozen vesicle load, which starts where
    ``rate / mean drive`` of the LIF neuron is largest (about ``0.65 / sqrt(refractory *
    tau_l)``: about 100 Hz with refractory 2 ms and tau_l 20 ms, the first calibration,
    about 45 Hz with these defaults). Below it, a longer ``tau_recovery`` (0.2-0.5 s)
    or a higher ``p_release`` do not give a slower up state but population bursts that
    deplete the synapses and stop (relaxation oscillations, 5-20 Hz on average, the
    rate's coefficient of variation above 2 on 20 ms windows).

    Each neuron keeps the contribution of each source in closed form (the two
    exponentials of SCIENCE.md 1.1): a source whose possible future contribution falls
    below 1e-3 of ``threshold - e_leak`` is forgotten, and at most 32 presynaptic
    sources are kept per neuron (the one that can contribute least makes room). A neuron
    whose membrane cannot reach threshold before its next input costs nothing per step.

    Examples
    --------
    >>> netaval.Millman()
    Millman(n_sites=10, p_release=0.25, tau_recovery=100.0, capacitance=250.0, tau_l=40.0, \
e_leak=-70.0, threshold=-50.0, refractory=5.0, tau_s=5.0, a_syn=190.0, a_ext=420.0, \
f_ext=10.0, dt=0.1, attribution='largest')
    >>> netaval.Millman(threshold=-80.0)
    Traceback (most recent call last):
    ...
    netaval.errors.InvalidParameterError: The 'threshold' parameter of Millman must be above e_leak ...
    """

    n_sites: int = 10
    p_release: float = 0.25
    tau_recovery: float = 100.0
    capacitance: float = 250.0
    tau_l: float = 40.0
    e_leak: float = -70.0
    threshold: float = -50.0
    refractory: float = 5.0
    tau_s: float = 5.0
    a_syn: float = 190.0
    a_ext: float = 420.0
    f_ext: float = 10.0
    dt: float = 0.1
    attribution: str = "largest"

    def __post_init__(self) -> None:
        check_params("Millman", self.__dict__, _CONSTRAINTS)
        for name in _FINITE:
            value = getattr(self, name)
            if not math.isfinite(value):
                raise InvalidParameterError(
                    f"The {name!r} parameter of Millman must be finite. Got {value!r} instead."
                )
        for name in _CONSTRAINTS:
            if name not in ("n_sites", "attribution"):
                object.__setattr__(self, name, float(getattr(self, name)))
        object.__setattr__(self, "n_sites", int(self.n_sites))
        if self.threshold <= self.e_leak:
            raise InvalidParameterError(
                f"The 'threshold' parameter of Millman must be above e_leak "
                f"({self.e_leak!r} mV). Got {self.threshold!r} instead."
            )
        if self.f_ext * self.dt * 1e-3 >= 1.0:
            raise InvalidParameterError(
                f"The 'f_ext' parameter of Millman times dt must be below one event per "
                f"step: f_ext * dt = {self.f_ext * self.dt * 1e-3!r} with f_ext="
                f"{self.f_ext!r} Hz and dt={self.dt!r} ms."
            )

    #: discrete time: event times are step numbers
    continuous_time = False

    @property
    def drive(self) -> float:
        """The external rate f_ext (Hz): what `netaval.simulate` calls the drive."""
        return self.f_ext

    def engine(self, task, recorder):
        """Run the dynamics for `netaval.simulate` (see `netaval.models._engine`)."""
        from netaval.models._millman_engine import run_engine

        return run_engine(self, task, recorder)

    @property
    def refractory_steps(self) -> int:
        """The refractory period in whole steps (Brian2's rounding)."""
        return int(self.refractory / self.dt + 1e-3)
