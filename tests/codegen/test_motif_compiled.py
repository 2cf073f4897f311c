"""Compiled lattice-motif modules (codegen/motif.py) against independent routes.

Three tiers: text of the emitted module (no compiler); the plain tables the
generator reads (the inverse Ising map recovers x from the chain's
probabilities; the extended rate table contains the moment one); compiled
modules of custom motifs (3-site windows, 1–4 species, built into a temporary
DYNBOLTZ_CACHE) against the numpy reference (independent implementation:
numpy eigh, einsum, Richardson differences for the Jacobian) and against
mpmath at 120 digits far from the origin.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

from dynboltz.codegen.build import cache_key
from dynboltz.codegen import compile_motif
from dynboltz.codegen.motif import KERNEL_FILE, emit_motif
from dynboltz.runtime.lattice.chain.reference import LatticeReference
from dynboltz.chain_inverse_map import inverse_ising_map
from dynboltz.lattice_layout import bond_pairs, statistic_types
from dynboltz.symbolic.lattice.motif import LatticeMotif
from lattice_truth import (CUSTOM_MOTIFS, assert_matches_reference, check_against_mpmath,
                           far_points, motif_by_name, relative)

DEFAULT_MOTIFS = ["two_species", "four_species"]
SLOW_MOTIFS = ["fill_hop", "three_species"]


# ---------------------------------------------------------------- text and tables

def test_emitted_text_is_deterministic_across_hash_seeds():
    script = ("from dynboltz.codegen.motif import emit_motif;"
              "from dynboltz.symbolic.lattice.motif import LatticeMotif;"
              "import sys; sys.stdout.write(emit_motif(LatticeMotif.builtin('trivalent'))"
              "['motif.pyx'])")
    texts = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True, env=dict(os.environ, PYTHONHASHSEED=seed)).stdout
             for seed in ("1", "2")}
    assert len(texts) == 1
    assert texts.pop() == emit_motif(motif_by_name("trivalent"))["motif.pyx"]


def test_header_names_hashes_and_command():
    motif = motif_by_name("barw")
    source = emit_motif(motif, name="barw_module", regenerate="make lattice")["barw_module.pyx"]
    header = source.split("# cython:")[0]
    assert "# Regenerate with: make lattice" in header
    assert f"# Motif sha256: {motif.motif_hash}" in header
    assert "Symbolic input sha256" in header and "generator" in header


def test_motifs_differ_only_in_tables_and_share_one_kernel():
    # Everything motif-independent lives in the included kernel; each module
    # holds sizes, tables and names, and includes the kernel after them.
    emitted = [emit_motif(motif_by_name(name), name=f"m_{name}")
               for name in ("barw", "sep", "four_species")]
    kernels = {sources[KERNEL_FILE] for sources in emitted}
    assert len(kernels) == 1 and all(len(sources) == 2 for sources in emitted)
    kernel = kernels.pop()
    assert "cdef void _basis_and_jacobian_point(" in kernel and "_N = " not in kernel
    for sources in emitted:
        module = next(text for name, text in sources.items() if name.endswith(".pyx"))
        assert "cdef void" not in module and "def basis(" not in module
        include = module.index(f'include "{KERNEL_FILE}"')
        assert max(module.index("_NK = "), module.index("_CODES[")) < include


def test_runtime_cache_key_covers_the_kernel():
    sources = emit_motif(motif_by_name("barw"))
    edited = dict(sources, **{KERNEL_FILE: sources[KERNEL_FILE] + "\n# edited\n"})
    assert cache_key(sources, "motif") != cache_key(edited, "motif")


def test_motif_hash_tracks_rules_and_weights():
    species, processes = CUSTOM_MOTIFS["two_species"]
    reweighted = dict(processes, grow=["A _ B -> A A B", "0.25: B _ A -> B B A"])
    renamed = {("grow2" if k == "grow" else k): v for k, v in processes.items()}
    base = LatticeMotif(species, processes).motif_hash
    assert base == motif_by_name("two_species").motif_hash
    assert base != LatticeMotif(species, reweighted).motif_hash
    assert base != LatticeMotif(species, renamed).motif_hash


def test_emit_and_compile_reject_bad_input():
    with pytest.raises(TypeError, match="`motif` of `emit_motif` must be `a LatticeMotif"):
        emit_motif("barw")
    with pytest.raises(TypeError, match="`motif` of `compile_motif` must be `a LatticeMotif"):
        compile_motif(None)
    with pytest.raises(ValueError, match="`name` of `emit_motif`"):
        emit_motif(motif_by_name("barw"), name="9lives")
    with pytest.raises(ValueError, match="`regenerate` of `emit_motif`"):
        emit_motif(motif_by_name("barw"), regenerate="a\nb")


def _chain_probabilities(n_species, x):
    """p_t of every site and unordered bond type (empty included), by numpy eigh."""
    h = np.concatenate([[0.0], x[:n_species]])
    log_t = (h[:, None] + h[None, :]) / 2
    for k, (a, b) in enumerate(bond_pairs(n_species)):
        log_t[a, b] = log_t[b, a] = log_t[a, b] + x[n_species + k]
    values, vectors = np.linalg.eigh(np.exp(log_t))
    u, lam = np.abs(vectors[:, -1]), values[-1]
    pair = u[:, None] * np.exp(log_t) * u[None, :] / lam
    return np.array([u[t[0]] ** 2 if len(t) == 1 else
                     pair[t] * (1 if t[0] == t[1] else 2)
                     for t in statistic_types(n_species, with_empty=True)])


@pytest.mark.parametrize("n_species", [1, 2, 3, 4])
def test_inverse_ising_map_recovers_parameters(n_species):
    # x = M ln p + const (the 1D inverse Ising problem in closed form; the
    # constant is ln 2 factors of unordered bonds): differences of x between
    # two points follow from the chain's probabilities alone.  An independent
    # check of the integer map the basis is built on.
    size = n_species + n_species * (n_species + 1) // 2
    x1, x2 = np.random.default_rng(n_species).uniform(-4, 4, (2, size))
    log_p = np.log(_chain_probabilities(n_species, x1)) - \
        np.log(_chain_probabilities(n_species, x2))
    np.testing.assert_allclose(np.array(inverse_ising_map(n_species)) @ log_p, x1 - x2,
                               atol=1e-12)


@pytest.mark.parametrize("name", ["two_species", "sep"])
def test_extended_rate_table_contains_spec_rates(name):
    motif = motif_by_name(name)
    types = statistic_types(motif.n_species, with_empty=True)
    spec = statistic_types(motif.n_species)
    for narrow, wide in zip(motif.moment_table(), motif.moment_table(with_empty=True)):
        kept = {(spec.index(types[i]), c, cl) for i, c, cl in wide if types[i] in spec}
        assert kept == set(narrow)


# ---------------------------------------------------------------- compiled vs reference

@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """Compile on demand into a private cache; one build per motif per module."""
    cache = tmp_path_factory.mktemp("motif_cache")
    built = {}

    def get(name):
        if name not in built:
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("DYNBOLTZ_CACHE", str(cache))
                built[name] = compile_motif(motif_by_name(name))
        return built[name]
    return get


def _check_custom(compiled, name, n_points):
    motif = motif_by_name(name)
    lib = compiled(name)
    assert lib.param_names == motif.param_names
    assert lib.process_names == motif.process_names
    assert lib.species == motif.species
    xs = np.random.default_rng(len(name)).uniform(-10, 10, (n_points, motif.n_params))
    assert_matches_reference(lib, LatticeReference.from_motif(motif), xs)


@pytest.mark.parametrize("name", DEFAULT_MOTIFS)
def test_custom_motif_matches_reference(compiled, name):
    _check_custom(compiled, name, 6)


@pytest.mark.slow
@pytest.mark.parametrize("name", SLOW_MOTIFS + DEFAULT_MOTIFS)
def test_custom_motif_matches_reference_many_points(compiled, name):
    _check_custom(compiled, name, 40)


def test_batches_equal_single_points_and_accept_any_layout(compiled):
    lib = compiled("two_species")
    xs = np.random.default_rng(7).uniform(-5, 5, (4, 2 * lib.n_params))[:, ::2]
    assert not xs.flags.c_contiguous
    for method, shape in (("moments", (5,)), ("hessian", (5, 5)), ("basis", (3, 5)),
                          ("basis_jacobian", (3, 5, 5))):
        batch = getattr(lib, method)(xs)
        assert batch.shape == (4,) + shape
        for k in range(4):
            np.testing.assert_array_equal(batch[k], getattr(lib, method)(list(xs[k])))
    assert lib.basis(np.zeros((0, 5))).shape == (0, 3, 5)


def test_compiled_rejects_bad_points(compiled):
    lib = compiled("two_species")
    with pytest.raises(ValueError, match=r"`x` of `motif.basis` must be `an array of shape \(5,\) or \(n, 5\)`; got `shape \(3,\)`"):
        lib.basis(np.zeros(3))
    with pytest.raises(ValueError, match=r"must be `an array of shape .*`; got `shape \(2, 2, 5\)`"):
        lib.moments(np.zeros((2, 2, 5)))
    with pytest.raises(ValueError, match=r"`x` of `motif.hessian` must be `finite`; got `array\(\[ *0\., +inf,"):
        lib.hessian(np.array([[0.0] * 5, [0.0, np.inf, 0, 0, 0]]))


def test_rule_table_and_hash_round_trip(compiled):
    motif = motif_by_name("two_species")
    lib = compiled("two_species")
    assert lib.motif_hash == motif.motif_hash
    for ours, theirs in zip(lib.rule_table(), motif.rule_table()):
        for (l1, r1, w1), (l2, r2, w2) in zip(ours, theirs, strict=True):
            assert l1.dtype == l2.dtype and np.array_equal(l1, l2)
            assert np.array_equal(r1, r2) and w1 == w2


def test_jacobian_matches_finite_differences_of_compiled_basis(compiled):
    # Richardson central differences of the compiled basis itself: checks the
    # forward-mode tangent against the function it differentiates.
    lib = compiled("four_species")
    x = np.random.default_rng(11).uniform(-3, 3, lib.n_params)
    step = 1e-3
    columns = []
    for e in np.eye(lib.n_params):
        wide = (lib.basis(x + step * e) - lib.basis(x - step * e)) / (2 * step)
        narrow = (lib.basis(x + step / 2 * e) - lib.basis(x - step / 2 * e)) / step
        columns.append((4 * narrow - wide) / 3)
    fd = np.stack(columns, axis=-1)
    assert relative(lib.basis_jacobian(x), fd) < 1e-8


# ---------------------------------------------------------------- mpmath far from origin

def test_two_species_matches_mpmath_far_from_origin(compiled):
    motif = motif_by_name("two_species")
    check_against_mpmath(compiled("two_species"), motif, far_points(motif, 1, seed=4))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["four_species", "three_species"])
def test_several_species_match_mpmath_far_from_origin(compiled, name):
    motif = motif_by_name(name)
    check_against_mpmath(compiled(name), motif, far_points(motif, 2, seed=5))
