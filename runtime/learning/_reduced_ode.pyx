"""Compiled integrator of the reduced model (eq. 52) and its sensitivities (eq. 54).

State y = (x, S) with x (L,) the Boltzmann parameters and S (P, L) the
sensitivities S_s = dx/dtheta_s:

    dx/dt   = sum_r theta_r F_r(x)                              (eq. 52)
    dS_s/dt = F_s(x) + (sum_r theta_r dF_r/dx(x)) S_s,  S(0) = 0  (eq. 54)

F_r (basis) and dF_r/dx (basis_jacobian) come from a motif's C point kernel
(the PyCapsule ``MotifLibrary.point_kernel``), so the step loops run without
the GIL and never call Python.  One explicit Runge-Kutta routine serves every
Butcher tableau (classical RK4 at fixed steps, Dormand-Prince 5(4) with error
control), held by an ``Integration`` that a learning run builds once and
reruns in place at every theta; ``adjoint_gradient`` is the exact reverse-mode
derivative of the same discrete steps (the discrete adjoint ODE,
d lambda/dt = -A^T lambda, integrated backward with jumps at the data times),
and ``trapezoid_action`` / ``trapezoid_gradient`` the action and the
forward contraction of eq. 53 (``exact_action_gradient``: both, with the
exact asleep moments from the motif's moments kernel).
"""
from cpython.pycapsule cimport PyCapsule_GetPointer, PyCapsule_IsValid
from libc.math cimport fabs, fmax, fmin, isfinite, pow, sqrt
from libc.stdlib cimport free, malloc

ctypedef void (*point_kernel_t)(const double*, double*, double*) noexcept nogil
ctypedef void (*moments_kernel_t)(const double*, double*, double*) noexcept nogil

KERNEL_CAPSULE_NAME = "dynboltz.motif.basis_and_jacobian"
MOMENTS_CAPSULE_NAME = "dynboltz.motif.moments_and_log_eigenvalue"

cdef enum:
    _OK = 0
    _NOT_FINITE = 1
    _TOO_MANY_STEPS = 2
    _STEP_UNDERFLOW = 3

STATUS = {_OK: "ok", _NOT_FINITE: "the state became non-finite",
          _TOO_MANY_STEPS: "max_steps reached", _STEP_UNDERFLOW: "the step size underflowed"}
"""Status code returned by the integrators -> its meaning."""

NOT_FINITE = _NOT_FINITE
"""Status code of a state that became non-finite."""


cdef struct _System:
    point_kernel_t kernel
    int P
    int L
    int n              # length of y: L, or L + P L with sensitivities
    const double* theta
    double* F          # (P, L) scratch
    double* dF         # (P, L, L) scratch, NULL when no Jacobian is needed
    double* A          # (L, L) scratch: sum_r theta_r dF_r


cdef point_kernel_t _kernel_of(object capsule, str function) except NULL:
    if not PyCapsule_IsValid(capsule, "dynboltz.motif.basis_and_jacobian"):
        raise TypeError(f"`capsule` of `{function}` must be `a MotifLibrary.point_kernel "
                        f"PyCapsule named {KERNEL_CAPSULE_NAME!r}`; got `{capsule!r}`")
    return <point_kernel_t>PyCapsule_GetPointer(capsule, "dynboltz.motif.basis_and_jacobian")


cdef moments_kernel_t _moments_kernel_of(object capsule, str function) except NULL:
    if not PyCapsule_IsValid(capsule, "dynboltz.motif.moments_and_log_eigenvalue"):
        raise TypeError(f"`capsule` of `{function}` must be `a MotifLibrary.moments_kernel "
                        f"PyCapsule named {MOMENTS_CAPSULE_NAME!r}`; got `{capsule!r}`")
    return <moments_kernel_t>PyCapsule_GetPointer(
        capsule, "dynboltz.motif.moments_and_log_eigenvalue")


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
                  bint sensitivities, bint jacobian, int n_stages, str function):
        # sensitivities: y carries S (and needs the Jacobian); jacobian alone:
        # y = x, but A is formed (for the adjoint sweep).
        cdef int n = L + (P * L if sensitivities else 0)
        jacobian = jacobian or sensitivities
        self.system.kernel = _kernel_of(capsule, function)
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


cdef class Integration:
    """Eq. 52 (and 54) on fixed output times, rerun in place for every theta.

    Built once per problem (validated by the caller); every array belongs to
    the caller and is reused (write the next theta into ``theta``, never
    replace it): `run` reads ``theta`` (P,) and writes x (T, L),
    S (T, P, L) if ``sensitivities``, and, if ``step_h`` has room, every
    step's start x and size, and for each output k the step it falls in
    (``out_step[k]``) at fraction ``out_sigma[k]`` of it.  ``adaptive``
    selects the embedded pair (``e`` = b - b_hat, ``dense`` (stages, degree)
    its continuous extension, ``fsal``, tolerances, ``max_steps``) over
    ``substeps`` equal steps per output interval.
    """
    cdef _Workspace w
    cdef const double[::1] theta, x0, times, a, b, e
    cdef const double[:, ::1] dense
    cdef double[:, ::1] x_out, step_x
    cdef double[:, :, ::1] s_out
    cdef double[::1] step_h, out_sigma
    cdef int[::1] out_step
    cdef bint adaptive, fsal
    cdef int substeps, order, max_steps
    cdef double rtol, atol, first_step
    cdef readonly int accepted, rejected

    def __init__(self, object capsule, int P, int L, const double[::1] theta,
                 const double[::1] x0, const double[::1] times, const double[::1] a,
                 const double[::1] b, const double[::1] e, const double[:, ::1] dense,
                 int order, bint fsal, bint adaptive, int substeps, double rtol,
                 double atol, double first_step, int max_steps, bint sensitivities,
                 double[:, ::1] x_out, double[:, :, ::1] s_out, double[:, ::1] step_x,
                 double[::1] step_h, int[::1] out_step, double[::1] out_sigma):
        if b.shape[0] > 16:
            raise ValueError(f"`b` of `Integration` must be `at most 16 stages`; "
                             f"got `{b.shape[0]} stages`")
        self.w = _Workspace(capsule, P, L, theta, sensitivities, False, b.shape[0],
                            "Integration")
        self.theta, self.x0, self.times, self.a, self.b, self.e = theta, x0, times, a, b, e
        self.dense, self.order, self.fsal, self.adaptive = dense, order, fsal, adaptive
        self.substeps, self.rtol, self.atol = substeps, rtol, atol
        self.first_step, self.max_steps = first_step, max_steps
        self.x_out, self.s_out, self.step_x, self.step_h = x_out, s_out, step_x, step_h
        self.out_step, self.out_sigma = out_step, out_sigma

    def run(self):
        """Integrate at the current ``theta``; returns a key of STATUS.

        Sets ``accepted`` (steps taken) and ``rejected`` (adaptive only).
        """
        cdef int status
        with nogil:
            _start(self.w, self.x0)
            _record(&self.w.system, self.w.y, 0, self.x_out, self.s_out)
            self.out_step[0] = -1
            self.out_sigma[0] = 0.0
            status = _run_adaptive(self) if self.adaptive else _run_fixed(self)
            if status == _OK and not _all_finite(self.x_out):
                # Every step start is checked; this catches the last output.
                status = _NOT_FINITE
        return status


cdef bint _all_finite(const double[:, ::1] x) noexcept nogil:
    cdef int k, i
    for k in range(x.shape[0]):
        for i in range(x.shape[1]):
            if not isfinite(x[k, i]):
                return False
    return True


cdef int _run_fixed(Integration it) noexcept nogil:
    # Explicit RK with ``substeps`` equal steps per output interval.
    cdef int n_stages = it.b.shape[0], n = it.w.system.n, T = it.times.shape[0]
    cdef int step = 0, status = _OK, interval, sub, m
    cdef double h
    for interval in range(T - 1):
        h = (it.times[interval + 1] - it.times[interval]) / it.substeps
        for sub in range(it.substeps):
            _save_step(it.w, step, h, it.step_x, it.step_h)
            step += 1
            if _stages(&it.w.system, it.w.y, h, &it.a[0], n_stages, 0, it.w.k, it.w.z):
                status = _NOT_FINITE
                break
            _combine(n, it.w.y, h, &it.b[0], n_stages, it.w.k, it.w.y_new)
            for m in range(n):
                it.w.y[m] = it.w.y_new[m]
        if status != _OK:
            break
        _record(&it.w.system, it.w.y, interval + 1, it.x_out, it.s_out)
        it.out_step[interval + 1] = step - 1
        it.out_sigma[interval + 1] = 1.0
    it.accepted = step
    it.rejected = 0
    return status


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


cdef int _run_adaptive(Integration it) noexcept nogil:
    # Embedded RK with error control on y = (x, S) and dense output at every
    # output time; with ``fsal`` the last stage is f(y_new) and becomes the
    # next step's first.
    cdef int n_stages = it.b.shape[0], n = it.w.system.n, T = it.times.shape[0]
    cdef int status = _OK, accepted = 0, rejected = 0, m, first = 0, k_out = 1
    cdef double t = it.times[0], h, h_used, norm, factor, t_end = it.times[T - 1]
    cdef double exponent = -1.0 / it.order
    cdef bint last, bad
    h = it.first_step if it.first_step > 0.0 else \
        _first_step(it.w, it.rtol, it.atol, t_end - t)
    while k_out < T:
        if accepted + rejected >= it.max_steps:
            status = _TOO_MANY_STEPS
            break
        last = t + h >= t_end
        h_used = t_end - t if last else h
        if h_used <= 1e-14 * fmax(fabs(t), t_end - it.times[0]):
            status = _STEP_UNDERFLOW
            break
        bad = _stages(&it.w.system, it.w.y, h_used, &it.a[0], n_stages, first, it.w.k,
                      it.w.z)
        if not bad:
            _combine(n, it.w.y, h_used, &it.b[0], n_stages, it.w.k, it.w.y_new)
            norm = _error_norm(n, it.w.y, it.w.y_new, h_used, &it.e[0], n_stages, it.w.k,
                               it.rtol, it.atol)
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
        _save_step(it.w, accepted, h_used, it.step_x, it.step_h)
        k_out = _dense_outputs(it.w, it.times, k_out, t, h_used, last, it.dense, accepted,
                               it.x_out, it.s_out, it.out_step, it.out_sigma)
        accepted += 1
        t = t_end if last else t + h_used
        for m in range(n):
            it.w.y[m] = it.w.y_new[m]
        first = 0
        if it.fsal:
            for m in range(n):
                it.w.k[m] = it.w.k[(n_stages - 1) * n + m]
            first = 1
        h = h_used * factor
    it.accepted = accepted
    it.rejected = rejected
    return status


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
    cdef _Workspace w = _Workspace(capsule, P, L, theta, False, True, n_stages,
                                   "adjoint_gradient")
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
        raise MemoryError() if n_stages <= 16 else ValueError(
            f"`b` of `adjoint_gradient` must be `at most 16 stages`; got `{n_stages} stages`")
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


cdef double _action(const double[::1] weights, const double[:, ::1] data,
                    const double[:, ::1] x, const double[::1] log_eigenvalue) noexcept nogil:
    cdef int T = x.shape[0], L = x.shape[1], k, i
    cdef double action = 0.0, inner
    for k in range(T):
        inner = 0.0
        for i in range(L):
            inner += x[k, i] * data[k, i]
        action += weights[k] * (log_eigenvalue[k] - inner)
    return action


cdef void _gradient(const double[::1] weights, const double[:, ::1] data,
                    const double[:, ::1] asleep, const double[:, :, ::1] s,
                    double[::1] grad) noexcept nogil:
    cdef int T = s.shape[0], P = s.shape[1], L = s.shape[2], k, r, i
    cdef double forcing
    for r in range(P):
        grad[r] = 0.0
    for k in range(T):
        for i in range(L):
            forcing = weights[k] * (asleep[k, i] - data[k, i])
            for r in range(P):
                grad[r] += forcing * s[k, r, i]


def trapezoid_action(const double[::1] weights, const double[:, ::1] data,
                     const double[:, ::1] x, const double[::1] log_eigenvalue):
    """A = sum_k w_k (ln lambda_k - x_k . mu_k): the action on the trapezoid grid.

    ``weights``, ``log_eigenvalue`` (T,); moments ``data`` and ``x`` (T, L).
    """
    cdef double action
    with nogil:
        action = _action(weights, data, x, log_eigenvalue)
    return action


def trapezoid_gradient(const double[::1] weights, const double[:, ::1] data,
                       const double[:, ::1] asleep, const double[:, :, ::1] s,
                       double[::1] grad):
    """grad_r = sum_k w_k (asleep_k - mu_k) . S_k[r] (eq. 53 on the trapezoid grid).

    ``weights`` (T,); moments ``data``, ``asleep`` (T, L); S (T, P, L); grad (P,).
    """
    with nogil:
        _gradient(weights, data, asleep, s, grad)


def exact_action_gradient(object moments_capsule, const double[::1] weights,
                          const double[:, ::1] data, const double[:, ::1] x,
                          const double[:, :, ::1] s, double[:, ::1] asleep,
                          double[::1] log_eigenvalue, double[::1] grad):
    """Action and eq. 53 with exact asleep moments, in one pass over a trajectory.

    The motif's moments kernel (``MotifLibrary.moments_kernel``) writes the
    asleep moments (T, L) and ln lambda_+ (T,) at every x (T, L); then as
    `trapezoid_action` (returned) and `trapezoid_gradient` (into ``grad``).
    """
    cdef moments_kernel_t kernel = _moments_kernel_of(moments_capsule, "exact_action_gradient")
    cdef int T = x.shape[0], k
    cdef double action
    with nogil:
        for k in range(T):
            kernel(&x[k, 0], &asleep[k, 0], &log_eigenvalue[k])
        action = _action(weights, data, x, log_eigenvalue)
        _gradient(weights, data, asleep, s, grad)
    return action
