"""Independent truth for square and cubic lattices (shared by the bond-lattice tests).

Plain-Python enumeration of every state of a small periodic torus: the generator of
the master equation of site and bond rules (each two-site rule at every ordered
nearest-neighbour pair, both neighbour slots counted on an axis of length 2), the
moments of every state, and the exact Boltzmann distribution
exp(Σ h_s + Σ_bonds J_ss') by enumeration. Nothing here imports the engine.
"""
import itertools

import numpy as np
import scipy.sparse


def neighbour_slots(shape):
    """(n, 2d) array: slot 2a is the +1 neighbour along axis a, 2a + 1 the −1 one."""
    index = np.arange(int(np.prod(shape))).reshape(shape)
    slots = []
    for axis in range(len(shape)):
        slots.append(np.roll(index, -1, axis=axis).ravel())
        slots.append(np.roll(index, 1, axis=axis).ravel())
    return np.stack(slots, axis=1)


def all_states(n_sites, n_species):
    """(base**n, n) int array of every configuration, state k in base-(S+1) digits."""
    return np.array(list(itertools.product(range(n_species + 1), repeat=n_sites))[::1],
                    dtype=np.int64)


def state_moments(states, shape, n_species):
    """(M, L) moments µ_a, ∆_ab (bonds per site, each bond once) of every state."""
    slots = neighbour_slots(shape)
    n = states.shape[1]
    rows = [np.mean(states == a, axis=1) for a in range(1, n_species + 1)]
    plus = slots[:, 0::2]  # each bond once, from its − end
    for a in range(1, n_species + 1):
        for b in range(a, n_species + 1):
            count = np.zeros(states.shape[0])
            for column in range(plus.shape[1]):
                left, right = states, states[:, plus[:, column]]
                hit = (left == a) & (right == b)
                if a != b:
                    hit |= (left == b) & (right == a)
                count += hit.sum(axis=1)
            rows.append(count / n)
    return np.stack(rows, axis=1)


def generator(states, shape, n_species, rules):
    """Sparse generator Q (rows: from, columns: to) of rules ``(lhs, rhs, rate)``."""
    base = n_species + 1
    n = states.shape[1]
    slots = neighbour_slots(shape)
    powers = base ** np.arange(n - 1, -1, -1)
    codes = states @ powers
    rows, cols, vals = [], [], []
    for k, state in enumerate(states):
        for lhs, rhs, rate in rules:
            places = [(i,) for i in range(n)] if len(lhs) == 1 else \
                [(i, j) for i in range(n) for j in slots[i]]
            for place in places:
                if all(state[p] == c for p, c in zip(place, lhs)):
                    new = state.copy()
                    for p, c in zip(place, rhs):
                        new[p] = c
                    target = int(new @ powers)
                    if target != codes[k]:
                        rows.append(k)
                        cols.append(target)
                        vals.append(rate)
    q = scipy.sparse.coo_matrix((vals, (rows, cols)), shape=(len(states),) * 2).tocsr()
    return q - scipy.sparse.diags(np.asarray(q.sum(axis=1)).ravel())


def exact_moment_curves(shape, n_species, rules, initial, times):
    """(T, L) exact mean moments from one initial lattice, by expm_multiply."""
    from scipy.sparse.linalg import expm_multiply

    states = all_states(int(np.prod(shape)), n_species)
    base = n_species + 1
    start = int(np.asarray(initial).ravel() @ base ** np.arange(states.shape[1] - 1, -1, -1))
    p0 = np.zeros(len(states))
    p0[start] = 1.0
    q = generator(states, shape, n_species, rules)
    moments = state_moments(states, shape, n_species)
    curves = []
    for t in times:
        p = expm_multiply(q.T * t, p0) if t > 0 else p0
        curves.append(p @ moments)
    return np.array(curves)


def boltzmann_probabilities(states, shape, n_species, x):
    """Exact Boltzmann probabilities of every state at parameters x (parameter order)."""
    moments = state_moments(states, shape, n_species)
    n = states.shape[1]
    log_weight = n * moments @ np.asarray(x, dtype=float)
    weight = np.exp(log_weight - log_weight.max())
    return weight / weight.sum(), moments


def drift(state, shape, n_species, rules):
    """d E[moments]/dt from one state: Σ over events of rate × change of the moments."""
    state = np.asarray(state, dtype=np.int64).ravel()
    slots = neighbour_slots(shape)
    before = state_moments(state[None], shape, n_species)[0]
    total = np.zeros_like(before)
    for lhs, rhs, rate in rules:
        places = [(i,) for i in range(state.size)] if len(lhs) == 1 else \
            [(i, j) for i in range(state.size) for j in slots[i]]
        for place in places:
            if all(state[p] == c for p, c in zip(place, lhs)):
                new = state.copy()
                for p, c in zip(place, rhs):
                    new[p] = c
                total += rate * (state_moments(new[None], shape, n_species)[0] - before)
    return total


def cluster_frequencies(state, shape, n_species):
    """Site, ordered-pair, line and corner frequencies of one state, averaged over
    every site and lattice direction: {"site": {(a,): p}, "bond": .., "line": ..,
    "corner": ..}."""
    state = np.asarray(state, dtype=np.int64).ravel()
    slots = neighbour_slots(shape)
    z = slots.shape[1]
    kinds = {"site": {}, "bond": {}, "line": {}, "corner": {}}

    def add(kind, key, weight):
        kinds[kind][key] = kinds[kind].get(key, 0.0) + weight

    n = state.size
    for i in range(n):
        add("site", (state[i],), 1 / n)
        for u in range(z):
            add("bond", (state[i], state[slots[i, u]]), 1 / (n * z))
            add("line", (state[slots[i, u ^ 1]], state[i], state[slots[i, u]]), 1 / (n * z))
            for v in range(z):
                if v // 2 != u // 2:
                    add("corner", (state[slots[i, u]], state[i], state[slots[i, v]]),
                        1 / (n * z * (z - 2)))
    return kinds
