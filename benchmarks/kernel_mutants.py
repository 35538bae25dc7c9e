"""Hand-written mutants of the numba kernels: each must make its targeted tests fail.

mutmut cannot mutate jitted functions (its trampolines are not numba-compilable), so this
script does the job for ``netaval/_kernels``: for every mutant below it copies the project
into a temporary directory, replaces one exact snippet of one kernel, and runs the tests
that should notice (fresh numba cache, so every kernel recompiles from the mutated
source). A mutant is *killed* when those tests fail. It runs on demand, not in CI
(each mutant recompiles the kernels it touches: about 20-60 s each on 2 cores)::

    python benchmarks/kernel_mutants.py            # all mutants
    python benchmarks/kernel_mutants.py depth      # the mutants whose name contains "depth"

It prints one line per mutant and the score, and exits 1 if a mutant that is not listed
in ``EQUIVALENT`` survived or a snippet no longer exists (the kernel changed: update the
mutant).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (name, file, original snippet (must occur exactly once), mutated snippet, tests to run)
MUTANTS = [
    ("offspring-ignores-extra-parents", "netaval/_kernels/avalanches.py",
     "            offspring[pa] += 1\n", "            offspring[pa] += 0\n",
     ["tests/test_avalanches.py"]),
    ("depth-ignores-extra-parents", "netaval/_kernels/avalanches.py",
     "                d = max(d, event_depth[p] + 1)\n", "                d = d\n",
     ["tests/test_avalanches.py"]),
    ("size-counts-twice", "netaval/_kernels/avalanches.py",
     "        size[a] += 1\n        last[a] = e\n", "        size[a] += 2\n        last[a] = e\n",
     ["tests/test_avalanches.py"]),
    ("binned-gap-needs-two-empty-bins", "netaval/_kernels/binning.py",
     "if a < 0 or b > start_bin[a] + n_bins[a]:", "if a < 0 or b > start_bin[a] + n_bins[a] + 1:",
     ["tests/test_binning.py"]),
    ("threshold-area-without-threshold", "netaval/_kernels/binning.py",
     "area[r] += v - threshold", "area[r] += v",
     ["tests/test_binning.py"]),
    ("branching-generation-skips", "netaval/_kernels/branching.py",
     "generation[e] = generation[prim] + 1", "generation[e] = generation[prim] + 2",
     ["tests/test_simulate.py"]),
    ("branching-geometric-gap-halved", "netaval/_kernels/branching.py",
     "g = np.floor(np.log(uniform_open(z)) * il)", "g = np.floor(0.5 * np.log(uniform_open(z)) * il)",
     ["tests/test_simulate.py"]),
    ("branching-drive-halved", "netaval/_kernels/branching.py",
     "g = np.floor(np.log(uniform_open(z)) * drive_inv_log_q)",
     "g = np.floor(2.0 * np.log(uniform_open(z)) * drive_inv_log_q)",
     ["tests/test_simulate.py"]),
    ("contact-waiting-time-halved", "netaval/_kernels/contact_process.py",
     "t_new = t - np.log(uniform_open(z)) / total", "t_new = t - np.log(uniform_open(z)) / (2.0 * total)",
     ["tests/test_simulate.py"]),
    ("contact-generation-not-incremented", "netaval/_kernels/contact_process.py",
     "generation[n_ev] = generation[parent] + 1", "generation[n_ev] = generation[parent]",
     ["tests/test_simulate.py"]),
    ("ks-ignores-left-limit", "netaval/_kernels/stats.py",
     "                dev = abs(f_left - cum / n)\n", "                dev = 0.0 * abs(f_left - cum / n)\n",
     ["tests/test_stats_power_law.py"]),
    ("regression-slope-uncentred", "netaval/_kernels/stats.py",
     "                sxy += dx * (x[r, t + k] - back)\n", "                sxy += dx * x[r, t + k]\n",
     ["tests/test_stats_branching.py"]),
    ("uniform-not-open", "netaval/_kernels/rng.py",
     "(np.float64(z >> _S11) + 0.5) * _INV53", "(np.float64(z >> _S11)) * _INV53",
     ["tests/test_simulate.py"]),
]

# Mutants that cannot change any result, with the reason; they are run all the same (a
# kill would mean the reason is wrong) but a survival does not fail the script.
EQUIVALENT = {
    "regression-slope-uncentred": "dx is centred on the front mean, so sum(dx) = 0 and "
                                  "sum(dx * x) = sum(dx * (x - back)) up to rounding",
}

COPIED = ["netaval", "topologies", "tests", "conftest.py", "pyproject.toml"]


def run_mutant(name, path, original, mutated, tests):
    """Apply one mutant in a fresh copy of the project; return 'killed', 'SURVIVED' or 'STALE'."""
    source = (ROOT / path).read_text()
    if source.count(original) != 1:
        return "STALE", 0.0
    with tempfile.TemporaryDirectory(prefix=f"kernel-mutant-{name}-") as tmp:
        for item in COPIED:
            src = ROOT / item
            if src.is_dir():
                shutil.copytree(src, Path(tmp) / item,
                                ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"))
            else:
                shutil.copy2(src, Path(tmp) / item)
        (Path(tmp) / path).write_text(source.replace(original, mutated))
        env = dict(os.environ, PYTHONPATH=tmp, NUMBA_CACHE_DIR=str(Path(tmp) / ".numba"),
                   PYTHONDONTWRITEBYTECODE="1")
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p",
                                 "no:cacheprovider", *tests], cwd=tmp, env=env,
                                capture_output=True, text=True)
        elapsed = time.perf_counter() - start
    return ("killed" if result.returncode != 0 else "SURVIVED"), elapsed


def main(argv):
    selected = [m for m in MUTANTS if not argv or any(word in m[0] for word in argv)]
    outcomes = []
    for name, path, original, mutated, tests in selected:
        outcome, elapsed = run_mutant(name, path, original, mutated, tests)
        outcomes.append(outcome)
        print(f"{outcome:9s} {name:38s} {path:36s} {elapsed:6.1f} s", flush=True)
    killed = outcomes.count("killed")
    names = [m[0] for m in selected]
    equivalent = sum(o == "SURVIVED" and n in EQUIVALENT for n, o in zip(names, outcomes,
                                                                         strict=True))
    for name in names:
        if name in EQUIVALENT:
            print(f"equivalent: {name}: {EQUIVALENT[name]}")
    print(f"kernel mutation score: {killed}/{len(outcomes)} killed, {equivalent} equivalent")
    return 0 if killed + equivalent == len(outcomes) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
