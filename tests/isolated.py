"""Run test code in a fresh interpreter, so that a crash or a hang (a FIFO opened by C code
that no signal interrupts) fails the test instead of the whole suite."""

import os
import subprocess
import sys
import textwrap


def run_isolated(code, tmp_path, timeout=300):
    """Run ``code`` (dedented) with ``python -c`` in ``tmp_path``, importing the netaval of
    the current working directory; returns the `subprocess.CompletedProcess` (text)."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": os.getcwd()})
