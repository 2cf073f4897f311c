"""The Bethe closure at run time: inverse map, exact limits, Gibbs and KMC, learning.

Independent routes: the Ising mapping (n = (1 + σ)/2, K = J/4, zero field at
h = −zJ/2), whose Bethe solution is ⟨σσ⟩ = tanh K above T_c with tanh K_c = 1/(z − 1);
long Gibbs runs of the lattice itself (the static error of the closure, bounds as in
docs/closures.md); the initial slope of exact KMC started from Gibbs samples; and
learning the rates of creation/death, where the closure is exact, from simulations.
"""
import numpy as np
import pytest
from scipy.optimize import brentq

from dynboltz.codegen import compile_motif
from dynboltz.errors import InvalidArgumentError
from dynboltz.bethe_inverse_map import bethe_parameters
from dynboltz.runtime.lattice import fit_parameters, sample, simulate
from dynboltz.runtime.lattice.bonds.pair_approximation import pair_approximation
from dynboltz.runtime.lattice.bonds.statistics import torus_moments
from dynboltz.runtime.lattice.closures import CLOSURES
from dynboltz.runtime.learning import learn_rates
from dynboltz.symbolic import LatticeMotif

Z = {"square": 4, "cubic": 6}


def _flip_motif(lattice, species=("A",)):
    processes = {}
    for name in species:
        processes[f"creation_{name}"] = [f"_ -> {name}"]
        processes[f"death_{name}"] = [f"{name} -> _"]
    return LatticeMotif(list(species), processes, lattice=lattice)


@pytest.fixture(scope="module")
def square():
    return compile_motif(_flip_motif("square"))


def test_inverse_map_round_trip_and_refusals(square):
    cubic = compile_motif(LatticeMotif.builtin("trivalent", lattice="cubic"))
    for lib, x in ((square, [-0.7, 0.9]),
                   (cubic, [-1.0, -0.7, -1.2, 0.3, -0.2, 0.4, 0.1, 0.2, -0.3])):
        x = np.array(x)
        assert np.allclose(fit_parameters(lib, lib.moments(x)), x, atol=1e-11)
    assert CLOSURES["bethe"].geometries == ("square", "cubic")
    with pytest.raises(InvalidArgumentError, match="`options` of `fit_parameters`"):
        fit_parameters(square, square.moments(np.zeros(2)), tol=1e-9)
    # ∆_AA = 2.02 µ: realisable on the cubic lattice (∆_AA ≤ 3µ) but not on the square
    # one (the empty row of the pair law, p_A0 = µ − 2∆/4, would be negative)
    moments = np.array([0.5, 1.01])
    with pytest.raises(InvalidArgumentError, match="realisable by finite parameters"):
        fit_parameters(square, moments)
    CLOSURES["bethe"].check_realisable(moments, 1, "learn_rates")  # default: weakest, z = 6
    with pytest.raises(InvalidArgumentError, match="`moments` of `learn_rates`"):
        CLOSURES["bethe"].check_realisable(moments, 1, "learn_rates", coordination=4)


@pytest.mark.parametrize("lattice", ["square", "cubic"])
def test_zero_field_ising_pair_correlation_is_tanh_k_up_to_the_bethe_tc(lattice):
    z = Z[lattice]
    lib = compile_motif(_flip_motif(lattice))
    k_c = np.arctanh(1.0 / (z - 1))
    if z == 4:
        assert np.isclose(k_c, 0.5 * np.log(2.0)) and np.isclose(1 / k_c, 2.885, atol=5e-4)
    for k in (0.05, 0.2, 0.9 * k_c, 0.995 * k_c):
        coupling = 4 * k
        mu, delta = lib.moments(np.array([-z * coupling / 2, coupling]))
        assert abs(mu - 0.5) < 1e-8
        sigma_sigma = 4 * (2 * delta / z) - 1  # ⟨nn⟩ = (1 + ⟨σσ⟩)/4 at ⟨σ⟩ = 0
        assert np.isclose(sigma_sigma, np.tanh(k), rtol=1e-9)
    # beyond K_c the ordered fixed point has the larger ln Z: the spontaneous
    # magnetisation of the Bethe lattice, cavity field g = (z − 1) atanh(tanh K tanh g),
    # m = tanh(z atanh(tanh K tanh g)); the emptier phase (µ < ½) on the tie
    for k in (1.02 * k_c, 1.3 * k_c, 2.0 * k_c):
        coupling = 4 * k
        mu = lib.moments(np.array([-z * coupling / 2, coupling]))[0]
        g = brentq(lambda g: g - (z - 1) * np.arctanh(np.tanh(k) * np.tanh(g)), 1e-6, 50.0)
        magnetisation = np.tanh(z * np.arctanh(np.tanh(k) * np.tanh(g)))
        assert magnetisation > 0.05 and np.isclose(1 - 2 * mu, magnetisation, rtol=1e-9)


# (lattice, species, x, bound on |Bethe − Gibbs| per moment): docs/closures.md, `## bethe`
STATIC_POINTS = [
    ("square", ("A",), [-1.0, 0.5], 0.005),
    ("square", ("A",), [0.5, -0.5], 0.005),
    ("square", ("A",), [-2.0, 1.0], 0.025),
    ("square", ("A", "B"), [-1.0, -0.5, 0.4, -0.3, 0.2], 0.005),
    ("cubic", ("A",), [-2.0, 0.4], 0.003),
]


@pytest.mark.parametrize("lattice,species,x,bound", STATIC_POINTS)
def test_moments_agree_with_gibbs_within_the_static_error(lattice, species, x, bound):
    lib = compile_motif(_flip_motif(lattice, species))
    shape = (64, 64) if lattice == "square" else (16, 16, 16)
    configurations = sample(lib, np.array(x), N=shape, n=200, seed=7)
    moments = torus_moments(configurations, len(species), len(shape))
    mean = moments.mean(axis=0)
    error = moments.std(axis=0, ddof=1) / np.sqrt(len(moments))
    assert np.all(np.abs(lib.moments(np.array(x)) - mean) <= bound + 4 * error)


def test_initial_slope_of_exact_kmc_from_gibbs_samples():
    lib = compile_motif(LatticeMotif.builtin("barw", lattice="square"))
    x = np.array([-1.0, 0.5])
    rates = {"branching": 0.6, "annihilation": 0.8, "diffusion": 1.0}
    theta = np.array([rates[name] for name in lib.process_names])
    closure_rate = lib.hessian(x) @ (theta @ lib.basis(x))
    times = np.linspace(0.0, 0.1, 6)
    ensemble = simulate(lib, rates, initial=x, times=times, N=(128, 128), replicates=32,
                        seed=3)
    design = np.stack([np.ones_like(times), times, times ** 2], axis=1)
    runs = ensemble.moments.transpose(1, 0, 2).reshape(times.size, -1)
    slopes = np.linalg.lstsq(design, runs, rcond=None)[0][1].reshape(32, -1)
    slope, error = slopes.mean(axis=0), slopes.std(axis=0, ddof=1) / np.sqrt(32)
    # static error of ṁ at this point: a few per cent (docs/closures.md)
    assert np.all(np.abs(closure_rate - slope) <= 0.05 * np.abs(slope) + 4 * error)


def test_learn_rates_recovers_untuned_creation_and_death_on_the_square_lattice():
    lib = compile_motif(_flip_motif("square"))
    rng = np.random.default_rng(20261205)
    rates = dict(zip(lib.process_names, rng.uniform(0.2, 2.0, 2)))
    start = rng.uniform(0.02, 0.1)  # a nearly empty lattice, density drawn
    x0 = np.array([np.log(start / (1 - start)), 0.0])
    times = np.linspace(0.0, 3.0, 31)
    ensemble = simulate(lib, rates, initial=x0, times=times, N=(64, 64), replicates=32,
                        seed=11)
    result = learn_rates(lib, data=ensemble, x0=x0, theta0=[1.0, 1.0],
                         progress=False, substeps=16)
    for name, value in rates.items():
        assert abs(result.rates[name] / value - 1) < 0.05


def _lattice_gas_fixed_points(h, coupling, z):
    """Every cavity fixed point of the one-species lattice gas, by bracketing the scalar
    R(u) = u − ln((1 + e^(J + h + (z−1)u)) / (1 + e^(h + (z−1)u))) on a fine grid:
    [(µ, Bethe ln Z per site)] in increasing µ."""
    grid = np.linspace(-30.0, 30.0, 60001)

    def residual(u):
        w = h + (z - 1) * u
        return u - np.logaddexp(0.0, coupling + w) + np.logaddexp(0.0, w)

    values = residual(grid)
    out = []
    for k in np.flatnonzero(np.sign(values[1:]) != np.sign(values[:-1])):
        u = brentq(residual, grid[k], grid[k + 1], xtol=1e-14)
        w = h + (z - 1) * u
        log_zs = np.logaddexp(0.0, h + z * u)
        log_zp = np.logaddexp.reduce([0.0, w, w, coupling + 2 * w])
        out.append((1.0 / (1.0 + np.exp(-(h + z * u))), z / 2 * log_zp - (z - 1) * log_zs))
    return out


def test_several_fixed_points_the_branch_continued_from_zero_coupling_is_kept():
    # cubic lattice gas at J = 1 > J_c = 4 atanh(1/5) and h = −2.91 > −zJ/2: three
    # fixed points; the dense one has the larger ln Z, the dilute one is the branch
    # continued from J = 0 at these fields (the Ising field h + zsJ/2 < 0 for s < 0.97)
    contact = LatticeMotif(["A"], {"death": ["A -> _"], "infection": ["A _ -> A A"]},
                           lattice="cubic")
    lib = compile_motif(contact)
    x = np.array([-2.91, 1.0])
    (dilute, lnz_dilute), (_, lnz_middle), (dense, lnz_dense) = \
        _lattice_gas_fixed_points(x[0], x[1], 6)
    assert lnz_dense > lnz_dilute > lnz_middle
    assert lib.moments(x)[0] == pytest.approx(dilute, abs=1e-10)
    assert lib.log_eigenvalue(x) == pytest.approx(lnz_dilute, abs=1e-10)
    assert dense > 0.9
    # along the pair approximation's trajectory from µ0 = 0.1 (contact3d's held-out
    # start), which crosses the coexistence line h + zJ/2 = 0 at J > J_c, the basis
    # at x(t) = (inverse map of m(t)) is dx/dt, a central difference in time: the
    # kernel returns the trajectory's own branch at every point, before, in and after
    # the three-fixed-point region
    theta = np.array([1.0, 1.0 / 3.0])
    times = np.linspace(0.2, 2.0, 37)
    step = 1e-4
    grid = np.sort(np.concatenate([times - step, times, times + step]))
    grid = np.concatenate([[0.0], grid])
    moments = pair_approximation(contact, theta, [0.1, 0.03], grid).moments[1:]
    x_path = np.array([bethe_parameters(m, 1, 6) for m in moments]).reshape(-1, 3, 2)
    dxdt = (x_path[:, 2] - x_path[:, 0]) / (2 * step)
    field = x_path[:, 1, 0] + 3.0 * x_path[:, 1, 1]
    assert field.min() < 0.0 < field.max()
    assert x_path[:, 1, 1].max() > 4.0 * np.arctanh(0.2)
    assert any(len(_lattice_gas_fixed_points(*x_t, 6)) == 3 for x_t in x_path[:, 1])
    np.testing.assert_allclose(lib.moments(x_path[:, 1]), moments.reshape(-1, 3, 2)[:, 1],
                               rtol=1e-9)
    np.testing.assert_allclose(np.einsum("r,nrl->nl", theta, lib.basis(x_path[:, 1])),
                               dxdt, rtol=1e-5, atol=1e-7)
