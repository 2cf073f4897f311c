"""Gillespie's direct method for well-mixed reaction networks (§5).

The network arrives as compressed sparse rows (CSR, ``ptr[j]:ptr[j+1]`` indexes row j):
reactant orders for the propensities k_j Π_s (n_s)_{r_js}, net count changes, and for
each reaction the reactions whose propensities it can change (dependency graph).
Public entry from Python: ``dynboltz.runtime.wellmixed.ssa.simulate``.
"""
from libc.math cimport INFINITY
from libc.stdint cimport INT64_MAX, int64_t, uint32_t, uint64_t

import numpy

from runtime.common.xoshiro cimport (ZigguratExponential, seed_sequence_words,
                              xoshiro_exponential, xoshiro_next, xoshiro_seed_spawned,
                              xoshiro_uniform,
                              ziggurat_exponential_tables)


cdef ZigguratExponential _ZIGGURAT
ziggurat_exponential_tables(&_ZIGGURAT)


cdef extern from "Python.h":
    # declared without an exception value: a pending KeyboardInterrupt stays set and
    # is raised by _raise_pending once the loop has left the nogil section
    int PyErr_CheckSignals()


cdef enum:
    _SLOTS = 4  # trajectories stepped in turn (see _run_interleaved)
    _RUNNING = 0  # _advance: the trajectory goes on
    _FINISHED = 1  # every output time is recorded
    _OVERFLOW = 2  # the next event would push a count past INT64_MAX (not applied)
    _INTERRUPTED = 3  # a signal handler raised (Ctrl-C): its exception is pending
    _SIGNAL_EVENTS = 65536  # events between checks for Ctrl-C (a few ms)


cdef struct _Overflow:
    # the event that would have overflowed: which trajectory, species and when
    Py_ssize_t trajectory
    Py_ssize_t species
    double t


cdef struct _Network:
    Py_ssize_t n_reactions
    Py_ssize_t n_species
    const double* rates
    const int64_t* reactant_ptr
    const int64_t* reactant_species
    const int64_t* reactant_order
    const int64_t* change_ptr
    const int64_t* change_species
    const int64_t* change_delta
    const int64_t* dependent_ptr
    const int64_t* dependent_reaction


cdef inline double _propensity(const _Network* net, Py_ssize_t j,
                               const int64_t* counts) noexcept nogil:
    cdef double a = net.rates[j]
    cdef int64_t i, m, n
    for i in range(net.reactant_ptr[j], net.reactant_ptr[j + 1]):
        n = counts[net.reactant_species[i]]
        for m in range(net.reactant_order[i]):
            a *= <double>(n - m)  # falling factorial (n)_r; zero once n < r
    return a


cdef inline Py_ssize_t _choose(const double* propensity, Py_ssize_t n_reactions,
                               double target) noexcept nogil:
    # Index of the first cumulative sum above target, counted without a data-dependent
    # branch: which reaction fires is random, so a branch on it mispredicts often.
    # Rounding can leave target >= the whole sum; then take the last reaction that can
    # fire.
    cdef Py_ssize_t j, chosen = 0
    cdef double cumulative = 0.0
    for j in range(n_reactions):
        cumulative += propensity[j]
        chosen += cumulative <= target
    if chosen == n_reactions:
        chosen -= 1
        while propensity[chosen] == 0.0:
            chosen -= 1
    return chosen


cdef struct _Walker:
    # one trajectory in flight: its RNG stream, clock and next output slot
    uint64_t rng[4]
    double t
    Py_ssize_t next_time
    Py_ssize_t trajectory  # row of the output; -1 once the slot has nothing to run


cdef int _advance(const _Network* net, _Walker* walker, int64_t* counts,
                  double* propensity, const double* times, Py_ssize_t n_times,
                  int64_t* out, _Overflow* overflow) noexcept nogil:
    # One event of one trajectory (out: its (n_times, n_species) block): _RUNNING,
    # _FINISHED once every output time has been recorded, or _OVERFLOW (filled in).
    cdef Py_ssize_t j, i, s
    cdef double total = 0.0
    for j in range(net.n_reactions):
        total += propensity[j]
    walker.t += xoshiro_exponential(walker.rng, &_ZIGGURAT) / total if total > 0.0 else INFINITY
    while walker.next_time < n_times and times[walker.next_time] < walker.t:
        for s in range(net.n_species):
            out[walker.next_time * net.n_species + s] = counts[s]
        walker.next_time += 1
    if walker.next_time == n_times:
        return _FINISHED
    j = _choose(propensity, net.n_reactions, xoshiro_uniform(walker.rng) * total)
    # Only gains can overflow: a loss applies to a reactant, whose count is at least
    # its order whenever the reaction can fire.
    for i in range(net.change_ptr[j], net.change_ptr[j + 1]):
        if net.change_delta[i] > 0 and \
                counts[net.change_species[i]] > INT64_MAX - net.change_delta[i]:
            overflow.trajectory = walker.trajectory
            overflow.species = net.change_species[i]
            overflow.t = walker.t
            return _OVERFLOW
    for i in range(net.change_ptr[j], net.change_ptr[j + 1]):
        counts[net.change_species[i]] += net.change_delta[i]
    for i in range(net.dependent_ptr[j], net.dependent_ptr[j + 1]):
        propensity[net.dependent_reaction[i]] = _propensity(
            net, net.dependent_reaction[i], counts)
    return _RUNNING


cdef void _start(const _Network* net, _Walker* walker, Py_ssize_t trajectory,
                 const uint32_t* base, Py_ssize_t n_base, const int64_t* initial,
                 int64_t* counts, double* propensity) noexcept nogil:
    cdef Py_ssize_t j, s
    walker.trajectory = trajectory
    walker.t = 0.0
    walker.next_time = 0
    xoshiro_seed_spawned(base, n_base, trajectory, walker.rng)
    for s in range(net.n_species):
        counts[s] = initial[s]
    for j in range(net.n_reactions):
        propensity[j] = _propensity(net, j, counts)


cdef int _run_interleaved(const _Network* net, const uint32_t* base, Py_ssize_t n_base,
                           const int64_t* initial, Py_ssize_t n, const double* times,
                           Py_ssize_t n_times, int64_t* out, _Walker* walkers,
                           int64_t* counts, double* propensity,
                           Py_ssize_t n_slots, _Overflow* overflow) noexcept nogil:
    # Events of one trajectory form a serial chain of dependent loads; stepping
    # n_slots independent trajectories in turn lets the CPU overlap their chains.
    # Returns _FINISHED; _OVERFLOW, with overflow filled in, at the first count that
    # would overflow; _INTERRUPTED when a signal handler raised (checked every
    # _SIGNAL_EVENTS events, briefly holding the GIL).
    cdef Py_ssize_t slot, started = 0, running = 0, steps = 0
    cdef int status
    cdef Py_ssize_t S = net.n_species, J = net.n_reactions
    for slot in range(n_slots):
        walkers[slot].trajectory = -1
        if started < n:
            _start(net, &walkers[slot], started, base, n_base, &initial[started * S],
                   &counts[slot * S], &propensity[slot * J])
            started += 1
            running += 1
    while running:
        steps += 1
        if steps % _SIGNAL_EVENTS == 0:
            with gil:
                if PyErr_CheckSignals() != 0:
                    return _INTERRUPTED
        for slot in range(n_slots):
            if walkers[slot].trajectory < 0:
                continue
            status = _advance(net, &walkers[slot], &counts[slot * S],
                              &propensity[slot * J], times, n_times,
                              &out[walkers[slot].trajectory * n_times * S], overflow)
            if status == _OVERFLOW:
                return _OVERFLOW
            if status == _RUNNING:
                continue
            walkers[slot].trajectory = -1
            running -= 1
            if started < n:
                _start(net, &walkers[slot], started, base, n_base,
                       &initial[started * S], &counts[slot * S], &propensity[slot * J])
                started += 1
                running += 1
    return _FINISHED


def xoshiro_stream(state, Py_ssize_t n):
    """First ``n`` raw outputs of xoshiro256** started from ``state`` (4 uint64), to
    check the generator against its reference definition.

    Returns
    -------
    numpy.ndarray of uint64, shape (n,)
    """
    cdef uint64_t s[4]
    cdef Py_ssize_t i
    outputs = numpy.empty(n, dtype=numpy.uint64)
    cdef uint64_t[::1] view = outputs
    for i in range(4):
        s[i] = int(state[i])
    for i in range(n):
        view[i] = xoshiro_next(s)
    return outputs


def spawned_states(seed, Py_ssize_t n):
    """xoshiro256** states of trajectories 0..n-1 for ``seed``.

    Row i equals ``numpy.random.SeedSequence(seed).spawn(n)[i].generate_state(4,
    numpy.uint64)`` (up to the all-zero state, which is replaced).

    Returns
    -------
    numpy.ndarray of uint64, shape (n, 4)
    """
    cdef const uint32_t[::1] base = seed_sequence_words(seed)
    states = numpy.empty((n, 4), dtype=numpy.uint64)
    cdef uint64_t[:, ::1] s = states
    cdef Py_ssize_t i
    with nogil:
        for i in range(n):
            xoshiro_seed_spawned(&base[0], base.shape[0], i, &s[i, 0])
    return states


def direct_method(const double[::1] rates,
                  const int64_t[::1] reactant_ptr, const int64_t[::1] reactant_species,
                  const int64_t[::1] reactant_order,
                  const int64_t[::1] change_ptr, const int64_t[::1] change_species,
                  const int64_t[::1] change_delta,
                  const int64_t[::1] dependent_ptr, const int64_t[::1] dependent_reaction,
                  const int64_t[:, ::1] initial, const double[::1] times, seed,
                  species=None):
    """Run ``initial.shape[0]`` independent direct-method SSA trajectories.

    Arguments are validated by ``wellmixed.simulate``; the CSR arrays are described in
    the module docstring. Trajectory i draws from xoshiro stream i of ``seed``.
    ``species``: names for the overflow message (default: indices).

    Returns
    -------
    numpy.ndarray of int64, shape (n, len(times), n_species)
        Counts at each requested time (state after every event at t <= times[k]).

    Raises
    ------
    OverflowError
        An event would raise a count above 2**63 - 1 (named: species, trajectory, t).
    KeyboardInterrupt
        Ctrl-C during the run (signals are checked every few milliseconds).
    """
    cdef Py_ssize_t n = initial.shape[0], n_species = initial.shape[1]
    cdef Py_ssize_t n_times = times.shape[0], n_reactions = rates.shape[0]
    cdef const uint32_t[::1] base = seed_sequence_words(seed)
    result = numpy.zeros((n, n_times, n_species), dtype=numpy.int64)
    cdef int64_t[:, :, ::1] out = result
    cdef Py_ssize_t n_slots = min(n, _SLOTS)
    cdef int64_t[::1] counts = numpy.zeros(n_slots * n_species, dtype=numpy.int64)
    cdef double[::1] propensity = numpy.zeros(n_slots * n_reactions)
    cdef _Walker[_SLOTS] walkers
    cdef _Network net
    cdef _Overflow overflow
    cdef int status
    if n == 0 or n_times == 0 or n_species == 0 or n_reactions == 0:
        result[...] = numpy.asarray(initial)[:, None, :]
        return result
    net = _Network(n_reactions, n_species, &rates[0],
                   &reactant_ptr[0], _first(reactant_species), _first(reactant_order),
                   &change_ptr[0], _first(change_species), _first(change_delta),
                   &dependent_ptr[0], _first(dependent_reaction))
    with nogil:
        status = _run_interleaved(&net, &base[0], base.shape[0], &initial[0, 0], n,
                                     &times[0], n_times, &out[0, 0, 0], walkers,
                                     &counts[0], &propensity[0], n_slots, &overflow)
    if status == _INTERRUPTED:
        _raise_pending()
    if status == _OVERFLOW:
        name = overflow.species if species is None else species[overflow.species]
        raise OverflowError(f"the count of species {name!r} would exceed 2**63 - 1 (the "
                            f"largest int64) in trajectory {overflow.trajectory} at "
                            f"t = {overflow.t!r}; reduce the initial counts, the times "
                            "or the growth rates")
    return result


cdef inline const int64_t* _first(const int64_t[::1] values) noexcept:
    # empty CSR rows (e.g. no reaction has reactants) must not index element 0
    return &values[0] if values.shape[0] else NULL


cdef int _raise_pending() except -1:
    # the exception a signal handler set while the loop ran (see PyErr_CheckSignals)
    return -1
