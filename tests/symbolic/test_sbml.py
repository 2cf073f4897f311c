"""SBML import (dynboltz.symbolic.sbml) on files written here with libsbml itself."""
import numpy as np
import pytest
import sympy

libsbml = pytest.importorskip("libsbml")

from dynboltz.runtime.wellmixed import simulate  # noqa: E402
from dynboltz.symbolic.sbml import read_sbml  # noqa: E402


def _write(path, species, parameters, reactions, reservoirs=(), volume=1.0, amounts=True):
    """An SBML L3V1 file: species {id: amount}, reactions (id, reactants, products, law,
    local parameters, reversible)."""
    document = libsbml.SBMLDocument(3, 1)
    model = document.createModel()
    model.setId("test_model")
    compartment = model.createCompartment()
    compartment.setId("cell")
    compartment.setSize(volume)
    compartment.setConstant(True)
    for name, amount in species.items():
        s = model.createSpecies()
        s.setId(name)
        s.setCompartment("cell")
        s.setInitialAmount(amount)
        s.setHasOnlySubstanceUnits(amounts)
        s.setBoundaryCondition(name in reservoirs)
        s.setConstant(name in reservoirs)
    for name, value in parameters.items():
        p = model.createParameter()
        p.setId(name)
        p.setValue(value)
        p.setConstant(True)
    for name, reactants, products, law, local, reversible in reactions:
        r = model.createReaction()
        r.setId(name)
        r.setReversible(reversible)
        r.setFast(False)
        for side, add in ((reactants, r.createReactant), (products, r.createProduct)):
            for species_name, coefficient in side.items():
                reference = add()
                reference.setSpecies(species_name)
                reference.setStoichiometry(coefficient)
                reference.setConstant(True)
        kinetic = r.createKineticLaw()
        for key, value in local.items():
            parameter = kinetic.createLocalParameter()
            parameter.setId(key)
            parameter.setValue(value)
        kinetic.setMath(libsbml.parseL3Formula(law))
    assert libsbml.writeSBMLToFile(document, str(path)) == 1
    return path


def _birth_death(path, birth=0.1, death=0.11, x0=100):
    # The DSMTS-001-01 birth-death model: X -> 2X at Lambda*X, X -> 0 at Mu*X.
    return _write(path, {"X": x0}, {"Lambda": birth, "Mu": death},
                  [("Birth", {"X": 1}, {"X": 2}, "Lambda * X", {}, False),
                   ("Death", {"X": 1}, {}, "Mu * X", {}, False)])


def test_birth_death_imports_with_its_reactions_and_rates(tmp_path):
    model = read_sbml(_birth_death(tmp_path / "bd.xml"))
    assert model.network.species == ("X",)
    assert model.network.process_names == ("Birth", "Death")
    reactants, products = model.network.stoichiometry()
    assert reactants.tolist() == [[1], [1]] and products.tolist() == [[2], [0]]
    assert model.rates == {"Birth": 0.1, "Death": 0.11}
    assert model.initial == [100]
    assert model.name == "test_model"


def test_birth_death_ssa_means_match_the_analytic_solution(tmp_path):
    model = read_sbml(_birth_death(tmp_path / "bd.xml"))
    times = np.array([0.0, 10.0, 25.0, 50.0])
    counts = simulate(model.network, model.rates, model.initial, times, replicates=2000,
                      seed=11).counts[:, :, 0]
    rate = 0.1 - 0.11
    mean = 100 * np.exp(rate * times)                       # d<n>/dt = (λ − µ)<n>
    variance = 100 * (0.1 + 0.11) / rate * np.exp(rate * times) * (np.exp(rate * times) - 1)
    standard_error = counts.std(axis=0, ddof=1) / np.sqrt(counts.shape[0])
    assert counts[:, 0].tolist() == [100] * 2000
    assert np.all(np.abs(counts.mean(axis=0) - mean)[1:] < 3 * standard_error[1:])
    # the sample variance too, within 3 of its own standard errors (4th-moment estimate)
    centred = counts - counts.mean(axis=0)
    variance_se = np.sqrt(((centred ** 2 - centred.var(axis=0)) ** 2).mean(axis=0)
                          / counts.shape[0])
    assert np.all(np.abs(counts.var(axis=0, ddof=1) - variance)[1:] < 3 * variance_se[1:])


def test_bimolecular_dimerisation_reservoir_and_local_parameters(tmp_path):
    path = _write(
        tmp_path / "net.xml", {"A": 20, "B": 10, "C": 0, "D": 0, "S": 10},
        {"k1": 0.01, "k3": 0.5},
        [("bind", {"A": 1, "B": 1}, {"C": 1}, "k1 * A * B", {}, False),
         ("dimer", {"A": 2}, {"D": 1}, "k2 * A * (A - 1) / 2", {"k2": 0.004}, False),
         ("feed", {"S": 1}, {"A": 1}, "k3 * S * cell", {}, False)],
        reservoirs=("S",))
    model = read_sbml(path)
    assert model.network.species == ("A", "B", "C", "D")   # reservoir S left out
    assert dict(zip(model.network.process_names,
                    (r.text for r in model.network.reactions))) == {
        "bind": "A + B -> C", "dimer": "2 A -> D", "feed": "0 -> A"}
    assert model.rates == pytest.approx({"bind": 0.01, "dimer": 0.002, "feed": 5.0},
                                        rel=1e-12)
    assert model.initial == [20, 10, 0, 0]


def _dimerisation(tmp_path, law, local=None):
    return read_sbml(_write(tmp_path / "dimer.xml", {"P": 100, "P2": 0}, {"k": 0.002},
                            [("dimer", {"P": 2}, {"P2": 1}, law, local or {}, False)]))


@pytest.mark.parametrize("law", ["k * P * (P - 1) / 2", "k / 2 * (P^2 - P)",
                                 "0.5 * k * (P * P - P)", "(P - 1) * k * P * 0.5",
                                 "k * (P - 1) * P / 2 + 0 * P^3"])
def test_mass_action_is_recognised_in_any_algebraic_form(tmp_path, law):
    model = _dimerisation(tmp_path, law)
    assert model.laws == {}
    assert model.rates["dimer"] == pytest.approx(0.001, rel=1e-12)
    assert model.network.reactions[0].text == "2 P -> P2"


def test_the_power_form_is_a_general_law_simulated_as_written(tmp_path):
    # k P^2 is not k P (P - 1): the file's propensity is kept, not rewritten
    model = _dimerisation(tmp_path, "k * P^2 / 2")
    P, k = sympy.symbols("P k")
    assert model.rates == {} and sympy.simplify(model.laws["dimer"] - k * P ** 2 / 2) == 0
    assert model.parameters == {"k": 0.002}


def test_a_bare_constant_is_zero_order_mass_action_with_a_boundary_source(tmp_path):
    # DSMTS "Immigration": Source -> X at a constant Alpha, Source a boundary species
    for constant in (True, False):
        path = _write(tmp_path / f"imm{constant}.xml", {"Source": 0, "X": 0},
                      {"Alpha": 10.0, "Mu": 0.1},
                      [("Immigration", {"Source": 1}, {"X": 1}, "Alpha", {}, False),
                       ("Death", {"X": 1}, {}, "Mu * X", {}, False)])
        document = libsbml.readSBMLFromFile(str(path))
        document.getModel().getSpecies("Source").setBoundaryCondition(True)
        document.getModel().getSpecies("Source").setConstant(constant)
        libsbml.writeSBMLToFile(document, str(path))
        model = read_sbml(path)
        assert [r.text for r in model.network.reactions] == ["0 -> X", "X -> 0"]
        assert model.rates == {"Immigration": 10.0, "Death": 0.1}
        assert model.network.species == ("X",)


def test_a_modifier_in_a_mass_action_law_becomes_a_catalyst(tmp_path):
    model = read_sbml(_write(tmp_path / "cat.xml", {"E": 3, "S": 50, "P": 0}, {"k": 0.2},
                             [("convert", {"S": 1}, {"P": 1}, "k * E * S", {}, False)]))
    assert model.network.reactions[0].text == "E + S -> E + P"
    reactants, products = model.network.stoichiometry()
    assert (products - reactants).tolist() == [[0, -1, 1]]
    assert model.rates == {"convert": 0.2}


@pytest.mark.parametrize("law, local", [("Vmax * S / (Km + S)", {"Vmax": 1.0, "Km": 5.0}),
                                        ("k * S^2", {"k": 1.0}),
                                        ("k * P", {"k": 1.0})])
def test_a_law_that_is_not_mass_action_is_general_and_closures_refuse_it(tmp_path, law,
                                                                         local):
    path = _write(tmp_path / "mm.xml", {"S": 10, "P": 0}, {},
                  [("conversion", {"S": 1}, {"P": 1}, law, local, False)])
    model = read_sbml(path)
    assert list(model.laws) == ["conversion"] and model.rates == {}
    assert model.parameters == {f"conversion.{k}": v for k, v in local.items()}
    assert model.reactions.reactions[0].text == "S -> P"
    with pytest.raises(ValueError, match="`model` of `SbmlModel.network` must be `a model "
                                         "whose kinetic laws are all mass action"):
        model.network


def test_a_law_that_depends_on_time_is_refused(tmp_path):
    path = _write(tmp_path / "t.xml", {"S": 10}, {"k": 1.0},
                  [("decay", {"S": 1}, {}, "k * S * time", {}, False)])
    with pytest.raises(ValueError, match="`kinetic law of reaction 'decay'` of `read_sbml` "
                                         "must be `a law that does not depend on time"):
        read_sbml(path)


def test_reversible_reactions_and_fractional_stoichiometry_are_refused(tmp_path):
    reversible = _write(tmp_path / "rev.xml", {"A": 1, "B": 1}, {"kf": 1.0, "kr": 1.0},
                        [("swap", {"A": 1}, {"B": 1}, "kf * A - kr * B", {}, True)])
    with pytest.raises(ValueError, match="`reaction 'swap'` of `read_sbml` must be "
                                         "`irreversible"):
        read_sbml(reversible)
    fractional = _write(tmp_path / "half.xml", {"A": 1, "B": 1}, {"k": 1.0},
                        [("half", {"A": 1}, {"B": 0.5}, "k * A", {}, False)])
    with pytest.raises(ValueError, match="positive integer stoichiometry"):
        read_sbml(fractional)


def test_missing_and_malformed_files_are_errors(tmp_path):
    with pytest.raises(ValueError, match="`path` of `read_sbml` must be `an existing SBML"):
        read_sbml(tmp_path / "nothing.xml")
    broken = tmp_path / "broken.xml"
    broken.write_text("<sbml><model>")
    with pytest.raises(ValueError, match="`path` of `read_sbml` must be `a valid SBML file"):
        read_sbml(broken)


def test_concentrations_are_converted_to_counts_with_the_compartment_size(tmp_path):
    # A species symbol in a law is a concentration n / V: k A is k n_A / V, k A B is
    # k n_A n_B / V; initial concentrations are c V molecules.
    reactions = [("decay", {"A": 1}, {}, "k * A", {"k": 1.0}, False),
                 ("bind", {"A": 1, "B": 1}, {"C": 1}, "kb * A * B * cell", {"kb": 3.0},
                  False)]
    unit = read_sbml(_write(tmp_path / "unit.xml", {"A": 5, "B": 2, "C": 0}, {}, reactions,
                            amounts=False))
    assert unit.rates == {"decay": 1.0, "bind": 3.0}
    big = _write(tmp_path / "big.xml", {"A": 5, "B": 2, "C": 0}, {}, reactions, volume=2.0,
                 amounts=False)
    assert read_sbml(big).rates == pytest.approx({"decay": 0.5, "bind": 1.5}, rel=1e-12)
    document = libsbml.readSBMLFromFile(str(big))
    species = document.getModel().getSpecies("A")
    species.unsetInitialAmount()
    species.setInitialConcentration(2.5)
    libsbml.writeSBMLToFile(document, str(big))
    assert read_sbml(big).initial == [5, 2, 0]
    species.setInitialConcentration(2.25)
    libsbml.writeSBMLToFile(document, str(big))
    with pytest.raises(ValueError, match="`species 'A'` of `read_sbml` must be `a whole"):
        read_sbml(big)
