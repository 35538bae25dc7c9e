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
from netaval.stats.scaling import (
    CracklingNoiseCheck,
    MeanSizeScaling,
    ShapeCollapse,
    check_crackling_noise,
    fit_mean_size_scaling,
    shape_collapse,
)

__all__ = [
    "CracklingNoiseCheck",
    "LikelihoodRatio",
    "MeanSizeScaling",
    "ShapeCollapse",
    "check_crackling_noise",
    "fit_mean_size_scaling",
    "shape_collapse",
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
