"""The paper's discrete-time scheme (runtime/lattice/chain/paper_scheme.py).

Independent routes: hand-computed one-step probabilities of the hop phase, the
random-walk variance of a lone particle, and the analytic creation/death relaxation
(unimolecular phase; exclusion hops leave a product measure invariant).
"""
import numpy as np
import pytest

from dynboltz.runtime.lattice import simulate
from dynboltz.runtime.lattice.chain.paper_scheme import classify_processes
from dynboltz.symbolic.lattice.motif import LatticeMotif


def _fraction_and_se(hits):
    p = hits.mean()
    return p, np.sqrt(p * (1 - p) / hits.size)


@pytest.mark.parametrize("name, rates, pair, p", [
    ("barw", {"branching": 0.0, "annihilation": 0.3, "diffusion": 1.0}, (1, 1), 0.3),
    ("sep", {"bind": 0.4, "unbind": 0.0, "catalysis": 0.0, "diffusion_S": 1.0,
             "diffusion_E": 1.0, "diffusion_C": 1.0, "diffusion_P": 1.0}, (1, 2), 0.4),
])
def test_adjacent_pair_reacts_with_hand_computed_probability(name, rates, pair, p):
    # Two neighbours on a ring, one step: the first to act hits the other with
    # probability ½ (reaction p); if it bounced, the second hits it with ½ p; if it
    # moved away the second moves into the gap. P = p/2 + (1 − p) p/4.
    motif = LatticeMotif.builtin(name)
    start = np.zeros(50, dtype=np.int8)
    start[10:12] = pair
    ens = simulate(motif, rates, N=50, times=[0.0, 0.01], initial=start,
                   replicates=6000, seed=1, workers=1, scheme="paper")
    reacted = ens.moments[:, 1, 0] < ens.moments[:, 0, 0]
    fraction, se = _fraction_and_se(reacted)
    assert abs(fraction - (p / 2 + (1 - p) * p / 4)) <= 3 * se


@pytest.mark.parametrize("boundary, expected", [("open", 0.75), ("periodic", 0.5)])
def test_edge_particle_only_sees_its_neighbour(boundary, expected):
    # A A at sites 0, 1, pa = 1. Open: the edge particle must hop onto its partner
    # (P = ½ + ¼); periodic: it hops towards site N − 1 half the time (P = ½).
    motif = LatticeMotif.builtin("barw")
    start = np.zeros(6, dtype=np.int8)
    start[:2] = 1
    ens = simulate(motif, {"branching": 0.0, "annihilation": 1.0, "diffusion": 1.0}, N=6,
                   times=[0.0, 0.01], initial=start, replicates=4000, seed=2, workers=1,
                   scheme="paper", scheme_options={"boundary": boundary})
    fraction, se = _fraction_and_se(ens.moments[:, 1, 0] == 0)
    assert abs(fraction - expected) <= 3 * se


def test_lone_edge_particle_never_collides_with_itself():
    motif = LatticeMotif.builtin("barw")
    start = np.array([1, 0, 0, 0], dtype=np.int8)
    ens = simulate(motif, {"branching": 0.0, "annihilation": 1.0, "diffusion": 1.0}, N=4,
                   times=[0.01, 0.02], initial=start, replicates=50, seed=3, workers=1,
                   scheme="paper", scheme_options={"boundary": "open"}, snapshots=True)
    assert np.all(ens.snapshots[:, 0] == [0, 1, 0, 0])
    assert np.all(ens.snapshots.sum(axis=2) == 1)


def test_lone_particle_performs_lazy_random_walk():
    # hop probability q per step: displacement variance after n steps is n q
    motif = LatticeMotif.builtin("diffusion")
    start = np.zeros(400, dtype=np.int8)
    start[200] = 1
    q, n, replicates = 0.6, 50, 2000
    ens = simulate(motif, {"diffusion": q}, N=400, times=[n * 0.01], initial=start,
                   replicates=replicates, seed=4, workers=1, scheme="paper",
                   snapshots=True)
    displacement = np.argmax(ens.snapshots[:, 0], axis=1) - 200
    squares = displacement.astype(float) ** 2
    se = squares.std(ddof=1) / np.sqrt(replicates)
    assert abs(squares.mean() - n * q) <= 3 * se
    assert abs(displacement.mean()) <= 3 * displacement.std(ddof=1) / np.sqrt(replicates)


def test_unimolecular_phase_relaxes_like_the_master_equation():
    motif = LatticeMotif(["A"], {"creation": ["_ -> A"], "death": ["A -> _"],
                                 "diffusion": ["A _ -> _ A", "_ A -> A _"]})
    k_plus, k_minus = 2.0, 1.0
    times = np.array([0.2, 0.5, 3.0])
    ens = simulate(motif, {"creation": k_plus, "death": k_minus, "diffusion": 1.0},
                   N=5000, times=times, initial=np.zeros(5000, dtype=np.int8),
                   replicates=20, seed=6, workers=1, scheme="paper")
    mu = k_plus / (k_plus + k_minus) * (1 - np.exp(-(k_plus + k_minus) * times))
    expected = np.stack([mu, mu ** 2], axis=1)
    se = ens.moments.std(axis=0, ddof=1) / np.sqrt(20)
    assert np.all(np.abs(ens.moments.mean(axis=0) - expected) <= 3 * se)


def test_paper_experiments_classify_and_run():
    barw = LatticeMotif.builtin("barw")
    assert classify_processes(barw.rule_table(), barw.process_names) == {
        "branching": "unimolecular", "annihilation": "bimolecular",
        "diffusion": "diffusion"}
    sep = LatticeMotif.builtin("sep")
    rates = {"bind": 0.1, "unbind": 0.1, "catalysis": 0.5, "diffusion_S": 1.0,
             "diffusion_E": 1.0, "diffusion_C": 1.0, "diffusion_P": 1.0}
    x0 = np.array([0.5, 1.0, -1.0, -1.0] + [0.0] * 10)
    ens = simulate(sep, rates, N=100, times=np.linspace(0, 2, 201), initial=x0,
                   replicates=4, seed=0, workers=1, scheme="paper")
    mu = ens.moments[:, :, :4]
    assert np.all(np.diff(mu[:, :, 3], axis=1) >= 0)  # product P is never consumed
    assert np.all(mu[:, -1, 3] > 0)


@pytest.mark.parametrize("rates, times, message", [
    ({"branching": 10.0, "annihilation": 1.5, "diffusion": 1.0}, [0.0, 0.01],
     "rates\\['annihilation'\\]"),
    ({"branching": 10.0, "annihilation": 0.1, "diffusion": 1.0}, [0.0, 0.015],
     "integer multiples of dt"),
])
def test_paper_scheme_rejects_bad_parameters(rates, times, message):
    with pytest.raises(ValueError, match=message):
        simulate(LatticeMotif.builtin("barw"), rates, N=10, times=times,
                 initial=np.zeros(10, dtype=np.int8), scheme="paper")


def test_paper_scheme_rejects_three_site_reactions():
    motif = LatticeMotif(["A"], {"fill": ["A _ A -> A A A"]})
    with pytest.raises(ValueError, match="process 'fill'"):
        simulate(motif, {"fill": 1.0}, N=10, times=[0.0],
                 initial=np.zeros(10, dtype=np.int8), scheme="paper")
