"""Compiled reduced trajectory and sensitivities for Algorithm 1 (paper eq. 20, 22).

The basis functions are F_k(nu) = sum_g F[g, k] phi_g(nu) with multilinear hat
functions phi_g on a regular K-dimensional grid (C-order flat index g).  Outside
the grid box F is extrapolated linearly from the boundary cell, coordinate by
coordinate: the two boundary hats of that axis continue as the straight lines
1 - x and x (x < 0 or x > 1 in cell units, so one weight is negative), which keeps
F continuous with a continuous slope across the box face and the sensitivity
equation below the exact derivative of the trajectory for this parameterisation.
The occupation time uses the clamped weights (time outside the box counts for
the nearest boundary nodes), so it stays a non-negative partition of the time.

The state nu (K,) and the sensitivities s[k', g, k] = d nu_k'(t) / d F[g, k] are
integrated together with fixed-step classical RK4:

    d nu / dt        = F(nu)                                        (eq. 20)
    d s[k', g, k]/dt = sum_l dF_k'/dnu_l s[l, g, k] + delta_k'k phi_g(nu)   (eq. 22)

Integrating the variational equation with the same RK4 stages is the exact
derivative of the discrete RK4 map (internal differentiation), except on the
measure-zero set of steps whose stages straddle a kink of the interpolant.

With hat forcing, s[:, g, :] is zero until the trajectory first touches the
support of phi_g and stays zero otherwise (linear homogeneous equation), so only
"activated" grid points are integrated.  The optional Gaussian forcing (the
paper's narrow normalised Gaussian in place of the delta) is dense.
"""
from libc.math cimport exp, floor, isfinite, isnan, sqrt, M_PI
from libc.stdlib cimport malloc, free, calloc
from dynboltz.errors import IntegrationError

cdef enum:
    MAX_K = 4


cdef struct Grid:
    int K
    int G
    int n_corners
    double lower[MAX_K]
    double spacing[MAX_K]
    int shape[MAX_K]
    int stride[MAX_K]


cdef void _evaluate(const Grid* grid, const double* F, const double* nu,
                    double* f, double* jac, int* corner_index,
                    double* corner_weight, double* corner_occupancy) noexcept nogil:
    """F(nu) (K,), its Jacobian jac[k*K + l], the 2^K hat weights at nu (linear
    beyond the box) and the same weights with nu clamped to the box (occupation)."""
    cdef int K = grid.K
    cdef int l, m, c, k, g
    cdef int cell[MAX_K]
    cdef double frac[MAX_K]
    cdef double inside[MAX_K]
    cdef double x, w, w_in, dw
    for l in range(K):
        x = (nu[l] - grid.lower[l]) / grid.spacing[l]
        # A NaN ν must still index inside the grid (the step loop then stops the run).
        if isnan(x):
            x = 0.0
        if x < 1.0:
            cell[l] = 0
        elif x >= grid.shape[l] - 1:
            cell[l] = grid.shape[l] - 2
        else:
            cell[l] = <int>floor(x)
            if cell[l] > grid.shape[l] - 2:
                cell[l] = grid.shape[l] - 2
        frac[l] = x - cell[l]
        inside[l] = 0.0 if frac[l] < 0.0 else (1.0 if frac[l] > 1.0 else frac[l])
    for k in range(K):
        f[k] = 0.0
        for l in range(K):
            jac[k * K + l] = 0.0
    for c in range(grid.n_corners):
        g = 0
        w = 1.0
        w_in = 1.0
        for l in range(K):
            if (c >> l) & 1:
                g += (cell[l] + 1) * grid.stride[l]
                w *= frac[l]
                w_in *= inside[l]
            else:
                g += cell[l] * grid.stride[l]
                w *= 1.0 - frac[l]
                w_in *= 1.0 - inside[l]
        corner_index[c] = g
        corner_weight[c] = w
        corner_occupancy[c] = w_in
        for k in range(K):
            f[k] += w * F[g * K + k]
        for l in range(K):
            dw = (1.0 if (c >> l) & 1 else -1.0) / grid.spacing[l]
            for m in range(K):
                if m != l:
                    dw *= frac[m] if (c >> m) & 1 else 1.0 - frac[m]
            for k in range(K):
                jac[k * K + l] += dw * F[g * K + k]


cdef void _gaussian_forcing(const Grid* grid, const double* nu, double variance,
                            double* forcing) noexcept nogil:
    """Normalised isotropic Gaussian N(nu_g - nu; variance) at every grid point."""
    cdef int g, l, rem, idx
    cdef double d2, diff
    cdef double norm = 1.0
    for l in range(grid.K):
        norm *= sqrt(2.0 * M_PI * variance)
    for g in range(grid.G):
        rem = g
        d2 = 0.0
        for l in range(grid.K):
            idx = rem // grid.stride[l]
            rem = rem - idx * grid.stride[l]
            diff = grid.lower[l] + idx * grid.spacing[l] - nu[l]
            d2 += diff * diff
        forcing[g] = exp(-0.5 * d2 / variance) / norm


cdef struct Work:
    double* nu_stage
    double* f
    double* jac
    int* corner_index
    double* corner_weight
    double* corner_occupancy
    double* s
    double* s_stage
    double* ks          # 4 stages x (K x G x K)
    double* knu         # 4 stages x K
    double* forcing     # G, Gaussian mode only
    int* active
    char* is_active


cdef int _alloc_work(Work* w, const Grid* grid) noexcept nogil:
    cdef int K = grid.K
    cdef size_t n_s = <size_t>K * grid.G * K
    w.nu_stage = <double*>malloc(K * sizeof(double))
    w.f = <double*>malloc(K * sizeof(double))
    w.jac = <double*>malloc(K * K * sizeof(double))
    w.corner_index = <int*>malloc(grid.n_corners * sizeof(int))
    w.corner_weight = <double*>malloc(grid.n_corners * sizeof(double))
    w.corner_occupancy = <double*>malloc(grid.n_corners * sizeof(double))
    w.s = <double*>calloc(n_s, sizeof(double))
    w.s_stage = <double*>calloc(n_s, sizeof(double))
    w.ks = <double*>calloc(4 * n_s, sizeof(double))
    w.knu = <double*>calloc(4 * K, sizeof(double))
    w.forcing = <double*>calloc(grid.G, sizeof(double))
    w.active = <int*>malloc(grid.G * sizeof(int))
    w.is_active = <char*>calloc(grid.G, sizeof(char))
    return (w.nu_stage == NULL or w.f == NULL or w.jac == NULL
            or w.corner_index == NULL or w.corner_weight == NULL
            or w.corner_occupancy == NULL or w.s == NULL
            or w.s_stage == NULL or w.ks == NULL or w.knu == NULL
            or w.forcing == NULL or w.active == NULL or w.is_active == NULL)


cdef void _free_work(Work* w) noexcept nogil:
    free(w.nu_stage); free(w.f); free(w.jac); free(w.corner_index)
    free(w.corner_weight); free(w.corner_occupancy); free(w.s); free(w.s_stage)
    free(w.ks); free(w.knu)
    free(w.forcing); free(w.active); free(w.is_active)


cdef int _stage(const Grid* grid, const double* F, const double* nu, Work* w,
                int stage, double h, int gaussian, double variance,
                int n_active) noexcept nogil:
    """RK4 stage `stage` from nu + h * k_{stage-1}; returns the new active count."""
    cdef int K = grid.K
    cdef int KK = K * K
    cdef size_t n_s = <size_t>K * grid.G * K
    cdef double* k_nu = w.knu + stage * K
    cdef double* k_s = w.ks + stage * n_s
    cdef double* prev_nu = w.knu + (stage - 1) * K
    cdef double* prev_s = w.ks + (stage - 1) * n_s
    cdef int a, c, g, kp, l, k
    cdef size_t base
    cdef double acc
    for l in range(K):
        w.nu_stage[l] = nu[l] + (h * prev_nu[l] if stage > 0 else 0.0)
    _evaluate(grid, F, w.nu_stage, w.f, w.jac, w.corner_index, w.corner_weight,
              w.corner_occupancy)
    for l in range(K):
        k_nu[l] = w.f[l]
    if gaussian:
        _gaussian_forcing(grid, w.nu_stage, variance, w.forcing)
    else:
        for c in range(grid.n_corners):
            g = w.corner_index[c]
            if w.corner_weight[c] != 0.0 and not w.is_active[g]:
                w.is_active[g] = 1
                w.active[n_active] = g
                n_active += 1
    for a in range(n_active):
        base = <size_t>w.active[a] * K
        for l in range(K):
            for k in range(K):
                w.s_stage[l * grid.G * K + base + k] = (
                    w.s[l * grid.G * K + base + k]
                    + (h * prev_s[l * grid.G * K + base + k] if stage > 0 else 0.0))
        for kp in range(K):
            for k in range(K):
                acc = 0.0
                for l in range(K):
                    acc += w.jac[kp * K + l] * w.s_stage[l * grid.G * K + base + k]
                if kp == k and gaussian:
                    acc += w.forcing[w.active[a]]
                k_s[kp * grid.G * K + base + k] = acc
    if not gaussian:
        for c in range(grid.n_corners):
            g = w.corner_index[c]
            for k in range(K):
                k_s[k * grid.G * K + <size_t>g * K + k] += w.corner_weight[c]
    return n_active


cdef void _store(const Grid* grid, const double* nu, Work* w, int n_active,
                 double[:, ::1] out_nu, double[:, :, :, ::1] out_s,
                 int j) noexcept nogil:
    cdef int K = grid.K
    cdef int a, l, k, g
    for l in range(K):
        out_nu[j, l] = nu[l]
    for a in range(n_active):
        g = w.active[a]
        for l in range(K):
            for k in range(K):
                out_s[j, l, g, k] = w.s[l * grid.G * K + <size_t>g * K + k]


cdef int _integrate(const Grid* grid, const double* F, double* nu, double dt,
                    int n_steps, int stride, int gaussian, double variance,
                    double[:, ::1] out_nu, double[:, :, :, ::1] out_s,
                    double[::1] occupation) noexcept nogil:
    cdef Work w
    cdef int K = grid.K
    cdef size_t n_s = <size_t>K * grid.G * K
    cdef int step, stage, a, c, l, k, g, n_active = 0
    cdef size_t i, base
    cdef double[4] c_h
    c_h[0] = 0.0; c_h[1] = 0.5 * dt; c_h[2] = 0.5 * dt; c_h[3] = dt
    if _alloc_work(&w, grid):
        _free_work(&w)
        return -1
    if gaussian:
        for g in range(grid.G):
            w.is_active[g] = 1
            w.active[g] = g
        n_active = grid.G
    _store(grid, nu, &w, n_active, out_nu, out_s, 0)
    for step in range(n_steps):
        for stage in range(4):
            n_active = _stage(grid, F, nu, &w, stage, c_h[stage], gaussian,
                              variance, n_active)
            if stage == 0:
                for c in range(grid.n_corners):
                    occupation[w.corner_index[c]] += dt * w.corner_occupancy[c]
        for l in range(K):
            nu[l] += dt / 6.0 * (w.knu[l] + 2.0 * w.knu[K + l]
                                 + 2.0 * w.knu[2 * K + l] + w.knu[3 * K + l])
            if not isfinite(nu[l]):
                _free_work(&w)
                return -2 - step
        for a in range(n_active):
            base = <size_t>w.active[a] * K
            for l in range(K):
                for k in range(K):
                    i = l * grid.G * K + base + k
                    w.s[i] += dt / 6.0 * (w.ks[i] + 2.0 * w.ks[n_s + i]
                                          + 2.0 * w.ks[2 * n_s + i]
                                          + w.ks[3 * n_s + i])
        if (step + 1) % stride == 0:
            _store(grid, nu, &w, n_active, out_nu, out_s, (step + 1) // stride)
    _free_work(&w)
    return 0


def integrate_hat(double[:, ::1] F, double[::1] lower, double[::1] spacing,
                  int[::1] shape, double[::1] eta, double T, int n_steps,
                  int stride, bint gaussian, double variance,
                  double[:, ::1] out_nu, double[:, :, :, ::1] out_s,
                  double[::1] occupation, str function):
    """Integrate eq. 20 and eq. 22 for one initial condition with RK4.

    Parameters
    ----------
    F : (G, K) float64, C-contiguous
        Basis-function values on the flattened (C-order) grid.
    lower, spacing : (K,) float64
        First node and spacing of each grid axis.
    shape : (K,) int32
        Nodes per axis (each >= 2); G = prod(shape).
    eta : (K,) float64
        Initial condition nu(0).
    T : float
        Final time; the step is T / n_steps.
    n_steps, stride : int
        Number of RK4 steps; the state is stored every `stride` steps
        (n_steps must be a multiple of stride).
    gaussian : bool
        Force eq. 22 with a normalised Gaussian of `variance` instead of the hat.
    out_nu : (n_steps // stride + 1, K) float64, written
    out_s : (n_steps // stride + 1, K, G, K) float64, zero on entry, written
        out_s[j, k', g, k] = d nu_k'(t_j) / d F[g, k].
    occupation : (G,) float64, accumulated
        Adds the occupation time integral of phi_g(nu(t)) dt (left Riemann sum),
        nu clamped to the grid box.
    function : str
        The public function that called, named in error messages.
    """
    cdef Grid grid
    cdef int l, K = F.shape[1]
    cdef double nu[MAX_K]
    cdef int status
    if K < 1 or K > MAX_K:
        raise ValueError(f"`K` of `{function}` must be `in 1..{MAX_K}`; got `{K}`")
    grid.K = K
    grid.G = F.shape[0]
    grid.n_corners = 1 << K
    for l in range(K - 1, -1, -1):
        grid.lower[l] = lower[l]
        grid.spacing[l] = spacing[l]
        grid.shape[l] = shape[l]
        grid.stride[l] = 1 if l == K - 1 else grid.stride[l + 1] * shape[l + 1]
    for l in range(K):
        nu[l] = eta[l]
    with nogil:
        status = _integrate(&grid, &F[0, 0], nu, T / n_steps, n_steps, stride,
                            gaussian, variance, out_nu, out_s, occupation)
    if status == -1:
        raise MemoryError(f"{function} could not allocate its work arrays")
    if status < -1:
        raise IntegrationError(
            f"the reduced trajectory ν(t) of {function} left the finite numbers at step "
            f"{-2 - status + 1} of {n_steps} (t = {(-2 - status + 1) * T / n_steps:g}): "
            f"F is too large for the step T/n_steps or makes ν diverge")


def curvature_block(const double[:, :, ::1] local, const double[:, :, ::1] fisher,
                    const double[::1] weights, double[:, ::1] out):
    """Add sum_t w_t local[t]^T I[t] local[t] to out (the Gauss-Newton block of a path).

    Plain loops rather than BLAS: the blocks are small (a few hundred columns) and a
    threaded BLAS on a loaded machine spends most of such a call waiting.

    Parameters
    ----------
    local : (T, K, p) float64, C-contiguous
        Sensitivities d nu_k(t) / d F_p on the p grid values the path reached.
    fisher : (T, K, K) float64, C-contiguous
        Fisher information I(nu(t)) of the MaxEnt distribution.
    weights : (T,) float64
        Quadrature weights of the time integral.
    out : (p, p) float64, C-contiguous, accumulated (symmetric)
    """
    cdef Py_ssize_t T = local.shape[0], K = local.shape[1], p = local.shape[2]
    cdef Py_ssize_t t, k, l, a, b
    cdef double acc
    if fisher.shape[0] != T or fisher.shape[1] != K or fisher.shape[2] != K \
            or weights.shape[0] != T or out.shape[0] != p or out.shape[1] != p:
        raise ValueError("curvature_block: inconsistent shapes")
    cdef double* metric = <double*>malloc(K * p * sizeof(double)) if K * p > 0 else NULL
    if K * p > 0 and metric == NULL:
        raise MemoryError("curvature_block could not allocate its work array")
    with nogil:
        for t in range(T):
            for k in range(K):
                for b in range(p):
                    acc = 0.0
                    for l in range(K):
                        acc += fisher[t, k, l] * local[t, l, b]
                    metric[k * p + b] = weights[t] * acc
            for a in range(p):
                for b in range(a, p):
                    acc = 0.0
                    for k in range(K):
                        acc += local[t, k, a] * metric[k * p + b]
                    out[a, b] += acc
        for a in range(p):
            for b in range(a):
                out[a, b] = out[b, a]
    free(metric)
