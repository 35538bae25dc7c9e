"""Benchmark netaval.stats against the peers, measured in the same run.

1. Full discrete power-law fit with automatic xmin (KS minimisation) on 1e5 and 1e6 exact
   samples, against ``powerlaw.Fit(data, discrete=True, estimate_discrete=False)`` (the
   exact discrete MLE, same candidates: every distinct value but the largest). powerlaw runs
   in a child process with a time limit; when it is exceeded the ratio is a lower bound.
2. Multistep regression on a subsampled driven branching series, against mrestimator
   (``coefficients(method="ts")`` + ``fit(fitfunc="exponential")``, no bootstrap on either
   side: netaval's time includes its jackknife errors).

Usage: python benchmarks/stats.py [--quick] [--timeout SECONDS]
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing as mp
import time
import warnings

import numpy as np

from netaval.stats import branching_ratio_mr, fit_power_law, sample_power_law


def _powerlaw_fit(x, queue):
    import powerlaw

    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    fit = powerlaw.Fit(x, discrete=True, estimate_discrete=False, verbose=0)
    queue.put((time.perf_counter() - t0, float(fit.xmin), float(fit.power_law.alpha)))


def time_powerlaw(x, timeout):
    """(seconds, xmin, alpha) from powerlaw in a child process, or (None, ...) on timeout."""
    queue = mp.get_context("fork").Queue()
    proc = mp.get_context("fork").Process(target=_powerlaw_fit, args=(x, queue))
    proc.start()
    proc.join(timeout)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return None, float("nan"), float("nan")
    return queue.get()


def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def dataset(n, alpha, xmin):
    """Exact power-law samples above xmin; below it (xmin > 1) a uniform body of 40%."""
    if xmin == 1:
        return sample_power_law(n, alpha=alpha, xmin=1, seed=n)
    n_body = int(0.4 * n)
    body = np.random.default_rng(n).integers(1, xmin, n_body).astype(np.float64)
    return np.concatenate([sample_power_law(n - n_body, alpha=alpha, xmin=xmin, seed=n), body])


def bench_power_law(sizes, alpha, timeout, xmin=1):
    rows = []
    for n in sizes:
        x = dataset(n, alpha, xmin)
        fit_power_law(x[:1000])  # compile / load the kernels outside the timing
        ours_t, fit = best_of(lambda x=x: fit_power_law(x))
        peer_t, peer_xmin, peer_alpha = time_powerlaw(x, timeout)
        # peer on the same data at our xmin, to compare exponents at equal xmin
        rows.append((n, alpha, len(np.unique(x)), ours_t, fit.xmin, fit.alpha, peer_t,
                     peer_xmin, peer_alpha))
    return rows


def driven_branching(rng, n_steps, m=0.98, h=2.0, alpha=0.05):
    from numba import njit

    @njit(cache=False)
    def run(rng, n_steps, m, h):
        a = np.empty(n_steps, np.int64)
        a[0] = int(h / (1 - m))
        for t in range(1, n_steps):
            a[t] = rng.poisson(m * a[t - 1] + h)
        return a

    big = run(rng, n_steps, m, h)
    return rng.binomial(big, alpha).astype(np.float64)


def bench_mr(n_steps, k_max):
    import mrestimator as mre

    logging.getLogger("mrestimator").setLevel(logging.ERROR)
    a = driven_branching(np.random.default_rng(0), n_steps)
    branching_ratio_mr(a[:5000], k_max=10)  # compile
    ours_t, ours = best_of(lambda: branching_ratio_mr(a, k_max=k_max))

    def peer():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rk = mre.coefficients(a[None, :], method="ts", steps=(1, k_max), numboot=0,
                                  desc="bench")
            return mre.fit(rk, fitfunc="exponential", numboot=0)

    peer()  # mrestimator's own numba compilation
    peer_t, fit = best_of(peer)
    return n_steps, k_max, ours_t, ours.m, ours.m_stderr, peer_t, float(fit.mre)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="1e4 and 1e5 samples only")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="time limit for each powerlaw fit (s)")
    args = parser.parse_args()
    sizes = [10_000, 100_000] if args.quick else [100_000, 1_000_000]
    print("Power-law fit with automatic xmin (discrete, exact MLE), best of 3 for netaval")
    print("(xmin0 = 1: pure power law; xmin0 = 20: 40% uniform body on 1..19 below the tail)")
    print(f"{'n':>9} {'alpha':>5} {'xmin0':>5} {'unique':>7} | {'netaval s':>9} {'xmin':>5} "
          f"{'alpha':>8} | {'powerlaw s':>10} {'xmin':>5} {'alpha':>8} | {'speed-up':>9} "
          f"{'|dalpha|':>8}")
    for alpha, xmin0 in ((2.5, 1), (1.8, 1), (2.2, 20)):
        for (n, a, n_unique, t_ours, xmin, al, t_peer, peer_xmin, peer_alpha) in bench_power_law(
                sizes, alpha, args.timeout, xmin0):
            peer_s = f"{t_peer:10.2f}" if t_peer is not None else f">{args.timeout:9.0f}"
            ratio = (f"{t_peer / t_ours:9.0f}x" if t_peer is not None
                     else f">{args.timeout / t_ours:8.0f}x")
            diff = abs(al - peer_alpha) if t_peer is not None else float("nan")
            print(f"{n:>9} {a:>5} {xmin0:>5} {n_unique:>7} | {t_ours:9.4f} {xmin:5.0f} {al:8.5f} | "
                  f"{peer_s} {peer_xmin:5.0f} {peer_alpha:8.5f} | {ratio} {diff:8.1e}")
    print()
    print("Multistep regression (r_k for k = 1..k_max, exponential fit), best of 3")
    print(f"{'T':>9} {'k_max':>5} | {'netaval s':>9} {'m':>8} {'stderr':>7} | "
          f"{'mrestimator s':>13} {'m':>8} | {'speed-up':>8}")
    for n_steps in ([100_000] if args.quick else [100_000, 1_000_000]):
        t, k, t_ours, m, se, t_peer, m_peer = bench_mr(n_steps, 100)
        print(f"{t:>9} {k:>5} | {t_ours:9.4f} {m:8.5f} {se:7.1e} | {t_peer:13.4f} "
              f"{m_peer:8.5f} | {t_peer / t_ours:7.1f}x")


if __name__ == "__main__":
    main()
