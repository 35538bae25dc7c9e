"""Benchmark of the dynamics kernels: netaval vs a vectorised numpy implementation and EoN.

Run ``python benchmarks/dynamics.py`` (about 1-2 minutes, < 4 GB of memory; ``--quick`` for
a smaller run); netaval timings are the best of three runs. Random networks in which
every neuron has k targets drawn uniformly (duplicates merged), N = 1e5 and 1e6, k = 10
and 100; `Branching` with sigma = 1
(out-degree normalisation, refractory = 1) driven so that about 1e-3 of the neurons fire
per step ("fired" column: measured fraction per step). Reported per configuration, all in
the same run, single thread:

- transmission attempts per second: synapses of firing neurons whose transmission was
  decided (k per firing; with geometric skipping not every synapse costs a draw),
- recorded events per second and bytes per event (with all causes recorded),
- the same without recording causes (time and neuron only; it also skips the draw that
  picks the primary among several transmitters, so its run differs slightly), to show
  what recording costs ("rec cost" = recorded wall time / unrecorded wall time - 1),
- a vectorised numpy active-list implementation of the same model (the best a numpy user
  would write; it records only the primary parent, chosen as the first transmitter),
- EoN's ``fast_SIS`` on a small graph (N = 1e4, k = 10), against netaval's
  `ContactProcess` (the same continuous-time SIS dynamics) and `Branching` on that graph,
- `FacilitatedContact` against `ContactProcess` on the same random networks (N = 1e5 and
  1e6, k = 10) in the active phase, lifetimes and every cause recorded: events per second
  and the ratio to the contact process (target >= 0.4), for (rate, omega) = (1.5, 0), the
  same process as the contact process, and (0.9, 2), the up state of the bistable window.
  Each run starts from all units active ("spreading"), so the active phase is reached
  whatever the branch; ``--contact-only`` runs just this part.
"""

from __future__ import annotations

import argparse
import gc
import time

import numpy as np

import netaval
from netaval._kernels.rng import seed_from_generator
from netaval.models import Recorder, Task

REFRACTORY = 1
#: drive per quiescent neuron per step; mean field at sigma = 1 gives a firing fraction
#: rho ~ sqrt(drive / (refractory + 1/2)), about 1e-3 of the neurons per step
DRIVE = 2e-6
#: timings are the best of this many runs
REPEATS = 3


def random_out_regular(n: int, k: int, seed: int) -> netaval.Network:
    """Every neuron draws k targets uniformly (sorted, duplicates dropped), CSR in bulk."""
    rng = np.random.default_rng(seed)
    targets = rng.integers(0, n, size=(n, k), dtype=np.int32)
    targets.sort(axis=1)
    keep = np.ones(targets.shape, dtype=bool)
    keep[:, 1:] = targets[:, 1:] != targets[:, :-1]
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(keep.sum(axis=1), out=indptr[1:])
    indices = targets[keep]
    del targets, keep
    return netaval.Network(indptr, indices, None, n_nodes=n, topology="random_out_regular",
                           params={"k": k})


def numpy_branching(network: netaval.Network, sigma: float, drive: float, n_steps: int,
                    seed: int):
    """Vectorised numpy active-list implementation of `Branching` (out-degree p)."""
    rng = np.random.default_rng(seed)
    n = network.n_nodes
    indptr, indices = network.indptr, network.indices
    degree = np.diff(indptr)
    p = np.where(degree > 0, sigma / np.maximum(degree, 1), 0.0)
    last_fire = np.full(n, -10, np.int64)
    active = np.zeros(0, np.int64)
    active_ids = np.zeros(0, np.int64)
    active_av = np.zeros(0, np.int64)
    active_gen = np.zeros(0, np.int64)
    out_time, out_neuron, out_parent, out_av, out_gen = [], [], [], [], []
    n_events = 0
    next_av = 0
    attempts = 0
    for t in range(n_steps):
        degs = degree[active]
        total = int(degs.sum())
        attempts += total
        if total:
            starts = np.repeat(indptr[active] - np.cumsum(degs) + degs, degs)
            synapse = starts + np.arange(total)
            hit = rng.random(total) < np.repeat(p[active], degs)
            targets = indices[synapse[hit]]
            source = np.repeat(np.arange(len(active)), degs)[hit]
            ok = t - last_fire[targets] > REFRACTORY
            targets, source = targets[ok], source[ok]
            targets, first = np.unique(targets, return_index=True)
            source = source[first]
        else:
            targets = np.zeros(0, np.int64)
            source = np.zeros(0, np.int64)
        n_drive = rng.binomial(n, drive)
        driven = np.unique(rng.integers(0, n, n_drive))
        driven = driven[(t - last_fire[driven] > REFRACTORY)]
        driven = np.setdiff1d(driven, targets, assume_unique=True)
        neurons = np.concatenate([targets, driven])
        order = np.argsort(neurons, kind="stable")
        neurons = neurons[order]
        parent = np.concatenate([active_ids[source], np.full(len(driven), -1)])[order]
        av = np.concatenate([active_av[source],
                             next_av + np.arange(len(driven))])[order]
        gen = np.concatenate([active_gen[source] + 1, np.zeros(len(driven), np.int64)])[order]
        next_av += len(driven)
        last_fire[neurons] = t
        ids = n_events + np.arange(len(neurons))
        n_events += len(neurons)
        out_time.append(np.full(len(neurons), t))
        out_neuron.append(neurons)
        out_parent.append(parent)
        out_av.append(av)
        out_gen.append(gen)
        active, active_ids, active_av, active_gen = neurons, ids, av, gen
    arrays = [np.concatenate(x) for x in (out_time, out_neuron, out_parent, out_av, out_gen)]
    return n_events, attempts, sum(a.nbytes for a in arrays)


def time_netaval(network, model, n_steps, seed, record=True):
    generator = np.random.default_rng(seed)
    started = time.perf_counter()
    if record:
        run = netaval.simulate(network, model, n_steps=n_steps, seed=generator)
        wall = time.perf_counter() - started
        events = run.events
        attempts = int(network.out_degree[events.neuron].sum())
        return events.n_events, attempts, events.nbytes, wall
    recorder = Recorder(1 << 16, continuous=False, limit=2**31 - 1, record=False)
    task = Task(network=network, protocol="driven", limit=n_steps,
                initial=np.zeros(0, np.int64), n_avalanches=None, max_events=2**31 - 2,
                initial_state=None, rng=seed_from_generator(generator))
    times, neurons = recorder.events(model.engine(task, recorder).n_events)
    wall = time.perf_counter() - started
    attempts = int(network.out_degree[neurons].sum())
    return len(times), attempts, times.nbytes + neurons.nbytes, wall


def eon_comparison(quick: bool) -> None:
    """EoN fast_SIS vs netaval ContactProcess and Branching on one small graph."""
    import EoN
    import networkx as nx

    n, k = 10_000, 10
    graph = nx.gnm_random_graph(n, n * k // 2, seed=1)
    net = netaval.Network.from_networkx(graph)
    lam = 1.5
    tmax = 10.0 if quick else 40.0
    initial = list(range(0, n, 100))
    started = time.perf_counter()
    _, _, infected = EoN.fast_SIS(graph, lam / k, 1.0, initial_infecteds=initial, tmax=tmax,
                                  rng=np.random.default_rng(1))
    eon_wall = time.perf_counter() - started
    eon_events = int(np.sum(np.diff(infected) > 0)) + len(initial)
    cp = netaval.simulate(net, netaval.ContactProcess(rate=lam), protocol="spreading",
                          initial=initial, duration=tmax * 20, seed=1)
    branching = netaval.simulate(net, netaval.Branching(sigma=1.0, drive=5e-4),
                                 n_steps=20_000, seed=1)
    eon_rate = eon_events / eon_wall
    print(f"\nEoN fast_SIS vs netaval on G(n={n}, m={n * k // 2}), tau = {lam / k}, "
          f"gamma = 1 (netaval ContactProcess rate = {lam}):")
    print(f"{'':>28} {'events':>10} {'wall s':>8} {'events/s':>10} {'x EoN':>7}")
    for name, events, wall in (("EoN fast_SIS (infections)", eon_events, eon_wall),
                               ("netaval ContactProcess", cp.events.n_events, cp.wall_time),
                               ("netaval Branching sigma=1", branching.events.n_events,
                                branching.wall_time)):
        print(f"{name:>28} {events:>10} {wall:>8.3f} {events / wall:>10.3e} "
              f"{events / wall / eon_rate:>7.1f}")


def contact_comparison(quick: bool) -> None:
    """FacilitatedContact vs ContactProcess events/s on the same graphs, active phase."""
    models = [("ContactProcess(1.5)", netaval.ContactProcess(rate=1.5)),
              ("FacilitatedContact(1.5, 0)", netaval.FacilitatedContact(rate=1.5)),
              ("FacilitatedContact(0.9, 2)", netaval.FacilitatedContact(rate=0.9, omega=2.0))]
    print("\nFacilitatedContact vs ContactProcess, random out-regular graphs, k = 10, from all "
          "units active, lifetimes recorded, best of 2 (process CPU time)")
    print(f"{'N':>9} {'model':>28} {'events':>10} {'density':>8} {'B/event':>7} "
          f"{'events/s':>10} {'x CP':>6}")
    for n in (100_000,) if quick else (100_000, 1_000_000):
        net = random_out_regular(n, 10, seed=1)
        target_events = 1_000_000 if quick else 4_000_000
        duration = 3.0 * target_events / n  # the contact process holds about n / 3 active
        cp_rate = None
        for name, model in models:
            wall = np.inf
            for _ in range(2):
                started = time.process_time()  # CPU time: the machines we share are loaded
                run = netaval.simulate(net, model, protocol="spreading",
                                       initial=np.arange(n), duration=duration, seed=3)
                wall = min(wall, time.process_time() - started)
                events = run.events
                density = float(np.clip(np.minimum(events.end_time, duration)
                                        - np.maximum(events.time, duration / 2), 0, None).sum()
                                / (duration / 2) / n)
                nbytes = events.nbytes
                n_events = events.n_events
                del run, events
                gc.collect()
            rate = n_events / wall
            cp_rate = rate if cp_rate is None else cp_rate
            print(f"{n:>9} {name:>28} {n_events:>10} {density:>8.3f} {nbytes / n_events:>7.1f} "
                  f"{rate:>10.3e} {rate / cp_rate:>6.2f}", flush=True)
        del net
        gc.collect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, ~30 s")
    parser.add_argument("--no-eon", action="store_true", help="skip the EoN comparison")
    parser.add_argument("--contact-only", action="store_true",
                        help="only FacilitatedContact vs ContactProcess")
    args = parser.parse_args()
    if args.contact_only:
        contact_comparison(args.quick)
        return
    # warm up (numba compile or load from cache)
    small = random_out_regular(1000, 10, 0)
    netaval.simulate(small, netaval.Branching(sigma=1.0, drive=1e-3), n_steps=100, seed=0)
    time_netaval(small, netaval.Branching(sigma=1.0, drive=1e-3), 100, 0, record=False)
    netaval.simulate(small, netaval.ContactProcess(rate=1.0, drive=1e-3), duration=10.0, seed=0)
    configs = [(100_000, 10), (100_000, 100), (1_000_000, 10), (1_000_000, 100)]
    if args.quick:
        configs = [(100_000, 10), (100_000, 100)]
    print("Branching, sigma = 1, out-degree normalisation, refractory = 1, single thread")
    print(f"{'N':>9} {'k':>4} {'fired':>7} | {'attempts/s':>11} {'events/s':>10} "
          f"{'B/event':>7} | {'no-rec ev/s':>11} {'rec cost':>8} | {'numpy att/s':>11} "
          f"{'x numpy':>7}")
    for n, k in configs:
        net = random_out_regular(n, k, seed=1)
        model = netaval.Branching(sigma=1.0, refractory=REFRACTORY, drive=DRIVE)
        target_events = 6_000_000 if k == 10 else 1_500_000
        if args.quick:
            target_events //= 5
        n_steps = max(1000, int(target_events / (1e-3 * n)))
        # best of REPEATS, recorded and unrecorded runs alternating (shared, noisy machines)
        wall = wall0 = np.inf
        for _ in range(REPEATS):
            ev, att, nbytes, w = time_netaval(net, model, n_steps, seed=2)
            wall = min(wall, w)
            ev0, att0, _, w0 = time_netaval(net, model, n_steps, seed=2, record=False)
            wall0 = min(wall0, w0)
            gc.collect()
        gc.collect()
        np_steps = max(200, n_steps // 20)
        t0 = time.perf_counter()
        np_ev, np_att, _ = numpy_branching(net, 1.0, DRIVE, np_steps, seed=2)
        np_wall = time.perf_counter() - t0
        rate = ev / n_steps / n
        print(f"{n:>9} {k:>4} {rate:>7.1e} | {att / wall:>11.3e} {ev / wall:>10.3e} "
              f"{nbytes / ev:>7.1f} | {ev0 / wall0:>11.3e} {wall / wall0 - 1:>8.1%} | "
              f"{np_att / np_wall:>11.3e} {(att / wall) / (np_att / np_wall):>7.1f}",
              flush=True)
        del net
        gc.collect()
    if not args.no_eon:
        eon_comparison(args.quick)
    contact_comparison(args.quick)


if __name__ == "__main__":
    main()
