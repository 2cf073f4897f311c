"""Exact 1D branching Brownian motion: diffusion D, branching kb, death kd (paper Sec. II F 1).

Particles do not interact, so each one is followed on its own from its birth to its
death or the last recording time (depth-first over the family tree): its lifetime is
Exp(kb + kd); at its end it branches (probability kb / (kb + kd), the copy starting at
the same place) or dies. Between events its position moves by exact Gaussian increments
N(0, 2D dt), folded back into the domain: folding a free Brownian path gives reflected
Brownian motion exactly (method of images), wrapping gives the periodic one. At every
recording time the particle adds one to the histogram bin of its node. No time step, no
discretisation error. Public entry from Python: ``dynboltz.runtime.continuous.particles``.
"""
from libc.math cimport INFINITY, floor, fmod, log, sqrt
from libc.stdint cimport int64_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc, realloc

import numpy

from runtime.common.xoshiro cimport (ZigguratExponential, seed_sequence_words,
                                     xoshiro_exponential, xoshiro_seed_spawned,
                                     xoshiro_uniform, ziggurat_exponential_tables)


cdef ZigguratExponential _ZIGGURAT
ziggurat_exponential_tables(&_ZIGGURAT)


cdef struct _Normal:
    # Marsaglia's polar Box-Muller: two N(0, 1) per accepted pair, the second kept here
    double spare
    bint has_spare


cdef inline double _standard_normal(uint64_t* rng, _Normal* cache) noexcept nogil:
    cdef double u, v, r2, factor
    if cache.has_spare:
        cache.has_spare = False
        return cache.spare
    while True:
        u = 2.0 * xoshiro_uniform(rng) - 1.0
        v = 2.0 * xoshiro_uniform(rng) - 1.0
        r2 = u * u + v * v
        if 0.0 < r2 < 1.0:
            break
    factor = sqrt(-2.0 * log(r2) / r2)
    cache.spare = v * factor
    cache.has_spare = True
    return u * factor


cdef struct _Domain:
    double lo
    double length
    bint periodic
    double spacing        # node spacing; bin j is centred on node lo + j * spacing
    Py_ssize_t n_nodes


cdef inline double _fold(const _Domain* d, double x) noexcept nogil:
    cdef double u = fmod(x - d.lo, (1.0 if d.periodic else 2.0) * d.length)
    if u < 0.0:
        u += (1.0 if d.periodic else 2.0) * d.length
    if not d.periodic and u > d.length:
        u = 2.0 * d.length - u
    return d.lo + u


cdef inline Py_ssize_t _bin(const _Domain* d, double x) noexcept nogil:
    cdef Py_ssize_t j = <Py_ssize_t>floor((x - d.lo) / d.spacing + 0.5)
    if d.periodic:
        return j % d.n_nodes if j >= 0 else j % d.n_nodes + d.n_nodes
    return 0 if j < 0 else (d.n_nodes - 1 if j >= d.n_nodes else j)


cdef struct _Stack:
    # particles waiting to be followed: position, clock, next recording index
    double* x
    double* t
    Py_ssize_t* k
    Py_ssize_t size
    Py_ssize_t capacity
    Py_ssize_t created    # particles pushed so far in this replicate (capped)


cdef inline int _grow(void** block, size_t size) noexcept nogil:
    # realloc that keeps the old block (still freed by the caller) when it fails
    cdef void* grown = realloc(block[0], size)
    if grown == NULL:
        return -1
    block[0] = grown
    return 0


cdef int _push(_Stack* s, double x, double t, Py_ssize_t k, Py_ssize_t limit) noexcept nogil:
    cdef Py_ssize_t capacity
    if s.created >= limit:
        return -1
    s.created += 1
    if s.size == s.capacity:
        capacity = 2 * s.capacity
        if _grow(<void**>&s.x, capacity * sizeof(double)) \
                or _grow(<void**>&s.t, capacity * sizeof(double)) \
                or _grow(<void**>&s.k, capacity * sizeof(Py_ssize_t)):
            return -2
        s.capacity = capacity
    s.x[s.size] = x
    s.t[s.size] = t
    s.k[s.size] = k
    s.size += 1
    return 0


cdef int64_t _follow(_Stack* s, const _Domain* d, const double* times, Py_ssize_t n_times,
                     double sigma2, double kb, double kd, uint64_t* rng, _Normal* normal,
                     double* counts, Py_ssize_t limit, int* status) noexcept nogil:
    # Pop and follow particles until none is left; counts is (n_times, n_nodes + 1),
    # column n_nodes the total number alive. Returns the number of branch/death events.
    cdef double x, t, tau, rate = kb + kd
    cdef Py_ssize_t k
    cdef int64_t events = 0
    while s.size:
        s.size -= 1
        x, t, k = s.x[s.size], s.t[s.size], s.k[s.size]
        while True:
            tau = t + xoshiro_exponential(rng, &_ZIGGURAT) / rate if rate > 0.0 else INFINITY
            while k < n_times and times[k] < tau:
                x = _fold(d, x + sqrt(sigma2 * (times[k] - t)) * _standard_normal(rng, normal))
                t = times[k]
                counts[k * (d.n_nodes + 1) + _bin(d, x)] += 1.0
                counts[k * (d.n_nodes + 1) + d.n_nodes] += 1.0
                k += 1
            if k == n_times:
                break
            x = _fold(d, x + sqrt(sigma2 * (tau - t)) * _standard_normal(rng, normal))
            t = tau
            events += 1
            if xoshiro_uniform(rng) * rate >= kb:
                break  # death
            status[0] = _push(s, x, t, k, limit)
            if status[0]:
                return events
    return events


def branching_brownian_histograms(const double[::1] initial, double t0,
                                  const double[::1] times, double D, double kb, double kd,
                                  double lo, double hi, bint periodic, Py_ssize_t n_nodes,
                                  seed, Py_ssize_t stream, Py_ssize_t max_particles):
    """Histogram counts of one replicate of branching Brownian motion.

    Arguments are validated by ``particles.simulate_particles``. ``initial`` holds the
    positions at ``t0`` (NaN entries are no particle); ``times`` are ascending, >= t0.
    Nodes: ``n_nodes`` points from ``lo`` to ``hi`` (periodic: ``hi`` excluded, it is
    ``lo``); bin j holds the positions nearer to node j than to any other node.
    The replicate draws from xoshiro stream ``stream`` of ``SeedSequence(seed)``.

    Returns
    -------
    counts : numpy.ndarray of float64, shape (len(times), n_nodes + 1)
        Particles per bin at each time; the last column is the total alive.
    events : int
        Branching and death events.

    Raises
    ------
    OverflowError
        If more than ``max_particles`` particles are born in the replicate.
    MemoryError
    """
    cdef const uint32_t[::1] base = seed_sequence_words(seed)
    cdef uint64_t rng[4]
    cdef _Normal normal = _Normal(0.0, False)
    cdef Py_ssize_t n_times = times.shape[0], i
    cdef double length = hi - lo
    cdef _Domain domain = _Domain(lo, length, periodic,
                                  length / (n_nodes if periodic else n_nodes - 1), n_nodes)
    cdef _Stack stack
    cdef int status = 0
    cdef int64_t events = 0
    result = numpy.zeros((n_times, n_nodes + 1))
    cdef double[:, ::1] counts = result
    if n_times == 0:
        return result, 0
    stack.capacity = max(initial.shape[0], 16)
    stack.size = 0
    stack.created = 0
    stack.x = <double*>malloc(stack.capacity * sizeof(double))
    stack.t = <double*>malloc(stack.capacity * sizeof(double))
    stack.k = <Py_ssize_t*>malloc(stack.capacity * sizeof(Py_ssize_t))
    try:
        if stack.x == NULL or stack.t == NULL or stack.k == NULL:
            raise MemoryError("branching_brownian_histograms: particle stack")
        xoshiro_seed_spawned(&base[0], base.shape[0], stream, rng)
        with nogil:
            # pushed in reverse so that particle 0 is followed first
            for i in range(initial.shape[0] - 1, -1, -1):
                if initial[i] == initial[i]:
                    _push(&stack, initial[i], t0, 0, initial.shape[0])
            events = _follow(&stack, &domain, &times[0], n_times, 2.0 * D, kb, kd, rng,
                             &normal, &counts[0, 0], max_particles, &status)
        if status == -1:
            raise OverflowError(f"more than max_particles = {max_particles} particles "
                                "born in one replicate; lower the branching rate or the final "
                                "time, or raise max_particles")
        if status == -2:
            raise MemoryError("branching_brownian_histograms: particle stack")
    finally:
        free(stack.x)
        free(stack.t)
        free(stack.k)
    return result, int(events)
