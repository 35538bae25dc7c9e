"""Statistics of avalanches: power-law fits, branching-ratio estimators, scaling relations."""

from netaval.stats.power_law import (
    LikelihoodRatio,
    PowerLawFit,
    fit_power_law,
    fit_truncated_power_law,
    sample_power_law,
)

__all__ = [
    "LikelihoodRatio",
    "PowerLawFit",
    "fit_power_law",
    "fit_truncated_power_law",
    "sample_power_law",
]
