"""Exact kinetic Monte Carlo of site and bond rules on a periodic square or cubic lattice.

Sites of an L1×L2 (×L3) torus are numbered in C order (site (x, y, z) is
(x L2 + y) L3 + z, numpy's ``reshape(-1)``). Every site has z = 2 d neighbour slots,
direction 2a the +1 step along axis a and 2a + 1 the −1 step, so the slot of the
reverse step is ``direction ^ 1``. On an axis of length 2 both slots of a site point at
the same neighbour: the torus is then a multigraph, every ordered pair counted twice,
as the rules and the bond moments both see it.

Events are of two kinds: a single-site rule at site i (event id i) and a two-site rule
at the ordered nearest-neighbour pair (i, j = i + step) (event id (i << 2) | slot in 2D,
(i << 3) | slot in 3D). A byte per site flags the edges it lies on, so a neighbour is
one add (no division).
Rules are grouped by their left side ("pattern"); each pattern keeps the list of events
where it matches and each event its position in that list, so an event is drawn in
O(number of patterns) and applied by re-examining only the 2 z + 1 events that contain
each site it changes (swap-with-last removal, append insertion). Site counts and
{a, b} bond counts are kept the same way, so recording the per-site moments costs
O(L), never a scan.

Tables are those of ``dynboltz.runtime.lattice.chain.engine_tables.rule_tables``
(windows of width 1 and 2 only). Random numbers: xoshiro256** stream ``stream`` of the
SeedSequence whose words are given, as in the ring's engine.
"""
from libc.math cimport INFINITY
from libc.stdint cimport int8_t, int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc, realloc

import cython

from runtime.common.xoshiro cimport (ZigguratExponential, seed_sequence_words,
                              xoshiro_exponential, xoshiro_seed_spawned, xoshiro_uniform,
                              ziggurat_exponential_tables)


cdef extern from *:
    # a compiler builtin (a cache hint; no header, no effect on results)
    void __builtin_prefetch(const void*) nogil


cdef extern from "Python.h":
    # declared without an exception value: the caller reads its result itself
    int PyErr_CheckSignals()


cdef ZigguratExponential _ZIGGURAT
ziggurat_exponential_tables(&_ZIGGURAT)

cdef enum:
    _MAX_DIMENSION = 3
    _MAX_DIRECTIONS = 2 * _MAX_DIMENSION
    _SIGNAL_EVENTS = 1 << 20   # events between two checks for Ctrl-C
    _INTERRUPTED = -2

#: Largest number of ordered nearest-neighbour pairs (event ids are 32-bit).
MAX_PAIRS = 2 ** 31 - 1


cdef int _propagate() except -1:
    # the error indicator is already set (by PyErr_CheckSignals): raise it
    return -1


def stream_words(seed):
    """Entropy words of ``SeedSequence(seed)`` for ``BondEngine.run_exact``.

    Returns
    -------
    numpy.ndarray of uint32
    """
    return seed_sequence_words(seed)


@cython.final
cdef class BondEngine:
    """A periodic square or cubic lattice with its event lists and site/bond counts.

    Parameters
    ----------
    lattice : int8 array, shape (n,)
        Site codes 0..S in C order of ``shape``; read at construction, and the final
        state written back at the end of every run.
    shape : int64 array, shape (d,)
        (L1, L2) or (L1, L2, L3), every L >= 2, n 2**d < 2**31.
    n_species : int
        S.
    pattern_slot, pattern_rate, pattern_rule_start, rule_cumulative, rule_rhs,
    slot_width, slot_code_offset, pattern_of_code :
        Rule tables from ``rule_tables`` with windows of 1 or 2 sites.
    """
    cdef int8_t[::1] _lattice_view
    cdef Py_ssize_t n_sites, n_species, base, n_patterns, dimension, n_directions
    cdef Py_ssize_t width, shift
    cdef Py_ssize_t stride[_MAX_DIMENSION]
    cdef Py_ssize_t length[_MAX_DIMENSION]
    cdef Py_ssize_t step[_MAX_DIRECTIONS]        # i -> neighbour away from the edge
    cdef Py_ssize_t wrap_step[_MAX_DIRECTIONS]   # ... and across it
    cdef uint8_t edge_bit[_MAX_DIRECTIONS]
    cdef Py_ssize_t site_offset, pair_offset   # in pattern_of_code; -1: no such rules
    cdef object _tables
    cdef const int64_t* pattern_slot
    cdef const double* pattern_rate
    cdef const int64_t* pattern_rule_start
    cdef const double* rule_cumulative
    cdef const int8_t* rule_rhs
    cdef const int32_t* pattern_of_code
    cdef int pattern_width[64]
    cdef uint8_t* codes
    cdef uint8_t* edges    # bit d set: site on the edge that slot d crosses
    cdef int32_t* site_position
    cdef int32_t* pair_position
    cdef int32_t** pattern_events
    cdef Py_ssize_t* pattern_count
    cdef Py_ssize_t* pattern_capacity
    cdef int64_t* site_counts
    cdef int64_t* bond_counts
    cdef int32_t* bond_of   # (a, b) -> index of the unordered bond type {a, b}

    def __cinit__(self, int8_t[::1] lattice, const int64_t[::1] shape, Py_ssize_t n_species,
                  const int64_t[::1] pattern_slot, const double[::1] pattern_rate,
                  const int64_t[::1] pattern_rule_start, const double[::1] rule_cumulative,
                  const int8_t[:, ::1] rule_rhs, const int64_t[::1] slot_width,
                  const int64_t[::1] slot_code_offset, const int32_t[::1] pattern_of_code):
        cdef Py_ssize_t a, s, g, n = 1
        self.codes = NULL
        self.edges = NULL
        self.site_position = NULL
        self.pair_position = NULL
        self.pattern_events = NULL
        self.pattern_count = NULL
        self.pattern_capacity = NULL
        self.site_counts = NULL
        self.bond_counts = NULL
        self.bond_of = NULL
        self.n_patterns = 0
        if not 2 <= shape.shape[0] <= _MAX_DIMENSION:
            raise ValueError(f"`shape` of `BondEngine` must be `2 or 3 lengths`; got "
                             f"`{shape.shape[0]} lengths`")
        for a in range(shape.shape[0] - 1, -1, -1):
            if shape[a] < 2:
                raise ValueError(f"`shape` of `BondEngine` must be `lengths >= 2`; got "
                                 f"`{list(shape)}`")
            self.length[a] = shape[a]
            self.stride[a] = n
            n *= shape[a]
        self.dimension = shape.shape[0]
        self.n_directions = 2 * self.dimension
        self.shift = 2 if self.dimension == 2 else 3   # pair id = (i << shift) | slot
        for a in range(self.dimension):
            self.step[2 * a] = self.stride[a]
            self.wrap_step[2 * a] = -(self.length[a] - 1) * self.stride[a]
            self.step[2 * a + 1] = -self.stride[a]
            self.wrap_step[2 * a + 1] = (self.length[a] - 1) * self.stride[a]
            self.edge_bit[2 * a] = <uint8_t>(1 << (2 * a))
            self.edge_bit[2 * a + 1] = <uint8_t>(1 << (2 * a + 1))
        if lattice.shape[0] != n or (n << self.shift) > MAX_PAIRS:
            raise ValueError(f"`lattice` of `BondEngine` must be `{n} sites, fewer than "
                             f"2**31 ordered pairs`; got `{lattice.shape[0]} sites`")
        if rule_rhs.shape[1] > 2 or pattern_rate.shape[0] > 64:
            raise ValueError(f"`rule_rhs` of `BondEngine` must be `rules of 1 or 2 sites, "
                             f"at most 64 left sides`; got `{rule_rhs.shape[1]} sites, "
                             f"{pattern_rate.shape[0]} left sides`")
        self._tables = (pattern_slot, pattern_rate, pattern_rule_start, rule_cumulative,
                        rule_rhs, pattern_of_code)
        self._lattice_view = lattice
        self.n_sites = n
        self.n_species = n_species
        self.base = n_species + 1
        self.n_patterns = pattern_rate.shape[0]
        self.width = rule_rhs.shape[1]
        self.pattern_slot = &pattern_slot[0] if self.n_patterns else NULL
        self.pattern_rate = &pattern_rate[0] if self.n_patterns else NULL
        self.pattern_rule_start = &pattern_rule_start[0]
        self.rule_cumulative = &rule_cumulative[0] if rule_cumulative.shape[0] else NULL
        self.rule_rhs = &rule_rhs[0, 0] if rule_rhs.shape[0] else NULL
        self.pattern_of_code = &pattern_of_code[0] if pattern_of_code.shape[0] else NULL
        self.site_offset = -1
        self.pair_offset = -1
        for s in range(slot_width.shape[0]):
            if slot_width[s] == 1:
                self.site_offset = slot_code_offset[s]
            else:
                self.pair_offset = slot_code_offset[s]
        for g in range(self.n_patterns):
            self.pattern_width[g] = <int>slot_width[pattern_slot[g]]
        self.codes = <uint8_t*>malloc(n * sizeof(uint8_t))
        self.edges = <uint8_t*>malloc(n * sizeof(uint8_t))
        self.site_position = <int32_t*>calloc(n, sizeof(int32_t))
        if self.pair_offset >= 0:
            self.pair_position = <int32_t*>calloc(n << self.shift, sizeof(int32_t))
        self.pattern_events = <int32_t**>calloc(self.n_patterns + 1, sizeof(int32_t*))
        self.pattern_count = <Py_ssize_t*>calloc(self.n_patterns + 1, sizeof(Py_ssize_t))
        self.pattern_capacity = <Py_ssize_t*>calloc(self.n_patterns + 1, sizeof(Py_ssize_t))
        self.site_counts = <int64_t*>malloc(self.base * sizeof(int64_t))
        self.bond_counts = <int64_t*>malloc(self.base * self.base * sizeof(int64_t))
        self.bond_of = <int32_t*>malloc(self.base * self.base * sizeof(int32_t))
        if (self.codes == NULL or self.edges == NULL or self.site_position == NULL
                or (self.pair_offset >= 0 and self.pair_position == NULL)
                or self.pattern_events == NULL or self.pattern_count == NULL
                or self.pattern_capacity == NULL or self.site_counts == NULL
                or self.bond_counts == NULL or self.bond_of == NULL):
            raise MemoryError()
        for a in range(self.base):
            for s in range(self.base):
                self.bond_of[a * self.base + s] = <int32_t>self._bond(a, s)
        self._mark_edges()
        if self._rebuild() < 0:
            raise MemoryError()

    def __dealloc__(self):
        cdef Py_ssize_t g
        if self.pattern_events != NULL:
            for g in range(self.n_patterns):
                free(self.pattern_events[g])
        free(self.pattern_events)
        free(self.pattern_count)
        free(self.pattern_capacity)
        free(self.codes)
        free(self.edges)
        free(self.site_position)
        free(self.pair_position)
        free(self.site_counts)
        free(self.bond_counts)
        free(self.bond_of)

    cdef void _mark_edges(self) noexcept nogil:
        cdef Py_ssize_t i, a, c
        cdef uint8_t flags
        for i in range(self.n_sites):
            flags = 0
            for a in range(self.dimension):
                c = (i // self.stride[a]) % self.length[a]
                if c == self.length[a] - 1:
                    flags |= self.edge_bit[2 * a]
                if c == 0:
                    flags |= self.edge_bit[2 * a + 1]
            self.edges[i] = flags

    cdef inline Py_ssize_t _neighbour(self, Py_ssize_t i, Py_ssize_t d) noexcept nogil:
        # the neighbour of site i in slot d (2a: +1 along axis a, 2a + 1: −1)
        return i + (self.wrap_step[d] if self.edges[i] & self.edge_bit[d] else self.step[d])

    cdef inline void _neighbours(self, Py_ssize_t i, Py_ssize_t* out) noexcept nogil:
        cdef Py_ssize_t d
        cdef uint8_t flags = self.edges[i]
        for d in range(self.n_directions):
            out[d] = i + (self.wrap_step[d] if flags & self.edge_bit[d] else self.step[d])

    cdef inline Py_ssize_t _bond(self, Py_ssize_t a, Py_ssize_t b) noexcept nogil:
        # index of the unordered bond type {a, b} in bond_counts
        return a * self.base + b if a <= b else b * self.base + a

    cdef inline int _push(self, Py_ssize_t g, int32_t event, int32_t* positions
                          ) noexcept nogil:
        cdef Py_ssize_t capacity
        cdef int32_t* grown
        if self.pattern_count[g] == self.pattern_capacity[g]:
            capacity = 2 * self.pattern_capacity[g] + 64
            grown = <int32_t*>realloc(self.pattern_events[g], capacity * sizeof(int32_t))
            if grown == NULL:
                return -1
            self.pattern_events[g] = grown
            self.pattern_capacity[g] = capacity
        self.pattern_events[g][self.pattern_count[g]] = event
        positions[event] = <int32_t>self.pattern_count[g]
        self.pattern_count[g] += 1
        return 0

    cdef inline void _remove(self, Py_ssize_t g, int32_t event, int32_t* positions
                             ) noexcept nogil:
        cdef int32_t position = positions[event]
        cdef int32_t moved = self.pattern_events[g][self.pattern_count[g] - 1]
        self.pattern_events[g][position] = moved
        positions[moved] = position
        self.pattern_count[g] -= 1

    cdef inline int _move(self, int32_t old, int32_t new, int32_t event, int32_t* positions
                          ) noexcept nogil:
        # event leaves the list of pattern old and joins that of new (-1: none)
        if old >= 0:
            self._remove(old, event, positions)
        if new >= 0:
            return self._push(new, event, positions)
        return 0

    cdef int _rebuild(self) noexcept nogil:
        # event lists, positions and counts from a scan of the lattice (once per run)
        cdef Py_ssize_t i, d, g, a, n = self.n_sites, z = self.n_directions
        cdef Py_ssize_t neighbour[_MAX_DIRECTIONS]
        cdef int32_t pattern
        for g in range(self.n_patterns):
            self.pattern_count[g] = 0
        for a in range(self.base):
            self.site_counts[a] = 0
        for a in range(self.base * self.base):
            self.bond_counts[a] = 0
        for i in range(n):
            self.codes[i] = <uint8_t>self._lattice_view[i]
            self.site_counts[self.codes[i]] += 1
        for i in range(n):
            self._neighbours(i, neighbour)
            for d in range(0, z, 2):  # each bond once, from its − end
                self.bond_counts[self._bond(self.codes[i], self.codes[neighbour[d]])] += 1
            if self.site_offset >= 0:
                pattern = self.pattern_of_code[self.site_offset + self.codes[i]]
                if pattern >= 0 and self._push(pattern, <int32_t>i, self.site_position) < 0:
                    return -1
            if self.pair_offset >= 0:
                for d in range(z):
                    pattern = self.pattern_of_code[self.pair_offset + self.codes[i]
                                                   + self.base * self.codes[neighbour[d]]]
                    if pattern >= 0 and self._push(pattern, <int32_t>((i << self.shift) | d),
                                                   self.pair_position) < 0:
                        return -1
        return 0

    cdef int _set_site(self, Py_ssize_t i, int new) noexcept nogil:
        # site i takes code new: its site event, the 2 z pair events containing it, its
        # z bonds and the site counts follow. Fields are read into locals first: the
        # byte and int32 stores below may alias them, and would make the compiler
        # reload them after each store.
        cdef int old = self.codes[i]
        cdef Py_ssize_t d, z = self.n_directions, base = self.base, shift = self.shift
        cdef Py_ssize_t neighbour[_MAX_DIRECTIONS]
        cdef int other[_MAX_DIRECTIONS]
        cdef const uint8_t* codes = self.codes
        cdef int64_t* bond_counts = self.bond_counts
        cdef const int32_t* bond_of = self.bond_of
        cdef const int32_t* table
        cdef int32_t* positions = self.pair_position
        cdef int32_t before, after
        if old == new:
            return 0
        if self.site_offset >= 0:
            table = self.pattern_of_code + self.site_offset
            before = table[old]
            after = table[new]
            if before != after and self._move(before, after, <int32_t>i,
                                              self.site_position) < 0:
                return -1
        self._neighbours(i, neighbour)
        for d in range(z):
            other[d] = codes[neighbour[d]]
        for d in range(z):
            bond_counts[bond_of[old * base + other[d]]] -= 1
            bond_counts[bond_of[new * base + other[d]]] += 1
        if self.pair_offset >= 0:
            table = self.pattern_of_code + self.pair_offset
            for d in range(z):
                before = table[old + base * other[d]]
                after = table[new + base * other[d]]
                if before != after and self._move(before, after, <int32_t>((i << shift) | d),
                                                  positions) < 0:
                    return -1
                before = table[other[d] + base * old]
                after = table[other[d] + base * new]
                if before != after and self._move(
                        before, after, <int32_t>((neighbour[d] << shift) | (d ^ 1)),
                        positions) < 0:
                    return -1
        self.codes[i] = <uint8_t>new
        self.site_counts[old] -= 1
        self.site_counts[new] += 1
        return 0

    cdef inline double _total_rate(self) noexcept nogil:
        cdef double total = 0.0
        cdef Py_ssize_t g
        for g in range(self.n_patterns):
            total += self.pattern_rate[g] * self.pattern_count[g]
        return total

    cdef inline Py_ssize_t _candidate(self, double target, Py_ssize_t* position,
                                      double* rest) noexcept nogil:
        # the event at cumulative rate target in [0, total): its pattern (returned), its
        # position in the pattern's list, and the rest of target below its rate
        cdef Py_ssize_t g = 0, last = self.n_patterns - 1
        cdef double below = 0.0, block = self.pattern_rate[0] * self.pattern_count[0]
        while target >= below + block and g < last:
            below += block
            g += 1
            block = self.pattern_rate[g] * self.pattern_count[g]
        while self.pattern_count[g] == 0 and g > 0:  # rounding at the top of the range
            g -= 1
            below -= self.pattern_rate[g] * self.pattern_count[g]
        target -= below
        position[0] = <Py_ssize_t>(target / self.pattern_rate[g])
        if position[0] >= self.pattern_count[g]:
            position[0] = self.pattern_count[g] - 1
        if position[0] < 0:
            position[0] = 0
        rest[0] = target - position[0] * self.pattern_rate[g]
        return g

    cdef int _fire(self, double target) noexcept nogil:
        # the event at cumulative rate target in [0, total): pattern, then list position,
        # then rule, all from the one uniform; its right side is written site by site
        cdef Py_ssize_t position, r, i, d, j
        cdef Py_ssize_t g = self._candidate(target, &position, &target)
        cdef int32_t event
        cdef const int8_t* rhs
        r = self.pattern_rule_start[g]
        while r < self.pattern_rule_start[g + 1] - 1 and target >= self.rule_cumulative[r]:
            r += 1
        rhs = &self.rule_rhs[r * self.width]
        event = self.pattern_events[g][position]
        if self.pattern_width[g] == 1:
            self._prefetch_neighbours(event)
            return self._set_site(event, rhs[0])
        i = event >> self.shift
        d = event & ((1 << self.shift) - 1)
        j = self._neighbour(i, d)
        self._prefetch_neighbours(i)
        self._prefetch_neighbours(j)
        if self._set_site(i, rhs[0]) < 0:
            return -1
        return self._set_site(j, rhs[1])

    cdef inline void _prefetch_neighbours(self, Py_ssize_t i) noexcept nogil:
        # start loading the pair positions of the z neighbours of site i: a change of
        # site i reads them all (a cache hint: no effect on results)
        cdef Py_ssize_t d
        cdef Py_ssize_t neighbour[_MAX_DIRECTIONS]
        if self.pair_position == NULL:
            return
        self._neighbours(i, neighbour)
        for d in range(self.n_directions):
            __builtin_prefetch(&self.pair_position[neighbour[d] << self.shift])

    cdef void _prefetch_site(self, double target) noexcept nogil:
        # start loading the code, edge flags and pair positions of the site of the event
        # at target, guessed from the current counts (a cache hint)
        cdef Py_ssize_t position, i
        cdef double rest
        cdef Py_ssize_t g = self._candidate(target, &position, &rest)
        if self.pattern_count[g] == 0:
            return
        i = self.pattern_events[g][position]
        if self.pattern_width[g] == 2:
            i >>= self.shift
        __builtin_prefetch(&self.edges[i])
        __builtin_prefetch(&self.codes[i])
        if self.pair_position != NULL:
            __builtin_prefetch(&self.pair_position[i << self.shift])

    cdef void _prefetch_list(self, double target) noexcept nogil:
        cdef Py_ssize_t position
        cdef double rest
        cdef Py_ssize_t g = self._candidate(target, &position, &rest)
        if self.pattern_count[g] > 0:
            __builtin_prefetch(&self.pattern_events[g][position])

    cdef void _store_lattice(self, int8_t* out) noexcept nogil:
        cdef Py_ssize_t i
        for i in range(self.n_sites):
            out[i] = <int8_t>self.codes[i]

    cdef void _record(self, Py_ssize_t k, double[:, ::1] moments,
                      int8_t[:, ::1] snapshots) noexcept nogil:
        cdef Py_ssize_t a, b, column
        for a in range(1, self.base):
            moments[k, a - 1] = self.site_counts[a] / <double>self.n_sites
        column = self.n_species
        for a in range(1, self.base):
            for b in range(a, self.base):
                moments[k, column] = self.bond_counts[a * self.base + b] / <double>self.n_sites
                column += 1
        if snapshots.shape[0] > 0:
            self._store_lattice(&snapshots[k, 0])

    cdef int64_t _run_exact(self, const double* times, Py_ssize_t n_times, uint64_t* rng,
                            double[:, ::1] moments, int8_t[:, ::1] snapshots,
                            int64_t* events) noexcept nogil:
        # 0 when every time is recorded, -1 out of memory, _INTERRUPTED on a signal.
        # The uniforms are drawn two events ahead (one uniform then one exponential per
        # event, used in that order: the numbers and the law are those of drawing them
        # when needed), so that while an event is applied the list entry of the event
        # after next and the site of the next one are already being loaded. These are
        # guesses from the counts before the event (a change of the total shifts the
        # list position by a few slots: the list's cache line is mostly right, the site
        # often not); the pair positions of the sites an event changes are prefetched
        # exactly in _fire.
        cdef double t = 0.0, t_next, total = self._total_rate()
        cdef double u = xoshiro_uniform(rng)
        cdef double exponential = xoshiro_exponential(rng, &_ZIGGURAT)
        cdef double u_next = xoshiro_uniform(rng)
        cdef double exponential_next = xoshiro_exponential(rng, &_ZIGGURAT)
        cdef double u_after = xoshiro_uniform(rng)
        cdef Py_ssize_t k = 0
        cdef int signalled
        while True:
            t_next = t + exponential / total if total > 0.0 else INFINITY
            while k < n_times and times[k] < t_next:
                self._record(k, moments, snapshots)
                k += 1
            if k == n_times:
                return 0
            t = t_next
            self._prefetch_list(u_after * total)
            self._prefetch_site(u_next * total)
            if self._fire(u * total) < 0:
                return -1
            events[0] += 1
            if events[0] % _SIGNAL_EVENTS == 0:
                with gil:
                    signalled = PyErr_CheckSignals()
                if signalled != 0:
                    return _INTERRUPTED
            total = self._total_rate()
            u = u_next
            u_next = u_after
            exponential = exponential_next
            exponential_next = xoshiro_exponential(rng, &_ZIGGURAT)
            u_after = xoshiro_uniform(rng)

    def run_exact(self, const double[::1] times, const uint32_t[::1] words, uint64_t stream,
                  double[:, ::1] moments, int8_t[:, ::1] snapshots):
        """Exact continuous-time KMC from t = 0, recording at ``times``.

        Parameters
        ----------
        times : float64 array, shape (T,)
            Non-negative, ascending.
        words : uint32 array
            ``stream_words(seed)``.
        stream : int
            Replicate index r (RNG = SeedSequence(seed).spawn(R)[r]).
        moments : float64 array, shape (T, L)
            Filled with the per-site moments in moment order.
        snapshots : int8 array, shape (T, n) or (0, n)
            Filled with the lattice at ``times`` unless it has no rows.

        Returns
        -------
        int
            Number of events.

        Raises
        ------
        KeyboardInterrupt
            Ctrl-C (checked every 2**20 events); the lattice holds the state reached.
        """
        cdef uint64_t rng[4]
        cdef int64_t events = 0, status
        xoshiro_seed_spawned(&words[0], words.shape[0], stream, rng)
        with nogil:
            status = self._run_exact(&times[0], times.shape[0], rng, moments, snapshots,
                                     &events)
            self._store_lattice(&self._lattice_view[0])
        if status == _INTERRUPTED:
            _propagate()
        if status < 0:
            raise MemoryError()
        return events

    def events(self):
        """Events held in each pattern's list, checked against the position maps.

        Returns
        -------
        list of list of int
            Per pattern (``rule_tables`` order), the sorted event ids of its list
            (site i, or (i << 2) | slot for a pair in 2D, (i << 3) | slot in 3D).

        Raises
        ------
        RuntimeError
            An event whose recorded list position does not point back at it.
        """
        cdef Py_ssize_t g, k
        cdef int32_t event
        cdef int32_t* positions
        found = []
        for g in range(self.n_patterns):
            positions = self.site_position if self.pattern_width[g] == 1 else \
                self.pair_position
            for k in range(self.pattern_count[g]):
                event = self.pattern_events[g][k]
                if positions[event] != k:
                    raise RuntimeError(f"event {event} of pattern {g} is at {k}, not at "
                                       f"{positions[event]}")
            found.append(sorted(self.pattern_events[g][k]
                                for k in range(self.pattern_count[g])))
        return found
