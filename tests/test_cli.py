"""Tests for the ``netaval`` command: end to end through subprocesses, parsing in-process."""

import os
import shutil
import subprocess
import sys

import igraph
import networkx as nx
import numpy as np
import pytest

import netaval
from netaval.cli import main, parse_value


def netaval_command(*args, cwd):
    """Run ``python -m netaval ARGS`` and return the completed process."""
    return subprocess.run([sys.executable, "-m", "netaval", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


RUN_ARGS = ["run", "--topology", "random", "--param", "k=6", "--model", "branching",
            "--param", "sigma=0.9", "--param", "drive=0.01", "--n-nodes", "300",
            "--n-steps", "200", "--seed", "5", "--out", "run.parquet"]


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory):
    """One end-to-end ``netaval run`` shared by the tests of this module."""
    folder = tmp_path_factory.mktemp("cli")
    done = netaval_command(*RUN_ARGS, cwd=folder)
    assert done.returncode == 0, done.stderr
    return folder, done


def test_run_end_to_end(saved_run):
    """``netaval run`` simulates, saves a loadable run and prints the summary."""
    folder, done = saved_run
    run = netaval.load(folder / "run.parquet")
    assert run.model == netaval.Branching(sigma=0.9, drive=0.01)
    assert run.network["topology"] == "random" and run.network["params"]["k"] == 6
    assert run.network["n_nodes"] == 300 and run.protocol_params["n_steps"] == 200
    for line in (f"events: {run.events.n_events}", f"avalanches: {len(run.avalanches)}",
                 "branching ratio: ", "largest avalanche: id ", "seed: 5"):
        assert line in done.stdout
    assert "simulate" in done.stderr, "a progress bar is shown on stderr"


def test_run_is_repeatable(saved_run, tmp_path, monkeypatch, capsys):
    """The same --seed gives the same events (in-process run, no progress bar)."""
    folder, _ = saved_run
    monkeypatch.chdir(tmp_path)
    assert main([*RUN_ARGS[:-1], "again.parquet", "--no-progress"]) == 0
    assert capsys.readouterr().err == ""
    a, b = netaval.load(folder / "run.parquet"), netaval.load(tmp_path / "again.parquet")
    assert np.array_equal(a.events.neuron, b.events.neuron)
    assert np.array_equal(a.events.parent_ids, b.events.parent_ids)


def test_info_and_export(saved_run, tmp_path, monkeypatch):
    """``info`` repeats the summary; ``export`` writes GraphML that networkx and igraph read."""
    folder, done = saved_run
    info = netaval_command("info", folder / "run.parquet", cwd=tmp_path)
    assert info.returncode == 0, info.stderr
    assert info.stdout.splitlines()[:7] == done.stdout.splitlines()[:7]
    av = netaval.load(folder / "run.parquet").avalanches
    top = av.largest(3)
    one = netaval_command("export", folder / "run.parquet", "--largest", "3", "-o",
                          "top.graphml", cwd=tmp_path)
    assert one.returncode == 0, one.stderr
    graph = nx.read_graphml(tmp_path / "top.graphml", node_type=int)
    assert graph.number_of_nodes() == top.size.sum()
    assert {d["avalanche"] for _, d in graph.nodes(data=True)} == set(top.ids.tolist())
    monkeypatch.chdir(tmp_path)
    assert main(["export", str(folder / "run.parquet"), "--largest", "3", "-o", "each/"]) == 0
    assert sorted(os.listdir(tmp_path / "each")) == sorted(
        f"avalanche_{k}.graphml" for k in top.ids)
    k = int(top.ids[0])
    assert main(["export", str(folder / "run.parquet"), "--avalanche", str(k), "-o",
                 "a.graphml"]) == 0
    g = igraph.Graph.Read_GraphML(str(tmp_path / "a.graphml"))
    assert g.vcount() == av.size[k] and g["depth"] == av.depth[k]
    dag = nx.read_graphml(tmp_path / "a.graphml", node_type=int)
    assert nx.dag_longest_path_length(dag) == av.depth[k]


@pytest.mark.parametrize("continuous", [False, True], ids=["branching", "contact"])
def test_info_of_a_streamed_run_summarises_it_like_the_saved_one(tmp_path, capsys, continuous):
    """``info DIR`` on a run streamed with ``out=`` (which `netaval.load` reads) prints the
    summary of the same run saved whole (was an AttributeError traceback: no events)."""
    net = netaval.Network.from_edges([0, 1, 2, 3, 0], [1, 2, 3, 0, 2], n_nodes=4)
    model, limit = ((netaval.ContactProcess(rate=0.9, drive=0.3), {"duration": 40.0})
                    if continuous else (netaval.Branching(sigma=0.8, drive=0.2),
                                        {"n_steps": 60}))
    whole = netaval.simulate(net, model, seed=4, **limit)
    whole.save(tmp_path / "run.parquet")
    netaval.simulate(net, model, seed=4, out=tmp_path / "streamed", **limit)
    assert main(["info", str(tmp_path / "run.parquet")]) == 0
    expected = capsys.readouterr().out.splitlines()
    assert main(["info", str(tmp_path / "streamed")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert whole.n_events > 0 and f"events: {whole.n_events}" in lines
    clock = "time units" if continuous else "steps"
    assert lines[3].startswith(f"protocol: driven, ran {whole.end_time:g} {clock} in ")
    assert lines[:3] + lines[4:] == expected[:3] + expected[4:]


@pytest.mark.parametrize("args, message", [
    (["info", "missing.parquet"], "No such file"),
    (["info", "bad.parquet"], "Cannot load a run"),
    (["export", "bad.parquet", "--largest", "2", "-o", "x.graphml"], "Cannot load a run"),
    (["run", "--param", "k=1", "--topology", "random", "--model", "branching", "--n-nodes",
      "5", "--n-steps", "2", "--out", "x"], "must follow --topology"),
    (["run", "--topology", "nope", "--model", "branching", "--n-nodes", "5", "--n-steps", "2",
      "--out", "x"], "Unknown topology 'nope'"),
    (["run", "--topology", "random", "--param", "k=2", "--model", "branching", "--param",
      "sigma=-1", "--n-nodes", "5", "--n-steps", "2", "--out", "x"], "'sigma' parameter"),
    (["export", "x", "-o", "y"], "one of the arguments --avalanche --largest is required"),
    (["frobnicate"], "invalid choice"),
], ids=["missing", "corrupt", "export-corrupt", "orphan-param", "unknown-topology",
        "bad-model-param", "export-needs-choice", "unknown-command"])
def test_errors_are_one_line_exit_2(tmp_path, monkeypatch, capsys, args, message):
    """Errors print one line on stderr, no traceback, and exit with status 2."""
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 garbage garbage PAR1")
    monkeypatch.chdir(tmp_path)
    try:
        status = main(args)
    except SystemExit as exit_:
        status = exit_.code
    err = capsys.readouterr().err
    assert status == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("netaval: error: ") and message in lines[0]
    assert "Traceback" not in err


def test_errors_through_subprocess(tmp_path):
    """The installed entry point also exits 2 with one line and no traceback."""
    done = netaval_command("info", "missing.parquet", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    executable = shutil.which("netaval")
    if executable is None:
        pytest.skip("the netaval console script is not on PATH")
    done = subprocess.run([executable, "info", "missing.parquet"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.startswith("netaval: error:")


def test_param_values_and_listings(capsys):
    """Values parse to int/float/bool/None/str; topologies and models are listed."""
    assert parse_value("10") == 10 and isinstance(parse_value("10"), int)
    assert parse_value("0.25") == 0.25 and parse_value("TRUE") is True
    assert parse_value("spectral") == "spectral" and parse_value("null") is None
    assert main(["topologies"]) == 0
    out = capsys.readouterr().out
    assert "random:" in out and "small_world:" in out
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "branching:" in out and "contact_process:" in out
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
