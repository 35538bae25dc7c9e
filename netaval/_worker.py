"""What a local study worker loads first: one-thread numerical libraries, then the modules
every task needs.

The ``processes`` executor of `netaval.study` imports this module in its fork server (every
worker is forked from that server, so it starts with these modules loaded) or, where the
platform has no fork server, at the start of each spawned worker. It sets the thread-pool
size of BLAS (OpenBLAS, MKL, Accelerate), OpenMP, numexpr and numba to 1 before numpy
loads, so that N workers run N threads on N cores rather than competing with their
libraries' helper threads; a variable already set in the environment is kept. It lives
outside `netaval.study` because importing anything there loads numpy first.
"""

import os

#: The environment variables each library reads, once, when it loads.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "NUMBA_NUM_THREADS")

for _name in THREAD_VARIABLES:
    os.environ.setdefault(_name, "1")

import netaval.simulate  # noqa: E402  (after the thread variables, on purpose)
import netaval.stats  # noqa: E402
import netaval.study.analyses  # noqa: E402, F401
import topologies  # noqa: E402, F401
