"""``import netaval`` is lazy: public names resolve on first access, nothing heavy up front."""

import subprocess
import sys

import netaval


def test_exports_and_all_agree():
    """Every name in ``__all__`` is registered for lazy import, and nothing else is."""
    assert set(netaval.__all__) == set(netaval._EXPORTS) | netaval._SUBMODULES
    assert not set(netaval._EXPORTS) & netaval._SUBMODULES


def test_every_public_name_resolves_in_a_fresh_interpreter():
    """``from netaval import X`` and ``netaval.X`` give the same object for all of ``__all__``;
    importing the module ``netaval.simulate`` does not shadow the function ``netaval.simulate``."""
    code = ("import sys, types, netaval\n"
            "assert 'numba' not in sys.modules and 'scipy' not in sys.modules\n"
            "import netaval.simulate\n"
            "assert callable(netaval.simulate) and not isinstance(netaval.simulate, types.ModuleType)\n"
            "for name in netaval.__all__:\n"
            "    exec(f'from netaval import {name} as value')\n"
            "    assert value is getattr(netaval, name), name\n"
            "assert isinstance(netaval.models, types.ModuleType) and netaval.models.available()\n"
            "assert set(netaval.__all__) <= set(dir(netaval))\n"
            "print('ok')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout == "ok\n", done.stderr


def test_unknown_names_raise_attribute_error():
    """A misspelt name is an AttributeError (so hasattr and getattr defaults work)."""
    assert not hasattr(netaval, "simulat")
    assert getattr(netaval, "_private_thing", None) is None


def _modules_after(statement: str) -> set:
    code = f"import sys\n{statement}\nprint(' '.join(sorted(sys.modules)))\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_study_worker_preload_leaves_out_what_tasks_do_not_need():
    """The fork server of ``netaval study run`` imports `netaval._worker` before any worker
    starts, so everything it loads is on the critical path of every study: scipy.stats
    (0.3 s, a third of it), scipy.integrate, pandas, pyarrow, matplotlib and networkx are
    not needed by a task and must stay out."""
    modules = _modules_after("import netaval._worker")
    assert {"netaval.simulate", "netaval.study.analyses", "topologies", "numba"} <= modules
    heavy = {"scipy.stats", "scipy.integrate", "pandas", "pyarrow", "matplotlib",
             "networkx", "distributed"}
    assert not heavy & modules, sorted(heavy & modules)


def test_study_worker_loads_a_kernel_in_the_fork_server():
    """`netaval._worker` calls the CSR check kernel every task calls, so numba's registries
    (0.2 s at the first kernel of a process) load once in the fork server, not per worker."""
    code = ("import netaval._worker\n"
            "from netaval._kernels.network import _first_unsorted_row\n"
            "print(len(_first_unsorted_row.signatures))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0 and done.stdout == "1\n", done.stderr


def test_pool_module_imports_only_the_standard_library():
    """``netaval study run`` starts the fork server from `netaval._pool` before importing the
    engine, so that module must not pull numpy or the study package in."""
    modules = _modules_after("import netaval._pool")
    assert not {"numpy", "netaval.study", "scipy", "numba"} & modules


def test_command_line_parser_and_study_package_load_no_numpy():
    """Every ``netaval`` command builds the whole parser, ``study`` included, and ``netaval
    study run`` starts the fork server right after: neither may wait for numpy, the
    analyses or the engine (0.15-0.2 s), which `netaval.study` imports on first use."""
    modules = _modules_after("import netaval.cli, netaval.study\n"
                             "netaval.cli._build_parser().parse_args(['study', 'run', 'x'])")
    assert not {"numpy", "netaval.study._engine", "netaval.study.analyses"} & modules
    modules = _modules_after("from netaval.study import run, analyses")
    assert {"netaval.study._engine", "netaval.study.analyses"} <= modules


def test_validating_a_study_loads_neither_numba_nor_scipy():
    """`netaval.study.run` validates the study in the calling process while the fork server
    imports; the topology registry checks parameters without the generators' kernels
    (numba) or `netaval.Network` (scipy.sparse): 0.4 s less before the first task."""
    study = ('{"study": {"name": "s", "seed": 1}, "grid": {"n_nodes": [100]}, '
             '"limits": {"n_steps": 10}, "topologies": [{"generator": "random", "params": '
             '{"k": 4.0}}, {"generator": "lattice", "params": {"dim": 2}}, {"generator": '
             '"small_world", "params": {"k": 4, "p": 0.1}}, {"generator": "scale_free", "params": '
             '{"m": 2}}], "models": [{"model": "branching", "params": {"sigma": 1.0}}], '
             '"analyses": [{"name": "causal_exponents"}, {"name": "binned"}]}')
    modules = _modules_after(f"from netaval.study import load_study\nload_study({study})")
    assert {"topologies", "netaval.models"} <= modules
    assert not {"numba", "scipy", "netaval.network"} & modules
