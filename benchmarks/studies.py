"""Study engine: overhead per task against calling the same functions directly, and the
speed-up of the ``processes`` executor with 2 workers, measured side by side in one run.

    python benchmarks/studies.py                 # 8 tasks of about 1 s each
    python benchmarks/studies.py --tasks 16 --n-steps 40000

Targets (issue 10): engine overhead below 5 % for tasks of about one second; ``processes``
with 2 workers at least 1.8x faster than with 1 worker on this CPU-bound study. The
speed-up needs two idle cores: the load average is printed, and on a shared machine the
ratio measures the share of the machine the workers got, not the engine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np

# benchmarks/topologies.py would shadow the `topologies` package for the engine's imports
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(
    os.path.abspath(__file__))]


def study_spec(n_tasks: int, n_nodes: int, n_steps: int) -> dict:
    """A CPU-bound study: one topology, ``n_tasks`` replicates of a near-critical run."""
    return {
        "study": {"name": "bench", "seed": 1, "artefacts": False},
        "grid": {"n_nodes": [n_nodes], "replicates": n_tasks},
        "limits": {"n_steps": n_steps},
        "topologies": [{"generator": "random", "params": {"k": 10.0}}],
        "models": [{"model": "branching", "params": {"sigma": 0.95, "drive": 2e-4}}],
        "analyses": [{"name": "causal_exponents", "params": {"n_boot": 0}},
                     {"name": "branching"}, {"name": "density"}],
    }


def direct(spec: dict) -> float:
    """The same work without the engine: generate, simulate, analyse, in a plain loop."""
    import netaval
    import topologies
    from netaval.study import analyses, load_study

    study = load_study(spec)
    start = time.process_time()
    for task in study.tasks:
        network = topologies.generate("random", task.n_nodes,
                                      seed=np.random.SeedSequence(1, spawn_key=(0, 0, 0,
                                                                                task.replicate)),
                                      k=10.0)
        run = netaval.simulate(network, netaval.Branching(**task.model["params"]),
                               n_steps=task.model["limits"]["n_steps"],
                               seed=np.random.SeedSequence(1, spawn_key=(1, task.index)))
        for j, analysis in enumerate(task.analyses):
            context = analyses.AnalysisContext(run, network, task,
                                               np.random.SeedSequence(1, spawn_key=(2, task.index,
                                                                                    j)))
            analyses.get(analysis["name"]).function(context, **analysis["params"])
    return time.process_time() - start


def engine(spec: dict, executor: str, workers: int | None) -> float:
    """CPU time of this process for "serial"; wall-clock time for the parallel executors."""
    from netaval import study

    clock = time.process_time if executor == "serial" else time.perf_counter
    with tempfile.TemporaryDirectory() as out:
        start = clock()
        table = study.run(spec, out=out, executor=executor, workers=workers, progress=False,
                          report=False)
        elapsed = clock() - start
    assert len(table) == len(study.load_study(spec).tasks)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=8)
    parser.add_argument("--n-nodes", type=int, default=20000)
    parser.add_argument("--n-steps", type=int, default=20000)
    args = parser.parse_args()
    spec = study_spec(args.tasks, args.n_nodes, args.n_steps)
    from netaval.study import load_study
    from netaval.study._tasks import warm_up

    warm_up(load_study(spec).tasks[:1])  # compile once, outside every timing
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores "
          "(the machine is shared: ratios involving parallelism are unreliable under load)")
    t_direct = min(direct(spec), direct(spec))
    t_serial = min(engine(spec, "serial", None), engine(spec, "serial", None))
    t_p1 = engine(spec, "processes", 1)
    t_p2 = engine(spec, "processes", 2)
    per_task = t_direct / args.tasks
    print(f"{args.tasks} tasks, {per_task:.2f} s of CPU per task when called directly")
    print(f"{'measurement':<52}{'seconds':>10}{'ratio':>10}")
    print(f"{'direct calls, CPU time (best of 2)':<52}{t_direct:>10.2f}{1.0:>10.3f}")
    print(f"{'engine serial, CPU time (best of 2)':<52}{t_serial:>10.2f}"
          f"{t_serial / t_direct:>10.3f}")
    print(f"{'engine processes, 1 worker, wall':<52}{t_p1:>10.2f}")
    print(f"{'engine processes, 2 workers, wall':<52}{t_p2:>10.2f}{t_p1 / t_p2:>10.3f}")
    overhead = (t_serial - t_direct) / args.tasks
    print(f"engine overhead per task (serial - direct, CPU): {overhead * 1e3:.1f} ms = "
          f"{100 * overhead / per_task:.1f} % of a task (target < 5 %)")
    print(f"processes speed-up, 2 workers vs 1 (wall): {t_p1 / t_p2:.2f}x (target >= 1.8x; "
          "needs two idle cores)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
