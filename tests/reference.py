"""Slow, obviously correct pure-Python references for the dynamics kernels.

They follow the model rules literally (lists, dicts, one neuron at a time) and consume the
same SplitMix64 stream in the same order as the kernels (see the module docstrings of
netaval/_kernels/branching.py and contact_process.py), so on tiny networks the tests can
demand identical events.
"""

import math

import numpy as np

import netaval

MASK = (1 << 64) - 1
NEVER = -(2**62)


class SplitMix64:
    """SplitMix64 (Steele, Lea & Flood 2014), the inline generator of the kernels."""

    def __init__(self, state):
        self.state = int(state)

    def bits(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform_open(self):
        return min((float(self.bits() >> 11) + 0.5) * 2.0**-53, 1.0 - 2.0**-53)

    def uniform_half_open(self):
        return float(self.bits() >> 11) * 2.0**-53

    def below(self, n):
        return ((self.bits() >> 32) * n) >> 32


def _kernel_rng(seed):
    """The SplitMix64 state `netaval.simulate` derives from ``seed`` (an int)."""
    generator = np.random.default_rng(np.random.SeedSequence(seed))
    return SplitMix64(generator.integers(0, 2**64, dtype=np.uint64))


def _to_events(records, continuous, ends=None):
    """records: list of (time, neuron, avalanche, generation, parents) in event order;
    ends: event id -> deactivation time (continuous time; absent: still active, inf)."""
    time = np.array([r[0] for r in records], dtype=np.float64 if continuous else np.int64)
    end_time = None
    if continuous:
        end_time = np.array([ends.get(e, math.inf) for e in range(len(records))], np.float64)
    indptr = np.zeros(len(records) + 1, np.int64)
    indptr[1:] = np.cumsum([len(r[4]) for r in records]) if records else []
    parents = [p for r in records for p in r[4]]
    return netaval.Events(time=time, neuron=np.array([r[1] for r in records], np.int32),
                          avalanche=np.array([r[2] for r in records], np.int32),
                          generation=np.array([r[3] for r in records], np.int32),
                          parent_indptr=indptr, parent_ids=np.array(parents, np.int32),
                          time_step=None if continuous else 1.0, end_time=end_time)


def branching(network, model, *, protocol="driven", n_steps=None, initial=None,
              n_avalanches=None, seed=0):
    """Reference `Branching` run: returns (Events, end_time)."""
    rng = _kernel_rng(seed)
    n = network.n_nodes
    p_row, inv_log_q, per_synapse, scale = model.transmission(network)
    rows = [(int(network.indptr[j]), int(network.indptr[j + 1])) for j in range(n)]
    drive = model.drive if protocol == "driven" else 0.0
    records = []
    last_fire = [NEVER] * n
    next_av = 0
    if n_steps == 0:
        return _to_events([], False), 0
    frontier = []
    t = 0
    if protocol == "spreading":
        for i in sorted(int(i) for i in initial):
            records.append((0, i, next_av, 0, []))
            last_fire[i] = 0
            frontier.append(len(records) - 1)
            next_av += 1
        t = 1
        if not frontier:
            return _to_events(records, False), 0
    started = completed = next_seed = 0
    if protocol == "isolated" and n_avalanches == 0:
        return _to_events([], False), 0
    while n_steps is None or t < n_steps:
        children = {}  # neuron -> [primary, [secondary parents]], or None for a root
        hits = []  # successful transmissions (target, transmitting event), in draw order
        for e in frontier:
            j = records[e][1]
            a, b = rows[j]
            if per_synapse:
                for s in range(a, b):
                    if rng.uniform_half_open() < scale * network.weights[s]:
                        hits.append((int(network.indices[s]), e))
            elif p_row[j] > 0:
                if inv_log_q[j] == 0.0:
                    # u < p for a 32-bit uniform u, two per draw (high half first); on a
                    # tie u == floor(p 2**32) one more draw decides with the remainder
                    x = p_row[j] * 2.0**32
                    thr = int(x)
                    frac = x - thr
                    for s in range(a, b):
                        if (s - a) % 2 == 0:
                            z = rng.bits()
                            u, low = z >> 32, z & 0xFFFFFFFF
                        else:
                            u = low
                        if u < thr or (u == thr and rng.uniform_half_open() < frac):
                            hits.append((int(network.indices[s]), e))
                else:
                    s = a - 1
                    while True:
                        gap = math.floor(math.log(rng.uniform_open()) * inv_log_q[j])
                        if gap >= b - s - 1:
                            break
                        s += 1 + gap
                        hits.append((int(network.indices[s]), e))
        for i, e in hits:
            if i in children:  # k-th transmitter becomes primary with probability 1/k
                primary, others = children[i]
                if rng.below(2 + len(others)) == 0:
                    others.append(primary)
                    children[i][0] = e
                else:
                    others.append(e)
            elif t - last_fire[i] > model.refractory:
                children[i] = [e, []]
                last_fire[i] = t
        if protocol == "isolated" and frontier and not children:
            completed += 1
            next_seed = t + model.refractory
            if completed >= n_avalanches:
                return _to_events(records, False), t
        if drive > 0:
            inv = -1e-300 if drive >= 1 else 1.0 / math.log1p(-drive)
            pos = -1
            while True:
                gap = math.floor(math.log(rng.uniform_open()) * inv)
                if gap >= n - pos - 1:
                    break
                pos += 1 + gap
                if pos not in children and t - last_fire[pos] > model.refractory:
                    children[pos] = None
                    last_fire[pos] = t
        if (protocol == "isolated" and not children and not frontier and t >= next_seed
                and started < n_avalanches):
            i = rng.below(n)
            children[i] = None
            last_fire[i] = t
            started += 1
        frontier = []
        for i in sorted(children):
            if children[i] is None:
                records.append((t, i, next_av, 0, []))
                next_av += 1
            else:
                primary, others = children[i]
                records.append((t, i, records[primary][2], records[primary][3] + 1,
                                [primary, *others]))
            frontier.append(len(records) - 1)
        t += 1
        if protocol == "spreading" and not children:
            return _to_events(records, False), t - 1
    return _to_events(records, False), t


def contact_process(network, model, *, protocol="driven", duration=None, initial=None,
                    n_avalanches=None, seed=0):
    """Reference `ContactProcess` run (same draws as the kernel): (Events, end_time)."""
    rng = _kernel_rng(seed)
    n = network.n_nodes
    limit = math.inf if duration is None else duration
    neighbours = [network.indices[network.indptr[j]:network.indptr[j + 1]].tolist()
                  for j in range(n)]
    records = []
    ends = {}  # event id -> deactivation time
    perm = list(range(n))  # active nodes first
    current = {}  # active node -> event id of its activation
    if duration == 0:
        initial = []

    def activate(i, parent, t):
        k = perm.index(i)
        na = len(current)
        perm[k], perm[na] = perm[na], perm[k]
        if parent is None:
            n_roots = sum(1 for r in records if not r[4])
            records.append((t, i, n_roots, 0, []))
        else:
            records.append((t, i, records[parent][2], records[parent][3] + 1, [parent]))
        current[i] = len(records) - 1

    for i in sorted(int(i) for i in (initial if initial is not None else [])):
        activate(i, None, 0.0)
    t = 0.0
    completed = 0
    h = model.drive if protocol == "driven" else 0.0
    while True:
        na = len(current)
        if na == 0:
            if protocol == "isolated":
                if completed >= n_avalanches or n == 0 or t >= limit:
                    return _to_events(records, True, ends), t
                activate(rng.below(n), None, t)
                continue
            if protocol == "spreading" or h == 0.0:
                return _to_events(records, True, ends), (limit if protocol == "driven" else t)
        total = na * (1.0 + model.rate) + h * (n - na)
        t_new = t - math.log(rng.uniform_open()) / total
        if t_new >= limit:
            return _to_events(records, True, ends), limit
        t = t_new
        x = rng.uniform_open() * total
        if x < na * (1.0 + model.rate):
            k = min(int(x / (1.0 + model.rate)), na - 1)
            j = perm[k]
            if x - k * (1.0 + model.rate) < 1.0:
                perm[k], perm[na - 1] = perm[na - 1], perm[k]
                ends[current.pop(j)] = t
                if protocol == "isolated" and not current:
                    completed += 1
            elif neighbours[j]:
                i = neighbours[j][rng.below(len(neighbours[j]))]
                if i not in current:
                    activate(i, current[j], t)
        else:
            k = min(na + int((x - na * (1.0 + model.rate)) / h), n - 1)
            activate(perm[k], None, t)


def random_network(n_nodes, k_out, seed=0, *, directed=True):
    """Random graph where every node picks ``k_out`` targets uniformly (no self-loops),
    duplicates merged (so a few rows have fewer); weights uniform in (0, 1]."""
    rng = np.random.default_rng(seed)
    if n_nodes < 2 or k_out == 0:
        return netaval.Network.from_edges([], [], n_nodes=n_nodes)
    src = np.repeat(np.arange(n_nodes, dtype=np.int64), k_out)
    dst = (src + 1 + rng.integers(0, n_nodes - 1, len(src))) % n_nodes
    key = np.unique(src * n_nodes + dst)
    weights = 1.0 - rng.random(len(key))
    return netaval.Network.from_edges(key // n_nodes, key % n_nodes, n_nodes=n_nodes,
                                      weights=weights)
