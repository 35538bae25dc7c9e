"""Tests for branching-ratio estimators: MR under 5% subsampling, conventional bias, peers."""

import math
import warnings

import numpy as np
import pytest

import netaval
from netaval.errors import InvalidParameterError, NetavalWarning
from netaval.stats import (
    branching_ratio_avalanches,
    branching_ratio_conventional,
    branching_ratio_mr,
    branching_ratio_naive,
    regression_slopes,
)
from tests.stats import assert_mean_within_z, assert_stderr_matches_spread, assert_within_z
from tests.warning_location import assert_warned_at_caller

Z = 4.0
M, H, ALPHA = 0.9, 10.0, 0.05


def driven_branching(rng, n_steps, m=M, h=H, alpha=ALPHA):
    """A_{t+1} ~ Poisson(m A_t + h), started at the mean; a_t ~ Binomial(A_t, alpha)."""
    big = np.empty(n_steps, np.int64)
    big[0] = round(h / (1 - m))
    for t in range(1, n_steps):
        big[t] = rng.poisson(m * big[t - 1] + h)
    return big, rng.binomial(big, alpha)


def b_theory(m=M, alpha=ALPHA):
    """SCIENCE.md 5.3: b = 1 / (1 + (1 - alpha)(1 - m^2) / alpha)."""
    return 1.0 / (1.0 + (1.0 - alpha) * (1.0 - m * m) / alpha)


@pytest.fixture(scope="module")
def replicates():
    """Ten subsampled driven branching series of 20000 steps (fixed seed)."""
    rng = np.random.default_rng(2018)
    return [driven_branching(rng, 20000)[1] for _ in range(10)]


def test_mr_recovers_m_under_subsampling(replicates):
    """MR: mean m over replicates within z = 4 standard errors of the true m = 0.9."""
    ms = [branching_ratio_mr(a, k_max=40).m for a in replicates]
    assert_mean_within_z(ms, M, z=Z, what="MR m")


def test_conventional_biased_as_predicted(replicates):
    """r_1 estimates b m with b from the binomial-thinning formula (z = 4), far from m."""
    r1 = [branching_ratio_conventional(a) for a in replicates]
    assert_mean_within_z(r1, b_theory() * M, z=Z, what="r_1")
    assert np.mean(r1) < 0.5 * M


def test_mr_b_matches_thinning_formula(replicates):
    """The fitted prefactor b matches 1 / (1 + (1 - alpha)(1 - m^2) / alpha) (z = 4)."""
    bs = [branching_ratio_mr(a, k_max=40).b for a in replicates]
    assert_mean_within_z(bs, b_theory(), z=Z, what="b")


def test_mr_single_series_within_its_stderr(seed):
    """One series: m within z = 4 of its jackknife standard error; tau = -1/ln m."""
    _, a = driven_branching(np.random.default_rng(seed), 20000)
    res = branching_ratio_mr(a, k_max=40, dt=4.0)
    assert_within_z(res.m, M, res.m_stderr, z=Z, what="m")
    assert res.tau == pytest.approx(-4.0 / math.log(res.m))
    assert res.r_k.shape == (40,) and res.k[0] == 1
    assert res.conventional == pytest.approx(res.r_k[0])
    assert "m =" in str(res)


def test_full_observation_conventional_unbiased(seed):
    """Without subsampling r_1 estimates m itself (b = 1), within z stderr (jackknife)."""
    big, _ = driven_branching(np.random.default_rng(seed), 20000)
    res = branching_ratio_mr(big, k_max=20)
    assert_within_z(res.m, M, res.m_stderr, z=Z, what="m")
    assert_within_z(res.b, 1.0, res.b_stderr, z=Z, what="b")


def test_mr_matches_mrestimator(replicates):
    """Same series: same r_k (1e-10) and same m as mrestimator's exponential fit."""
    mre = pytest.importorskip("mrestimator")
    a = replicates[0].astype(float)
    ours = branching_ratio_mr(a, k_max=40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import logging

        logging.getLogger("mrestimator").setLevel(logging.ERROR)
        rk = mre.coefficients(a[None, :], method="ts", steps=(1, 40), numboot=0, desc="t")
        fit = mre.fit(rk, fitfunc="exponential", numboot=0)
    assert np.allclose(rk.coefficients, ours.r_k, atol=1e-10)
    assert abs(fit.mre - ours.m) < ours.m_stderr
    assert fit.mre == pytest.approx(ours.m, abs=1e-6)


def test_regression_slopes_hand_computed():
    """Slopes of a[t+1] on a[t] for a small series equal numpy's polyfit."""
    a = np.array([3.0, 5.0, 2.0, 7.0, 4.0, 6.0, 1.0, 8.0])
    r = regression_slopes(a, k_max=2)
    for k in (1, 2):
        assert r[k - 1] == pytest.approx(np.polyfit(a[:-k], a[k:], 1)[0], rel=1e-12)


def test_trials_are_averaged():
    """Two trials: slopes are the average of the per-trial slopes."""
    a = np.array([[3.0, 5.0, 2.0, 7.0, 4.0, 6.0], [1.0, 2.0, 4.0, 3.0, 5.0, 4.0]])
    r = regression_slopes(a, k_max=1)
    assert r[0] == pytest.approx(np.mean([regression_slopes(t, k_max=1)[0] for t in a]))


def test_naive_ratio_hand_computed():
    """Mean of a[t+1]/a[t] over bins with a[t] > 0."""
    assert branching_ratio_naive([2, 4, 0, 1, 3, 0]) == pytest.approx((2 + 0 + 3 + 0) / 4)


def test_beggs_plenz_hand_computed():
    """n_desc/n_anc averaged over uncensored avalanches; one-bin avalanches count 0."""
    av = netaval.binning.detect_binned_avalanches([0, 3, 3, 4, 6, 9, 9, 9, 10, 10],
                                                  bin_width=1, start=0, end=15)
    # avalanches: {0} censored, {3,3,4}: 1/2, {6}: 0, {9,9,9,10,10}: 2/3
    assert branching_ratio_avalanches(av) == pytest.approx((0.5 + 0 + 2 / 3) / 3)
    assert branching_ratio_avalanches(av, include_truncated=True) == pytest.approx(
        (0 + 0.5 + 0 + 2 / 3) / 4)


def _run_with_activity(activity):
    ev = netaval.Events.empty()
    return netaval.Run(events=ev, activity=np.asarray(activity, np.int64), model=None,
                       network={}, seed=0, protocol="driven", end_time=len(activity))


def test_run_adapter(replicates):
    """A Run's activity gives the same estimates as the array."""
    a = replicates[1]
    run = _run_with_activity(a)
    assert branching_ratio_mr(run, k_max=10).m == branching_ratio_mr(a, k_max=10).m
    assert branching_ratio_conventional(run) == branching_ratio_conventional(a)
    assert branching_ratio_naive(run) == branching_ratio_naive(a)


@pytest.mark.parametrize("call, match", [
    (lambda: branching_ratio_mr([1.0, 2.0, 3.0], k_max=5), "k_max"),
    (lambda: branching_ratio_mr(np.arange(50.0), k_max=1), "k_max"),
    (lambda: branching_ratio_conventional([1.0, np.nan, 2.0, 3.0]), "finite"),
    (lambda: branching_ratio_conventional(np.ones(10)), "constant"),
    (lambda: branching_ratio_naive([0, 0, 0]), "no bin"),
    (lambda: branching_ratio_mr(np.arange(50.0), k_max=3, dt=0), "dt"),
], ids=["kmax-too-big", "kmax-1", "nan", "constant", "silent", "dt"])
def test_invalid_input_raises(call, match):
    """Bad input raises InvalidParameterError naming the problem."""
    with pytest.raises(InvalidParameterError, match=match):
        call()


@pytest.mark.slow
def test_mr_stderr_matches_replicate_spread():
    """Over 60 replicates the jackknife stderr of m matches the spread of m (z = 4)."""
    rng = np.random.default_rng(7)
    results = [branching_ratio_mr(driven_branching(rng, 20000)[1], k_max=40)
               for _ in range(60)]
    ms = [r.m for r in results]
    assert_stderr_matches_spread(ms, [r.m_stderr for r in results], z=Z)
    assert_mean_within_z(ms, M, z=Z, what="MR m")


@pytest.mark.parametrize("k_max", [17, 60], ids=["17", "60"])
def test_fft_slopes_equal_direct_kernel(replicates, k_max):
    """The FFT path (k_max > 16) gives the direct jitted sums to 1e-10."""
    from netaval._kernels.stats import _regression_slopes
    from netaval.stats.branching import _slopes_fft

    x = np.stack([replicates[2], replicates[3]]).astype(float)
    assert np.allclose(_slopes_fft(x, k_max), _regression_slopes(x, k_max), rtol=0, atol=1e-10)


def test_fft_slopes_with_an_odd_transform_length():
    """T = 37: scipy's fast length for 2T is 75 (odd), so the inverse FFT must be told its
    length; the slopes still equal the direct jitted sums."""
    from scipy import fft

    from netaval._kernels.stats import _regression_slopes
    from netaval.stats.branching import _slopes_fft

    assert fft.next_fast_len(2 * 37) % 2 == 1
    x = np.random.default_rng(0).poisson(5, (2, 37)).astype(float)
    assert np.allclose(_slopes_fft(x, 17), _regression_slopes(x, 17), rtol=0, atol=1e-10)


# ---------------------------------------------------- pinned exactly (mutation survivors)
# Written from the survivors of mutation testing (mutmut on netaval/stats/branching.py).
def test_estimators_name_themselves_in_their_messages():
    """Every refusal names the parameter and the estimator, exactly."""
    from netaval.binning import detect_binned_avalanches
    from netaval.stats.branching import branching_ratio_avalanches, branching_ratio_conventional, branching_ratio_naive

    cases = [
        (branching_ratio_conventional, ([[1, 2]],), {},
         "The 'activity' parameter of branching_ratio_conventional needs at least 3 time "
         "steps. Got 2."),
        (branching_ratio_conventional, (["a", "b", "c"],), {},
         "The 'activity' parameter of branching_ratio_conventional must be array-like of "
         "numbers."),
        (branching_ratio_naive, (["a", "b", "c"],), {},
         "The 'activity' parameter of branching_ratio_naive must be array-like of numbers."),
        (branching_ratio_naive, ([0, 0, 1],), {},
         "branching_ratio_naive: no bin with activity > 0 is followed by another bin."),
        (branching_ratio_avalanches, (None,), {"include_truncated": 3},
         "The 'include_truncated' parameter of branching_ratio_avalanches must be a bool. "
         "Got 3 instead."),
        (branching_ratio_avalanches, (np.array([0.0]),), {},
         "The 'avalanches' parameter of branching_ratio_avalanches must be BinnedAvalanches "
         "or spike times to bin (detect_binned_avalanches cannot choose"),
        (branching_ratio_avalanches,
         (detect_binned_avalanches(np.array([0.5, 1.5, 1.5]), bin_width=1),), {},
         "branching_ratio_avalanches: no avalanche to average over."),
    ]
    for function, args, kwargs, message in cases:
        with pytest.raises(InvalidParameterError) as info:
            function(*args, **kwargs)
        assert str(info.value).startswith(message), (function.__name__, str(info.value))
    assert branching_ratio_conventional([1, 2, 1]) == pytest.approx(-1.0)  # 3 steps suffice


def test_beggs_plenz_uses_the_second_bin_of_each_avalanche():
    """Profiles [1, 2, 3] and [1, 3, 1]: n_desc / n_anc = 2 and 3, mean 2.5 (not bin 3)."""
    from netaval.binning import detect_binned_avalanches
    from netaval.stats.branching import branching_ratio_avalanches

    times = np.array([0, 1, 1, 2, 2, 2, 10, 11, 11, 11, 12], float) + 0.5
    av = detect_binned_avalanches(times, bin_width=1)
    assert av.profile.tolist() == [1, 2, 3, 1, 3, 1]
    assert branching_ratio_avalanches(av, include_truncated=True) == pytest.approx(2.5)


def test_fft_slopes_are_shift_and_scale_invariant_and_quiet(replicates):
    """Slopes do not change when the series is scaled by 1e-8 or 1e-12 (tiny variances are still
    variances); a series constant over every front window gives NaN, silently, even under
    np.errstate(invalid="raise", divide="raise"), never a slope from rounding noise."""
    from netaval.stats.branching import _slopes_fft

    x = np.stack([replicates[2], replicates[3]]).astype(float)
    reference = _slopes_fft(x, 20)
    for scale in (1e-8, 1e-12):  # total sum of squares ~1e-19 at 1e-12: no absolute floor
        assert np.allclose(_slopes_fft(scale * x, 20), reference, rtol=1e-9, atol=0)
    step = np.zeros((2, 200))
    step[:, -1] = 1e6  # every front window (t < T - k) is constant: Var = 0 up to rounding
    step[1] = 0.0      # and a constant trial
    with np.errstate(invalid="raise", divide="raise"):
        r = _slopes_fft(step, 20)
    assert np.all(np.isnan(r))


def test_fitted_is_b_m_to_the_k_and_plot_draws_both(replicates):
    """MultistepRegression.fitted() = b m^k; plot() draws r_k (dots) and the fit (line) over
    k dt with labelled axes; a non-str unit is refused."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from netaval.stats import branching_ratio_mr
    fit = branching_ratio_mr(replicates[0], k_max=12, dt=2)
    assert np.array_equal(fit.fitted(), fit.b * fit.m ** fit.k)
    assert fit.fitted(np.array([0, 3])).tolist() == [fit.b, fit.b * fit.m ** 3]
    ax = fit.plot(unit="ms")
    dots, line = ax.get_lines()
    assert np.array_equal(dots.get_xdata(), fit.k * 2) and np.array_equal(dots.get_ydata(), fit.r_k)
    assert (dots.get_marker(), dots.get_linestyle(), dots.get_markersize()) == ("o", "None", 3)
    assert dots.get_label() == "regression slopes r_k"
    assert np.array_equal(line.get_xdata(), fit.k * 2)
    assert np.array_equal(line.get_ydata(), fit.fitted()) and line.get_linestyle() == "-"
    assert line.get_label() == f"b m^k: m = {fit.m:.4f} +/- {fit.m_stderr:.2g}"
    assert ax.get_xlabel() == "lag k dt (ms)"
    assert ax.get_ylabel() == "regression slope r_k (dimensionless)"
    assert fit.plot(ax=ax) is ax and len(ax.get_lines()) == 4
    assert fit.plot().get_xlabel() == "lag k dt (time steps)"
    assert {t.get_fontsize() for t in ax.get_legend().get_texts()} == {8.0}
    with matplotlib.rc_context({"lines.linestyle": "--"}):  # the fit is solid whatever the style
        assert fit.plot().get_lines()[1].get_linestyle() == "-"
    plt.close("all")
    with pytest.raises(InvalidParameterError) as info:
        fit.plot(unit=3)
    assert str(info.value) == "The 'unit' parameter of MultistepRegression.plot must be a str. " \
                              "Got 3 instead."
    with pytest.raises(InvalidParameterError) as info:
        fit.plot(ax=3)
    assert str(info.value) == ("The 'ax' parameter of MultistepRegression.plot must be a "
                               "matplotlib Axes or None. Got int instead.")


def test_jackknife_blocks_are_capped_at_t_over_2k_plus_2(replicates):
    """At most T // (2 k_max + 2) blocks: with T = 104 and k_max = 12 (cap 4, where
    2 k_max + 3 would give 3), n_blocks = 10 and 4 give the same error bars and 3 others;
    two blocks (T = 52, or n_blocks = 2) still give one, one block (T = 51) none."""
    from netaval.stats import branching_ratio_mr

    x = np.asarray(replicates[0][:104], float)
    capped = branching_ratio_mr(x, k_max=12, n_blocks=10)
    four = branching_ratio_mr(x, k_max=12, n_blocks=4)
    assert np.isfinite(four.m_stderr) and (capped.m_stderr, capped.b_stderr) == (
        four.m_stderr, four.b_stderr)
    assert branching_ratio_mr(x, k_max=12, n_blocks=3).m_stderr != four.m_stderr
    two = branching_ratio_mr(x, k_max=12, n_blocks=2)
    assert np.isfinite(two.m_stderr) and two.m_stderr != four.m_stderr
    assert np.isfinite(branching_ratio_mr(x[:52], k_max=12).m_stderr)
    assert math.isnan(branching_ratio_mr(x[:51], k_max=12).m_stderr)


def test_mr_smallest_settings_messages_and_the_undefined_tau(replicates, monkeypatch):
    """k_max = 2, n_blocks = 2 and dt < 1 are accepted (k_max = 2 with netaval's warning
    only, at the caller: scipy's about the unused covariance is not passed on); tau_stderr
    is the delta-method dt / (m ln^2 m) m_stderr; refusals are exact; m = 1 exactly (a
    ramp) or m > 1 (growth) warn at the caller and give tau = inf, tau_stderr = nan; a fit
    that does not converge is refused, and one failing jackknife fit leaves the error bars
    undefined."""
    x = np.asarray(replicates[0][:2000], float)
    with pytest.warns(NetavalWarning) as record:
        ok = branching_ratio_mr(x, k_max=2, dt=0.5, n_blocks=2)
    assert [str(w.message) for w in record] == [
        "branching_ratio_mr: k_max = 2 determines b and m exactly from r_1 and r_2 (m = r_2 "
        "/ r_1), so nothing checks that r_k decays as b m^k; use k_max >= 3."]
    assert_warned_at_caller(record[0], branching_ratio_mr, __file__)
    assert ok.m == pytest.approx(ok.r_k[1] / ok.r_k[0], rel=1e-9)  # curve_fit's tolerance
    assert ok.k.tolist() == [1, 2] and ok.dt == 0.5 and np.isfinite(ok.m_stderr)
    assert ok.tau == pytest.approx(-0.5 / math.log(ok.m), rel=1e-12)
    assert ok.tau_stderr == pytest.approx(0.5 / (ok.m * math.log(ok.m) ** 2) * ok.m_stderr,
                                          rel=1e-12)
    cases = [
        (dict(k_max=1), "The 'k_max' parameter of branching_ratio_mr must be at least 2 (two "
                        "parameters are fitted). Got 1 instead."),
        (dict(k_max=3, dt=0), "The 'dt' parameter of branching_ratio_mr must be a float in "
                              "the range (0, inf). Got 0 instead."),
        (dict(k_max=3, n_blocks=1), "The 'n_blocks' parameter of branching_ratio_mr must be "
                                    "an int in the range [2, inf). Got 1 instead."),
        (dict(k_max=1999), "branching_ratio_mr: The 'k_max' parameter of regression_slopes "
                           "must be an int in the range [1, 1998]. Got 1999 instead."),
    ]
    for kwargs, message in cases:
        with pytest.raises(InvalidParameterError) as info:
            branching_ratio_mr(x, **kwargs)
        assert str(info.value) == message
    for series, shown in ((np.arange(100.0), "1"), (1.02 ** np.arange(200.0), "1.02")):
        with pytest.warns(NetavalWarning) as record:
            grown = branching_ratio_mr(series, k_max=5)
        assert [str(w.message) for w in record] == [
            f"branching_ratio_mr: m = {shown} is outside (0, 1); tau is not defined."]
        assert_warned_at_caller(record[0], branching_ratio_mr, __file__)
        assert grown.tau == math.inf and math.isnan(grown.tau_stderr)
    from netaval.stats import branching

    real_fit = branching.optimize.curve_fit
    monkeypatch.setattr(branching.optimize, "curve_fit",
                        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("no luck")))
    with pytest.raises(InvalidParameterError) as info:
        branching_ratio_mr(x, k_max=3)
    assert str(info.value) == ("branching_ratio_mr: the fit of r_k = b m^k did not converge "
                               "(no luck).")
    calls = []

    def fails_after_the_first(*args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("no luck")
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(branching.optimize, "curve_fit", fails_after_the_first)
    unsure = branching_ratio_mr(x, k_max=3)
    assert np.isfinite(unsure.m) and math.isnan(unsure.m_stderr) and math.isnan(unsure.b_stderr)


def test_regression_slopes_lag_range_and_messages():
    """k_max runs from 1 to T - 2 (windows of two points; the last slope is polyfit's);
    refusals are exact, including an empty or 3-D activity and a constant window."""
    a = np.array([3.0, 5.0, 2.0, 7.0, 4.0, 6.0])
    r = regression_slopes(a, k_max=4)
    assert r[3] == pytest.approx(np.polyfit(a[:2], a[4:], 1)[0], rel=1e-12)
    cases = [
        ((a,), dict(k_max=5), "The 'k_max' parameter of regression_slopes must be an int in "
                              "the range [1, 4]. Got 5 instead."),
        (([],), dict(k_max=1), "The 'activity' parameter of regression_slopes must not be "
                               "empty."),
        ((np.ones((2, 2, 2)),), dict(k_max=1), "The 'activity' parameter of regression_slopes "
                                               "must be 1-dimensional. Got shape (2, 2, 2) "
                                               "instead."),
        ((np.ones(10),), dict(k_max=1), "regression_slopes: the activity is constant over a "
                                        "window; the slopes are undefined."),
        # too short for any lag: once "k_max ... must be an int in the range [1, 0]"
        ((np.ones((2, 2)),), dict(k_max=1), "The 'activity' parameter of regression_slopes "
                                            "must span at least 3 time bins (k_max <= T - "
                                            "2). Got 2."),
        (([1.0, 2.0],), dict(k_max=5), "The 'activity' parameter of regression_slopes must "
                                       "span at least 3 time bins (k_max <= T - 2). Got 2."),
    ]
    for args, kwargs, message in cases:
        with pytest.raises(InvalidParameterError) as info:
            regression_slopes(*args, **kwargs)
        assert str(info.value) == message


def test_beggs_plenz_when_the_last_avalanche_has_one_bin():
    """A one-bin avalanche last in the profile (its 'second bin' would lie past the end)
    counts 0; the avalanche touching the first bin counts only with include_truncated."""
    from netaval.binning import detect_binned_avalanches

    av = detect_binned_avalanches(np.array([0.5, 1.5, 1.5, 5.5]), bin_width=1, start=0, end=10)
    assert av.profile.tolist() == [1, 2, 1] and av.truncated.tolist() == [True, False]
    assert branching_ratio_avalanches(av) == 0.0
    assert branching_ratio_avalanches(av, include_truncated=True) == 1.0


def test_jackknife_is_delete_one_block_over_trial_averaged_slopes(replicates):
    """m_stderr and b_stderr: every trial cut into n_blocks contiguous blocks of T //
    n_blocks steps, block j's slopes averaged over trials, b m^k fitted to the mean over
    the other blocks, and sqrt((n - 1)/n sum (estimate - mean)^2); computed here with
    regression_slopes per block and scipy's curve_fit."""
    from scipy import optimize

    x = np.stack([replicates[4][:3003], replicates[5][:3003]]).astype(float)
    n_blocks, k_max = 5, 6
    res = branching_ratio_mr(x, k_max=k_max, n_blocks=n_blocks)
    length = 3003 // n_blocks
    per_block = np.array([np.mean([regression_slopes(trial[j * length:(j + 1) * length],
                                                     k_max=k_max) for trial in x], axis=0)
                          for j in range(n_blocks)])
    k = np.arange(1, k_max + 1, dtype=float)
    estimates = []
    for j in range(n_blocks):
        r = np.delete(per_block, j, axis=0).mean(axis=0)
        estimates.append(optimize.curve_fit(lambda kk, b, m: b * m ** kk, k, r,
                                            p0=[r[0] / 0.9, 0.9])[0])
    estimates = np.array(estimates)
    spread = np.sqrt((n_blocks - 1) / n_blocks
                     * ((estimates - estimates.mean(axis=0)) ** 2).sum(axis=0))
    assert res.b_stderr == pytest.approx(spread[0], rel=1e-4)  # curve_fit tolerance
    assert res.m_stderr == pytest.approx(spread[1], rel=1e-4)
    assert res.m_stderr != pytest.approx(res.b_stderr, rel=0.05)


def test_fft_slopes_centre_each_trial_on_its_own_mean(replicates):
    """Trials with means 1e6 apart: each trial is centred on its own mean, so the prefix
    sums do not cancel catastrophically and the slopes are those of the unshifted series."""
    from netaval.stats.branching import _slopes_fft

    x = np.stack([replicates[2], replicates[3]]).astype(float)
    shifted = x + np.array([[0.0], [1e6]])
    assert np.allclose(_slopes_fft(shifted, 20), _slopes_fft(x, 20), rtol=0, atol=1e-9)


def test_mr_defaults_and_m_exactly_zero(replicates, monkeypatch):
    """The documented defaults dt = 1 and n_blocks = 10 (the jackknife of 11 blocks differs);
    k_max = 3 fits without a warning; a fit giving m = 0 exactly is outside (0, 1): it warns, tau = inf (no log(0))."""
    x = np.asarray(replicates[1][:2400], float)  # cap 2400 // 12 = 200 blocks: no cap
    default = branching_ratio_mr(x, k_max=5)
    ten = branching_ratio_mr(x, k_max=5, dt=1, n_blocks=10)
    assert default.dt == 1.0 and default.tau == -1.0 / math.log(default.m)
    assert (default.m, default.m_stderr, default.b_stderr, default.tau) == (
        ten.m, ten.m_stderr, ten.b_stderr, ten.tau)
    assert branching_ratio_mr(x, k_max=5, n_blocks=11).m_stderr != default.m_stderr
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # only k_max = 2 warns that the fit is exact
        assert branching_ratio_mr(x, k_max=3).k.tolist() == [1, 2, 3]
    from netaval.stats import branching

    monkeypatch.setattr(branching.optimize, "curve_fit",
                        lambda *args, **kwargs: (np.array([0.5, 0.0]), None))
    with pytest.warns(NetavalWarning) as record:
        zero = branching_ratio_mr(x, k_max=5)
    assert [str(w.message) for w in record] == [
        "branching_ratio_mr: m = 0 is outside (0, 1); tau is not defined."]
    assert (zero.m, zero.tau, zero.m_stderr) == (0.0, math.inf, 0.0)


def test_fitted_refuses_non_integer_and_negative_lags(replicates):
    """fitted(k) takes non-negative integer lags only (an empty integer array gives an empty
    result); float or negative lags are refused with the exact message."""
    fit = branching_ratio_mr(np.asarray(replicates[0][:2000], float), k_max=4)
    assert fit.fitted(np.array([], np.int64)).size == 0
    assert fit.fitted(np.array([2], np.uint8)).tolist() == [fit.b * fit.m ** 2]
    for k, shown in (([1.5], "[1.5]"), ([1.0], "[1.0]"), ([-1], "[-1]"), ([2, -1], "[2, -1]")):
        with pytest.raises(InvalidParameterError) as info:
            fit.fitted(k)
        assert str(info.value) == ("The 'k' parameter of MultistepRegression.fitted must hold "
                                   f"non-negative integer lags. Got {shown} instead.")


def test_mr_fits_alternating_activity_with_negative_m():
    """Anti-correlated activity (AR(1) with phi = -0.5: r_k = (-0.5)^k) gives m near -0.5 and
    b near 1, with the warning that tau is undefined; a model that cannot alternate returned
    m ~ 1e-6 with a tiny error bar. Tolerance: 5 standard errors of a lag-1 autocorrelation,
    sqrt((1 - phi^2) / T); b = r_1 / m adds the relative errors of r_1 and m (each about
    that error over |phi| = 0.5), so 4 of them."""
    from scipy.signal import lfilter

    phi, n_steps = -0.5, 20000
    noise = np.random.default_rng(3).normal(size=n_steps)
    activity = 10 + lfilter([1.0], [1.0, -phi], noise)
    with pytest.warns(netaval.NetavalWarning, match="outside"):
        fit = netaval.stats.branching_ratio_mr(activity, k_max=6)
    tolerance = 5 * np.sqrt((1 - phi ** 2) / n_steps)
    assert abs(fit.m - phi) < tolerance and abs(fit.b - 1) < 4 * tolerance
    assert np.isinf(fit.tau) and fit.m_stderr > 0
