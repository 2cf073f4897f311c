"""Inverse Ising (moments -> parameters) against the forward map (eq. 47).

Independent route: the library's ``moments`` (eigenvectors of the transfer matrix)
generates the targets; fitting must return the parameters that produced them.
"""
import numpy as np
import pytest

from dynboltz.generated import library
from dynboltz.runtime.lattice.chain.sampling import sample
from dynboltz.runtime.lattice.chain.boltzmann_chain import pair_probabilities
from dynboltz.runtime.lattice.chain.inverse_ising import fit_parameters
from dynboltz.runtime.lattice.chain.reference import LatticeReference
from dynboltz.runtime.lattice.chain.statistics import lattice_moments

_EPS = np.finfo(float).eps


def _lib(n_species):
    """Compiled built-in library with S species (numpy reference for S = 2)."""
    name = {1: "barw", 3: "trivalent", 4: "sep"}.get(n_species)
    return LatticeReference(2, ()) if name is None else getattr(library, name)


def _conditioning_floor(moments, n_species):
    """Error in x caused by rounding the moments: x is a ±1/±2 combination of ln π and
    ln p (closed form), each with absolute error ~eps, so |δx| ≲ 6 eps / min(π, p)."""
    site, pair = pair_probabilities(moments, n_species)
    return 6.0 * _EPS / min(site.min(), pair.min())


@pytest.mark.parametrize("n_species", [1, 2, 3, 4])
def test_round_trip(n_species):
    lib = _lib(n_species)
    rng = np.random.default_rng(n_species)
    exact = 0
    for x in rng.uniform(-5.0, 5.0, size=(20, lib.n_params)):
        moments = lib.moments(x)
        error = np.abs(fit_parameters(lib, moments) - x).max()
        # near µ -> 0 or 1 the moments in double carry x only to the rounding floor
        assert error <= 1e-8 + 16 * _conditioning_floor(moments, n_species)
        exact += error <= 1e-8
    assert exact >= 15


@pytest.mark.parametrize("n_species", [1, 2, 3])
def test_round_trip_moderate_parameters(n_species):
    lib = _lib(n_species)
    for x in np.random.default_rng(10 + n_species).uniform(-2.0, 2.0, (10, lib.n_params)):
        np.testing.assert_allclose(fit_parameters(lib, lib.moments(x)), x, rtol=0, atol=1e-8)


@pytest.mark.parametrize("n_species", [1, 2, 3])
def test_damped_newton_from_origin(n_species):
    # without the closed-form start: the line search must carry Newton from x = 0
    lib = _lib(n_species)
    for x in np.random.default_rng(20 + n_species).uniform(-3.0, 3.0, (5, lib.n_params)):
        fitted = fit_parameters(lib, lib.moments(x), x0=np.zeros(lib.n_params))
        np.testing.assert_allclose(fitted, x, rtol=0, atol=1e-8)


def test_boltzmann_machine_exact_gradient():
    lib = _lib(2)
    x = np.array([-0.5, 0.3, 0.4, -0.2, 0.1])
    fitted = fit_parameters(lib, lib.moments(x), method="boltzmann", learning_rate=2.0)
    np.testing.assert_allclose(fitted, x, rtol=0, atol=1e-8)


def test_boltzmann_machine_gibbs_gradient():
    lib = _lib(1)
    x = np.array([-0.5, 0.8])
    target = lib.moments(x)
    settings = dict(N=1000, n=8, sweeps=30, seed=4)
    iterations = 200
    fitted = fit_parameters(lib, target, method="boltzmann", max_iter=iterations,
                            learning_rate=2.0, estimator="gibbs", gibbs=settings)
    # averaged iterate: its moment error is the mean of the sampling noise over the
    # averaged half, SE = per-iteration SE / sqrt(iterations / 2)
    rows = lattice_moments(sample(lib, x, N=1000, n=400, seed=5), 1)
    per_iteration_se = rows.std(axis=0, ddof=1) / np.sqrt(settings["n"])
    se = per_iteration_se / np.sqrt(iterations // 2)
    np.testing.assert_array_less(np.abs(lib.moments(fitted) - target), 4 * se)


@pytest.mark.parametrize("moments, match", [
    ([0.3, np.nan], "finite"), ([0.3], "shape"),
    ([-0.1, 0.05], r"every µ and ∆ > 0"),
    ([0.3, 0.0], r"every µ and ∆ > 0"),
    ([0.5, 0.6], "bonds of each species to empty sites"),   # ∆ > µ
    ([0.6, 0.1], "bonds of each species to empty sites"),   # p_00 < 0
    ([1.2, 0.5], r"Σ µ < 1")])
def test_unrealisable_moments_raise(moments, match):
    with pytest.raises(ValueError, match="`moments` of `fit_parameters`.*" + match):
        fit_parameters(_lib(1), moments)


def test_unrealisable_cross_bonds_raise():
    # ∆_12 = 0.5 needs 0.25 bonds 1-2 per site from each of µ_1 = µ_2 = 0.2
    moments = [0.2, 0.2, 0.01, 0.5, 0.01]
    with pytest.raises(ValueError, match="bonds of each species to empty sites"):
        fit_parameters(_lib(2), moments)


@pytest.mark.parametrize("kwargs, match", [
    (dict(method="lbfgs"), r"`method` of `fit_parameters` must be `one of \['boltzmann', "
                           r"'newton'\]"),
    (dict(method="boltzmann", estimator="mcmc"), "`estimator` of `fit_parameters`"),
    (dict(estimator="mcmc"), "`estimator` of `fit_parameters`"),
    (dict(x0=[0.0]), "`x0` of `fit_parameters`"),
    (dict(learning_rate=0.0), "`learning_rate` of `fit_parameters` must be `a finite "
                              "real number > 0"),
    (dict(learning_rate=np.inf), "`learning_rate` of `fit_parameters`"),
    (dict(learning_rate=-1.0), "`learning_rate` of `fit_parameters`"),
    (dict(tol=0.0), "`tol` of `fit_parameters` must be `a finite real number > 0"),
    (dict(tol=np.nan), "`tol` of `fit_parameters`"),
    (dict(max_iter=0), "`max_iter` of `fit_parameters` must be `an integer >= 1"),
    (dict(max_iter=2.5), "`max_iter` of `fit_parameters`"),
    (dict(gibbs={"sweep": 3}), r"`gibbs` of `fit_parameters` must be `a dict with keys "
                               r"among \['N', 'n', 'seed', 'sweeps'\] \(unknown \['sweep'\]\)"),
    (dict(method="boltzmann", estimator="gibbs", gibbs={"n": 1}),
     r"`gibbs\['n'\]` of `fit_parameters` must be `an integer >= 2")])
def test_rejects_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        fit_parameters(_lib(1), [0.3, 0.1], **kwargs)


def test_rejects_library_without_log_eigenvalue():
    class NoDual:
        n_species = 1

        def __init__(self):
            self.moments = self.hessian = library.barw.moments

    with pytest.raises(TypeError, match="`lib` of `fit_parameters` must be"):
        fit_parameters(NoDual(), [0.3, 0.1])
    with pytest.raises(TypeError, match="`lib` of `fit_parameters` must be"):
        fit_parameters(object(), [0.3, 0.1])


def test_dual_is_the_librarys_log_eigenvalue():
    # the Newton line search evaluates the dual with lib.log_eigenvalue: it is called,
    # and a constant shift of ln λ₊ (same gradient, same minimiser) changes nothing
    lib = library.barw
    x = np.array([0.7, -1.2])
    calls = []

    class Shifted:
        n_species = 1

        def __init__(self):
            self.moments, self.hessian = lib.moments, lib.hessian

        def log_eigenvalue(self, point):
            calls.append(point)
            return lib.log_eigenvalue(point) + 3.0

    fitted = fit_parameters(Shifted(), lib.moments(x), x0=np.zeros(2))
    np.testing.assert_allclose(fitted, x, rtol=0, atol=1e-8)
    assert calls


def test_boltzmann_machine_reports_non_convergence():
    lib = _lib(2)
    x = np.array([-0.5, 0.3, 0.4, -0.2, 0.1])
    with pytest.raises(RuntimeError, match=r"did not converge in 3 steps: max \|m − m̃\|"):
        fit_parameters(lib, lib.moments(x), method="boltzmann", max_iter=3)


def test_gibbs_boltzmann_machine_reports_non_convergence():
    # 4 tiny steps from x = 0 stay far from x: many standard errors off
    lib = _lib(1)
    target = lib.moments(np.array([-0.5, 0.8]))
    with pytest.raises(RuntimeError, match="standard errors from the target"):
        fit_parameters(lib, target, method="boltzmann", estimator="gibbs", max_iter=4,
                       learning_rate=0.01, gibbs=dict(N=200, n=4, sweeps=5, seed=1))


def test_newton_reports_non_convergence():
    lib = _lib(2)
    x = np.array([1.0, -1.0, 2.0, 0.5, -2.0])
    with pytest.raises(RuntimeError, match="did not converge in 1 Newton steps"):
        fit_parameters(lib, lib.moments(x), x0=np.zeros(5), max_iter=1)
