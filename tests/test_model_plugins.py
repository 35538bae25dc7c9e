"""Models as plug-ins: the README's example model, installed through a fake dist-info's
``netaval.models`` entry point, runs through simulate, continuation, the CLI and save/load."""

import math
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from stats import assert_within_z

import netaval
import topologies
from netaval.errors import InvalidParameterError, NetavalWarning
from netaval.models import _registry as registry

ROOT = Path(__file__).resolve().parents[1]
MODULE = "netaval_example_plugin"


def _readme_model() -> str:
    """The python block of the README's "Writing a model" section."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Writing a model"):]
    return re.search(r"```python\n(.*?)```", section, flags=re.DOTALL).group(1)


def _install(tmp_path: Path, module: str, source: str, entry: str) -> None:
    (tmp_path / f"{module}.py").write_text(source)
    dist = tmp_path / f"{module}-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(f"[netaval.models]\n{entry} = {module}\n")


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """The README model installed as a plug-in; the registry restored afterwards."""
    _install(tmp_path, MODULE, _readme_model(), "bond_percolation")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "_entry_points_loaded", False)
    try:
        assert "bond_percolation" in netaval.models.available()
        yield netaval.models.get("bond_percolation")
    finally:
        netaval.models.unregister("bond_percolation")
        sys.modules.pop(MODULE, None)


def test_readme_model_is_about_forty_lines():
    """The example stays short enough to read in the README."""
    assert len(_readme_model().splitlines()) <= 70


def test_plugin_runs_driven_with_valid_causal_record(plugin):
    """Driven run: events sorted, parents one step earlier on a synapse, roots numbered."""
    net = topologies.random(300, k=5, seed=1)
    run = netaval.simulate(net, plugin(p=0.15, drive=1e-3), n_steps=300, seed=1)
    run.events.check_invariants(net, delay=1)
    assert run.events.n_events > 100 and run.activity.sum() == run.events.n_events
    again = netaval.simulate(net, plugin(p=0.15, drive=1e-3), n_steps=300, seed=1)
    assert np.array_equal(again.events.neuron, run.events.neuron)  # same seed, same run
    assert set(run.alive_avalanches) <= set(run.events.avalanche[run.events.time == 299])


def test_plugin_sizes_are_geometric_on_a_ring(plugin):
    """Spreading on a directed ring: each seed's lineage is a chain that survives each step
    with probability p, so sizes are Geometric(1 - p): mean 1/(1-p), variance p/(1-p)^2."""
    n, p, spacing = 60_000, 0.6, 40
    nodes = np.arange(n)
    ring = netaval.Network.from_edges(nodes, (nodes + 1) % n, n_nodes=n)
    run = netaval.simulate(ring, plugin(p=p), protocol="spreading",
                           initial=np.arange(0, n, spacing), seed=5)
    run.events.check_invariants(ring, delay=1)
    sizes = run.avalanches.size
    assert len(sizes) == n // spacing and not run.avalanches.truncated.any()
    assert_within_z(sizes.mean(), 1 / (1 - p), math.sqrt(p / (1 - p) ** 2 / len(sizes)),
                    what="mean size")


def test_plugin_continues_from_its_final_state(plugin):
    """The final state's firings are the carried events of the next run."""
    net = topologies.random(300, k=5, seed=1)
    model = plugin(p=0.2, drive=1e-3)
    first = netaval.simulate(net, model, n_steps=100, seed=1)
    last_step = first.events.neuron[first.events.time == 99]
    assert np.array_equal(first.final_state.neuron, last_step)
    second = netaval.simulate(net, model, n_steps=100, seed=2, initial_state=first.final_state)
    k = first.final_state.n_active
    assert second.protocol_params["n_carried"] == k
    assert np.array_equal(second.events.neuron[:k], last_step)
    assert np.all(second.events.time[:k] == -1) and second.activity.sum() == (
        second.events.n_events - k)
    assert second.avalanches.truncated[:k].all()


def test_plugin_save_load_round_trips_parameters(plugin, tmp_path):
    """A saved run of a plug-in model loads with the model rebuilt from the registry."""
    net = topologies.random(200, k=5, seed=2)
    run = netaval.simulate(net, plugin(p=0.1), protocol="spreading", initial=[0, 7], seed=3)
    run.save(tmp_path / "run.parquet")
    loaded = netaval.load(tmp_path / "run.parquet")
    assert type(loaded.model) is plugin and loaded.model == plugin(p=0.1)
    assert np.array_equal(loaded.events.parent_ids, run.events.parent_ids)
    assert loaded.final_state is None  # states are not saved: continue from the live run


def test_plugin_runs_from_the_command_line(tmp_path):
    """``python -m netaval run --model bond_percolation`` finds the installed plug-in."""
    _install(tmp_path, MODULE, _readme_model(), "bond_percolation")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]))
    out = tmp_path / "run.parquet"
    done = subprocess.run(
        [sys.executable, "-m", "netaval", "run", "--topology", "random", "--param", "k=5",
         "--model", "bond_percolation", "--param", "p=0.15", "--param", "drive=0.001",
         "--n-nodes", "300", "--n-steps", "200", "--seed", "1", "--out", str(out),
         "--no-progress"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    listed = subprocess.run([sys.executable, "-m", "netaval", "models"], capture_output=True,
                            text=True, env=env, timeout=300)
    assert "bond_percolation" in listed.stdout
    code = (f"import netaval; run = netaval.load({str(out)!r}); "
            "print(type(run.model).__name__, run.model.p, run.events.n_events > 0)")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=300)
    assert loaded.stdout.split() == ["BondPercolation", "0.15", "True"], loaded.stderr


def test_broken_model_plugin_warns_and_is_skipped(tmp_path, monkeypatch):
    """A plug-in that fails to import, or registers nothing, warns; netaval keeps working."""
    _install(tmp_path, "broken_model_plugin", "raise ImportError('boom')\n", "broken")
    _install(tmp_path, "empty_model_plugin", "x = 1\n", "empty")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "_entry_points_loaded", False)
    try:
        with pytest.warns(NetavalWarning) as caught:
            names = netaval.models.available()
        messages = " ".join(str(w.message) for w in caught)
        assert "failed to load" in messages and "did not register" in messages
        assert "broken" not in names and "empty" not in names and "branching" in names
    finally:
        for module in ("broken_model_plugin", "empty_model_plugin"):
            sys.modules.pop(module, None)


def test_register_refuses_classes_outside_the_protocol():
    """register checks the engine protocol, naming what is missing."""
    source = textwrap.dedent("""
        import dataclasses
        @dataclasses.dataclass(frozen=True)
        class NoEngine:
            p: float
            continuous_time = False
    """)
    namespace = {}
    exec(source, namespace)
    with pytest.raises(InvalidParameterError, match="engine"):
        netaval.models.register("no_engine")(namespace["NoEngine"])
    with pytest.raises(InvalidParameterError, match="'name' parameter of netaval.models.register"):
        netaval.models.register("")
    assert "no_engine" not in netaval.models.available()


def test_simulate_refuses_a_non_model_and_a_bad_outcome():
    """simulate names 'model' for objects outside the protocol; an engine returning
    something that is not an Outcome is a TypeError naming the engine."""
    net = topologies.random(20, k=3, seed=1)
    with pytest.raises(InvalidParameterError, match="'model' parameter of simulate"):
        netaval.simulate(net, object(), n_steps=3)
    source = textwrap.dedent("""
        import dataclasses
        @dataclasses.dataclass(frozen=True)
        class Bad:
            drive: float = 0.1
            continuous_time = False
            def engine(self, task, recorder):
                return 42
    """)
    namespace = {}
    exec(source, namespace)
    with pytest.raises(TypeError, match="Bad.engine must return"):
        netaval.simulate(net, namespace["Bad"](), n_steps=3)


def test_plugin_runs_in_a_study(plugin, tmp_path):
    """A study names the plug-in model by its registry name, like a built-in one, and a
    sweep over its parameter raises the measured density."""
    from netaval import study

    spec = {"study": {"name": "plugin", "seed": 1}, "grid": {"n_nodes": [200]},
            "limits": {"n_steps": 400},
            "topologies": [{"generator": "random", "params": {"k": 5.0}}],
            "models": [{"model": "bond_percolation", "params": {"drive": 0.005},
                        "sweep": {"p": [0.02, 0.15]}}],
            "analyses": [{"name": "density"}]}
    table = study.run(spec, out=str(tmp_path / "study"), executor="serial", progress=False)
    assert table["param.p"].tolist() == [0.02, 0.15]
    low, high = table["density.density"].tolist()
    assert high > low > 0
