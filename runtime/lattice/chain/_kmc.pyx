"""Lattice kinetic Monte Carlo engine: exact continuous time and the paper's
discrete-time scheme, on a ring (or open chain) of site codes 0..S.

Rules are grouped by their left side ("pattern"). For every pattern the engine keeps the
list of window positions where it matches, and for every window width an index map
site -> position in that list, so an event is chosen in O(number of patterns) and applied
in O(window width): only the windows overlapping the sites it changed are re-examined
(swap-with-last removal, append insertion). Site and ordered bond counts are kept the same
way, so recording the per-site moments costs O(L), never a scan.

Memory, which bounds the speed once the tables leave L2 (N ~ 10^6): a site's code is
stored in the same 4-byte entry as the list position of the window starting there, so an
event reads one cache line for its neighbourhood; positions and codes are written by
byte stores, so the entry of the window moved by a removal is never read back; and the
random numbers are drawn two events ahead (in the order they are used, so the numbers do
not change), so that while an event is applied the sites of the next window and the list
entry of the one after are already being loaded. The neighbourhood of a rewrite is read
once into two small arrays (codes before and after) from which every affected window and
bond is classified; when no window is wider than 2 sites and the rewrite is away from
the ends, a fixed-length version of that code (four sites, no wrap-around) runs instead.

Tables come from ``dynboltz.runtime.lattice.chain.engine_tables`` (plain numpy arrays; the module
docstring there defines them). Random numbers: xoshiro256** stream ``stream`` of the
SeedSequence whose words are given, as in ``_gillespie.pyx``.
"""
from libc.math cimport INFINITY
from libc.stdint cimport int8_t, int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc, realloc

import cython

from runtime.common.xoshiro cimport (ZigguratExponential, seed_sequence_words,
                              xoshiro_exponential, xoshiro_next, xoshiro_seed_spawned,
                              xoshiro_uniform, ziggurat_exponential_tables)


cdef extern from *:
    # a compiler builtin (a cache hint; no header, no effect on results)
    void __builtin_prefetch(const void*) nogil


cdef extern from "Python.h":
    # declared without an exception value: a pending KeyboardInterrupt stays set and
    # is raised by _raise_pending once the loop has left the nogil section
    int PyErr_CheckSignals()


cdef ZigguratExponential _ZIGGURAT
ziggurat_exponential_tables(&_ZIGGURAT)

cdef enum:
    _MAX_WIDTH = 8   # widest rule window the engine accepts
    _MAX_SLOTS = 8   # distinct window widths
    _SPAN = 3 * _MAX_WIDTH   # sites a rewrite reads: the window, max_width-1 each side
    _POSITION = 0xFFFFFF     # list positions (and so sites) below 2**24
    _OUT_OF_MEMORY = -1      # a run's status: a pattern list could not grow
    _INTERRUPTED = -2        # a signal handler raised (Ctrl-C): its exception is pending
    _SIGNAL_EVENTS = 0xFFFF  # events between checks for Ctrl-C (mask; a few ms)

#: Largest ring the engine holds (site indices share a 32-bit word with a site code).
MAX_SITES = _POSITION


cdef inline Py_ssize_t _wrap(Py_ssize_t j, Py_ssize_t n) noexcept nogil:
    # offsets never exceed one ring length (N >= 2 * widest window is validated)
    if j < 0:
        return j + n
    if j >= n:
        return j - n
    return j


cdef inline Py_ssize_t _below(uint64_t* rng, Py_ssize_t n) noexcept nogil:
    # uniform integer in [0, n) from 53 random bits
    cdef Py_ssize_t k = <Py_ssize_t>(xoshiro_uniform(rng) * n)
    return k if k < n else n - 1


cdef inline int _interrupted() noexcept nogil:
    # 1 if a signal handler raised (Ctrl-C), its exception left pending; briefly
    # holds the GIL, so call it every _SIGNAL_EVENTS events only
    with gil:
        return PyErr_CheckSignals() != 0


cdef int _raise_pending() except -1:
    # the exception a signal handler set while a loop ran (see _interrupted)
    return -1


def _check_status(int64_t events):
    """Raise what a negative run status stands for."""
    if events == _INTERRUPTED:
        _raise_pending()
    if events < 0:
        raise MemoryError()


def stream_words(seed):
    """Entropy words of ``SeedSequence(seed)`` for ``run_exact``/``run_paper``.

    Stream r of these words is ``SeedSequence(seed).spawn(R)[r]`` (any R > r).

    Returns
    -------
    numpy.ndarray of uint32
    """
    return seed_sequence_words(seed)


@cython.final
cdef class LatticeEngine:
    """A lattice with its pattern lists, index maps and site/bond counts.

    Parameters
    ----------
    lattice : int8 array, shape (N,), N < 2**24
        Site codes 0..S; read at construction, and the final state written back at
        the end of every run.
    n_species : int
        S.
    periodic : bool
        Ring (True) or open chain (False: no window or bond crosses the ends).
    pattern_slot, pattern_rate, pattern_rule_start, rule_cumulative, rule_rhs,
    slot_width, slot_code_offset, pattern_of_code :
        Rule tables built by ``engine_tables.rule_tables``.
    """
    cdef int8_t[::1] _lattice_view
    cdef Py_ssize_t n_sites, n_species, base, n_patterns, n_slots, max_width
    cdef bint periodic
    cdef object _tables
    cdef const int64_t* pattern_slot
    cdef const double* pattern_rate
    cdef const int64_t* pattern_rule_start
    cdef const double* rule_cumulative
    cdef const int8_t* rule_rhs
    cdef const int32_t* pattern_of_code
    cdef Py_ssize_t slot_width[_MAX_SLOTS]
    cdef Py_ssize_t slot_code_offset[_MAX_SLOTS]
    cdef uint8_t* slot_index[_MAX_SLOTS]
    cdef int32_t** pattern_sites
    cdef Py_ssize_t* pattern_count
    cdef Py_ssize_t* pattern_capacity
    cdef int64_t* site_counts
    cdef int64_t* bond_counts

    def __cinit__(self, int8_t[::1] lattice, Py_ssize_t n_species, bint periodic,
                  const int64_t[::1] pattern_slot, const double[::1] pattern_rate,
                  const int64_t[::1] pattern_rule_start, const double[::1] rule_cumulative,
                  const int8_t[:, ::1] rule_rhs, const int64_t[::1] slot_width,
                  const int64_t[::1] slot_code_offset, const int32_t[::1] pattern_of_code):
        cdef Py_ssize_t s, g
        self.n_slots = 0
        self.pattern_sites = NULL
        self.pattern_count = NULL
        self.pattern_capacity = NULL
        self.site_counts = NULL
        self.bond_counts = NULL
        if slot_width.shape[0] > _MAX_SLOTS or rule_rhs.shape[1] > _MAX_WIDTH:
            raise ValueError(f"`rule_rhs` of `LatticeEngine` must be `rules at most "
                             f"{_MAX_WIDTH} sites wide, in at most {_MAX_SLOTS} window "
                             f"widths`; got `{rule_rhs.shape[1]} sites wide, "
                             f"{slot_width.shape[0]} window widths`")
        self._tables = (pattern_slot, pattern_rate, pattern_rule_start, rule_cumulative,
                        rule_rhs, pattern_of_code)
        if lattice.shape[0] > _POSITION:
            raise ValueError(f"`lattice` of `LatticeEngine` must be `at most {_POSITION} "
                             f"sites`; got `{lattice.shape[0]} sites`")
        self._lattice_view = lattice
        self.n_sites = lattice.shape[0]
        self.n_species = n_species
        self.base = n_species + 1
        self.periodic = periodic
        self.n_patterns = pattern_rate.shape[0]
        self.max_width = rule_rhs.shape[1]
        self.pattern_slot = &pattern_slot[0] if self.n_patterns else NULL
        self.pattern_rate = &pattern_rate[0] if self.n_patterns else NULL
        self.pattern_rule_start = &pattern_rule_start[0]
        self.rule_cumulative = &rule_cumulative[0] if rule_cumulative.shape[0] else NULL
        self.rule_rhs = &rule_rhs[0, 0] if rule_rhs.shape[0] else NULL
        self.pattern_of_code = &pattern_of_code[0] if pattern_of_code.shape[0] else NULL
        for s in range(slot_width.shape[0]):
            self.slot_width[s] = slot_width[s]
            self.slot_code_offset[s] = slot_code_offset[s]
            self.n_slots += 1
        for s in range(max(self.n_slots, 1)):  # table 0 holds the site codes, always
            self.slot_index[s] = <uint8_t*>calloc(4 * self.n_sites, sizeof(uint8_t))
            if self.slot_index[s] == NULL:
                raise MemoryError()
        self.pattern_sites = <int32_t**>malloc((self.n_patterns + 1) * sizeof(int32_t*))
        self.pattern_count = <Py_ssize_t*>malloc((self.n_patterns + 1) * sizeof(Py_ssize_t))
        self.pattern_capacity = <Py_ssize_t*>malloc(
            (self.n_patterns + 1) * sizeof(Py_ssize_t))
        self.site_counts = <int64_t*>malloc(self.base * sizeof(int64_t))
        self.bond_counts = <int64_t*>malloc(self.base * self.base * sizeof(int64_t))
        if (self.pattern_sites == NULL or self.pattern_count == NULL
                or self.pattern_capacity == NULL or self.site_counts == NULL
                or self.bond_counts == NULL):
            raise MemoryError()
        for g in range(self.n_patterns):
            self.pattern_sites[g] = NULL
            self.pattern_count[g] = 0
            self.pattern_capacity[g] = 0
        if self._rebuild() < 0:
            raise MemoryError()

    def __dealloc__(self):
        cdef Py_ssize_t s, g
        for s in range(_MAX_SLOTS):
            free(self.slot_index[s])  # NULL (zeroed object) where never allocated
        if self.pattern_sites != NULL:
            for g in range(self.n_patterns):
                free(self.pattern_sites[g])
        free(self.pattern_sites)
        free(self.pattern_count)
        free(self.pattern_capacity)
        free(self.site_counts)
        free(self.bond_counts)

    # Entry j of slot_index[s] is 4 bytes: byte 0 the code of site j (slot 0 only),
    # bytes 1-3 the position of window j in its pattern's list (lowest byte first).
    # Both are written by plain byte stores, so updating the entry of a far-away
    # window (the one moved by a removal) never waits for its cache line, and the
    # code of a site shares the line of its windows' positions.
    cdef inline int _site(self, Py_ssize_t j) noexcept nogil:
        return self.slot_index[0][4 * j]

    cdef inline void _set_site(self, Py_ssize_t j, int code) noexcept nogil:
        self.slot_index[0][4 * j] = <uint8_t>code

    cdef inline Py_ssize_t _position(self, Py_ssize_t s, Py_ssize_t j) noexcept nogil:
        cdef const uint8_t* entry = &self.slot_index[s][4 * j]
        return entry[1] | (<Py_ssize_t>entry[2] << 8) | (<Py_ssize_t>entry[3] << 16)

    cdef inline void _set_position(self, Py_ssize_t s, Py_ssize_t j,
                                   Py_ssize_t position) noexcept nogil:
        cdef uint8_t* entry = &self.slot_index[s][4 * j]
        entry[1] = <uint8_t>position
        entry[2] = <uint8_t>(position >> 8)
        entry[3] = <uint8_t>(position >> 16)

    cdef void _store_lattice(self, int8_t* out) noexcept nogil:
        cdef Py_ssize_t j
        for j in range(self.n_sites):
            out[j] = <int8_t>self._site(j)

    cdef int _rebuild(self) noexcept nogil:
        # pattern lists, index maps and counts from a scan of the lattice (once per run)
        cdef Py_ssize_t s, g, j, a
        for g in range(self.n_patterns):
            self.pattern_count[g] = 0
        for a in range(self.base * self.base):
            self.bond_counts[a] = 0
        for a in range(self.base):
            self.site_counts[a] = 0
        for j in range(self.n_sites):
            self._set_site(j, self._lattice_view[j])
            self.site_counts[self._lattice_view[j]] += 1
        for j in range(self.n_sites if self.periodic else self.n_sites - 1):
            self.bond_counts[self._site(j) * self.base
                             + self._site(_wrap(j + 1, self.n_sites))] += 1
        for s in range(self.n_slots):
            for j in range(self.n_sites):
                g = self._window_pattern(j, s)
                if g >= 0 and self._push(g, j, s) < 0:
                    return -1
        return 0

    cdef inline int32_t _window_pattern(self, Py_ssize_t j, Py_ssize_t s) noexcept nogil:
        # pattern matched by the window of slot s starting at site j (unwrapped);
        # -1: none, -2: the window crosses an open end
        cdef Py_ssize_t w = self.slot_width[s], k, code = 0, scale = 1
        if not self.periodic and (j < 0 or j + w > self.n_sites):
            return -2
        if j >= 0 and j + w <= self.n_sites:  # the common case: no wrap-around
            for k in range(w):
                code += self._site(j + k) * scale
                scale *= self.base
        else:
            j = _wrap(j, self.n_sites)
            for k in range(w):
                code += self._site(_wrap(j + k, self.n_sites)) * scale
                scale *= self.base
        return self.pattern_of_code[self.slot_code_offset[s] + code]

    cdef inline int _push(self, Py_ssize_t g, Py_ssize_t j, Py_ssize_t s) noexcept nogil:
        cdef Py_ssize_t capacity
        cdef int32_t* grown
        if self.pattern_count[g] == self.pattern_capacity[g]:
            capacity = 2 * self.pattern_capacity[g] + 64
            grown = <int32_t*>realloc(self.pattern_sites[g], capacity * sizeof(int32_t))
            if grown == NULL:
                return -1
            self.pattern_sites[g] = grown
            self.pattern_capacity[g] = capacity
        self.pattern_sites[g][self.pattern_count[g]] = <int32_t>j
        self._set_position(s, j, self.pattern_count[g])
        self.pattern_count[g] += 1
        return 0

    cdef inline void _remove(self, Py_ssize_t g, Py_ssize_t j, Py_ssize_t s) noexcept nogil:
        cdef Py_ssize_t position = self._position(s, j)
        cdef int32_t moved = self.pattern_sites[g][self.pattern_count[g] - 1]
        self.pattern_sites[g][position] = moved
        self._set_position(s, moved, position)
        self.pattern_count[g] -= 1

    cdef inline void _read_span(self, Py_ssize_t start, Py_ssize_t lo, Py_ssize_t hi,
                                Py_ssize_t origin, Py_ssize_t span, const int8_t* values,
                                int8_t* before, int8_t* after) noexcept nogil:
        # codes of sites origin..origin+span-1 (unwrapped) before and after sites
        # start+lo..start+hi take values[lo..hi]; -1 off the ends of an open chain
        cdef Py_ssize_t m, j, k, n = self.n_sites
        if origin >= 0 and origin + span <= n:  # the common case: no wrap-around
            for m in range(span):
                before[m] = <int8_t>self._site(origin + m)
                k = origin + m - start
                after[m] = values[k] if lo <= k <= hi else before[m]
            return
        for m in range(span):
            j = origin + m
            if not self.periodic and (j < 0 or j >= n):
                before[m] = -1
                after[m] = -1
                continue
            j = _wrap(j, n)
            before[m] = <int8_t>self._site(j)
            k = _wrap(j - start, n)  # a small ring may list a site twice: both change
            after[m] = values[k] if lo <= k <= hi else before[m]

    cdef inline void _count_span(self, Py_ssize_t first, Py_ssize_t last,
                                 const int8_t* before, const int8_t* after) noexcept nogil:
        # site counts of span entries first..last, bond counts of pairs first-1..last
        cdef Py_ssize_t m
        for m in range(first, last + 1):
            self.site_counts[before[m]] -= 1
            self.site_counts[after[m]] += 1
        for m in range(first - 1, last + 1):
            if before[m] >= 0 and before[m + 1] >= 0:
                self.bond_counts[before[m] * self.base + before[m + 1]] -= 1
                self.bond_counts[after[m] * self.base + after[m + 1]] += 1

    cdef inline int32_t _span_pattern(self, const int8_t* codes, Py_ssize_t s) noexcept nogil:
        # pattern of slot s matched by a window's codes; -1 none, -2 off an open end
        cdef Py_ssize_t k, code = 0, scale = 1
        for k in range(self.slot_width[s]):
            if codes[k] < 0:
                return -2
            code += codes[k] * scale
            scale *= self.base
        return self.pattern_of_code[self.slot_code_offset[s] + code]

    cdef inline int _apply(self, Py_ssize_t start, Py_ssize_t width,
                           const int8_t* values) noexcept nogil:
        # set sites start..start+width-1 to values (see _rewrite), by the fixed-length
        # code where it applies
        if self.max_width <= 2 and start >= 1 and start + 3 <= self.n_sites:
            return self._rewrite_narrow(start, width, values)
        return self._rewrite(start, width, values)

    cdef int _rewrite(self, Py_ssize_t start, Py_ssize_t width,
                      const int8_t* values) noexcept nogil:
        # set sites start..start+width-1 to values, updating lists, maps and counts;
        # the neighbourhood is read once into before/after codes, every window and
        # bond affected is then classified from those two small arrays. Tables are
        # held in locals: the byte stores below may alias anything, and would make
        # the compiler reload every field of self after each of them.
        cdef Py_ssize_t k, s, p, w, q, lo = -1, hi = -1, first, last, pad, origin
        cdef Py_ssize_t n = self.n_sites, base = self.base, offset, scale
        cdef Py_ssize_t code_before, code_after
        cdef uint8_t* sites = self.slot_index[0]
        cdef const int32_t* pattern_of_code = self.pattern_of_code
        cdef int8_t before[_SPAN]
        cdef int8_t after[_SPAN]
        cdef int32_t old, new
        cdef bint inside
        for k in range(width):
            if sites[4 * _wrap(start + k, n)] != values[k]:
                if lo < 0:
                    lo = k
                hi = k
        if lo < 0:
            return 0
        first = start + lo
        last = start + hi
        pad = self.max_width - 1 if self.max_width > 1 else 1
        origin = first - pad
        self._read_span(start, lo, hi, origin, last - first + 1 + 2 * pad, values, before,
                        after)
        inside = origin >= 0 and origin + last - first + 1 + 2 * pad <= n
        for k in range(lo, hi + 1):
            sites[4 * _wrap(start + k, n)] = <uint8_t>values[k]
        self._count_span(pad, pad + last - first, before, after)
        for s in range(self.n_slots):
            w = self.slot_width[s]
            offset = self.slot_code_offset[s]
            for p in range(first - w + 1, last + 1):
                q = p - origin
                if inside:  # the common case: no open end, no wrap-around
                    code_before = 0
                    code_after = 0
                    scale = 1
                    for k in range(w):
                        code_before += before[q + k] * scale
                        code_after += after[q + k] * scale
                        scale *= base
                    old = pattern_of_code[offset + code_before]
                    new = pattern_of_code[offset + code_after]
                else:
                    old = self._span_pattern(&before[q], s)
                    new = self._span_pattern(&after[q], s)
                if new == old:
                    continue
                if old >= 0:
                    self._remove(old, _wrap(p, n), s)
                if new >= 0 and self._push(new, _wrap(p, n), s) < 0:
                    return -1
        return 0

    cdef int _rewrite_narrow(self, Py_ssize_t start, Py_ssize_t width,
                             const int8_t* values) noexcept nogil:
        # _rewrite when every window is at most 2 sites wide and sites start-1..start+2
        # lie inside the lattice (no wrap-around, no open end): the four sites are all
        # a rewrite can touch, so every loop has a fixed length. Windows and bonds are
        # visited in the order of _rewrite (unchanged ones cancel), so both give the
        # same lists, in the same order.
        cdef uint8_t* sites = self.slot_index[0]
        cdef const int32_t* pattern_of_code = self.pattern_of_code
        cdef int64_t* site_counts = self.site_counts
        cdef int64_t* bond_counts = self.bond_counts
        cdef Py_ssize_t base = self.base, k, m, s, w, offset, p
        cdef int8_t before[4]
        cdef int8_t after[4]
        cdef int32_t old, new
        for m in range(4):
            before[m] = <int8_t>sites[4 * (start - 1 + m)]
            after[m] = before[m]
        for k in range(width):
            after[1 + k] = values[k]
            sites[4 * (start + k)] = <uint8_t>values[k]
        for m in range(1, 3):
            site_counts[before[m]] -= 1
            site_counts[after[m]] += 1
        for m in range(3):
            bond_counts[before[m] * base + before[m + 1]] -= 1
            bond_counts[after[m] * base + after[m + 1]] += 1
        for s in range(self.n_slots):
            w = self.slot_width[s]
            offset = self.slot_code_offset[s]
            for m in range(2 - w, 3):  # windows start-1+m that overlap start..start+1
                if w == 2:
                    old = pattern_of_code[offset + before[m] + base * before[m + 1]]
                    new = pattern_of_code[offset + after[m] + base * after[m + 1]]
                else:
                    old = pattern_of_code[offset + before[m]]
                    new = pattern_of_code[offset + after[m]]
                if new == old:
                    continue
                p = start - 1 + m
                if old >= 0:
                    self._remove(old, p, s)
                if new >= 0 and self._push(new, p, s) < 0:
                    return -1
        return 0

    cdef inline double _total_rate(self) noexcept nogil:
        cdef double total = 0.0
        cdef Py_ssize_t g
        for g in range(self.n_patterns):
            total += self.pattern_rate[g] * self.pattern_count[g]
        return total

    cdef inline Py_ssize_t _candidate(self, double target, Py_ssize_t* position,
                                      double* rest) noexcept nogil:
        # the window at cumulative rate target in [0, total): its pattern (returned),
        # its position in the pattern's list, and the rest of target below its rate
        cdef Py_ssize_t g = 0, last = self.n_patterns - 1
        cdef double before = 0.0, block = self.pattern_rate[0] * self.pattern_count[0]
        while target >= before + block and g < last:
            before += block
            g += 1
            block = self.pattern_rate[g] * self.pattern_count[g]
        while self.pattern_count[g] == 0:  # rounding at the very top of the range
            g -= 1
            before -= self.pattern_rate[g] * self.pattern_count[g]
        target -= before
        position[0] = <Py_ssize_t>(target / self.pattern_rate[g])
        if position[0] >= self.pattern_count[g]:
            position[0] = self.pattern_count[g] - 1
        rest[0] = target - position[0] * self.pattern_rate[g]
        return g

    cdef int _fire(self, double target) noexcept nogil:
        # the event at cumulative rate target in [0, total): pattern, then position,
        # then rule, all from the one uniform
        cdef Py_ssize_t position, r
        cdef Py_ssize_t g = self._candidate(target, &position, &target)
        r = self.pattern_rule_start[g]
        while r < self.pattern_rule_start[g + 1] - 1 and target >= self.rule_cumulative[r]:
            r += 1
        return self._apply(self.pattern_sites[g][position],
                           self.slot_width[self.pattern_slot[g]],
                           &self.rule_rhs[r * self.max_width])

    def windows(self):
        """Window starts held in each pattern's list, checked against the index map.

        Returns
        -------
        list of list of int
            Per pattern (``rule_tables`` order), the sorted starts of the windows in
            its list.

        Raises
        ------
        RuntimeError
            A window whose recorded list position does not point back at it.
        """
        cdef Py_ssize_t g, k, j
        found = []
        for g in range(self.n_patterns):
            for k in range(self.pattern_count[g]):
                j = self.pattern_sites[g][k]
                if self._position(self.pattern_slot[g], j) != k:
                    raise RuntimeError(f"window {j} of pattern {g} is at {k}, not at "
                                       f"{self._position(self.pattern_slot[g], j)}")
            found.append(sorted(self.pattern_sites[g][k]
                                for k in range(self.pattern_count[g])))
        return found

    cdef void _record(self, Py_ssize_t k, double[:, ::1] moments,
                      int8_t[:, ::1] snapshots) noexcept nogil:
        cdef Py_ssize_t a, b, column
        cdef double n_bonds = self.n_sites if self.periodic else self.n_sites - 1
        for a in range(1, self.base):
            moments[k, a - 1] = self.site_counts[a] / <double>self.n_sites
        column = self.n_species
        for a in range(1, self.base):
            for b in range(a, self.base):
                moments[k, column] = self.bond_counts[a * self.base + b]
                if a != b:
                    moments[k, column] += self.bond_counts[b * self.base + a]
                moments[k, column] /= n_bonds
                column += 1
        if snapshots.shape[0] > 0:
            self._store_lattice(&snapshots[k, 0])

    cdef int64_t _run_exact(self, const double* times, Py_ssize_t n_times, uint64_t* rng,
                            double[:, ::1] moments, int8_t[:, ::1] snapshots) noexcept nogil:
        # The random numbers are drawn ahead, in the order of one uniform then one
        # exponential per event, and used in that order (no effect on the law, nor on
        # the numbers: they are independent of everything else). Knowing the next two
        # uniforms lets the loop start the memory loads of the next events while the
        # current one is applied: the sites of the next window and the list entry of
        # the one after, both guessed from the counts before the current event (mostly
        # the right cache lines; a prefetch changes nothing).
        cdef double t = 0.0, t_next, total, rest
        cdef double u = xoshiro_uniform(rng)
        cdef double exponential = xoshiro_exponential(rng, &_ZIGGURAT)
        cdef double u_next = xoshiro_uniform(rng)
        cdef double exponential_next = xoshiro_exponential(rng, &_ZIGGURAT)
        cdef double u_after = xoshiro_uniform(rng)
        cdef Py_ssize_t k = 0, g, position, r, ahead, ahead_position, j
        cdef int64_t events = 0
        cdef const uint8_t* sites = self.slot_index[0]
        cdef int32_t** lists = self.pattern_sites
        total = self._total_rate()
        while True:
            t_next = t + exponential / total if total > 0.0 else INFINITY
            while k < n_times and times[k] < t_next:
                self._record(k, moments, snapshots)
                k += 1
            if k == n_times:
                return events
            t = t_next
            ahead = self._candidate(u_next * total, &ahead_position, &rest)
            j = lists[ahead][ahead_position]
            __builtin_prefetch(&sites[4 * j - 4])
            __builtin_prefetch(&sites[4 * (j + self.max_width)])
            ahead = self._candidate(u_after * total, &ahead_position, &rest)
            __builtin_prefetch(&lists[ahead][ahead_position])
            g = self._candidate(u * total, &position, &rest)
            r = self.pattern_rule_start[g]
            while r < self.pattern_rule_start[g + 1] - 1 and rest >= self.rule_cumulative[r]:
                r += 1
            if self._apply(lists[g][position], self.slot_width[self.pattern_slot[g]],
                           &self.rule_rhs[r * self.max_width]) < 0:
                return _OUT_OF_MEMORY
            events += 1
            if (events & _SIGNAL_EVENTS) == 0 and _interrupted():
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
        snapshots : int8 array, shape (T, N) or (0, N)
            Filled with the lattice at ``times`` unless it has no rows.

        Returns
        -------
        int
            Number of events.

        Raises
        ------
        KeyboardInterrupt
            Ctrl-C during the run (signals are checked every 65536 events).
        """
        cdef uint64_t rng[4]
        cdef int64_t events
        xoshiro_seed_spawned(&words[0], words.shape[0], stream, rng)
        with nogil:
            events = self._run_exact(&times[0], times.shape[0], rng, moments, snapshots)
            self._store_lattice(&self._lattice_view[0])
        _check_status(events)
        return events

    cdef int64_t _gillespie_window(self, double duration, uint64_t* rng) noexcept nogil:
        # exact KMC of the engine's rules for a time `duration`; the overshooting event
        # is discarded, which is exact because waiting times are memoryless
        cdef double t = 0.0, total
        cdef int64_t events = 0
        while True:
            total = self._total_rate()
            if total <= 0.0:
                return events
            t += xoshiro_exponential(rng, &_ZIGGURAT) / total
            if t >= duration:
                return events
            if self._fire(xoshiro_uniform(rng) * total) < 0:
                return _OUT_OF_MEMORY
            events += 1
            if (events & _SIGNAL_EVENTS) == 0 and _interrupted():
                return _INTERRUPTED

    cdef Py_ssize_t _movers(self, int32_t* order, const double* hop) noexcept nogil:
        # sites of particles that may hop, in uniformly random order (Fisher-Yates)
        cdef Py_ssize_t i, m, n = 0
        cdef int a
        for i in range(self.n_sites):
            a = self._site(i)
            if a != 0 and (hop[2 * a] > 0.0 or hop[2 * a + 1] > 0.0):
                order[n] = <int32_t>i
                n += 1
        return n

    cdef int _hop_sweep(self, int32_t* order, int32_t* stamp, int32_t step,
                        const double* hop, const int64_t* collision_start,
                        const double* collision_cumulative, const int8_t* collision_rhs,
                        uint64_t* rng) noexcept nogil:
        cdef Py_ssize_t n_movers = self._movers(order, hop), m, q, c, i, j, start
        cdef Py_ssize_t n = self.n_sites
        cdef int32_t swap
        cdef int8_t a
        cdef int8_t moved[2]
        cdef int8_t before[2]
        cdef int right
        cdef double u
        for m in range(n_movers - 1, 0, -1):
            q = _below(rng, m + 1)
            swap = order[m]
            order[m] = order[q]
            order[q] = swap
        for m in range(n_movers):
            i = order[m]
            a = <int8_t>self._site(i)
            if a == 0 or stamp[i] == step:
                continue  # destroyed, or already acted (a mover or a product)
            stamp[i] = step
            if not self.periodic and i == 0:
                right = 1
            elif not self.periodic and i == n - 1:
                right = 0
            else:
                right = <int>(xoshiro_next(rng) >> 63)
            if hop[2 * a + right] < 1.0 and xoshiro_uniform(rng) >= hop[2 * a + right]:
                continue
            j = _wrap(i + 1, n) if right else _wrap(i - 1, n)
            start = i if right else j
            if self._site(j) == 0:
                moved[0] = 0 if right else a
                moved[1] = a if right else 0
                if self._apply(start, 2, moved) < 0:
                    return -1
                stamp[j] = step
                continue
            before[0] = <int8_t>self._site(start)
            before[1] = <int8_t>self._site(_wrap(start + 1, n))
            u = xoshiro_uniform(rng)
            c = before[0] * self.base + before[1]
            for q in range(collision_start[c], collision_start[c + 1]):
                if u < collision_cumulative[q]:
                    if self._apply(start, 2, &collision_rhs[2 * q]) < 0:
                        return -1
                    if collision_rhs[2 * q] != before[0]:
                        stamp[start] = step
                    if collision_rhs[2 * q + 1] != before[1]:
                        stamp[_wrap(start + 1, n)] = step
                    break
        return 0

    def run_paper(self, const int64_t[::1] record_steps, Py_ssize_t n_steps, double dt,
                  const double[:, ::1] hop, const int64_t[::1] collision_start,
                  const double[::1] collision_cumulative, const int8_t[:, ::1] collision_rhs,
                  const uint32_t[::1] words, uint64_t stream,
                  double[:, ::1] moments, int8_t[:, ::1] snapshots):
        """The paper's discrete-time scheme (see ``paper_scheme``), ``n_steps`` steps.

        Each step: exact KMC of the engine's (unimolecular) rules for ``dt``, then a
        sweep in which every particle, in random order, attempts one hop.

        Parameters
        ----------
        record_steps : int64 array, shape (T,)
            Ascending step counts after which to record (0 = initial lattice).
        hop : float64 array, shape (S+1, 2)
            Probability per step that a particle of a species attempts a hop to the
            left (column 0) or right (column 1) neighbour, given that direction.
        collision_start, collision_cumulative, collision_rhs :
            Per ordered occupied pair code a (S+1) + b: the bimolecular rules of the
            window (a, b), cumulative probabilities and right sides.
        words, stream, moments, snapshots :
            As in ``run_exact``.

        Returns
        -------
        int
            Number of Gillespie events.
        """
        cdef uint64_t rng[4]
        cdef int64_t events = 0, window
        cdef Py_ssize_t k = 0, step, n_times = record_steps.shape[0], i
        cdef int64_t failed = 0
        cdef int32_t* order = <int32_t*>malloc(self.n_sites * sizeof(int32_t))
        cdef int32_t* stamp = <int32_t*>malloc(self.n_sites * sizeof(int32_t))
        if order == NULL or stamp == NULL:
            free(order)
            free(stamp)
            raise MemoryError()
        xoshiro_seed_spawned(&words[0], words.shape[0], stream, rng)
        with nogil:
            for i in range(self.n_sites):
                stamp[i] = -1
            for step in range(n_steps + 1):
                while k < n_times and record_steps[k] == step:
                    self._record(k, moments, snapshots)
                    k += 1
                if step == n_steps:
                    break
                window = self._gillespie_window(dt, rng)
                if window < 0:
                    failed = window
                    break
                if self._hop_sweep(
                        order, stamp, <int32_t>step, &hop[0, 0], &collision_start[0],
                        &collision_cumulative[0] if collision_cumulative.shape[0] else NULL,
                        &collision_rhs[0, 0] if collision_rhs.shape[0] else NULL, rng) < 0:
                    failed = _OUT_OF_MEMORY
                    break
                events += window
                if _interrupted():  # once a sweep over the lattice
                    failed = _INTERRUPTED
                    break
            self._store_lattice(&self._lattice_view[0])
        free(order)
        free(stamp)
        _check_status(failed)
        return events
