"""Targeted mutant runner over mutmut 3 trampolines, inside one pytest session.

cd PROJECT_COPY; python run_mutants.py OUT_TSV NAMES_FILE TEST_FILE [TEST_FILE ...]

A pytest plugin replaces the run loop. Stats pass: every collected test once with
MUTANT_UNDER_TEST=stats, recording which mutated functions each test reached (mutmut's
trampoline hook) and its CPU time; all must pass. Then per mutant a forked child (imports,
collection and numba compilation inherited) runs, with MUTANT_UNDER_TEST=<name>, exactly the
tests that reached the mutated function, fastest first, stopping at the first failure
(like mutmut's `pytest -x`). Exit code per mutant: 0 survived, 1 killed (a test failed),
33 no test reaches the function, -24 CPU limit (timeout, counted killed as mutmut does),
other negative: killed by that signal. PROJECT_COPY is a copy of the repository whose
modules under test are replaced by `mutmut.mutation.file_mutation.mutate_file_contents(path,
source).code`; names are `mutmut.utils.format_utils.get_mutant_name(path, name)` for
`name in mutated.mutant_names`. Used by m3 (session 3) where `mutmut run` could not get CPU.
"""
import os
import resource
import sys
import time

os.environ["MUTANT_UNDER_TEST"] = "stats"
import pytest
from _pytest.outcomes import Skipped
from _pytest.runner import runtestprotocol
from mutmut.state import state
from mutmut.utils.format_utils import mangled_name_from_mutant_name

MAX = int(os.environ.get("RUNNER_CHILDREN", "2"))


def _raised(hook, item, **kwds):
    """Run one phase; True if it raised anything but a skip (no report is built: pytest's
    failure report reads the huge mutated source files, seconds per kill)."""
    try:
        hook(item=item, **kwds)
    except Skipped:
        return False
    except BaseException as exc:
        if os.environ.get("RUNNER_DEBUG"):
            os.write(3, f"{item.nodeid}: {type(exc).__name__}: {str(exc)[:300]}\n".encode())
        return True
    return False


def run_items(items):
    """Run items in order with correct fixture scoping; True at the first failure."""
    for j, item in enumerate(items):
        nextitem = items[j + 1] if j + 1 < len(items) else None
        ihook = item.ihook
        if hasattr(item, "_request") and not item._request:
            item._initrequest()  # runtestprotocol dropped it after the stats pass
        if _raised(ihook.pytest_runtest_setup, item) or _raised(ihook.pytest_runtest_call, item):
            return True
        if _raised(ihook.pytest_runtest_teardown, item, nextitem=nextitem):
            return True
    return False


class Runner:
    def __init__(self, out_file, names):
        self.out_file, self.names = out_file, names

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session):
        out_file, names = self.out_file, self.names
        done = set()
        if os.path.exists(out_file):
            done = {line.split("\t")[0] for line in open(out_file)}
        os.environ["MUTANT_UNDER_TEST"] = "stats"
        t0 = time.time()
        items = session.items
        hits, cpu, failed = {}, {}, []
        for j, item in enumerate(items):
            state()._stats.clear()
            t = time.process_time()
            reports = runtestprotocol(item, nextitem=items[j + 1] if j + 1 < len(items)
                                      else None, log=False)
            cpu[item] = time.process_time() - t
            hits[item] = set(state()._stats)
            if any(r.failed for r in reports):
                failed.append(item.nodeid)
        print(f"\nstats pass: {len(items)} tests, {time.time() - t0:.0f} s wall, "
              f"{sum(cpu.values()):.0f} s CPU", flush=True)
        if failed:
            print("FAILED in the clean pass:", failed, flush=True)
            return True
        by_function = {}
        for item in items:
            for function in hits[item]:
                by_function.setdefault(function, []).append(item)
        os.environ["MUTANT_UNDER_TEST"] = ""
        running = {}
        with open(out_file, "a") as out:
            def reap():
                pid, status, usage = os.wait4(-1, 0)
                name, t, n = running.pop(pid)
                out.write(f"{name}\t{os.waitstatus_to_exitcode(status)}\t"
                          f"{time.time() - t:.1f}\t{usage.ru_utime + usage.ru_stime:.2f}\t{n}\n")
                out.flush()

            for name in names:
                if name in done:
                    continue
                selected = by_function.get(mangled_name_from_mutant_name(name), [])
                if not selected:
                    out.write(f"{name}\t33\t0\t0\t0\n")
                    out.flush()
                    continue
                # fastest first, but keep a module's tests together (module fixtures)
                selected = sorted(selected, key=lambda it: cpu[it])
                while len(running) >= MAX:
                    reap()
                limit = int(10 + 5 * sum(cpu[it] for it in selected))
                pid = os.fork()
                if pid == 0:
                    fd = os.open(os.devnull, os.O_WRONLY)
                    os.dup2(fd, 1)
                    os.dup2(fd, 2)
                    os.environ["MUTANT_UNDER_TEST"] = name
                    resource.setrlimit(resource.RLIMIT_CPU, (limit, limit + 2))
                    try:
                        code = 1 if run_items(selected) else 0
                    except BaseException:
                        code = 99
                    os._exit(code)
                running[pid] = (name, time.time(), len(selected))
            while running:
                reap()
        print(f"done in {time.time() - t0:.0f} s", flush=True)
        return True


if __name__ == "__main__":
    out_file, names_file, *test_files = sys.argv[1:]
    names = [n.strip() for n in open(names_file) if n.strip()]
    sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "-p", "no:randomly", "--no-header",
                          *test_files], plugins=[Runner(out_file, names)]))
