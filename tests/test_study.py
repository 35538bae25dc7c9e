"""The study engine: identical results on every executor, resume after SIGKILL, refusals."""

import copy
import json
import math
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netaval.cli import main
from netaval.errors import CorruptFileError, InvalidParameterError, NetavalWarning
from netaval.study import analyses, load_results, load_study, report, run, status
from netaval.study._report import dynamic_range
from tests.isolated import run_isolated

#: A small study: 2 topologies x 2 sigmas x 2 replicates = 8 tasks of ~0.1 s.
SPEC = {
    "study": {"name": "tiny", "seed": 11},
    "grid": {"n_nodes": [256], "replicates": 2},
    "limits": {"n_steps": 1500},
    "topologies": [{"generator": "random", "params": {"k": 6.0}},
                   {"label": "lattice2d", "generator": "lattice",
                    "params": {"dim": 2, "radius": 1}}],
    "models": [{"label": "branching", "model": "branching", "params": {"drive": 2e-3},
                "sweep": {"sigma": [0.8, 1.0]}}],
    "analyses": [{"name": "causal_exponents", "label": "causal",
                  "params": {"n_boot": 5, "min_avalanches": 20}},
                 {"name": "binned", "label": "binned",
                  "params": {"subsample": "neurons", "n_sampled": 64, "n_boot": 5,
                             "min_avalanches": 20}},
                 {"name": "branching"}, {"name": "density"}],
    "report": {"figures": [{"kind": "topology_comparison", "name": "tau", "metric": "tau"},
                           {"kind": "ccdf", "name": "sizes"},
                           {"kind": "mean_size", "name": "mean_size"},
                           {"kind": "table", "name": "summary",
                            "columns": ["topology", "param.sigma", "causal.tau"]}]},
}


def _order_tasks():
    """2 sizes x 2 sigmas x 3 replicates on one topology, in grid order."""
    spec = copy.deepcopy(SPEC)
    spec["grid"]["n_nodes"] = [64, 256]
    spec["grid"]["replicates"] = 3
    spec["topologies"] = spec["topologies"][:1]
    return load_study(spec).tasks


_ORDER_TASKS = _order_tasks()


def _toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return repr(value)


def write_toml(spec, path):
    """Write a study dict as TOML (tables of scalars, arrays of tables of scalars/inline)."""
    lines = []
    for section, body in spec.items():
        if isinstance(body, list):
            for entry in body:
                lines.append(f"[[{section}]]")
                lines += [f"{k} = {_toml_value(v)}" for k, v in entry.items()]
        elif section == "report":
            for entry in body["figures"]:
                lines.append("[[report.figures]]")
                lines += [f"{k} = {_toml_value(v)}" for k, v in entry.items()]
        else:
            lines.append(f"[{section}]")
            lines += [f"{k} = {_toml_value(v)}" for k, v in body.items()]
    Path(path).write_text("\n".join(lines) + "\n")
    assert tomllib.loads(Path(path).read_text()) == spec
    return path


def netaval_command(*args, cwd=None, **kwargs):
    return subprocess.run([sys.executable, "-m", "netaval", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300, **kwargs)


@pytest.fixture(scope="module")
def serial_run(tmp_path_factory):
    """The reference: the tiny study run serially in this process."""
    out = tmp_path_factory.mktemp("serial")
    table = run(SPEC, out=out, executor="serial", progress=False)
    return out, table


def test_serial_run_is_complete(serial_run):
    """Every task has one row with its seed-determining columns and the analyses' columns."""
    out, table = serial_run
    assert table["task"].tolist() == list(range(8))
    assert set(table["topology"]) == {"random", "lattice2d"}
    assert table["param.sigma"].tolist() == [0.8, 0.8, 1.0, 1.0] * 2
    for column in ("causal.tau", "causal.tau_gof_p", "causal.tau_verdict",
                   "causal.tau_lr_lognormal", "binned.bin_width", "branching.sigma_causal",
                   "density.density"):
        assert column in table
    # whole steps for discrete time
    assert np.all(table["binned.bin_width"] == np.round(table["binned.bin_width"]))
    assert status(out).done == list(range(8)) and not status(out).failed
    pd.testing.assert_frame_equal(load_results(out), table, check_exact=True)


def test_replicates_differ_and_networks_are_shared(serial_run):
    """Replicates draw different runs; both models of one replicate share the network."""
    _, table = serial_run
    a, b = table.iloc[0], table.iloc[1]
    assert (a["replicate"], b["replicate"]) == (0, 1)
    assert a["n_events_total"] != b["n_events_total"]
    assert table.iloc[0]["n_edges"] == table.iloc[2]["n_edges"]  # sigma 0.8 and 1.0, rep 0


@pytest.mark.parametrize("workers", [1, 2])
def test_processes_identical_to_serial(serial_run, tmp_path, workers):
    """Worker processes give the serial table bit for bit, for 1 and 2 workers."""
    _, reference = serial_run
    table = run(SPEC, out=tmp_path, executor="processes", workers=workers, progress=False)
    pd.testing.assert_frame_equal(table, reference, check_exact=True)


def test_dask_cluster_end_to_end(serial_run, tmp_path):
    """A LocalCluster of 2 worker processes on loopback runs the study through the CLI."""
    distributed = pytest.importorskip("distributed")
    _, reference = serial_run
    study_file = write_toml(SPEC, tmp_path / "study.toml")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(Path(__file__).resolve().parents[1])] + sys.path))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        done = netaval_command("study", "run", study_file, "--out", tmp_path / "out",
                               "--executor", "dask", "--scheduler", cluster.scheduler_address,
                               "--no-progress", env=env)
    assert done.returncode == 0, done.stderr
    assert "8 done, 0 pending, 0 failed" in done.stdout
    pd.testing.assert_frame_equal(load_results(tmp_path / "out"), reference, check_exact=True)


def test_kill_and_resume(serial_run, tmp_path):
    """SIGKILL mid-study, rerun: no task twice, no row lost or duplicated, same table."""
    _, reference = serial_run
    study_file = write_toml(SPEC, tmp_path / "study.toml")
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-m", "netaval", "study", "run", str(study_file),
                                "--out", str(out), "--executor", "serial", "--no-progress"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = out / "results"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if results.is_dir() and len(list(results.glob("task-*.parquet"))) >= 2:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns)
                for p in results.glob("task-*.parquet")}
    assert 2 <= len(finished) < 8, "the kill should land mid-study"
    for path in finished:  # every stored result is complete
        assert len(pd.read_parquet(results / path)) == 1
    done = netaval_command("study", "run", study_file, "--out", out, "--executor", "serial",
                           "--no-progress")
    assert done.returncode == 0, done.stderr
    after = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns)
             for p in results.glob("task-*.parquet")}
    assert {k: after[k] for k in finished} == finished  # finished tasks were not rerun
    assert len(after) == 8
    assert not [p for p in results.iterdir() if not p.name.startswith("task-")]
    table = load_results(out)
    assert table["task"].tolist() == list(range(8))
    pd.testing.assert_frame_equal(table, reference, check_exact=True)  # uninterrupted run


def test_report_reproduces_run(serial_run, tmp_path):
    """`report` rewrites the tables and figures of `run` identically from stored results."""
    out, _ = serial_run
    files = sorted(p.relative_to(out) for sub in ("tables", "figures")
                   for p in (out / sub).iterdir())
    assert Path("figures/tau.png") in files and Path("figures/tau.csv") in files
    assert Path("figures/sizes_random.csv") in files
    before = {f: (out / f).read_bytes() for f in files if f.suffix == ".csv"}
    for f in files:
        (out / f).unlink()
    assert main(["study", "report", str(out)]) == 0
    for f, content in before.items():
        assert (out / f).read_bytes() == content
    assert all((out / f).is_file() for f in files)


def test_status_command(serial_run, capsys):
    """`netaval study status DIR` counts done, pending and failed tasks."""
    out, _ = serial_run
    assert main(["study", "status", str(out)]) == 0
    assert "8 done, 0 pending, 0 failed of 8 tasks" in capsys.readouterr().out


def test_failures_are_recorded_and_do_not_stop_others(tmp_path, capsys):
    """A task that raises is listed with its error; the others finish."""
    spec = copy.deepcopy(SPEC)
    spec["grid"] = {"n_nodes": [256], "replicates": 1}
    spec["topologies"] = [{"generator": "random", "params": {"k": 6.0}}]
    spec["models"] = [{"model": "branching", "params": {"drive": 2e-3},
                       "sweep": {"sigma": [0.8, 1.0]}}]
    spec["analyses"] = [{"name": "binned", "params": {"subsample": "neurons",
                                                      "n_sampled": 100000}}]
    table = run(spec, out=tmp_path, executor="serial", progress=True)
    assert table.empty
    state = status(tmp_path)
    assert state.failed == [0, 1] and state.done == [] and state.pending == []
    assert "n_sampled" in state.failures[0]["error"].splitlines()[0]
    assert "2 task(s) failed" in capsys.readouterr().err


# ------------------------------------------------------------------ refusals
def _refused(args, capsys):
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("netaval: error: ")
    return err


def _bad(path, mutate):
    spec = copy.deepcopy(SPEC)
    mutate(spec)
    return write_toml(spec, path)


@pytest.mark.parametrize(("mutate", "key"), [
    (lambda s: s["topologies"][0].update(generator="nope"), "topologies[0].generator"),
    (lambda s: s["models"][0].update(model="nope"), "models[0].model"),
    (lambda s: s["analyses"][0].update(name="nope"), "analyses[0].name"),
    (lambda s: s["models"][0]["params"].update(drive=2.0), "models[0].params"),
    (lambda s: s["models"][0]["sweep"].update(sigma=[]), "models[0].sweep.sigma"),
    (lambda s: s["topologies"][0]["params"].update(q=1), "topologies[0].params.q"),
    (lambda s: s["analyses"][1]["params"].update(bin_multiple=-1.0), "analyses[1].params"),
    (lambda s: s["grid"].update(n_nodes=[]), "grid.n_nodes"),
    (lambda s: s["study"].update(seed=-1), "study.seed"),
    (lambda s: s["study"].update(colour="red"), "study.colour"),
    (lambda s: s["limits"].pop("n_steps"), "models[0].limits.n_steps"),
    # constraints between a generator's parameters and n_nodes, caught before any task runs
    (lambda s: s["grid"].update(n_nodes=[255]), "topologies[1].params"),
    (lambda s: s["topologies"][0].update(generator="small_world", params={"k": 5, "p": 0.1}),
     "topologies[0].params"),
    (lambda s: s["topologies"][0].update(params={}), "topologies[0].params"),
], ids=["topology", "model", "analysis", "model-param", "empty-sweep", "topology-param",
        "analysis-param", "empty-grid", "seed", "unknown-key", "missing-limit",
        "non-square-lattice", "odd-ring-degree", "missing-topology-param"])
def test_invalid_study_refused_naming_the_key(tmp_path, capsys, mutate, key):
    """An invalid study is refused before anything runs, naming the key; nothing written."""
    study_file = _bad(tmp_path / "study.toml", mutate)
    err = _refused(["study", "run", str(study_file), "--out", str(tmp_path / "out")], capsys)
    assert f"'{key}'" in err
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "results").exists()


def test_malformed_file_refused(tmp_path, capsys):
    """A file that is not TOML is refused in one line, nothing written."""
    study_file = tmp_path / "study.toml"
    study_file.write_text("[study\nname = 'x'\n")
    err = _refused(["study", "run", str(study_file), "--out", str(tmp_path / "out")], capsys)
    assert "not valid TOML" in err
    assert sorted(os.listdir(tmp_path)) == ["study.toml"]


def test_changed_study_refused_then_restart(serial_run, tmp_path, capsys):
    """A changed study in an existing output folder is refused unless --restart."""
    out = tmp_path / "out"
    study_file = write_toml(SPEC, tmp_path / "study.toml")
    spec = copy.deepcopy(SPEC)
    spec["grid"]["replicates"] = 1
    spec["analyses"] = spec["analyses"][2:]
    run(spec, out=out, executor="serial", progress=False)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    err = _refused(["study", "run", str(study_file), "--out", str(out)], capsys)
    assert "different study" in err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert main(["study", "run", str(study_file), "--out", str(out), "--restart",
                 "--executor", "serial", "--no-progress"]) == 0
    pd.testing.assert_frame_equal(load_results(out), serial_run[1], check_exact=True)


def test_unwritable_output_refused(tmp_path, capsys):
    """An output folder that cannot be created is refused in one line, nothing written."""
    study_file = write_toml(SPEC, tmp_path / "study.toml")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    err = _refused(["study", "run", str(study_file), "--out", str(blocker / "out")], capsys)
    assert "not a folder" in err
    assert sorted(os.listdir(tmp_path)) == ["file", "study.toml"]
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    err = _refused(["study", "run", str(study_file), "--out", str(tmp_path / "dangling")],
                   capsys)
    assert "symbolic link" in err and "nowhere" in err
    assert sorted(os.listdir(tmp_path)) == ["dangling", "file", "study.toml"]
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        _refused(["study", "run", str(study_file), "--out", str(locked / "out")], capsys)
        assert os.listdir(locked) == []


def test_public_functions_validate(tmp_path):
    """Bad arguments to run / load_results / status / report raise InvalidParameterError."""
    with pytest.raises(InvalidParameterError, match="executor"):
        run(SPEC, out=tmp_path, executor="threads")
    with pytest.raises(InvalidParameterError, match="workers"):
        run(SPEC, out=tmp_path, workers=0)
    with pytest.raises(InvalidParameterError, match="scheduler"):
        run(SPEC, out=tmp_path, executor="serial", scheduler="tcp://x:1")
    for function in (load_results, status, report):
        with pytest.raises(InvalidParameterError, match="manifest"):
            function(tmp_path)
        with pytest.raises(InvalidParameterError, match="out_dir"):
            function(3)
    with pytest.raises(InvalidParameterError, match="path_or_spec"):
        load_study(3.5)
    assert not os.listdir(tmp_path)


def test_unreadable_study_files_name_load_study_and_the_file(tmp_path):
    """A missing file, bytes that are not UTF-8 and text that is not TOML each name the
    parameter, the function and the file; through run the error names run too."""
    missing, binary, broken = (tmp_path / name for name in ("none.toml", "b.toml", "c.toml"))
    binary.write_bytes(b"\xff\xfe[study]")
    broken.write_text("[study\nname = 1\n", encoding="utf-8")
    for path, what in ((missing, "cannot read study file"), (binary, "is not UTF-8 text"),
                       (broken, "is not valid TOML")):
        prefix = "The 'path_or_spec' parameter of load_study: "
        with pytest.raises(InvalidParameterError) as info:
            load_study(path)
        assert str(info.value).startswith(prefix)
        assert what in str(info.value) and str(path) in str(info.value)
        with pytest.raises(InvalidParameterError) as info:
            run(path, out=tmp_path / "out", workers=1, executor="serial")
        assert str(info.value).startswith("netaval.study.run: " + prefix)


# ------------------------------------------------------------------ schema and seeds
def test_grid_order_and_seeds_do_not_depend_on_execution():
    """Task i's streams depend only on (root seed, position): the same across expansions."""
    from netaval.study._tasks import _seed

    study = load_study(SPEC)
    assert [t.index for t in study.tasks] == list(range(8))
    assert [(t.topology["label"], t.model["params"]["sigma"], t.replicate)
            for t in study.tasks[:4]] == [("random", 0.8, 0), ("random", 0.8, 1),
                                          ("random", 1.0, 0), ("random", 1.0, 1)]
    again = load_study(copy.deepcopy(SPEC))
    assert study.hash == again.hash
    for a, b in zip(study.tasks, again.tasks, strict=True):
        assert _seed(a, 1, a.index).generate_state(4).tolist() == \
            _seed(b, 1, b.index).generate_state(4).tolist()
    states = {tuple(_seed(t, 1, t.index).generate_state(2)) for t in study.tasks}
    assert len(states) == 8


def test_sizes_and_sweep_ranges():
    """[sizes.NAME] overrides the grid and limits; linspace / geomspace sweeps expand."""
    spec = copy.deepcopy(SPEC)
    spec["sizes"] = {"small": {"n_nodes": 100}, "large": {"n_nodes": [400], "n_steps": 9}}
    spec["models"][0]["sweep"] = {"sigma": {"linspace": [0.5, 1.0, 3]}}
    spec["models"][0]["params"]["drive"] = 1e-3
    small = load_study(spec)
    assert small.size == "small" and {t.n_nodes for t in small.tasks} == {100}
    assert [t.model["params"]["sigma"] for t in small.tasks[::2]][:3] == [0.5, 0.75, 1.0]
    large = load_study(spec, size="large")
    assert {t.n_nodes for t in large.tasks} == {400}
    assert large.tasks[0].model["limits"]["n_steps"] == 9
    assert large.hash != small.hash
    with pytest.raises(InvalidParameterError, match="'sizes'"):
        load_study(spec, size="huge")


# ------------------------------------------------------------------ analyses
def test_binned_reports_merged_activity_instead_of_nan(tmp_path):
    """Bins wider than the gaps merge every spike: an explicit outcome, not a NaN row."""
    spec = copy.deepcopy(SPEC)
    spec["grid"] = {"n_nodes": [256], "replicates": 1}
    spec["topologies"] = [{"generator": "random", "params": {"k": 6.0}}]
    spec["models"] = [{"model": "branching", "params": {"sigma": 1.0, "drive": 0.02}}]
    spec["analyses"] = [{"name": "binned", "params": {"bin_multiple": 50.0}}]
    row = run(spec, out=tmp_path, executor="serial", progress=False).iloc[0]
    assert row["binned.outcome"] == analyses.NO_AVALANCHES_MERGED
    assert row["binned.n_avalanches"] == 0 and row["binned.n_truncated"] == 1
    assert row["binned.tau_verdict"].startswith("too few avalanches")


def test_verdict_rules():
    """A bare exponent never passes as a power law: GoF and LR verdicts decide."""
    from netaval.study.analyses import _verdict

    fine = {"exponential": (5.0, 0.01), "lognormal": (-0.5, 0.6)}
    assert _verdict(0.5, fine, 0.1, 0.1) == "power law"
    assert _verdict(0.05, fine, 0.1, 0.1).startswith("not a power law")
    assert _verdict(0.5, {"lognormal": (-3.0, 0.01)}, 0.1, 0.1) == \
        "lognormal favoured over power law"


def test_a_power_law_over_a_short_tail_is_inconclusive():
    """The tail's span is log10(max / xmin); a "power law" verdict over fewer than
    min_decades decades becomes inconclusive (the same rule as netaval analyse)."""
    from netaval.stats import sample_power_law
    from netaval.study.analyses import _FIT_DEFAULTS, _fit_columns

    values = sample_power_law(2000, alpha=2.5, xmin=1, seed=0)
    params = {**_FIT_DEFAULTS, "n_boot": 0}
    rng = np.random.default_rng(0)
    cols, _ = _fit_columns("tau", values, True, params, rng, xmin=1)
    decades = cols["tau_decades"]
    assert decades == math.log10(values.max()) and decades > 1
    assert cols["tau_verdict"] == "power law (GoF not computed)"
    strict, _ = _fit_columns("tau", values, True, {**params, "min_decades": decades + 0.01},
                             rng, xmin=1)
    assert strict["tau_verdict"] == ("inconclusive: power law (GoF not computed) over "
                                     f"{decades:.2g} decades only")
    assert strict["tau_decades"] == decades and strict["tau"] == cols["tau"]
    exact, _ = _fit_columns("tau", values, True, {**params, "min_decades": decades}, rng,
                            xmin=1)  # a span of exactly min_decades is enough
    assert exact["tau_verdict"] == "power law (GoF not computed)"
    few, _ = _fit_columns("tau", values[:10], True, params, rng)
    assert math.isnan(few["tau_decades"]) and few["tau_verdict"].startswith("too few")


def test_registry_refuses_duplicates_and_unknown_params():
    """Analyses plug in by name; a name is taken once; parameters are checked."""
    with pytest.raises(InvalidParameterError, match="already registered"):
        analyses.register("density", constraints={}, defaults={})(lambda context: {})
    with pytest.raises(InvalidParameterError, match="'bogus'"):
        analyses.get("density").validate({"bogus": 1})
    with pytest.raises(InvalidParameterError, match="must be one of"):
        analyses.get("nope")  # the message lists the known names


@pytest.mark.parametrize("name", analyses.available())
def test_every_analysis_parameter_refuses_invalid_values(name):
    """Each constraint of each registered analysis (e.g. min_decades) refuses the values it
    generates, naming the parameter and the analysis; the defaults pass."""
    from netaval._validation import invalid_values

    spec = analyses.get(name)
    spec.validate({})
    for param, constraint in spec.constraints.items():
        for bad in invalid_values(constraint):
            with pytest.raises(InvalidParameterError) as info:
                spec.validate({param: bad})
            assert f"'{param}'" in str(info.value) and f"analysis {name!r}" in str(info.value)


def test_dynamic_range_against_exact_curve():
    """Delta of F = h / (h + c) sampled densely matches the closed form."""
    c = 1e-2
    h = np.geomspace(1e-6, 1e2, 4001)
    f = h / (h + c)
    f0, fmax = f[0], f[-1]
    exact = {}
    for x in (0.1, 0.9):
        target = f0 + x * (fmax - f0)
        exact[x] = c * target / (1 - target)
    got = dynamic_range(h, f)
    # linear interpolation in log h on a grid of ratio r: relative error below log(r)^2
    tolerance = np.log(h[1] / h[0]) ** 2
    assert got["h_0.1"] == pytest.approx(exact[0.1], rel=tolerance)
    assert got["h_0.9"] == pytest.approx(exact[0.9], rel=tolerance)
    assert got["dynamic_range_db"] == pytest.approx(10 * np.log10(exact[0.9] / exact[0.1]),
                                                    abs=10 * tolerance)
    assert np.isnan(dynamic_range([1.0, 2.0], [0.3, 0.3])["dynamic_range_db"])
    with pytest.raises(InvalidParameterError):
        dynamic_range([0.0, 1.0], [0.1, 0.2])



@pytest.mark.parametrize("path", sorted((Path(__file__).resolve().parents[1] / "studies")
                                        .glob("*/study.toml")), ids=lambda p: p.parent.name)
def test_shipped_studies_validate_at_every_size(path):
    """Every shipped study file is valid at each of its sizes (nothing runs)."""
    sizes = tomllib.loads(path.read_text()).get("sizes", {})
    assert {"small", "large"} <= set(sizes)
    for size in sizes:
        study = load_study(path, size=size)
        assert study.tasks and study.size == size


def test_network_file_topology(tmp_path):
    """A topology read from a file; its content is part of the study's hash."""
    import scipy.sparse as sp

    import topologies

    network = topologies.generate("random", 200, k=5.0, seed=3)
    sp.save_npz(tmp_path / "net.npz", network.to_scipy())
    spec = copy.deepcopy(SPEC)
    spec["grid"] = {"n_nodes": [200], "replicates": 1}
    spec["topologies"] = [{"file": str(tmp_path / "net.npz"), "label": "connectome"}]
    spec["models"] = [{"model": "branching", "params": {"sigma": 0.9, "drive": 1e-3}}]
    spec["analyses"] = [{"name": "branching"}]
    row = run(spec, out=tmp_path / "out", executor="serial", progress=False).iloc[0]
    assert (row["topology"], row["n_edges"]) == ("connectome", network.n_edges)
    before = load_study(spec).hash
    sp.save_npz(tmp_path / "net.npz", topologies.generate("random", 200, k=5.0,
                                                          seed=4).to_scipy())
    assert load_study(spec).hash != before
    spec["topologies"][0]["file"] = str(tmp_path / "missing.npz")
    with pytest.raises(InvalidParameterError, match=r"'topologies\[0\].file'"):
        load_study(spec)


@pytest.mark.parametrize("method", ["forkserver", "spawn"])
def test_processes_pool_started_before_validation_is_stopped_on_refusal(tmp_path, method,
                                                                        monkeypatch):
    """The processes executor prepares its workers before validating (spawned ones, or the
    fork server); a refused study leaves no worker alive after the call and writes nothing."""
    import multiprocessing

    from netaval import _pool

    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} start method on this platform")
    monkeypatch.setattr(_pool, "START_METHOD", method)
    spec = copy.deepcopy(SPEC)
    spec["grid"]["n_nodes"] = [255]  # not a square: refused at validation
    with pytest.raises(InvalidParameterError, match="topologies\\[1\\].params"):
        run(spec, out=tmp_path / "out", executor="processes", workers=2, progress=False)
    assert multiprocessing.active_children() == []
    assert not (tmp_path / "out").exists()
    # nothing pending (a finished folder): the pool is stopped too, the table returned
    small = copy.deepcopy(SPEC)
    small["topologies"] = small["topologies"][:1]
    small["grid"]["replicates"] = 1
    first = run(small, out=tmp_path / "done", executor="processes", workers=2, progress=False)
    again = run(small, out=tmp_path / "done", executor="processes", workers=2, progress=False)
    pd.testing.assert_frame_equal(first, again, check_exact=True)
    assert len(first) == 2 and multiprocessing.active_children() == []


def test_concurrent_run_on_one_folder_refused(tmp_path):
    """A second run into a folder in use is refused while the first holds its lock."""
    from netaval.study._store import Store

    holder = Store(tmp_path)
    holder.lock()
    try:
        with pytest.raises(InvalidParameterError, match="in use"):
            run(SPEC, out=tmp_path, executor="serial", progress=False)
    finally:
        holder.unlock()
    assert not (tmp_path / "manifest.json").exists()


@pytest.mark.parametrize("method", ["forkserver", "spawn"])
def test_pool_spawns_no_more_workers_than_tasks_need(method):
    """On a many-core node a study with one pending task starts a handful of workers, not
    one per core: at most ``_PRESPAWN`` are spawned ahead (none with a fork server), the rest
    on demand per task."""
    import multiprocessing

    from netaval import _pool

    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} start method on this platform")
    pool = _pool.start_pool(64, method=method)
    try:
        assert pool.submit(int, "7").result(timeout=120) == 7
        ahead = _pool._PRESPAWN if method == "spawn" else 0
        assert 1 <= len(pool._processes) <= ahead + 1
    finally:
        _pool.stop_pool(pool, now=True)


@pytest.mark.parametrize("method", ["forkserver", "spawn"])
def test_workers_run_numerical_libraries_single_threaded(method):
    """Workers start with one thread per BLAS / OpenMP / numba pool (unless the caller set
    the variable), and with the task modules already imported."""
    import multiprocessing

    from netaval import _pool, _worker

    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} start method on this platform")
    pool = _pool.start_pool(1, method=method)
    try:
        for name in _worker.THREAD_VARIABLES:
            assert pool.submit(os.getenv, name).result(timeout=120) == os.environ.get(
                name, "1"), name
        assert pool.submit(_numba_threads).result(timeout=120) == int(
            os.environ.get("NUMBA_NUM_THREADS", "1"))
        assert pool.submit(_loaded, "topologies").result(timeout=120)
    finally:
        _pool.stop_pool(pool, now=True)


def _numba_threads():
    import numba

    return numba.config.NUMBA_NUM_THREADS


def _loaded(module):
    return module in sys.modules


def test_tasks_handed_out_largest_network_first():
    """Workers get the largest networks first, grid order among equal sizes."""
    from netaval.study._executors import largest_first

    spec = copy.deepcopy(SPEC)
    spec["grid"]["n_nodes"] = [64, 256]
    tasks = load_study(spec).tasks
    order = largest_first(tasks)
    assert sorted(t.index for t in order) == [t.index for t in tasks]
    assert [t.n_nodes for t in order] == sorted((t.n_nodes for t in tasks), reverse=True)
    for size in (64, 256):
        indices = [t.index for t in order if t.n_nodes == size]
        assert indices == sorted(indices)
    assert order[0].n_nodes == 256 and tasks[0].n_nodes == 64


def test_local_workers_get_the_longest_expected_tasks_first():
    """The order rule: one task of every unobserved grid point first (fewest handed out,
    then larger network, then grid order), then grid points by decreasing mean observed
    duration, ties in grid order; replicates of a grid point in grid order."""
    from netaval.study._schedule import LongestFirst, group_key

    tasks = _ORDER_TASKS
    groups = {}
    for task in tasks:
        groups.setdefault(group_key(task), []).append(task.index)
    assert list(groups.values()) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]]
    order = LongestFirst(tasks)
    first = [order.next().index for _ in range(5)]
    assert first == [6, 9, 0, 3, 7]  # 256 nodes before 64, then a second round
    order.observe(6, 2.0)  # 256 nodes, sigma 0.8
    order.observe(9, 3.0)  # 256 nodes, sigma 1.0: the longest
    order.observe(0, 0.5)
    assert order.next().index == 4  # group [3, 4, 5] is still unobserved
    order.observe(3, 2.0)  # as long as [6, 7, 8]: grid order breaks the tie
    rest = [order.next().index for _ in range(len(order))]
    assert rest == [10, 11, 5, 8, 1, 2]
    with pytest.raises(IndexError):
        order.next()


@given(st.lists(st.floats(0.0, 10.0), min_size=12, max_size=12), st.randoms())
@settings(max_examples=50, deadline=None)
def test_every_task_is_handed_out_once_in_grid_order_within_its_group(seconds, rng):
    """Whatever the durations and whenever they are observed, every task goes out exactly
    once, and the replicates of one grid point in grid order."""
    from netaval.study._schedule import LongestFirst, group_key

    order = LongestFirst(_ORDER_TASKS)
    handed, running = [], []
    while len(order) or running:
        if len(order) and (not running or rng.random() < 0.6):
            handed.append(order.next().index)
            running.append(handed[-1])
        else:
            done = running.pop(rng.randrange(len(running)))
            order.observe(done, seconds[done])
    assert sorted(handed) == [t.index for t in _ORDER_TASKS]
    by_group = {}
    for index in handed:
        by_group.setdefault(group_key(_ORDER_TASKS[index]), []).append(index)
    assert all(indices == sorted(indices) for indices in by_group.values())


def test_a_dead_worker_fails_each_remaining_task_once():
    """When a worker dies, its pool breaks: the tasks in flight fail with the pool's error,
    the ones not yet submitted fail at submission, each recorded once ("the worker died"),
    and the executor does not hang or stop early."""
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from netaval.study._executors import _processes

    class DyingPool:
        def __init__(self):
            self.submitted = 0

        def submit(self, function, task, warm_set):
            self.submitted += 1
            if self.submitted > 2:  # the pool is broken by now
                raise BrokenProcessPool("A child process terminated abruptly")
            future = Future()
            future.set_exception(BrokenProcessPool("A process in the pool was terminated"))
            return future

    outcomes = list(_processes(_ORDER_TASKS, _ORDER_TASKS, DyingPool(), workers=1))
    assert sorted(index for index, *_ in outcomes) == [t.index for t in _ORDER_TASKS]
    assert all(row is None and "BrokenProcessPool" in error and "the worker died" in error
               for _, row, _, error in outcomes)


def test_results_are_written_behind_the_next_task():
    """`WriteBehind` returns while a write runs, keeps one outstanding, re-raises its error."""
    import threading

    from netaval.study._store import WriteBehind

    class SlowStore:
        def __init__(self):
            self.release, self.written, self.threads = threading.Event(), [], set()

        def write_result(self, index, row, artefacts):
            self.threads.add(threading.get_ident())
            assert self.release.wait(10)
            if index == 2:
                raise OSError(28, "No space left on device")
            self.written.append(index)

        write_failure = write_result

    store = SlowStore()
    writer = WriteBehind(store)
    writer.result(0, {}, {})  # returns at once: the write waits for `release`
    assert store.written == []
    late = threading.Timer(0.2, store.release.set)
    late.start()
    writer.failure(1, {}, "error")  # waits for write 0 first: one outstanding at most
    assert store.written[:1] == [0]
    writer.result(2, {}, {})
    with pytest.raises(OSError, match="No space left"):
        writer.result(3, {}, {})  # the failed write 2 surfaces at the next hand-over
    writer.close()
    late.join()
    assert store.written == [0, 1]
    assert threading.get_ident() not in store.threads and len(store.threads) == 1


def test_result_modules_are_imported_before_the_tasks_start(tmp_path):
    """pyarrow and pandas (0.35 s of imports) load before the first task is handed out, while
    local workers still start, not at the first result, when they would take that time
    from a busy worker's core."""
    script = f"""
import sys
from netaval.study import _engine, run
loaded = []
def spy(*args, **kwargs):
    loaded.append([m for m in ("pandas", "pyarrow.parquet") if m in sys.modules])
    return real(*args, **kwargs)
real, _engine.iterate = _engine.iterate, spy
spec = {{"study": {{"name": "t", "seed": 1}}, "grid": {{"n_nodes": [64]}},
        "limits": {{"n_steps": 100}},
        "topologies": [{{"generator": "random", "params": {{"k": 4.0}}}}],
        "models": [{{"model": "branching", "params": {{"sigma": 0.5, "drive": 0.01}}}}],
        "analyses": [{{"name": "density"}}]}}
run(spec, out={str(tmp_path)!r}, executor="serial", progress=False)
print(loaded)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=300, check=True).stdout
    assert out.strip() == "[['pandas', 'pyarrow.parquet']]"


def test_calling_process_of_local_workers_loads_no_numba_or_scipy(tmp_path):
    """With the processes executor the calling process validates, writes and reads results
    while the fork server imports what tasks need: it must not also load numba or scipy
    (0.7 s of CPU taken from the server's core: the topology generators' kernels and
    `netaval.Network` at validation, every file format at the manifest's atomic write)."""
    spec = copy.deepcopy(SPEC)
    spec["grid"]["replicates"] = 1
    spec.pop("report")
    script = f"""
import sys
from netaval.study import run
table = run({spec!r}, out={str(tmp_path)!r}, workers=2, progress=False)
print(len(table), sorted(m for m in ("numba", "scipy", "netaval.network", "netaval.events")
                         if m in sys.modules))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=300, check=True).stdout
    assert out.strip() == "4 []"


def test_a_failing_write_stops_the_study_with_its_error(tmp_path, monkeypatch):
    """A write error (disk full) is not lost on the background thread: `run` raises it."""
    from netaval.study._store import Store

    def full(self, index, row, artefacts):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Store, "write_result", full)
    spec = copy.deepcopy(SPEC)
    spec["grid"] = {"n_nodes": [64], "replicates": 1}
    spec["analyses"] = [{"name": "density"}]
    with pytest.raises(OSError, match="No space left"):
        run(spec, out=tmp_path, executor="serial", progress=False)


def _copy_of(out, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    return copy


def test_a_truncated_result_file_is_not_done_and_is_recomputed(serial_run, tmp_path):
    """A result file cut short (a copy, a full disk) counts as pending, is named in a warning,
    and the next run computes that task again: the table equals the uninterrupted run's."""
    out, reference = serial_run
    copy = _copy_of(out, tmp_path)
    path = copy / "results" / "task-000003.parquet"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.warns(NetavalWarning, match="task-000003.parquet.*count as pending"):
        state = status(copy)
    assert 3 not in state.done and 3 in state.pending
    with pytest.warns(NetavalWarning, match="task-000003.parquet.*not in the table"):
        assert load_results(copy)["task"].tolist() == [0, 1, 2, 4, 5, 6, 7]
    untouched = {p.name: p.stat().st_mtime_ns for p in (copy / "results").iterdir()
                 if p.name != path.name}
    with pytest.warns(NetavalWarning, match="task-000003.parquet.*run again"):
        table = run(SPEC, out=copy, executor="serial", progress=False, report=False)
    pd.testing.assert_frame_equal(table, reference, check_exact=True)
    assert {p: (copy / "results" / p).stat().st_mtime_ns for p in untouched} == untouched
    assert path.read_bytes() == data  # same seed, same row, same file


@pytest.mark.parametrize("damage", ["garbage inside", "another task's row"])
def test_an_unreadable_result_file_is_named(serial_run, tmp_path, capsys, damage):
    """A result file that has Parquet's frame but not a readable row of its own task is a
    CorruptFileError naming the file (not pyarrow's message, not another task's row)."""
    out, _ = serial_run
    copy = _copy_of(out, tmp_path)
    path = copy / "results" / "task-000005.parquet"
    if damage == "garbage inside":
        data = bytearray(path.read_bytes())
        data[4:-8] = b"\xff" * (len(data) - 12)
        path.write_bytes(bytes(data))
    else:
        path.write_bytes((copy / "results" / "task-000002.parquet").read_bytes())
    with pytest.raises(CorruptFileError, match="task-000005.parquet"):
        load_results(copy)
    capsys.readouterr()
    assert main(["study", "report", str(copy)]) == 2
    assert "task-000005.parquet" in capsys.readouterr().err


@pytest.mark.parametrize("manifest, problem", [
    ([1, 2], "a JSON list, not an object"),
    ({"format": "other"}, "format 'other'"),
    ({"format": "netaval-study", "n_tasks": "8", "spec": {}}, "n_tasks '8'"),
    ({"format": "netaval-study", "n_tasks": 8}, "no study spec"),
])
def test_a_forged_manifest_is_named(serial_run, tmp_path, capsys, manifest, problem):
    """status, load_results and report refuse a manifest that is not one, naming it."""
    out, _ = serial_run
    copy = _copy_of(out, tmp_path)
    (copy / "manifest.json").write_text(json.dumps(manifest))
    for call in (status, load_results):
        with pytest.raises(CorruptFileError, match=rf"manifest.json .*{problem}"):
            call(copy)
    capsys.readouterr()
    assert main(["study", "report", str(copy)]) == 2
    assert "manifest.json" in capsys.readouterr().err


def test_forged_failure_and_artefact_files_are_named(serial_run, tmp_path):
    """A failure record that is not one, and an artefact file cut short, name their file."""
    out, _ = serial_run
    copy = _copy_of(out, tmp_path)
    (copy / "results" / "task-000001.parquet").unlink()
    (copy / "failures" / "task-000001.json").write_text("[]")
    with pytest.raises(CorruptFileError, match="task-000001.json"):
        status(copy)
    from netaval.study._store import Store

    artefact = next((copy / "artefacts").glob("task-*.npz"))
    artefact.write_bytes(artefact.read_bytes()[:100])
    index = int(artefact.stem.split("-")[1])
    with pytest.raises(CorruptFileError, match=artefact.name):
        Store(copy).artefacts(index)



def _refusals(calls, tmp_path):
    """The refusal of each call (Python expressions over ``SPEC`` and ``copy``), made in a
    fresh interpreter: on a FIFO, pyarrow's and the kernel's opens wait forever and no
    signal interrupts them."""
    code = f"""
        import json, warnings
        from pathlib import Path
        from netaval.study import load_results, load_study, run, status
        from netaval.study._store import Store
        warnings.simplefilter("ignore")
        SPEC = json.loads({json.dumps(json.dumps(SPEC))})
        copy = Path({str(tmp_path / "copy")!r})
        for call in {calls!r}:
            try:
                eval(call)
                print("returned")
            except Exception as exc:
                print(type(exc).__name__, str(exc).replace(chr(10), " "))
        """
    done = run_isolated(code, tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.splitlines()


def test_a_study_file_that_is_a_fifo_is_refused(tmp_path):
    """load_study and ``netaval study run`` on a FIFO waited for a writer forever."""
    os.mkfifo(tmp_path / "study.toml")
    message = ("The 'path_or_spec' parameter of load_study must name a regular file. Got "
               f"{str(tmp_path / 'study.toml')!r}, which is not one.")
    assert _refusals([f"load_study({str(tmp_path / 'study.toml')!r})"], tmp_path) == [
        f"InvalidParameterError {message}"]
    done = run_isolated(f"""
        from netaval.cli import main
        raise SystemExit(main(["study", "run", {str(tmp_path / 'study.toml')!r}]))
        """, tmp_path, timeout=120)
    assert done.returncode == 2 and message in done.stderr


RUN = 'run(SPEC, out=copy, executor="serial", progress=False, report=False)'


@pytest.mark.parametrize("name, calls", [
    ("manifest.json", ["status(copy)", "load_results(copy)", RUN]),
    ("results/task-000003.parquet", ["status(copy)", "load_results(copy)", RUN]),
    ("failures/task-000003.json", ["status(copy)", RUN]),
    ("artefacts/task-000003.npz", [RUN, "Store(copy).artefacts(3)"]),
])
@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_a_non_regular_file_in_a_study_folder_is_named(serial_run, tmp_path, name, calls,
                                                      kind):
    """A FIFO where the study folder has (or may have) a file blocked status, load_results
    and run forever (a folder: an IsADirectoryError, or the task silently pending); each
    reader is now a CorruptFileError naming it, and nothing is written."""
    out, _ = serial_run
    copy = _copy_of(out, tmp_path)
    path = copy / name
    path.unlink(missing_ok=True)
    (copy / "results" / "task-000003.parquet").unlink(missing_ok=True)
    os.mkfifo(path) if kind == "fifo" else path.mkdir()
    before = sorted(p.relative_to(copy) for p in copy.rglob("*"))
    message = (f"CorruptFileError {path} is not a regular file (a folder, FIFO, device or "
               "socket); netaval writes only regular files there: remove it.")
    assert _refusals(calls, tmp_path) == [message] * len(calls)
    assert sorted(p.relative_to(copy) for p in copy.rglob("*")) == before


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_a_lock_file_that_is_not_a_file_is_refused(tmp_path, kind):
    """Opening a FIFO .lock for writing waited for a reader forever."""
    lock = tmp_path / "copy" / ".lock"
    lock.parent.mkdir()
    os.mkfifo(lock) if kind == "fifo" else lock.mkdir()
    (refusal,) = _refusals([RUN], tmp_path)
    assert refusal.startswith(f"InvalidParameterError Output folder "
                              f"{lock.parent}: its lock file {lock} ")
    assert os.listdir(lock.parent) == [".lock"]
