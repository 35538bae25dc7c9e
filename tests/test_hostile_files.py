"""Hostile and careless files, crafted through the real writers and then damaged (red team,
session 7): each either loads as what was saved or raises a netaval error naming what is
wrong; a case that once crashed the interpreter runs in a subprocess."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import scipy.sparse as sp

import netaval
from netaval.io import read_network


def run_isolated(code, tmp_path):
    """Run ``code`` in a fresh interpreter (a crash fails the test, not the suite)."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": os.getcwd()})


# ------------------------------------------------ networks: scipy .npz
FORGED_COMPRESSED = {  # arrays as scipy.sparse.save_npz writes them, the structure forged
    "indptr-not-monotone": dict(format=b"csr", data=[1.0], indices=[1], indptr=[0, 5, 1, 1]),
    "indptr-past-the-end": dict(format=b"csr", data=[1.0], indices=[1], indptr=[0, 1, 1, 9]),
    "index-out-of-range": dict(format=b"csr", data=[1.0], indices=[7], indptr=[0, 1, 1, 1]),
    "negative-index": dict(format=b"csc", data=[1.0], indices=[-2], indptr=[0, 1, 1, 1]),
    "csc-not-monotone": dict(format=b"csc", data=[1.0, 2.0], indices=[0, 1],
                             indptr=[0, 2, 0, 2]),
}


def test_forged_compressed_npz_never_crashes_the_interpreter(tmp_path):
    """A .npz whose CSR/CSC structure is forged (offsets that go back or past the end,
    indices out of range) is a CorruptFileError. It reached scipy's C++ routines unchecked:
    heap corruption, 'free(): invalid size' and an abort at the latest when the interpreter
    exits, or a foreign RuntimeError / ValueError."""
    for name, arrays in FORGED_COMPRESSED.items():
        np.savez(tmp_path / f"{name}.npz", shape=np.array([3, 3]),
                 **{key: np.array(value) for key, value in arrays.items()})
    done = run_isolated(f"""
        import netaval
        from netaval.io import read_network
        for name in {sorted(FORGED_COMPRESSED)!r}:
            for _ in range(20):  # the corruption shows at a later allocation or at exit
                try:
                    read_network(name + ".npz")
                except netaval.CorruptFileError as exc:
                    message = str(exc)
                else:
                    raise SystemExit(name + " loaded")
            assert message.startswith(name + ".npz: not a "), message
            print(name, "refused")
        """, tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == [word for name in sorted(FORGED_COMPRESSED)
                                   for word in (name, "refused")]


def test_complex_npz_is_refused_like_complex_matrix_market(tmp_path):
    """A complex .npz loaded as a network with its imaginary weights silently dropped (1j
    became 0, then no edge); Matrix Market files with complex weights were refused."""
    sp.save_npz(tmp_path / "c.npz", sp.csr_array(np.array([[0, 1j], [2.0, 0]])))
    with pytest.raises(netaval.MalformedNetworkError) as info:
        read_network(tmp_path / "c.npz")
    assert str(info.value) == f"{tmp_path / 'c.npz'}: complex weights are not synaptic weights."
