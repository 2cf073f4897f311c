"""The shared Boltzmann-chain maths (runtime/lattice/chain/boltzmann_chain.py) against independent routes.

Routes: the symbolic layer (parameter count), the compiled libraries (ln λ₊ and moments from their own kernels), and a
plain dense eigen-solve of the unscaled transfer matrix.
"""
import numpy as np
import pytest

from dynboltz.generated import library
from dynboltz.runtime.lattice.chain.boltzmann_chain import (BoltzmannChain, inverse_ising_map, n_params,
                                              pair_probabilities,
                                              parameters_from_probabilities, perron_vector)
from dynboltz.lattice_layout import bond_pairs, parameter_names
from dynboltz.symbolic.lattice.motif import LatticeMotif

_LIBRARIES = {1: library.barw, 3: library.trivalent, 4: library.sep}


@pytest.mark.parametrize("n_species", [1, 2, 3, 4, 5])
def test_n_params_counts_the_symbolic_parameter_names(n_species):
    species = [f"S{k}" for k in range(n_species)]
    assert n_params(n_species) == len(parameter_names(species))
    motif = LatticeMotif(species, {"hop": [f"{species[0]} _ -> _ {species[0]}"]})
    assert n_params(n_species) == motif.n_params


@pytest.mark.parametrize("n_species", sorted(_LIBRARIES))
def test_closed_form_inverts_the_compiled_moments(n_species):
    lib = _LIBRARIES[n_species]
    for x in np.random.default_rng(n_species).uniform(-2.0, 2.0, (10, lib.n_params)):
        recovered = parameters_from_probabilities(*pair_probabilities(lib.moments(x),
                                                                      n_species))
        np.testing.assert_allclose(recovered, x, rtol=0, atol=1e-9)


@pytest.mark.parametrize("n_species", sorted(_LIBRARIES))
def test_chain_matches_compiled_library_and_dense_eigensolve(n_species):
    lib = _LIBRARIES[n_species]
    for x in np.random.default_rng(10 + n_species).uniform(-3.0, 3.0, (10, lib.n_params)):
        chain = BoltzmannChain(x, n_species)
        np.testing.assert_allclose(chain.log_eigenvalue, lib.log_eigenvalue(x), rtol=1e-13)
        # unscaled T and a general (non-symmetric) eigen-solver
        h = np.concatenate([[0.0], x[:n_species]])
        j = np.zeros((n_species + 1,) * 2)
        for k, (a, b) in enumerate(bond_pairs(n_species)):
            j[a, b] = j[b, a] = x[n_species + k]
        dense = np.exp(0.5 * (h[:, None] + h[None, :]) + j)
        np.testing.assert_allclose(chain.log_eigenvalue,
                                   np.log(np.linalg.eigvals(dense).real.max()), rtol=1e-12)
        # site and pair laws reproduce the library's moments (pair_probabilities forms
        # the empty-site entries by subtracting O(1) numbers: absolute error ~ 10 eps)
        site, pair = pair_probabilities(lib.moments(x), n_species)
        np.testing.assert_allclose(chain.u ** 2, site, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(chain.pair, pair, rtol=1e-10, atol=1e-14)


def test_perron_vector_is_the_positive_unit_eigenvector():
    t = BoltzmannChain(np.array([8.0, -3.0, 1.0, 0.5, -20.0]), 2).t
    u, eigenvalues, _ = perron_vector(t)
    assert np.all(u > 0) and np.isclose(u @ u, 1.0)
    np.testing.assert_allclose(t @ u, eigenvalues[-1] * u, rtol=1e-13)


def test_log_transfer_matrix_from_the_bond_statistics_is_eq_50_written_out():
    # ln T(a, b) = (h_a + h_b)/2 + J_ab entry by entry, h_0 = J_0. = 0
    from dynboltz.lattice_layout import bond_pairs
    from dynboltz.runtime.lattice.chain.boltzmann_chain import log_transfer_matrix

    n_species = 3
    x = np.random.default_rng(2).normal(size=9)
    h = [0.0] + list(x[:n_species])
    J = np.zeros((n_species + 1, n_species + 1))
    for k, (a, b) in enumerate(bond_pairs(n_species)):
        J[a, b] = J[b, a] = x[n_species + k]
    expected = [[(h[a] + h[b]) / 2 + J[a, b] for b in range(4)] for a in range(4)]
    np.testing.assert_allclose(log_transfer_matrix(x, n_species), expected, rtol=1e-15)
