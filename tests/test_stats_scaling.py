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


def wls_sandwich_stderrs(durations, counts, gamma, c=2.0):
    """Exact (delta-method) stderrs of (log_c, gamma) of the count-weighted fit of ln <S>_T.

    With S ~ Poisson(c T^gamma), ln <S>_T has variance 1 / (n_T c T^gamma); the weighted
    least-squares estimate (X'WX)^-1 X'W y (W = counts) has covariance
    (X'WX)^-1 X'W V W X (X'WX)^-1.
    """
    x = np.column_stack([np.ones(len(durations)), np.log(durations)])
    w = np.diag(counts.astype(float))
    v = np.diag(1.0 / (counts * c * durations.astype(float) ** gamma))
    bread = np.linalg.inv(x.T @ w @ x)
    cov = bread @ x.T @ w @ v @ w @ x @ bread
    return np.sqrt(np.diag(cov))


def test_mean_size_exponent_recovered(seed):
    """gamma and log c of <S>(T) within z = 4 of the truth (1.7, ln 2) in their exact
    delta-method errors; the bootstrap gamma_stderr matches that error (100 resamples:
    relative error 1 / sqrt(198), z = 4)."""
    s, t = sizes_durations(np.random.default_rng(seed), 1.7, 3000)
    res = fit_mean_size_scaling(s, t, n_boot=100, seed=seed)
    se_log_c, se_gamma = wls_sandwich_stderrs(res.durations, res.counts, 1.7)
    assert_within_z(res.gamma, 1.7, se_gamma, z=Z, what="gamma")
    assert_within_z(res.log_c, np.log(2.0), se_log_c, z=Z, what="log c")
    assert_within_z(res.gamma_stderr / se_gamma, 1.0, 1 / np.sqrt(2 * 99), z=Z,
                    what="bootstrap / exact stderr")
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
    assert_collapsed_shape(res, profs, 1.5)


def assert_collapsed_shape(res, profs, gamma):
    """mean_profiles are the per-duration means; shape matches its expectation at res.gamma.

    Expected shape(x) = mean over T of interp(x, (t - 1/2)/T, T^(gamma-1) F) / T^(res.gamma-1),
    and its variance follows from the Poisson variance T^(gamma-1) F / n of each mean-profile
    entry through the two interpolation weights. Every point must lie within the
    Bonferroni z (alpha = 1e-3 over the grid) of its expectation.
    """
    from scipy import stats as sps

    expected = np.zeros_like(res.x)
    variance = np.zeros_like(res.x)
    for t_len, count, mean_profile in zip(res.durations, res.counts, res.mean_profiles,
                                          strict=True):
        same = [p for p in profs if len(p) == t_len]
        assert np.allclose(mean_profile, np.mean(same, axis=0), rtol=0, atol=1e-12)
        xs = (np.arange(1, t_len + 1) - 0.5) / t_len
        truth = t_len ** (gamma - 1) * (1 + 20 * xs * (1 - xs))
        right = np.clip(np.searchsorted(xs, res.x), 1, t_len - 1)
        frac = (res.x - xs[right - 1]) / (xs[right] - xs[right - 1])
        scale = float(t_len) ** (res.gamma - 1)
        expected += ((1 - frac) * truth[right - 1] + frac * truth[right]) / scale
        variance += ((1 - frac) ** 2 * truth[right - 1] + frac ** 2 * truth[right]) / (
            count * scale ** 2)
    d = len(res.durations)
    z = np.abs(res.shape - expected / d) / np.sqrt(variance / d ** 2)
    limit = sps.norm.isf(1e-3 / (2 * len(res.x)))
    assert z.max() <= limit, f"collapsed shape off by {z.max():.2f} sd at x = {res.x[z.argmax()]:.3f}"


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
