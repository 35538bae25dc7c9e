"""Study engine: overhead per task against calling the same functions directly, and the
speed-up of the ``processes`` executor with 2 workers over 1, measured side by side.

    python benchmarks/studies.py                      # 24 tasks of about 1 s each
    python benchmarks/studies.py --tasks 16 --repeats 2

The study is what a user would sweep: Branching at sigma = 0.9 and 0.95 on a random graph
(10 000 nodes, mean degree 10), replicates, and the analyses of the shipped studies (causal
exponents with a 20-resample GoF, binned avalanches, branching ratios, density): CPU-bound
tasks of about one second. Every measurement is a fresh ``python`` process timed from the
outside (wall clock), exactly what a user runs: the direct baseline is a plain loop over
the same tasks (`topologies.generate`, `netaval.simulate`, the same analysis functions,
same seeds); the engine runs are ``python -m netaval study run STUDY.toml`` with
``--executor serial`` and ``--executor processes --workers 1|2``. So interpreter start,
imports, numba cache loads, study validation, the pool start and its once-per-worker
warm-up, the Parquet writes (with fsync) and the final results read are all counted.

Targets (issue 10): engine overhead below 5 % per task of about one second; ``processes``
with 2 workers at least 1.8x faster than with 1 worker. Needs two free cores: on a shared
machine run it through the benchmark lock at high priority (see the README) and quote the
load average printed before and after.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

# benchmarks/topologies.py would shadow the `topologies` package for the engine's imports
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(
    os.path.abspath(__file__))]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 1
SIGMAS = (0.9, 0.95)
ANALYSES = (("causal_exponents", {"n_boot": 20}), ("binned", {"n_boot": 0}),
            ("branching", {}), ("density", {}))


def study_toml(n_tasks: int, n_nodes: int, n_steps: int) -> str:
    """The benchmark study: ``len(SIGMAS)`` sigmas x ``n_tasks / len(SIGMAS)`` replicates."""
    analyses = "\n".join(
        f'[[analyses]]\nname = "{name}"\nparams = {{ '
        + ", ".join(f"{k} = {v}" for k, v in params.items()) + " }\n"
        for name, params in ANALYSES)
    return f"""[study]
name = "bench"
seed = {SEED}
artefacts = false

[grid]
n_nodes = [{n_nodes}]
replicates = {n_tasks // len(SIGMAS)}

[limits]
n_steps = {n_steps}

[[topologies]]
generator = "random"
params = {{ k = 10.0 }}

[[models]]
model = "branching"
params = {{ drive = 2e-3 }}
sweep = {{ sigma = [{", ".join(map(str, SIGMAS))}] }}

{analyses}"""


def direct(n_tasks: int, n_nodes: int, n_steps: int) -> None:
    """The same tasks without the engine: generate, simulate, analyse, in a plain loop.

    Same seeds as the engine (network ``(0, 0, 0, replicate)``, dynamics ``(1, task)``,
    analysis ``(2, task, j)``), so it computes exactly what the engine's tasks compute.
    """
    import netaval
    import topologies
    from netaval.study import analyses

    replicates = n_tasks // len(SIGMAS)
    for s, sigma in enumerate(SIGMAS):
        for replicate in range(replicates):
            index = s * replicates + replicate
            network = topologies.generate(
                "random", n_nodes, k=10.0,
                seed=np.random.SeedSequence(SEED, spawn_key=(0, 0, 0, replicate)))
            run = netaval.simulate(network, netaval.Branching(sigma=sigma, drive=2e-3),
                                   n_steps=n_steps,
                                   seed=np.random.SeedSequence(SEED, spawn_key=(1, index)))
            for j, (name, params) in enumerate(ANALYSES):
                spec = analyses.get(name)
                context = analyses.AnalysisContext(
                    run, network, None, np.random.SeedSequence(SEED, spawn_key=(2, index, j)))
                spec.function(context, **spec.validate(params))


def timed(command: list[str]) -> float:
    """Wall-clock seconds of a fresh process running ``command`` from the repository root."""
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=24, help="even number of tasks")
    parser.add_argument("--n-nodes", type=int, default=10000)
    parser.add_argument("--n-steps", type=int, default=15000)
    parser.add_argument("--repeats", type=int, default=1,
                        help="rounds of all four measurements; the best of each is kept")
    parser.add_argument("--direct", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.direct:
        direct(args.tasks, args.n_nodes, args.n_steps)
        return
    size = [str(args.tasks), str(args.n_nodes), str(args.n_steps)]
    with tempfile.TemporaryDirectory() as tmp:
        toml = os.path.join(tmp, "bench.toml")
        with open(toml, "w") as handle:
            handle.write(study_toml(args.tasks, args.n_nodes, args.n_steps))
        commands = {
            "direct": [sys.executable, os.path.abspath(__file__), "--direct",
                       "--tasks", size[0], "--n-nodes", size[1], "--n-steps", size[2]],
            "serial": ["--executor", "serial"],
            "processes-1": ["--executor", "processes", "--workers", "1"],
            "processes-2": ["--executor", "processes", "--workers", "2"]}
        # compile every kernel once (numba's on-disk cache), outside every timing
        subprocess.run(commands["direct"][:3] + ["--tasks", "2", "--n-nodes", "500",
                                                 "--n-steps", "500"], cwd=ROOT, check=True)
        print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        best = dict.fromkeys(commands, float("inf"))
        for round_ in range(args.repeats):
            for name, command in commands.items():
                if name != "direct":
                    out = os.path.join(tmp, f"out-{name}-{round_}")
                    command = [sys.executable, "-m", "netaval", "study", "run", toml,
                               "--out", out, "--no-progress", *command]
                best[name] = min(best[name], timed(command))
    n = args.tasks
    t_direct, t_serial, t_p1, t_p2 = (best[k] for k in commands)
    print(f"{n} tasks, {t_direct / n:.2f} s per task when called directly (wall clock of a "
          f"fresh process each, best of {args.repeats}; imports, pool start and warm-up "
          "included)")
    print(f"{'measurement':<44}{'seconds':>10}{'ratio':>10}")
    print(f"{'direct calls (plain loop)':<44}{t_direct:>10.2f}{1.0:>10.3f}")
    print(f"{'netaval study run --executor serial':<44}{t_serial:>10.2f}"
          f"{t_serial / t_direct:>10.3f}")
    print(f"{'... --executor processes --workers 1':<44}{t_p1:>10.2f}{t_p1 / t_direct:>10.3f}")
    print(f"{'... --executor processes --workers 2':<44}{t_p2:>10.2f}{t_p2 / t_direct:>10.3f}")
    for name, t in (("serial", t_serial), ("processes, 1 worker", t_p1)):
        overhead = (t - t_direct) / n
        print(f"engine overhead per task ({name}): {overhead * 1e3:.0f} ms = "
              f"{100 * overhead / (t_direct / n):.1f} % of a task (target < 5 %)")
    print(f"processes speed-up, 2 workers vs 1: {t_p1 / t_p2:.2f}x (target >= 1.8x)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
