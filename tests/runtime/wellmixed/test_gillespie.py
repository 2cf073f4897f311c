"""Well-mixed Gillespie SSA (`dynboltz.runtime.wellmixed.ssa.simulate`) against independent
routes: closed-form moments, the chemical master equation solved by a matrix
exponential, exact Poisson laws and the reference definitions of the RNG."""
import math

import numpy as np
import pytest
from scipy.linalg import expm

from dynboltz.runtime.wellmixed import _gillespie
from dynboltz.runtime.wellmixed import simulate
from dynboltz.symbolic import WellMixed

BIRTH_DEATH = {"birth": "A -> A + A", "death": "A -> 0"}


def _galton_watson_moments(kb, kd, n0, t):
    """Mean and variance of the linear birth-death process from n0.

    phi1 = <n> obeys phi1' = (kb - kd) phi1; phi2 = <n(n-1)> obeys
    phi2' = 2 (kb - kd) phi2 + 2 kb phi1. Solving and Var = phi2 + phi1 - phi1^2 gives
    n0 (kb + kd)/(kb - kd) e^{lt} (e^{lt} - 1), l = kb - kd; the l -> 0 limit is
    2 kb n0 t.
    """
    growth = kb - kd
    mean = n0 * np.exp(growth * t)
    if growth == 0:
        return mean, 2 * kb * n0 * t
    return mean, n0 * (kb + kd) / growth * np.exp(growth * t) * np.expm1(growth * t)


def _mean_variance_with_errors(samples):
    """Sample mean and variance with their standard errors (the variance's from the
    sample fourth central moment: Var(s^2) = (m4 - s^4 (n-3)/(n-1)) / n)."""
    n = samples.shape[0]
    mean = samples.mean(axis=0)
    variance = samples.var(axis=0, ddof=1)
    m4 = ((samples - mean) ** 4).mean(axis=0)
    se_variance = np.sqrt(np.maximum(m4 - variance ** 2 * (n - 3) / (n - 1), 0) / n)
    return mean, np.sqrt(variance / n), variance, se_variance


def _cme_distribution(reactions, rates, initial, t):
    """Exact distribution at time t of the CME on the states reachable from `initial`
    (finite by construction of the test nets), by scipy's matrix exponential.

    reactions: list of (reactant counts, product counts) tuples over the species;
    propensity k * prod_s n_s! / (n_s - r_s)! written out here, not taken from dynboltz.
    """
    states, index, frontier = [tuple(initial)], {tuple(initial): 0}, [tuple(initial)]
    transitions = []
    while frontier:
        state = frontier.pop()
        for (reactants, products), rate in zip(reactions, rates):
            propensity = rate * math.prod(math.perm(n, r) for n, r in zip(state, reactants))
            if propensity == 0:
                continue
            target = tuple(n - r + q for n, r, q in zip(state, reactants, products))
            if target not in index:
                index[target] = len(states)
                states.append(target)
                frontier.append(target)
            transitions.append((index[state], index[target], propensity))
    generator = np.zeros((len(states), len(states)))
    for source, target, propensity in transitions:
        generator[target, source] += propensity
        generator[source, source] -= propensity
    start = np.zeros(len(states))
    start[0] = 1.0
    return np.array(states), expm(generator * t) @ start


@pytest.mark.parametrize("kb, kd, n0, seed", [(1.0, 1.5, 20, 11), (1.0, 1.0, 10, 12),
                                              (1.2, 0.4, 5, 13)])
def test_galton_watson_mean_and_variance(kb, kd, n0, seed):
    times = np.array([0.0, 0.25, 0.5, 1.0, 2.0])
    counts = simulate(WellMixed(BIRTH_DEATH), {"birth": kb, "death": kd}, [n0], times,
                      replicates=20000, seed=seed).counts[:, :, 0].astype(float)
    mean, se_mean, variance, se_variance = _mean_variance_with_errors(counts[:, 1:])
    exact_mean, exact_variance = _galton_watson_moments(kb, kd, n0, times[1:])
    np.testing.assert_array_equal(counts[:, 0], n0)
    assert np.all(np.abs(mean - exact_mean) < 3 * se_mean), (mean, exact_mean, se_mean)
    assert np.all(np.abs(variance - exact_variance) < 3 * se_variance), \
        (variance, exact_variance, se_variance)


def test_galton_watson_formula_matches_master_equation():
    # the closed form used above, checked once against the truncated CME (subcritical,
    # so states above 300 carry negligible probability at t = 1)
    n_max, kb, kd, n0, t = 300, 1.0, 1.5, 10, 1.0
    n = np.arange(n_max + 1)
    generator = np.zeros((n_max + 1, n_max + 1))
    generator[n[1:], n[:-1]] = kb * n[:-1]
    generator[n[:-1], n[1:]] += kd * n[1:]
    generator[n, n] = -(kb + kd) * n
    generator[n_max, n_max] = -kd * n_max  # no births out of the truncated space
    p = expm(generator * t)[:, n0]
    mean, variance = _galton_watson_moments(kb, kd, n0, t)
    assert abs(p.sum() - 1) < 1e-12
    assert abs(p @ n - mean) < 1e-9
    assert abs(p @ n ** 2 - (p @ n) ** 2 - variance) < 1e-8


def test_bimolecular_network_matches_master_equation():
    # A + B -> C, C -> A + B, 2 A -> 0: falling factorials of order 1 and 2
    net = WellMixed({"bind": "A + B -> C", "unbind": "C -> A + B", "pair": "A + A -> 0"})
    assert net.species == ("A", "B", "C")
    reactions = [((1, 1, 0), (0, 0, 1)), ((0, 0, 1), (1, 1, 0)), ((2, 0, 0), (0, 0, 0))]
    rates = {"bind": 0.3, "unbind": 1.0, "pair": 0.05}
    initial, t = (12, 6, 1), 0.7
    states, probability = _cme_distribution(reactions, list(rates.values()), initial, t)
    exact_mean = probability @ states
    counts = simulate(net, rates, initial, [t], replicates=40000, seed=21).counts[:, 0, :].astype(float)
    mean, se_mean, _, _ = _mean_variance_with_errors(counts)
    assert np.all(np.abs(mean - exact_mean) < 3 * se_mean), (mean, exact_mean, se_mean)


def test_immigration_death_is_poisson():
    # from 0 the count is exactly Poisson with mean (k_in/k_out)(1 - e^{-k_out t})
    # at all times; at t = 8 it is the stationary Poisson(k_in/k_out) to 3e-4
    k_in, k_out, t = 30.0, 1.0, 8.0
    counts = simulate(WellMixed({"in": "0 -> A", "out": "A -> 0"}),
                      {"in": k_in, "out": k_out}, [0], [t], replicates=20000, seed=31).counts
    mean, se_mean, variance, se_variance = _mean_variance_with_errors(
        counts[:, 0, 0].astype(float))
    exact = k_in / k_out * -np.expm1(-k_out * t)
    assert abs(mean - exact) < 3 * se_mean
    assert abs(variance - exact) < 3 * se_variance
    fraction_20 = np.mean(counts == 20)
    exact_20 = math.exp(-exact) * exact ** 20 / math.factorial(20)
    assert abs(fraction_20 - exact_20) < 3 * math.sqrt(exact_20 * (1 - exact_20) / 20000)


def test_waiting_times_are_exponential_into_the_tail():
    # one A -> 0 event per trajectory: P(still there at t) = e^{-t}; times past 7.7
    # exercise the ziggurat's tail and wedges as well as its fast path
    times = np.array([0.02, 0.1, 0.5, 1.0, 2.0, 4.0, 7.0, 8.0, 9.0])
    n = 400000
    alive = simulate(WellMixed({"death": "A -> 0"}), {"death": 1.0}, [1], times, n,
                     seed=41).counts[:, :, 0].mean(axis=0)
    exact = np.exp(-times)
    assert np.all(np.abs(alive - exact) < 3 * np.sqrt(exact * (1 - exact) / n))


def test_absorbing_state_and_repeated_times():
    times = [0.0, 0.0, 1.0, 50.0, 50.0]
    counts = simulate(WellMixed({"death": "A -> 0"}), {"death": 1.0}, [3], times, 50, 0).counts
    np.testing.assert_array_equal(counts[:, :2, 0], 3)
    np.testing.assert_array_equal(counts[:, 3:, 0], 0)
    assert counts.dtype == np.int64 and counts.shape == (50, 5, 1)
    assert np.all(np.diff(counts[:, :, 0], axis=1) <= 0)


def test_same_seed_same_numbers_and_streams_independent_of_n():
    net, rates = WellMixed(BIRTH_DEATH), {"birth": 1.0, "death": 1.5}
    times = np.linspace(0, 1, 6)
    first = simulate(net, rates, [50], times, replicates=40, seed=5).counts
    np.testing.assert_array_equal(first, simulate(net, rates, [50], times, replicates=40,
                                                  seed=5).counts)
    np.testing.assert_array_equal(first[:7], simulate(net, rates, [50], times, replicates=7,
                                                      seed=5).counts)
    other = simulate(net, rates, [50], times, replicates=40, seed=6).counts
    # Independent streams: two trajectories agree at every time with probability
    # q <= sum_k p_k(t=1)^2, estimated without bias from the pairs of a large run.
    at_one = np.bincount(simulate(net, rates, [50], [1.0], replicates=4000, seed=7).counts[:, 0, 0])
    q = (at_one @ (at_one - 1)) / (4000 * 3999)
    matches = np.sum(np.all(first[:, 1:] == other[:, 1:], axis=(1, 2)))
    assert matches < 40 * q + 4 * math.sqrt(40 * q * (1 - q))
    seq = np.random.SeedSequence(5)
    np.testing.assert_array_equal(first, simulate(net, rates, [50], times, 40, seq).counts)


def test_initial_per_trajectory():
    net, rates = WellMixed(BIRTH_DEATH), {"birth": 1.0, "death": 1.5}
    initial = np.array([[3], [40], [0], [17]])
    counts = simulate(net, rates, initial, [0.0, 0.5], replicates=4, seed=8).counts
    np.testing.assert_array_equal(counts[:, 0, :], initial)
    for i in range(4):  # trajectory i depends only on (seed, i) and its own start
        alone = simulate(net, rates, initial[i], [0.0, 0.5], replicates=i + 1, seed=8).counts
        np.testing.assert_array_equal(alone[i], counts[i])


def _xoshiro256ss(state, n):
    # reference definition (Blackman & Vigna, xoshiro256starstar.c) in Python integers
    mask = (1 << 64) - 1
    s = [int(v) for v in state]

    def rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & mask

    out = []
    for _ in range(n):
        out.append(rotl(s[1] * 5 & mask, 7) * 9 & mask)
        t = s[1] << 17 & mask
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
    return out


def test_xoshiro_matches_reference_definition():
    for state in ([1, 2, 3, 4], list(_gillespie.spawned_states(99, 1)[0])):
        assert list(_gillespie.xoshiro_stream(state, 50)) == _xoshiro256ss(state, 50)


@pytest.mark.parametrize("seed", [0, 12345, 2 ** 70 + 3, [4, 5, 6],
                                  np.random.SeedSequence(7).spawn(2)[1]])
def test_streams_are_numpy_seedsequence_children(seed):
    parent = seed if isinstance(seed, np.random.SeedSequence) \
        else np.random.SeedSequence(seed)
    expected = [child.generate_state(4, np.uint64) for child in parent.spawn(20)]
    np.testing.assert_array_equal(_gillespie.spawned_states(seed, 20), expected)


@pytest.mark.parametrize("change, match", [
    ({"rates": {"birth": 1.0}}, r"`rates` of `simulate` must be `keyed .*missing \['death'\]"),
    ({"rates": {"birth": 1.0, "death": 1.0, "decay": 2.0}}, r"unknown \['decay'\]"),
    ({"rates": {"birth": -1.0, "death": 1.0}}, r"`rates\['birth'\]` of `simulate`"),
    ({"rates": {"birth": float("nan"), "death": 1.0}}, r"must be `a finite real number >= 0"),
    ({"rates": {"birth": float("inf"), "death": 1.0}}, r"must be `a finite real number >= 0"),
    ({"times": [0.0, 2.0, 1.0]}, r"`times` of `simulate` must be `.*sorted"),
    ({"times": [-1.0, 1.0]}, r"`times` of `simulate` must be `.*non-negative"),
    ({"times": [[0.0, 1.0]]}, r"`times` of `simulate` must be `a non-empty 1-D"),
    ({"times": []}, r"`times` of `simulate` must be `a non-empty 1-D"),
    ({"times": [0.0, float("nan")]}, r"`times` of `simulate` must be `finite"),
    ({"initial": [-1]}, r"`initial` of `simulate` must be `non-negative"),
    ({"initial": [1, 2]}, r"`initial` of `simulate` must be `of shape \(1,\) or \(3, 1\)"),
    ({"initial": np.ones((2, 1), dtype=int)}, r"of shape \(1,\) or \(3, 1\)"),
    ({"replicates": 0}, r"`replicates` of `simulate` must be `an integer >= 1"),
    ({"replicates": 2.0}, r"`replicates` of `simulate` must be `an integer >= 1"),
    ({"replicates": True}, r"`replicates` of `simulate` must be `an integer >= 1"),
])
def test_invalid_arguments_are_named(change, match):
    arguments = dict(model=WellMixed(BIRTH_DEATH), rates={"birth": 1.0, "death": 1.0},
                     initial=[5], times=[0.0, 1.0], replicates=3, seed=0)
    arguments.update(change)
    with pytest.raises(ValueError, match=match):
        simulate(**arguments)


@pytest.mark.parametrize("change, match", [
    ({"model": {"birth": "A -> A + A"}}, r"`model` of `simulate` must be `a dynboltz"),
    ({"rates": [1.0, 1.0]}, r"`rates` of `simulate` must be `a mapping"),
    ({"initial": [5.0]}, r"`initial` of `simulate` must be `an array of integer counts"),
])
def test_wrong_types_are_named(change, match):
    arguments = dict(model=WellMixed(BIRTH_DEATH), rates={"birth": 1.0, "death": 1.0},
                     initial=[5], times=[0.0, 1.0], replicates=3, seed=0)
    arguments.update(change)
    with pytest.raises(TypeError, match=match):
        simulate(**arguments)


_INT64_MAX = 2**63 - 1


@pytest.mark.parametrize("initial", [np.array([2**64 - 1], dtype=np.uint64),
                                     np.array([2**63], dtype=np.uint64)])
def test_counts_beyond_int64_are_refused_not_wrapped(initial):
    # 2**64 - 1 as uint64 used to run as -1
    net = WellMixed({"death": "A -> 0"})
    with pytest.raises(ValueError, match=r"^`initial` of `simulate` must be `counts of at "
                       r"most 2\*\*63 - 1"):
        simulate(net, {"death": 1.0}, initial, [0.0, 1.0], 1, seed=0)
    largest = simulate(net, {"death": 0.0}, np.array([_INT64_MAX], dtype=np.uint64),
                       [0.0, 1.0], 1, seed=0).counts
    assert largest.tolist() == [[[_INT64_MAX], [_INT64_MAX]]]


def test_a_count_that_would_overflow_stops_the_run_naming_species_and_time():
    # birth from 2**63 - 5 used to wrap to -2**63
    net = WellMixed({"death": "A -> 0", "birth": "B -> B + B"})  # B is species 1
    with pytest.raises(OverflowError, match=r"^the count of species 'B' would exceed "
                       r"2\*\*63 - 1 \(the largest int64\) in trajectory 0 at t = "
                       r"[0-9.e+-]+; "):
        simulate(net, {"death": 0.0, "birth": 1.0}, [3, _INT64_MAX - 4], [0.0, 1.0], 1,
                 seed=0)
    # counts at the limit are no error by themselves: no event before t = 1e-30 here
    # (the mean waiting time is 1 / (2**63 - 2) ~ 1e-19)
    near = simulate(WellMixed({"birth": "B -> B + B"}), {"birth": 1.0}, [_INT64_MAX - 1],
                    [0.0, 1e-30], 1, seed=0).counts
    assert near.tolist() == [[[_INT64_MAX - 1], [_INT64_MAX - 1]]]


def test_trajectories_that_cannot_fit_in_memory_are_refused_with_the_estimate():
    net = WellMixed({"death": "A -> 0"})
    with pytest.raises(ValueError, match=r"^`replicates` of `simulate` must be `small enough for "
                       r"the result \(about 2.4 TB, 2× that while it is gathered\) to fit in the .* of memory "
                       r"available: simulate fewer trajectories or times per call`; "
                       r"got `99999999999`$"):
        simulate(net, {"death": 1.0}, [1], [0.0, 1.0], 99_999_999_999, seed=0)
