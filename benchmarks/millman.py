"""Benchmark of `netaval.Millman` against Brian2 on the same network, in the same run.

Run ``python benchmarks/millman.py`` (``--quick`` for N = 1e4 only and 0.2 s of biological
time). Brian2 runs in its own Python (see the README, section "Millman network": Brian2
2.9.0 needs numpy < 2.4), named by ``$NETAVAL_BRIAN2_PYTHON`` or ``--brian2-python``, as
`benchmarks/millman_brian2.py` in a subprocess that receives the same CSR through an
``.npz`` file, in Brian2's fastest mode that works here, ``cpp_standalone`` (generated C++,
one thread, SpikeMonitor on). For every N (1e4 and 1e5; directed random graph, mean degree
7.5) and two states of the calibrated defaults (down: a_syn = 150 pA; up: a_syn = 230 pA,
both outside the bistable window, so both simulators settle in the same state from rest),
it simulates ``--seconds`` of biological time and prints:

- netaval's wall time with causal attribution and the full event record on (best of
  ``--repeats``; the first call of a session also compiles the kernel, done beforehand),
- Brian2's wall time of the simulation loop alone (``device._last_run_time``: code
  generation and compilation excluded; with ``cpp_standalone`` the fastest of
  ``--repeats`` runs of the built program, as for netaval) and the first run with them,
- the speed-up (Brian2 loop time / netaval time; the issue's target is >= 5),
- both population rates (Hz per neuron over the second half), which must agree.

Targets (issue 9): >= 5x Brian2, and N = 1e5 simulating one biological second in under a
minute. Wall times depend on the machine's load; the script prints the load average.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time

# benchmarks/topologies.py would shadow the topologies package when run as a script
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import numpy as np  # noqa: E402

import netaval  # noqa: E402
import topologies  # noqa: E402

sys.path.append(_HERE)
from millman_brian2 import brian2_python, run_brian2  # noqa: E402

STATES = {"down": 150.0, "up": 230.0}


def netaval_run(network, model, n_steps, seed, repeats):
    best, run = np.inf, None
    for _ in range(repeats):
        started = time.perf_counter()
        run = netaval.simulate(network, model, n_steps=n_steps, seed=seed)
        best = min(best, time.perf_counter() - started)
    return best, run


def rate_second_half(times, n, n_steps, dt):
    times = np.asarray(times)
    count = np.count_nonzero(times >= n_steps // 2)
    return count / n / ((n_steps - n_steps // 2) * dt * 1e-3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--sizes", type=float, nargs="*", default=[1e4, 1e5])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--states", nargs="*", default=list(STATES), choices=list(STATES),
                        help="which states to run (each one builds its own Brian2 program)")
    parser.add_argument("--brian2-python", default=None)
    parser.add_argument("--mode", default="cpp_standalone",
                        choices=["cpp_standalone", "cython", "numpy"])
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.seconds = [1e4], 0.2
    python = args.brian2_python or brian2_python()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"Brian2 python: {python} ({args.mode})")
    defaults = netaval.Millman()
    n_steps = int(round(args.seconds * 1000 / defaults.dt))
    warm = topologies.random(200, k=7.5, seed=0)
    netaval.simulate(warm, defaults, n_steps=10, seed=0)  # compile
    header = (f"{'N':>7} {'state':>5} {'netaval s':>10} {'brian2 s':>9} {'(+build)':>9} "
              f"{'speed-up':>8} {'rate nv':>8} {'rate b2':>8} {'events':>10}")
    print(header)
    for size in args.sizes:
        n = int(size)
        network = topologies.random(n, k=7.5, seed=1)
        for state in args.states:
            a_syn = STATES[state]
            model = dataclasses.replace(defaults, a_syn=a_syn)
            wall, run = netaval_run(network, model, n_steps, 1, args.repeats)
            rate_nv = rate_second_half(run.events.time, n, n_steps, model.dt)
            if python is None:
                b2_wall = b2_total = rate_b2 = float("nan")
            else:
                out = run_brian2(python, network.indptr, network.indices,
                                 dataclasses.asdict(model), n_steps, 1, mode=args.mode,
                                 repeats=args.repeats)
                b2_wall, b2_total = float(out["wall"]), float(out["wall_total"])
                rate_b2 = rate_second_half(out["time"], n, n_steps, model.dt)
            print(f"{n:>7} {state:>5} {wall:>10.3f} {b2_wall:>9.3f} {b2_total:>9.1f} "
                  f"{b2_wall / wall:>8.1f} {rate_nv:>8.3f} {rate_b2:>8.3f} "
                  f"{run.events.n_events:>10}", flush=True)
    if python is None:
        print("Brian2 not found: set NETAVAL_BRIAN2_PYTHON (see the README).")


if __name__ == "__main__":
    main()
