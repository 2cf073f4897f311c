"""SBML models beyond mass action: compiled kinetic laws, rules and events in the SSA.

Models are written here with libsbml; each result is checked against an independent
route: the chemical master equation solved exactly (matrix exponential), the exact
mean ODE of a linear network, or the mass-action SSA path with the same random streams.
"""
import _thread
import signal
import threading

import numpy as np
import pytest
import scipy.linalg

libsbml = pytest.importorskip("libsbml")

from dynboltz.codegen import compile_kinetics  # noqa: E402
from dynboltz.errors import ModelStateError  # noqa: E402
from dynboltz.runtime.wellmixed import simulate, simulate_kinetics  # noqa: E402
from dynboltz.symbolic.sbml import SbmlModel, read_sbml  # noqa: E402


def _document(species, parameters, reactions, volume=1.0, amounts=True):
    """An SBML L3V1 document: species {id: amount} (or {id: (amount, boundary)}),
    reactions (id, reactants, products, law)."""
    document = libsbml.SBMLDocument(3, 1)
    model = document.createModel()
    model.setId("kinetics_test")
    compartment = model.createCompartment()
    compartment.setId("cell")
    compartment.setSize(volume)
    compartment.setConstant(True)
    for name, value in species.items():
        amount, boundary = value if isinstance(value, tuple) else (value, False)
        s = model.createSpecies()
        s.setId(name)
        s.setCompartment("cell")
        s.setInitialAmount(amount)
        s.setHasOnlySubstanceUnits(amounts)
        s.setBoundaryCondition(boundary)
        s.setConstant(False)
    for name, value in parameters.items():
        p = model.createParameter()
        p.setId(name)
        p.setValue(value)
        p.setConstant(True)
    for name, reactants, products, law in reactions:
        r = model.createReaction()
        r.setId(name)
        r.setReversible(False)
        r.setFast(False)
        for side, add in ((reactants, r.createReactant), (products, r.createProduct)):
            for species_name, coefficient in side.items():
                reference = add()
                reference.setSpecies(species_name)
                reference.setStoichiometry(coefficient)
                reference.setConstant(True)
        r.createKineticLaw().setMath(libsbml.parseL3Formula(law))
    return document


def _save(document, path):
    assert libsbml.writeSBMLToFile(document, str(path)) == 1
    return path


def _add_event(document, trigger, assignments, name="reset", delay=None):
    event = document.getModel().createEvent()
    event.setId(name)
    event.setUseValuesFromTriggerTime(True)
    t = event.createTrigger()
    t.setMath(libsbml.parseL3Formula(trigger))
    t.setInitialValue(False)
    t.setPersistent(True)
    for variable, formula in assignments.items():
        a = event.createEventAssignment()
        a.setVariable(variable)
        a.setMath(libsbml.parseL3Formula(formula))
    if delay is not None:
        event.createDelay().setMath(libsbml.parseL3Formula(delay))


def _within(samples, exact, sigmas=4.0):
    """|sample mean − exact| < sigmas standard errors at every entry.  Where every
    sample is equal (a rare species never seen) the Poisson error √(exact / n) stands
    in for the sample's zero standard error."""
    n = samples.shape[0]
    error = samples.std(axis=0, ddof=1) / np.sqrt(n)
    error = np.where(error > 0, error, np.sqrt(np.abs(exact) / n))
    deviation = np.abs(samples.mean(axis=0) - exact)
    return np.all(deviation <= sigmas * error)


def test_a_michaelis_menten_law_matches_the_exact_master_equation(tmp_path):
    # S -> P at Vmax S / (Km + S): a pure death chain in S, solved exactly by expm.
    vmax, km, s0 = 2.0, 5.0, 30
    path = _save(_document({"S": s0, "P": 0}, {"Vmax": vmax, "Km": km},
                           [("convert", {"S": 1}, {"P": 1}, "Vmax * S / (Km + S)")]),
                 tmp_path / "mm.xml")
    model = read_sbml(path)
    assert list(model.laws) == ["convert"]
    times = np.array([0.0, 2.0, 5.0, 10.0])
    counts = simulate_kinetics(compile_kinetics(model), times=times, replicates=4000,
                               seed=3).counts
    assert np.all(counts.sum(axis=2) == s0)                    # S + P conserved
    s = np.arange(s0 + 1)
    rate = vmax * s / (km + s)
    generator = np.diag(-rate) + np.diag(rate[1:], 1)          # dp/dt = Q p, column = from
    p0 = np.zeros(s0 + 1)
    p0[s0] = 1.0
    exact = np.array([scipy.linalg.expm(generator * t) @ p0 for t in times])
    mean = exact @ s
    second = exact @ s ** 2
    samples = counts[:, :, 0].astype(float)
    assert _within(samples, mean)
    centred = (samples - mean) ** 2                            # E[(S − µ)²] = variance
    assert _within(centred, second - mean ** 2)


def test_compiled_laws_and_the_mass_action_path_draw_the_same_trajectories(tmp_path):
    # Same network, same streams: the falling-factorial fast path, the compiled-law
    # kernel on mass action, and a law forced through compilation agree event by event.
    path = _save(_document({"P": 60, "P2": 0}, {"k1": 0.002, "k2": 0.05},
                           [("dimerise", {"P": 2}, {"P2": 1}, "k1 * P * (P - 1) / 2"),
                            ("split", {"P2": 1}, {"P": 2}, "k2 * P2")]),
                 tmp_path / "dimer.xml")
    model = read_sbml(path)
    times = np.linspace(0.0, 20.0, 6)
    reference = simulate(model.network, model.rates, model.initial, times, replicates=50,
                         seed=9).counts
    fast = simulate_kinetics(compile_kinetics(model), times=times, replicates=50, seed=9).counts
    assert np.array_equal(fast, reference)
    forced = SbmlModel(model.reactions, {"split": 0.05}, model.initial, "forced",
                       {"k1": 0.002}, {"dimerise": _dimer_law()})
    compiled = simulate_kinetics(compile_kinetics(forced, name="forced"), times=times,
                                 replicates=50, seed=9).counts
    assert np.array_equal(compiled, reference)


def _dimer_law():
    import sympy
    P, k1 = sympy.symbols("P k1")
    return k1 * P * (P - 1) / 2


def _immigration_death(tmp_path, trigger):
    document = _document({"X": 0}, {"Alpha": 1.0, "Mu": 0.1},
                         [("Immigration", {}, {"X": 1}, "Alpha"),
                          ("Death", {"X": 1}, {}, "Mu * X")])
    _add_event(document, trigger, {"X": "50"})
    return read_sbml(_save(document, tmp_path / "id.xml"))


def test_a_time_event_resets_the_state_at_its_time(tmp_path):
    # X' = α − µX; reset to 50 at t = 25: mean α/µ (1 − e^{−µt}) before, then
    # α/µ + (50 − α/µ) e^{−µ(t − 25)}.
    model = _immigration_death(tmp_path, "time >= 25")
    assert model.events[0].time == 25.0 and not model.events[0].strict
    times = np.array([10.0, 24.99, 25.0, 30.0, 45.0])
    counts = simulate_kinetics(compile_kinetics(model), times=times, replicates=3000,
                               seed=5).counts[:, :, 0]
    assert np.all(counts[:, 2] == 50)                          # time >= 25 fires at 25
    mean = np.where(times < 25, 10 * (1 - np.exp(-0.1 * times)),
                    10 + 40 * np.exp(-0.1 * (times - 25)))
    keep = times != 25.0
    assert _within(counts[:, keep].astype(float), mean[keep])
    strict = _immigration_death(tmp_path, "time > 25")
    after = simulate_kinetics(compile_kinetics(strict), times=[25.0, 25.001], replicates=200,
                              seed=5).counts
    assert np.any(after[:, 0, 0] != 50) and np.all(after[:, 1, 0] >= 45)


def test_a_species_trigger_fires_when_it_becomes_true(tmp_path):
    # 2P -> P2, P2 -> 2P; reset P = 100, P2 = 0 as soon as P2 > 30: P + 2 P2 = 100 stays,
    # and no output can show P2 = 31 (the reset follows the reaction at once).
    document = _document({"P": 100, "P2": 0}, {"k1": 0.001, "k2": 0.01},
                         [("Dimerisation", {"P": 2}, {"P2": 1}, "k1 * P * (P - 1) / 2"),
                          ("Disassociation", {"P2": 1}, {"P": 2}, "k2 * P2")])
    _add_event(document, "P2 > 30", {"P": "100", "P2": "0"})
    model = read_sbml(_save(document, tmp_path / "dimer_event.xml"))
    assert model.events[0].time is None
    counts = simulate_kinetics(compile_kinetics(model), times=np.linspace(0, 50, 201),
                               replicates=300, seed=2).counts
    assert np.all(counts[:, :, 0] + 2 * counts[:, :, 1] == 100)
    assert counts[:, :, 1].max() == 30
    # without the event P2 climbs past 30 in most runs by t = 50
    free = simulate(model.reactions, model.rates, model.initial, [50.0], replicates=300,
                    seed=2).counts
    assert np.mean(free[:, 0, 1] > 30) > 0.5


def test_assignment_rules_for_species_and_parameters(tmp_path):
    document = _document({"X": 100, "y": 0}, {"Lambda": 0.1, "Mu": 0.11, "kd": 0.0},
                         [("Birth", {"X": 1}, {"X": 2}, "Lambda * X"),
                          ("Death", {"X": 1}, {}, "kd * X")])
    model_element = document.getModel()
    for variable, formula in (("y", "2 * X"), ("kd", "Mu * 1")):
        rule = model_element.createAssignmentRule()
        rule.setVariable(variable)
        rule.setMath(libsbml.parseL3Formula(formula))
    model_element.getParameter("kd").setConstant(False)
    model = read_sbml(_save(document, tmp_path / "rules.xml"))
    assert model.rates == {"Birth": 0.1, "Death": 0.11}       # kd = Mu substituted
    assert model.reactions.species == ("X",) and list(model.assigned) == ["y"]
    kinetics = compile_kinetics(model)
    counts = simulate_kinetics(kinetics, times=[0.0, 5.0], replicates=20, seed=1).counts
    assert np.array_equal(kinetics.assigned_values(counts)[..., 0], 2.0 * counts[..., 0])


def _rate_rule(document, variable, formula):
    rule = document.getModel().createRateRule()
    rule.setVariable(variable)
    rule.setMath(libsbml.parseL3Formula(formula))


@pytest.mark.parametrize("change, message", [
    (lambda d: _add_event(d, "time >= 5", {"X": "0"}, delay="1"), "event delays"),
    (lambda d: _add_event(d, "time >= 5", {"Mu": "0"}), "event assignments to parameters"),
    (lambda d: _add_event(d, "time >= 5 && X > 3", {"X": "0"}), "triggers mixing time"),
    (lambda d: _rate_rule(d, "Mu", "1"), "rate rules"),
])
def test_unsupported_features_are_refused_by_name(tmp_path, change, message):
    document = _document({"X": 5}, {"Mu": 0.1}, [("Death", {"X": 1}, {}, "Mu * X")])
    document.getModel().getParameter("Mu").setConstant(False)
    change(document)
    with pytest.raises(ValueError, match=message):
        read_sbml(_save(document, tmp_path / "refused.xml"))


def test_a_law_that_fires_without_its_reactant_is_a_model_state_error(tmp_path):
    path = _save(_document({"A": 2}, {"k": 1.0}, [("drain", {"A": 1}, {}, "k")]),
                 tmp_path / "bad.xml")
    with pytest.raises(ModelStateError, match="reaction 'drain' fired with species 'A' "
                                              "too low"):
        simulate_kinetics(compile_kinetics(read_sbml(path)), times=[0.0, 100.0], replicates=5,
                          seed=0)


def test_a_model_of_eleven_species_matches_its_exact_mean_equations(tmp_path):
    # 0 -> X0 -> X1 -> ... -> X9 -> 0, laws written as people write them: a bare
    # constant, concentrations in a compartment of size 2, a catalyst E, and a
    # Michaelis–Menten law in E (compiled; E never changes, so the network stays
    # linear and the means solve dm/dt = b + A m exactly).
    volume, kcat, km, e0 = 2.0, 0.6, 3.0, 4
    k = [0.5, 0.4, 0.8, 0.3, None, 0.7, 0.45, 0.9, 0.35]
    reactions = [("inflow", {}, {"X0": 1}, "alpha")]
    for i, rate in enumerate(k):
        if rate is None:
            law = "kcat * E * X4 / (Km + E)"            # concentrations: X = n / V
        elif i % 2:
            law = f"{rate} * X{i} * cell"                # concentration times volume
        else:
            law = f"{rate} * E * X{i} * cell / 4"        # a catalyst E
        reactions.append((f"step{i}", {f"X{i}": 1}, {f"X{i + 1}": 1}, law))
    reactions.append(("outflow", {"X9": 1}, {}, "mu * X9 * cell"))
    species = {"E": e0, **{f"X{i}": 0 for i in range(10)}}
    path = _save(_document(species, {"alpha": 6.0, "mu": 0.5, "kcat": kcat, "Km": km},
                           reactions, volume=volume, amounts=False), tmp_path / "chain.xml")
    model = read_sbml(path)
    assert len(model.reactions.species) == 11 and list(model.laws) == ["step4"]
    # first-order constant per molecule, with E and X written as count / V
    per_count = [kcat * (e0 / volume) / (volume * (km + e0 / volume)) if r is None else
                 (r if i % 2 else r * e0 / (4 * volume)) for i, r in enumerate(k)]
    a = np.zeros((10, 10))
    for i, c in enumerate(per_count):
        a[i, i] -= c
        a[i + 1, i] += c
    a[9, 9] -= 0.5
    b = np.zeros(10)
    b[0] = 6.0
    times = np.array([1.0, 4.0, 12.0])
    augmented = np.zeros((11, 11))
    augmented[:10, :10], augmented[:10, 10] = a, b
    exact = np.array([(scipy.linalg.expm(augmented * t) @ np.r_[np.zeros(10), 1.0])[:10]
                      for t in times])
    counts = simulate_kinetics(compile_kinetics(model, name="chain"), times=times,
                               replicates=3000, seed=17).counts
    assert np.all(counts[:, :, 0] == e0)
    assert _within(counts[:, :, 1:].astype(float), exact)


def test_ctrl_c_stops_a_long_run(tmp_path):
    # about 1e8 reactions per trajectory, seconds of work: the signal check ends it at
    # once.  SIGINT gets Python's handler for the test, since a process started in the
    # background may have it ignored (then interrupt_main would do nothing).
    path = _save(_document({"X": 0}, {"a": 1e6, "mu": 1.0},
                           [("inflow", {}, {"X": 1}, "a"), ("outflow", {"X": 1}, {}, "mu * X")]),
                 tmp_path / "long.xml")
    kinetics = compile_kinetics(read_sbml(path))
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.3, _thread.interrupt_main)
    try:
        with pytest.raises(KeyboardInterrupt):
            timer.start()
            simulate_kinetics(kinetics, times=[0.0, 100.0], replicates=4, seed=0)
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
