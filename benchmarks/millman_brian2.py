"""The `netaval.Millman` network in Brian2: same CSR, same equations, same vesicle rules.

Run by `benchmarks/millman.py` and the slow cross-check test in a Python environment where
Brian2 imports (Brian2 2.9.0, the newest release, needs numpy < 2.4; see the README,
section "Millman network"); it exchanges data through ``.npz`` files only, so it imports
neither netaval nor anything of the main environment::

    /work/venv-brian2/bin/python benchmarks/millman_brian2.py IN.npz OUT.npz

``IN.npz`` holds the network (``indptr``, ``indices``: row = presynaptic neuron), the model
parameters under their `netaval.Millman` names (``n_sites`` ... ``dt``, in netaval's units:
ms, mV, pF, pA, Hz), ``n_steps``, ``seed`` and ``mode`` (Brian2's "cpp_standalone", or "cython" / "numpy"
runtime code generation). ``OUT.npz`` receives the spike
``time`` (steps) and ``neuron`` of every spike, and ``wall`` (seconds of the simulation
itself, excluding code generation and compilation; with ``cpp_standalone`` the fastest of
``repeats`` runs of the built program, 1 if absent) and ``wall_total`` (the first run,
with code generation and compilation).

The model, as in netaval: ``dv/dt = -(v - e_leak)/tau_l + I/C`` (unless refractory),
``dI/dt = -I/tau_s``, integrated exactly (``method="exact"``), threshold ``v >= threshold``,
reset ``v = e_leak``, refractory period; external input a ``PoissonInput`` (N = 1, rate
f_ext, weight a_ext); each synapse j -> i is ``n_sites`` Brian2 synapses, one per release
site, each with ``loaded`` (0/1) and the time of its last update: on a presynaptic spike an
empty site first refills with probability ``1 - exp(-(t - tlast)/tau_recovery)``, then a
loaded site releases with probability ``p_release`` and adds ``a_syn`` to ``I_post``.
Every neuron starts at rest with all sites loaded, as in netaval.
"""

from __future__ import annotations

import sys
import tempfile
import time

import numpy as np


def main(path_in: str, path_out: str) -> None:
    import brian2 as b2

    data = np.load(path_in)
    p = {key: data[key][()] for key in data.files}
    mode = str(p["mode"])
    ms, mV, pF, pA, Hz, second = b2.ms, b2.mV, b2.pF, b2.pA, b2.Hz, b2.second
    build_dir = tempfile.mkdtemp(prefix="netaval_brian2_")
    if mode == "cpp_standalone":
        b2.set_device("cpp_standalone", directory=build_dir, build_on_run=False)
        b2.prefs.devices.cpp_standalone.openmp_threads = 0
    else:
        b2.prefs.codegen.target = "numpy" if mode == "numpy" else "cython"
    b2.defaultclock.dt = float(p["dt"]) * ms
    b2.seed(int(p["seed"]))
    indptr, indices = p["indptr"], p["indices"]
    n = len(indptr) - 1
    namespace = {
        "e_leak": float(p["e_leak"]) * mV, "threshold": float(p["threshold"]) * mV,
        "tau_l": float(p["tau_l"]) * ms, "tau_s": float(p["tau_s"]) * ms,
        "C": float(p["capacitance"]) * pF, "tau_r": float(p["tau_recovery"]) * ms,
        "p_release": float(p["p_release"]), "a_syn": float(p["a_syn"]) * pA,
    }
    eqs = """
    dv/dt = -(v - e_leak) / tau_l + I / C : volt (unless refractory)
    dI/dt = -I / tau_s : amp
    """
    group = b2.NeuronGroup(n, eqs, threshold="v >= threshold", reset="v = e_leak",
                           refractory=float(p["refractory"]) * ms, method="exact",
                           namespace=namespace)
    group.v = namespace["e_leak"]
    poisson = b2.PoissonInput(group, "I", 1, float(p["f_ext"]) * Hz,
                              weight=float(p["a_ext"]) * pA)
    synapses = b2.Synapses(group, group, model="""
        loaded : 1
        tlast : second
        """, on_pre="""
        refill = int(rand() < 1 - exp(-(t - tlast) / tau_r))
        loaded = loaded + (1 - loaded) * refill
        released = loaded * int(rand() < p_release)
        I_post += a_syn * released
        loaded = loaded - released
        tlast = t
        """, namespace=namespace)
    pre = np.repeat(np.arange(n), np.diff(indptr))
    synapses.connect(i=np.repeat(pre, int(p["n_sites"])),
                     j=np.repeat(indices, int(p["n_sites"])))
    synapses.loaded = 1
    synapses.tlast = -1e9 * second
    monitor = b2.SpikeMonitor(group)
    network = b2.Network(group, poisson, synapses, monitor)
    duration = int(p["n_steps"]) * float(p["dt"]) * ms
    started = time.perf_counter()
    network.run(duration)
    if mode == "cpp_standalone":
        b2.device.build(directory=build_dir, compile=True, run=True, with_output=False)
        wall = float(b2.device._last_run_time)
    wall_total = time.perf_counter() - started
    if mode == "cpp_standalone":
        # the fastest of ``repeats`` runs of the same program (the same seed: the same
        # spikes), as netaval's time is the fastest of its repeats
        for _ in range(int(p.get("repeats", 1)) - 1):
            b2.device.run(directory=build_dir, with_output=False)
            wall = min(wall, float(b2.device._last_run_time))
    if mode != "cpp_standalone":
        wall = wall_total
    steps = np.round(np.asarray(monitor.t / ms) / float(p["dt"])).astype(np.int64)
    np.savez(path_out, time=steps, neuron=np.asarray(monitor.i, np.int64), wall=wall,
             wall_total=wall_total, brian2_version=b2.__version__, mode=mode)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])


def brian2_python() -> str | None:
    """The Python that runs this script: ``$NETAVAL_BRIAN2_PYTHON``, else the current one
    if Brian2 imports there; None if neither."""
    import os
    import subprocess

    candidates = [os.environ.get("NETAVAL_BRIAN2_PYTHON"), sys.executable]
    for python in candidates:
        if python and subprocess.run([python, "-c", "import brian2"], capture_output=True,
                                     timeout=300).returncode == 0:
            return python
    return None


def run_brian2(python: str, indptr, indices, params: dict, n_steps: int, seed: int,
               mode: str = "cpp_standalone", timeout: float = 3600.0,
               repeats: int = 1) -> dict:
    """Run this script with ``python`` on a network (CSR) and `netaval.Millman` parameters
    (a dict of its fields); return the ``OUT.npz`` contents as a dict. With
    ``cpp_standalone``, ``wall`` is the fastest of ``repeats`` runs of the built program."""
    import os
    import subprocess

    with tempfile.TemporaryDirectory(prefix="netaval_brian2_io_") as tmp:
        path_in, path_out = os.path.join(tmp, "in.npz"), os.path.join(tmp, "out.npz")
        fields = {k: v for k, v in params.items() if k != "attribution"}
        np.savez(path_in, indptr=np.asarray(indptr), indices=np.asarray(indices),
                 n_steps=n_steps, seed=seed, mode=mode, repeats=repeats, **fields)
        done = subprocess.run([python, os.path.abspath(__file__), path_in, path_out],
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"Brian2 failed:\n{done.stderr[-3000:]}")
        with np.load(path_out) as out:
            return {key: out[key][()] if out[key].ndim == 0 else out[key]
                    for key in out.files}
