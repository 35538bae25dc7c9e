"""The ``netaval`` command: simulate, summarise saved runs, export avalanches as GraphML.

Examples (shell)::

    netaval run --topology random --param k=10 --model branching --param sigma=1.0 \\
        --param drive=0.001 --n-nodes 10000 --n-steps 10000 --seed 1 --out run.parquet
    netaval run --network connectome.graphml --model branching --param sigma=1.0 \\
        --param normalization=spectral --param drive=0.001 --n-steps 10000 --out mine.parquet
    netaval info run.parquet
    netaval export run.parquet --largest 10 -o largest/      # one file per avalanche
    netaval export run.parquet --avalanche 42 -o a42.graphml
    netaval topologies
    netaval models
    netaval study run studies/topology_comparison/study.toml --workers 2
    netaval study status studies/topology_comparison/results/small
    netaval study report studies/topology_comparison/results/small

Errors print one line ``netaval: error: ...`` on stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

__all__ = ["main", "parse_value", "summary"]

PROG = "netaval"


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{PROG}: error: {message} (see '{self.prog} --help')\n")


def parse_value(text: str) -> Any:
    """Parse a ``key=value`` value: bool, None, int, float, or else the string itself.

    Parameters
    ----------
    text : str

    Returns
    -------
    bool, None, int, float or str

    Examples
    --------
    >>> from netaval.cli import parse_value
    >>> [parse_value(v) for v in ["3", "0.5", "1e-3", "true", "False", "none", "out_degree"]]
    [3, 0.5, 0.001, True, False, None, 'out_degree']
    """
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _count(text: str) -> int:
    """argparse type of counts: an integer, also written as an integral float (``1e4``)."""
    value = parse_value(text)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise argparse.ArgumentTypeError(f"expected an integer (e.g. 10000 or 1e4), got {text!r}")
    return value


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings of a command: one line, without the library's source file and line."""
    print(f"{PROG}: warning: {' '.join(str(message).split())}", file=sys.stderr)


class _OwnerAction(argparse.Action):
    """``--topology`` / ``--model``: store the name and make it the owner of later --param."""

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, values)
        namespace._param_owner = self.dest


class _ParamAction(argparse.Action):
    """``--param key=value``: a parameter of the preceding --topology or --model."""

    def __call__(self, parser, namespace, values, option_string=None):
        owner = getattr(namespace, "_param_owner", None)
        if owner is None:
            parser.error(f"--param {values} must follow --topology NAME or --model NAME")
        key, sep, value = values.partition("=")
        if not sep or not key.strip():
            parser.error(f"--param expects key=value, got {values!r}")
        params = getattr(namespace, f"{owner}_params")
        if key.strip() in params:
            parser.error(f"--param {key.strip()} given twice for the {owner}")
        params[key.strip()] = parse_value(value)


def _build_parser() -> argparse.ArgumentParser:
    from netaval import __version__

    parser = _Parser(prog=PROG, description="Simulate and analyse neural avalanches on "
                     "networks, with the causal truth of every spike.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    run = sub.add_parser(
        "run", help="simulate a model on a generated network or a network file, save the run",
        description="Build a network (--topology NAME --n-nodes N) or read one (--network "
                    "FILE), simulate a model on it, save the run (Parquet) and print a "
                    "summary. --param key=value after --topology belongs to the "
                    "topology, after --model to the model; values parse as int, float, "
                    "true/false, none, or text.")
    run.set_defaults(topology_params={}, model_params={}, _param_owner=None)
    source = run.add_mutually_exclusive_group(required=True)
    source.add_argument("--topology", action=_OwnerAction, metavar="NAME",
                        help="topology generator (see 'netaval topologies')")
    source.add_argument("--network", metavar="FILE",
                        help="your network: GraphML, CSV/TSV/whitespace edge list, Matrix "
                             "Market (.mtx) or scipy .npz (see netaval.io.read_network); the "
                             "run stores it")
    run.add_argument("--model", required=True, action=_OwnerAction, metavar="NAME",
                     help="model (see 'netaval models')")
    run.add_argument("--param", action=_ParamAction, metavar="KEY=VALUE",
                     help="a parameter of the preceding --topology or --model (repeatable)")
    run.add_argument("--n-nodes", type=_count, metavar="N",
                     help="network size (with --topology)")
    run.add_argument("--protocol", default="driven", choices=["driven", "spreading", "isolated"],
                     help="simulation protocol (default: driven)")
    run.add_argument("--n-steps", type=_count, metavar="N", help="time steps (discrete models)")
    run.add_argument("--duration", type=float, metavar="T", help="duration (continuous models)")
    run.add_argument("--n-avalanches", type=_count, metavar="N",
                     help="avalanches to complete (protocol isolated)")
    run.add_argument("--initial", metavar="I,J,...",
                     help="neurons active at time 0 (protocol spreading)")
    run.add_argument("--max-events", type=_count, metavar="N", help="runaway cap on events")
    run.add_argument("--on-max-events", choices=["raise", "truncate"], default="raise",
                     help="at the cap: fail (raise, the default) or keep the run so far with "
                          "its unfinished avalanches flagged truncated (truncate)")
    run.add_argument("--seed", type=_count, metavar="S",
                     help="root seed; the network and the dynamics get independent seeds "
                          "derived from it (default: fresh entropy, printed)")
    run.add_argument("--out", "-o", required=True, metavar="PATH", help="output run file")
    run.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    run.add_argument("--include-network", action="store_true",
                     help="store the generated network in the run file (always done with "
                          "--network)")

    info = sub.add_parser("info", help="summarise a saved run",
                          description="Print the summary of a run saved by 'netaval run'.")
    info.add_argument("run", metavar="RUN", help="saved run (.parquet)")

    export = sub.add_parser(
        "export", help="export avalanche DAGs as GraphML",
        description="Write causal avalanche DAGs of a saved run as GraphML (portable to "
                    "Gephi, yEd, Cytoscape, igraph). With --largest N and -o naming a "
                    "directory (existing, or ending in '/'), one file per avalanche; "
                    "otherwise one file holding every selected DAG.")
    export.add_argument("run", metavar="RUN", help="saved run (.parquet)")
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument("--avalanche", type=int, metavar="K", help="avalanche id")
    which.add_argument("--largest", type=int, metavar="N", help="the N largest avalanches")
    export.add_argument("-o", "--out", required=True, metavar="PATH",
                        help="output .graphml file or directory")

    analyse = sub.add_parser(
        "analyse", help="the standard avalanche analysis of a spike file or a saved run",
        description="Time-binned avalanches of the pooled spikes: size and duration "
                    "exponents (discrete MLE, automatic xmin) with standard errors, bootstrap "
                    "GoF p and likelihood-ratio verdicts against exponential and log-normal "
                    "laws, <S>(T) and the crackling-noise check, MR / conventional / "
                    "Beggs-Plenz branching ratios; for a saved run the causal avalanches "
                    "beside them. SOURCE is a run saved by 'netaval run' or a spike file "
                    "(CSV/TSV, Parquet, NWB; see netaval.io.read_spikes). With --out, writes "
                    "analysis.csv and figures (CCDFs with fits, the MR regression).")
    analyse.add_argument("source", metavar="SOURCE", help="saved run or spike file")
    width = analyse.add_mutually_exclusive_group()
    width.add_argument("--bin-width", type=float, metavar="W",
                       help="bin width in the data's time unit (seconds or steps)")
    width.add_argument("--bin-multiple", type=float, metavar="M",
                       help="bin width as M times the mean inter-spike interval (default 1)")
    analyse.add_argument("--units", metavar="FILE",
                         help="analyse only the units listed in FILE (one id per line)")
    analyse.add_argument("--out", "-o", metavar="DIR", help="write analysis.csv and figures here")
    analyse.add_argument("--n-boot", type=_count, default=100, metavar="N",
                         help="bootstrap samples of the GoF p-values (default 100; 0: skip)")
    analyse.add_argument("--k-max", type=_count, default=40, metavar="K",
                         help="largest lag of the MR estimator (default 40)")
    analyse.add_argument("--seed", type=_count, default=0, metavar="S",
                         help="seed of the bootstrap (default 0)")

    sub.add_parser("topologies", help="list topology generators and their parameters",
                   description="List the registered topology generators.")
    from netaval.study._cli import add_study_parser

    add_study_parser(sub, _Parser)
    sub.add_parser("models", help="list models and their parameters",
                   description="List the registered models.")
    return parser


def summary(run: Any) -> str:
    """Human-readable summary of a run: events, avalanches, branching ratio, largest one.

    Parameters
    ----------
    run : Run

    Returns
    -------
    str

    Examples
    --------
    >>> from netaval.cli import summary
    >>> ev = netaval.Events(time=np.array([0, 1]), neuron=np.array([0, 1], np.int32),
    ...                     avalanche=np.array([0, 0], np.int32),
    ...                     generation=np.array([0, 1], np.int32),
    ...                     parent_indptr=np.array([0, 0, 1]),
    ...                     parent_ids=np.array([0], np.int32))
    >>> run = netaval.Run(ev, np.array([1, 1, 0]), None, {"topology": "random"}, 1,
    ...                   "driven", end_time=3)
    >>> print(summary(run).splitlines()[2])
    events: 2
    """
    import numpy as np

    av = run.avalanches
    net = run.network or {}
    clock = "steps" if av.time_step is not None else "time units"  # a streamed run: no events
    lines = [
        f"model: {run.model!r}",
        f"network: {net.get('topology')} {net.get('params', {})} "
        f"(n_nodes={net.get('n_nodes')}, n_edges={net.get('n_edges')})",
        f"events: {run.n_events}",
        f"protocol: {run.protocol}, ran {run.end_time:g} {clock} in {run.wall_time:.3g} s, "
        f"seed {run.seed}" + (" (stopped at max_events)" if run.truncated else ""),
        f"avalanches: {len(av)} ({int(av.truncated.sum())} truncated)",
    ]
    complete = int((~av.truncated).sum())
    ratio = av.branching_ratio()
    lines.append(f"branching ratio: {ratio:.4f} over {complete} complete avalanches"
                 if complete else "branching ratio: n/a (no complete avalanche)")
    if len(av):
        k = int(np.lexsort((av.ids, -av.size))[0])
        big = av[k]
        lines.append(f"largest avalanche: id {big.id}, size {big.size}, duration "
                     f"{big.duration:g}, depth {big.depth}, neurons {big.n_neurons}"
                     + (" (truncated)" if big.truncated else ""))
    else:
        lines.append("largest avalanche: none")
    return "\n".join(lines)


def _describe_fields(cls: type) -> str:
    """The parameters of a model class: required ones marked, defaults shown."""
    return ", ".join(
        f.name + (" (required)" if f.default is dataclasses.MISSING else f"={f.default!r}")
        for f in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else "no parameters"


def _make_model(name: str, params: dict[str, Any]) -> Any:
    """The model ``name`` built from ``--param`` values; wrong names list the valid ones."""
    import netaval
    from netaval.errors import InvalidParameterError

    cls = netaval.models.get(name)
    if dataclasses.is_dataclass(cls):
        fields = dataclasses.fields(cls)
        unknown = sorted(set(params) - {f.name for f in fields})
        missing = [f.name for f in fields if f.default is dataclasses.MISSING
                   and f.default_factory is dataclasses.MISSING and f.name not in params]
        if unknown or missing:
            problem = (f"got unexpected parameter(s) {unknown}" if unknown
                       else f"is missing required parameter(s) {missing}")
            raise InvalidParameterError(f"model {name!r} ({cls.__name__}) {problem}; its "
                                        f"parameters are {_describe_fields(cls)}.")
    return cls(**params)


def _check_output_path(path: str, option: str) -> None:
    """Fail before any work when ``path`` cannot be written as a file: its folder must
    exist and take a new file, and it must not name a directory or another non-regular
    file (a device such as /dev/null)."""
    import stat
    import tempfile

    from netaval.errors import InvalidParameterError

    if not path or os.path.isdir(path) or path.endswith(("/", os.sep)):
        raise InvalidParameterError(f"{option} {path!r} names a directory; give a file name.")
    if os.path.lexists(path) and not (stat.S_ISREG(os.lstat(path).st_mode)
                                      or os.path.islink(path)):
        raise InvalidParameterError(f"{option} {path!r} is not a regular file (a device, "
                                    "FIFO or socket); give a file name.")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise InvalidParameterError(f"{option} {path!r}: the directory {folder!r} does not exist.")
    try:  # os.access says yes to root everywhere (/proc too)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".netaval-probe-")
    except OSError:
        raise InvalidParameterError(f"{option} {path!r}: the directory {folder!r} is not "
                                    "writable.") from None
    os.close(fd)
    os.unlink(probe)


def _command_run(args: argparse.Namespace) -> None:
    import numpy as np

    import netaval
    import topologies

    _check_output_path(args.out, "--out")
    if args.seed is not None and args.seed < 0:
        raise netaval.InvalidParameterError(f"--seed must be a non-negative integer. Got "
                                            f"{args.seed}.")
    seed = args.seed if args.seed is not None else int(np.random.SeedSequence().entropy
                                                        % 2**63)
    topology_seed, dynamics_seed = (int(s) for s in
                                    np.random.SeedSequence(seed).generate_state(2))
    if args.network is not None:
        if args.n_nodes is not None:
            raise netaval.InvalidParameterError("--n-nodes applies to --topology; the size of "
                                                f"--network {args.network!r} is in the file.")
        model = _make_model(args.model, args.model_params)
        network = netaval.io.read_network(args.network)
    else:
        if args.n_nodes is None:
            raise netaval.InvalidParameterError("--topology needs --n-nodes N.")
        topologies.get(args.topology)  # an unknown name fails first, then the model's params
        model = _make_model(args.model, args.model_params)
        network = topologies.generate(args.topology, args.n_nodes, seed=topology_seed,
                                      **args.topology_params)
    options = {name: getattr(args, name) for name in
               ("n_steps", "duration", "n_avalanches", "max_events")
               if getattr(args, name) is not None}
    options["on_max_events"] = args.on_max_events
    if args.initial is not None:
        try:
            options["initial"] = [int(i) for i in args.initial.split(",") if i.strip()]
        except ValueError:
            raise netaval.InvalidParameterError(
                f"--initial must be comma-separated neuron ids. Got {args.initial!r}.") from None
    try:
        run = netaval.simulate(network, model, protocol=args.protocol, seed=dynamics_seed,
                               progress=not args.no_progress, **options)
    except netaval.RunawayActivityError as exc:
        raise netaval.RunawayActivityError(
            f"{exc} On the command line: --max-events N or --on-max-events truncate.") from None
    run.save(args.out, include_network=args.include_network or args.network is not None)
    print(summary(run))
    print(f"seed: {seed} (" + ("" if args.network else f"network seed {topology_seed}, ")
          + f"dynamics seed {dynamics_seed})")
    print(f"saved: {args.out}")


def _command_info(args: argparse.Namespace) -> None:
    import netaval

    print(summary(netaval.load(args.run)))


def _command_export(args: argparse.Namespace) -> None:
    import netaval
    from netaval.io import write_graphml

    av = netaval.load(args.run).avalanches
    if args.avalanche is not None:
        if not 0 <= args.avalanche < len(av):
            raise netaval.InvalidParameterError(
                f"--avalanche must be an avalanche id in [0, {len(av)}). "
                f"Got {args.avalanche}.")
        write_graphml(av[args.avalanche], args.out)
        print(f"wrote avalanche {args.avalanche} (size {av.size[args.avalanche]}) "
              f"to {args.out}")
        return
    if args.largest < 1:
        raise netaval.InvalidParameterError(f"--largest must be at least 1. Got {args.largest}.")
    top = av.largest(args.largest)
    if os.path.isdir(args.out) or args.out.endswith(("/", os.sep)):
        os.makedirs(args.out, exist_ok=True)
        for k in range(len(top)):  # one file per avalanche: at most N files
            write_graphml(top[k], os.path.join(args.out, f"avalanche_{top.ids[k]}.graphml"))
        print(f"wrote {len(top)} avalanches (sizes {top.size.tolist()}) to {args.out}")
    else:
        write_graphml(top, args.out)
        print(f"wrote {len(top)} avalanches (sizes {top.size.tolist()}) to {args.out}")


def _command_analyse(args: argparse.Namespace) -> None:
    from netaval import _analyse
    from netaval.errors import InvalidParameterError

    for option, value in (("--bin-width", args.bin_width), ("--bin-multiple", args.bin_multiple)):
        if value is not None and not (value > 0 and value < float("inf")):
            raise InvalidParameterError(f"{option} must be a positive finite number. Got {value}.")
    if args.k_max < 1:
        raise InvalidParameterError(f"--k-max must be at least 1. Got {args.k_max}.")
    if args.out is not None:
        # a folder, created if need be: its parent must exist
        _check_output_path(os.path.join(args.out, "analysis.csv") if os.path.isdir(args.out)
                           else os.path.normpath(args.out), "--out")
    table, written, is_run = _analyse.run_analysis(
        args.source, bin_width=args.bin_width, bin_multiple=args.bin_multiple,
        units=args.units, n_boot=args.n_boot, k_max=args.k_max, out=args.out, seed=args.seed)
    print(f"source: {args.source}" + (" (saved run: causal avalanches beside the binned ones)"
                                       if is_run else ""))
    print(_analyse.format_table(table)[0])
    for path in written:
        print(f"wrote: {path}")


def _command_topologies(args: argparse.Namespace) -> None:
    import topologies

    for name in topologies.available():
        spec = topologies.get(name)
        example = " ".join(f"--param {k}={v!r}" for k, v in spec.example.items())
        print(f"{name}: {spec.description}\n    parameters: {topologies.describe_parameters(spec)}"
              + (f"\n    e.g. --topology {name} {example}" if example else ""))


def _command_models(args: argparse.Namespace) -> None:
    import netaval

    for name in netaval.models.available():
        cls = netaval.models.get(name)
        doc = (cls.__doc__ or "").strip().splitlines()
        print(f"{name}: {doc[0] if doc else cls.__name__}\n    parameters: {_describe_fields(cls)}")


def _command_study(args: argparse.Namespace) -> None:
    from netaval.study._cli import command_study

    command_study(args)


_COMMANDS = {"run": _command_run, "info": _command_info, "export": _command_export,
             "analyse": _command_analyse,
             "topologies": _command_topologies, "models": _command_models,
             "study": _command_study}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``netaval`` command; returns the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 on an error (one line on stderr), 130 when interrupted, 141
        (128 + SIGPIPE) when the reader of the output closed it (``netaval ... | head``).

    Examples
    --------
    >>> from netaval.cli import main
    >>> main(["models"])  # doctest: +ELLIPSIS
    branching: ...
    0
    """
    from netaval.errors import NetavalError

    args = _build_parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            _COMMANDS[args.command](args)
            sys.stdout.flush()  # a closed pipe (``netaval topologies | head``) surfaces here
    except BrokenPipeError:
        # the reader left: stop quietly, as ``head``'s writers do; nothing may flush again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except (NetavalError, OSError, ValueError, TypeError) as exc:
        text = (f"{exc.strerror}: {exc.filename!r}"  # not "[Errno 2] ..."
                if isinstance(exc, OSError) and exc.filename and exc.strerror else str(exc))
        message = " ".join(text.split())
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return 2
    except MemoryError as exc:  # sizes the up-front estimates let through
        detail = f" ({' '.join(str(exc).split())})" if str(exc) else ""
        print(f"{PROG}: error: out of memory{detail}; try a smaller network or run.",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    return 0
