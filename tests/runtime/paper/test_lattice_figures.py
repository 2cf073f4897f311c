"""Figures 7 and 8 (runtime/paper/lattice_basis.py), the ``dynboltz reproduce fig7|fig8`` entries.

The figure data is checked against independent values: the numpy reference
closure (runtime/lattice/chain/reference.py) at sample points, the product-measure
limits at J = 0 (death: F̃_h = −(1 + e^h), F̃_J = 0; creation and diffusion:
F̃_J = 0) and the uniform chain at the origin of Fig. 8 (four equally likely
site states: µ_A = 1/4, ∆_AC = 2/16).
"""
import numpy as np
import pytest

from dynboltz.runtime.paper import lattice_basis as lattice_figures
from dynboltz.runtime.paper.targets import FIGURES
from dynboltz.runtime.paper.lattice_basis import (symmetric_log_scale,
                                              single_species_basis_maps, trivalent_slices)
from dynboltz.runtime.lattice.chain.reference import LatticeReference
from dynboltz.symbolic.lattice.motif import LatticeMotif

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_fig7_data_matches_reference_and_product_measure_limit():
    axis, maps = single_species_basis_maps(limit=4.0, n_points=9)
    assert np.array_equal(axis, np.linspace(-4, 4, 9))
    zero_j = 4
    for name, values in maps.items():
        assert values.shape == (2, 9, 9) and np.all(np.isfinite(values))
        reference = LatticeReference.from_motif(LatticeMotif.builtin(name.removesuffix("_A")))
        for i, j in ((0, 0), (3, 7), (8, 2)):
            expected = reference.basis([axis[i], axis[j]])[0]
            np.testing.assert_allclose(values[:, j, i], expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(maps["death_A"][0, zero_j], -(1 + np.exp(axis)), rtol=1e-12)
    for name in ("death_A", "creation_A", "diffusion_A"):
        np.testing.assert_allclose(maps[name][1, zero_j], 0.0, atol=1e-12)


def test_fig8_data_matches_reference_and_uniform_chain():
    axis, panels = trivalent_slices(limit=2.0, n_points=5)
    reference = LatticeReference.from_motif(LatticeMotif.builtin("bind"))
    for i, j in ((0, 4), (1, 1), (4, 3)):
        x = np.zeros(9)
        x[0], x[5] = axis[i], axis[j]
        basis, moments = reference.basis(x)[0], reference.moments(x)
        np.testing.assert_allclose([panels["F_hA"][j, i], panels["F_JAC"][j, i]],
                                   [basis[0], basis[5]], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose([panels["mu_A"][j, i], panels["Delta_AC"][j, i]],
                                   [moments[0], moments[5]], rtol=1e-12)
    assert panels["mu_A"][2, 2] == pytest.approx(0.25, rel=1e-14)
    assert panels["Delta_AC"][2, 2] == pytest.approx(0.125, rel=1e-14)
    assert np.all((panels["mu_A"] > 0) & (panels["mu_A"] < 1))
    assert np.all((panels["Delta_AC"] > 0) & (panels["Delta_AC"] < 2 * panels["mu_A"]))


def test_fig7_scale_is_per_panel_symmetric_and_logarithmic_beyond_small_values():
    from matplotlib.colors import SymLogNorm

    rng = np.random.default_rng(0)
    values = rng.choice([-1.0, 1.0], 2000) * 10.0 ** rng.uniform(-6, 2, 2000)
    values[:3] = (0.0, 1e-2, 3.0)
    linear_width, limit = symmetric_log_scale(values)
    assert limit == np.abs(values).max()
    nonzero = np.abs(values[values != 0])
    assert abs(np.mean(nonzero < linear_width) - 0.05) < 1e-3
    norm = SymLogNorm(linear_width, vmin=-limit, vmax=limit, base=10)
    shown = norm(np.sort(values))
    assert np.all(np.diff(shown) >= 0) and norm(0.0) == 0.5
    assert norm(-limit) == 0.0 and norm(limit) == 1.0
    # decades apart get visibly different colours: 0.01 and 3 are not squashed together
    assert norm(3.0) - norm(1e-2) > 0.1
    assert symmetric_log_scale(np.zeros(3)) == (1.0, 1.0)
    # another panel of the same shape a million times smaller gets the same picture
    small_width, small_limit = symmetric_log_scale(values * 1e-6)
    assert (small_width, small_limit) == pytest.approx((linear_width * 1e-6, limit * 1e-6))


@pytest.mark.parametrize("figure, colour_bars", [("fig7", 12), ("fig8", 4)])
def test_figures_write_only_their_png_with_every_colour_bar_labelled(tmp_path, monkeypatch,
                                                                     figure, colour_bars):
    labels = []
    original = lattice_figures.save_png

    def record(fig, path, dpi=120):
        labels.extend(ax.get_ylabel() for ax in fig.axes if ax.get_label() == "<colorbar>")
        return original(fig, path, dpi)

    monkeypatch.setattr(lattice_figures, "save_png", record)
    path = FIGURES[figure](tmp_path / "out", seed=0)
    assert len(labels) == colour_bars and all(labels)
    assert path == tmp_path / "out" / f"{figure}.png"
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 10_000
    assert [p.name for p in path.parent.iterdir()] == [f"{figure}.png"]
    # a figure for a slide, not a strip: width and height within a factor 1.5
    width, height = (int.from_bytes(data[k:k + 4], "big") for k in (16, 20))
    assert 1 / 1.5 < width / height < 1.5


def test_grid_arguments_are_validated():
    with pytest.raises(ValueError, match="`n_points` of `trivalent_slices`"):
        trivalent_slices(n_points=1)
    with pytest.raises(ValueError, match="`limit` of `single_species_basis_maps`"):
        single_species_basis_maps(limit=-1.0)
