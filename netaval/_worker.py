"""What a local study worker loads first: one-thread numerical libraries, then the modules
every task needs.

The ``processes`` executor of `netaval.study` imports this module in its fork server (every
worker is forked from that server, so it starts with these modules loaded) or, where the
platform has no fork server, at the start of each spawned worker. It sets the thread-pool
size of BLAS (OpenBLAS, MKL, Accelerate), OpenMP, numexpr and numba to 1 before numpy
loads, so that N workers run N threads on N cores rather than competing with their
libraries' helper threads; a variable already set in the environment is kept. It lives
outside `netaval.study` because importing anything there loads numpy first.

It then builds a two-node network, which calls the CSR check kernel that every task calls.
The first numba kernel a process calls or loads from the cache makes numba load its typing
and lowering registries (about 0.2 s, whatever the kernel), so the fork server pays that
once, and its workers inherit it rather than each paying it in its warm-up.
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
from netaval.network import Network  # noqa: E402

Network.from_edges([0], [1], n_nodes=2)
