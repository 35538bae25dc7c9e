"""``netaval study run | status | report``: the command-line face of `netaval.study`.

Only argparse at import time; the engine is imported inside the commands so that
``netaval --help`` stays fast.
"""

from __future__ import annotations

import argparse

__all__ = ["add_study_parser", "command_study"]


def add_study_parser(sub, parser_class: type) -> None:
    """Add the ``study`` command (``run``, ``status``, ``report``) to the subparsers ``sub``."""
    study = sub.add_parser(
        "study", help="run, resume and report studies (TOML grids of simulations)",
        description="Run a study (a TOML grid over topologies, sizes, models, parameters and "
                    "replicates; schema in studies/README.md), see its progress, or rebuild "
                    "its tables and figures from the stored results.")
    commands = study.add_subparsers(dest="study_command", metavar="SUBCOMMAND",
                                    parser_class=parser_class)
    commands.required = True
    run = commands.add_parser(
        "run", help="run or resume a study",
        description="Run every task of STUDY.toml, writing one result file per task into the "
                    "output folder; rerunning resumes (finished tasks are skipped). Prints the "
                    "results table's location, the report's files and any failed tasks.")
    run.add_argument("study", metavar="STUDY.toml", help="the study file")
    run.add_argument("--out", metavar="DIR",
                     help="output folder (default: <study folder>/results/<size>)")
    run.add_argument("--executor", default="processes", choices=["serial", "processes", "dask"],
                     help="where tasks run (default: processes, one per core)")
    run.add_argument("--workers", type=int, metavar="N",
                     help="worker processes (processes, or the local Dask cluster)")
    run.add_argument("--scheduler", metavar="ADDRESS",
                     help="Dask scheduler address (with --executor dask; default: a "
                          "LocalCluster)")
    run.add_argument("--size", metavar="NAME",
                     help="a [sizes.NAME] table of the study (default: its default size)")
    run.add_argument("--restart", action="store_true",
                     help="delete the results of a different study in --out and start over")
    run.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    status = commands.add_parser("status", help="done / pending / failed tasks of a study",
                                 description="Count done, pending and failed tasks in DIR.")
    status.add_argument("out", metavar="DIR", help="a study's output folder")
    report = commands.add_parser(
        "report", help="regenerate tables and figures from stored results",
        description="Write DIR/tables and DIR/figures from the stored results only (no "
                    "simulation).")
    report.add_argument("out", metavar="DIR", help="a study's output folder")


def _summary_table(table) -> str:
    """A compact view of the results: task columns and the main estimates."""
    import pandas as pd

    keep = [c for c in table.columns if c in ("topology", "n_nodes", "model", "replicate")
            or c.startswith("param.")
            or c.rsplit(".", 1)[-1] in ("tau", "tau_stderr", "tau_gof_p", "tau_verdict",
                                        "n_avalanches", "sigma_causal", "m_mr", "density",
                                        "f_ext", "bin_width", "outcome")]
    with pd.option_context("display.width", 250, "display.max_columns", 60,
                           "display.max_colwidth", 40, "display.float_format", "{:.4g}".format):
        return table[keep].to_string(index=False)


def command_study(args: argparse.Namespace) -> None:
    """Dispatch ``netaval study SUBCOMMAND``."""
    if args.study_command == "run" and args.executor == "processes":
        from netaval._pool import start_server

        start_server()  # first: the fork server's imports overlap the engine's, below
    from netaval import study

    if args.study_command == "run":
        from netaval.study._engine import default_out

        # the path, not a loaded Study: run starts its workers before validating
        table = study.run(args.study, out=args.out, executor=args.executor,
                          workers=args.workers, scheduler=args.scheduler,
                          progress=not args.no_progress, size=args.size, restart=args.restart)
        out = args.out if args.out is not None else default_out(
            study.load_study(args.study, size=args.size))
        state = study.status(out)
        if len(table):
            print(_summary_table(table))
        print(state)
        print(f"results: {out}/results (tables in {out}/tables, figures in {out}/figures)")
    elif args.study_command == "status":
        print(study.status(args.out))
    else:
        for path in study.report(args.out):
            print(f"wrote {path}")
