"""`Branching`: the discrete-time probabilistic excitable network of Kinouchi & Copelli."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from netaval._validation import Interval, Options, check_params
from netaval.errors import InvalidParameterError
from netaval.models._registry import register

if TYPE_CHECKING:
    from netaval.network import Network

__all__ = ["Branching"]

_CONSTRAINTS = {
    "sigma": Interval(numbers.Real, 0, None, closed="left"),
    "normalization": Options(("out_degree", "spectral", "weights")),
    "refractory": Interval(numbers.Integral, 0, None, closed="left"),
    "drive": Interval(numbers.Real, 0, 1, closed="both"),
}

#: A row is drawn by geometric skipping (one draw per success) instead of one Bernoulli
#: draw per synapse when ``k >= GEOMETRIC_COST * (k * p + 1)``: a logarithm costs about
#: as much as this many inline uniform draws.
GEOMETRIC_COST = 16


@register("branching")
@dataclass(frozen=True)
class Branching:
    """Probabilistic excitable network in discrete time (Kinouchi & Copelli 2006).

    At each step every neuron that fired at the previous step transmits independently
    along each of its synapses j -> i with probability ``p_ij``; a quiescent neuron fires
    if at least one transmission onto it succeeds, or (driven protocol only) spontaneously
    with probability ``drive``. After firing a neuron stays silent for ``refractory``
    steps (see Notes for Kinouchi & Copelli's n-state automaton).

    Parameters
    ----------
    sigma : float, >= 0
        Branching parameter. With ``normalization="out_degree"``, ``p_ij = sigma /
        k_out(j)``: every neuron has expected offspring ``sigma`` (on a quiescent
        network). With ``"spectral"``, one uniform ``p`` such that the spectral radius of
        ``p * A`` (A the binary adjacency matrix) is ``sigma`` (Larremore et al. 2011).
        With ``"weights"``, ``p_ij = sigma * w_ij`` (sigma is a scale factor on the
        network's weights).
    normalization : {"out_degree", "spectral", "weights"}, default "out_degree"
    refractory : int, >= 0, default 1
        Steps after a firing during which the neuron cannot fire: a neuron firing at t
        can fire again at ``t + refractory + 1`` at the earliest. 0 makes the dynamics
        bond directed percolation on the graph.
    drive : float in [0, 1], default 0.0
        Probability per step that a quiescent, non-refractory neuron fires spontaneously
        (a root, opening a new avalanche). Used by the ``"driven"`` protocol only.

    Notes
    -----
    *Several causes.* Every successful transmitter onto a neuron is recorded as a parent;
    the primary parent (which decides avalanche and generation) is drawn uniformly among
    them. *Drive and transmission in the same step:* transmission takes precedence: the
    drive acts only on neurons that no transmission fired in that step, so a firing is a
    root only if no recurrent input caused it. The firing probability is unchanged,
    ``1 - (1 - drive) * prod_j (1 - p_ij)``, and neither rule looks at avalanche labels.

    A transmission probability above 1 is an error (raised by `netaval.simulate`
    naming ``sigma``), never silently clipped, since the branching ratio would no longer
    be ``sigma``. A neuron without out-synapses has no offspring.

    Kinouchi & Copelli's cyclic automaton with n states (quiescent, excited, n - 2
    refractory states) lets a neuron excited at t fire again at t + n at the earliest:
    it corresponds to ``refractory = n - 1``.

    Examples
    --------
    >>> netaval.Branching(sigma=1.0)
    Branching(sigma=1.0, normalization='out_degree', refractory=1, drive=0.0)
    >>> netaval.Branching(sigma=-1.0)
    Traceback (most recent call last):
    ...
    netaval.errors.InvalidParameterError: The 'sigma' parameter of Branching must be a float ...
    """

    sigma: float
    normalization: str = "out_degree"
    refractory: int = 1
    drive: float = 0.0

    def __post_init__(self) -> None:
        check_params("Branching", self.__dict__, _CONSTRAINTS)
        if not math.isfinite(self.sigma):
            raise InvalidParameterError(
                "The 'sigma' parameter of Branching must be a float in the range [0, inf). "
                f"Got {self.sigma!r} instead."
            )
        object.__setattr__(self, "sigma", float(self.sigma))
        object.__setattr__(self, "drive", float(self.drive))
        object.__setattr__(self, "refractory", int(self.refractory))

    #: discrete time, one step per transmission
    continuous_time = False

    def transmission(self, network: Network) -> tuple[np.ndarray, np.ndarray, bool, float]:
        """Per-row transmission probabilities for ``network`` (used by `netaval.simulate`).

        Returns ``(p_row, inv_log_q, per_synapse, weight_scale)``: for ``"weights"``,
        ``per_synapse`` is True and synapse s transmits with probability
        ``weight_scale * weights[s]``; otherwise row j transmits with ``p_row[j]`` and is
        drawn by geometric skipping where ``inv_log_q[j] != 0`` (see `GEOMETRIC_COST`).

        Raises
        ------
        InvalidParameterError
            When a transmission probability would exceed 1, naming ``sigma``.
        """
        n = network.n_nodes
        degree = network.out_degree.astype(np.float64)
        if self.normalization == "weights":
            w_max = float(network.weights.max()) if network.n_edges else 0.0
            if self.sigma * w_max > 1.0:
                raise InvalidParameterError(
                    f"The 'sigma' parameter of Branching is the weight scale with "
                    f"normalization='weights': p_ij = sigma * w_ij must be <= 1, but sigma = "
                    f"{self.sigma!r} times the largest weight {w_max!r} gives "
                    f"{self.sigma * w_max!r}. Use sigma <= {1.0 / w_max!r}."
                )
            return np.zeros(n), np.zeros(n), True, self.sigma
        if self.normalization == "out_degree":
            with np.errstate(divide="ignore", invalid="ignore"):
                p_row = np.where(degree > 0, self.sigma / np.maximum(degree, 1.0), 0.0)
            if n and p_row.max() > 1.0:
                k_min = int(degree[degree > 0].min())
                raise InvalidParameterError(
                    f"The 'sigma' parameter of Branching gives p = sigma / k_out > 1 on a "
                    f"neuron with out-degree {k_min} (sigma = {self.sigma!r}); with "
                    f"normalization='out_degree' sigma must be <= the smallest non-zero "
                    f"out-degree ({k_min}), or use normalization='spectral' (one uniform p = "
                    f"sigma / lambda_max, for heterogeneous networks)."
                )
        else:  # spectral
            if network.n_edges == 0:
                p = 0.0
            else:
                from netaval.network import Network  # numba-free import of netaval.models

                binary = Network(network.indptr, network.indices, None, n_nodes=n,
                                 directed=network.directed)
                radius = binary.spectral_radius()
                if radius <= 0.0:
                    raise InvalidParameterError(
                        f"normalization='spectral' needs a network with a positive spectral "
                        f"radius (a directed acyclic graph has none); use 'out_degree'. "
                        f"Got {network!r}."
                    )
                p = self.sigma / radius
                if p > 1.0:
                    raise InvalidParameterError(
                        f"The 'sigma' parameter of Branching gives p = sigma / lambda_max = "
                        f"{p!r} > 1 (lambda_max = {radius!r}); use sigma <= {radius!r}."
                    )
            p_row = np.where(degree > 0, p, 0.0)
        geometric = (degree >= GEOMETRIC_COST * (degree * p_row + 1.0)) & (p_row > 0) & (
            p_row < 1)
        inv_log_q = np.zeros(n)
        inv_log_q[geometric] = 1.0 / np.log1p(-p_row[geometric])
        return p_row, inv_log_q, False, 0.0
