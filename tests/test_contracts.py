"""The README's contracts, each with a test that fails when it is broken.

Randomness: every public entry point that draws randomness is reproducible from an int and
from a SeedSequence, and uses a Generator as is, advancing it, so consecutive calls with one
Generator differ. Limits: truncated avalanches are flagged, never dropped, and stay so through
save/load. Saved runs: written atomically (temporary file in the same directory, fsync, then
rename over the target). The round trip of every `Run` field is the property test of
``test_io.py``.
"""

import os

import numpy as np
import pytest

import netaval
import topologies
from netaval import binning, stats
from netaval.io import load
from tests.test_stats_scaling import poisson_profiles, sizes_durations

NET = netaval.Network.from_edges(np.arange(40), (np.arange(40) * 7 + 3) % 40, n_nodes=40)
SIZES = stats.sample_power_law(400, alpha=2.2, seed=0)
FIT = stats.fit_power_law(SIZES, xmin=1)
SMALL_DISCRETE = stats.sample_power_law(120, alpha=1.6, xmax=60, seed=1)
SIZE_DUR = sizes_durations(np.random.default_rng(0), 1.7, 300)
PROFILES = poisson_profiles(np.random.default_rng(0), 1.5, [8, 12, 16], 12)
SPIKE_TIMES = np.arange(400) % 37
SPIKE_NEURONS = np.arange(400) % 100
POISSON_SPIKES = netaval.Spikes.from_arrays(np.random.default_rng(0).uniform(0, 60, 2000),
                                            units=np.arange(2000) % 20)


def _events(run):
    return run.events.time, run.events.neuron, run.events.parent_ids


def _network(net):
    return net.indptr, net.indices, net.weights


def _topology(name):
    spec = topologies.get(name)
    return lambda seed: _network(topologies.generate(name, 60, seed=seed, **spec.example))


# name -> callable(seed) returning a tuple of arrays / floats that identifies the result
ENTRY_POINTS = {
    "simulate-branching": lambda seed: _events(netaval.simulate(
        NET, netaval.Branching(sigma=0.9, drive=0.05), n_steps=60, seed=seed)),
    "simulate-contact": lambda seed: _events(netaval.simulate(
        NET, netaval.ContactProcess(rate=0.9, drive=0.05), duration=20.0, seed=seed)),
    "simulate-isolated": lambda seed: _events(netaval.simulate(
        NET, netaval.Branching(sigma=0.9), protocol="isolated", n_avalanches=20, seed=seed)),
    "hysteresis": lambda seed: (netaval.hysteresis(
        NET, netaval.Branching(sigma=0.5, drive=0.05), "sigma", [0.5, 0.9], relax=5,
        measure=20, seed=seed)["density"].to_numpy(),),
    **{f"topologies.{name}": _topology(name) for name in topologies.available()
       if topologies.get(name).random},
    "sample_neurons": lambda seed: (binning.sample_neurons(
        SPIKE_TIMES, neurons=SPIKE_NEURONS, n_sampled=30, seed=seed).unit,),
    "analyse": lambda seed: (netaval.analyse(POISSON_SPIKES, n_boot=5, seed=seed).loc[
        ["tau_gof_p", "alpha_gof_p", "gamma_stderr"], "binned"].to_numpy(np.float64),),
    "sample_power_law": lambda seed: (stats.sample_power_law(50, alpha=2.0, seed=seed),),
    "sample_power_law-continuous": lambda seed: (
        stats.sample_power_law(50, alpha=2.0, discrete=False, seed=seed),),
    "gof_pvalue": lambda seed: (FIT.gof_pvalue(20, seed=seed),),
    "fit_truncated_power_law": lambda seed: (stats.fit_truncated_power_law(
        SMALL_DISCRETE, n_samples=20, max_supports=3, seed=seed).alpha,),
    "fit_mean_size_scaling": lambda seed: (
        stats.fit_mean_size_scaling(*SIZE_DUR, n_boot=10, seed=seed).gamma_stderr,),
    "shape_collapse": lambda seed: (
        stats.shape_collapse(PROFILES, n_boot=10, seed=seed).gamma_stderr,),
}
# Results that take few values (a p-value from 20 resamples, a fitted alpha on a support
# chosen among 3) may coincide for two streams; for them "advanced" is checked on the
# Generator's state only.
COARSE = {"gof_pvalue", "fit_truncated_power_law"}


def _same(a, b):
    return all(np.array_equal(np.asarray(x), np.asarray(y), equal_nan=True)
               for x, y in zip(a, b, strict=True))


@pytest.fixture(params=sorted(ENTRY_POINTS), scope="module")
def entry(request):
    return request.param, ENTRY_POINTS[request.param]


def test_every_seeded_entry_point_is_listed():
    """Every public function with a ``seed`` parameter appears in ENTRY_POINTS (new ones too)."""
    import inspect

    seeded = set()
    for module, prefix in ((netaval, ""), (binning, ""), (stats, ""), (topologies, "topologies.")):
        for name in getattr(module, "__all__", dir(module)):
            obj = getattr(module, name, None)
            if callable(obj) and not isinstance(obj, type):
                try:
                    parameters = inspect.signature(obj).parameters
                except (TypeError, ValueError):
                    continue
                if "seed" in parameters:
                    seeded.add(prefix + name)
    assert {"simulate", "sample_neurons", "sample_power_law", "topologies.random"} <= seeded
    covered = {key.split("-")[0] for key in ENTRY_POINTS}
    assert seeded - covered - {"topologies.generate"} == set()


def test_int_and_seed_sequence_are_reproducible(entry):
    """Same int, same result bit for bit; same SeedSequence too; another seed differs."""
    name, call = entry
    assert _same(call(5), call(5))
    assert _same(call(np.random.SeedSequence(5)), call(np.random.SeedSequence(5)))
    assert _same(call(np.random.SeedSequence(5)), call(5))
    if name not in COARSE:
        assert not _same(call(5), call(6))
        assert not _same(call(np.random.SeedSequence(5).spawn(2)[1]), call(5))


def test_generator_is_used_as_is_and_advanced(entry):
    """A Generator: its own stream is used (same state, same result) and it is advanced."""
    name, call = entry
    generator = np.random.default_rng(11)
    start = generator.bit_generator.state
    first = call(generator)
    after_first = generator.bit_generator.state
    assert after_first != start, f"{name} did not advance the caller's Generator"
    second = call(generator)
    assert generator.bit_generator.state != after_first
    if name not in COARSE:
        assert not _same(first, second), f"{name}: two calls with one Generator gave one result"
    assert _same(first, call(np.random.default_rng(11)))


# ---------------------------------------------------------------------- truncation
@pytest.mark.parametrize("model, kwargs", [
    (netaval.Branching(sigma=1.6, drive=0.02), dict(n_steps=400)),
    (netaval.ContactProcess(rate=3.0, drive=0.02), dict(duration=200.0)),
], ids=["branching", "contact"])
def test_truncated_avalanches_are_flagged_never_dropped(tmp_path, model, kwargs):
    """A runaway run stopped at max_events keeps every avalanche; the alive ones are flagged.

    Flags and counts survive save/load; select() and branching ratios exclude flagged
    avalanches by default and include them on request.
    """
    net = topologies.lattice(400, dim=2, radius=1, periodic=True)
    run = netaval.simulate(net, model, max_events=3000, on_max_events="truncate", seed=3,
                           **kwargs)
    assert run.truncated and run.alive_avalanches.size >= 1
    ev, av = run.events, run.avalanches
    assert len(av) == ev.n_avalanches == len(np.unique(ev.avalanche))
    assert av.size.sum() == ev.n_events
    assert np.array_equal(np.flatnonzero(av.truncated), np.sort(run.alive_avalanches))
    path = tmp_path / "truncated.parquet"
    run.save(path)
    back = load(path)
    assert back.truncated is True
    assert np.array_equal(back.alive_avalanches, run.alive_avalanches)
    assert np.array_equal(back.avalanches.truncated, av.truncated)
    assert np.array_equal(back.avalanches.size, av.size)
    assert not av.select().truncated.any() and len(av.select(include_truncated=True)) == len(av)
    complete = ~av.truncated
    if complete.any():
        links = np.isin(ev.avalanche[ev.parent_ids], np.flatnonzero(complete)).sum()
        assert av.branching_ratio() == pytest.approx(links / av.size[complete].sum(), rel=1e-12)


# ---------------------------------------------------------------------- atomic writes
@pytest.mark.parametrize("writer", ["run", "graphml"])
def test_writes_are_atomic(tmp_path, monkeypatch, writer):
    """Data goes to a temporary file in the target's directory, is fsynced, then renamed.

    At the moment of the rename the target still holds its old content, so a reader (or
    a crash) never sees a half-written file.
    """
    run = netaval.simulate(NET, netaval.Branching(sigma=0.9, drive=0.05), n_steps=40, seed=1)
    path = tmp_path / f"out.{writer}"
    path.write_bytes(b"old content")
    log = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        log.append(("fsync", os.path.realpath(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src, dst):
        # only renames into the test's folder: numba's cache writer renames its index files
        # when a kernel compiles during the write
        if os.path.dirname(os.path.abspath(dst)) == str(tmp_path):
            log.append(("replace", os.fspath(src), os.fspath(dst), path.read_bytes()))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    if writer == "run":
        run.save(path)
    else:
        netaval.io.write_graphml(run.avalanches[0], path)
    renames = [entry for entry in log if entry[0] == "replace"]
    assert len(renames) == 1
    _, src, dst, content_at_rename = renames[0]
    assert os.path.abspath(dst) == str(path) and content_at_rename == b"old content"
    assert os.path.dirname(os.path.abspath(src)) == str(tmp_path) and src != dst
    synced = [entry[1] for entry in log[:log.index(renames[0])] if entry[0] == "fsync"]
    assert os.path.realpath(src) in synced, "the data was not fsynced before the rename"
    assert not os.path.exists(src) and path.read_bytes() != b"old content"
    assert sorted(os.listdir(tmp_path)) == [path.name]
