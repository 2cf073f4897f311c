"""Import well-mixed reaction networks from SBML files (python-libsbml, extra ``sbml``).

>>> model = read_sbml("birth_death.xml")
>>> model.network, model.rates, model.initial
(WellMixed({'Birth': 'X -> 2 X', 'Death': 'X -> 0'}), {'Birth': 0.1, 'Death': 0.11}, [100])

What is read, as the SBML specification (L2/L3) and the DSMTS stochastic
interpretation define it: a kinetic law is the reaction's propensity in molecules per
unit time.

* Species: a symbol of a species with ``hasOnlySubstanceUnits`` false means its
  concentration, count / compartment size; initial concentrations become counts
  c × V.  Initial counts must be whole numbers.
* Boundary species are never changed by reactions; if nothing else changes them
  (``constant``, or no event assigns them) they are constants, otherwise they are
  species of the state.
* Kinetic laws in mass-action form, c Π_s (n_s)_{m_s} in any algebraic form
  (`dynboltz.symbolic.sbml_laws`), go to ``rates``: the SSA's fast path, and what
  moment closures and basis functions need.  Any other law (Michaelis–Menten, Hill,
  a conservation expression, the power form k S²) goes to ``laws`` as an expression in
  the counts and parameters, compiled into the SSA by
  ``dynboltz.codegen.compile_kinetics``.  A law must not depend on time.
* Assignment rules for parameters and species are substituted into every law, trigger
  and event assignment; rule species are reported in ``assigned`` (as amounts).
* Events without delay or priority, triggered by time alone (``time >= t0`` or
  ``time > t0``) or by species and parameters alone, assigning species.
* Function definitions and initial assignments are expanded by libsbml first.

Refused, with a ``ValueError`` naming the element, before anything is built: rate and
algebraic rules, constraints, event delays and priorities, event assignments to
anything but species, triggers mixing time and species, reversible reactions,
non-integer stoichiometry, laws depending on time, compartments whose size changes,
math outside what `dynboltz.symbolic.sbml_math` translates.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import sympy

from dynboltz.messages import invalid, public
from dynboltz.symbolic.sbml_events import SbmlEvent, read_events
from dynboltz.symbolic.sbml_laws import mass_action_form
from dynboltz.symbolic.sbml_math import TIME, to_sympy
from dynboltz.symbolic.wellmixed import WellMixed

__all__ = ["SbmlEvent", "SbmlModel", "read_sbml"]

_FUNCTION = "read_sbml"


@dataclass
class SbmlModel:
    """A well-mixed network read from SBML, with its numbers.

    Attributes
    ----------
    reactions : WellMixed
        One process per SBML reaction, named by the reaction id, over the state
        species in the file's order; its stoichiometry is the SBML reaction's (for a
        mass-action law with catalysts, see `dynboltz.symbolic.sbml_laws`).
    rates : dict of str -> float
        Rate constant of each mass-action process (propensity k Π_s (n_s)_{r_s}).
    initial : list of int
        Initial molecule count of each species of ``reactions.species``.
    name : str
        The SBML model id.
    parameters : dict of str -> float
        Value of every parameter symbol in ``laws``, ``assigned`` and ``events``
        (global and local parameters, the latter as ``"<reaction>.<id>"``,
        compartment sizes, constant boundary species).
    laws : dict of str -> sympy.Expr
        Propensity of each process that is not mass action, in molecules per unit
        time, in the count symbols (named by species id) and parameter symbols.
    assigned : dict of str -> sympy.Expr
        Species given by assignment rules: their amount as a function of the counts.
    events : tuple of SbmlEvent
        The model's events, in document order.
    constant_species : dict of str -> float
        Boundary species that nothing changes, with their (constant) amounts.
    """

    reactions: WellMixed
    rates: dict[str, float]
    initial: list[int]
    name: str = ""
    parameters: dict[str, float] = field(default_factory=dict)
    laws: dict[str, sympy.Expr] = field(default_factory=dict)
    assigned: dict[str, sympy.Expr] = field(default_factory=dict)
    events: tuple[SbmlEvent, ...] = ()
    constant_species: dict[str, float] = field(default_factory=dict)

    @property
    def network(self) -> WellMixed:
        """The mass-action network, for ``simulate``, moment closures and basis functions.

        Raises
        ------
        ValueError
            If a process has a general kinetic law or the model has events or rule
            species: moment closures and basis functions need mass action (simulate
            such a model with ``dynboltz.runtime.wellmixed.simulate_kinetics``).
        """
        extra = ([f"general kinetic laws in {sorted(self.laws)}"] if self.laws else []) \
            + (["events"] if self.events else []) \
            + ([f"assignment rules for {sorted(self.assigned)}"] if self.assigned else [])
        if extra:
            raise invalid("model", "SbmlModel.network", "a model whose kinetic laws are "
                          "all mass action, without events or rule species (moment "
                          "closures and basis functions need mass action; simulate it "
                          "with dynboltz.runtime.wellmixed.simulate_kinetics("
                          "dynboltz.codegen.compile_kinetics(model), ...))",
                          f"{self.name}: {'; '.join(extra)}")
        return self.reactions


def _libsbml():
    try:
        import libsbml
    except ImportError as error:
        raise ImportError("read_sbml needs python-libsbml: pip install "
                          "'dynboltz[sbml]' (or pip install python-libsbml)") from error
    return libsbml


@public
def read_sbml(path: os.PathLike | str) -> SbmlModel:
    """Read a well-mixed stochastic model from an SBML file.

    Parameters
    ----------
    path : str or os.PathLike
        SBML file (any level/version libsbml reads).

    Returns
    -------
    SbmlModel
        Mass-action models run with ``dynboltz.runtime.wellmixed.simulate(
        model.network, model.rates, model.initial, times, replicates)``; any model
        with ``simulate_kinetics(compile_kinetics(model), times=times,
        replicates=replicates)``.

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
    _check_document(document, path, libsbml)
    if document.getModel().getNumFunctionDefinitions():
        document.expandFunctionDefinitions()
    if document.getModel().getNumInitialAssignments():
        document.expandInitialAssignments()
    _check_document(document, path, libsbml)
    return _read_model(document.getModel(), document.getLevel())


def _check_document(document, path, libsbml):
    errors = [document.getError(i) for i in range(document.getNumErrors())]
    fatal = [e for e in errors if e.getSeverity() >= libsbml.LIBSBML_SEV_ERROR]
    if fatal or document.getModel() is None:
        reason = fatal[0].getMessage().strip().splitlines()[0] if fatal else "no model"
        raise invalid("path", _FUNCTION, "a valid SBML file", f"{path} ({reason})")


def _refuse_unsupported(model):
    found = [what for count, what in (
        (model.getNumConstraints(), "constraints"),
        (model.getNumInitialAssignments(), "initial assignments libsbml cannot expand"),
        (sum(r.isRate() for r in model.getListOfRules()), "rate rules"),
        (sum(r.isAlgebraic() for r in model.getListOfRules()), "algebraic rules"),
        (sum(model.getCompartment(r.getVariable()) is not None
             for r in model.getListOfRules()), "assignment rules for compartment sizes"))
        if count]
    if found:
        raise invalid("path", _FUNCTION, "an SBML model without rate rules, algebraic "
                      "rules, constraints or compartment rules",
                      f"{', '.join(found)} in model {model.getId()!r}")


@dataclass
class _Symbols:
    """Ids, their symbols and what each stands for while a model is read."""

    sizes: dict[str, float]
    state: list[str]
    fixed: dict[str, float]
    parameters: dict[str, float]
    rules: dict[sympy.Symbol, sympy.Expr]
    table: dict[str, sympy.Symbol]


def _read_model(model, level):
    _refuse_unsupported(model)
    symbols = _symbols(model)
    initial = {s.getId(): _initial_amount(s, symbols.sizes) for s in model.getListOfSpecies()}
    processes, rates, laws = {}, {}, {}
    for reaction in model.getListOfReactions():
        name = reaction.getId()
        text, rate, law = _reaction(reaction, symbols, model, name)
        processes[name] = text
        if law is None:
            rates[name] = rate
        else:
            laws[name] = law
    if not processes:
        raise invalid("path", _FUNCTION, "an SBML model with at least one reaction",
                      model.getId())
    network = WellMixed(processes, species=symbols.state)
    values = _values(symbols)
    events = read_events(model, level, lambda math, where: _expression(
        math, symbols, model, where), symbols.state, _FUNCTION, values)
    assigned = {s: _amount_of(model.getSpecies(s), symbols.rules[symbols.table[s]],
                              symbols) for s in _rule_species(model)}
    used = set().union(*(e.free_symbols for e in (*laws.values(), *assigned.values())),
                       *(e.free_symbols for e in events))
    parameters = {k: v for k, v in symbols.parameters.items() if symbols.table[k] in used}
    return SbmlModel(network, rates, [_count(initial[s], s) for s in network.species],
                     model.getId(), parameters, laws, assigned, tuple(events),
                     dict(symbols.fixed))


def _values(symbols):
    """``{parameter symbol: value}``, values as sympy numbers (whole ones as Integers)."""
    return {symbols.table[k]: sympy.Integer(int(v)) if float(v).is_integer()
            else sympy.Float(v) for k, v in symbols.parameters.items()}


def _rule_species(model):
    return [r.getVariable() for r in model.getListOfRules()
            if r.isAssignment() and model.getSpecies(r.getVariable()) is not None]


def _event_targets(model):
    return {a.getVariable() for e in model.getListOfEvents()
            for a in e.getListOfEventAssignments()}


def _symbols(model):
    """Classify every id: state species, fixed values, parameters, rules."""
    sizes = {c.getId(): (c.getSize() if c.isSetSize() else 1.0)
             for c in model.getListOfCompartments()}
    ruled = set(_rule_species(model))
    targets = _event_targets(model)
    state, fixed = [], {}
    for s in model.getListOfSpecies():
        if s.getId() in ruled:
            continue
        if s.getBoundaryCondition() and (s.getConstant() or s.getId() not in targets):
            fixed[s.getId()] = _initial_amount(s, sizes)
        else:
            state.append(s.getId())
    parameters = {p.getId(): p.getValue() for p in model.getListOfParameters()}
    parameters.update(sizes)
    parameters.update(fixed)
    ids = [*parameters, *state, *ruled]
    table = {key: sympy.Symbol(key) for key in ids}
    symbols = _Symbols(sizes, state, fixed, parameters, {}, table)
    raw = {table[r.getVariable()]: to_sympy(r.getMath(), table,
                                            f"assignment rule for {r.getVariable()!r}",
                                            _FUNCTION)
           for r in model.getListOfRules() if r.isAssignment()}
    for variable in raw:
        if variable.name in parameters:
            parameters.pop(variable.name)
    symbols.rules = _resolved(raw)
    return symbols


def _resolved(rules):
    """Rules with every rule variable in their right-hand sides substituted away."""
    resolved = dict(rules)
    for _ in range(len(rules) + 1):
        updated = {k: v.xreplace(resolved) for k, v in resolved.items()}
        if updated == resolved:
            return resolved
        resolved = updated
    raise invalid("path", _FUNCTION, "assignment rules without cycles",
                  sorted(str(k) for k in rules))


def _expression(math, symbols, model, where):
    """Math of the model as an expression in counts and parameters (rules substituted,
    concentrations written as count / size)."""
    if math is None:
        raise invalid(where, _FUNCTION, "given by math", None)
    expression = to_sympy(math, symbols.table, where, _FUNCTION).xreplace(symbols.rules)
    concentration = {}
    for s in (*symbols.state, *symbols.fixed):
        species = model.getSpecies(s)
        if not species.getHasOnlySubstanceUnits():
            concentration[symbols.table[s]] = \
                symbols.table[s] / symbols.table[species.getCompartment()]
    return expression.xreplace(concentration)


def _amount_of(species, value, symbols):
    """A rule species' value as an amount (its rule gives a concentration unless
    hasOnlySubstanceUnits)."""
    if species.getHasOnlySubstanceUnits():
        return value
    return value * symbols.sizes.get(species.getCompartment(), 1.0)


def _reaction(reaction, symbols, model, name):
    """``(text, rate, None)`` for a mass-action law, ``(text, None, law)`` otherwise."""
    if reaction.getReversible():
        raise invalid(f"reaction {name!r}", _FUNCTION, "irreversible (write the "
                      "two directions as two reactions)", "reversible")
    if reaction.isSetFast() and reaction.getFast():
        raise invalid(f"reaction {name!r}", _FUNCTION, "not fast (fast reactions are "
                      "not supported)", "fast")
    reactants = _side(reaction.getListOfReactants(), symbols, name)
    products = _side(reaction.getListOfProducts(), symbols, name)
    law = _law(reaction, symbols, model, name)
    values = _values(symbols)
    counts = {s: symbols.table[s] for s in symbols.state}
    form = mass_action_form(law.xreplace(values), counts, reactants)
    if form is None:
        return f"{_text(reactants)} -> {_text(products)}", None, law
    rate, orders = form
    catalysts = {s: m - reactants.get(s, 0) for s, m in orders.items()}
    products = {s: products.get(s, 0) + catalysts.get(s, 0) for s in symbols.state}
    return f"{_text(orders)} -> {_text(products)}", rate, None


def _law(reaction, symbols, model, name):
    where = f"kinetic law of reaction {name!r}"
    law = reaction.getKineticLaw()
    if law is None or law.getMath() is None:
        raise invalid(f"reaction {name!r}", _FUNCTION, "a reaction with a kinetic law",
                      None)
    local = {p.getId(): p.getValue() for p in law.getListOfLocalParameters()}
    local.update({p.getId(): p.getValue() for p in law.getListOfParameters()})
    renamed = {key: sympy.Symbol(f"{name}.{key}") for key in local}
    for key, value in local.items():
        symbols.parameters[f"{name}.{key}"] = value
        symbols.table[f"{name}.{key}"] = renamed[key]
    scoped = _Symbols(symbols.sizes, symbols.state, symbols.fixed, symbols.parameters,
                      symbols.rules, {**symbols.table, **renamed})
    expression = _expression(law.getMath(), scoped, model, where)
    if TIME in expression.free_symbols:
        raise invalid(where, _FUNCTION, "a law that does not depend on time (the SSA "
                      "needs propensities constant between reactions)",
                      _libsbml().formulaToL3String(law.getMath()))
    return expression


def _initial_amount(species, sizes):
    if species.isSetInitialAmount():
        return species.getInitialAmount()
    if species.isSetInitialConcentration():
        return species.getInitialConcentration() * sizes.get(species.getCompartment(), 1.0)
    raise invalid(f"species {species.getId()!r}", _FUNCTION,
                  "given an initial amount or concentration", "neither")


def _count(amount, name):
    # concentrations times sizes may miss a whole number by a rounding error
    nearest = round(amount) if abs(amount) < 2 ** 62 else amount
    if not (amount >= 0 and abs(amount - nearest) <= 1e-9 * max(1.0, abs(amount))):
        raise invalid(f"species {name!r}", _FUNCTION,
                      "a whole, non-negative initial number of molecules", amount)
    return int(nearest)


def _side(references, symbols, reaction):
    """``{species: coefficient}`` of one side, boundary (fixed) species dropped."""
    side = {}
    for reference in references:
        coefficient = reference.getStoichiometry()
        if reference.isSetStoichiometryMath() or not (
                coefficient > 0 and float(coefficient).is_integer()):
            raise invalid(f"reaction {reaction!r}", _FUNCTION,
                          "a reaction with positive integer stoichiometry", coefficient)
        name = reference.getSpecies()
        if name in symbols.state and not _is_boundary(reference):
            side[name] = side.get(name, 0) + int(coefficient)
    return side


def _is_boundary(reference):
    species = reference.getModel().getSpecies(reference.getSpecies())
    return species.getBoundaryCondition()


def _text(side):
    return " + ".join(f"{c} {s}" if c > 1 else s for s, c in side.items() if c) or "0"
