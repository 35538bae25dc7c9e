"""Generated invalid-value tests over the public API (scikit-learn's check_param_validation).

Every public callable is found from ``__all__`` of netaval, its public submodules (found
automatically, so a module another engineer adds is covered), netaval.models, netaval.io
and topologies, with the ``from_*`` constructors and the public methods (from their
signatures) of every public class. Each gets one valid call (`valid_calls`; a method's
first argument is the instance); then every parameter of its signature in turn is
replaced by each generated invalid value (NaN, a complex number, an arbitrary object, a
2-D array, a string: `INVALID`). The call must raise `InvalidParameterError` (or the
callable's documented error, `DOCUMENTED`) whose message names the parameter and the
function (`function_name`): no foreign exception (numpy, numba, Python internals) and no
silent acceptance. Edge values some parameters legitimately take (infinities, a huge int,
an empty list: `EDGE`) must be refused the same way or accepted, never met by a foreign
exception (OverflowError, MemoryError, ...). Values a parameter legitimately accepts are
listed in `ACCEPTS` with the reason; callables that are not entry points for user values
are listed in `SKIP` with the reason. Each test runs in a temporary folder, so a relative
path accepted as valid writes nothing into the checkout."""

from __future__ import annotations

import inspect
import math
import signal
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import netaval
import topologies
from netaval.errors import (
    CorruptFileError,
    InvalidParameterError,
    InvariantError,
    MalformedNetworkError,
    NetavalError,
)

#: Values no parameter of the public API accepts: each must be refused.
INVALID = {"nan": math.nan, "complex": 1j, "object": object(), "2d": np.ones((2, 2)),
           "text": "__invalid__"}
#: Values some parameters accept (open-ended ranges, empty data): each must be refused
#: with a netaval error or accepted, never answered by a foreign exception.
EDGE = {"inf": math.inf, "-inf": -math.inf, "huge": 2**64, "empty": []}


def _modules():
    found = {"netaval": netaval, "netaval.models": netaval.models, "netaval.io": netaval.io,
             "netaval.io.dataset": netaval.io.dataset, "topologies": topologies}
    for name in netaval.__all__:
        value = getattr(netaval, name)
        if inspect.ismodule(value):
            found[f"netaval.{name}"] = value
    return found


def public_methods(cls):
    """Public methods defined by ``cls`` that take a parameter besides ``self`` (one
    without parameters has no value to refuse)."""
    for attr, member in vars(cls).items():
        if attr.startswith("_") or not inspect.isfunction(member):
            continue
        if len(inspect.signature(member).parameters) > 1:
            yield attr


def public_callables():
    """(qualified name, callable) for every public entry point, deduplicated: functions,
    classes, their ``from_*`` constructors and their public methods (a method's callable
    is the unbound function: its valid call passes the instance first)."""
    seen, out = set(), []
    for module_name, module in _modules().items():
        for name in getattr(module, "__all__", []):
            value = getattr(module, name)
            if not callable(value) or (inspect.isclass(value)
                                       and issubclass(value, BaseException | Warning)):
                continue
            qualname = f"{module_name}.{name}"
            if id(value) in seen:
                continue
            seen.add(id(value))
            out.append((qualname, value))
            if inspect.isclass(value):
                for attr, member in vars(value).items():
                    if attr.startswith("from_") and isinstance(member, classmethod):
                        out.append((f"{qualname}.{attr}", getattr(value, attr)))
                for attr in public_methods(value):
                    out.append((f"{qualname}.{attr}", getattr(value, attr)))
    return out


def is_method(qualname, func):
    """True for an instance method (its valid call passes the instance first)."""
    owner_name, attr = qualname.rsplit(".", 1)
    owner = _resolve(owner_name)
    return inspect.isclass(owner) and inspect.isfunction(vars(owner).get(attr))


def _resolve(qualname):
    module_name, _, rest = qualname.partition(".")
    value = {"netaval": netaval, "topologies": topologies}[module_name]
    for part in rest.split(".") if rest else ():
        value = getattr(value, part)
    return value


# ---------------------------------------------------------------------- valid examples
class Fixtures:
    """Small valid inputs, built once."""

    def __init__(self, tmp):
        self.tmp = tmp
        self._writers = 0
        self.net = topologies.random(30, k=3, seed=0)
        self.run = netaval.simulate(self.net, netaval.Branching(sigma=1.0, drive=0.05),
                                    n_steps=60, seed=0)
        self.events = self.run.events
        self.avalanches = self.run.avalanches
        self.sizes = netaval.stats.sample_power_law(300, alpha=2.0, xmin=1, seed=0)
        self.fit = netaval.stats.fit_power_law(self.sizes, xmin=1)
        self.saved = str(tmp / "run.parquet")
        self.run.save(self.saved)
        self.binned = netaval.binning.detect_binned_avalanches(self.run, bin_width=1)
        t = np.array([1, 2, 4, 8] * 5)
        self.scaling = netaval.stats.fit_mean_size_scaling(3 * t ** 2, t, n_boot=5, seed=0)
        self.profiles = [t_len * 4 * x * (1 - x) for t_len in (8, 16, 32)
                         for x in [(np.arange(1, t_len + 1) - 0.5) / t_len] for _ in range(10)]
        self.positions = np.random.default_rng(0).random((30, 2))
        self.spikes = netaval.Spikes.from_arrays([0.1, 0.5, 0.7], [0, 1, 0])
        self.collapse = netaval.stats.shape_collapse(self.profiles, n_boot=2, seed=0)
        self.regression = netaval.stats.branching_ratio_mr(self.run.activity, k_max=5)
        self.spikes_csv = str(tmp / "spikes.csv")
        (tmp / "spikes.csv").write_text("neuron,time\n3,1.5\n1,0.5\n3,2.0\n")
        self.edges_csv = str(tmp / "edges.csv")
        (tmp / "edges.csv").write_text("pre,post,weight\n10,20,0.5\n20,30,1.5\n")
        self.dataset = str(tmp / "dataset")
        netaval.simulate(self.net, netaval.Branching(sigma=1.0, drive=0.05), n_steps=60,
                         seed=0, out=self.dataset)
        self.summaries = {name: np.asarray(getattr(self.avalanches, name)) for name in (
            "root", "size", "duration", "depth", "n_neurons", "n_generations", "start",
            "end", "offspring")}
        self.summaries["alive"] = np.asarray(self.avalanches.truncated)
        self.study_spec = {
            "study": {"name": "params", "seed": 1}, "grid": {"n_nodes": [30]},
            "limits": {"n_steps": 50},
            "topologies": [{"generator": "random", "params": {"k": 3.0}}],
            "models": [{"model": "branching", "params": {"drive": 0.01, "sigma": 0.5}}],
            "analyses": [{"name": "density"}]}
        self.study_out = str(tmp / "study")
        netaval.study.run(self.study_spec, out=self.study_out, executor="serial",
                          progress=False, report=False)
        self.table = pd.DataFrame({"topology": ["a", "b"], "model": ["m", "m"],
                                   "causal.tau": [1.5, 1.6], "causal.tau_stderr": [0.01, 0.02]})
        self.sweep = pd.DataFrame({"direction": ["up", "up", "down", "down"],
                                   "value": [1.0, 2.0, 2.0, 1.0],
                                   "density": [0.0, 0.3, 0.3, 0.2],
                                   "density_stderr": [0.0, 0.01, 0.01, 0.01]})
        self.response = pd.DataFrame({"drive": [1e-3, 1e-2, 1e-3, 1e-2],
                                      "density": [0.01, 0.1, 0.02, 0.2],
                                      "series": ["a", "a", "b", "b"]})


def _writer(self):
    """A new DatasetWriter on a fresh folder of 2 neurons (each call its own)."""
    self._writers += 1
    return netaval.io.dataset.DatasetWriter(self.tmp / f"writer{self._writers}", metadata={},
                                            continuous=False, n_nodes=2)


Fixtures.writer = _writer


def valid_calls(f: Fixtures):
    """qualified name -> (args, kwargs) of one valid, fast call."""
    ev = f.events
    columns = dict(time=ev.time, neuron=ev.neuron, avalanche=ev.avalanche,
                   generation=ev.generation, parent_indptr=ev.parent_indptr,
                   parent_ids=ev.parent_ids)
    return {
        "netaval.Branching": ((), dict(sigma=1.0, drive=0.1)),
        "netaval.ContactProcess": ((), dict(rate=1.0, drive=0.1)),
        "netaval.FacilitatedContact": ((), dict(rate=1.0)),
        "netaval.rebuild_network": ((f.run,), {}),
        "netaval.analyse": ((f.run,), dict(n_boot=0, k_max=5, seed=0)),
        "netaval.Millman": ((), {}),
        "netaval.Events": ((), columns),
        "netaval.Network": ((), dict(indptr=f.net.indptr, indices=f.net.indices)),
        "netaval.Network.from_scipy": ((f.net.to_scipy(),), {}),
        "netaval.Network.from_edges": (([0, 1], [1, 2], 3), {}),
        "netaval.Network.from_networkx": ((f.net.to_networkx(),), {}),
        "netaval.Avalanches.from_events": ((ev,), {}),
        "netaval.Avalanches.from_run": ((f.run,), {}),
        "netaval.Spikes.from_arrays": (([0.1, 0.5, 0.7], [0, 1, 0]), {}),
        "netaval.load": ((f.saved,), {}),
        "netaval.io.dataset.DatasetWriter": ((str(f.tmp / "written"),),
                                             dict(metadata={}, continuous=False, n_nodes=2)),
        "netaval.io.dataset.DatasetWriter.write_chunk": (
            (f.writer(), np.array([0, 1]), np.array([0, 1], np.int32), np.array([0, 0]),
             np.array([0, 1], np.int32), np.array([0, 0, 1]), np.array([0])),
            dict(live=np.array([1]), end_time=2)),
        "netaval.io.dataset.DatasetWriter.close": ((f.writer(), {"end_time": 2}), {}),
        "netaval.io.dataset.is_dataset": ((f.dataset,), {}),
        "netaval.io.dataset.read_manifest": ((f.dataset,), {}),
        "netaval.io.dataset.iter_chunks": ((f.dataset,), dict(start=0)),
        "netaval.io.dataset.read_events": ((f.dataset,), {}),
        "netaval.io.dataset.summarise": ((f.dataset,), {}),
        "netaval.io.dataset.load_dataset": ((f.dataset,), {}),
        "netaval.simulate": ((f.net, netaval.Branching(sigma=1.0, drive=0.1)),
                             dict(n_steps=20, seed=0)),
        "netaval.population_rate": ((f.run,), dict(window=2.0)),
        "netaval.up_down": ((f.run,), dict(threshold=1.0, window=2.0)),
        "netaval.binning.detect_binned_avalanches": ((f.run,), dict(bin_width=2)),
        "netaval.binning.detect_threshold_avalanches": (([0.0, 2.0, 3.0, 0.0, 1.5],),
                                                        dict(threshold=1.0)),
        "netaval.binning.sample_neurons": ((f.run,), dict(n_sampled=5, seed=0)),
        "netaval.binning.electrode_grid": ((f.positions,), dict(n_per_side=2)),
        "netaval.binning.record_electrodes": (
            (f.run, f.positions), dict(electrodes=np.array([[0.5, 0.5]]), radius=0.3)),
        "netaval.io.save_run": ((f.run, str(f.tmp / "again.parquet")), {}),
        "netaval.io.write_graphml": ((f.avalanches[0], str(f.tmp / "dag.graphml")), {}),
        "netaval.stats.check_crackling_noise": ((f.fit, f.fit, f.scaling), {}),
        "netaval.stats.fit_mean_size_scaling": ((f.avalanches,), dict(n_boot=3, seed=0)),
        "netaval.stats.shape_collapse": ((f.profiles,), dict(n_boot=2, seed=0)),
        "netaval.stats.branching_ratio_avalanches": ((netaval.binning.detect_binned_avalanches(
            [1, 1, 2, 2, 2, 5, 8, 9], bin_width=1, start=0, end=12),), {}),
        "netaval.stats.branching_ratio_conventional": ((f.run.activity,), {}),
        "netaval.stats.branching_ratio_mr": ((f.run.activity,), dict(k_max=5)),
        "netaval.stats.branching_ratio_naive": ((f.run.activity,), {}),
        "netaval.stats.regression_slopes": ((f.run.activity,), dict(k_max=5)),
        "netaval.stats.fit_power_law": ((f.sizes,), dict(xmin=1)),
        "netaval.stats.fit_truncated_power_law": ((f.sizes[:60],),
                                                  dict(n_samples=5, max_supports=3, seed=0)),
        "netaval.stats.sample_power_law": ((10,), dict(alpha=2.0, seed=0)),
        "netaval.stats.PowerLawFit.ccdf": ((f.fit, [1, 2, 3]), {}),
        "netaval.stats.PowerLawFit.logpdf": ((f.fit, [1, 2, 3]), {}),
        "netaval.stats.PowerLawFit.gof_pvalue": ((f.fit, 2), dict(seed=0)),
        "netaval.stats.PowerLawFit.compare": ((f.fit, "exponential"), {}),
        "netaval.models.available": ((), {}),
        "netaval.models.get": (("branching",), {}),
        "topologies.available": ((), {}),
        "topologies.generate": (("random", 20), dict(k=3, seed=0)),
        "topologies.get": (("random",), {}),
        "topologies.required_parameters": ((topologies.get("random"),), {}),
        "topologies.describe_parameters": ((topologies.get("random"),), {}),
        "topologies.random": ((20,), dict(k=3, seed=0)),
        "topologies.random_fixed_indegree": ((20,), dict(k=3, seed=0)),
        "topologies.small_world": ((20,), dict(k=4, p=0.1, seed=0)),
        "topologies.scale_free": ((20,), dict(m=2, seed=0)),
        "topologies.scale_free_chung_lu": ((20,), dict(gamma=2.5, k_min=2.0, seed=0)),
        "topologies.lattice": ((16,), {}),
        # instance methods: the instance is the first positional argument
        "netaval.Avalanches.population": ((f.avalanches, 0), {}),
        "netaval.Avalanches.dag": ((f.avalanches, 0), {}),
        "netaval.Avalanches.select": ((f.avalanches,), dict(size=(1, 10), duration=(1, 5),
                                                            include_truncated=True)),
        "netaval.Avalanches.largest": ((f.avalanches, 2), dict(include_truncated=True)),
        "netaval.Avalanches.branching_ratio": ((f.avalanches,), dict(include_truncated=True)),
        "netaval.Avalanches.generation_sizes": ((f.avalanches,), dict(include_truncated=True)),
        "netaval.Avalanches.branching_ratio_by_generation": (
            (f.avalanches,), dict(include_truncated=True)),
        "netaval.Avalanches.ancestor_descendant_ratio": (
            (f.avalanches,), dict(include_truncated=True)),
        "netaval.Avalanches.mean_profile": ((f.avalanches, 1), dict(
            n_bins=1, rtol=0.0, include_truncated=True)),
        "netaval.Avalanches.write_graphml": ((f.avalanches, str(f.tmp / "all.graphml")), {}),
        "netaval.Avalanches.from_summaries": ((f.summaries,), dict(time_step=1.0)),
        "netaval.Avalanches.from_dataset": ((f.dataset,), dict(burn_in=None)),
        "netaval.Events.check_invariants": ((ev, f.net), dict(delay=None)),
        "netaval.Run.save": ((f.run, str(f.tmp / "saved.parquet")), dict(include_network=False)),
        "netaval.Spikes": (((0.1, 0.5), (0, 0), (7,), 0.0, 1.0), {}),
        "netaval.Spikes.binned_activity": ((f.spikes, 0.5), {}),
        "netaval.binning.BinnedAvalanches.profile_of": ((f.binned, 0), {}),
        "netaval.stats.ShapeCollapse.plot": ((f.collapse,), dict(ax=None)),
        "netaval.stats.MultistepRegression.fitted": ((f.regression,), dict(k=None)),
        "netaval.stats.MultistepRegression.plot": ((f.regression,), dict(ax=None)),
        "netaval.stats.PowerLawFit.plot": ((f.fit,), dict(ax=None)),
        "netaval.hysteresis": ((f.net, netaval.ContactProcess(rate=1.0, drive=0.1), "rate",
                                [0.5, 2.0]), dict(relax=2.0, measure=5.0, seed=1)),
        "netaval.io.read_spikes": ((f.spikes_csv,), dict(time_column="time",
                                                         unit_column="neuron",
                                                         time_unit="ms")),
        "netaval.io.read_network": ((f.edges_csv,), dict(format=None, weight="weight",
                                                         directed=None)),
        "netaval.plot.ccdf": (({"sample": f.sizes},), dict(
            fits={"sample": {"alpha": 2.0, "xmin": 1}}, title=None, path=None)),
        "netaval.plot.hysteresis": ((f.sweep,), dict(parameter="rate", path=None)),
        "netaval.plot.mean_size": (({"demo": (f.sizes[:12], np.arange(1, 13))},),
                                   dict(fits={"demo": (2.0, 0.0)}, title=None, path=None)),
        "netaval.plot.response_curve": ((f.response,), dict(path=None)),
        "netaval.plot.shape_collapse": ((f.collapse,), dict(path=None)),
        "netaval.plot.topology_comparison": ((f.table,), dict(analyses=None, path=None)),
        "netaval.study.load_study": ((f.study_spec,), dict(size=None)),
        "netaval.study.run": ((f.study_spec,), dict(
            out=f.study_out, executor="serial", workers=None, scheduler=None, progress=False,
            size=None, restart=False, report=False)),
        "netaval.study.status": ((f.study_out,), {}),
        "netaval.study.report": ((f.study_out,), {}),
        "netaval.study.load_results": ((f.study_out,), {}),
    }


_RESULT = "a result record returned by netaval, not an entry point for user values"
_PROTOCOL = "part of the model-engine protocol for plug-in authors; simulate checks what " \
            "an engine returns (_check_outcome)"
SKIP = {
    "netaval.Avalanches": _RESULT, "netaval.Run": "a result record; its contents are "
    "checked where they meet a kernel (Avalanches.from_run) and by save_run",
    "netaval.Spikes": "built through Spikes.from_arrays / read_spikes, which validate",
    "netaval.UpDown": _RESULT, "netaval.binning.Recording": _RESULT,
    "netaval.binning.BinnedAvalanches": _RESULT, "netaval.binning.ThresholdAvalanches": _RESULT,
    "netaval.stats.CracklingNoiseCheck": _RESULT, "netaval.stats.LikelihoodRatio": _RESULT,
    "netaval.stats.MeanSizeScaling": _RESULT, "netaval.stats.ShapeCollapse": _RESULT,
    "netaval.stats.MultistepRegression": _RESULT, "netaval.stats.PowerLawFit": _RESULT,
    "netaval.models.Outcome": _PROTOCOL, "netaval.models.Recorder": _PROTOCOL,
    "netaval.models.State": _PROTOCOL, "netaval.models.Task": _PROTOCOL,
    "topologies.TopologySpec": _RESULT,
    "netaval.models.register": "class decorator for plug-in authors (registry tests)",
    "netaval.models.unregister": "mutates the global registry (registry tests)",
    "topologies.register": "decorator for plug-in authors (registry tests)",
    "topologies.unregister": "mutates the global registry (registry tests)",
    "netaval.Branching.engine": _PROTOCOL, "netaval.ContactProcess.engine": _PROTOCOL,
    "netaval.FacilitatedContact.engine": _PROTOCOL, "netaval.Millman.engine": _PROTOCOL,
    "netaval.Branching.transmission": _PROTOCOL + " (the Branching engine's own helper)",
    **{f"netaval.models.Recorder.{name}": _PROTOCOL for name in (
        "add_column", "grow_events", "grow_links", "flush", "write_roots", "events")},
    "netaval.models.Task.progress": _PROTOCOL,
    "netaval.study.Study": "built by load_study, which validates the spec",
    "netaval.study.StudyStatus": _RESULT, "netaval.study.Task": _RESULT,
    "netaval.io.dataset.EventChunk": _RESULT + " (what iter_chunks reads)",
    "netaval.io.dataset.DatasetSummary": _RESULT + " (what summarise reads)",
}

#: (callable, parameter) -> generated values that parameter legitimately accepts.
ACCEPTS = {
    ("netaval.simulate", "seed"): {"huge"},  # any non-negative int is seed entropy
    ("netaval.binning.electrode_grid", "positions"): {"2d"},  # 2 neurons in the plane
    ("netaval.binning.record_electrodes", "electrodes"): {"2d"},  # 2 electrodes
    ("netaval.stats.branching_ratio_naive", "activity"): {"2d"},  # trials x time
    ("netaval.stats.branching_ratio_mr", "activity"): {"2d"},
    ("netaval.stats.branching_ratio_conventional", "activity"): {"2d"},
    ("netaval.stats.regression_slopes", "activity"): {"2d"},
    ("netaval.stats.PowerLawFit.logpdf", "x"): {"2d"},  # elementwise
    ("netaval.stats.PowerLawFit.ccdf", "x"): {"2d"},
    ("netaval.stats.shape_collapse", "profiles"): {"2d"},  # two profiles of length 2
    ("netaval.load", "path"): {"text"},  # a path: FileNotFoundError (documented)
    ("netaval.io.dataset.DatasetWriter", "path"): {"text"},  # a new folder: written
    ("netaval.io.dataset.is_dataset", "path"): {"text"},  # no such folder: False
    ("netaval.io.save_run", "path"): {"text"},  # a valid relative path
    ("netaval.simulate", "out"): {"text"},  # a valid relative directory (would write one)
    ("netaval.analyse", "out"): {"text"},  # a valid relative directory (would write one)
    ("netaval.analyse", "seed"): {"huge"},
    ("netaval.io.write_graphml", "path"): {"text"},
    ("netaval.Network", "topology"): {"text"},  # free-form provenance
    ("netaval.Network.from_networkx", "weight"): {"text"},  # an edge attribute name
    ("netaval.binning.sample_neurons", "seed"): {"huge"},
    ("netaval.stats.fit_truncated_power_law", "seed"): {"huge"},
    ("netaval.stats.sample_power_law", "seed"): {"huge"},
    ("netaval.stats.fit_mean_size_scaling", "seed"): {"huge"},
    ("netaval.stats.shape_collapse", "seed"): {"huge"},
    ("netaval.stats.PowerLawFit.gof_pvalue", "seed"): {"huge"},
    ("topologies.generate", "seed"): {"huge"},
    ("topologies.random", "seed"): {"huge"},
    ("topologies.random_fixed_indegree", "seed"): {"huge"},
    ("topologies.small_world", "seed"): {"huge"},
    ("topologies.scale_free", "seed"): {"huge"},
    ("topologies.scale_free_chung_lu", "seed"): {"huge"},
    # paths: a valid relative path (the test runs in a temporary folder)
    ("netaval.Avalanches.write_graphml", "path"): {"text"},
    ("netaval.Run.save", "path"): {"text"},
    ("netaval.study.run", "out"): {"text"},
    **{(f"netaval.plot.{name}", "path"): {"text"} for name in (
        "ccdf", "hysteresis", "mean_size", "response_curve", "shape_collapse",
        "topology_comparison")},
    # free-form labels
    ("netaval.plot.ccdf", "quantity"): {"text"}, ("netaval.plot.ccdf", "unit"): {"text"},
    ("netaval.plot.ccdf", "title"): {"text"}, ("netaval.plot.mean_size", "unit"): {"text"},
    ("netaval.plot.mean_size", "title"): {"text"},
    ("netaval.plot.hysteresis", "parameter"): {"text"},
    ("netaval.plot.hysteresis", "unit"): {"text"},
    ("netaval.plot.response_curve", "unit"): {"text"},
    ("netaval.plot.shape_collapse", "unit"): {"text"},
    ("netaval.stats.PowerLawFit.plot", "quantity"): {"text"},
    ("netaval.stats.PowerLawFit.plot", "unit"): {"text"},
    ("netaval.stats.PowerLawFit.plot", "path"): {"text"},
    ("netaval.stats.MultistepRegression.plot", "unit"): {"text"},
    ("netaval.stats.MultistepRegression.fitted", "k"): {"2d"},  # lags, elementwise
}
#: callable -> further documented error classes (the message must still be a netaval one).
DOCUMENTED = {
    "netaval.Network": (MalformedNetworkError,),
    "netaval.Network.from_scipy": (MalformedNetworkError,),
    "netaval.Network.from_edges": (MalformedNetworkError,),
    "netaval.Network.from_networkx": (MalformedNetworkError,),
    "netaval.load": (CorruptFileError, FileNotFoundError),
    "netaval.simulate": (MalformedNetworkError,),
    "netaval.analyse": (CorruptFileError, FileNotFoundError),  # source / units name a file
    "netaval.Avalanches.from_dataset": (CorruptFileError, FileNotFoundError),
    "netaval.Events.check_invariants": (InvariantError,),  # a valid delay the events break
    "netaval.io.read_network": (CorruptFileError, FileNotFoundError, MalformedNetworkError),
    "netaval.io.read_spikes": (CorruptFileError, FileNotFoundError),
    **{f"netaval.io.dataset.{name}": (CorruptFileError, FileNotFoundError) for name in (
        "read_manifest", "iter_chunks", "read_events", "summarise", "load_dataset")},
}


def _cases():
    cases = []
    for qualname, func in public_callables():
        if qualname not in SKIP:
            cases.append(pytest.param(qualname, func, id=qualname))
    return cases


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory):
    return Fixtures(tmp_path_factory.mktemp("params"))


@pytest.fixture(autouse=True)
def _in_a_temporary_folder(tmp_path, monkeypatch):
    """A relative path accepted as valid (``"__invalid__"``) lands in a temporary folder."""
    monkeypatch.chdir(tmp_path)


class _Timeout(Exception):
    pass


def _call(func, args, kwargs, seconds=20):
    """Call with an alarm so a Python-level hang fails instead of stalling the suite."""
    def alarm(signum, frame):
        raise _Timeout(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return func(*args, **kwargs)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        if "matplotlib.pyplot" in sys.modules:  # figures of netaval.plot and .plot methods
            sys.modules["matplotlib.pyplot"].close("all")


def _parameters(func, method):
    params = list(inspect.signature(func).parameters.values())
    if method:
        params = params[1:]  # self
    return [p for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _bind(func, method, args, kwargs, name, value):
    """args/kwargs of the valid call with parameter ``name`` replaced by ``value``."""
    params = [p.name for p in inspect.signature(func).parameters.values()]
    args = list(args)
    if name in kwargs or name not in params[:len(args)]:
        return args, {**kwargs, name: value}
    args[params.index(name)] = value
    return args, kwargs


def function_name(qualname):
    """The name a message must mention: the function, class or method (``Class.method``
    for a method; a constructor ``Class.from_x`` may say ``from_x``)."""
    parts = qualname.split(".")
    return parts[-1]


def check_callable(qualname, func, fixtures):
    """Return the list of failures ("param=value: what happened") for one callable."""
    calls = valid_calls(fixtures)
    assert qualname in calls, (f"{qualname} is public but has no valid example: add one to "
                               "VALID (or a reason to SKIP)")
    method = is_method(qualname, func)
    args, kwargs = calls[qualname]
    # the valid call works (so a refusal below is the value's); no alarm: it compiles the
    # kernels, and an alarm interrupting numba's compiler leaves it broken for the session
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        func(*args, **kwargs)
    documented = (InvalidParameterError, *DOCUMENTED.get(qualname, ()))
    failures = []
    for param in _parameters(func, method):
        for label, value in {**INVALID, **EDGE}.items():
            if label in ACCEPTS.get((qualname, param.name), ()):
                continue
            call_args, call_kwargs = _bind(func, method, args, kwargs, param.name, value)
            try:
                _call(func, call_args, call_kwargs)
            except documented as exc:
                # an edge value may be refused by a later rule that names the problem
                # rather than the parameter (e.g. "no data inside the support")
                if isinstance(exc, InvalidParameterError) and label in INVALID:
                    for what in (param.name, function_name(qualname)):
                        if what not in str(exc):
                            failures.append(f"{param.name}={label}: the message does not "
                                            f"name {what!r}: {str(exc)[:120]}")
            except NetavalError as exc:
                failures.append(f"{param.name}={label}: undocumented "
                                f"{type(exc).__name__}: {str(exc)[:120]}")
            except Exception as exc:
                failures.append(f"{param.name}={label}: foreign {type(exc).__name__}: "
                                f"{str(exc)[:120]}")
            else:
                if label in INVALID:
                    failures.append(f"{param.name}={label}: accepted silently")
    return failures


@pytest.mark.parametrize(("qualname", "func"), _cases())
def test_invalid_values_are_refused_naming_the_parameter(qualname, func, fixtures):
    """Each generated invalid value raises the documented netaval error naming the
    parameter and the function."""
    failures = check_callable(qualname, func, fixtures)
    assert not failures, f"{qualname}:\n  " + "\n  ".join(failures)


def test_every_public_callable_is_covered(fixtures):
    """A public callable is tested, or skipped with a reason: nothing falls through."""
    calls = valid_calls(fixtures)
    for qualname, _ in public_callables():
        if qualname in SKIP:
            continue
        assert qualname in calls, f"{qualname}: add a valid example to valid_calls or SKIP it"


def test_the_checker_can_fail(fixtures):
    """A function accepting anything, or raising a foreign error, is reported."""
    def silent(x=1):
        return x

    def foreign(x=1):
        return x if x == 1 else [][0]  # IndexError for anything but the valid value

    for func in (silent, foreign):
        name = f"netaval.fake_{func.__name__}"
        calls = valid_calls(fixtures)
        calls[name] = ((), {})
        original = globals()["valid_calls"]
        globals()["valid_calls"] = lambda f, calls=calls: calls
        try:
            assert check_callable(name, func, fixtures)
        finally:
            globals()["valid_calls"] = original
