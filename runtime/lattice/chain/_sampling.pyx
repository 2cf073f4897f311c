"""Compiled samplers of the one-dimensional Boltzmann chain (§5).

Three nogil kernels, each filling rows ``first..stop-1`` of an (n, N) int8 array, row i
from xoshiro256** stream i of the seed (so a row depends only on (seed, i), not on how
the rows are split between threads):

* ``markov_rows``: N consecutive sites of the stationary chain (thermodynamic limit),
  s_1 ~ π, s_i+1 ~ P(s_i → ·), from cumulative tables.
* ``ring_rows``: exact samples of the periodic ring P(s) ∝ Π T(s_i, s_i+1) by
  bisection: s_0 from diag(T^N), then the midpoint m of every segment (p, q) with known
  ends from T^(m−p)(s_p, ·) T^(q−m)(·, s_q).  Segments at bisection depth j have length
  ⌊N/2^j⌋ or ⌊N/2^j⌋ + 1, so the caller tabulates 2 midpoint laws per depth,
  ``midpoint_cdf[2 j + length − ⌊N/2^j⌋]``.
* ``gibbs_rows``: heat-bath sweeps in checkerboard order from independent sites ~ π.

Arguments are validated by ``dynboltz.runtime.lattice.chain.sampling``.
"""
from libc.stdint cimport int8_t, uint32_t, uint64_t

from runtime.common.xoshiro cimport seed_sequence_words, xoshiro_seed_spawned, xoshiro_uniform


cdef enum:
    MAX_STATES = 32  # site types 0..S held in stack arrays


def seed_words(seed):
    """Assembled SeedSequence entropy words of ``seed`` (see runtime/common/xoshiro.pxd)."""
    return seed_sequence_words(seed)


cdef inline int _from_cdf(const double* cdf, int n, double target) noexcept nogil:
    # first state whose cumulative probability exceeds target (last one on rounding)
    cdef int c
    for c in range(n - 1):
        if target < cdf[c]:
            return c
    return n - 1


def markov_rows(int8_t[:, ::1] out, const double[::1] initial_cdf,
                const double[:, ::1] transition_cdf, const uint32_t[::1] base,
                Py_ssize_t first, Py_ssize_t stop):
    """Rows ``first..stop-1`` of the stationary chain (π cumulative, P cumulative)."""
    cdef Py_ssize_t row, i, n_sites = out.shape[1]
    cdef int n = initial_cdf.shape[0], state
    cdef uint64_t rng[4]
    with nogil:
        for row in range(first, stop):
            xoshiro_seed_spawned(&base[0], base.shape[0], row, rng)
            state = _from_cdf(&initial_cdf[0], n, xoshiro_uniform(rng))
            out[row, 0] = <int8_t>state
            for i in range(1, n_sites):
                state = _from_cdf(&transition_cdf[state, 0], n, xoshiro_uniform(rng))
                out[row, i] = <int8_t>state


cdef void _bisect(int8_t* s, Py_ssize_t n_sites, Py_ssize_t p, Py_ssize_t q, int depth,
                  const double* midpoint_cdf, int n, uint64_t* rng) noexcept nogil:
    # fill the open segment (p, q) given s_p and s_q (q = n_sites is site 0)
    cdef Py_ssize_t length = q - p, half = (q - p) // 2
    cdef int a, b, table
    if length < 2:
        return
    table = 2 * depth + <int>(length - (n_sites >> depth))
    a = s[p]
    b = s[q] if q < n_sites else s[0]
    s[p + half] = <int8_t>_from_cdf(&midpoint_cdf[((table * n + a) * n + b) * n], n,
                                    xoshiro_uniform(rng))
    _bisect(s, n_sites, p, p + half, depth + 1, midpoint_cdf, n, rng)
    _bisect(s, n_sites, p + half, q, depth + 1, midpoint_cdf, n, rng)


def ring_rows(int8_t[:, ::1] out, const double[::1] first_cdf,
              const double[:, :, :, ::1] midpoint_cdf, const uint32_t[::1] base,
              Py_ssize_t first, Py_ssize_t stop):
    """Rows ``first..stop-1`` of the periodic ring by bisection (module docstring).

    ``first_cdf``: cumulative diag(T^N) / tr(T^N); ``midpoint_cdf[2 j + r, a, b]``:
    cumulative law of the midpoint of a segment of length ⌊N/2^j⌋ + r with ends a, b.
    """
    cdef Py_ssize_t row, n_sites = out.shape[1]
    cdef int n = first_cdf.shape[0]
    cdef uint64_t rng[4]
    with nogil:
        for row in range(first, stop):
            xoshiro_seed_spawned(&base[0], base.shape[0], row, rng)
            out[row, 0] = <int8_t>_from_cdf(&first_cdf[0], n, xoshiro_uniform(rng))
            _bisect(&out[row, 0], n_sites, 0, n_sites, 0, &midpoint_cdf[0, 0, 0, 0], n, rng)


cdef inline void _heat_bath(int8_t* s, Py_ssize_t start, Py_ssize_t stop, Py_ssize_t step,
                            Py_ssize_t n_sites, const double* conditional_cdf, int n,
                            uint64_t* rng) noexcept nogil:
    # heat-bath update of interior sites start, start+step, .. (< stop), ring neighbours
    cdef Py_ssize_t i = start
    cdef int a, b
    while i < stop:
        a = s[i - 1] if i > 0 else s[n_sites - 1]
        b = s[i + 1] if i + 1 < n_sites else s[0]
        s[i] = <int8_t>_from_cdf(&conditional_cdf[(a * n + b) * n], n, xoshiro_uniform(rng))
        i += step


cdef void _sweep(int8_t* s, Py_ssize_t n_sites, bint ring, const double* conditional_cdf,
                 const double* first_cdf, const double* last_cdf, int n,
                 uint64_t* rng) noexcept nogil:
    # one sweep in colours whose sites are never neighbours, so each colour is one
    # independent block update (the paper's checkerboard order)
    cdef Py_ssize_t odd_ring = ring and n_sites % 2 == 1
    if ring:
        _heat_bath(s, 0, n_sites - odd_ring, 2, n_sites, conditional_cdf, n, rng)
        _heat_bath(s, 1, n_sites, 2, n_sites, conditional_cdf, n, rng)
        if odd_ring:
            _heat_bath(s, n_sites - 1, n_sites, 1, n_sites, conditional_cdf, n, rng)
        return
    s[0] = <int8_t>_from_cdf(&first_cdf[s[1] * n], n, xoshiro_uniform(rng))
    _heat_bath(s, 2, n_sites - 1, 2, n_sites, conditional_cdf, n, rng)
    if n_sites % 2 == 1:
        s[n_sites - 1] = <int8_t>_from_cdf(&last_cdf[s[n_sites - 2] * n], n,
                                           xoshiro_uniform(rng))
    _heat_bath(s, 1, n_sites - 1, 2, n_sites, conditional_cdf, n, rng)
    if n_sites % 2 == 0:
        s[n_sites - 1] = <int8_t>_from_cdf(&last_cdf[s[n_sites - 2] * n], n,
                                           xoshiro_uniform(rng))


def gibbs_rows(int8_t[:, ::1] out, const double[::1] initial_cdf,
               const double[:, :, ::1] conditional_cdf, const double[:, ::1] first_cdf,
               const double[:, ::1] last_cdf, bint ring, Py_ssize_t sweeps,
               const uint32_t[::1] base, Py_ssize_t first, Py_ssize_t stop):
    """Rows ``first..stop-1`` after ``sweeps`` heat-bath sweeps from i.i.d. sites ~ π.

    ``conditional_cdf[a, b]``: cumulative P(s_i = · | s_i−1 = a, s_i+1 = b);
    ``first_cdf[b]`` / ``last_cdf[a]``: the open chain's end sites given their one
    neighbour (unused on a ring).
    """
    cdef Py_ssize_t row, i, sweep, n_sites = out.shape[1]
    cdef int n = initial_cdf.shape[0]
    cdef uint64_t rng[4]
    with nogil:
        for row in range(first, stop):
            xoshiro_seed_spawned(&base[0], base.shape[0], row, rng)
            for i in range(n_sites):
                out[row, i] = <int8_t>_from_cdf(&initial_cdf[0], n, xoshiro_uniform(rng))
            for sweep in range(sweeps):
                _sweep(&out[row, 0], n_sites, ring, &conditional_cdf[0, 0, 0],
                       &first_cdf[0, 0], &last_cdf[0, 0], n, rng)
