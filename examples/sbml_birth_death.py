"""SBML import: a birth-death model (as in the DSMTS suite) -> WellMixed -> SSA.

Run:  python examples/sbml_birth_death.py [MODEL.xml]
Needs python-libsbml (pip install "dynboltz[sbml]").  Without an argument it first
writes the model X -> 2X (Lambda = 0.1), X -> 0 (Mu = 0.11), X(0) = 100 with libsbml.
"""
import sys
import tempfile
from pathlib import Path

import libsbml
import numpy as np

from dynboltz.runtime.wellmixed import simulate
from dynboltz.symbolic.sbml import read_sbml


def write_birth_death(path):
    document = libsbml.SBMLDocument(3, 1)
    model = document.createModel()
    model.setId("birth_death")
    cell = model.createCompartment()
    cell.setId("cell")
    cell.setSize(1.0)
    cell.setConstant(True)
    x = model.createSpecies()
    x.setId("X")
    x.setCompartment("cell")
    x.setInitialAmount(100)
    x.setHasOnlySubstanceUnits(True)    # X in a kinetic law is a molecule count
    x.setBoundaryCondition(False)
    x.setConstant(False)
    for name, value in (("Lambda", 0.1), ("Mu", 0.11)):
        parameter = model.createParameter()
        parameter.setId(name)
        parameter.setValue(value)
        parameter.setConstant(True)
    for name, copies, law in (("Birth", 2, "Lambda * X"), ("Death", 0, "Mu * X")):
        reaction = model.createReaction()
        reaction.setId(name)
        reaction.setReversible(False)
        reaction.setFast(False)
        sides = [(reaction.createReactant(), 1)]
        if copies:
            sides.append((reaction.createProduct(), copies))
        for reference, coefficient in sides:
            reference.setSpecies("X")
            reference.setStoichiometry(coefficient)
            reference.setConstant(True)
        reaction.createKineticLaw().setMath(libsbml.parseL3Formula(law))
    libsbml.writeSBMLToFile(document, str(path))
    return path


path = Path(sys.argv[1]) if len(sys.argv) > 1 else \
    write_birth_death(Path(tempfile.mkdtemp()) / "birth_death.xml")
model = read_sbml(path)
print(model.network, model.rates, model.initial)
times = np.linspace(0, 50, 6)
ensemble = simulate(model.network, model.rates, model.initial, times, replicates=1000, seed=0)
for t, mean, se in zip(times, ensemble.mean[:, 0], ensemble.stderr[:, 0]):
    print(f"t = {t:4.0f}: mean {mean:7.2f} ± {se:.2f}   analytic {100 * np.exp(-0.01 * t):7.2f}")
