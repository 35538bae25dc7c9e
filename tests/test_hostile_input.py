"""Regression tests of issue 11: hostile or careless input never crashes, hangs or misleads.

Every case that used to crash the interpreter (SIGSEGV) runs in a subprocess, so a crash
fails the test instead of killing the suite.
"""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import netaval
import topologies
from netaval import InvalidParameterError


def run_isolated(code: str, timeout: float = 120) -> str:
    """Run ``code`` in a fresh interpreter; fail on a crash or a non-zero exit, return stdout."""
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, (f"exit status {result.returncode} (negative: killed by a "
                                    f"signal)\nstdout: {result.stdout}\nstderr: {result.stderr}")
    return result.stdout


def _columns(**changes):
    """A valid two-avalanche record (event 2 has two parents), with ``changes`` applied."""
    columns = dict(time=np.array([0, 0, 1, 2]), neuron=np.array([0, 1, 2, 0], np.int32),
                   avalanche=np.array([0, 1, 0, 0], np.int32),
                   generation=np.array([0, 0, 1, 2], np.int32),
                   parent_indptr=np.array([0, 0, 0, 2, 3], np.int64),
                   parent_ids=np.array([0, 1, 2], np.int32))
    columns.update(changes)
    return columns


BAD_EVENTS = {
    "parent-out-of-range": ("parent_ids", dict(parent_ids=np.array([0, 1, 10**6], np.int32))),
    "negative-parent": ("parent_ids", dict(parent_ids=np.array([0, 1, -5], np.int32))),
    "parent-not-earlier": ("parent_ids", dict(parent_ids=np.array([0, 1, 3], np.int32))),
    "indptr-drops": ("parent_indptr", dict(parent_indptr=np.array([0, 0, 0, 2, 1]))),
    "indptr-past-links": ("parent_indptr", dict(parent_indptr=np.array([0, 0, 0, 2, 9]))),
    "indptr-not-from-zero": ("parent_indptr", dict(parent_indptr=np.array([1, 1, 1, 2, 3]))),
    "indptr-short": ("parent_indptr", dict(parent_indptr=np.array([0, 0, 0, 2]))),
    "links-short": ("parent_indptr", dict(parent_ids=np.array([0, 1], np.int32))),
    "negative-neuron": ("neuron", dict(neuron=np.array([0, -1, 2, 0], np.int32))),
    "time-backwards": ("time", dict(time=np.array([0, 0, 2, 1]))),
    "time-nan": ("time", dict(time=np.array([0.0, 0.0, np.nan, 2.0]))),
    "time-inf": ("time", dict(time=np.array([0.0, 0.0, 1.0, np.inf]))),
    "wrong-generation": ("generation", dict(generation=np.array([0, 0, 1, 3], np.int32))),
    "negative-generation": ("generation", dict(generation=np.array([0, -1, 1, 2], np.int32))),
    "avalanche-not-primary": ("avalanche", dict(avalanche=np.array([0, 1, 1, 1], np.int32))),
    "avalanche-skips-id": ("avalanche", dict(avalanche=np.array([0, 2, 0, 0], np.int32))),
    "ids-wrap-in-int32": ("parent_ids", dict(parent_ids=np.array([0, 1, 2**32 + 2]))),
    "float-ids": ("neuron", dict(neuron=np.array([0.0, 1.5, 2.0, 0.0]))),
    "2d-column": ("avalanche", dict(avalanche=np.zeros((4, 1), np.int32))),
    "length-mismatch": ("neuron", dict(neuron=np.array([0, 1, 2], np.int32))),
    "strings": ("time", dict(time=np.array(["a", "b", "c", "d"]))),
}


def test_the_valid_record_is_accepted():
    """The base record of BAD_EVENTS is valid, so each bad case breaks exactly one rule."""
    network = netaval.Network.from_edges([0, 1, 2], [2, 2, 0], n_nodes=3)
    events = netaval.Events(**_columns())
    events.check_invariants(network)
    assert netaval.Avalanches.from_events(events).size.tolist() == [3, 1]


@pytest.mark.parametrize(("name", "changes"), list(BAD_EVENTS.values()), ids=list(BAD_EVENTS))
def test_events_refuse_broken_structure(name, changes):
    """Every broken structure is refused on construction, naming the offending column."""
    with pytest.raises(InvalidParameterError, match=f"The '{name}' parameter of Events"):
        netaval.Events(**_columns(**changes))


def test_broken_events_never_reach_a_kernel():
    """Out-of-range parents used to segfault `Avalanches.from_events`: refused now (subprocess)."""
    out = run_isolated("""
        import numpy as np, netaval
        for ids in ([0, 1, 2**30], [0, 1, -2**30]):
            try:
                ev = netaval.Events(time=np.array([0, 0, 1, 2]),
                                    neuron=np.array([0, 1, 2, 0], np.int32),
                                    avalanche=np.array([0, 1, 0, 0], np.int32),
                                    generation=np.array([0, 0, 1, 2], np.int32),
                                    parent_indptr=np.array([0, 0, 0, 2, 3]),
                                    parent_ids=np.array(ids, np.int32))
            except netaval.InvalidParameterError:
                print("refused")
                continue
            netaval.Avalanches.from_events(ev)
            print("accepted")
    """)
    assert out.split() == ["refused", "refused"]


def test_events_are_private_and_read_only():
    """Events copy their input and their arrays cannot be made writable again."""
    columns = _columns()
    events = netaval.Events(**columns)
    columns["parent_ids"][:] = 10**6  # the caller's arrays are not shared
    assert events.parent_ids.tolist() == [0, 1, 2]
    for name in ("time", "neuron", "avalanche", "generation", "parent_indptr", "parent_ids"):
        with pytest.raises(ValueError, match="WRITEABLE"):
            getattr(events, name).setflags(write=True)


def test_simulated_events_are_read_only():
    """Events of a run cannot be made writable either (so they stay valid)."""
    net = netaval.Network.from_edges([0, 1], [1, 0], n_nodes=2)
    run = netaval.simulate(net, netaval.Branching(sigma=1.0, refractory=0),
                           protocol="spreading", initial=[0], n_steps=5, seed=0)
    with pytest.raises(ValueError, match="WRITEABLE"):
        run.events.parent_ids.setflags(write=True)


def test_network_arrays_cannot_be_made_writable():
    """`net.indices.setflags(write=True)` used to succeed, then simulate segfaulted."""
    out = run_isolated("""
        import numpy as np, netaval
        net = netaval.Network.from_edges([0, 1, 2], [1, 2, 0], n_nodes=3)
        for name in ("indptr", "indices", "weights"):
            try:
                getattr(net, name).setflags(write=True)
            except ValueError:
                print("refused")
                continue
            getattr(net, name)[:] = 10**9
        netaval.simulate(net, netaval.Branching(sigma=1.0), protocol="spreading",
                         initial=[0], n_steps=10, seed=0)
    """)
    assert out.split() == ["refused"] * 3


def test_network_copies_its_input():
    """A Network does not share the caller's arrays (mutating them later changes nothing)."""
    indptr, indices = np.array([0, 1, 2, 3]), np.array([1, 2, 0], np.int32)
    net = netaval.Network(indptr, indices)
    indices[:] = 10**6
    assert net.indices.tolist() == [1, 2, 0]
    assert indices.flags.writeable  # the caller's array is left alone


def test_ccdf_and_logpdf_refuse_non_finite_points_and_never_hang():
    """ccdf(-inf) used to loop forever (summing from -inf); non-finite points are refused,
    points outside the support get the exact tail values."""
    fit = netaval.stats.fit_power_law([1, 1, 2, 3, 5, 8, 1, 2, 13], xmin=1)
    for method in (fit.ccdf, fit.logpdf):
        for bad in (float("-inf"), float("inf"), float("nan"), [1.0, np.nan]):
            with pytest.raises(InvalidParameterError, match="'x' parameter of PowerLawFit"):
                method(bad)
    assert fit.ccdf([-1e18, 0.5, 1]).tolist() == [1.0, 1.0, 1.0]
    assert np.isneginf(fit.logpdf([0.5, 2.5, -3.0])).all()
    assert fit.ccdf(np.array([[1.0, 2.0]])).shape == (1, 2)


@pytest.mark.parametrize(("call", "name"), [
    (lambda fit, big: fit.gof_pvalue(big, seed=0), "n_boot"),
    (lambda fit, big: netaval.stats.fit_truncated_power_law([1, 2, 3, 5], n_samples=big),
     "n_samples"),
    (lambda fit, big: netaval.stats.fit_mean_size_scaling([1, 4, 9], [1, 2, 3], n_boot=big),
     "n_boot"),
    (lambda fit, big: netaval.stats.shape_collapse([[1.0, 2.0]], n_boot=big), "n_boot"),
    (lambda fit, big: netaval.stats.sample_power_law(big, alpha=2.0), "n"),
], ids=["gof_pvalue", "fit_truncated_power_law", "fit_mean_size_scaling", "shape_collapse",
        "sample_power_law"])
def test_sample_counts_have_an_upper_bound(call, name):
    """n_boot / n_samples of 2**31 used to run for ever: the bound (MAX_RESAMPLES) refuses
    them at once, naming the parameter."""
    fit = netaval.stats.fit_power_law([1, 1, 2, 3, 5, 8, 1, 2, 13], xmin=1)
    for big in (2**31, 10**6) if name != "n" else (2**31,):  # n: bounded by memory, 2**28
        with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
            call(fit, big)


def test_reported_silent_acceptances_are_refused():
    """The silently accepted calls of the issue now raise, naming the parameter."""
    run = netaval.simulate(netaval.Network.from_edges([0, 1], [1, 0], n_nodes=2),
                           netaval.Branching(sigma=1.0, drive=0.2), n_steps=30, seed=0)
    cases = [
        (lambda: netaval.stats.shape_collapse([[1.0, 2.0]], include_truncated="no"),
         "include_truncated"),
        (lambda: netaval.stats.fit_mean_size_scaling([1, 4, 9], [1, 2, 3], min_duration=1j),
         "min_duration"),
        (lambda: netaval.binning.detect_binned_avalanches(run, neurons=[0, 1]), "neurons"),
        (lambda: netaval.stats.fit_power_law([1, 2, 3], xmin=float("inf")), "xmin"),
        (lambda: netaval.stats.branching_ratio_conventional([0, 2**40]), "activity"),
        (lambda: netaval.simulate(netaval.Network.from_edges([0], [1], n_nodes=2),
                                  netaval.Branching(sigma=1.0), protocol=np.array(["a", "b"]),
                                  n_steps=3), "protocol"),
        (lambda: topologies.random(2**63, k=3), "n_nodes"),
    ]
    for call, name in cases:
        with pytest.raises(InvalidParameterError, match=f"'{name}'"):
            call()


@pytest.mark.parametrize("args", [
    ["run", "--topology", "random", "--param", "k=3", "--n-nodes", "3000000000", "--model",
     "branching", "--param", "sigma=1", "--n-steps", "10"],
    ["run", "--topology", "random", "--param", "k=3", "--n-nodes", "2000000000", "--model",
     "branching", "--param", "sigma=1", "--n-steps", "10"],
    ["run", "--topology", "random", "--param", "k=3", "--n-nodes", "100", "--model",
     "branching", "--param", "sigma=nan", "--n-steps", "10"],
    ["run", "--topology", "random", "--param", "k=3", "--n-nodes", "100", "--model",
     "branching", "--param", "sigma=1", "--n-steps", "999999999999"],
], ids=["n-nodes-beyond-int32", "n-nodes-beyond-memory", "nan-param", "huge-n-steps"])
def test_cli_errors_are_one_line_and_exit_2(args, tmp_path):
    """Sizes too large for memory and invalid values end in one line and exit status 2
    (was a MemoryError traceback), before anything is simulated."""
    done = subprocess.run([sys.executable, "-m", "netaval", *args, "--out",
                           str(tmp_path / "r.parquet")], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert not (tmp_path / "r.parquet").exists()
