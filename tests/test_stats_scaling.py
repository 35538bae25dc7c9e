"""Tests for scaling: <S>(T) exponent, crackling-noise relation, shape collapse."""

import math
import types
import warnings

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


# ---------------------------------------------------- pinned exactly (mutation survivors)
# Written from the survivors of mutation testing (mutmut on netaval/stats/scaling.py).
def _group_fit(size, duration):
    """Count-weighted least squares of ln <S>_T on ln T with numpy's polyfit (which weights
    residuals, so w = sqrt(n_T)); (slope, intercept, durations, means, counts)."""
    groups, inverse, counts = np.unique(duration, return_inverse=True, return_counts=True)
    means = np.bincount(inverse, weights=size) / counts
    if len(groups) < 2:
        return np.nan, np.nan, groups, means, counts
    slope, icpt = np.polyfit(np.log(groups), np.log(means), 1, w=np.sqrt(counts))
    return slope, icpt, groups, means, counts


T_UNEVEN = np.array([1] * 5 + [2] * 2 + [3] * 7 + [5] + [8] * 4)
S_UNEVEN = (np.arange(len(T_UNEVEN)) % 5 + 1.0) * T_UNEVEN ** 1.5


def test_mean_size_fit_is_the_count_weighted_regression_of_group_means():
    """gamma and ln c are polyfit's weighted line through the group means (the weights
    matter here: the unweighted slope differs); min_count keeps groups of exactly that
    many avalanches and needs two of them."""
    res = fit_mean_size_scaling(S_UNEVEN, T_UNEVEN, n_boot=0)
    slope, icpt, groups, means, counts = _group_fit(S_UNEVEN, T_UNEVEN)
    assert res.gamma == pytest.approx(slope, rel=1e-12)
    assert res.log_c == pytest.approx(icpt, rel=1e-12)
    assert abs(np.polyfit(np.log(groups), np.log(means), 1)[0] - slope) > 0.01
    assert res.durations.tolist() == [1, 2, 3, 5, 8] and res.counts.tolist() == [5, 2, 7, 1, 4]
    assert np.allclose(res.mean_size, means, rtol=1e-14, atol=0)
    kept = fit_mean_size_scaling(S_UNEVEN, T_UNEVEN, min_count=2, n_boot=0)
    assert kept.durations.tolist() == [1, 2, 3, 8] and kept.counts.tolist() == [5, 2, 7, 4]
    use = T_UNEVEN != 5
    assert kept.gamma == pytest.approx(_group_fit(S_UNEVEN[use], T_UNEVEN[use])[0], rel=1e-12)
    two = fit_mean_size_scaling(S_UNEVEN, T_UNEVEN, min_count=5, n_boot=0)
    assert two.durations.tolist() == [1, 3]
    with pytest.raises(InvalidParameterError) as info:
        fit_mean_size_scaling(S_UNEVEN, T_UNEVEN, min_count=6, n_boot=0)
    assert str(info.value) == ("fit_mean_size_scaling needs at least two durations with 6 or "
                               "more avalanches.")


@pytest.mark.parametrize("n", [19, 11], ids=["uneven", "often-one-group"])
def test_mean_size_bootstrap_is_over_avalanches_with_replacement(n):
    """gamma_stderr is the sample sd (ddof = 1) of the slopes of resampled avalanches
    (with replacement, n of n), resamples with fewer than two durations left out; the
    Generator passed as seed supplies the draws. With 10 x T = 1 and one T = 2, about a
    third of the resamples lose T = 2."""
    if n == 19:
        s, t = S_UNEVEN, T_UNEVEN
    else:
        t = np.array([1] * 10 + [2])
        s = np.arange(1.0, 12.0) * t
    res = fit_mean_size_scaling(s, t, n_boot=60, seed=np.random.default_rng(5))
    rng = np.random.default_rng(5)
    boots = [_group_fit(s[i], t[i])[0] for i in (rng.integers(0, n, n) for _ in range(60))]
    finite = [b for b in boots if np.isfinite(b)]
    assert 30 < len(finite) < 60 if n == 11 else len(finite) == 60
    assert res.gamma_stderr == pytest.approx(np.std(finite, ddof=1), rel=1e-9)
    if n == 19:  # every resample keeps two durations: two resamples suffice, one does not
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no numpy degrees-of-freedom warning either
            assert math.isnan(fit_mean_size_scaling(s, t, n_boot=1, seed=0).gamma_stderr)
        assert fit_mean_size_scaling(s, t, n_boot=2, seed=0).gamma_stderr > 0


def test_mean_size_messages_and_boundaries():
    """Zero sizes are allowed, zero durations and negative sizes are not; every refusal
    names the function, exactly; str shows gamma, its error and the number of groups."""
    ok = fit_mean_size_scaling([0.0, 2.0, 4.0, 8.0], [1, 1, 2, 2], n_boot=0)
    assert ok.mean_size.tolist() == [1.0, 6.0]
    noise_free = fit_mean_size_scaling(3.0 * np.repeat([1, 2, 4], 3) ** 2,
                                       np.repeat([1, 2, 4], 3), n_boot=3, seed=0)
    assert str(noise_free) == "<S>(T) ~ T^gamma: gamma = 2.0000 +/- 0.0000 over 3 durations"
    av = netaval.binning.detect_binned_avalanches([0, 2, 2, 3, 6, 6, 6, 7, 7, 8, 12],
                                                  bin_width=1, start=0, end=20)
    cases = [
        (([1.0, -1.0], [1, 2]), {},
         "fit_mean_size_scaling needs non-negative sizes and positive durations."),
        (([1.0, 2.0], [0, 2]), {},
         "fit_mean_size_scaling needs non-negative sizes and positive durations."),
        (([1.0, 2.0, 3.0], [1, 2]), {},
         "The 'size' and 'duration' parameters of fit_mean_size_scaling must have the same "
         "shape. Got (3,) and (2,)."),
        (([], []), {}, "The 'size' parameter of fit_mean_size_scaling must not be empty."),
        (([1.0], []), {}, "The 'duration' parameter of fit_mean_size_scaling must not be "
                          "empty."),
        ((av, [1, 2]), {},
         "The 'duration' parameter of fit_mean_size_scaling must be None when 'size' is an "
         "avalanche collection (BinnedAvalanches), which has its own durations."),
    ]
    for args, kwargs, message in cases:
        with pytest.raises(InvalidParameterError) as info:
            fit_mean_size_scaling(*args, **kwargs)
        assert str(info.value) == message


def test_crackling_noise_boundaries_and_text():
    """|z| = 2 exactly is still consistent; zero combined error gives z = +-inf and p = 0,
    or z = 0 and p = 1 when the two sides are equal; p is the two-sided normal tail; the
    result's text is exact."""
    from scipy import stats as sps

    chk = check_crackling_noise((2.0, 0.0), (2.0, 0.0), (3.0, 1.0))
    assert (chk.predicted, chk.predicted_stderr, chk.gamma, chk.gamma_stderr, chk.z) == (
        1.0, 0.0, 3.0, 1.0, 2.0)
    assert chk.consistent and chk.p == pytest.approx(2 * sps.norm.sf(2.0), rel=1e-12)
    assert str(chk) == ("crackling noise: (alpha-1)/(tau-1) = 1.0000 +/- 0.0000 vs gamma = "
                        "3.0000 +/- 1.0000 (z = 2.00, p = 0.0455)")
    assert check_crackling_noise((2.0, 0.0), (2.0, 0.0), (-1.0, 1.0)).consistent
    assert not check_crackling_noise((2.0, 0.0), (2.0, 0.0), (3.0 + 1e-9, 1.0)).consistent
    assert not check_crackling_noise((2.0, 0.0), (2.0, 0.0), (-1.0 - 1e-9, 1.0)).consistent
    up = check_crackling_noise((2.0, 0.0), (2.0, 0.0), (3.0, 0.0))
    down = check_crackling_noise((2.0, 0.0), (2.0, 0.0), (0.5, 0.0))
    assert (up.z, up.p, down.z, down.p) == (math.inf, 0.0, -math.inf, 0.0)
    same = check_crackling_noise((2.0, 0.0), (2.0, 0.0), (1.0, 0.0))  # was z = nan, p = 0
    assert (same.z, same.p, same.consistent) == (0.0, 1.0, True)
    with pytest.raises(InvalidParameterError) as info:
        check_crackling_noise((1.0, 0.1), (2.0, 0.1), (2.0, 0.1))
    assert str(info.value) == "check_crackling_noise: tau = 1 makes (alpha - 1)/(tau - 1) undefined."


def test_crackling_noise_reads_fit_attributes_and_names_bad_arguments():
    """Fit objects give .alpha/.alpha_stderr (sizes and durations) and .gamma/.gamma_stderr;
    anything else that is not a (value, stderr) pair is refused naming the parameter."""
    from types import SimpleNamespace

    chk = check_crackling_noise(SimpleNamespace(alpha=1.5, alpha_stderr=0.01),
                                SimpleNamespace(alpha=2.0, alpha_stderr=0.02),
                                SimpleNamespace(gamma=2.5, gamma_stderr=0.05))
    assert (chk.predicted, chk.gamma, chk.gamma_stderr) == (2.0, 2.5, 0.05)
    assert chk.predicted_stderr == pytest.approx(np.hypot(0.02 / 0.5, 1.0 * 0.01 / 0.25))
    cases = [
        (((1, 2, 3), (2.0, 0.1), (2.0, 0.1)), "size_fit", "alpha", "(1, 2, 3)"),
        (((1.5, 0.1), ("x", "y"), (2.0, 0.1)), "duration_fit", "alpha", "('x', 'y')"),
        (((1.5, 0.1), (2.0, 0.1), None), "scaling_fit", "gamma", "None"),
    ]
    for args, name, attr, shown in cases:
        with pytest.raises(InvalidParameterError) as info:
            check_crackling_noise(*args)
        assert str(info.value) == (
            f"The {name!r} parameter of check_crackling_noise must be a fit result with "
            f".{attr} and .{attr}_stderr or a (value, stderr) pair. Got {shown} instead.")


def _independent_collapse(gamma, profs, durations, x):
    """(collapse error, shape) at gamma: profiles averaged per duration, placed at
    (t - 1/2)/T, interpolated onto x and scaled by T^(1 - gamma)."""
    rows = np.array([np.interp(x, (np.arange(1, t + 1) - 0.5) / t,
                               np.mean([p for p in profs if len(p) == t], axis=0))
                     / t ** (gamma - 1) for t in durations])
    return rows.var(axis=0).mean() / rows.mean(axis=0).mean() ** 2, rows.mean(axis=0)


def test_shape_collapse_minimises_the_documented_error():
    """The grid spans the shortest duration's bin centres; spread and shape are the
    collapse error and mean scaled profile at gamma, which is the bounded minimum of
    that error (a brute-force grid agrees); text and scaled profiles are exact."""
    from scipy import optimize

    profs = poisson_profiles(np.random.default_rng(1), 1.5, [6, 9, 14], 12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no solver or degrees-of-freedom warnings
        res = shape_collapse(profs, n_boot=0, seed=0)
    x = np.linspace(0.5 / 6, 1 - 0.5 / 6, 50)
    precise = optimize.minimize_scalar(
        lambda g: _independent_collapse(g, profs, [6, 9, 14], x)[0], bounds=(0.5, 4.0),
        method="bounded", options={"xatol": 1e-11}).x
    # located to the documented xatol 1e-8 (it agrees exactly with 1e-11 here); scipy's
    # default 1e-5 stops 4.8e-7 away
    assert abs(res.gamma - precise) < 1e-8
    assert np.array_equal(res.x, x)
    spread, shape = _independent_collapse(res.gamma, profs, [6, 9, 14], x)
    assert res.spread == pytest.approx(spread, rel=1e-10)
    assert np.allclose(res.shape, shape, rtol=1e-12, atol=0)
    grid = np.linspace(0.5, 4.0, 351)
    best = grid[np.argmin([_independent_collapse(g, profs, [6, 9, 14], x)[0] for g in grid])]
    assert abs(res.gamma - best) <= 0.01
    for g in (res.gamma - 1e-4, res.gamma + 1e-4):
        assert _independent_collapse(g, profs, [6, 9, 14], x)[0] > res.spread
    assert math.isnan(res.gamma_stderr)
    assert str(res) == (f"shape collapse: gamma = {res.gamma:.4f} +/- nan over 3 durations "
                        f"(spread {res.spread:.3g})")
    for (t_len, xs, ys), mean in zip(res.scaled_profiles(), res.mean_profiles, strict=True):
        assert np.array_equal(xs, (np.arange(1, t_len + 1) - 0.5) / t_len)
        assert np.allclose(ys, mean / t_len ** (res.gamma - 1), rtol=1e-14, atol=0)
    assert np.array_equal(shape_collapse(profs, n_points=2, n_boot=0).x, [0.5 / 6, 1 - 0.5 / 6])


def test_shape_collapse_bootstrap_resamples_within_each_duration():
    """gamma_stderr: sd (ddof = 1) of the collapse gamma over resamples that draw, duration
    by duration in increasing order, as many avalanches with replacement as it has."""
    from scipy import optimize

    profs = poisson_profiles(np.random.default_rng(2), 1.5, [6, 9, 14], 12)
    res = shape_collapse(profs, n_boot=4, seed=np.random.default_rng(9))
    rng = np.random.default_rng(9)
    by_t = {t: [p for p in profs if len(p) == t] for t in (6, 9, 14)}
    gammas = []
    for _ in range(4):
        resampled = [by_t[t][i] for t in (6, 9, 14) for i in rng.integers(0, 12, 12)]
        gammas.append(optimize.minimize_scalar(
            lambda g, profs=resampled: _independent_collapse(g, profs, [6, 9, 14], res.x)[0],
            bounds=(0.5, 4.0), method="bounded", options={"xatol": 1e-8}).x)
    assert res.gamma_stderr == pytest.approx(np.std(gammas, ddof=1), rel=1e-5)
    assert shape_collapse(profs, n_boot=2, seed=0).gamma_stderr > 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # one resample: no error bar, and no numpy warning
        assert math.isnan(shape_collapse(profs, n_boot=1, seed=0).gamma_stderr)


def test_shape_collapse_selection_bounds_are_inclusive():
    """min_duration, max_duration and min_count keep durations and counts equal to them;
    gamma stays inside gamma_range (at its edge when the optimum lies outside)."""
    profs = poisson_profiles(np.random.default_rng(3), 1.5, [3, 5, 8, 13], 12)
    assert shape_collapse(profs, n_boot=0).durations.tolist() == [5, 8, 13]
    assert shape_collapse(profs, min_duration=3, n_boot=0).durations.tolist() == [3, 5, 8, 13]
    assert shape_collapse(profs, max_duration=8, n_boot=0).durations.tolist() == [5, 8]
    assert shape_collapse(profs, min_count=12, n_boot=0).counts.tolist() == [12, 12, 12]
    with pytest.raises(InvalidParameterError) as info:
        shape_collapse(profs, min_count=13, n_boot=0)
    assert str(info.value) == ("shape_collapse needs at least two durations with 13 or more "
                               "avalanches in [4, None]. Got 0.")
    with pytest.raises(InvalidParameterError) as info:
        shape_collapse(profs, max_duration=5, n_boot=0)
    assert str(info.value).endswith("in [4, 5]. Got 1.")
    free = shape_collapse(profs, n_boot=0).gamma
    low = shape_collapse(profs, gamma_range=(0.5, free - 0.2), n_boot=0).gamma
    high = shape_collapse(profs, gamma_range=(free + 0.2, 4.0), n_boot=0).gamma
    assert free - 0.2 - 1e-4 <= low <= free - 0.2 and free + 0.2 <= high <= free + 0.2 + 1e-4


def test_shape_collapse_refuses_bad_gamma_ranges_and_profiles_exactly():
    """gamma_range must be an increasing pair (equal ends refused); an (indptr, values)
    pair must have an integer indptr rising from 0 to len(values); strings, bytes and
    non-iterables are not profiles."""
    profs = poisson_profiles(np.random.default_rng(0), 1.5, [8, 16], 12)
    pair = "The 'gamma_range' parameter of shape_collapse must be a pair of finite floats."
    rising = "The 'gamma_range' parameter of shape_collapse must be an increasing pair."
    for bad, message in [((1.0,), pair), ("ab", pair), ((1.0, 2.0, 3.0), pair),
                         ((2.0, 2.0), rising), ((2.0, 1.0), rising)]:
        with pytest.raises(InvalidParameterError) as info:
            shape_collapse(profs, gamma_range=bad)
        assert str(info.value) == f"{message[:-1]}. Got {bad!r} instead."
    csr = ("The 'profiles' parameter of shape_collapse as an (indptr, values) pair needs an "
           "integer indptr rising from 0 to len(values) = 4.")
    values = np.ones(4)
    for indptr in (np.array([[0, 4]]), np.array([], np.int64), np.array([0.0, 4.0]),
                   np.array([1, 4]), np.array([0, 3]), np.array([0, 3, 2, 4])):
        with pytest.raises(InvalidParameterError) as info:
            shape_collapse((indptr, values))
        assert str(info.value) == csr
    for bad, kind in [("profile", "str"), (b"profile", "bytes"), (5, "int")]:
        with pytest.raises(InvalidParameterError) as info:
            shape_collapse(bad)
        assert str(info.value) == ("The 'profiles' parameter of shape_collapse must be "
                                   f"avalanches or a sequence of profiles. Got {kind}.")
    with pytest.raises(InvalidParameterError) as info:
        shape_collapse([])
    assert str(info.value).endswith("Got 0.")
    run = netaval.Run(events=netaval.Events.empty(), activity=np.zeros(3, np.int64),
                      model=None, network={}, seed=0, protocol="driven", end_time=3)
    for bad, kind in [(run, "Run"), (types.SimpleNamespace(events=None), "SimpleNamespace")]:
        with pytest.raises(InvalidParameterError) as info:  # events but no event_indptr
            shape_collapse(bad)
        assert str(info.value) == ("The 'profiles' parameter of shape_collapse must be "
                                   f"avalanches or a sequence of profiles. Got {kind}.")
    flat = "The '{}' parameter of shape_collapse must be 1-dimensional. Got shape {} instead."
    for args, kwargs, message in [
            ((profs,), dict(gamma_range=[[0.5, 4.0]]), flat.format("gamma_range", "(1, 2)")),
            (([np.ones((2, 3))],), {}, flat.format("profiles", "(2, 3)")),
            (((np.array([0, 4]), np.ones((2, 2))),), {}, flat.format("profiles", "(2, 2)"))]:
        with pytest.raises(InvalidParameterError) as info:
            shape_collapse(*args, **kwargs)
        assert str(info.value) == message


def test_shape_collapse_csr_pair_equals_the_list_of_profiles():
    """The same profiles as an (indptr, values) pair (int64 or uint, empty profiles
    allowed) give the same result; a list of exactly two profiles is a list, not a pair."""
    profs = poisson_profiles(np.random.default_rng(4), 1.5, [6, 9, 14], 12)
    indptr = np.concatenate([[0], np.cumsum([len(p) for p in profs])])
    listed = shape_collapse(profs, n_boot=3, seed=1)
    values = np.concatenate(profs)
    with_empty = (np.insert(indptr, 1, 0), values)  # an empty profile first
    for pair in ((indptr, values), (indptr.astype(np.uint32), values), with_empty):
        paired = shape_collapse(pair, n_boot=3, seed=1)
        assert (paired.gamma, paired.gamma_stderr) == (listed.gamma, listed.gamma_stderr)
        assert paired.counts.tolist() == [12, 12, 12]
    two = shape_collapse([np.array([1.0, 2.0]), np.array([1.0, 3.0, 1.0])], min_duration=2,
                         min_count=1, n_boot=0)
    assert two.durations.tolist() == [2, 3] and two.counts.tolist() == [1, 1]


def _causal_avalanches(profiles, gap=2, continuous=False):
    """Causal avalanches one after another, ``gap`` empty steps apart, with the given
    profiles (one root; every event's parent is the previous step's first event). The
    run ends with the last avalanche, which is therefore flagged truncated."""
    time, avalanche, generation, parents = [], [], [], []
    t0 = 0
    for k, prof in enumerate(profiles):
        prev = None
        for step, n in enumerate(prof):
            first = len(time)
            for _ in range(n):
                parents.append([] if prev is None else [prev])
                time.append(t0 + step)
                avalanche.append(k)
                generation.append(step)
            prev = first
        t0 += len(prof) + gap
    indptr = np.concatenate([[0], np.cumsum([len(p) for p in parents])]).astype(np.int64)
    events = netaval.Events(time=np.array(time, np.float64 if continuous else np.int64),
                            neuron=np.arange(len(time), dtype=np.int32),
                            avalanche=np.array(avalanche, np.int32),
                            generation=np.array(generation, np.int32), parent_indptr=indptr,
                            parent_ids=np.array([p for q in parents for p in q], np.int32),
                            time_step=None if continuous else 1.0)
    return netaval.Avalanches.from_events(events, end_time=t0 - gap)


def test_shape_collapse_of_causal_and_binned_avalanches_skips_truncated_ones():
    """Causal avalanches: profiles are events per step from each avalanche's start; the
    truncated last one counts only with include_truncated. Binned avalanches likewise;
    continuous-time causal avalanches and a record without events are refused."""
    from netaval.errors import MissingRecordError

    av = _causal_avalanches([[1, 2, 1], [1, 3, 2], [1, 2, 2, 1], [1, 1, 3, 1], [1, 4, 4]])
    assert av.truncated.tolist() == [False] * 4 + [True]
    res = shape_collapse(av, min_duration=2, min_count=2, n_boot=0)
    assert res.counts.tolist() == [2, 2]
    assert [m.tolist() for m in res.mean_profiles] == [[1, 2.5, 1.5], [1, 1.5, 2.5, 1]]
    every = shape_collapse(av, min_duration=2, min_count=2, n_boot=0, include_truncated=True)
    assert every.counts.tolist() == [3, 2] and every.mean_profiles[0].tolist() == [1, 3, 7 / 3]
    times = np.concatenate([np.repeat(t0 + np.arange(len(p)), p) for t0, p in
                            zip((0, 5, 10, 16, 22), ([1, 2, 1], [1, 3, 2], [1, 2, 2, 1],
                                                     [1, 1, 3, 1], [1, 4, 4]), strict=True)])
    binned = netaval.binning.detect_binned_avalanches(times, bin_width=1, start=0, end=25)
    assert binned.truncated.tolist() == [True] + [False] * 3 + [True]
    assert shape_collapse(binned, min_duration=2, min_count=1, n_boot=0).counts.tolist() == [
        1, 2]
    assert shape_collapse(binned, min_duration=2, min_count=1, n_boot=0,
                          include_truncated=True).counts.tolist() == [3, 2]
    with pytest.raises(InvalidParameterError) as info:
        shape_collapse(_causal_avalanches([[1, 2, 1], [1, 2]], continuous=True))
    assert str(info.value) == ("shape_collapse needs discrete-time causal avalanches; bin "
                               "continuous-time events first.")
    summaries = netaval.Avalanches.from_summaries(
        {name: getattr(av, name) for name in ("root", "size", "duration", "depth",
                                              "n_neurons", "n_generations", "start", "end",
                                              "offspring")} | {"alive": av.truncated},
        time_step=1.0)
    with pytest.raises(MissingRecordError, match="^shape_collapse needs the full event record"):
        shape_collapse(summaries)


def test_shape_collapse_plot_draws_every_scaled_profile_and_the_shape():
    """One thin translucent line per duration at its scaled profile, then the shape in
    thick black labelled with gamma; axis labels as documented; a new axis by default."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = shape_collapse(poisson_profiles(np.random.default_rng(0), 1.5, [8, 16], 12),
                         n_boot=0)
    ax = res.plot()
    *profiles, shape = ax.get_lines()
    for line, (_, xs, ys) in zip(profiles, res.scaled_profiles(), strict=True):
        assert np.array_equal(line.get_xdata(), xs) and np.array_equal(line.get_ydata(), ys)
        assert (line.get_linestyle(), line.get_alpha(), line.get_linewidth()) == ("-", 0.5, 1)
    assert len(profiles) == 2
    assert np.array_equal(shape.get_xdata(), res.x) and np.array_equal(shape.get_ydata(),
                                                                       res.shape)
    assert (shape.get_color(), shape.get_linestyle(), shape.get_linewidth()) == ("k", "-", 2)
    assert shape.get_label() == f"gamma = {res.gamma:.3f}"
    assert ax.get_legend() is not None
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("t / T", "<s(t)|T> / T^(gamma-1)")
    with matplotlib.rc_context({"lines.linestyle": "--"}):  # solid lines whatever the style
        assert {line.get_linestyle() for line in res.plot().get_lines()} == {"-"}
    plt.close("all")
    with pytest.raises(InvalidParameterError) as info:
        res.plot(ax=3)
    assert str(info.value) == ("The 'ax' parameter of ShapeCollapse.plot must be a matplotlib "
                               "Axes or None. Got int instead.")


def test_scaling_parameters_refused_exactly_and_defaults_as_documented():
    """Each bound refuses the value just outside it, naming parameter and function; the
    documented defaults hold: n_boot = 200 resamples for <S>(T) and 100 for the collapse
    (the Generator passed as seed is advanced by exactly those draws), min_duration = 4,
    min_count = 10, gamma_range = (0.5, 4.0)."""
    s, t = [1.0, 2.0, 3.0, 4.0], [1, 1, 2, 2]
    assert fit_mean_size_scaling(s, t, min_duration=0, n_boot=0).durations.tolist() == [1, 2]
    assert fit_mean_size_scaling(s, t, min_duration=0.5, n_boot=0).durations.tolist() == [1, 2]
    bounds = [(dict(min_count=0), "'min_count' parameter of fit_mean_size_scaling must be an "
                                  "int in the range [1, inf). Got 0"),
              (dict(n_boot=-1), "'n_boot' parameter of fit_mean_size_scaling must be an int in "
                                "the range [0, 100000]. Got -1"),
              (dict(min_duration=-1), "'min_duration' parameter of fit_mean_size_scaling must "
                                      "be a float in the range [0, inf) or None. Got -1"),
              (dict(max_duration=-0.5), "'max_duration' parameter of fit_mean_size_scaling "
                                        "must be a float in the range [0, inf) or None. Got "
                                        "-0.5")]
    for kwargs, message in bounds:
        with pytest.raises(InvalidParameterError) as info:
            fit_mean_size_scaling(s, t, **kwargs)
        assert str(info.value) == f"The {message} instead."
    profs = [np.ones(5)] * 3
    bounds = [(dict(min_duration=1), "'min_duration' parameter of shape_collapse must be an "
                                     "int in the range [2, inf). Got 1"),
              (dict(max_duration=3), "'max_duration' parameter of shape_collapse must be an int "
                                     "in the range [4, inf) or None. Got 3"),
              (dict(min_count=0), "'min_count' parameter of shape_collapse must be an int in the "
                                  "range [1, inf). Got 0"),
              (dict(n_points=1), "'n_points' parameter of shape_collapse must be an int in the "
                                 "range [2, 100000]. Got 1"),
              (dict(n_points=100001), "'n_points' parameter of shape_collapse must be an int in "
                                      "the range [2, 100000]. Got 100001"),
              (dict(n_boot=-1), "'n_boot' parameter of shape_collapse must be an int in the "
                                "range [0, 100000]. Got -1"),
              (dict(include_truncated=1), "'include_truncated' parameter of shape_collapse "
                                          "must be a bool. Got 1")]
    for kwargs, message in bounds:
        with pytest.raises(InvalidParameterError) as info:
            shape_collapse(profs, **kwargs)
        assert str(info.value) == f"The {message} instead."
    for call, owner in ((lambda: fit_mean_size_scaling(s, t, seed=-1), "fit_mean_size_scaling"),
                        (lambda: shape_collapse(profs, seed=1.5), "shape_collapse")):
        with pytest.raises(InvalidParameterError) as info:
            call()
        assert str(info.value).startswith(f"The 'seed' parameter of {owner} must be ")
    # defaults: resamples counted by the draws they take from the caller's Generator
    size, dur = S_UNEVEN, T_UNEVEN
    used, replica = np.random.default_rng(1), np.random.default_rng(1)
    fit_mean_size_scaling(size, dur, seed=used)
    for _ in range(200):
        replica.integers(0, len(size), len(size))
    assert used.integers(1 << 62) == replica.integers(1 << 62)
    rng = np.random.default_rng(6)
    profs = (poisson_profiles(rng, 1.5, [3, 4, 8], 12) + poisson_profiles(rng, 1.5, [6], 10)
             + poisson_profiles(rng, 1.5, [10], 9))
    used, replica = np.random.default_rng(2), np.random.default_rng(2)
    res = shape_collapse(profs, seed=used)
    assert res.durations.tolist() == [4, 6, 8] and res.counts.tolist() == [12, 10, 12]
    for _ in range(100):
        for count in res.counts:
            replica.integers(0, count, count)
    assert used.integers(1 << 62) == replica.integers(1 << 62)
    found = []
    for gamma in (0.7, 4.5):  # noise-free; interpolation onto the grid biases gamma slightly
        exact = [t ** (gamma - 1) * (1 + 20 * x * (1 - x)) for t in (6, 12, 24)
                 for x in [(np.arange(1, t + 1) - 0.5) / t] for _ in range(10)]
        found.append(shape_collapse(exact, n_boot=0).gamma)
    assert abs(found[0] - 0.7) < 0.05 and 4.0 - 1e-4 <= found[1] <= 4.0
