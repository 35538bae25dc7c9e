"""Generated bad values for every flag of every subcommand: one error line, exit status 2.

The options of each subcommand are read from the command's own argparse parser (so a new
flag is covered automatically). Starting from one valid command line per subcommand, each
option's value (or positional argument) is replaced in turn by each value of `BAD`. The
command must succeed (exit 0: the value is valid there) or fail with exit status 2 and
exactly one ``netaval: error:`` line (warnings aside), never a traceback. Values that no
numeric option accepts (`NOT_NUMBERS`) must be refused. The commands run in this process
through `netaval.cli.main` (with an alarm against hangs); `test_hostile_input` checks the
installed entry point in a subprocess.
"""

from __future__ import annotations

import argparse
import signal

import pytest

import netaval
from netaval.cli import _build_parser, main

#: Replacement values: non-numbers, non-finite and out-of-range numbers, empty text.
BAD = ["nan", "inf", "-inf", "-1", "0", "1.5", "1e999", "99999999999999999999", "abc", ""]
#: Values every option typed as a number must refuse.
NOT_NUMBERS = {"nan", "abc", ""}

STUDY_TOML = """\
[study]
name = "cli"
seed = 1
[grid]
n_nodes = [30]
[limits]
n_steps = 50
[[topologies]]
generator = "random"
params = { k = 3.0 }
[[models]]
model = "branching"
params = { drive = 0.01, sigma = 0.5 }
[[analyses]]
name = "density"
"""


@pytest.fixture(scope="module")
def valid(tmp_path_factory):
    """subcommand path -> one valid command line (its files made once)."""
    tmp = tmp_path_factory.mktemp("cli")
    net = netaval.simulate(__import__("topologies").random(60, k=4, seed=0),
                           netaval.Branching(sigma=1.0, drive=0.05), n_steps=80, seed=0)
    saved = str(tmp / "run.parquet")
    net.save(saved)
    study = tmp / "study.toml"
    study.write_text(STUDY_TOML)
    main(["study", "run", str(study), "--out", str(tmp / "study"), "--executor", "serial",
          "--no-progress"])
    return {
        ("run",): ["run", "--topology", "random", "--param", "k=4", "--model", "branching",
                   "--param", "sigma=1.0", "--param", "drive=0.01", "--n-nodes", "60",
                   "--n-steps", "30", "--seed", "3", "--no-progress", "--out", "r.parquet"],
        ("info",): ["info", saved],
        ("export",): ["export", saved, "--largest", "2", "-o", "x.graphml"],
        ("analyse",): ["analyse", saved, "--bin-width", "1", "--n-boot", "3", "--k-max", "5",
                       "-o", "analysis"],
        ("study", "run"): ["study", "run", str(study), "--out", "s", "--executor", "serial",
                           "--no-progress"],
        ("study", "status"): ["study", "status", str(tmp / "study")],
        ("study", "report"): ["study", "report", str(tmp / "study")],
    }


def _subcommands(parser, path=()):
    """(path of names, parser) of every leaf subcommand."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser
        return
    for name, child in subs[0].choices.items():
        yield from _subcommands(child, (*path, name))


def _value_actions(parser):
    """Actions that take a value: options (by their first flag) and positionals."""
    return [a for a in parser._actions
            if a.nargs != 0 and not isinstance(a, argparse._SubParsersAction | argparse._HelpAction
                                                  | argparse._VersionAction)]


def _with(argv, action, positionals, value):
    """``argv`` with ``action``'s value replaced by ``value`` (appended if absent)."""
    argv = list(argv)
    if not action.option_strings:
        argv[positionals[action.dest]] = value
        return argv
    for i, token in enumerate(argv):
        if token in action.option_strings:
            argv[i + 1] = value
            return argv
    return [*argv, action.option_strings[0], value]


def _positions(argv, path, parser):
    """dest -> index in ``argv`` of each positional argument of the subcommand."""
    start = len(path)
    values, skip = [], False
    options = {s: a for a in parser._actions for s in a.option_strings}
    for i, token in enumerate(argv[start:], start):
        if skip:
            skip = False
        elif token in options:
            skip = options[token].nargs != 0
        else:
            values.append(i)
    dests = [a.dest for a in _value_actions(parser) if not a.option_strings]
    return dict(zip(dests, values, strict=True))


def _outcome(argv, capsys, seconds=60):
    """(exit status, stderr lines) of ``netaval ARGV`` run in this process."""
    def alarm(signum, frame):
        raise TimeoutError(f"netaval {' '.join(argv)}: no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse's own errors
        status = exc.code
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return status, [line for line in capsys.readouterr().err.splitlines() if line.strip()]


def _numeric(action):
    return action.type in (int, float) or getattr(action.type, "__name__", "") == "_count"


def _cases():
    return [pytest.param(path, id=" ".join(path)) for path, _ in _subcommands(_build_parser())
            if path not in (("topologies",), ("models",))]  # listings take no values


def test_every_subcommand_with_values_has_a_valid_example(valid):
    """A new subcommand taking values must be added to `valid` (so it is generated)."""
    for path, parser in _subcommands(_build_parser()):
        if _value_actions(parser):
            assert path in valid, f"netaval {' '.join(path)}: add a valid command line"


@pytest.mark.parametrize("path", _cases())
def test_bad_values_give_one_error_line_and_exit_2(path, valid, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    parser = dict(_subcommands(_build_parser()))[path]
    argv = valid[path]
    assert _outcome(argv, capsys)[0] == 0, "the valid command line fails"
    positionals = _positions(argv, path, parser)
    failures = []
    variants = [(action, value, _with(argv, action, positionals, value))
                for action in _value_actions(parser) for value in BAD]
    for i, token in enumerate(argv):  # each --param KEY=VALUE gets each bad VALUE
        if token == "--param":
            key = argv[i + 1].partition("=")[0]
            variants += [(parser._option_string_actions["--param"], f"{key}={value}",
                          [*argv[:i + 1], f"{key}={value}", *argv[i + 2:]]) for value in BAD]
    for action, value, bad in variants:
        status, lines = _outcome(bad, capsys)
        errors = [line for line in lines if not line.startswith("netaval: warning: ")]
        name = action.option_strings[0] if action.option_strings else action.dest
        if status == 0:
            if _numeric(action) and value in NOT_NUMBERS:
                failures.append(f"{name} {value!r}: accepted")
        elif status != 2 or len(errors) != 1 or not errors[0].startswith("netaval: error: "):
            failures.append(f"{name} {value!r}: exit {status}, stderr {lines}")
    assert not failures, f"netaval {' '.join(path)}:\n  " + "\n  ".join(failures)


def test_argparse_errors_are_one_line_too(capsys):
    """argparse's own refusals (missing flag, bad choice) follow the same rule."""
    for argv in (["run"], ["run", "--protocol", "x"], ["export"]):
        status, lines = _outcome(argv, capsys)
        assert status == 2 and len(lines) == 1 and lines[0].startswith("netaval: error: "), \
            (argv, lines)
