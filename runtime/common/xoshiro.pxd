# xoshiro256** (Blackman & Vigna 2018) as header-only nogil inline functions, and
# per-stream seeding that reproduces numpy.random.SeedSequence(seed).spawn(n)[i]
# .generate_state(4, numpy.uint64) bit for bit, so stream i depends only on (seed, i):
# not on how many streams a call runs, nor on their order or threading.
# Also an exact 256-layer ziggurat for Exp(1) variates (log-free on ~99% of draws).
# Used by the well-mixed SSAs, the lattice KMC and samplers and the particle simulator
# (runtime/{wellmixed,lattice/chain,lattice/bonds,continuous}/_*.pyx). Cimport it
# as `from runtime.common.xoshiro cimport ...`: setup.py compiles runtime/*.pyx from the
# repository root, where Cython finds this file by its folder; being header-only, it
# needs no module of its own at run time.
from libc.math cimport exp, log, log1p
from libc.stdint cimport uint32_t, uint64_t

# numpy/random/bit_generator.pyx, SeedSequence constants (pool size 4, 32-bit words)
cdef enum:
    _POOL_SIZE = 4
    _XSHIFT = 16

# (a .pxd cannot initialise variables, and C enums stop at INT_MAX, hence the casts)
cdef inline uint32_t _INIT_A() noexcept nogil:
    return <uint32_t>0x43b0d7e5
cdef inline uint32_t _MULT_A() noexcept nogil:
    return <uint32_t>0x931e8875
cdef inline uint32_t _INIT_B() noexcept nogil:
    return <uint32_t>0x8b51f9dd
cdef inline uint32_t _MULT_B() noexcept nogil:
    return <uint32_t>0x58f38ded
cdef inline uint32_t _MIX_MULT_L() noexcept nogil:
    return <uint32_t>0xca01f9dd
cdef inline uint32_t _MIX_MULT_R() noexcept nogil:
    return <uint32_t>0x4973f715


cdef inline uint64_t _rotl(uint64_t x, int k) noexcept nogil:
    return (x << k) | (x >> (64 - k))


cdef inline uint64_t xoshiro_next(uint64_t* s) noexcept nogil:
    """Next 64-bit output of xoshiro256**; advances the state ``s[0:4]``."""
    cdef uint64_t result = _rotl(s[1] * 5, 7) * 9
    cdef uint64_t t = s[1] << 17
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return result


cdef inline double xoshiro_uniform(uint64_t* s) noexcept nogil:
    """Uniform double on [0, 1) with 53 random bits."""
    return <double>(xoshiro_next(s) >> 11) * (1.0 / 9007199254740992.0)


cdef struct ZigguratExponential:
    # Marsaglia & Tsang (2000) 256-layer ziggurat for Exp(1), 53-bit layout as numpy's
    # random_standard_exponential: k = acceptance thresholds, w = widths / 2**53,
    # f = exp(-x_i) at the layer edges. Filled once by ziggurat_exponential_tables.
    uint64_t k[256]
    double w[256]
    double f[256]


cdef inline double _ZIGGURAT_R() noexcept nogil:
    return 7.69711747013104972  # right edge of the base layer


cdef inline void ziggurat_exponential_tables(ZigguratExponential* z) noexcept nogil:
    """Fill the ziggurat tables (layers of equal area v; Marsaglia & Tsang's zigset)."""
    cdef double scale = 9007199254740992.0  # 2**53
    cdef double v = 3.949659822581572e-3
    cdef double edge = _ZIGGURAT_R(), previous = _ZIGGURAT_R()
    cdef double q = v / exp(-edge)
    cdef int i
    z.k[0] = <uint64_t>((edge / q) * scale)
    z.k[1] = 0
    z.w[0] = q / scale
    z.w[255] = edge / scale
    z.f[0] = 1.0
    z.f[255] = exp(-edge)
    for i in range(254, 0, -1):
        edge = -log(v / edge + exp(-edge))
        z.k[i + 1] = <uint64_t>((edge / previous) * scale)
        previous = edge
        z.f[i] = exp(-edge)
        z.w[i] = edge / scale


cdef inline double xoshiro_exponential(uint64_t* s,
                                       const ZigguratExponential* z) noexcept nogil:
    """Exp(1) variate by the ziggurat: ~99% of draws cost one output and a compare;
    the rest fall back to exact rejection (wedges) or the exact tail r + Exp(1)."""
    cdef uint64_t bits
    cdef int layer
    cdef double x
    while True:
        bits = xoshiro_next(s) >> 3
        layer = bits & 0xFF
        bits >>= 8
        x = <double>bits * z.w[layer]
        if bits < z.k[layer]:
            return x
        if layer == 0:
            return _ZIGGURAT_R() - log1p(-xoshiro_uniform(s))
        if (z.f[layer - 1] - z.f[layer]) * xoshiro_uniform(s) + z.f[layer] < exp(-x):
            return x


cdef inline uint32_t _hashmix(uint32_t value, uint32_t* hash_const) noexcept nogil:
    value ^= hash_const[0]
    hash_const[0] *= _MULT_A()
    value *= hash_const[0]
    value ^= value >> _XSHIFT
    return value


cdef inline uint32_t _mix(uint32_t x, uint32_t y) noexcept nogil:
    cdef uint32_t result = _MIX_MULT_L() * x - _MIX_MULT_R() * y
    result ^= result >> _XSHIFT
    return result


cdef inline void xoshiro_seed_spawned(const uint32_t* base, Py_ssize_t n_base,
                                      uint64_t index, uint64_t* s) noexcept nogil:
    """Seed ``s[0:4]`` as SeedSequence child ``index`` of the parent whose assembled
    entropy words are ``base`` (from ``seed_sequence_words``; ``n_base >= 4``)."""
    cdef uint32_t entropy[2]
    cdef uint32_t pool[_POOL_SIZE]
    cdef uint32_t words[2 * _POOL_SIZE]
    cdef uint32_t hash_const = _INIT_A()
    cdef Py_ssize_t n_index = 2 if index >> 32 else 1
    cdef Py_ssize_t i, j
    entropy[0] = <uint32_t>index
    entropy[1] = <uint32_t>(index >> 32)
    for i in range(_POOL_SIZE):
        pool[i] = _hashmix(base[i], &hash_const)
    for i in range(_POOL_SIZE):
        for j in range(_POOL_SIZE):
            if i != j:
                pool[j] = _mix(pool[j], _hashmix(pool[i], &hash_const))
    for i in range(_POOL_SIZE, n_base + n_index):
        for j in range(_POOL_SIZE):
            pool[j] = _mix(pool[j], _hashmix(
                base[i] if i < n_base else entropy[i - n_base], &hash_const))
    hash_const = _INIT_B()
    for i in range(2 * _POOL_SIZE):
        words[i] = pool[i % _POOL_SIZE] ^ hash_const
        hash_const *= _MULT_B()
        words[i] *= hash_const
        words[i] ^= words[i] >> _XSHIFT
    for i in range(4):
        s[i] = <uint64_t>words[2 * i] | (<uint64_t>words[2 * i + 1] << 32)
    if s[0] == 0 and s[1] == 0 and s[2] == 0 and s[3] == 0:
        s[0] = 1  # the one state xoshiro cannot leave; probability 2**-256


cdef inline object _uint32_words(object value):
    # numpy's rule for SeedSequence entropy: an int is split into 32-bit words, lowest
    # first (0 -> one zero word); a sequence is the concatenation of its elements' words.
    if isinstance(value, (list, tuple)) or hasattr(value, "__array__"):
        return [word for element in value for word in _uint32_words(int(element))]
    value = int(value)
    words = [value & 0xFFFFFFFF]
    value >>= 32
    while value:
        words.append(value & 0xFFFFFFFF)
        value >>= 32
    return words


cdef inline object seed_sequence_words(object seed):
    """Assembled entropy words of the children of ``SeedSequence(seed)`` without their
    own spawn index: run entropy padded to the pool size, then the parent's spawn key.
    ``seed`` is None, a non-negative int or sequence of ints, or a SeedSequence.
    Returns a C-contiguous numpy uint32 array (length >= 4)."""
    import numpy
    sequence = seed if isinstance(seed, numpy.random.SeedSequence) else \
        numpy.random.SeedSequence(seed)
    words = _uint32_words(sequence.entropy)
    words += [0] * (_POOL_SIZE - len(words))
    words += _uint32_words(tuple(sequence.spawn_key))
    return numpy.array(words, dtype=numpy.uint32)
