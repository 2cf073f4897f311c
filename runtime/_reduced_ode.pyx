"""Compiled integrator of the reduced model (eq. 52) and its sensitivities (eq. 54).

State y = (x, S) with x (L,) the Boltzmann parameters and S (P, L) the
sensitivities S_s = dx/dtheta_s:

    dx/dt   = sum_r theta_r F_r(x)                              (eq. 52)
    dS_s/dt = F_s(x) + (sum_r theta_r dF_r/dx(x)) S_s,  S(0) = 0  (eq. 54)

F_r (basis) and dF_r/dx (basis_jacobian) come from a motif's C point kernel
(the PyCapsule ``MotifLibrary.point_kernel``), so the step loops run without
the GIL and never call Python.  One explicit Runge-Kutta routine serves every
Butcher tableau (classical RK4 at fixed steps, Dormand-Prince 5(4) with error
control); ``adjoint_gradient`` is the exact reverse-mode derivative of the same
discrete steps (the discrete adjoint ODE, d lambda/dt = -A^T lambda,
integrated backward with jumps at the data times).
"""
from cpython.pycapsule cimport PyCapsule_GetPointer, PyCapsule_IsValid
from libc.math cimport fabs, fmax, fmin, isfinite, pow, sqrt
from libc.stdlib cimport free, malloc

ctypedef void (*point_kernel_t)(const double*, double*, double*) noexcept nogil

KERNEL_CAPSULE_NAME = "dynboltz.motif.basis_and_jacobian"

cdef enum:
    _OK = 0
    _NOT_FINITE = 1
    _TOO_MANY_STEPS = 2
    _STEP_UNDERFLOW = 3

STATUS = {_OK: "ok", _NOT_FINITE: "the state became non-finite",
          _TOO_MANY_STEPS: "max_steps reached", _STEP_UNDERFLOW: "the step size underflowed"}
"""Status code returned by the integrators -> its meaning."""


cdef struct _System:
    point_kernel_t kernel
    int P
    int L
    int n              # length of y: L, or L + P L with sensitivities
    const double* theta
    double* F          # (P, L) scratch
    double* dF         # (P, L, L) scratch, NULL when no Jacobian is needed
    double* A          # (L, L) scratch: sum_r theta_r dF_r


cdef point_kernel_t _kernel_of(object capsule) except NULL:
    if not PyCapsule_IsValid(capsule, "dynboltz.motif.basis_and_jacobian"):
        raise TypeError("`capsule` must be a MotifLibrary.point_kernel PyCapsule named "
                        f"{KERNEL_CAPSULE_NAME!r}; got {capsule!r}")
    return <point_kernel_t>PyCapsule_GetPointer(capsule, "dynboltz.motif.basis_and_jacobian")


cdef int _rhs(_System* s, const double* y, double* dy) noexcept nogil:
    # dy = (dx/dt, dS/dt); returns 0, or 1 if x is not finite (then dy is unset).
    cdef int P = s.P, L = s.L, r, i, j
    cdef double total
    for i in range(L):
        if not isfinite(y[i]):
            return 1
    s.kernel(y, s.F, s.dF)
    for i in range(L):
        total = 0.0
        for r in range(P):
            total += s.theta[r] * s.F[r * L + i]
        dy[i] = total
    if s.dF == NULL:
        return 0
    for i in range(L * L):
        total = 0.0
        for r in range(P):
            total += s.theta[r] * s.dF[r * L * L + i]
        s.A[i] = total
    if s.n == L:
        return 0
    for r in range(P):
        for i in range(L):
            total = s.F[r * L + i]
            for j in range(L):
                total += s.A[i * L + j] * y[L + r * L + j]
            dy[L + r * L + i] = total
    return 0


cdef int _stages(_System* s, const double* y, double h, const double* a, int n_stages,
                 int first, double* k, double* z) noexcept nogil:
    # Stage slopes k[i] = f(y + h sum_j a_ij k_j) for i >= first; 1 if any is
    # not finite.
    cdef int n = s.n, i, j, m
    cdef double total
    for i in range(first, n_stages):
        for m in range(n):
            total = 0.0
            for j in range(i):
                total += a[i * n_stages + j] * k[j * n + m]
            z[m] = y[m] + h * total
        if _rhs(s, z, k + i * n):
            return 1
        for m in range(n):
            if not isfinite(k[i * n + m]):
                return 1
    return 0


cdef void _combine(int n, const double* y, double h, const double* weights, int n_stages,
                   const double* k, double* out) noexcept nogil:
    cdef int i, m
    cdef double total
    for m in range(n):
        total = 0.0
        for i in range(n_stages):
            total += weights[i] * k[i * n + m]
        out[m] = y[m] + h * total


cdef void _record(_System* s, const double* y, int index, double[:, ::1] x_out,
                  double[:, :, ::1] s_out) noexcept nogil:
    cdef int r, i
    for i in range(s.L):
        x_out[index, i] = y[i]
    if s.n > s.L:
        for r in range(s.P):
            for i in range(s.L):
                s_out[index, r, i] = y[s.L + r * s.L + i]


cdef class _Workspace:
    # Heap scratch for one integration; freed with the object.
    cdef _System system
    cdef double* y
    cdef double* y_new
    cdef double* z
    cdef double* k

    def __cinit__(self, object capsule, int P, int L, const double[::1] theta,
                  bint sensitivities, bint jacobian, int n_stages):
        # sensitivities: y carries S (and needs the Jacobian); jacobian alone:
        # y = x, but A is formed (for the adjoint sweep).
        cdef int n = L + (P * L if sensitivities else 0)
        jacobian = jacobian or sensitivities
        self.system.kernel = _kernel_of(capsule)
        self.system.P = P
        self.system.L = L
        self.system.n = n
        self.system.theta = &theta[0]
        self.system.F = <double*>malloc(P * L * sizeof(double))
        self.system.dF = <double*>malloc(P * L * L * sizeof(double)) if jacobian else NULL
        self.system.A = <double*>malloc(L * L * sizeof(double))
        self.y = <double*>malloc(n * sizeof(double))
        self.y_new = <double*>malloc(n * sizeof(double))
        self.z = <double*>malloc(n * sizeof(double))
        self.k = <double*>malloc(n_stages * n * sizeof(double))
        if (self.system.F == NULL or self.system.A == NULL or self.y == NULL
                or self.y_new == NULL or self.z == NULL or self.k == NULL
                or (jacobian and self.system.dF == NULL)):
            raise MemoryError()

    def __dealloc__(self):
        free(self.system.F)
        free(self.system.dF)
        free(self.system.A)
        free(self.y)
        free(self.y_new)
        free(self.z)
        free(self.k)


cdef void _start(_Workspace w, const double[::1] x0) noexcept nogil:
    cdef int m
    for m in range(w.system.n):
        w.y[m] = x0[m] if m < w.system.L else 0.0


cdef void _save_step(_Workspace w, int step, double h, double[:, ::1] step_x,
                     double[::1] step_h) noexcept nogil:
    cdef int i
    if step < step_h.shape[0]:
        for i in range(w.system.L):
            step_x[step, i] = w.y[i]
        step_h[step] = h


cdef void _dense_weights(const double* dense, int n_stages, int degree, double sigma,
                         double* weights) noexcept nogil:
    # b_i(sigma) = sum_j dense[i, j] sigma^(j+1): the continuous extension.
    cdef int i, j
    cdef double power
    for i in range(n_stages):
        weights[i] = 0.0
        power = 1.0
        for j in range(degree):
            power *= sigma
            weights[i] += dense[i * degree + j] * power


def integrate_fixed(object capsule, int P, int L, const double[::1] theta,
                    const double[::1] x0, const double[::1] times, const double[::1] a,
                    const double[::1] b, int substeps, bint sensitivities,
                    double[:, ::1] x_out, double[:, :, ::1] s_out, double[:, ::1] step_x,
                    double[::1] step_h, int[::1] out_step, double[::1] out_sigma):
    """Explicit RK with ``substeps`` equal steps per output interval.

    Writes x (T, L), S (T, P, L) and, if ``step_h`` has room, every step's
    start x and size, and for each output k the step it ends
    (``out_step[k]``, ``out_sigma[k]`` = 1).  Returns ``(status, steps, 0)``;
    status is a key of STATUS.
    """
    cdef int n_stages = b.shape[0]
    cdef _Workspace w = _Workspace(capsule, P, L, theta, sensitivities, False, n_stages)
    cdef int n = w.system.n, T = times.shape[0], step = 0, status = _OK
    cdef int interval, sub, m
    cdef double h
    with nogil:
        _start(w, x0)
        _record(&w.system, w.y, 0, x_out, s_out)
        out_step[0] = -1
        out_sigma[0] = 0.0
        for interval in range(T - 1):
            h = (times[interval + 1] - times[interval]) / substeps
            for sub in range(substeps):
                _save_step(w, step, h, step_x, step_h)
                step += 1
                if _stages(&w.system, w.y, h, &a[0], n_stages, 0, w.k, w.z):
                    status = _NOT_FINITE
                    break
                _combine(n, w.y, h, &b[0], n_stages, w.k, w.y_new)
                for m in range(n):
                    w.y[m] = w.y_new[m]
            if status != _OK:
                break
            _record(&w.system, w.y, interval + 1, x_out, s_out)
            out_step[interval + 1] = step - 1
            out_sigma[interval + 1] = 1.0
    return status, step, 0


cdef double _error_norm(int n, const double* y, const double* y_new, double h,
                        const double* e, int n_stages, const double* k, double rtol,
                        double atol) noexcept nogil:
    # RMS of the embedded error estimate relative to atol + rtol |y|.
    cdef int i, m
    cdef double total = 0.0, err, scale
    for m in range(n):
        err = 0.0
        for i in range(n_stages):
            err += e[i] * k[i * n + m]
        scale = atol + rtol * fmax(fabs(y[m]), fabs(y_new[m]))
        total += (h * err / scale) ** 2
    return sqrt(total / n)


cdef double _first_step(_Workspace w, double rtol, double atol, double span) noexcept nogil:
    # Hairer-Norsett-Wanner's first guess, h = 0.01 |y| / |f| (scaled norms).
    cdef int m, n = w.system.n
    cdef double d0 = 0.0, d1 = 0.0, scale
    if _rhs(&w.system, w.y, w.z):
        return span
    for m in range(n):
        scale = atol + rtol * fabs(w.y[m])
        d0 += (w.y[m] / scale) ** 2
        d1 += (w.z[m] / scale) ** 2
    d0 = sqrt(d0 / n)
    d1 = sqrt(d1 / n)
    if d0 < 1e-5 or d1 < 1e-5:
        return fmin(1e-6, span)
    return fmin(0.01 * d0 / d1, span)


cdef int _dense_outputs(_Workspace w, const double[::1] times, int k_out, double t,
                        double h, bint last, const double[:, ::1] dense, int step,
                        double[:, ::1] x_out, double[:, :, ::1] s_out, int[::1] out_step,
                        double[::1] out_sigma) noexcept nogil:
    # Record every output time in (t, t + h] (all remaining ones on the last
    # step) from the continuous extension; returns the next output index.
    cdef int T = times.shape[0], n_stages = dense.shape[0]
    cdef double sigma
    cdef double weights[16]
    while k_out < T and (last or times[k_out] <= t + h):
        sigma = 1.0 if last and k_out == T - 1 else (times[k_out] - t) / h
        _dense_weights(&dense[0, 0], n_stages, dense.shape[1], sigma, weights)
        _combine(w.system.n, w.y, h, weights, n_stages, w.k, w.z)
        _record(&w.system, w.z, k_out, x_out, s_out)
        out_step[k_out] = step
        out_sigma[k_out] = sigma
        k_out += 1
    return k_out


def integrate_adaptive(object capsule, int P, int L, const double[::1] theta,
                       const double[::1] x0, const double[::1] times, const double[::1] a,
                       const double[::1] b, const double[::1] e,
                       const double[:, ::1] dense, int order, bint fsal, double rtol,
                       double atol, double first_step, int max_steps, bint sensitivities,
                       double[:, ::1] x_out, double[:, :, ::1] s_out,
                       double[:, ::1] step_x, double[::1] step_h, int[::1] out_step,
                       double[::1] out_sigma):
    """Embedded RK with error control on y = (x, S) and dense output.

    ``e`` = b - b_hat gives the error estimate; ``dense`` (stages, degree)
    the continuous extension used for every output time; ``fsal``: the last
    stage is f(y_new) and becomes the next step's first.  Returns
    ``(status, accepted, rejected)``; status is a key of STATUS.
    """
    cdef int n_stages = b.shape[0]
    cdef _Workspace w = _Workspace(capsule, P, L, theta, sensitivities, False, n_stages)
    cdef int n = w.system.n, T = times.shape[0], status = _OK
    cdef int accepted = 0, rejected = 0, m, first = 0, k_out = 1
    cdef double t = times[0], h, h_used, norm, factor, t_end = times[T - 1]
    cdef double exponent = -1.0 / order
    cdef bint last, bad
    if n_stages > 16:
        raise ValueError("at most 16 stages")
    with nogil:
        _start(w, x0)
        _record(&w.system, w.y, 0, x_out, s_out)
        out_step[0] = -1
        out_sigma[0] = 0.0
        h = first_step if first_step > 0.0 else _first_step(w, rtol, atol, t_end - t)
        while k_out < T:
            if accepted + rejected >= max_steps:
                status = _TOO_MANY_STEPS
                break
            last = t + h >= t_end
            h_used = t_end - t if last else h
            if h_used <= 1e-14 * fmax(fabs(t), t_end - times[0]):
                status = _STEP_UNDERFLOW
                break
            bad = _stages(&w.system, w.y, h_used, &a[0], n_stages, first, w.k, w.z)
            if not bad:
                _combine(n, w.y, h_used, &b[0], n_stages, w.k, w.y_new)
                norm = _error_norm(n, w.y, w.y_new, h_used, &e[0], n_stages, w.k,
                                   rtol, atol)
                bad = not isfinite(norm)
            if bad:
                rejected += 1
                first = 0
                h = 0.2 * h_used
                continue
            factor = 5.0 if norm == 0.0 else fmin(5.0, fmax(0.2, 0.9 * pow(norm, exponent)))
            if norm > 1.0:
                # y is unchanged, so k[0] = f(y) stays valid.
                rejected += 1
                first = 1
                h = h_used * fmin(1.0, factor)
                continue
            _save_step(w, accepted, h_used, step_x, step_h)
            k_out = _dense_outputs(w, times, k_out, t, h_used, last, dense, accepted,
                                   x_out, s_out, out_step, out_sigma)
            accepted += 1
            t = t_end if last else t + h_used
            for m in range(n):
                w.y[m] = w.y_new[m]
            first = 0
            if fsal:
                for m in range(n):
                    w.k[m] = w.k[(n_stages - 1) * n + m]
                first = 1
            h = h_used * factor
    return status, accepted, rejected


cdef void _reverse_step(_Workspace w, double* Fs, double* As, double* lk, double* mu,
                        const double* extra, const double* a, const double* b,
                        int n_stages, double h, double* lam, double* grad) noexcept nogil:
    # Reverse mode through y' = y + h sum_i b_i k_i with k_i = f(z_i), plus
    # outputs y(sigma) = y + h sum_i b_i(sigma) k_i inside the step, whose
    # adjoints enter as extra[i] = sum_outputs b_i(sigma) c (added to lam by
    # the caller): lambda_k_i = h (b_i lambda + extra_i + sum_{j>i} a_ji mu_j),
    # mu_i = A_i^T lambda_k_i, grad_r += F_r(z_i) . lambda_k_i (the caller
    # then adds sum_i mu_i to lambda).
    cdef int L = w.system.L, P = w.system.P, i, j, r, p, q
    cdef double total
    for i in range(n_stages - 1, -1, -1):
        for p in range(L):
            total = b[i] * lam[p] + extra[i * L + p]
            for j in range(i + 1, n_stages):
                total += a[j * n_stages + i] * mu[j * L + p]
            lk[p] = h * total
        for q in range(L):
            total = 0.0
            for p in range(L):
                total += As[(i * L + p) * L + q] * lk[p]
            mu[i * L + q] = total
        for r in range(P):
            total = 0.0
            for p in range(L):
                total += Fs[(i * P + r) * L + p] * lk[p]
            grad[r] += total


cdef int _stage_derivatives(_Workspace w, const double* x, double h, const double* a,
                            int n_stages, double* Fs, double* As) noexcept nogil:
    # Recompute the stages of one forward step from its start x, keeping
    # F_r(z_i) and A(z_i) = sum_r theta_r dF_r(z_i) of every stage.
    cdef int L = w.system.L, P = w.system.P, n = w.system.n, i, j, m
    cdef double total
    for i in range(n_stages):
        # n == L here: the sweep's workspace carries x only.
        for m in range(n):
            total = 0.0
            for j in range(i):
                total += a[i * n_stages + j] * w.k[j * n + m]
            w.z[m] = x[m] + h * total
        if _rhs(&w.system, w.z, w.k + i * n):
            return 1
        for m in range(P * L):
            Fs[i * P * L + m] = w.system.F[m]
        for m in range(L * L):
            As[i * L * L + m] = w.system.A[m]
    return 0


cdef int _output_jumps(int step, int k, const int[::1] out_step, const double[::1] out_sigma,
                       const double[:, ::1] forcing, const double[:, ::1] dense,
                       double* extra, double* jump, int L) noexcept nogil:
    # Gather the outputs recorded in this step (k counts down): their forcing
    # sums to the jump of lambda at the step start (the identity part of
    # y(sigma)) and feeds the stages through b_i(sigma).  Returns the next
    # output index below the step.
    cdef int n_stages = dense.shape[0], i, p
    cdef double weights[16]
    for i in range(n_stages * L):
        extra[i] = 0.0
    for p in range(L):
        jump[p] = 0.0
    while k >= 1 and out_step[k] == step:
        _dense_weights(&dense[0, 0], n_stages, dense.shape[1], out_sigma[k], weights)
        for i in range(n_stages):
            for p in range(L):
                extra[i * L + p] += weights[i] * forcing[k, p]
        for p in range(L):
            jump[p] += forcing[k, p]
        k -= 1
    return k


def adjoint_gradient(object capsule, int P, int L, const double[::1] theta,
                     const double[::1] a, const double[::1] b, const double[:, ::1] dense,
                     const double[:, ::1] step_x, const double[::1] step_h,
                     const int[::1] out_step, const double[::1] out_sigma,
                     const double[:, ::1] forcing, double[::1] grad):
    """grad_s = sum_k forcing[k] . dx(t_k)/dtheta_s of the recorded discrete steps.

    Backward sweep over the steps from lambda = 0: the outputs recorded
    inside a step make the adjoint jump by their forcing and drive the
    stages through the output weights b_i(sigma) (``dense``); each step is
    then reversed exactly (``_reverse_step``), with its stages recomputed
    from the recorded start.  Returns a key of STATUS.
    """
    cdef int n_stages = b.shape[0], n_steps = step_h.shape[0], step, p, r
    cdef int k = out_step.shape[0] - 1
    cdef _Workspace w = _Workspace(capsule, P, L, theta, False, True, n_stages)
    cdef double* Fs = <double*>malloc(n_stages * P * L * sizeof(double))
    cdef double* As = <double*>malloc(n_stages * L * L * sizeof(double))
    cdef double* mu = <double*>malloc(n_stages * L * sizeof(double))
    cdef double* extra = <double*>malloc(n_stages * L * sizeof(double))
    cdef double* lk = <double*>malloc(L * sizeof(double))
    cdef double* lam = <double*>malloc(L * sizeof(double))
    cdef double* jump = <double*>malloc(L * sizeof(double))
    cdef int status = _OK
    if n_stages > 16 or Fs == NULL or As == NULL or mu == NULL or extra == NULL \
            or lk == NULL or lam == NULL or jump == NULL:
        free(Fs); free(As); free(mu); free(extra); free(lk); free(lam); free(jump)
        raise MemoryError() if n_stages <= 16 else ValueError("at most 16 stages")
    with nogil:
        for p in range(L):
            lam[p] = 0.0
        for r in range(P):
            grad[r] = 0.0
        for step in range(n_steps - 1, -1, -1):
            if _stage_derivatives(w, &step_x[step, 0], step_h[step], &a[0], n_stages, Fs,
                                  As):
                status = _NOT_FINITE
                break
            k = _output_jumps(step, k, out_step, out_sigma, forcing, dense, extra, jump, L)
            _reverse_step(w, Fs, As, lk, mu, extra, &a[0], &b[0], n_stages, step_h[step],
                          lam, &grad[0])
            # lambda_n = lambda_{n+1} + outputs' identity part + stage parts.
            for p in range(L):
                lam[p] += jump[p]
                for r in range(n_stages):
                    lam[p] += mu[r * L + p]
    free(Fs); free(As); free(mu); free(extra); free(lk); free(lam); free(jump)
    return status
