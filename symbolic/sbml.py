"""Import well-mixed reaction networks from SBML files (python-libsbml, extra ``sbml``).

>>> model = read_sbml("birth_death.xml")
>>> model.network, model.rates, model.initial
(WellMixed({'Birth': 'X -> 2 X', 'Death': 'X -> 0'}), {'Birth': 0.1, 'Death': 0.11}, [100])

What is read: species (their initial amounts, or initial concentration × compartment
size), global parameters, reactions with integer stoichiometry and their kinetic laws
with local parameters.  Each kinetic law must be mass action: a positive constant c
times the reaction's falling factorials Π_s n_s (n_s − 1) … (n_s − r_s + 1), as
stochastic SBML models (e.g. the DSMTS suite) write it, which is exactly the
propensity of ``WellMixed`` at rate k = c.  The deterministic form c Π_s n_s^r_s is
accepted too and read as the same reaction at rate c (the two agree for reactions of
order ≤ 1 in every species).  Species symbols in a law stand for molecule counts.
Species with ``boundaryCondition`` and ``constant`` set are reservoirs: their amount
enters the rate constant and they are left out of the network.  A species given as a
concentration in a compartment whose size is not 1 is refused (its symbol would not
be a count).

Anything else — a law that is not of that form (Michaelis–Menten, Hill, ...), a
reversible reaction, non-integer stoichiometry, rules, events — raises a
``ValueError`` naming the reaction or element, before anything is built.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import sympy
from sympy.parsing.sympy_parser import convert_xor, parse_expr, standard_transformations

from dynboltz.messages import invalid, public
from dynboltz.symbolic.wellmixed import WellMixed

__all__ = ["SbmlModel", "read_sbml"]

_FUNCTION = "read_sbml"
_UNSUPPORTED = (("getNumRules", "rules"), ("getNumEvents", "events"),
                ("getNumConstraints", "constraints"),
                ("getNumInitialAssignments", "initial assignments"),
                ("getNumFunctionDefinitions", "function definitions"))


@dataclass
class SbmlModel:
    """A well-mixed network read from SBML, with its numbers.

    Attributes
    ----------
    network : WellMixed
        One process per SBML reaction, named by the reaction id, species in the
        file's order (reservoir species left out).
    rates : dict of str -> float
        Mass-action rate constant of each process (propensity k Π_s (n_s)_{r_s}).
    initial : list of int
        Initial molecule count of each species of ``network.species``.
    name : str
        The SBML model id.
    parameters : dict of str -> float
        The model's global parameters.
    """

    network: WellMixed
    rates: dict[str, float]
    initial: list[int]
    name: str = ""
    parameters: dict[str, float] = field(default_factory=dict)


def _libsbml():
    try:
        import libsbml
    except ImportError as error:
        raise ImportError("read_sbml needs python-libsbml: pip install "
                          "'dynboltz[sbml]' (or pip install python-libsbml)") from error
    return libsbml


@public
def read_sbml(path: os.PathLike | str) -> SbmlModel:
    """Read a well-mixed mass-action network from an SBML file.

    Parameters
    ----------
    path : str or os.PathLike
        SBML file (any level/version libsbml reads).

    Returns
    -------
    SbmlModel
        ``network`` (WellMixed), ``rates``, ``initial`` counts, ``name`` and the
        global ``parameters``; ready for ``dynboltz.runtime.wellmixed.simulate(
        model.network, model.rates, model.initial, times, n)``.

    Raises
    ------
    ImportError
        If python-libsbml is not installed.
    ValueError
        An unreadable file, or one with content outside what the module docstring
        lists (the message names the reaction, species or element).
    """
    libsbml = _libsbml()
    if not Path(path).is_file():
        raise invalid("path", _FUNCTION, "an existing SBML file", str(path))
    document = libsbml.readSBMLFromFile(str(path))
    errors = [document.getError(i) for i in range(document.getNumErrors())]
    fatal = [e for e in errors if e.getSeverity() >= libsbml.LIBSBML_SEV_ERROR]
    if fatal or document.getModel() is None:
        reason = fatal[0].getMessage().strip().splitlines()[0] if fatal else "no model"
        raise invalid("path", _FUNCTION, "a valid SBML file", f"{path} ({reason})")
    return _read_model(document.getModel())


def _read_model(model):
    for getter, what in _UNSUPPORTED:
        if getattr(model, getter)():
            raise invalid("path", _FUNCTION, f"an SBML model without {what}",
                          f"{what} in model {model.getId()!r}")
    sizes = {c.getId(): (c.getSize() if c.isSetSize() else 1.0)
             for c in model.getListOfCompartments()}
    parameters = {p.getId(): p.getValue() for p in model.getListOfParameters()}
    amounts = {s.getId(): _initial_amount(s, sizes) for s in model.getListOfSpecies()}
    reservoirs = {s.getId() for s in model.getListOfSpecies()
                  if s.getBoundaryCondition() and s.getConstant()}
    species = [s for s in amounts if s not in reservoirs]
    _check_counts_in_laws(model, sizes)
    values = {**sizes, **parameters, **{s: amounts[s] for s in reservoirs}}
    processes, rates = {}, {}
    for reaction in model.getListOfReactions():
        name = reaction.getId()
        reactants = _side(reaction.getListOfReactants(), reservoirs, name)
        products = _side(reaction.getListOfProducts(), reservoirs, name)
        if reaction.getReversible():
            raise invalid(f"reaction {name!r}", _FUNCTION, "irreversible (write the "
                          "two directions as two reactions)", "reversible")
        processes[name] = f"{_text(reactants)} -> {_text(products)}"
        rates[name] = _mass_action_rate(reaction, reactants, values, amounts, name)
    if not processes:
        raise invalid("path", _FUNCTION, "an SBML model with at least one reaction",
                      model.getId())
    network = WellMixed(processes, species=species)
    initial = [_count(amounts[s], s) for s in network.species]
    return SbmlModel(network, rates, initial, model.getId(), parameters)


def _check_counts_in_laws(model, sizes):
    """A species symbol must mean a count: amounts, or a concentration in a volume of 1."""
    for s in model.getListOfSpecies():
        if not s.getHasOnlySubstanceUnits() and sizes.get(s.getCompartment(), 1.0) != 1.0:
            raise invalid(f"species {s.getId()!r}", _FUNCTION, "in amounts "
                          "(hasOnlySubstanceUnits) or in a compartment of size 1, so that "
                          "kinetic laws use molecule counts",
                          f"concentration in {s.getCompartment()!r} of size "
                          f"{sizes[s.getCompartment()]}")


def _initial_amount(species, sizes):
    if species.isSetInitialAmount():
        return species.getInitialAmount()
    if species.isSetInitialConcentration():
        return species.getInitialConcentration() * sizes.get(species.getCompartment(), 1.0)
    raise invalid(f"species {species.getId()!r}", _FUNCTION,
                  "given an initial amount or concentration", "neither")


def _count(amount, name):
    if not (amount >= 0 and float(amount).is_integer()):
        raise invalid(f"species {name!r}", _FUNCTION,
                      "a whole, non-negative initial number of molecules", amount)
    return int(amount)


def _side(references, reservoirs, reaction):
    """``{species: coefficient}`` of one side, reservoir species dropped."""
    side = {}
    for reference in references:
        coefficient = reference.getStoichiometry()
        if not (coefficient > 0 and float(coefficient).is_integer()):
            raise invalid(f"reaction {reaction!r}", _FUNCTION,
                          "a reaction with positive integer stoichiometry", coefficient)
        if reference.getSpecies() not in reservoirs:
            name = reference.getSpecies()
            side[name] = side.get(name, 0) + int(coefficient)
    return side


def _text(side):
    return " + ".join(f"{c} {s}" if c > 1 else s for s, c in side.items()) or "0"


def _mass_action_rate(reaction, reactants, values, amounts, name):
    """The constant c of a law c Π (n_s)_{r_s} (or c Π n_s^{r_s}); ValueError otherwise."""
    law = reaction.getKineticLaw()
    if law is None or law.getMath() is None:
        raise invalid(f"reaction {name!r}", _FUNCTION, "a reaction with a kinetic law",
                      None)
    local = {p.getId(): p.getValue() for p in law.getListOfLocalParameters()}
    local.update({p.getId(): p.getValue() for p in law.getListOfParameters()})
    formula = _formula(law)
    symbols = {key: sympy.Symbol(key) for key in {*values, *local, *amounts}}
    try:
        expression = parse_expr(formula, local_dict=symbols, evaluate=True,
                                transformations=standard_transformations + (convert_xor,))
    except (SyntaxError, TypeError, ValueError) as error:
        raise invalid(f"kinetic law of reaction {name!r}", _FUNCTION,
                      "a formula of numbers, parameters and species", formula) from error
    expression = expression.subs({symbols[k]: v for k, v in {**values, **local}.items()})
    counts = {s: symbols[s] for s in amounts}
    for form in (_falling, _power):
        constant = sympy.simplify(expression / form(reactants, counts))
        if constant.is_number and constant.is_positive:
            return float(constant)
    raise invalid(f"kinetic law of reaction {name!r}", _FUNCTION,
                  "mass action, a positive constant times "
                  f"{sympy.sstr(_falling(reactants, counts))}", formula)


def _formula(law):
    return _libsbml().formulaToL3String(law.getMath())


def _falling(reactants, counts):
    return sympy.Mul(*(counts[s] - j for s, r in reactants.items() for j in range(r)))


def _power(reactants, counts):
    return sympy.Mul(*(counts[s] ** r for s, r in reactants.items()))
