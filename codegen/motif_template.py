"""Templates of a compiled lattice-motif module (filled by `dynboltz.codegen.motif`).

Dumb ``string.Template`` text: the emitter fills the slots with blocks it has
already printed (sizes, C tables, Python literals); no logic lives here.

Two templates: :data:`MOTIF_MODULE` holds what differs between motifs (sizes
as a ``cdef enum``, the C tables, the names) and ends with a textual
``include`` of :data:`MOTIF_KERNEL`, the one shared ``motif_kernel.pxi``
that reads them.  Read the kernel from the top: the chain (scaled transfer
matrix, cyclic Jacobi eigenpairs, Perron vector refined by positive power
steps), the centred bond statistics, then moments, the Hessian (eq. B2), the
basis (closed-form inverse Ising map: F̃ = M ρ with ρ_t = d ln p_t/dt,
eq. 49) and its Jacobian (eq. 54, forward mode through ln u, which solves the
chain's Poisson equation by subtraction-free GTH elimination), then the
C-level point kernels exported as PyCapsules for compiled integrators
(eq. 52, 54) and learning (eq. 53), and last the row loop and Python entry
points.
"""
from string import Template

MOTIF_MODULE = Template('''\
${header}
# cython: language_level=3, boundscheck=False, wraparound=False
# cython: cdivision=True, initializedcheck=False
"""Compiled closure of the lattice motif ${name} (eq. 47–49, 54, B2).

Functions ``log_eigenvalue``, ``moments``, ``hessian``, ``basis``,
``basis_jacobian`` take x of shape (L,) or (n, L) in parameter order;
``POINT_KERNEL`` is a PyCapsule (name ``KERNEL_CAPSULE_NAME``) holding
``void kernel(const double* x, double* basis, double* jacobian) noexcept nogil``
that writes basis (P, L) and, unless ``jacobian`` is NULL, basis_jacobian
(P, L, L) at one finite x; ``MOMENTS_KERNEL`` (name
``MOMENTS_CAPSULE_NAME``) holds ``void kernel(const double* x, double* moments,
double* log_eigenvalue) noexcept nogil`` writing the moments (L,) and
ln lambda_+ (1,) at one finite x; ``library()`` wraps all of them in a
``dynboltz.generated.motif_library.MotifLibrary``.
"""
cdef enum:
    _N = ${n_states}
    _NN = ${n_states_squared}
    _L = ${n_params}
    _LL = ${n_params_squared}
    _P = ${n_processes}
    _NT = ${n_statistics}
    _NK = ${n_terms}

cdef extern from *:
    """
${c_tables}
    """
${table_declarations}

NAME = ${name_literal}
SPECIES = ${species}
PARAM_NAMES = ${param_names}
MOMENT_NAMES = ${moment_names}
PROCESS_NAMES = ${process_names}
RULES = ${rules}
MOTIF_HASH = "${motif_hash}"
SYMBOLIC_SHA256 = "${symbolic_sha256}"
GENERATOR_VERSION = "${generator_version}"

include "${kernel_file}"
''')
"""One motif's module: its sizes, tables and names, then the include of the kernel."""

MOTIF_KERNEL = Template('''\
${header}
# The motif-independent half of every lattice-motif module, included by each
# after its sizes (cdef enum _N, _NN, _L, _LL, _P, _NT, _NK), its C tables
# (_COUPLING, _G2, _MAP, _STAT_A, _STAT_B, _TERM_*, _CODES) and its Python
# constants (NAME, SPECIES, ...): a textual include keeps the sizes
# compile-time constants, so every work array stays on the stack.
from cpython.buffer cimport PyBUF_C_CONTIGUOUS, PyBUF_WRITABLE
from cpython.buffer cimport PyBuffer_Release, PyObject_GetBuffer
from cpython.pycapsule cimport PyCapsule_New
from libc.math cimport exp, fabs, isfinite, log, sqrt
import numpy as _np

cdef enum:
    _POWER_STEPS = 4
    _MAX_SWEEPS = 60

KERNEL_CAPSULE_NAME = "dynboltz.motif.basis_and_jacobian"
MOMENTS_CAPSULE_NAME = "dynboltz.motif.moments_and_log_eigenvalue"

cdef struct _Chain:
    double t[_NN]        # T / max T, T(a, b) = exp((h_a + h_b)/2 + J_ab)
    double u[_N]         # normalised Perron vector
    double lam           # Perron eigenvalue of the scaled T
    double shift         # ln of the largest entry of T: lambda_+ = lam exp(shift)
    double values[_N]    # all eigenvalues (unsorted) ...
    double vectors[_NN]  # ... and eigenvectors as columns
    int top
    double pair[_NN]     # P2(a, b) = u_a T_ab u_b / lam


cdef inline void _rotate(double* a, int i, int j, int k, int l, double s,
                         double tau) noexcept nogil:
    cdef double g = a[i * _N + j]
    cdef double h = a[k * _N + l]
    a[i * _N + j] = g - s * (h + g * tau)
    a[k * _N + l] = h + s * (g - h * tau)


cdef void _jacobi(double* a, double* d, double* v) noexcept nogil:
    # Cyclic Jacobi of a symmetric _N x _N matrix (upper triangle destroyed):
    # a = v diag(d) v^T.  Threshold sweeps and the underflow guard follow
    # Numerical Recipes' jacobi; every rotation is orthogonal, so the
    # eigenvalues are accurate to rounding of the largest entry.
    cdef double b[_N]
    cdef double z[_N]
    cdef int p, q, j, sweep
    cdef double off, threshold, g, h, t, theta, c, s, tau
    for p in range(_N):
        for q in range(_N):
            v[p * _N + q] = 1.0 if p == q else 0.0
        b[p] = a[p * _N + p]
        d[p] = b[p]
        z[p] = 0.0
    for sweep in range(_MAX_SWEEPS):
        off = 0.0
        for p in range(_N - 1):
            for q in range(p + 1, _N):
                off += fabs(a[p * _N + q])
        if off == 0.0:
            return
        threshold = 0.2 * off / _NN if sweep < 3 else 0.0
        for p in range(_N - 1):
            for q in range(p + 1, _N):
                g = 100.0 * fabs(a[p * _N + q])
                if (sweep > 3 and fabs(d[p]) + g == fabs(d[p])
                        and fabs(d[q]) + g == fabs(d[q])):
                    a[p * _N + q] = 0.0
                elif fabs(a[p * _N + q]) > threshold:
                    h = d[q] - d[p]
                    if fabs(h) + g == fabs(h):
                        t = a[p * _N + q] / h
                    else:
                        theta = 0.5 * h / a[p * _N + q]
                        t = 1.0 / (fabs(theta) + sqrt(1.0 + theta * theta))
                        if theta < 0.0:
                            t = -t
                    c = 1.0 / sqrt(1.0 + t * t)
                    s = t * c
                    tau = s / (1.0 + c)
                    h = t * a[p * _N + q]
                    z[p] -= h
                    z[q] += h
                    d[p] -= h
                    d[q] += h
                    a[p * _N + q] = 0.0
                    for j in range(p):
                        _rotate(a, j, p, j, q, s, tau)
                    for j in range(p + 1, q):
                        _rotate(a, p, j, j, q, s, tau)
                    for j in range(q + 1, _N):
                        _rotate(a, p, j, q, j, s, tau)
                    for j in range(_N):
                        _rotate(v, j, p, j, q, s, tau)
        for p in range(_N):
            b[p] += z[p]
            d[p] = b[p]
            z[p] = 0.0


cdef void _chain(const double* x, _Chain* c) noexcept nogil:
    # T in log space divided by its largest entry: no overflow for any finite x.
    cdef double work[_NN]
    cdef double y[_N]
    cdef double largest = -1.0e308
    cdef double value, norm
    cdef int a, b, step
    for a in range(_N):
        for b in range(_N):
            value = 0.0
            if a > 0:
                value += 0.5 * x[a - 1]
            if b > 0:
                value += 0.5 * x[b - 1]
            if _COUPLING[a * _N + b] >= 0:
                value += x[_COUPLING[a * _N + b]]
            work[a * _N + b] = value
            if value > largest:
                largest = value
    c.shift = largest
    for a in range(_NN):
        c.t[a] = exp(work[a] - largest)
        work[a] = c.t[a]
    _jacobi(work, c.values, c.vectors)
    c.top = 0
    for a in range(1, _N):
        if c.values[a] > c.values[c.top]:
            c.top = a
    for a in range(_N):
        c.u[a] = fabs(c.vectors[a * _N + c.top])
    # Positive power steps: sums of positive terms give the small components
    # of u full relative accuracy, which the rotations alone do not.
    for step in range(_POWER_STEPS):
        norm = 0.0
        for a in range(_N):
            y[a] = 0.0
            for b in range(_N):
                y[a] += c.t[a * _N + b] * c.u[b]
            norm += y[a] * y[a]
        norm = sqrt(norm)
        for a in range(_N):
            c.u[a] = y[a] / norm
    c.lam = 0.0
    for a in range(_N):
        for b in range(_N):
            c.lam += c.u[a] * c.t[a * _N + b] * c.u[b]
    for a in range(_N):
        for b in range(_N):
            c.pair[a * _N + b] = c.u[a] * c.t[a * _N + b] * c.u[b] / c.lam


cdef void _deviations(const _Chain* c, double* dev) noexcept nogil:
    # dev[l, a, b] = g_l(a, b) - <g_l>, with <.> over P2: written as
    # sum_w mass_w (v - w) split by sign, so that nearly frozen statistics
    # (mu -> 0 or 1) keep their relative accuracy.  2 g_l takes values 0, 1, 2.
    cdef double mass[3]
    cdef double plus, minus
    cdef int l, ab, level, w
    for l in range(_L):
        mass[0] = 0.0
        mass[1] = 0.0
        mass[2] = 0.0
        for ab in range(_NN):
            mass[_G2[l * _NN + ab]] += c.pair[ab]
        for ab in range(_NN):
            level = _G2[l * _NN + ab]
            plus = 0.0
            minus = 0.0
            for w in range(3):
                if w < level:
                    plus += mass[w] * (level - w)
                elif w > level:
                    minus += mass[w] * (w - level)
            dev[l * _NN + ab] = 0.5 * (plus - minus)


cdef void _log_eigenvalue_point(const double* x, double* out) noexcept nogil:
    # ln lambda_+ per site (eq. 47's generating function), without overflow.
    cdef _Chain c
    _chain(x, &c)
    out[0] = log(c.lam) + c.shift


cdef void _moments_point(const double* x, double* out) noexcept nogil:
    # m_l = d ln(lam)/dx_l = sum_ab P2(a, b) g_l(a, b) (eq. 47).
    cdef _Chain c
    cdef int l, ab
    _chain(x, &c)
    for l in range(_L):
        out[l] = 0.0
        for ab in range(_NN):
            out[l] += 0.5 * _G2[l * _NN + ab] * c.pair[ab]


cdef void _hessian_point(const double* x, double* out) noexcept nogil:
    # Eq. B2 in centred form: same-bond covariance plus the coupling through
    # the other eigenvectors, 2 sum_j c_lj c_kj / (lam (lam - lam_j)).
    cdef _Chain c
    cdef double dev[_L * _NN]
    cdef double coupling[_L * _N]
    cdef double gap[_N]
    cdef double total
    cdef int l, k, a, b, j
    _chain(x, &c)
    _deviations(&c, dev)
    for j in range(_N):
        gap[j] = c.lam * (c.lam - c.values[j])
        for l in range(_L):
            total = 0.0
            for a in range(_N):
                for b in range(_N):
                    total += (c.u[a] * c.t[a * _N + b] * dev[l * _NN + a * _N + b]
                              * c.vectors[b * _N + j])
            coupling[l * _N + j] = total
    for l in range(_L):
        for k in range(l, _L):
            total = 0.0
            for a in range(_NN):
                total += c.pair[a] * dev[l * _NN + a] * dev[k * _NN + a]
            for j in range(_N):
                if j != c.top:
                    total += 2.0 * coupling[l * _N + j] * coupling[k * _N + j] / gap[j]
            out[l * _L + k] = total
            out[k * _L + l] = total


cdef void _ratios(const _Chain* c, double* ratio) noexcept nogil:
    # ratio[k] = P(cluster_k) / p_(t_k): positive products of u, T and 1/lam.
    cdef int k, i, start, end, t, a, b
    cdef double value, share
    for k in range(_NK):
        start = _TERM_START[k]
        end = _TERM_START[k + 1]
        value = c.u[_CODES[start]] * c.u[_CODES[end - 1]]
        for i in range(start, end - 1):
            value *= c.t[_CODES[i] * _N + _CODES[i + 1]] / c.lam
        t = _TERM_STAT[k]
        a = _STAT_A[t]
        b = _STAT_B[t]
        if b < 0:
            share = c.u[a] * c.u[a]
        else:
            share = c.pair[a * _N + b] if a == b else 2.0 * c.pair[a * _N + b]
        ratio[k] = value / share


cdef void _contract(const double* per_stat, double* out, int width) noexcept nogil:
    # out[r, i, :] = sum_t M[i, t] per_stat[r, t, :] (the inverse Ising map).
    cdef int r, i, t, j
    cdef double m
    for r in range(_P):
        for i in range(_L):
            for j in range(width):
                out[(r * _L + i) * width + j] = 0.0
            for t in range(_NT):
                m = _MAP[i * _NT + t]
                if m != 0.0:
                    for j in range(width):
                        out[(r * _L + i) * width + j] += m * per_stat[(r * _NT + t) * width + j]


cdef void _basis_point(const double* x, double* out) noexcept nogil:
    # F = M rho, rho[r, t] = d ln p_t / dt under process r (eq. 49 in closed form).
    cdef _Chain c
    cdef double ratio[_NK]
    cdef double rho[_P * _NT]
    cdef int k
    _chain(x, &c)
    _ratios(&c, ratio)
    for k in range(_P * _NT):
        rho[k] = 0.0
    for k in range(_NK):
        rho[_TERM_PROCESS[k] * _NT + _TERM_STAT[k]] += _TERM_COEF[k] * ratio[k]
    _contract(rho, out, 1)


cdef void _log_perron_tangent(const _Chain* c, const double* dev, double* dw) noexcept nogil:
    # dw[a, l] = d ln u_a / dx_l up to a constant per l (which cancels in every
    # ratio of cluster probabilities).  Differentiating lam u = T u gives the
    # Poisson equation of the chain, (I - P) dw = sum_b P_ab dev(a, b), with
    # P_ab = T_ab u_b / (lam u_a); fixing dw = 0 at the likeliest state leaves
    # a nonsingular M-matrix, eliminated GTH style: every pivot is a sum of
    # positive transition weights, never 1 - P_aa.
    cdef double prob[_NN]
    cdef double q[_NN]
    cdef double leak[_N]
    cdef double pivot[_N]
    cdef double rhs[_N * _L]
    cdef int order[_N]
    cdef int star = 0
    cdef int m = 0
    cdef int a, b, i, j, k, l
    cdef double f, total
    for a in range(1, _N):
        if c.u[a] > c.u[star]:
            star = a
    for a in range(_N):
        for b in range(_N):
            prob[a * _N + b] = c.t[a * _N + b] * c.u[b] / (c.lam * c.u[a])
        if a != star:
            order[m] = a
            m += 1
    for i in range(m):
        a = order[i]
        for j in range(m):
            q[i * _N + j] = prob[a * _N + order[j]]
        leak[i] = prob[a * _N + star]
        for l in range(_L):
            total = 0.0
            for b in range(_N):
                total += prob[a * _N + b] * dev[l * _NN + a * _N + b]
            rhs[i * _L + l] = total
    for k in range(m):
        pivot[k] = leak[k]
        for j in range(k + 1, m):
            pivot[k] += q[k * _N + j]
        for i in range(k + 1, m):
            f = q[i * _N + k] / pivot[k]
            for j in range(k + 1, m):
                if j != i:
                    q[i * _N + j] += f * q[k * _N + j]
            leak[i] += f * leak[k]
            for l in range(_L):
                rhs[i * _L + l] += f * rhs[k * _L + l]
    for l in range(_L):
        dw[star * _L + l] = 0.0
    for k in range(m - 1, -1, -1):
        for l in range(_L):
            total = rhs[k * _L + l]
            for j in range(k + 1, m):
                total += q[k * _N + j] * dw[order[j] * _L + l]
            dw[order[k] * _L + l] = total / pivot[k]


cdef void _basis_and_jacobian_point(const double* x, double* basis,
                                    double* out) noexcept nogil:
    # d rho[r, t] / dx_l = sum_k coef_k ratio_k d ln(ratio_k)/dx_l, where
    # d ln ratio = dw(first) + dw(last) - dw of p_t's sites
    #              + sum over the cluster's bonds of dev - dev of p_t's bond
    # (the 1/lam factors are absorbed by the centring of dev).  The basis
    # itself (skipped if basis is NULL) shares the chain and the ratios.
    cdef _Chain c
    cdef double dev[_L * _NN]
    cdef double dw[_N * _L]
    cdef double ratio[_NK]
    cdef double rho[_P * _NT]
    cdef double drho[_P * _NT * _L]
    cdef double slope[_L]
    cdef double weight
    cdef int k, i, l, start, end, t, a, b, first, last, row
    _chain(x, &c)
    _deviations(&c, dev)
    _log_perron_tangent(&c, dev, dw)
    _ratios(&c, ratio)
    for k in range(_P * _NT):
        rho[k] = 0.0
    for k in range(_P * _NT * _L):
        drho[k] = 0.0
    for k in range(_NK):
        start = _TERM_START[k]
        end = _TERM_START[k + 1]
        first = _CODES[start]
        last = _CODES[end - 1]
        t = _TERM_STAT[k]
        a = _STAT_A[t]
        b = _STAT_B[t]
        for l in range(_L):
            slope[l] = dw[first * _L + l] + dw[last * _L + l]
            if b < 0:
                slope[l] -= 2.0 * dw[a * _L + l]
            else:
                slope[l] -= dw[a * _L + l] + dw[b * _L + l] + dev[l * _NN + a * _N + b]
        for i in range(start, end - 1):
            for l in range(_L):
                slope[l] += dev[l * _NN + _CODES[i] * _N + _CODES[i + 1]]
        weight = _TERM_COEF[k] * ratio[k]
        rho[_TERM_PROCESS[k] * _NT + t] += weight
        row = (_TERM_PROCESS[k] * _NT + t) * _L
        for l in range(_L):
            drho[row + l] += weight * slope[l]
    if basis != NULL:
        _contract(rho, basis, 1)
    _contract(drho, out, _L)


cdef void _jacobian_point(const double* x, double* out) noexcept nogil:
    _basis_and_jacobian_point(x, NULL, out)


cdef void _point_kernel(const double* x, double* basis, double* jacobian) noexcept nogil:
    # The capsule's entry: integrators of eq. 52 need only the basis, those
    # of eq. 54 both from one chain.
    if jacobian == NULL:
        _basis_point(x, basis)
    else:
        _basis_and_jacobian_point(x, basis, jacobian)


POINT_KERNEL = PyCapsule_New(<void*>_point_kernel, "dynboltz.motif.basis_and_jacobian",
                             NULL)


cdef void _moments_kernel(const double* x, double* moments,
                          double* log_eigenvalue) noexcept nogil:
    # The capsule's entry: the asleep phase of learning (eq. 53) needs the
    # moments and ln lambda_+ at every data time, both from one chain.
    cdef _Chain c
    cdef int l, ab
    _chain(x, &c)
    log_eigenvalue[0] = log(c.lam) + c.shift
    for l in range(_L):
        moments[l] = 0.0
        for ab in range(_NN):
            moments[l] += 0.5 * _G2[l * _NN + ab] * c.pair[ab]


MOMENTS_KERNEL = PyCapsule_New(<void*>_moments_kernel,
                               "dynboltz.motif.moments_and_log_eigenvalue", NULL)


cdef enum:
    _MOMENTS = 0
    _HESSIAN = 1
    _BASIS = 2
    _JACOBIAN = 3
    _LOG_EIGENVALUE = 4

cdef Py_ssize_t _WIDTH[5]
_WIDTH[0] = _L
_WIDTH[1] = _LL
_WIDTH[2] = _P * _L
_WIDTH[3] = _P * _LL
_WIDTH[4] = 1
cdef tuple _SHAPES = ((_L,), (_L, _L), (_P, _L), (_P, _L, _L), ())
cdef object _float64 = _np.dtype(_np.float64)
cdef object _empty = _np.empty
cdef object _ascontiguous = _np.ascontiguousarray


cdef Py_ssize_t _rows(int kind, const double* x, double* out,
                      Py_ssize_t n_rows) noexcept nogil:
    # Evaluate every row; return the first row with a non-finite entry (then
    # nothing is evaluated) or -1.
    cdef Py_ssize_t i, l
    cdef Py_ssize_t width = _WIDTH[kind]
    for i in range(n_rows * _L):
        if not isfinite(x[i]):
            return i // _L
    for i in range(n_rows):
        if kind == _MOMENTS:
            _moments_point(x + i * _L, out + i * width)
        elif kind == _HESSIAN:
            _hessian_point(x + i * _L, out + i * width)
        elif kind == _BASIS:
            _basis_point(x + i * _L, out + i * width)
        elif kind == _LOG_EIGENVALUE:
            _log_eigenvalue_point(x + i * _L, out + i * width)
        else:
            _jacobian_point(x + i * _L, out + i * width)
    return -1


cdef object _evaluate(object x, int kind, str name):
    cdef Py_buffer xb, ob
    cdef Py_ssize_t bad, n_rows
    xa = _ascontiguous(x, dtype=_float64)
    if xa.ndim == 0 or xa.ndim > 2 or xa.shape[xa.ndim - 1] != _L:
        raise ValueError(f"`x` of `{NAME}.{name}` must be `an array of shape ({_L},) "
                         f"or (n, {_L})`; got `shape {xa.shape}`")
    n_rows = 1 if xa.ndim == 1 else xa.shape[0]
    out = _empty(xa.shape[:xa.ndim - 1] + _SHAPES[kind])
    PyObject_GetBuffer(xa, &xb, PyBUF_C_CONTIGUOUS)
    try:
        PyObject_GetBuffer(out, &ob, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE)
        try:
            with nogil:
                bad = _rows(kind, <const double*>xb.buf, <double*>ob.buf, n_rows)
        finally:
            PyBuffer_Release(&ob)
    finally:
        PyBuffer_Release(&xb)
    if bad >= 0:
        raise ValueError(f"`x` of `{NAME}.{name}` must be `finite`; got "
                         f"`{xa if xa.ndim == 1 else xa[bad]!r}`")
    return out


def log_eigenvalue(x):
    """ln lambda_+, the per-site log partition function of the chain (eq. 47, 50).

    Parameters
    ----------
    x : array_like, shape (L,) or (n, L)
        Boltzmann parameters in parameter order (PARAM_NAMES).

    Returns
    -------
    float or numpy.ndarray, shape (n,)
    """
    out = _evaluate(x, _LOG_EIGENVALUE, "log_eigenvalue")
    return float(out) if out.ndim == 0 else out


def moments(x):
    """Per-site moments (mu, Delta) = d ln lambda_+ / dx (eq. 47).

    Parameters
    ----------
    x : array_like, shape (L,) or (n, L)
        Boltzmann parameters in parameter order (PARAM_NAMES).

    Returns
    -------
    numpy.ndarray, shape (L,) or (n, L)
        In the order of MOMENT_NAMES.
    """
    return _evaluate(x, _MOMENTS, "moments")


def hessian(x):
    """H = d^2 ln lambda_+ / dx^2 (eq. 48, B2), the per-site covariance.

    Parameters
    ----------
    x : array_like, shape (L,) or (n, L)

    Returns
    -------
    numpy.ndarray, shape (L, L) or (n, L, L)
    """
    return _evaluate(x, _HESSIAN, "hessian")


def basis(x):
    """Basis functions F^(r) = H^-1 dm^(r)/dt (eq. 49) of every process at theta = 1.

    Evaluated through the closed-form inverse of the 1D Ising map (no solve
    with H, which is nearly singular far from the origin).

    Parameters
    ----------
    x : array_like, shape (L,) or (n, L)

    Returns
    -------
    numpy.ndarray, shape (P, L) or (n, P, L)
        Row r is process PROCESS_NAMES[r].
    """
    return _evaluate(x, _BASIS, "basis")


def basis_jacobian(x):
    """d basis[r, i] / d x[j] (eq. 54), by forward-mode differentiation.

    Parameters
    ----------
    x : array_like, shape (L,) or (n, L)

    Returns
    -------
    numpy.ndarray, shape (P, L, L) or (n, P, L, L)
    """
    return _evaluate(x, _JACOBIAN, "basis_jacobian")


def library():
    """This module's tables and functions as a ``MotifLibrary``.

    Returns
    -------
    dynboltz.generated.motif_library.MotifLibrary
    """
    from dynboltz.generated.motif_library import MotifLibrary
    return MotifLibrary(name=NAME, species=SPECIES, param_names=PARAM_NAMES,
                        moment_names=MOMENT_NAMES, process_names=PROCESS_NAMES,
                        rules=RULES, motif_hash=MOTIF_HASH,
                        log_eigenvalue=log_eigenvalue, moments=moments,
                        hessian=hessian, basis=basis, basis_jacobian=basis_jacobian,
                        point_kernel=POINT_KERNEL, moments_kernel=MOMENTS_KERNEL)
''')
"""The shared kernel (``motif_kernel.pxi``), the same text for every motif."""
