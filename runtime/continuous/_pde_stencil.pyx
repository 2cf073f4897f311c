"""Method of lines for eq. 42 with the sensitivities of eq. A15, classical RK4.

State: field 0 is ν(y_i) on M nodes; fields 1 + γG + g (γ = 0, 1 for F⁽¹⁾, F⁽²⁾;
g < G grid nodes of ν) are s = ∂ν(y_i)/∂F⁽ᵞ⁾_g. F⁽ᵞ⁾(ν) is piecewise linear on the ν
grid (hat functions φ_g), constant beyond its ends. Second-order central differences,
ν_y ≈ (ν_{i+1} − ν_{i−1})/(2Δy), ν_yy ≈ (ν_{i+1} − 2ν_i + ν_{i−1})/Δy², with ghost
nodes ν_{−1} = ν_1 at reflecting walls (zero flux) or wrap-around (periodic). Then

    dν_i/dt = F⁽¹⁾(ν_i) ν_y² + F⁽²⁾(ν_i) ν_yy                                  (eq. 42)
    ds_i/dt = (F⁽¹⁾'(ν_i) ν_y² + F⁽²⁾'(ν_i) ν_yy) s_i + 2 F⁽¹⁾(ν_i) ν_y s_y
              + F⁽²⁾(ν_i) s_yy + (δ_γ1 ν_y² + δ_γ2 ν_yy) φ_g(ν_i)              (eq. A15)

with s_y, s_yy by the same stencils: the second line is the exact derivative of the
first (semi-discrete) system with respect to F⁽ᵞ⁾_g, eq. A15 with φ_g in place of
δ(ν − ω). RK4 on the joint system gives the derivative of the RK4 map of ν wherever
that map is differentiable (away from the kinks of the interpolant).
Public entry from Python: ``dynboltz.runtime.continuous.pde.integrate_pde``.
"""
from libc.math cimport ceil, floor, isfinite
from libc.stdlib cimport free, malloc

import numpy


cdef struct _Problem:
    const double* F1
    const double* F2
    Py_ssize_t G          # ν grid nodes
    double nu_lo
    double dnu
    Py_ssize_t M          # spatial nodes
    double dy
    bint periodic
    bint sensitivities
    double* work          # 6 M scratch values: stencil rows, forcing, hat weights
    Py_ssize_t* cell


cdef inline void _neighbours(const _Problem* p, Py_ssize_t i, Py_ssize_t* left,
                             Py_ssize_t* right) noexcept nogil:
    if p.periodic:
        left[0] = i - 1 if i > 0 else p.M - 1
        right[0] = i + 1 if i < p.M - 1 else 0
    else:
        left[0] = i - 1 if i > 0 else 1
        right[0] = i + 1 if i < p.M - 1 else p.M - 2


cdef void _rhs(const _Problem* p, const double* u, double* out) noexcept nogil:
    # ν's rate first; the linearised operator of every sensitivity field is the same
    # three-point stencil s_i' = lower_i s_{i-1} + centre_i s_i + upper_i s_{i+1}
    cdef Py_ssize_t M = p.M, G = p.G, i, f, l, r, c
    cdef double x, w, nu_y, nu_yy, f1, f2, d1, d2
    cdef double inv2dy = 0.5 / p.dy, invdy2 = 1.0 / (p.dy * p.dy)
    cdef double* lower = p.work
    cdef double* centre = p.work + M
    cdef double* upper = p.work + 2 * M
    cdef double* q1 = p.work + 3 * M
    cdef double* q2 = p.work + 4 * M
    cdef double* weight = p.work + 5 * M
    cdef const double* sf
    cdef double* of
    for i in range(M):
        _neighbours(p, i, &l, &r)
        nu_y = (u[r] - u[l]) * inv2dy
        nu_yy = (u[r] - 2.0 * u[i] + u[l]) * invdy2
        x = (u[i] - p.nu_lo) / p.dnu
        if x <= 0.0:
            c, w, d1, d2 = 0, 0.0, 0.0, 0.0
        elif x >= G - 1:
            c, w, d1, d2 = G - 2, 1.0, 0.0, 0.0
        else:
            c = <Py_ssize_t>floor(x)
            if c > G - 2:
                c = G - 2
            w = x - c
            d1 = (p.F1[c + 1] - p.F1[c]) / p.dnu
            d2 = (p.F2[c + 1] - p.F2[c]) / p.dnu
        f1 = p.F1[c] + w * (p.F1[c + 1] - p.F1[c])
        f2 = p.F2[c] + w * (p.F2[c + 1] - p.F2[c])
        out[i] = f1 * nu_y * nu_y + f2 * nu_yy
        # a s + 2 F1 ν_y s_y + F2 s_yy with a = F1' ν_y² + F2' ν_yy
        lower[i] = f2 * invdy2 - 2.0 * f1 * nu_y * inv2dy
        centre[i] = d1 * nu_y * nu_y + d2 * nu_yy - 2.0 * f2 * invdy2
        upper[i] = f2 * invdy2 + 2.0 * f1 * nu_y * inv2dy
        q1[i] = nu_y * nu_y
        q2[i] = nu_yy
        weight[i] = w
        p.cell[i] = c
    if not p.sensitivities:
        return
    _neighbours(p, 0, &l, &r)
    for f in range(1, 1 + 2 * G):
        sf = u + f * M
        of = out + f * M
        of[0] = lower[0] * sf[l] + centre[0] * sf[0] + upper[0] * sf[1]
        for i in range(1, M - 1):
            of[i] = lower[i] * sf[i - 1] + centre[i] * sf[i] + upper[i] * sf[i + 1]
        of[M - 1] = lower[M - 1] * sf[M - 2] + centre[M - 1] * sf[M - 1] \
            + upper[M - 1] * sf[0 if p.periodic else M - 2]
    for i in range(M):
        c = p.cell[i]
        out[(1 + c) * M + i] += q1[i] * (1.0 - weight[i])
        out[(2 + c) * M + i] += q1[i] * weight[i]
        out[(1 + G + c) * M + i] += q2[i] * (1.0 - weight[i])
        out[(2 + G + c) * M + i] += q2[i] * weight[i]


cdef void _rk4_step(const _Problem* p, double* u, double h, Py_ssize_t n,
                    double* k1, double* k2, double* k3, double* k4, double* tmp) noexcept nogil:
    cdef Py_ssize_t j
    _rhs(p, u, k1)
    for j in range(n):
        tmp[j] = u[j] + 0.5 * h * k1[j]
    _rhs(p, tmp, k2)
    for j in range(n):
        tmp[j] = u[j] + 0.5 * h * k2[j]
    _rhs(p, tmp, k3)
    for j in range(n):
        tmp[j] = u[j] + h * k3[j]
    _rhs(p, tmp, k4)
    for j in range(n):
        u[j] += h / 6.0 * (k1[j] + 2.0 * k2[j] + 2.0 * k3[j] + k4[j])


cdef Py_ssize_t _integrate(const _Problem* p, double* u, Py_ssize_t n, double t0,
                           const double* times, Py_ssize_t n_times, double dt_max,
                           double* nu_out, double* sens_out, double* scratch,
                           Py_ssize_t* steps) noexcept nogil:
    # Returns -1 on success, else the index of the step at which ν stopped being finite.
    cdef Py_ssize_t k, j, m, n_sub, i, M = p.M
    cdef double t = t0, h
    cdef double* k1 = scratch
    cdef double* k2 = scratch + n
    cdef double* k3 = scratch + 2 * n
    cdef double* k4 = scratch + 3 * n
    cdef double* tmp = scratch + 4 * n
    steps[0] = 0
    for k in range(n_times):
        n_sub = <Py_ssize_t>ceil((times[k] - t) / dt_max - 1e-9)
        if n_sub > 0:
            h = (times[k] - t) / n_sub
            for m in range(n_sub):
                _rk4_step(p, u, h, n, k1, k2, k3, k4, tmp)
                steps[0] += 1
                for i in range(M):
                    if not isfinite(u[i]):
                        return steps[0]
        t = times[k]
        for i in range(M):
            nu_out[k * M + i] = u[i]
        if p.sensitivities:
            for j in range(n - M):
                sens_out[k * (n - M) + j] = u[M + j]
    return -1


def integrate_eq42(const double[::1] F1, const double[::1] F2, double nu_lo, double dnu,
                   const double[::1] eta, double dy, bint periodic, double t0,
                   const double[::1] times, double dt_max, bint sensitivities,
                   double[:, ::1] nu_out, double[:, :, :, ::1] sens_out):
    """Integrate eq. 42 (and eq. A15 if ``sensitivities``) from ν(t0) = η.

    Arguments are validated by ``pde.integrate_pde``: F1, F2 (G,) on the ν grid
    ``nu_lo + g dnu``; eta (M,) on nodes of spacing dy; times (T,) ascending >= t0; each
    interval between recorded times is split into equal RK4 steps no longer than
    ``dt_max``. Fills nu_out (T, M) and sens_out (T, 2, G, M) (untouched without
    sensitivities).

    Returns
    -------
    steps : int
        RK4 steps taken.
    failed_step : int
        -1, or the step after which ν stopped being finite.
    """
    cdef Py_ssize_t M = eta.shape[0], G = F1.shape[0]
    cdef Py_ssize_t n = M * (1 + 2 * G) if sensitivities else M
    cdef Py_ssize_t steps = 0, failed, j
    cdef _Problem p
    cdef double* u = <double*>malloc(n * sizeof(double))
    cdef double* scratch = <double*>malloc(5 * n * sizeof(double))
    cdef double* work = <double*>malloc(6 * M * sizeof(double))
    cdef Py_ssize_t* cell = <Py_ssize_t*>malloc(M * sizeof(Py_ssize_t))
    try:
        if u == NULL or scratch == NULL or work == NULL or cell == NULL:
            raise MemoryError("integrate_eq42: state of "
                              f"{n} values")
        p = _Problem(&F1[0], &F2[0], G, nu_lo, dnu, M, dy, periodic, sensitivities,
                     work, cell)
        for j in range(n):
            u[j] = eta[j] if j < M else 0.0
        with nogil:
            failed = _integrate(&p, u, n, t0, &times[0], times.shape[0], dt_max,
                                &nu_out[0, 0], &sens_out[0, 0, 0, 0] if sensitivities
                                else NULL, scratch, &steps)
    finally:
        free(u)
        free(scratch)
        free(work)
        free(cell)
    return steps, failed


def evaluate_rhs(const double[::1] F1, const double[::1] F2, double nu_lo, double dnu,
                 const double[:, ::1] state, double dy, bint periodic):
    """Right-hand side of the joint system at one state, for checks against eq. A15.

    Parameters
    ----------
    state : (1 + 2G, M) float
        ν and the sensitivity fields (module docstring).

    Returns
    -------
    numpy.ndarray, shape (1 + 2G, M)
    """
    cdef Py_ssize_t M = state.shape[1], G = F1.shape[0]
    result = numpy.empty((state.shape[0], M))
    cdef double[:, ::1] out = result
    work = numpy.empty(6 * M)
    cell = numpy.empty(M, dtype=numpy.intp)
    cdef double[::1] work_view = work
    cdef Py_ssize_t[::1] cell_view = cell
    cdef _Problem p = _Problem(&F1[0], &F2[0], G, nu_lo, dnu, M, dy, periodic,
                               state.shape[0] > 1, &work_view[0], &cell_view[0])
    _rhs(&p, &state[0, 0], &out[0, 0])
    return result
