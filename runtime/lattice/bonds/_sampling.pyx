"""Markov chains of the Boltzmann distribution on a periodic square or cubic lattice.

Weight exp(Σ_i h_{s_i} + Σ_⟨ij⟩ J_{s_i s_j}), each nearest-neighbour bond once, h_0 =
J_0· = 0. Sites in C order of the shape, neighbour slots and edge flags as in the
KMC engine (``_kmc.pyx``).

* Heat-bath Gibbs sweeps in checkerboard order: every site of even coordinate sum,
  then every odd one, each drawn from its law given its z neighbours,
  P(s_i = a | rest) ∝ exp(h_a) Π_j exp(J_{a s_j}) (products of precomputed factors, no
  exp in the loop). Each update leaves the distribution invariant, so the sweep is
  exact for odd lengths too (where the two colours are not independent sets).
* Wolff cluster moves for one species with J ≥ 0, as the Ising model σ = 2 s − 1,
  K = J/4, H = h/2 + z J/4: a cluster grown from a uniform site over equal neighbours
  with probability 1 − exp(−2K) per bond, flipped with the Metropolis probability
  min(1, exp(−2 H M)) of its total spin M (exact at any field). A sweep grows a fixed
  number of clusters, chosen by the caller (a number that depended on the sizes of the
  clusters grown, e.g. "until n sites", would make the sampling time depend on the
  state and bias the samples).

The chain keeps its xoshiro256** state between calls, so a run split into calls gives
the numbers of one call.
"""
from libc.math cimport exp
from libc.stdint cimport int8_t, int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc

import cython

from runtime.common.xoshiro cimport xoshiro_seed_spawned, xoshiro_uniform


cdef extern from "Python.h":
    int PyErr_CheckSignals()


cdef enum:
    _MAX_DIMENSION = 3
    _MAX_DIRECTIONS = 2 * _MAX_DIMENSION
    _MAX_STATES = 32


cdef int _propagate() except -1:
    # the error indicator is already set (by PyErr_CheckSignals): raise it
    return -1


@cython.final
cdef class BoltzmannLattice:
    """A lattice and a random stream on which Gibbs and Wolff sweeps run.

    Parameters
    ----------
    lattice : int8 array, shape (n,)
        Site codes 0..S in C order of ``shape``; updated in place by every sweep.
    shape : int64 array, shape (d,)
        (L1, L2) or (L1, L2, L3), every L >= 2.
    h : float64 array, shape (S+1,)
        Fields, h[0] = 0.
    J : float64 array, shape (S+1, S+1)
        Symmetric couplings, zero row and column 0.
    words : uint32 array
        ``stream_words(seed)`` of the KMC module.
    stream : int
        Index of the xoshiro stream of those words.
    """
    cdef int8_t[::1] _lattice_view
    cdef int8_t* sites
    cdef Py_ssize_t n_sites, dimension, n_directions, base
    cdef Py_ssize_t stride[_MAX_DIMENSION]
    cdef Py_ssize_t length[_MAX_DIMENSION]
    cdef Py_ssize_t step[_MAX_DIRECTIONS]
    cdef Py_ssize_t wrap_step[_MAX_DIRECTIONS]
    cdef uint8_t edge_bit[_MAX_DIRECTIONS]
    cdef uint8_t* edges
    cdef int32_t* stack
    cdef uint8_t* in_cluster
    cdef double field_factor[_MAX_STATES]
    cdef double bond_factor[_MAX_STATES * _MAX_STATES]
    cdef double ising_field, add_probability
    cdef uint64_t rng[4]

    def __cinit__(self, int8_t[::1] lattice, const int64_t[::1] shape, const double[::1] h,
                  const double[:, ::1] J, const uint32_t[::1] words, uint64_t stream):
        cdef Py_ssize_t a, b, i, c, n = 1
        cdef uint8_t flags
        self.edges = NULL
        self.stack = NULL
        self.in_cluster = NULL
        if not 2 <= shape.shape[0] <= _MAX_DIMENSION or h.shape[0] > _MAX_STATES:
            raise ValueError(f"`shape` of `BoltzmannLattice` must be `2 or 3 lengths, at "
                             f"most {_MAX_STATES - 1} species`; got `{list(shape)}, "
                             f"{h.shape[0] - 1} species`")
        for a in range(shape.shape[0] - 1, -1, -1):
            if shape[a] < 2:
                raise ValueError(f"`shape` of `BoltzmannLattice` must be `lengths >= 2`; "
                                 f"got `{list(shape)}`")
            self.length[a] = shape[a]
            self.stride[a] = n
            n *= shape[a]
        if lattice.shape[0] != n:
            raise ValueError(f"`lattice` of `BoltzmannLattice` must be `{n} sites`; got "
                             f"`{lattice.shape[0]} sites`")
        self._lattice_view = lattice
        self.sites = &lattice[0]
        self.n_sites = n
        self.dimension = shape.shape[0]
        self.n_directions = 2 * self.dimension
        self.base = h.shape[0]
        for a in range(self.dimension):
            self.step[2 * a] = self.stride[a]
            self.wrap_step[2 * a] = -(self.length[a] - 1) * self.stride[a]
            self.step[2 * a + 1] = -self.stride[a]
            self.wrap_step[2 * a + 1] = (self.length[a] - 1) * self.stride[a]
            self.edge_bit[2 * a] = <uint8_t>(1 << (2 * a))
            self.edge_bit[2 * a + 1] = <uint8_t>(1 << (2 * a + 1))
        for a in range(self.base):
            self.field_factor[a] = exp(h[a])
            for b in range(self.base):
                self.bond_factor[a * _MAX_STATES + b] = exp(J[a, b])
        if self.base == 2:  # the Ising form of one species
            self.ising_field = h[1] / 2.0 + self.n_directions * J[1, 1] / 4.0
            self.add_probability = 1.0 - exp(-J[1, 1] / 2.0)
        self.edges = <uint8_t*>malloc(n * sizeof(uint8_t))
        self.stack = <int32_t*>malloc(n * sizeof(int32_t))
        self.in_cluster = <uint8_t*>malloc(n * sizeof(uint8_t))
        if self.edges == NULL or self.stack == NULL or self.in_cluster == NULL:
            raise MemoryError()
        for i in range(n):
            flags = 0
            self.in_cluster[i] = 0
            for a in range(self.dimension):
                c = (i // self.stride[a]) % self.length[a]
                if c == self.length[a] - 1:
                    flags |= self.edge_bit[2 * a]
                if c == 0:
                    flags |= self.edge_bit[2 * a + 1]
            self.edges[i] = flags
        xoshiro_seed_spawned(&words[0], words.shape[0], stream, self.rng)

    def __dealloc__(self):
        free(self.edges)
        free(self.stack)
        free(self.in_cluster)

    cdef inline Py_ssize_t _neighbour(self, Py_ssize_t i, Py_ssize_t d) noexcept nogil:
        return i + (self.wrap_step[d] if self.edges[i] & self.edge_bit[d] else self.step[d])

    cdef inline int _parity(self, Py_ssize_t i) noexcept nogil:
        cdef Py_ssize_t a, total = 0
        for a in range(self.dimension):
            total += (i // self.stride[a]) % self.length[a]
        return total & 1

    cdef void _heat_bath(self, Py_ssize_t i) noexcept nogil:
        cdef double weight[_MAX_STATES]
        cdef double total = 0.0, u
        cdef Py_ssize_t a, d, neighbour_code
        cdef int8_t* sites = self.sites
        for a in range(self.base):
            weight[a] = self.field_factor[a]
        for d in range(self.n_directions):
            neighbour_code = sites[self._neighbour(i, d)]
            for a in range(1, self.base):
                weight[a] *= self.bond_factor[a * _MAX_STATES + neighbour_code]
        for a in range(self.base):
            total += weight[a]
        u = xoshiro_uniform(self.rng) * total
        a = 0
        while a < self.base - 1 and u >= weight[a]:
            u -= weight[a]
            a += 1
        sites[i] = <int8_t>a

    cdef void _gibbs_sweep(self) noexcept nogil:
        cdef Py_ssize_t i, colour, start, row, x, rows
        cdef Py_ssize_t last = self.length[self.dimension - 1]
        rows = self.n_sites // last
        for colour in range(2):
            for row in range(rows):  # a row: the sites along the last axis
                start = row * last
                x = colour ^ self._parity(start)
                i = start + x
                while x < last:
                    self._heat_bath(i)
                    x += 2
                    i += 2

    cdef Py_ssize_t _wolff_cluster(self) noexcept nogil:
        # grow one cluster, flip it with its Metropolis probability; returns its size
        cdef Py_ssize_t seed_site = <Py_ssize_t>(xoshiro_uniform(self.rng) * self.n_sites)
        cdef Py_ssize_t top = 0, size = 0, i, j, d
        cdef int8_t spin
        cdef int8_t* sites = self.sites
        cdef double magnetisation
        cdef bint flip
        if seed_site >= self.n_sites:
            seed_site = self.n_sites - 1
        spin = sites[seed_site]
        self.stack[top] = <int32_t>seed_site
        top += 1
        self.in_cluster[seed_site] = 1
        while top > size:
            i = self.stack[size]
            size += 1
            for d in range(self.n_directions):
                j = self._neighbour(i, d)
                if sites[j] == spin and not self.in_cluster[j] and \
                        xoshiro_uniform(self.rng) < self.add_probability:
                    self.in_cluster[j] = 1
                    self.stack[top] = <int32_t>j
                    top += 1
        magnetisation = size if spin == 1 else -size
        flip = self.ising_field * magnetisation <= 0.0 or \
            xoshiro_uniform(self.rng) < exp(-2.0 * self.ising_field * magnetisation)
        for i in range(size):
            j = self.stack[i]
            self.in_cluster[j] = 0
            if flip:
                sites[j] = 1 - spin
        return size

    cdef void _moments(self, double* out) noexcept nogil:
        # µ_a then ∆_ab (a ≤ b, bonds per site) of the current lattice
        cdef Py_ssize_t i, d, a, b, column
        cdef int64_t site_counts[_MAX_STATES]
        cdef int64_t bond_counts[_MAX_STATES * _MAX_STATES]
        for a in range(self.base):
            site_counts[a] = 0
            for b in range(self.base):
                bond_counts[a * _MAX_STATES + b] = 0
        for i in range(self.n_sites):
            a = self.sites[i]
            site_counts[a] += 1
            for d in range(0, self.n_directions, 2):
                bond_counts[a * _MAX_STATES + self.sites[self._neighbour(i, d)]] += 1
        for a in range(1, self.base):
            out[a - 1] = site_counts[a] / <double>self.n_sites
        column = self.base - 1
        for a in range(1, self.base):
            for b in range(a, self.base):
                out[column] = bond_counts[a * _MAX_STATES + b]
                if a != b:
                    out[column] += bond_counts[b * _MAX_STATES + a]
                out[column] /= self.n_sites
                column += 1

    def run(self, Py_ssize_t n_sweeps, bint gibbs, Py_ssize_t clusters,
            double[:, ::1] moments):
        """Run ``n_sweeps`` sweeps: each a Gibbs sweep and/or ``clusters`` Wolff moves.

        Parameters
        ----------
        n_sweeps : int
        gibbs : bool
            A heat-bath sweep in checkerboard order.
        clusters : int
            Then this many Wolff cluster moves (one species only; 0: none).
        moments : float64 array, shape (n_sweeps, L) or (0, L)
            Filled with the moments after every sweep unless it has no rows.

        Returns
        -------
        int
            Sites in all clusters grown (for the caller's choice of ``clusters``).

        Raises
        ------
        KeyboardInterrupt
            Ctrl-C (checked after every sweep); the lattice holds the state reached.
        """
        cdef Py_ssize_t k, c
        cdef int64_t grown = 0
        cdef int signalled = 0
        if clusters > 0 and self.base != 2:
            raise ValueError(f"`clusters` of `BoltzmannLattice.run` must be `0 unless there "
                             f"is one species`; got `{clusters}` with {self.base - 1} species")
        with nogil:
            for k in range(n_sweeps):
                if gibbs:
                    self._gibbs_sweep()
                for c in range(clusters):
                    grown += self._wolff_cluster()
                if moments.shape[0] > 0:
                    self._moments(&moments[k, 0])
                with gil:
                    signalled = PyErr_CheckSignals()
                if signalled != 0:
                    break
        if signalled != 0:
            _propagate()
        return grown
