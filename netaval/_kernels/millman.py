"""Jitted kernel of the Millman et al. (2010) network: LIF neurons, stochastic depressing synapses.

Time runs in steps of ``dt``; step n integrates from ``t_n = n dt`` to ``t_(n+1)`` with the
exact propagator of ``u = V - e_leak`` and of the synaptic current I (linear between
events): ``u <- a u + b I``, ``I <- c I`` with ``a = exp(-dt/tau_l)``, ``c = exp(-dt/tau_s)``
and ``b = g(dt)``, g the PSP of a unit current pulse (``g(s) = tau_l tau_s / (C (tau_l -
tau_s)) (exp(-s/tau_l) - exp(-s/tau_s))``). A neuron whose u reaches ``gap = threshold -
e_leak`` at the end of step n fires; the event has time n (Brian2's convention). Inputs
produced during step n (the vesicles released by its firings, the external Poisson events
drawn for it) are added to I at ``t_(n+1)``, so they act from step n + 1 on. After a firing
at step n, u is held at 0 until ``t_e = t_(n + max(R, 1))``, R = refractory in steps, and
integrated again from step ``n + max(R, 1)`` on; I keeps decaying and summing meanwhile.

Scheduled crossings. Every neuron is kept lazily: its ``(u, I)`` at the time point
``tref`` of its last input (or refractory end), advanced in closed form only when an
input arrives or it fires. Until its next input, ``u_k = u a^k + I g(k)`` k steps later
(the same closed form) has at most one maximum (a sum of two exponentials), so the
first step boundary where it reaches ``gap`` is found exactly: none when the bound ``u +
g_max I`` is below ``gap``, else from the state's cell of a table of crossings
(`crossing_table`: none, exactly k, or not before k) and Newton's method on the grid from
there (`_first_crossing`). That time point sits in a timing wheel (one bucket per step modulo its size, a doubly linked
list per bucket) and is recomputed at every input; the schedule is a function of the
lazy state alone, so it is rebuilt from it at every call (chunking changes nothing). A
neuron costs nothing per step, only per input and per firing.

Vesicles. ``loaded[e]`` counts the loaded sites of synapse e (CSR order). Refilling is
applied lazily when the presynaptic neuron j fires: every empty site refilled since j's
previous firing, ``elapsed`` steps ago, with probability ``1 - exp(-elapsed dt /
tau_recovery)`` (independent exponential refill times); then every loaded site releases
with probability ``p_release``. ``expected_empty`` (float state) is the expectation of
the number of empty sites now given the state, decayed by ``exp(-dt/tau_recovery)`` per step;
it gives the mean loaded fraction per step.

Causal attribution. Each neuron keeps up to `MAX_SOURCES` presynaptic sources, two int64
each, side by side (16 bytes, so that a firing reads its sources from a few consecutive
cache lines): the firing event e in the low `SOURCE_BITS` bits and the class of the current
it brought above them (``weights[class]``; class r <= n_sites is r vesicles of ``a_syn``,
higher classes hold the currents carried over from an earlier run), then the time point its
vesicles arrived. Plus one external slot (the neuron's own lazy ``(u, I)`` pair). A
source's contribution to u at time m is in closed form: ``w g(m - t0)`` if it arrived
after the neuron's last refractory end ``t_r``, else ``w c^(t_r - t0) g(m - t_r)`` (u was
reset at the firing, the current carried on). At a firing the sources are compared (rule
LARGEST, LAST or PROPORTIONAL); a source whose bound ``u_s + g_max I_s`` falls below
``FORGET * gap`` is forgotten at the neuron's next reset (or when its table is full; then
the source with the smallest bound goes).

Order of random draws in step n (chunking does not change it):

1. with ``proportional``, for every firing of step n in neuron order (the wheel's bucket
   is taken first, the step's firings then sorted), one draw choosing its primary parent;
   then for every firing in the same order, for each of its synapses in CSR order,
   ``ceil(n_sites / 2)`` draws for
   refill trials (none when the refill probability is 0 or 1), of which its empty sites
   use the first, then ``ceil(n_sites / 2)`` draws for release trials, of which its
   loaded sites (after refill) use the first: the same number of draws for every
   synapse of the row, so where a synapse's draws are does not depend on the synapses
   before it (in-process A/B, up state: 0.96x of the time of drawing only the trials
   used, at N = 1e4 and 1e5). The high 32 bits of a draw decide the first trial, the low
   32 bits the second (success iff ``u32 < floor(p 2**32)``). With at most
   `VECTOR_SITES` sites these draws are computed in vector blocks (`_vesicle_flags`);
2. external events ("driven" protocol only): the gaps between (step, neuron) positions with an external event are
   Geometric(f_ext dt) over the flattened sequence ``n * n_neurons + i``, one draw per event;
   the first gap of a run is drawn at its first step;
3. isolated protocol: when the network is silent at the start of a step, one draw for the
   seeded neuron (before the step's draws).

Protocols. A forced firing (the ``initial`` neurons at step 0 with "spreading", the seed
of "isolated") is a root. The network is silent when no neuron has a scheduled crossing:
without external input nothing can fire again, so "spreading" stops (DONE) and "isolated" counts the
avalanche as finished and seeds the next one at the same step.
"""

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.cpython.unsafe.numbers import trailing_zeros
from numba.extending import intrinsic

from netaval._kernels._vector import load_u64, popcount, splat, splitmix_lanes
from netaval._kernels.branching import (
    BUFFER_FULL,
    DONE,
    ISOLATED,
    LIMIT,
    MAX_EVENTS,
    OK,
    SPREADING,
    prefetch,
)
from netaval._kernels.events import lineage
from netaval._kernels.rng import GAMMA, bounded, next_u64, uniform_open

__all__ = [
    "LARGEST", "LAST", "PROPORTIONAL", "MAX_SOURCES", "SOURCE_BITS", "FORGET",
    "PARENT_FRACTION",
    "M_T", "M_N_EVENTS", "M_N_LINKS", "M_NEXT_AV", "M_N_SCHEDULED", "M_EXT_NEXT",
    "M_NEED_EVENTS", "M_NEED_LINKS", "M_N_EVICTED", "M_STARTED", "M_COMPLETED", "M_SEEDED",
    "M_STATE_SIZE",
    "P_A", "P_B", "P_C", "P_GMAX", "P_GAP", "P_A_SYN", "P_A_EXT", "P_EXT_INV_LOG_Q",
    "P_DT_OVER_TAU_R", "P_P_RELEASE", "P_G_SCALE", "P_DEGENERATE", "P_CROSS_INV_H_U",
    "P_CROSS_INV_H_I", "P_SIZE", "CROSS_RANGE", "CROSS_CELLS",
    "WHEEL", "FAR_PAST", "VECTOR_SITES", "propagator", "power_tables", "crossing_grid",
    "crossing_table", "_first_crossing",
    "_run_millman", "saved_sources",
]

# attribution rules
LARGEST = 0
LAST = 1
PROPORTIONAL = 2

#: Presynaptic sources kept per neuron (16 bytes each).
MAX_SOURCES = 32
#: A source is ``event | (weight class << SOURCE_BITS)`` (event ids are int32).
SOURCE_BITS = 32
_EVENT_MASK = (1 << SOURCE_BITS) - 1
#: A source whose remaining possible contribution to u is below ``FORGET * gap`` is dropped.
FORGET = 1e-3
#: Other presynaptic sources are recorded as parents when their contribution at the
#: crossing is at least ``PARENT_FRACTION * gap``.
PARENT_FRACTION = 0.05

# slots of the int64 state array
M_T = 0            # next step to simulate
M_N_EVENTS = 1
M_N_LINKS = 2
M_NEXT_AV = 3
M_N_SCHEDULED = 4  # on return: neurons with a scheduled crossing
M_EXT_NEXT = 5     # flat position (step * n + neuron) of the next external event; -1: draw
M_NEED_EVENTS = 6  # on BUFFER_FULL: capacities needed
M_NEED_LINKS = 7
M_N_EVICTED = 8    # sources evicted from a full table while still above FORGET * gap
M_STARTED = 9      # isolated: avalanches seeded
M_COMPLETED = 10   # isolated: avalanches that died out
M_SEEDED = 11      # spreading: 1 once the initial neurons fired
M_STATE_SIZE = 12

# slots of the float64 parameter array
P_A = 0
P_B = 1
P_C = 2
P_GMAX = 3
P_GAP = 4
P_A_SYN = 5
P_A_EXT = 6
P_EXT_INV_LOG_Q = 7   # 1 / log(1 - f_ext dt), 0.0 for no external input
P_DT_OVER_TAU_R = 8   # dt / tau_recovery (0.0: no refill)
P_P_RELEASE = 9
P_G_SCALE = 10        # g(s) = P_G_SCALE (a^k - c^k), or P_G_SCALE k a^k when degenerate
P_DEGENERATE = 11     # 1.0 when tau_l == tau_s
P_CROSS_INV_H_U = 12  # the crossing table's inverse cell sides (`crossing_grid`)
P_CROSS_INV_H_I = 13
P_SIZE = 14

#: Buckets of the timing wheel (a power of two; later crossings wait in their bucket).
WHEEL = 1 << 12

#: "long ago": the last firing / refractory end of a neuron that never fired
FAR_PAST = -(2**40)

_TWO32 = 4294967296.0
_LOW32U = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)

#: Synapses with at most this many sites take their vesicle draws from vector blocks
#: (`_vesicle_flags`): a synapse then uses at most 16 draws, 8 bytes of flags per pass.
#: Unlike Branching's trial blocks (`branching._vector_trials`) they are not limited to
#: AVX-512 targets: compiled for AVX2 only (``NUMBA_CPU_NAME=haswell``, AVX-512 features
#: off) the kernel took the same time with them as with the scalar loop (in-process A/B,
#: up state: the scalar loop 1.03x at N = 1e4, 1.00x at N = 1e5), and 0.85x with AVX-512.
VECTOR_SITES = 16
_VBLOCK = 16  # draws per vector block
_FLAG_BUF = 512  # draws of flags made at a time (their buffer _VBLOCK bytes more)
#: Every loop over a step's neurons (rescheduling, firings, vesicle rows, deliveries)
#: prefetches the state of the one this many items ahead (the deliveries: twice as many;
#: their source slot, which needs the target's source count, this many ahead): the loops
#: touch a few scattered cache lines per neuron, and waiting for them one neuron at a
#: time was the kernel's main cost at N = 1e5. In-process A/B, up state, same records:
#: 0.88x (N = 1e4) and 0.67-0.70x (N = 1e5) of the time without prefetching.
_AHEAD = 8
#: Refill probabilities tabulated per call (steps since the presynaptic neuron's last
#: firing); beyond, computed
_KEEP_TABLE = 4096


#: The per-neuron state of the step loop lives in records of ``H_WIDTH`` float64 slots (two
#: cache lines) per neuron, in flat arrays viewed as float64 (``H_*`` of u, I), int64
#: (``H_*`` of time points), int32 (``W_*``: twice a slot number) and uint8 (``B_*``:
#: eight times), indexed by `_rec`, `_rec32`, `_rec8` (unsigned, constant strides). The
#: first line holds what a delivery and a rescheduling read, the second what only a
#: firing, its vesicle row and external input read: a delivery touches one line, not six
#: arrays; a firing two, not eleven. The kernel copies the state in at the start of a call
#: and out at its end (O(n) per call of thousands of steps). The wheel's links ``nxt``
#: and ``prv`` stay compact arrays: taking a bucket walks its list, one dependent load
#: after another, which stays in the cache only while they are small (in the records:
#: the walk 2.5x slower at N = 1e5). With the other changes that came with it (LARGEST's
#: argmax and the other parents found in the two passes over the sources, `_keep_ages`,
#: the refill table, unsigned indices), in-process A/B against separate arrays, same
#: records: up state 0.85x (fastest) / 0.90x (median of pairs) at N = 1e4, 0.70x / 0.71x
#: at N = 1e5; down state, where the copies dominate, 1.02x at N = 1e4 and 1.08x /
#: 1.16x at N = 1e5 (about 10 ms more per simulated second).
H_WIDTH = 16
H_U = 0           # first line: what a delivery and a rescheduling read
H_CUR = 1
H_TREF = 2
W_SRC_N = 6       # int32 in slot 3: remembered sources
B_DIRTY = 28      # uint8 in slot 3: 1 while listed in ``dirty``
B_FORCED = 29     # uint8 in slot 3: 1 for a forced firing of the current step
H_TRESET = 4
H_SCHED = 5       # time point of the scheduled crossing, -1: none
H_EXT_U = 8       # second line: what a firing, its vesicles and external input read
H_EXT_CUR = 9
H_EXT_TREF = 10
H_EXT_LAST = 11
H_LAST_FIRE = 12
H_EMPTY_ROW = 13


@njit(cache=True)
def _records(n):
    """The step loop's records (n of H_WIDTH float64 slots, flat), 64-byte aligned, as
    float64, int64, int32 and uint8 views of the same memory (indexed by `_rec`,
    `_rec32`, `_rec8`)."""
    buf = np.empty((n + 1) * H_WIDTH, np.float64)
    skip = ((64 - (buf.ctypes.data & 63)) & 63) >> 3
    hf = buf[skip:skip + n * H_WIDTH]
    return hf, hf.view(np.int64), hf.view(np.int32), hf.view(np.uint8)


@njit(cache=True, inline="always")
def _rec(i, slot):
    """Index of neuron i's float64 / int64 ``slot`` in the flat records (unsigned: no
    negative-index code; a constant stride)."""
    return np.uint64(i) * np.uint64(H_WIDTH) + np.uint64(slot)


@njit(cache=True, inline="always")
def _rec32(i, slot):
    """Index of neuron i's int32 ``slot`` (``W_*``) in the records' int32 view."""
    return np.uint64(i) * np.uint64(2 * H_WIDTH) + np.uint64(slot)


@njit(cache=True, inline="always")
def _rec8(i, slot):
    """Index of neuron i's uint8 ``slot`` (``B_*``) in the records' uint8 view."""
    return np.uint64(i) * np.uint64(8 * H_WIDTH) + np.uint64(slot)


@njit(cache=True, inline="always")
def _slot(i, s):
    """Index of the event of neuron i's source s in the flat source table (its arrival
    time follows)."""
    return (np.uint64(i) * np.uint64(MAX_SOURCES) + np.uint64(s)) * np.uint64(2)


def _trial_masks(bit):
    """uint64 (VECTOR_SITES + 1,): entry k selects trials 0 .. k - 1 of a run of flag
    bytes, trial q at byte q // 2, bit ``bit + q % 2`` (high, then low half of a draw)."""
    masks = np.zeros(VECTOR_SITES + 1, np.uint64)
    for k in range(VECTOR_SITES + 1):
        for q in range(k):
            masks[k] |= np.uint64(1 << (8 * (q // 2) + bit + q % 2))
    return masks


_REFILL_MASK = _trial_masks(0)
_RELEASE_MASK = _trial_masks(2)


@intrinsic
def _vesicle_flags(typingctx, flags, pos, state, q_thr, p_thr):
    """The `_VBLOCK` SplitMix64 draws after ``state`` as flag bytes ``flags[pos + k]``:
    bit 0 (1) iff the draw's high (low) 32 bits are below ``q_thr`` (a refill trial
    succeeds), bit 2 (3) iff they are below ``p_thr`` (a release trial succeeds)."""
    if not (isinstance(flags, types.Array) and flags.dtype == types.uint8
            and flags.layout == "C" and isinstance(pos, types.Integer)
            and state == q_thr == p_thr == types.uint64):
        return None
    sig = types.void(flags, pos, state, q_thr, p_thr)

    def codegen(context, builder, signature, args):
        buf, pos_, state_, q_, p_ = args
        i8, i64 = ir.IntType(8), ir.IntType(64)
        v64, v8 = ir.VectorType(i64, _VBLOCK), ir.VectorType(i8, _VBLOCK)
        z = splitmix_lanes(builder, state_, _VBLOCK)
        hi = builder.lshr(z, ir.Constant(v64, [32] * _VBLOCK))
        lo = builder.and_(z, ir.Constant(v64, [0xFFFFFFFF] * _VBLOCK))
        byte = ir.Constant(v8, [0] * _VBLOCK)
        for bit, (half, thr) in enumerate(((hi, q_), (lo, q_), (hi, p_), (lo, p_))):
            hit = builder.zext(builder.icmp_unsigned("<", half, splat(builder, thr, v64)), v8)
            byte = builder.or_(byte, builder.shl(hit, ir.Constant(v8, [bit] * _VBLOCK)))
        data = context.make_array(signature.args[0])(context, builder, buf).data
        builder.store(byte, builder.bitcast(builder.gep(data, [pos_]), v8.as_pointer()),
                      align=1)
        return context.get_dummy_value()

    return sig, codegen


def propagator(dt, tau_l, tau_s, capacitance):
    """``(a, b, c, g_max, g_scale, degenerate)`` of the exact step ``u <- a u + b I``,
    ``I <- c I``.

    ``b = g(dt)`` and ``g_max = max_s g(s)`` for the PSP of a unit current pulse (mV per
    pA), ``g(s) = tau_l tau_s / (C (tau_l - tau_s)) (exp(-s/tau_l) - exp(-s/tau_s))``, or
    ``g(s) = s / C exp(-s/tau)`` when ``tau_l = tau_s`` (``degenerate``). On the grid,
    ``g(k dt) = g_scale (a**k - c**k)``, or ``g_scale k a**k`` when degenerate.
    """
    a = float(np.exp(-dt / tau_l))
    c = float(np.exp(-dt / tau_s))
    if abs(tau_l - tau_s) <= 1e-9 * tau_l:
        tau = 0.5 * (tau_l + tau_s)
        a = c = float(np.exp(-dt / tau))
        g_scale = dt / capacitance
        b = g_scale * a
        g_max = tau / capacitance / np.e
        return a, float(b), c, float(g_max), float(g_scale), True
    g_scale = tau_l * tau_s / (capacitance * (tau_l - tau_s))
    b = g_scale * (a - c)
    peak = tau_l * tau_s * np.log(tau_l / tau_s) / (tau_l - tau_s)
    g_max = g_scale * (np.exp(-peak / tau_l) - np.exp(-peak / tau_s))
    return a, float(b), c, float(g_max), float(g_scale), False


def power_tables(a, c, g_scale, degenerate, size):
    """float64 (3, size): ``a**k``, ``c**k`` and ``g(k dt)`` for k = 0 .. size - 1."""
    k = np.arange(size, dtype=np.float64)
    ak = a ** k
    ck = c ** k
    gk = g_scale * k * ak if degenerate else g_scale * (ak - ck)
    return np.ascontiguousarray(np.stack([ak, ck, gk]))


@njit(cache=True)
def _apow(k, tables, a):
    """a**k for an integer k >= 0 (table, else computed; the table is indexed unsigned,
    so no negative-index code, and a negative k, never passed, would be computed)."""
    uk = np.uint64(k)
    return tables[0, uk] if uk < np.uint64(tables.shape[1]) else a ** np.float64(k)


@njit(cache=True)
def _cpow(k, tables, c):
    """c**k for an integer k >= 0 (see `_apow`)."""
    uk = np.uint64(k)
    return tables[1, uk] if uk < np.uint64(tables.shape[1]) else c ** np.float64(k)


@njit(cache=True)
def _gval(k, tables, a, c, g_scale, degenerate):
    """g(k dt), the PSP of a unit current pulse k steps after it, for k >= 0 (see
    `_apow`)."""
    uk = np.uint64(k)
    if uk < np.uint64(tables.shape[1]):
        return tables[2, uk]
    if degenerate:
        return g_scale * k * a ** np.float64(k)
    return g_scale * (a ** np.float64(k) - c ** np.float64(k))


@njit(cache=True)
def _contribution(t0, w, tr, m, tables, a, c, g_scale, degenerate):
    """Contribution to u at time m of a current w that arrived at t0, for a neuron whose
    last refractory period ended at tr (u reset to 0 then, the current carried over):
    ``w c^(tr - t0) g(m - tr)`` if it arrived before tr, else ``w g(m - t0)`` (the same
    formula with the start ``max(t0, tr)``; ``c^0 = 1`` multiplies exactly). Written without
    a branch on t0, so that a firing's scan over its sources waits for their loads
    together, not one after another."""
    start = max(t0, tr)
    return (w * _cpow(start - t0, tables, c)
            * _gval(max(m - start, 0), tables, a, c, g_scale, degenerate))


@njit(cache=True)
def _advance(u, cur, k, tables, a, c, g_scale, degenerate):
    """(u, I) after k steps without input."""
    return (u * _apow(k, tables, a) + cur * _gval(k, tables, a, c, g_scale, degenerate),
            cur * _cpow(k, tables, c))


@njit(cache=True)
def _u_at(u, cur, k, tables, a, c, g_scale, degenerate):
    """u k steps after a state (u, I) without input (the first value of `_advance`)."""
    return u * _apow(k, tables, a) + cur * _gval(k, tables, a, c, g_scale, degenerate)


@njit(cache=True)
def _first_crossing(u, cur, k, k_max, gap, tables, a, c, g_scale, degenerate):
    """The first step ``j >= k`` with ``u_j = u a^j + I g(j) >= gap`` (state (u, I) >= 0
    without further input), or -1 if there is none, for a lower bound ``k >= 1`` of the
    first crossing after step 0 (1 when nothing better is known); 0 once the search
    passes ``k_max``.

    ``u_j`` is a sum of two exponentials in j (``(u + I g_scale j) a^j`` when degenerate)
    with at most one maximum and concave up to it, so from any k below the first
    crossing, ``u_k + j (u_(k+1) - u_k)`` bounds ``u_(k+j)`` from above: the crossing
    lies at least ``(gap - u_k) / (u_(k+1) - u_k)`` steps later. Jumping by that much
    (at least one step) reaches it in a few steps (Newton's method on the grid); a
    non-positive difference means the maximum is passed below gap.
    """
    v = _u_at(u, cur, k, tables, a, c, g_scale, degenerate)
    while v < gap:
        d = _u_at(u, cur, k + 1, tables, a, c, g_scale, degenerate) - v
        if d <= 0.0:
            return -1
        k += max(np.int64(1), np.int64(min((gap - v) / d, 1e12)))
        if k > k_max:
            return 0
        v = _u_at(u, cur, k, tables, a, c, g_scale, degenerate)
    return k


#: The crossing table (`crossing_table`) covers u in [0, gap) and I in [0, CROSS_RANGE gap
#: / g_max) (a current this large crosses within a few steps anyway) in cells of about
#: 1 / CROSS_CELLS of each range, rounded down to a power of two (so that a cell's index
#: is exact and its corners bound every state in it, see `crossing_grid`)
CROSS_RANGE = 3.0
CROSS_CELLS = 128
_CROSS_MAX = (1 << 14) - 1  # crossings up to this step are tabulated (int16 entries 2 k + 1)
_NO_LIMIT = 1 << 62


def crossing_grid(gap, g_max):
    """``(1 / h_u, 1 / h_i)``: the inverse cell sides of the crossing table (``h_u`` and
    ``h_i`` powers of two, mV and pA, see `CROSS_RANGE`), for the params slots
    `P_CROSS_INV_H_U` and `P_CROSS_INV_H_I`; ``(0.0, 0.0)``, no table, when gap or g_max
    are not positive finite numbers."""
    if not (0.0 < gap < np.inf and 0.0 < g_max < np.inf):
        return 0.0, 0.0
    i_range = CROSS_RANGE * gap / g_max
    return (float(2.0 ** -np.floor(np.log2(gap / CROSS_CELLS))),
            float(2.0 ** -np.floor(np.log2(i_range / CROSS_CELLS))))


@njit(cache=True)
def _corner_crossing(u, cur, gap, g_max, tables, a, c, g_scale, degenerate):
    """The first crossing of `_first_crossing` from step 1, or -1; 0 when it lies beyond
    `_CROSS_MAX`. Checked one step back (and moved back while the step before also
    reaches gap): u_k rises to its maximum and falls after it, so the steps where it is
    at least gap are consecutive, and the one before the first is below gap."""
    if u + g_max * cur < gap:
        return -1
    k = _first_crossing(u, cur, 1, _CROSS_MAX, gap, tables, a, c, g_scale, degenerate)
    if k <= 0:
        return k
    while k > 1 and _u_at(u, cur, k - 1, tables, a, c, g_scale, degenerate) >= gap:
        k -= 1
    return k


@njit(cache=True)
def crossing_table(params, tables):
    """int16 (n_u, n_i): for each cell ``[iu h_u, (iu + 1) h_u) x [ii h_i, (ii + 1) h_i)``
    of states (u, I) (the grid of `crossing_grid`, u below gap, I below ``CROSS_RANGE gap
    / g_max``), what its corners say of the first crossing (`_first_crossing`) of every
    state in it: -1 none (its upper corner has none), ``2 k`` at step k or later (the
    upper corner's crossing), ``2 k + 1`` exactly at step k (both corners cross at k), 0
    unknown (beyond `_CROSS_MAX`).

    u_j grows with u and with I on the float64 grid too (products with non-negative
    factors and their sum round monotonically), so the upper corner's first crossing is a
    lower bound of every state's in the cell, and the lower corner's an upper bound. The
    corners' crossings are checked one step back (`_corner_crossing`); the cells' corners
    are exact (multiples of powers of two), and so is a state's cell index.
    """
    a = params[P_A]
    c = params[P_C]
    g_max = params[P_GMAX]
    gap = params[P_GAP]
    g_scale = params[P_G_SCALE]
    degenerate = params[P_DEGENERATE] != 0.0
    inv_h_u = params[P_CROSS_INV_H_U]
    inv_h_i = params[P_CROSS_INV_H_I]
    n_u = np.int64(np.ceil(gap * inv_h_u)) if inv_h_u > 0.0 else 0
    n_i = np.int64(np.ceil(CROSS_RANGE * gap / g_max * inv_h_i)) if inv_h_i > 0.0 else 0
    h_u = 1.0 / inv_h_u if n_u > 0 else 0.0
    h_i = 1.0 / inv_h_i if n_i > 0 else 0.0
    corner = np.empty((n_u + 1, n_i + 1), np.int64)
    for iu in range(n_u + 1):
        for ii in range(n_i + 1):
            corner[iu, ii] = _corner_crossing(iu * h_u, ii * h_i, gap, g_max, tables, a, c,
                                            g_scale, degenerate)
    table = np.zeros((n_u, n_i), np.int16)
    for iu in range(n_u):
        for ii in range(n_i):
            lower = corner[iu + 1, ii + 1]  # the earliest crossing in the cell
            later = corner[iu, ii]
            if lower < 0:
                table[iu, ii] = -1
            elif lower > 0:
                table[iu, ii] = 2 * lower + (1 if later == lower else 0)
    return table


@njit(cache=True)
def _run_millman(indptr, indices, params, n_sites, refractory, attribution, protocol,
                 n_steps, n_avalanches, max_events, chunk_end_step, forced,
                 tables, cross, u, cur, tref, treset, last_fire, ext_u, ext_cur, ext_tref, ext_last,
                 src, weights, src_n, loaded, empty_row, spiking,
                 time, neuron, avalanche, generation, parent_indptr, parent_ids,
                 loaded_trace, state, fstate, rng_state):
    """Advance the network step by step until a status code is reached.

    Parameters
    ----------
    indptr, indices : int64 (n+1,), int32 (n_edges,)
        CSR network, row = presynaptic neuron.
    params : float64 (P_SIZE,)
        See the ``P_*`` slots.
    n_sites, refractory, attribution, protocol : int
        Release sites per synapse, refractory steps R, attribution rule, protocol.
    n_steps, n_avalanches, max_events : int
        Stop at this step (LIMIT), when ``n_avalanches`` seeded avalanches died out
        (isolated: DONE), or at the start of the first step with this many events
        (MAX_EVENTS); -1: no limit.
    chunk_end_step : int
        Return OK when this step is reached.
    forced : int32 (k,)
        Spreading: the neurons firing at step 0, sorted and distinct (a step fires each
        neuron at most once).
    tables : float64 (3, H)
        `power_tables` (beyond H the powers are computed).
    cross : int16 (n_u, n_i)
        `crossing_table`.
    u, cur, tref, treset, last_fire : float64, float64, int64, int64, int64 (n,)
        Lazy state: ``(u, I)`` at time point ``tref`` (the last input, or the end of the
        refractory period, when u is 0 again); the last refractory end; the last firing
        step (`FAR_PAST`: never). These and the other per-neuron arrays below but
        ``src``, ``loaded`` and ``spiking`` are read at the start of a call and written at
        its end: the step loop keeps them in its records (`_records`).
    ext_u, ext_cur, ext_tref, ext_last : float64, float64, int64, int64 (n,)
        External slot: its lazy ``(u, I)`` at ``ext_tref``, and its last arrival.
    src : int64 (n, MAX_SOURCES, 2)
        Presynaptic sources: ``event | (class << SOURCE_BITS)``, arrival time point.
    weights : float64 (k,)
        Current (pA) of each class, ``weights[r] = r a_syn`` for r <= n_sites.
    src_n : int32 (n,)
        Sources per neuron.
    loaded : uint8 (n_edges,)
        Loaded sites per synapse, as of its presynaptic neuron's last firing.
    empty_row : int64 (n,)
        Empty sites over each row, as of its last firing.
    spiking : int32 (n,)
        Scratch for a step's firings.
    time, neuron, avalanche, generation, parent_indptr, parent_ids : output buffers
    loaded_trace : float64 (chunk_end_step - state[M_T],)
        Expected fraction of loaded sites at the end of each simulated step.
    state : int64 (M_STATE_SIZE,)
    fstate : float64 (1,)
        Expected number of empty sites at time point ``state[M_T]``.
    rng_state : uint64 (1,)

    Returns
    -------
    status : int

    Notes
    -----
    Jit-compiled with numba.
    """
    n = len(indptr) - 1
    n_edges = len(indices)
    a = params[P_A]
    c = params[P_C]
    g_max = params[P_GMAX]
    gap = params[P_GAP]
    a_syn = params[P_A_SYN]
    a_ext = params[P_A_EXT]
    ext_inv = params[P_EXT_INV_LOG_Q]
    dt_tau_r = params[P_DT_OVER_TAU_R]
    g_scale = params[P_G_SCALE]
    degenerate = params[P_DEGENERATE] != 0.0
    inv_h_u = params[P_CROSS_INV_H_U]
    inv_h_i = params[P_CROSS_INV_H_I]
    n_cross_u = cross.shape[0]
    n_cross_i = cross.shape[1]
    p_thr = np.uint64(min(params[P_P_RELEASE] * _TWO32, _TWO32))
    all_refill = np.uint64(4294967296)
    forget = FORGET * gap
    parent_min = PARENT_FRACTION * gap
    r_end = max(refractory, 1)
    rng = rng_state[0]
    t = state[M_T]
    n_ev = state[M_N_EVENTS]
    n_ln = state[M_N_LINKS]
    next_av = state[M_NEXT_AV]
    ext_next = state[M_EXT_NEXT]
    n_evicted = state[M_N_EVICTED]
    started = state[M_STARTED]
    completed = state[M_COMPLETED]
    seeded = state[M_SEEDED]
    cap_ev = len(time)
    cap_ln = len(parent_ids)
    chunk_start = t
    total_sites = np.float64(n_edges) * n_sites
    decay_step = np.exp(-dt_tau_r)
    n_table = tables.shape[1]
    # a step's deliveries (released > 0): target and source slot, room made before each
    # step's firings (not in the loop over them: an array reassigned there is reference
    # counted at every firing)
    max_degree = 0
    for j in range(n):
        max_degree = max(max_degree, indptr[j + 1] - indptr[j])
    targets = np.empty(min(n_edges, 64), np.int32)
    slots = np.empty(len(targets), np.int64)
    values = np.empty(MAX_SOURCES, np.float64)
    keep_age = _keep_ages(weights, tables, c, g_max, forget)
    # an empty site stays empty over k steps with probability exp(-k dt / tau_recovery):
    # the same expression, evaluated once per call for the usual k
    keep_table = np.empty(_KEEP_TABLE, np.float64)
    for k in range(_KEEP_TABLE):
        keep_table[k] = np.exp(-k * dt_tau_r)
    primary = np.empty(n, np.int64)  # the primary parent of each of a step's firings
    marks = np.zeros((n >> 6) + 1, np.uint64)  # a bitmap of a step's firings (kept zero)
    vector = n_sites <= VECTOR_SITES
    half = (n_sites + 1) >> 1  # draws for a trial per site (two per draw)
    flags = np.empty(_FLAG_BUF + _VBLOCK, np.uint8)  # 8 bytes read at a time
    starts = np.empty(MAX_SOURCES, np.int64)
    expected = fstate[0]
    # the wheel of the scheduled crossings: bucket m % WHEEL lists (doubly linked through
    # nxt / prv) the neurons whose crossing sched is at time point m (or m + WHEEL, ...)
    nxt = np.empty(n, np.int32)
    prv = np.empty(n, np.int32)
    head = np.full(WHEEL, -1, np.int32)
    cnt = np.zeros(WHEEL, np.int64)
    n_sched = 0
    # neurons whose lazy state changed since their crossing was computed (all at first)
    dirty = np.empty(n + 1, np.int32)
    n_dirty = 0
    hf, hi, hw, hb = _records(n)
    srcf = src.reshape(src.size)  # flat: constant strides, see `_slot`
    for i in range(n):
        hf[_rec(i, H_U)] = u[i]
        hf[_rec(i, H_CUR)] = cur[i]
        hi[_rec(i, H_TREF)] = tref[i]
        hw[_rec32(i, W_SRC_N)] = src_n[i]
        hb[_rec8(i, B_DIRTY)] = 0
        hb[_rec8(i, B_FORCED)] = 0
        hi[_rec(i, H_TRESET)] = treset[i]
        hi[_rec(i, H_SCHED)] = -1
        hf[_rec(i, H_EXT_U)] = ext_u[i]
        hf[_rec(i, H_EXT_CUR)] = ext_cur[i]
        hi[_rec(i, H_EXT_TREF)] = ext_tref[i]
        hi[_rec(i, H_EXT_LAST)] = ext_last[i]
        hi[_rec(i, H_LAST_FIRE)] = last_fire[i]
        hi[_rec(i, H_EMPTY_ROW)] = empty_row[i]
        if u[i] + g_max * cur[i] >= gap:
            dirty[n_dirty] = i
            hb[_rec8(i, B_DIRTY)] = 1
            n_dirty += 1
    if ext_inv != 0.0 and ext_next < 0:
        rng, z = next_u64(rng)
        ext_next = t * n + np.int64(min(np.log(uniform_open(z)) * ext_inv, 4.0e18))
    status = OK
    while True:
        if n_steps >= 0 and t >= n_steps:
            status = LIMIT
            break
        if max_events >= 0 and n_ev >= max_events:
            status = MAX_EVENTS
            break
        if t >= chunk_end_step:
            status = OK
            break
        m = t + 1  # the time point step t ends at
        # reschedule the neurons that received input or fired (the only code that links
        # into the wheel): from their lazy state, not before m
        for q in range(n_dirty):
            ia = dirty[min(q + _AHEAD, n_dirty - 1)]
            prefetch(hf, np.int64(ia) * H_WIDTH)  # u, I, tref, sched
            prefetch(nxt, ia)
            prefetch(prv, ia)
            i = dirty[q]
            hb[_rec8(i, B_DIRTY)] = 0
            # its first crossing: none below the bound u + g_max I; else from its cell of
            # the crossing table (exact, or a lower bound to start Newton's method from:
            # in-process A/B, up state, same records, 0.86x of the time of Newton's method
            # from step 1 at N = 1e4 and 0.93x at N = 1e5; 2.1 instead of 7.9 values of u_k
            # and 0.7 instead of 3.4 divisions per search)
            ui = hf[_rec(i, H_U)]
            ci = hf[_rec(i, H_CUR)]
            k = np.int64(-1)
            if ui + g_max * ci >= gap:
                x = ui * inv_h_u  # exact: powers of two
                y = ci * inv_h_i
                entry = np.int64(0)  # unknown
                if 0.0 <= x < n_cross_u and 0.0 <= y < n_cross_i:
                    entry = np.int64(cross[np.uint64(x), np.uint64(y)])
                if entry < 0:
                    k = np.int64(-1)
                elif entry & 1:
                    k = entry >> 1
                else:
                    k = _first_crossing(ui, ci, max(entry >> 1, np.int64(1)), _NO_LIMIT, gap,
                                        tables, a, c, g_scale, degenerate)
            when = max(hi[_rec(i, H_TREF)] + k, m) if k > 0 else np.int64(-1)
            old = hi[_rec(i, H_SCHED)]
            if when == old:
                continue
            if old >= 0:
                bk = old & (WHEEL - 1)
                p = prv[i]
                nx = nxt[i]
                if p >= 0:
                    nxt[p] = nx
                else:
                    head[bk] = nx
                if nx >= 0:
                    prv[nx] = p
                cnt[bk] -= 1
                n_sched -= 1
            hi[_rec(i, H_SCHED)] = when
            if when >= 0:
                bk = when & (WHEEL - 1)
                h = head[bk]
                nxt[i] = h
                prv[i] = -1
                if h >= 0:
                    prv[h] = i
                head[bk] = i
                cnt[bk] += 1
                n_sched += 1
        n_dirty = 0
        n_force = 0
        if protocol == SPREADING:
            if seeded == 0:
                n_force = len(forced)
            elif n_sched == 0:
                status = DONE
                break
        elif protocol == ISOLATED and n_sched == 0:
            if started > completed:
                completed += 1
            if completed >= n_avalanches or n == 0:
                status = DONE
                break
            n_force = 1
        bucket = m & (WHEEL - 1)
        due = cnt[bucket] + n_force  # at most this many firings in step t
        if cap_ev - n_ev < due or cap_ln - n_ln < due * MAX_SOURCES:
            state[M_NEED_EVENTS] = n_ev + due
            state[M_NEED_LINKS] = n_ln + due * MAX_SOURCES
            status = BUFFER_FULL
            break
        if min(n_edges, due * max_degree) > len(targets):  # room for the step's deliveries
            targets = np.empty(max(min(n_edges, due * max_degree), 2 * len(targets)), np.int32)
            slots = np.empty(len(targets), np.int64)
        expected *= decay_step
        # 1. the step's firings: forced ones (roots; a neuron due anyway is only marked),
        # then the crossings due at m
        n_spk = 0
        if protocol == SPREADING and seeded == 0:
            for q in range(len(forced)):
                i = forced[q]
                if hi[_rec(i, H_SCHED)] != m:
                    spiking[n_spk] = i
                    n_spk += 1
                hb[_rec8(i, B_FORCED)] = 1
            seeded = 1
        elif n_force == 1:
            rng, z = next_u64(rng)
            i = bounded(z, n)
            if hi[_rec(i, H_SCHED)] != m:
                spiking[n_spk] = i
                n_spk += 1
            hb[_rec8(i, B_FORCED)] = 1
            started += 1
        i = head[bucket]  # take the neurons due at m out of their bucket
        kept = -1
        head[bucket] = -1
        while i >= 0:
            following = nxt[i]
            if hi[_rec(i, H_SCHED)] == m:
                hi[_rec(i, H_SCHED)] = -1
                cnt[bucket] -= 1
                n_sched -= 1
                spiking[n_spk] = i
                n_spk += 1
            else:  # due WHEEL or more steps later
                nxt[i] = -1
                prv[i] = kept
                if kept >= 0:
                    nxt[kept] = i
                else:
                    head[bucket] = i
                kept = i
            i = following
        if n_spk > 1 and n_spk * 32 > n >> 6:
            # many firings: put in neuron order through a bitmap (a pass over the words
            # between the lowest and the highest; in-process A/B, up state, 0.94-0.99x of
            # the time of a sort at N = 1e4 and 0.96-0.98x at N = 1e5)
            lo_w = n
            hi_w = 0
            for q in range(n_spk):
                i = spiking[q]
                wi = i >> 6
                marks[wi] |= np.uint64(1) << np.uint64(i & 63)
                lo_w = min(lo_w, wi)
                hi_w = max(hi_w, wi)
            q = 0
            for wi in range(lo_w, hi_w + 1):
                word = marks[wi]
                marks[wi] = 0
                while word != 0:
                    spiking[q] = (wi << 6) + np.int64(trailing_zeros(word))
                    q += 1
                    word &= word - np.uint64(1)
        elif n_spk > 1:
            spiking[:n_spk].sort()  # in place (np.sort allocates a copy every step)
        # 2. the step's firings in neuron order: attribution, event, reset
        first_ev = n_ev
        for q in range(n_spk):
            ia = spiking[min(q + _AHEAD, n_spk - 1)]
            prefetch(hf, np.int64(ia) * H_WIDTH)  # both lines of its record
            prefetch(hf, np.int64(ia) * H_WIDTH + 8)
            row = np.int64(ia) * (2 * MAX_SOURCES)  # its first 16 sources (4 lines)
            for line in range(4):
                prefetch(src, row + 8 * line)
            i = spiking[q]
            tr = hi[_rec(i, H_TRESET)]
            ns = hw[_rec32(i, W_SRC_N)]
            best = -1  # external
            if hb[_rec8(i, B_FORCED)]:
                hb[_rec8(i, B_FORCED)] = 0
            else:
                eu, _ = _advance(hf[_rec(i, H_EXT_U)], hf[_rec(i, H_EXT_CUR)],
                                 m - hi[_rec(i, H_EXT_TREF)], tables, a, c,
                                 g_scale, degenerate)
                total = eu
                best_val = eu  # LARGEST: the first largest, found in the same pass
                for s in range(ns):
                    sl = srcf[_slot(i, s) + 0]
                    t0 = srcf[_slot(i, s) + 1]
                    val = _contribution(t0, weights[sl >> SOURCE_BITS], tr, m, tables, a, c,
                                        g_scale, degenerate)
                    values[s] = val
                    starts[s] = t0
                    total += val
                    larger = val > best_val
                    best = s if larger else best
                    best_val = val if larger else best_val
                if attribution == LAST:
                    best = -1
                    best_val = eu
                    best_t = hi[_rec(i, H_EXT_LAST)] if eu > 0.0 else FAR_PAST
                    for s in range(ns):
                        t0 = starts[s]
                        if t0 > best_t or (t0 == best_t and values[s] > best_val):
                            best = s
                            best_val = values[s]
                            best_t = t0
                elif attribution == PROPORTIONAL:
                    best = -1
                    rng, z = next_u64(rng)
                    x = uniform_open(z) * total
                    acc = eu
                    if x >= acc:
                        for s in range(ns):
                            acc += values[s]
                            best = s
                            if x < acc:
                                break
            time[n_ev] = t
            neuron[n_ev] = i
            primary[q] = -1
            caused = best >= 0
            if caused:
                p = srcf[_slot(i, best) + 0] & _EVENT_MASK
                primary[q] = p
                parent_ids[n_ln] = p
                n_ln += 1
            # reset: u held at 0 until te; the currents decay on (I does not depend on u,
            # so this holds for lazy and refractory forced neurons too)
            te = t + r_end
            hf[_rec(i, H_U)] = 0.0
            hf[_rec(i, H_CUR)] *= _cpow(te - hi[_rec(i, H_TREF)], tables, c)
            hi[_rec(i, H_TREF)] = te
            hi[_rec(i, H_TRESET)] = te
            hf[_rec(i, H_EXT_U)] = 0.0
            hf[_rec(i, H_EXT_CUR)] *= _cpow(te - hi[_rec(i, H_EXT_TREF)], tables, c)
            hi[_rec(i, H_EXT_TREF)] = te
            # one pass over the sources: the other parents (those contributing at least
            # parent_min, in source order, after the primary; written without a branch:
            # a slot is overwritten when its source is not one) and the sources kept
            kept = 0
            for s in range(ns):
                sl = srcf[_slot(i, s) + 0]
                t0 = srcf[_slot(i, s) + 1]
                if caused:
                    parent_ids[n_ln] = sl & _EVENT_MASK
                    n_ln += (s != best) & (values[s] >= parent_min)
                srcf[_slot(i, kept) + 0] = sl  # kept <= s: no source not yet read is overwritten
                srcf[_slot(i, kept) + 1] = t0
                kept += te - t0 <= keep_age[sl >> SOURCE_BITS]
            hw[_rec32(i, W_SRC_N)] = kept
            parent_indptr[n_ev + 1] = n_ln
            n_ev += 1
            if hb[_rec8(i, B_DIRTY)] == 0 and (hi[_rec(i, H_SCHED)] >= 0
                                               or g_max * hf[_rec(i, H_CUR)] >= gap):
                dirty[n_dirty] = i
                hb[_rec8(i, B_DIRTY)] = 1
                n_dirty += 1
        # the avalanche and generation of the step's events, after its firings: the loads
        # of their parents' (scattered over the recent events) wait together, not one per
        # firing (in-process A/B, up state: 0.96x of the time at N = 1e4 and 1e5)
        for q in range(n_spk):
            next_av = lineage(avalanche, generation, first_ev + q, primary[q], next_av)
        # 3. vesicles of the step's firings, delivered at m: the draws
        n_del = 0
        for e in range(first_ev, n_ev):
            ja = neuron[min(e + _AHEAD, n_ev - 1)]
            prefetch(indptr, ja)  # its record's second line is in the cache since its firing
            jb = neuron[min(e + _AHEAD // 2, n_ev - 1)]  # its row (indptr read by now)
            prefetch(loaded, indptr[jb])
            prefetch(indices, indptr[jb])
            j = neuron[e]
            elapsed = t - hi[_rec(j, H_LAST_FIRE)]
            keep_p = (keep_table[np.uint64(elapsed)] if np.uint64(elapsed) < _KEEP_TABLE
                      else np.exp(-elapsed * dt_tau_r))
            expected -= hi[_rec(j, H_EMPTY_ROW)] * keep_p
            q_thr = np.uint64(min((1.0 - keep_p) * _TWO32, _TWO32))
            hi[_rec(j, H_LAST_FIRE)] = t
            row_empty = 0
            # every synapse of the row takes the same number of draws (`per`): refill
            # trials in the first `refill`, release trials in the next `half`, so that
            # where a synapse's draws are does not wait for the synapses before it
            refill = half if (q_thr > 0 and q_thr < all_refill) else 0
            per = refill + half
            first = indptr[j]
            last = indptr[j + 1]
            if vector:
                # the draws come from vector blocks of flag bytes (`_vesicle_flags`), made
                # for as many synapses as the buffer holds at a time; q_thr of 0 or 2**32
                # draws nothing for refill (no refill / every empty site refilled), as
                # below
                nl_min = n_sites if q_thr >= all_refill else 0
                ne_mask = -1 if refill > 0 else 0
                while first < last:
                    stop = min(last, first + _FLAG_BUF // per)
                    n_draws = (stop - first) * per
                    made = 0
                    while made < n_draws:
                        _vesicle_flags(flags, made, rng + GAMMA * np.uint64(made), q_thr,
                                       p_thr)
                        made += _VBLOCK
                    o = 0
                    for s in range(first, stop):
                        su = np.uint64(s)  # unsigned indices: no negative-index code
                        nl = max(np.int64(loaded[su]), nl_min)
                        ne = (n_sites - nl) & ne_mask
                        nl += popcount(load_u64(flags, o) & _REFILL_MASK[np.uint64(ne)])
                        released = popcount(load_u64(flags, o + refill)
                                            & _RELEASE_MASK[np.uint64(nl)])
                        o += per
                        nl -= released
                        loaded[su] = nl
                        row_empty += n_sites - nl
                        du = np.uint64(n_del)
                        targets[du] = indices[su]
                        slots[du] = e | (released << SOURCE_BITS)
                        n_del += np.int64(released > 0)
                    rng += GAMMA * np.uint64(n_draws)
                    first = stop
                hi[_rec(j, H_EMPTY_ROW)] = row_empty
                expected += row_empty
                continue
            for s in range(first, last):
                at = rng + GAMMA * np.uint64((s - first) * per)  # its draws follow
                nl = np.int64(loaded[s])
                ne = n_sites - nl
                if ne > 0 and q_thr > 0:
                    if q_thr >= all_refill:
                        nl = n_sites
                    else:
                        draw = at
                        kk = 0
                        while kk < ne:
                            draw, z = next_u64(draw)
                            if (z >> _S32) < q_thr:
                                nl += 1
                            if kk + 1 < ne and (z & _LOW32U) < q_thr:
                                nl += 1
                            kk += 2
                released = 0
                draw = at + GAMMA * np.uint64(refill)
                kk = 0
                while kk < nl:
                    draw, z = next_u64(draw)
                    if (z >> _S32) < p_thr:
                        released += 1
                    if kk + 1 < nl and (z & _LOW32U) < p_thr:
                        released += 1
                    kk += 2
                nl -= released
                loaded[s] = nl
                row_empty += n_sites - nl
                targets[n_del] = indices[s]
                slots[n_del] = e | (np.int64(released) << SOURCE_BITS)
                n_del += np.int64(released > 0)
            rng += GAMMA * np.uint64((last - first) * per)
            hi[_rec(j, H_EMPTY_ROW)] = row_empty
            expected += row_empty
        # 4. the currents of those vesicles, in the same order (a second pass: its loop,
        # with few branches, waits for the targets' state of several deliveries at once)
        if a_syn == 0.0:
            n_del = 0
        for q in range(n_del):
            ia = targets[min(q + 2 * _AHEAD, n_del - 1)]
            prefetch(hf, np.int64(ia) * H_WIDTH)  # u, I, tref, sched, source count, flag
            ib = targets[min(q + _AHEAD, n_del - 1)]  # the slot it will append to
            prefetch(src, (np.int64(ib) * MAX_SOURCES + hw[_rec32(ib, W_SRC_N)]) * 2)
            i = targets[q]
            slot = slots[q]
            w = (slot >> SOURCE_BITS) * a_syn
            # u, I brought to m (lazy: k > 0 steps; refractory: k < 0, I decays until
            # tref; both are the identity for k = 0: a^0 = c^0 = 1, g(0) = 0)
            ti = hi[_rec(i, H_TREF)]
            k = max(m - ti, 0)
            kr = max(ti - m, 0)
            if max(k, kr) < n_table:
                ak = tables[0, np.uint64(k)]  # k, kr >= 0: unsigned, no negative-index code
                gk = tables[2, np.uint64(k)]
                ck = tables[1, np.uint64(k)]
                cr = tables[1, np.uint64(kr)]
            else:
                ak = _apow(k, tables, a)
                gk = _gval(k, tables, a, c, g_scale, degenerate)
                ck = _cpow(k, tables, c)
                cr = _cpow(kr, tables, c)
            ui = hf[_rec(i, H_U)] * ak + hf[_rec(i, H_CUR)] * gk
            ci = hf[_rec(i, H_CUR)] * ck + w * cr
            hf[_rec(i, H_U)] = ui
            hf[_rec(i, H_CUR)] = ci
            hi[_rec(i, H_TREF)] = max(ti, m)
            ns = hw[_rec32(i, W_SRC_N)]
            if ns == MAX_SOURCES:
                ns, evicted = _make_room(i, m, src, weights, ns, hi[_rec(i, H_TRESET)], tables,
                                         a, c, g_scale, degenerate, g_max, forget)
                n_evicted += evicted
            srcf[_slot(i, ns) + 0] = slot
            srcf[_slot(i, ns) + 1] = m
            hw[_rec32(i, W_SRC_N)] = ns + 1
            # marked dirty without a branch (dirty has room for one more than n)
            flag = np.uint8((hb[_rec8(i, B_DIRTY)] == 0)
                            & ((hi[_rec(i, H_SCHED)] >= 0) | (ui + g_max * ci >= gap)))
            dirty[n_dirty] = i
            hb[_rec8(i, B_DIRTY)] |= flag
            n_dirty += np.int64(flag)
        # 5. external events of step t, delivered at m
        if ext_inv != 0.0:
            end = m * n
            while ext_next < end:
                i = ext_next - t * n
                if hi[_rec(i, H_TREF)] > m:
                    f = a_ext * _cpow(hi[_rec(i, H_TREF)] - m, tables, c)
                    hf[_rec(i, H_CUR)] += f
                    hf[_rec(i, H_EXT_CUR)] += f
                else:
                    if hi[_rec(i, H_TREF)] < m:
                        hf[_rec(i, H_U)], hf[_rec(i, H_CUR)] = _advance(
                            hf[_rec(i, H_U)], hf[_rec(i, H_CUR)], m - hi[_rec(i, H_TREF)],
                            tables, a, c, g_scale, degenerate)
                        hi[_rec(i, H_TREF)] = m
                    hf[_rec(i, H_CUR)] += a_ext
                    if hi[_rec(i, H_EXT_TREF)] < m:
                        hf[_rec(i, H_EXT_U)], hf[_rec(i, H_EXT_CUR)] = _advance(
                            hf[_rec(i, H_EXT_U)], hf[_rec(i, H_EXT_CUR)],
                            m - hi[_rec(i, H_EXT_TREF)], tables, a, c, g_scale, degenerate)
                        hi[_rec(i, H_EXT_TREF)] = m
                    hf[_rec(i, H_EXT_CUR)] += a_ext
                hi[_rec(i, H_EXT_LAST)] = m
                if hb[_rec8(i, B_DIRTY)] == 0 and (
                        hi[_rec(i, H_SCHED)] >= 0
                        or hf[_rec(i, H_U)] + g_max * hf[_rec(i, H_CUR)] >= gap):
                    dirty[n_dirty] = i
                    hb[_rec8(i, B_DIRTY)] = 1
                    n_dirty += 1
                rng, z = next_u64(rng)
                ext_next += 1 + np.int64(min(np.log(uniform_open(z)) * ext_inv, 4.0e18))
        loaded_trace[t - chunk_start] = (1.0 - expected / total_sites if total_sites > 0
                                         else 1.0)
        t = m
    for i in range(n):
        u[i] = hf[_rec(i, H_U)]
        cur[i] = hf[_rec(i, H_CUR)]
        tref[i] = hi[_rec(i, H_TREF)]
        src_n[i] = hw[_rec32(i, W_SRC_N)]
        treset[i] = hi[_rec(i, H_TRESET)]
        ext_u[i] = hf[_rec(i, H_EXT_U)]
        ext_cur[i] = hf[_rec(i, H_EXT_CUR)]
        ext_tref[i] = hi[_rec(i, H_EXT_TREF)]
        ext_last[i] = hi[_rec(i, H_EXT_LAST)]
        last_fire[i] = hi[_rec(i, H_LAST_FIRE)]
        empty_row[i] = hi[_rec(i, H_EMPTY_ROW)]
    state[M_T] = t
    state[M_N_EVENTS] = n_ev
    state[M_N_LINKS] = n_ln
    state[M_NEXT_AV] = next_av
    state[M_N_SCHEDULED] = n_sched
    state[M_EXT_NEXT] = ext_next
    state[M_N_EVICTED] = n_evicted
    state[M_STARTED] = started
    state[M_COMPLETED] = completed
    state[M_SEEDED] = seeded
    fstate[0] = expected
    rng_state[0] = rng
    return status


@njit(cache=True)
def saved_sources(src, src_n, event_map, weights, shift):
    """The remembered sources in a saved state's layout: one (n, MAX_SOURCES) array each
    of events (int32, renumbered through ``event_map``), arrival times (int64, minus
    ``shift``) and currents (float64, ``weights`` of their class), zero past ``src_n``.

    Parameters
    ----------
    src : int64 (n, MAX_SOURCES, 2)
    src_n : int32 (n,)
    event_map : int32 (n_events,)
        Carried id of every event (only the remembered ones are read).
    weights : float64 (k,)
    shift : int

    Returns
    -------
    src_event, src_t0, src_w : int32, int64, float64 (n, MAX_SOURCES)

    Notes
    -----
    Jit-compiled with numba.
    """
    n = len(src_n)
    src_event = np.zeros((n, MAX_SOURCES), np.int32)
    src_t0 = np.zeros((n, MAX_SOURCES), np.int64)
    src_w = np.zeros((n, MAX_SOURCES), np.float64)
    for i in range(n):
        for s in range(src_n[i]):
            slot = src[i, s, 0]
            src_event[i, s] = event_map[slot & _EVENT_MASK]
            src_t0[i, s] = src[i, s, 1] - shift
            src_w[i, s] = weights[slot >> SOURCE_BITS]
    return src_event, src_t0, src_w


@njit(cache=True)
def _keep_ages(weights, tables, c, g_max, forget):
    """Per source class, the largest age k >= 0 (steps since its arrival) at which a reset
    keeps a source of that class, ``weights[class] c^k g_max >= forget`` (-1: never).

    The test decreases with k (``c^k`` does, and so do its products with positive
    constants, rounding included), so a reset compares the age with this bound, the same
    answer as evaluating it."""
    out = np.full(len(weights), -1, np.int64)
    for r in range(len(weights)):
        w = weights[r]
        if not w * _cpow(0, tables, c) * g_max >= forget:
            continue
        lo = 0  # kept at lo, not known beyond
        hi = 1
        while hi < 2**62 and w * _cpow(hi, tables, c) * g_max >= forget:
            lo = hi
            hi *= 2
        if w * _cpow(hi, tables, c) * g_max >= forget:  # still kept at the cap
            out[r] = hi
            continue
        while hi - lo > 1:  # kept at lo, not at hi
            mid = (lo + hi) >> 1
            if w * _cpow(mid, tables, c) * g_max >= forget:
                lo = mid
            else:
                hi = mid
        out[r] = lo
    return out


@njit(cache=True)
def _make_room(i, m, src, weights, ns, tr, tables, a, c, g_scale, degenerate, g_max, forget):
    """Make room in neuron i's full source table at time m: drop the sources whose bound
    ``u_s + g_max I_s`` is below ``forget``, else the one with the smallest bound (order
    kept). Return (new count, 1 if a source above ``forget`` had to go, else 0)."""
    kept = 0
    smallest = np.inf
    worst = 0
    for s in range(ns):
        sl = src[i, s, 0]
        t0 = src[i, s, 1]
        w = weights[sl >> SOURCE_BITS]
        bound = (_contribution(t0, w, tr, m, tables, a, c, g_scale, degenerate)
                 + g_max * w * _cpow(m - t0, tables, c))
        if bound >= forget:
            src[i, kept, 0] = sl
            src[i, kept, 1] = t0
            if bound < smallest:
                smallest = bound
                worst = kept
            kept += 1
    if kept < ns:
        return kept, 0
    for s in range(worst, ns - 1):
        src[i, s, 0] = src[i, s + 1, 0]
        src[i, s, 1] = src[i, s + 1, 1]
    return ns - 1, 1
