"""SBML events a stochastic simulation can execute exactly: no delays, no priorities.

An event fires when its trigger goes from false to true (SBML L2/L3); its assignments
are all evaluated with the state before the event, then applied at once.  Two kinds of
trigger are read:

* on time alone, ``time >= t0`` (fires at t0, so an output at t0 shows it) or
  ``time > t0`` (fires just after t0): the SSA stops at t0, applies it and draws the
  next reaction afresh (exact: waiting times are memoryless);
* on species and parameters alone (``P2 > 30``): species only change at reactions, so
  the trigger is evaluated after every reaction and event, exactly.

A trigger true at t = 0 fires then only if its ``initialValue`` (L3) is false; L2 has
no such attribute and behaves as ``initialValue`` true.  Triggers that mix time and
species are refused (their firing time would need root finding).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sympy

from dynboltz.messages import invalid
from dynboltz.symbolic.sbml_math import TIME

__all__ = ["SbmlEvent", "read_events"]


@dataclass(frozen=True)
class SbmlEvent:
    """One event of an SBML model.

    Attributes
    ----------
    name : str
        The event id (or ``"event<i>"`` if it has none).
    assignments : dict of str -> sympy.Expr
        New count of each assigned species, in count and parameter symbols.
    time : float or None
        t0 of a trigger on time alone; None for a trigger on species.
    strict : bool
        For a time trigger: ``time > t0`` (True) or ``time >= t0`` (False).
    trigger : sympy Boolean or None
        The trigger on species and parameters (None for a time trigger).
    initial_value : bool
        Whether the trigger counts as true just before t = 0.
    """

    name: str
    assignments: dict
    time: float | None = None
    strict: bool = False
    trigger: sympy.Basic | None = None
    initial_value: bool = True

    @property
    def free_symbols(self) -> set[sympy.Symbol]:
        """Symbols of the trigger and assignments."""
        found = set().union(*(e.free_symbols for e in self.assignments.values()))
        return found | (self.trigger.free_symbols if self.trigger is not None else set())


def read_events(model, level: int, expression: Callable, state: Sequence[str],
                function: str, values: dict | None = None) -> list[SbmlEvent]:
    """Read a libsbml model's events.

    Parameters
    ----------
    model : libsbml.Model
    level : int
        SBML level (``initialValue`` exists from L3).
    expression : callable
        ``expression(math, where)`` -> sympy expression in count and parameter symbols.
    state : sequence of str
        Ids of the species in the simulated state (the only assignable ones).
    function : str
        Public function name for error messages.
    values : dict of sympy.Symbol -> float, optional
        Parameter values, to evaluate t0 of a time trigger.

    Returns
    -------
    list of SbmlEvent

    Raises
    ------
    ValueError
        A delay, a priority, an assignment to anything but a state species, or a
        trigger mixing time and species (the message names the event and feature).
    """
    events = []
    for index, event in enumerate(model.getListOfEvents()):
        name = event.getId() or f"event{index}"
        where = f"event {name!r}"
        if event.isSetDelay():
            raise invalid(where, function, "an event without delay (event delays are "
                          "not supported)", "a delay")
        if event.isSetPriority():
            raise invalid(where, function, "an event without priority (event "
                          "priorities are not supported)", "a priority")
        trigger = expression(event.getTrigger().getMath() if event.isSetTrigger() else None,
                             f"trigger of {where}")
        assignments = {}
        for assignment in event.getListOfEventAssignments():
            target = assignment.getVariable()
            if target not in state:
                raise invalid(where, function, "assigning species of the state only "
                              "(event assignments to parameters or compartments are "
                              "not supported)", target)
            value = expression(assignment.getMath(), f"assignment to {target!r} in {where}")
            species = model.getSpecies(target)
            if not species.getHasOnlySubstanceUnits():
                value = value * sympy.Symbol(species.getCompartment())
            assignments[target] = value
        initial = (event.getTrigger().getInitialValue()
                   if level >= 3 and event.getTrigger().isSetInitialValue() else True)
        events.append(_classified(name, where, trigger, assignments, initial, function,
                                  values or {}))
    return events


def _classified(name, where, trigger, assignments, initial, function, values):
    if TIME not in trigger.free_symbols:
        return SbmlEvent(name, assignments, trigger=trigger, initial_value=bool(initial))
    if isinstance(trigger, (sympy.GreaterThan, sympy.StrictGreaterThan, sympy.LessThan,
                            sympy.StrictLessThan)) and trigger.gts == TIME:
        bound = sympy.sympify(trigger.lts).xreplace(values)
        if bound.is_number and bound.is_real:
            strict = isinstance(trigger, (sympy.StrictGreaterThan, sympy.StrictLessThan))
            return SbmlEvent(name, assignments, time=float(bound), strict=strict,
                             initial_value=bool(initial))
    raise invalid(f"trigger of {where}", function, "a trigger on time alone (time >= t0) "
                  "or on species and parameters alone (triggers mixing time and "
                  "species are not supported)", str(trigger))
