"""Square and cubic motifs through the public entry points: LatticeMotif, TOML,
simulate, sample, compile_motif and the dynboltz simulate command."""
import numpy as np
import pytest

from dynboltz.codegen import compile_motif
from dynboltz.runtime.cli.main import main
from dynboltz.runtime.common.ensemble import load_ensemble
from dynboltz.runtime.lattice import sample, simulate
from dynboltz.runtime.lattice.bonds.geometry import SQUARE
from dynboltz.symbolic import LatticeMotif
from dynboltz.symbolic.lattice.bond_moments import bond_moment_equation_vector

CONTACT_TOML = """species = ["A"]
lattice = "square"

[processes]
death = ["A -> _"]
infection = ["A _ -> A A"]
"""


def test_motif_lattice_validated_and_hashed():
    square = LatticeMotif.builtin("barw", lattice="square")
    assert square.geometry == "square" and "lattice='square'" in repr(square)
    assert [r.text for r in square.processes[0].rules] == ["A _ -> A A"]
    ring = LatticeMotif.builtin("barw")
    assert ring.geometry == "chain" and square.motif_hash != ring.motif_hash
    assert LatticeMotif.builtin("barw", lattice="cubic").motif_hash != square.motif_hash
    with pytest.raises(ValueError, match="at most 2 sites wide on the 'square' lattice"):
        LatticeMotif(["A"], {"fill": ["A _ A -> A A A"]}, lattice="square")
    with pytest.raises(ValueError, match="a lattice among"):
        LatticeMotif(["A"], {"hop": ["A _ -> _ A"]}, lattice="hexagonal")
    with pytest.raises(ValueError, match="a closure of the 'square' lattice"):
        compile_motif(square, closure="chain")


def test_moment_equations_follow_the_lattice():
    cubic = LatticeMotif.builtin("trivalent", lattice="cubic")
    equations = cubic.moment_equations()
    for process in cubic.processes:
        assert equations[process.name] == bond_moment_equation_vector(process, 3, 6)


def test_toml_lattice_key(tmp_path):
    path = tmp_path / "contact.toml"
    path.write_text(CONTACT_TOML)
    motif = LatticeMotif.from_toml(path)
    assert motif.geometry == "square" and motif.process_names == ("death", "infection")
    path.write_text(CONTACT_TOML.replace("lattice", "grid"))
    with pytest.raises(ValueError, match="only 'species', 'lattice' and"):
        LatticeMotif.from_toml(path)


def test_simulate_and_sample_on_square_and_cubic():
    motif = LatticeMotif.builtin("barw", lattice="square")
    rates = {"branching": 1.0, "annihilation": 0.5, "diffusion": 2.0}
    runs = [simulate(motif, rates, N=(24, 20), times=[0.0, 0.5, 1.0],
                     initial=np.array([-0.3, 0.2]), replicates=3, seed=4, workers=workers,
                     snapshots=True) for workers in (1, 2)]
    np.testing.assert_array_equal(runs[0].moments, runs[1].moments)  # pool-independent
    assert runs[0].moments.shape == (3, 3, 2)
    np.testing.assert_allclose(SQUARE.statistics(runs[0].snapshots, 1), runs[0].moments)
    with pytest.raises(ValueError, match="`N` of `simulate`"):
        simulate(motif, rates, N=100, times=[0.0, 1.0], initial=np.array([0.0, 0.0]))
    cubic = LatticeMotif.builtin("death", lattice="cubic")
    ensemble = simulate(cubic, {"death": 1.0}, N=(6, 6, 6), times=[0.0, 1.0],
                        initial=np.ones((6, 6, 6), dtype=np.int8), replicates=2, seed=0,
                        workers=1)
    assert ensemble.moments[:, 0].tolist() == [[1.0, 3.0], [1.0, 3.0]]
    assert sample(motif, [0.1, 0.2], N=(8, 8), n=3, seed=1).shape == (3, 8, 8)
    assert sample(motif, [-0.8, 0.4], N=(8, 8), n=3, seed=1, method="wolff").dtype == np.int8
    assert sample(cubic, [0.1, 0.2], N=(4, 4, 4), n=2, seed=1).shape == (2, 4, 4, 4)


def test_command_line_simulates_a_square_motif(tmp_path, capsys):
    path = tmp_path / "contact.toml"
    path.write_text(CONTACT_TOML)
    out = tmp_path / "ens.npz"
    main(["simulate", str(path), "--rates", "death=1,infection=0.6", "--N", "16x12",
          "--times", "0:1:3", "--replicates", "2", "--initial", "h_A=1", "--out", str(out),
          "--workers", "1"])
    assert "(N = 16x12, exact scheme)" in capsys.readouterr().out
    ensemble = load_ensemble(out)
    assert ensemble.moments.shape == (2, 3, 2)
    assert ensemble.metadata["geometry"] == "square"
