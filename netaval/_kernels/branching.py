"""Jitted kernel of the discrete-time branching (Kinouchi-Copelli) dynamics.

One call advances the simulation step by step until a status is reached. All state lives
in arrays owned by the driver (`netaval.simulate`), so the driver can grow buffers, show
progress and resume; the random stream is the inline SplitMix64 of `rng.py`, whose state
is carried across calls, so results do not depend on where the driver splits the run.

Order of random draws in step t (the pure-Python reference in tests/reference.py
consumes them identically):

1. for each firing of step t - 1 in event order, for each synapse of its neuron's row in
   CSR order: with per-synapse probabilities, one draw per synapse (Bernoulli ``u < p``,
   u the top 53 bits); for rows with one p drawn trial by trial, one draw per two
   synapses (the row's 1st, 3rd, ... synapses use its high 32 bits u, the 2nd, 4th, ...
   its low 32 bits; success iff ``u < floor(p 2**32)``, and on ``u == floor(p 2**32)`` one
   more draw taken right then decides with probability ``p 2**32 - floor(p 2**32)``; a
   row with an odd number of synapses leaves its last low half unused); for rows flagged
   geometric, one draw per success plus one ending the row (gap to the next success ~
   Geometric(p)); the successful transmissions are listed in that order;
2. the listed transmissions are applied in order; one onto a neuron already fired in step
   t by an earlier transmitter draws once (reservoir choice of the primary parent,
   probability 1/k for the k-th transmitter);
3. the drive (driven protocol): gaps between driven neurons ~ Geometric(drive) over
   neurons 0 .. n-1, one draw per driven neuron plus one ending the pass;
4. the seed (isolated protocol): one draw for the uniformly chosen neuron.
"""

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.cpython.unsafe.numbers import trailing_zeros
from numba.extending import intrinsic

from netaval._kernels._vector import splat, splitmix_lanes
from netaval._kernels.accumulate import (
    A_BASE,
    A_EPOCH,
    A_NEW,
    A_PAIRS,
    C_ROOT,
    C_SECONDARY,
    C_SIZE,
    I_EPOCH,
    I_REPEATS,
    MARK_WIDTH,
    T_END,
    T_START,
    _contains,
    _keep_pair,
    _ring_has,
    _ring_push,
    pair_key,
)
from netaval._kernels.rng import GAMMA, bounded, next_u64, uniform_open

__all__ = [
    "OK", "DONE", "LIMIT", "BUFFER_FULL", "MAX_EVENTS",
    "DRIVEN", "SPREADING", "ISOLATED",
    "S_T", "S_N_EVENTS", "S_N_LINKS", "S_FRONTIER", "S_NEXT_AV", "S_STARTED",
    "S_COMPLETED", "S_NEXT_SEED", "S_NEED_EVENTS", "S_NEED_LINKS", "S_NEED_WORK",
    "S_TOUCH", "STATE_SIZE", "NEVER", "MAX_STEPS", "bitmap_size",
    "_run_branching",
]

# status codes
OK = 0           # chunk budget used up; call again
DONE = 1         # activity ended naturally (spreading: silence; isolated: n_avalanches done)
LIMIT = 2        # n_steps reached
BUFFER_FULL = 3  # an output or work buffer is too small for the next step (sizes in state;
                 # with summaries: rows or pair slots for S_NEED_EVENTS - S_N_EVENTS events)
MAX_EVENTS = 4   # the number of events reached max_events

# protocols
DRIVEN = 0
SPREADING = 1
ISOLATED = 2

# slots of the int64 state array
S_T = 0            # next step to simulate (= number of steps simulated so far)
S_N_EVENTS = 1
S_N_LINKS = 2
S_FRONTIER = 3     # id of the first event of step S_T - 1
S_NEXT_AV = 4      # next avalanche id
S_STARTED = 5      # isolated: avalanches seeded
S_COMPLETED = 6    # isolated: avalanches that died out
S_NEXT_SEED = 7    # isolated: earliest step of the next seed
S_NEED_EVENTS = 8  # on BUFFER_FULL: capacities needed
S_NEED_LINKS = 9
S_NEED_WORK = 10
S_TOUCH = 11       # unused (was a checksum of demand-load prefetching)
STATE_SIZE = 12

# Per-neuron state ``fire[i] = (t << 32) | c``: the step t of the neuron's last firing
# (high 32 bits, signed) and its temporary index c in that step (low 32 bits). Steps are
# below 2**31 (the driver stops there) and refractory periods are clamped to 2**31 - 1.
NEVER = np.iinfo(np.int64).min  # t = -2**31: never fired
MAX_STEPS = 2**31 - 1
_LOW32 = 0xFFFFFFFF

_ONE = np.uint64(1)
_S32 = np.uint64(32)
_S11 = np.uint64(11)
_LOW32U = np.uint64(0xFFFFFFFF)


@intrinsic
def prefetch(typingctx, array, index):
    """Prefetch hint for element ``index`` (flat, C order) of ``array``; never faults."""
    sig = types.void(array, index)

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
            "llvm.prefetch.p0i8")
        # read, highest temporal locality, data cache
        builder.call(fn, [builder.bitcast(builder.gep(data, [args[1]]), i8p),
                          ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def _trial_block(typingctx, indices, s, n_live, rng, thr, parent, sec_child, sec_parent, nu):
    """One block of 16 Bernoulli trials of a row, vectorised (see `_run_branching`).

    The 8 SplitMix64 draws after state ``rng``; trial q uses the high (q even) or low
    (q odd) 32 bits of draw q // 2 and succeeds iff they are below ``thr``. The targets
    ``indices[s + q]`` of the successes among the first ``n_live`` (<= 16) trials are
    stored in order at ``sec_child[nu:]``, and ``parent`` at ``sec_parent[nu:nu + 16]``.
    Returns the number of successes, plus 2**32 if a live trial tied (u == thr).
    """
    if not (all(isinstance(x, types.Array) and x.dtype == types.int32 and x.layout == "C"
                for x in (indices, sec_child, sec_parent))
            and parent == types.int32 and rng == thr == types.uint64
            and all(isinstance(x, types.Integer) and x.bitwidth == 64 for x in (s, n_live, nu))):
        return None
    sig = types.int64(indices, s, n_live, rng, thr, parent, sec_child, sec_parent, nu)

    def codegen(context, builder, signature, args):
        ind, s_, live_, rng_, thr_, par_, child, parents, nu_ = args
        at = signature.args
        i1, i16, i32, i64 = (ir.IntType(b) for b in (1, 16, 32, 64))
        v8, v16 = ir.VectorType(i64, 8), ir.VectorType(i32, 16)
        m16 = ir.VectorType(i1, 16)
        ind_data = context.make_array(at[0])(context, builder, ind).data
        child_data = context.make_array(at[6])(context, builder, child).data
        par_data = context.make_array(at[7])(context, builder, parents).data
        z = splitmix_lanes(builder, rng_, 8)
        hi = builder.lshr(z, ir.Constant(v8, [32] * 8))
        lo = builder.and_(z, ir.Constant(v8, [0xFFFFFFFF] * 8))
        thr8 = splat(builder, thr_, v8)
        pick = ir.Constant(ir.VectorType(i32, 16), [q // 2 + 8 * (q % 2) for q in range(16)])
        hit = builder.shuffle_vector(builder.icmp_unsigned("<", hi, thr8),
                                     builder.icmp_unsigned("<", lo, thr8), pick)
        tie = builder.shuffle_vector(builder.icmp_unsigned("==", hi, thr8),
                                     builder.icmp_unsigned("==", lo, thr8), pick)
        live = builder.icmp_signed("<", ir.Constant(v16, list(range(16))),
                                   splat(builder, builder.trunc(live_, i32), v16))
        hit = builder.and_(hit, live)
        tie = builder.and_(tie, live)
        src = builder.bitcast(builder.gep(ind_data, [s_]), v16.as_pointer())
        targets = builder.load(src, align=4)
        dst = builder.bitcast(builder.gep(child_data, [nu_]), i32.as_pointer())
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [v16, i32.as_pointer(), m16]),
            "llvm.masked.compressstore.v16i32")
        builder.call(fn, [targets, dst, hit])
        pdst = builder.bitcast(builder.gep(par_data, [nu_]), v16.as_pointer())
        builder.store(splat(builder, par_, v16), pdst, align=4)
        ctpop = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(i16, [i16]), "llvm.ctpop.i16")
        count = builder.zext(builder.call(ctpop, [builder.bitcast(hit, i16)]), i64)
        tied = builder.zext(builder.icmp_unsigned("!=", builder.bitcast(tie, i16),
                                                  ir.Constant(i16, 0)), i64)
        return builder.or_(count, builder.shl(tied, ir.Constant(i64, 32)))

    return sig, codegen


def bitmap_size(n: int) -> int:
    """Length of the zeroed uint64 ``bitmap`` scratch `_run_branching` needs for n neurons."""
    n_words = n // 64 + 1
    return n_words + n_words // 64 + 1

_INV53 = 1.0 / 9007199254740992.0
#: Bernoulli trials per vector step of a row (`_trial_block`: 8 draws); the work buffer
#: keeps this many slots beyond a step's synapses (a block writes 16 slots)
_BLOCK = 16


def _vector_trials() -> bool:
    """Whether numba compiles for a CPU with AVX-512 F, VL and DQ (``NUMBA_CPU_FEATURES``
    or the host's): rows of Bernoulli trials go in vector blocks (`_trial_block`) there;
    elsewhere trial by trial (`_bernoulli_row`), since LLVM then expands the block's
    packing and 64-bit multiplies into scalar code (measured 16 % slower than the loop
    with numba targeting AVX2 only). Same draws and events either way."""
    from llvmlite import binding
    from numba.core import config

    features = config.CPU_FEATURES
    if features is None:
        features = binding.get_host_cpu_features().flatten()
    on = set(features.split(","))
    return all(f"+{name}" in on for name in ("avx512f", "avx512vl", "avx512dq"))


#: vector blocks of trials (read once, at import: a compile-time constant of the kernel)
_VECTOR_TRIALS = _vector_trials()
#: rows prefetched ahead of the one transmitting: all of a step's rows at once (thousands
#: at N = 1e6) overflow the L2 before they are read (synapses up front measured 11-14 %
#: slower at N = 1e6 and the same at N = 1e5; parameters up front 6-8 % / 3-6 % slower)
_AHEAD = 8


@njit(cache=True, inline="always")
def _bernoulli_row(indices, a, b, p, e32, rng, nu, sec_child, sec_parent):
    """Draw row ``a .. b`` of Bernoulli(p) trials two per 64-bit draw, ties resolved
    exactly in order (see the module docstring); append the successes at ``nu``
    (branch-free: a slot is overwritten when its trial fails). Returns ``(rng, nu)``."""
    x = p * 4294967296.0
    thr = np.uint64(x)
    frac = x - np.float64(thr)
    s = a
    while s < b:
        rng, z = next_u64(rng)
        u = z >> _S32
        v = z & _LOW32U
        if u == thr or v == thr:  # rare tie: resolve exactly, in order
            hit = u < thr
            if u == thr:
                rng, z = next_u64(rng)
                hit = np.float64(z >> _S11) * _INV53 < frac
            sec_child[nu] = indices[s]
            sec_parent[nu] = e32
            nu += np.uint64(hit)
            if s + 1 < b:
                hit = v < thr
                if v == thr:
                    rng, z = next_u64(rng)
                    hit = np.float64(z >> _S11) * _INV53 < frac
                sec_child[nu] = indices[s + 1]
                sec_parent[nu] = e32
                nu += np.uint64(hit)
        else:
            sec_child[nu] = indices[s]
            sec_parent[nu] = e32
            nu += np.uint64(u < thr)
            if s + 1 < b:
                sec_child[nu] = indices[s + 1]
                sec_parent[nu] = e32
                nu += np.uint64(v < thr)
        s += 2
    return rng, nu


@njit(cache=True, nogil=True)
def _run_branching(indptr, indices, weights, row_params, per_synapse, weight_scale,
                   refractory, drive_inv_log_q, protocol, n_steps, n_avalanches, max_events,
                   chunk_end_step, chunk_max_events, record,
                   fire, ch_neuron, ch_prim, ch_cnt, sec_child, sec_parent,
                   bitmap, time, neuron, avalanche, generation, parent_indptr, parent_ids,
                   summarise, id_offset, acc, state, rng_state):
    """Advance the branching dynamics until a status code is reached.

    Parameters
    ----------
    indptr, indices, weights : int64 (n+1,), int32 (n_edges,), float64 (n_edges,)
        CSR network, row = presynaptic neuron.
    row_params : float64 (n, 2)
        Per row: the transmission probability p of every synapse of the row (ignored if
        ``per_synapse``), and ``1 / log(1 - p)`` for rows drawn by geometric skipping or
        0.0 for rows drawn one Bernoulli per synapse (one cache line per row).
    per_synapse : bool
        True: synapse s transmits with probability ``weight_scale * weights[s]``.
    weight_scale : float
    refractory : int
        Steps after a firing during which the neuron cannot fire.
    drive_inv_log_q : float
        ``1 / log(1 - drive)`` (driven protocol), 0.0 for no drive.
    protocol : int
        DRIVEN, SPREADING or ISOLATED.
    n_steps, n_avalanches, max_events : int
        Limits (-1: none).
    chunk_end_step, chunk_max_events : int
        Return OK when this step is reached or this many events were added.
    record : bool
        Write the causes (generation, parents); False writes only ``time``, ``neuron``
        and ``avalanche`` (the same events: the random draws do not depend on it).
    fire : int64 (n,)
        Per-neuron state ``(last firing step << 32) | index in that step``.
    ch_neuron, ch_prim, ch_cnt : int32, int32, int64 (n,)
        The step's firings (neuron, primary parent or -1, parent count / cursor).
    sec_child, sec_parent : int32 (work,)
        The step's successful transmissions (target, transmitting event), then, in place,
        its secondary parents (firing index, parent event); ``work`` must exceed the
        step's synapses by ``_BLOCK`` (a block of trials writes that many slots).
    bitmap : uint64 (n_words + n_words // 64 + 1,), n_words = n // 64 + 1
        Zeroed scratch for ordering a step's firings by neuron: one bit per neuron
        (``n_words`` words), then one bit per non-zero word (`bitmap_size`).
    time, neuron, avalanche, generation, parent_indptr, parent_ids : output buffers
    summarise : bool
        Update the online per-avalanche summaries (`netaval._kernels.accumulate`) as each
        firing is written, from its primary parent's avalanche (with or without
        ``record``; a step's parents are the previous step's firings, so an avalanche
        whose last event is before step t - 1 cannot grow at t: a pair leaving a neuron's
        row is kept only for one that can). Every causal link spans one step, so an
        event's depth and generation are both its step minus its avalanche's start: the
        kernel stores no depth or generation (depth = highest generation = end - start,
        see `netaval._summaries.AvalancheAccumulator.kernel_arrays`).
    id_offset : int
        Global id of buffer event 0 (summaries store global root ids).
    acc : tuple
        ``(counts, times, small, mark, table, acc_state)`` of the summaries (row r of the
        tables: avalanche ``acc_state[A_BASE] + r``; see
        `netaval._summaries.AvalancheAccumulator.kernel_arrays`); empty arrays when not
        summarising.
    state : int64 (STATE_SIZE,)
    rng_state : uint64 (1,)

    Returns
    -------
    status : int

    Notes
    -----
    Jit-compiled with numba.
    """
    n = len(indptr) - 1
    rng = rng_state[0]
    t = state[S_T]
    n_ev = state[S_N_EVENTS]
    n_ln = state[S_N_LINKS]
    fs = state[S_FRONTIER]
    next_av = state[S_NEXT_AV]
    started = state[S_STARTED]
    completed = state[S_COMPLETED]
    next_seed = state[S_NEXT_SEED]
    cap_ev = len(time)
    cap_ln = len(parent_ids)
    cap_work = len(sec_child)
    chunk_start = n_ev
    n_words = n // 64 + 1
    n_summary = len(bitmap) - n_words
    order = np.empty(1024, np.int64)
    n_syn = len(indices)
    fused = summarise
    counts, times, small, mark, table, acc_state = acc
    pairs = acc_state[A_PAIRS]
    epoch = acc_state[A_EPOCH]
    base = acc_state[A_BASE]  # row r of the tables is avalanche base + r
    status = OK
    while True:
        if n_steps >= 0 and t >= n_steps:
            status = LIMIT
            break
        if t >= chunk_end_step or n_ev - chunk_start >= chunk_max_events:
            status = OK
            break
        fe = n_ev
        if protocol == ISOLATED and fe == fs and t < next_seed:
            # silent network still resting before the next seed: those steps draw nothing
            # and fire nothing, so skip them (a long refractory costs no time)
            t = next_seed if n_steps < 0 else min(next_seed, n_steps)
            continue
        # bound the step's output: software prefetches retire at once, so the misses of
        # all the step's row bounds are in flight together (demand loads would stall the
        # loop once the reorder buffer fills); the rows' parameters and synapses are
        # prefetched _AHEAD rows ahead in the transmission loop
        for e in range(fs, fe):
            j = neuron[e]
            prefetch(indptr, j)
        sumdeg = 0
        for e in range(fs, fe):
            j = neuron[e]
            a = indptr[j]
            b = indptr[j + 1]
            sumdeg += b - a
        extra = 0
        if drive_inv_log_q != 0.0:
            extra = n
        elif protocol == ISOLATED:
            extra = 1
        need_ev = min(n, sumdeg + extra)
        if (n_ev + need_ev > cap_ev or (record and n_ln + sumdeg > cap_ln)
                or sumdeg + _BLOCK > cap_work or (fused and (
                    next_av - base + need_ev > counts.shape[0]
                    or 2 * (pairs + need_ev) > table.shape[0]))):
            state[S_NEED_EVENTS] = n_ev + need_ev
            state[S_NEED_LINKS] = n_ln + sumdeg if record else 0
            state[S_NEED_WORK] = sumdeg + _BLOCK
            status = BUFFER_FULL
            break
        # 1. transmissions: list the successes (target, transmitter)
        nh = 0
        for e in range(fs, min(fs + _AHEAD, fe)):
            j = neuron[e]
            prefetch(row_params, 2 * j)
            prefetch(indices, indptr[j])
            prefetch(indices, indptr[j + 1] - 1)
        for e in range(fs, fe):
            if e + _AHEAD < fe:
                # the parameters and both ends of the row _AHEAD rows on (a row of 10
                # int32 spans two cache lines 60% of the time; an empty row's hint is
                # harmless)
                j = neuron[e + _AHEAD]
                prefetch(row_params, 2 * j)
                prefetch(indices, indptr[j])
                prefetch(indices, indptr[j + 1] - 1)
            j = neuron[e]
            a = indptr[j]
            b = indptr[j + 1]
            if per_synapse:
                for s in range(a, b):
                    rng, z = next_u64(rng)
                    if np.float64(z >> np.uint64(11)) * _INV53 < weight_scale * weights[s]:
                        sec_child[nh] = indices[s]
                        sec_parent[nh] = e
                        nh += 1
            else:
                p = row_params[j, 0]
                if p <= 0.0:
                    continue
                il = row_params[j, 1]
                if il == 0.0:
                    # two Bernoulli trials per 64-bit draw: u < p with u a 32-bit uniform
                    # integer is u < thr = floor(p 2**32), or, when u == thr (probability
                    # 2**-32), one more draw decides with probability p 2**32 - thr:
                    # exact, no float conversion per synapse. The row goes in blocks of 16
                    # trials, each one vector step (8 draws, 16 compares, the successes'
                    # targets packed in order): no branch per synapse and no mispredicted
                    # loop exit per pair; the draws of a block's trials past the row end
                    # are computed but not consumed. A tie, or a row reaching into the
                    # CSR's last 15 synapses (a block would read past the end), redoes
                    # the row trial by trial from its first draw (`_bernoulli_row`), as
                    # does every row on a CPU without AVX-512 (`_vector_trials`).
                    x = p * 4294967296.0
                    thr = np.uint64(x)
                    e32 = np.int32(e)
                    nu = np.uint64(nh)  # unsigned index: no negative-index wraparound code
                    rng0 = rng
                    s = a
                    tie = False
                    while _VECTOR_TRIALS and s < b and s + _BLOCK <= n_syn:
                        left = min(b - s, _BLOCK)
                        r = _trial_block(indices, s, np.int64(left), rng, thr, e32,
                                         sec_child, sec_parent, nu)
                        nu += np.uint64(r & 0xFFFF)
                        tie |= r > 0xFFFF
                        rng += GAMMA * np.uint64((left + 1) >> 1)
                        s += _BLOCK
                    if tie or s < b:
                        rng, nu = _bernoulli_row(indices, a, b, p, e32, rng0, np.uint64(nh),
                                                 sec_child, sec_parent)
                    nh = np.int64(nu)
                else:
                    s = a - 1
                    while True:
                        rng, z = next_u64(rng)
                        g = np.floor(np.log(uniform_open(z)) * il)
                        if g >= b - s - 1:
                            break
                        s += 1 + np.int64(g)
                        sec_child[nh] = indices[s]
                        sec_parent[nh] = e
                        nh += 1
        # prefetch the targets' state (overlapped misses)
        for q in range(nh):
            prefetch(fire, sec_child[q])
        # 2. apply them; secondary parents overwrite the list in place (nsec <= q)
        m = 0
        nsec = 0
        for q in range(nh):
            i = sec_child[q]
            e = sec_parent[q]
            v = fire[i]
            lf = v >> 32
            if lf == t:
                # a secondary parent: the reservoir choice keeps the primary uniform
                c = v & _LOW32
                k = ch_cnt[c] + 1
                ch_cnt[c] = k
                rng, z = next_u64(rng)
                sp = e
                if bounded(z, k) == 0:
                    sp = ch_prim[c]
                    ch_prim[c] = e
                if record:
                    sec_child[nsec] = c
                    sec_parent[nsec] = sp
                    nsec += 1
                if fused:
                    counts[np.uint64(avalanche[sp] - base), C_SECONDARY] += 1
            elif t - lf > refractory:
                fire[i] = (t << 32) | m
                ch_neuron[m] = i
                ch_prim[m] = e
                ch_cnt[m] = 1
                m += 1
        # isolated: an avalanche ends when its last step has no children
        if protocol == ISOLATED and fe > fs and m == 0:
            completed += 1
            next_seed = t + refractory
            if completed >= n_avalanches:
                status = DONE
                break
        # 2. drive: transmission takes precedence (driven neurons already fired by a
        #    transmission in this step stay internal firings)
        if drive_inv_log_q != 0.0:
            pos = -1
            while True:
                rng, z = next_u64(rng)
                g = np.floor(np.log(uniform_open(z)) * drive_inv_log_q)
                if g >= n - pos - 1:
                    break
                pos += 1 + np.int64(g)
                lf = fire[pos] >> 32
                if lf != t and t - lf > refractory:
                    fire[pos] = (t << 32) | m
                    ch_neuron[m] = pos
                    ch_prim[m] = -1
                    ch_cnt[m] = 0
                    m += 1
        # 3. isolated: seed one uniformly chosen neuron on a silent, fully rested network
        if (protocol == ISOLATED and m == 0 and fe == fs and t >= next_seed
                and started < n_avalanches and n > 0):
            rng, z = next_u64(rng)
            i = bounded(z, n)
            fire[i] = t << 32
            ch_neuron[0] = i
            ch_prim[0] = -1
            ch_cnt[0] = 0
            m = 1
            started += 1
        # 4. write the step's firings sorted by neuron
        if m > 0:
            # order[f] = temporary index of the f-th firing in neuron order
            if m > len(order):
                order = np.empty(max(m, 2 * len(order)), np.int64)
            if m * 16 < n_summary:
                # few firings on a huge network: sort (neuron, index) keys
                for c in range(m):
                    order[c] = (np.int64(ch_neuron[c]) << 32) | c
                order[:m].sort()
                for f in range(m):
                    order[f] &= 0xFFFFFFFF
            else:
                # two-level bitmap: mark the firings, then visit only the marked words
                # (cost ~ n / 4096 + m per step, not n / 64)
                for c in range(m):
                    i = ch_neuron[c]
                    w = i >> 6
                    bitmap[w] |= _ONE << np.uint64(i & 63)
                    bitmap[n_words + (w >> 6)] |= _ONE << np.uint64(w & 63)
                f = 0
                for sw in range(n_summary):
                    sword = bitmap[n_words + sw]
                    if sword == 0:
                        continue
                    bitmap[n_words + sw] = 0
                    while sword != 0:
                        w = (sw << 6) + np.int64(trailing_zeros(sword))
                        sword &= sword - _ONE
                        word = bitmap[w]
                        bitmap[w] = 0
                        while word != 0:
                            i = (w << 6) + np.int64(trailing_zeros(word))
                            word &= word - _ONE
                            order[f] = fire[i] & _LOW32
                            f += 1
            # the lowest avalanche id that may still grow at step t: one with events at
            # step t - 1 (or a new one): an evicted pair of a lower one is dropped
            # without looking at that avalanche's row
            lo = next_av
            if fused:
                for e in range(fs, fe):
                    lo = min(lo, np.int64(avalanche[e]))
            for f in range(m):
                c = order[f]
                i = ch_neuron[c]
                e = n_ev + f
                time[e] = t
                neuron[e] = i
                prim = ch_prim[c]
                if prim < 0:
                    a = next_av
                    next_av += 1
                else:
                    a = avalanche[prim]
                avalanche[e] = a
                if fused:
                    # unsigned indices: no negative-index wraparound code per access (a and
                    # b below are at least base: avalanches of the steps since the last
                    # chunk boundary, which named their parents' avalanches alive)
                    ua = np.uint64(a - base)
                    ui = np.uint64(i)
                    # prefetch the row of summary state of the neuron 16 firings ahead
                    # (measured faster than prefetching it when the firing is applied)
                    if f + 16 < m:
                        prefetch(mark, np.int64(ch_neuron[order[f + 16]]) * MARK_WIDTH)
                    if prim < 0:
                        counts[ua, C_SIZE] = 1
                        counts[ua, C_ROOT] = e + id_offset
                        counts[ua, C_SECONDARY] = 0
                        times[ua, T_START] = t
                        small[ua, I_REPEATS] = 0
                        small[ua, I_EPOCH] = epoch
                        start = t
                    else:
                        counts[ua, C_SIZE] += 1
                        start = times[ua, T_START]
                    times[ua, T_END] = t  # depth = highest generation = end - start
                    # a new neuron of the avalanche unless the pair is in its row or in
                    # the pair table, looked up only if the neuron left a pair there
                    # since the avalanche started (``mark[i, 0]``: the step of its last
                    # eviction; helpers of one array each, see `_ring_has`)
                    seen = _ring_has(mark, ui, a)
                    if not seen and start <= mark[ui, 0]:
                        seen = _contains(table, pair_key(a, i))
                    if seen:
                        small[ua, I_REPEATS] += 1
                    else:
                        b = _ring_push(mark, ui, a)
                        # b may still grow iff it fired at step t - 1 or t (a step's
                        # parents are the previous step's firings)
                        if b >= lo and times[np.uint64(b - base), T_END] >= t - 1:
                            pairs += _keep_pair(b, ui, t, mark, table)
                if record:
                    k = ch_cnt[c]
                    start = parent_indptr[e]
                    parent_indptr[e + 1] = start + k
                    if prim < 0:
                        generation[e] = 0
                    else:
                        parent_ids[start] = prim
                        generation[e] = generation[prim] + 1
                        ch_cnt[c] = start + 1  # cursor for the secondary parents
            if record:
                for q in range(nsec):
                    c = sec_child[q]
                    parent_ids[ch_cnt[c]] = sec_parent[q]
                    ch_cnt[c] += 1
                n_ln = parent_indptr[n_ev + m]
        fs = n_ev
        n_ev += m
        t += 1
        if n_ev >= max_events >= 0:
            status = MAX_EVENTS
            break
        if protocol == SPREADING and m == 0:
            t -= 1  # the silent step does not count
            status = DONE
            break
    if fused:
        acc_state[A_NEW] = next_av
        acc_state[A_PAIRS] = pairs
    state[S_T] = t
    state[S_N_EVENTS] = n_ev
    state[S_N_LINKS] = n_ln
    state[S_FRONTIER] = fs
    state[S_NEXT_AV] = next_av
    state[S_STARTED] = started
    state[S_COMPLETED] = completed
    state[S_NEXT_SEED] = next_seed
    rng_state[0] = rng
    return status
