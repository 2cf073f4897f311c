
cdef inline double _ipow(double base, int n) noexcept nogil:
    # Repeated squaring; with a literal n the C compiler unrolls the loop.
    cdef double result = 1.0
    while n:
        if n & 1:
            result *= base
        base *= base
        n >>= 1
    return result
