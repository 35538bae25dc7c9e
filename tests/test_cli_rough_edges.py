"""The command line as a new user meets it, each rough edge of issue 12 through a subprocess."""

import subprocess
import sys

import pytest

import netaval


def netaval_command(*args, cwd, options=()):
    """Run ``python [OPTIONS] -m netaval ARGS`` and return the completed process."""
    return subprocess.run([sys.executable, *options, "-m", "netaval", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def run_args(*extra, model=("--model", "branching", "--param", "sigma=1.0", "--param", "drive=0.01"),
             out="run.parquet"):
    return ["run", "--topology", "random", "--param", "k=6", *model, "--n-nodes", "200",
            "--n-steps", "50", "--seed", "3", "--no-progress", "--out", out, *extra]


def one_error_line(done):
    """The single ``netaval: error:`` line of a failed command (exit status 2)."""
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("netaval: error: "), done.stderr
    return lines[0]


def imported_modules(done):
    """Top-level module names listed by ``python -X importtime``."""
    return {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines()
            if line.startswith("import time:")}


def test_version(tmp_path):
    """``netaval --version`` prints the package version."""
    done = netaval_command("--version", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.strip() == f"netaval {netaval.__version__}"


@pytest.mark.parametrize("args, heavy", [(["--help"], {"numba", "scipy", "pandas", "pyarrow"}),
                                         (["--version"], {"numba", "scipy", "pandas", "pyarrow"}),
                                         (["models"], {"numba", "scipy", "pandas", "pyarrow"})],
                         ids=["help", "version", "models"])
def test_listing_commands_import_nothing_heavy(tmp_path, args, heavy):
    """--help, --version and models answer without importing numba, scipy, pandas, pyarrow."""
    done = netaval_command(*args, cwd=tmp_path, options=["-X", "importtime"])
    assert done.returncode == 0, done.stderr
    modules = imported_modules(done)
    assert "netaval" in modules, "importtime output was parsed"
    assert not heavy & modules, f"{args} imported {sorted(heavy & modules)}"


def test_on_max_events(tmp_path):
    """The runaway error suggests --on-max-events truncate, and truncate keeps the run."""
    model = ("--model", "branching", "--param", "sigma=1.5", "--param", "normalization=spectral",
             "--param", "drive=0.01")
    args = run_args("--max-events", "500", model=model)
    message = one_error_line(netaval_command(*args, cwd=tmp_path))
    assert "max_events budget (500)" in message and "--on-max-events truncate" in message
    done = netaval_command(*args, "--on-max-events", "truncate", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    run = netaval.load(tmp_path / "run.parquet")
    assert run.truncated and run.events.n_events >= 500 and run.avalanches.truncated.any()
    assert "(stopped at max_events)" in done.stdout
    assert "invalid choice" in one_error_line(netaval_command(*args, "--on-max-events", "drop",
                                                              cwd=tmp_path))


@pytest.mark.parametrize("args, expected", [
    (run_args(model=("--model", "branching", "--param", "sigm=1")),
     ["unexpected parameter(s) ['sigm']", "sigma (required)", "normalization='out_degree'",
      "refractory=1", "drive=0.0"]),
    (run_args(model=("--model", "contact_process")),
     ["missing required parameter(s) ['rate']", "rate (required), drive=0.0"]),
    (["run", "--topology", "small_world", "--param", "k=4", "--model", "branching", "--param",
      "sigma=1", "--n-nodes", "100", "--n-steps", "5", "--out", "x.parquet"],
     ["topologies.small_world is missing required parameter(s) ['p']",
      "k (required), p (required), directed=False"]),
    (["run", "--topology", "random", "--param", "kk=4", "--model", "branching", "--param",
      "sigma=1", "--n-nodes", "100", "--n-steps", "5", "--out", "x.parquet"],
     ["unexpected parameter(s) ['kk']", "k (required), directed=True"]),
], ids=["unknown-model-param", "missing-model-param", "missing-topology-param",
        "unknown-topology-param"])
def test_parameter_errors_list_the_valid_parameters(tmp_path, args, expected):
    """Unknown or missing --param names give one line listing the valid parameters."""
    message = one_error_line(netaval_command(*args, cwd=tmp_path))
    assert "keyword argument" not in message
    for text in expected:
        assert text in message


def test_topologies_mark_required_parameters(tmp_path):
    """``netaval topologies`` lists every generator's parameters, required ones marked."""
    done = netaval_command("topologies", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    random = lines[lines.index(next(line for line in lines if line.startswith("random:"))) + 1]
    assert random.strip() == "parameters: k (required), directed=True"
    assert "parameters: dim=2, radius=1, periodic=True" in done.stdout  # lattice: none required


def test_sigma_above_smallest_out_degree_suggests_spectral(tmp_path):
    """sigma > the smallest out-degree is refused with normalization='spectral' suggested."""
    args = run_args(model=("--model", "branching", "--param", "sigma=2", "--param", "drive=0.01"))
    args[args.index("k=6")] = "k=2"
    message = one_error_line(netaval_command(*args, cwd=tmp_path))
    assert "smallest non-zero out-degree" in message and "normalization='spectral'" in message


def test_warnings_without_source_location(tmp_path):
    """A library warning prints as one ``netaval: warning:`` line, no file name or line number."""
    done = netaval_command(*run_args(model=("--model", "branching", "--param", "sigma=1")),
                           cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines == [line for line in lines if line.startswith("netaval: warning: ")] and lines
    assert "drive=0" in lines[0] and ".py" not in done.stderr and "warnings.warn" not in done.stderr


def test_out_in_missing_directory_fails_before_simulating(tmp_path):
    """--out in a directory that does not exist fails at once: no network, no progress bar."""
    args = run_args(out=tmp_path / "missing" / "run.parquet")
    args.remove("--no-progress")
    args[args.index("--n-steps") + 1] = "1e9"
    done = netaval_command(*args, cwd=tmp_path)
    message = one_error_line(done)
    assert "does not exist" in message and str(tmp_path / "missing") in message
    assert "simulate" not in done.stderr.replace(message, "") and done.stdout == ""


@pytest.mark.parametrize("out", ["folder", "folder/", "new/"], ids=["existing-dir", "dir-slash", "new-dir-slash"])
def test_out_naming_a_directory_fails_before_simulating(tmp_path, out):
    """--out naming a directory (an existing one, or a path ending in '/') fails at once:
    the run used to be simulated in full, then lost at the save (IsADirectoryError)."""
    (tmp_path / "folder").mkdir()
    args = run_args(out=out)
    args.remove("--no-progress")
    args[args.index("--n-steps") + 1] = "1e9"
    done = netaval_command(*args, cwd=tmp_path)
    message = one_error_line(done)
    assert "--out" in message and "directory" in message and out in message
    assert "simulate" not in done.stderr.replace(message, "") and done.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder"]


def test_counts_accept_integral_floats(tmp_path):
    """--n-nodes 1e3 (and other counts) are accepted when integral; 1.5e2 is; 2.5 is not."""
    args = run_args()
    args[args.index("--n-nodes") + 1] = "1e3"
    args[args.index("--n-steps") + 1] = "2.5e1"
    done = netaval_command(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    run = netaval.load(tmp_path / "run.parquet")
    assert run.network["n_nodes"] == 1000 and run.protocol_params["n_steps"] == 25
    args[args.index("--n-nodes") + 1] = "2.5"
    message = one_error_line(netaval_command(*args, cwd=tmp_path))
    assert "--n-nodes" in message and "expected an integer" in message


def test_closed_output_pipe_ends_quietly(tmp_path):
    """``netaval topologies | head -1``: when the reader closes the pipe first, the command
    stops with status 141 (128 + SIGPIPE) and no error or traceback on stderr."""
    process = subprocess.Popen([sys.executable, "-m", "netaval", "topologies"], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # before the interpreter has started: every write finds no reader
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=300) == 141 and stderr == "", stderr


def test_missing_file_is_named_without_errno(tmp_path):
    """A file that does not exist is named in plain words, without Python's [Errno 2]."""
    line = one_error_line(netaval_command("info", "missing.parquet", cwd=tmp_path))
    assert line == "netaval: error: No such file or directory: 'missing.parquet'"
