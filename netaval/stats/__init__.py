"""Statistics of avalanches: power-law fits, branching-ratio estimators, scaling relations."""

from netaval.stats.branching import (
    MultistepRegression,
    branching_ratio_avalanches,
    branching_ratio_conventional,
    branching_ratio_mr,
    branching_ratio_naive,
    regression_slopes,
)
from netaval.stats.power_law import (
    LikelihoodRatio,
    PowerLawFit,
    fit_power_law,
    fit_truncated_power_law,
    sample_power_law,
)

__all__ = [
    "LikelihoodRatio",
    "MultistepRegression",
    "branching_ratio_avalanches",
    "branching_ratio_conventional",
    "branching_ratio_mr",
    "branching_ratio_naive",
    "regression_slopes",
    "PowerLawFit",
    "fit_power_law",
    "fit_truncated_power_law",
    "sample_power_law",
]
