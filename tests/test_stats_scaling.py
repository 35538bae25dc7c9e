"""Tests for scaling: <S>(T) exponent, crackling-noise relation, shape collapse."""

import numpy as np
import pytest

import netaval
from netaval.errors import InvalidParameterError
from netaval.stats import (
    check_crackling_noise,
    fit_mean_size_scaling,
    fit_power_law,
    sample_power_law,
    shape_collapse,
)
from tests.stats import assert_mean_within_z, assert_stderr_matches_spread, assert_within_z

Z = 4.0


def poisson_profiles(rng, gamma, durations, n_each):
    """Profiles with mean T^(gamma-1) F((t - 1/2)/T), F(x) = 1 + 20 x (1 - x), Poisson noise."""
    out = []
    for t_len in durations:
        x = (np.arange(1, t_len + 1) - 0.5) / t_len
        mean = t_len ** (gamma - 1) * (1 + 20 * x * (1 - x))
        out.extend(rng.poisson(mean, size=(n_each, t_len)))
    return out


def sizes_durations(rng, gamma, n, c=2.0):
    """T uniform on 2..59, S ~ Poisson(c T^gamma): <S>(T) = c T^gamma exactly."""
    t = rng.integers(2, 60, n)
    return rng.poisson(c * t ** gamma), t


def test_mean_size_exponent_recovered(seed):
    """gamma of <S>(T) within z = 4 bootstrap standard errors of the true 1.7."""
    s, t = sizes_durations(np.random.default_rng(seed), 1.7, 3000)
    res = fit_mean_size_scaling(s, t, n_boot=100, seed=seed)
    assert_within_z(res.gamma, 1.7, res.gamma_stderr, z=Z, what="gamma")
    assert np.exp(res.log_c) == pytest.approx(2.0, rel=0.1)
    assert res.counts.sum() == 3000 and "gamma" in str(res)


def test_mean_size_exact_power_law_and_range():
    """Noise-free <S> = 3 T^2 gives gamma = 2 exactly; min/max_duration restrict groups."""
    t = np.repeat([1, 2, 4, 8, 16], 3)
    res = fit_mean_size_scaling(3 * t ** 2.0, t, min_duration=2, max_duration=8, n_boot=5,
                                seed=0)
    assert res.gamma == pytest.approx(2.0, abs=1e-12)
    assert res.durations.tolist() == [2, 4, 8]


def test_mean_size_accepts_avalanche_objects():
    """An object with size and duration (BinnedAvalanches) is accepted."""
    av = netaval.binning.detect_binned_avalanches([0, 2, 2, 3, 6, 6, 6, 7, 7, 8, 12],
                                                  bin_width=1, start=0, end=20)
    res = fit_mean_size_scaling(av, n_boot=0)
    assert res.durations.tolist() == [1, 2, 3]
    assert np.isnan(res.gamma_stderr)


def test_crackling_noise_formula():
    """(alpha - 1)/(tau - 1) and its delta-method error, by hand."""
    chk = check_crackling_noise((1.6, 0.03), (2.2, 0.05), (2.5, 0.1))
    pred = 1.2 / 0.6
    s_pred = np.hypot(0.05 / 0.6, 1.2 * 0.03 / 0.36)
    assert chk.predicted == pytest.approx(pred)
    assert chk.predicted_stderr == pytest.approx(s_pred)
    assert chk.z == pytest.approx((2.5 - pred) / np.hypot(0.1, s_pred))
    assert not chk.consistent and chk.p < 0.05
    assert "crackling" in str(chk)


def test_crackling_noise_with_fits():
    """Fit objects from exact mean-field samples (tau = 3/2, alpha = 2) agree with gamma = 2."""
    size_fit = fit_power_law(sample_power_law(4000, alpha=1.5, seed=1), xmin=1)
    dur_fit = fit_power_law(sample_power_law(4000, alpha=2.0, seed=2), xmin=1)
    chk = check_crackling_noise(size_fit, dur_fit, (2.0, 0.01))
    assert abs(chk.z) <= Z
    with pytest.raises(InvalidParameterError, match="size_fit"):
        check_crackling_noise("tau", dur_fit, (2.0, 0.01))


def test_shape_collapse_recovers_gamma(seed):
    """Poisson profiles with exponent 1.5: collapse gamma within z = 4 bootstrap errors."""
    profs = poisson_profiles(np.random.default_rng(seed), 1.5, [8, 12, 16, 24, 32, 48], 30)
    res = shape_collapse(profs, n_boot=40, seed=seed)
    assert_within_z(res.gamma, 1.5, res.gamma_stderr, z=Z, what="collapse gamma")
    assert res.durations.tolist() == [8, 12, 16, 24, 32, 48]
    assert res.counts.tolist() == [30] * 6
    # collapsed shape ~ 1 + 20 x (1 - x) at the true exponent (within Poisson noise)
    assert np.max(np.abs(res.shape - (1 + 20 * res.x * (1 - res.x)))) < 1.0


def test_shape_collapse_on_binned_avalanches():
    """Binned avalanches built from known profiles collapse at the generating exponent."""
    rng = np.random.default_rng(3)
    profs = poisson_profiles(rng, 2.0, [6, 10, 14], 20)
    profs = [np.maximum(p, 1) for p in profs]  # no empty bin inside an avalanche
    times, t0 = [], 1
    for p in profs:
        times.append(np.repeat(t0 + np.arange(len(p)), p))
        t0 += len(p) + 2
    av = netaval.binning.detect_binned_avalanches(np.concatenate(times), bin_width=1, start=0,
                                                  end=t0 + 1)
    assert av.n_avalanches == len(profs)
    res = shape_collapse(av, n_boot=20, seed=0)
    assert_within_z(res.gamma, 2.0, res.gamma_stderr, z=Z, what="collapse gamma")


def test_shape_collapse_plot_and_errors():
    """plot draws on a given axis; too few durations raise InvalidParameterError."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    profs = poisson_profiles(np.random.default_rng(0), 1.5, [8, 16], 12)
    res = shape_collapse(profs, n_boot=3, seed=0)
    fig, ax = plt.subplots()
    assert res.plot(ax=ax) is ax
    plt.close(fig)
    with pytest.raises(InvalidParameterError, match="two durations"):
        shape_collapse(profs, min_count=20)
    with pytest.raises(InvalidParameterError, match="gamma_range"):
        shape_collapse(profs, gamma_range=(2.0, 1.0))


@pytest.mark.slow
def test_scaling_stderrs_match_replicate_spread():
    """Bootstrap errors of gamma (<S>(T) and collapse) match the spread over replicates."""
    fits = [fit_mean_size_scaling(*sizes_durations(np.random.default_rng(s), 1.7, 3000),
                                  n_boot=100, seed=s) for s in range(40)]
    assert_stderr_matches_spread([f.gamma for f in fits], [f.gamma_stderr for f in fits])
    assert_mean_within_z([f.gamma for f in fits], 1.7, z=Z)
    cols = [shape_collapse(poisson_profiles(np.random.default_rng(s), 1.5,
                                            [8, 12, 16, 24, 32, 48], 30), n_boot=40, seed=s)
            for s in range(30)]
    assert_stderr_matches_spread([c.gamma for c in cols], [c.gamma_stderr for c in cols])
