"""Compile a model's general kinetic laws and events into C functions for the SSA.

``emit_kinetics`` prints one Cython function per general kinetic law, per trigger on
species and per event's assignments (sympy -> `CythonCodePrinter`, common
subexpressions named ``_t0, _t1, ...``) into ``kernels/kinetics.pyx.in``;
``compile_kinetics`` builds it through the content-hash cache (`load_module`) and
returns the `dynboltz.compiled_kinetics.CompiledKinetics` that
``dynboltz.runtime.wellmixed.simulate_kinetics`` runs.  Mass-action reactions stay
on the SSA's falling-factorial fast path; a model with no general law and no event
compiles nothing.
"""
from __future__ import annotations

import hashlib
import math

import numpy as np
import sympy
from sympy.utilities.iterables import numbered_symbols

from dynboltz.compiled_kinetics import CompiledKinetics
from dynboltz.messages import invalid, public

from .build import load_module
from .emit import dynboltz_version, local_names
from .expressions import compile_expressions
from .kernels import snippet, template
from .printer import CythonCodePrinter, UnsupportedExpressionError

__all__ = ["compile_kinetics", "emit_kinetics"]

_SIGNATURES = {
    "law": "cdef double {name}(const int64_t* _n, const double* _p) noexcept nogil:",
    "trigger": "cdef bint {name}(const int64_t* _n, const double* _p) noexcept nogil:",
    "assign": "cdef void {name}(const int64_t* _n, const double* _p, double* _out) "
              "noexcept nogil:",
}


def _symbols(model):
    counts = tuple(sympy.Symbol(s) for s in model.reactions.species)
    params = tuple(sympy.Symbol(p) for p in sorted(model.parameters))
    return counts, params


@public
def emit_kinetics(model, name: str = "kinetics") -> dict[str, str]:
    """Cython source of the compiled laws, triggers and assignments of ``model``.

    Parameters
    ----------
    model : dynboltz.symbolic.sbml.SbmlModel
    name : str
        Module stem.

    Returns
    -------
    dict of str to str
        ``{f"{name}.pyx": source}``.

    Raises
    ------
    ValueError
        If a law, trigger or assignment uses a function the printer cannot print
        (named, with the reaction or event).
    """
    counts, params = _symbols(model)
    names = local_names(counts, params)
    functions, tables, printers = [], [], []
    for kind, table, entries in _entries(model):
        for index, label, expressions in entries:
            function = f"_{kind}_{index}"
            try:
                text, printer = _function(kind, function, expressions, counts, params, names)
            except UnsupportedExpressionError as error:
                raise invalid(label, "emit_kinetics", "made of functions that compile "
                              "to C", str(error)) from error
            functions.append(f"# {label}\n{text}")
            tables.append(f"{table}[{index}] = {function}")
            printers.append(printer)
    libm = set().union(*(p.libm for p in printers))
    helpers = set().union(*(p.helpers for p in printers))
    sizes = {kind: max([i + 1 for i, _, _ in entries], default=0) + 1
             for kind, _, entries in _entries(model)}
    source = template("kinetics.pyx.in").substitute(
        header=_header(model, name),
        libm_cimport=f"from libc.math cimport {', '.join(sorted(libm))}" if libm else "",
        species=repr(tuple(model.reactions.species)),
        param_names=repr(tuple(str(p) for p in params)),
        symbolic_sha256=_sha256(model),
        helpers="".join(snippet(f"{h}.pxi") for h in sorted(helpers)),
        functions="\n\n".join(functions),
        law_slots=sizes["law"], trigger_slots=sizes["trigger"],
        assignment_slots=sizes["assign"],
        tables="\n".join(tables))
    return {f"{name}.pyx": source}


def _entries(model):
    general = [r for r in model.reactions.process_names if r in model.laws]
    laws = [(i, f"kinetic law of reaction {r!r}", [model.laws[r]])
            for i, r in enumerate(general)]
    # indexed by event: time events have no compiled trigger
    triggers = [(i, f"trigger of event {e.name!r}", [e.trigger])
                for i, e in enumerate(model.events) if e.time is None]
    assignments = [(i, f"assignments of event {e.name!r}", list(e.assignments.values()))
                   for i, e in enumerate(model.events) if e.assignments]
    return (("law", "_LAWS", laws), ("trigger", "_TRIGGERS", triggers),
            ("assign", "_ASSIGNMENTS", assignments))


def _function(kind, function, expressions, counts, params, names):
    free = set().union(*(e.free_symbols for e in expressions))
    temporaries = numbered_symbols("_t", exclude=free)
    replacements, reduced = sympy.cse(expressions, symbols=temporaries, list=True)
    names = dict(names)
    names.update((symbol, f"_t{i}") for i, (symbol, _) in enumerate(replacements))
    printer = CythonCodePrinter(names)
    lines = [f"cdef double {names[s]} = <double>_n[{i}]"
             for i, s in enumerate(counts) if s in free]
    lines += [f"cdef double {names[s]} = _p[{i}]" for i, s in enumerate(params) if s in free]
    for symbol, value in replacements:
        kind_of = "bint" if isinstance(value, sympy.logic.boolalg.Boolean) else "double"
        lines.append(f"cdef {kind_of} {names[symbol]} = {printer.print_expression(value)}")
    if kind == "assign":
        lines += [f"_out[{i}] = {printer.print_expression(e)}" for i, e in enumerate(reduced)]
    else:
        lines.append(f"return {printer.print_expression(reduced[0])}")
    body = "\n".join("    " + line for line in lines)
    return f"{_SIGNATURES[kind].format(name=function)}\n{body}", printer


def _sha256(model):
    text = sympy.srepr((tuple(model.reactions.species), tuple(sorted(model.parameters)),
                        tuple(_entries(model))))
    return hashlib.sha256(text.encode()).hexdigest()


def _header(model, name):
    return "\n".join([
        f"# Generated by dynboltz.codegen.emit_kinetics (dynboltz {dynboltz_version()}); "
        "do not edit.",
        f"# Regenerate with: dynboltz.codegen.emit_kinetics(read_sbml(<file of "
        f"{model.name!r}>), name={name!r})",
        f"# Symbolic input sha256(srepr): {_sha256(model)}"])


@public
def compile_kinetics(model, name: str = "kinetics") -> CompiledKinetics:
    """Compile an SBML model's general laws and events for the SSA (cached by content).

    Mass-action reactions keep the falling-factorial fast path; each other reaction
    gets its own compiled propensity function, each trigger on species and each
    event's assignments theirs.  Parameters are runtime values (``parameters``), so
    the same laws with other numbers reuse the build.

    Parameters
    ----------
    model : dynboltz.symbolic.sbml.SbmlModel
        From ``read_sbml``.
    name : str
        Readable module name prefix.

    Returns
    -------
    dynboltz.compiled_kinetics.CompiledKinetics

    Raises
    ------
    TypeError
        If ``model`` is not an SbmlModel.
    ValueError
        If a law, trigger or assignment cannot be compiled (named).
    dynboltz.codegen.CompileError
        If Cython or the C compiler fails.
    """
    if not all(hasattr(model, a) for a in ("reactions", "rates", "laws", "events",
                                           "parameters", "assigned", "initial")):
        raise invalid("model", "compile_kinetics", "a dynboltz.symbolic.sbml.SbmlModel",
                      model, TypeError)
    counts, params = _symbols(model)
    tables = {"LAWS": None, "TRIGGERS": None, "ASSIGNMENTS": None}
    if model.laws or model.events:
        module = load_module(emit_kinetics(model, name), name)
        tables = {key: getattr(module, key) for key in tables}
    reactants, products = model.reactions.stoichiometry()
    processes = model.reactions.process_names
    general = [p for p in processes if p in model.laws]
    assigned = None
    if model.assigned:
        assigned = compile_expressions(list(model.assigned.values()), list(counts),
                                       list(params), name=f"{name}_assigned")
    events = model.events
    targets = [[model.reactions.species.index(s) for s in e.assignments] for e in events]
    return CompiledKinetics(
        name=model.name, species=model.reactions.species, process_names=processes,
        reactants=reactants, products=products,
        rates=[model.rates.get(p, 0.0) for p in processes],
        law_index=[general.index(p) if p in model.laws else -1 for p in processes],
        law_species=[[i for i, s in enumerate(counts) if s in model.laws[p].free_symbols]
                     for p in general],
        parameters=[model.parameters[str(p)] for p in params],
        param_names=[str(p) for p in params], initial=model.initial,
        laws=tables["LAWS"], triggers=tables["TRIGGERS"],
        assignments=tables["ASSIGNMENTS"], event_names=[e.name for e in events],
        event_time=[math.nan if e.time is None else e.time for e in events],
        event_strict=[e.strict for e in events],
        event_initial_value=[e.initial_value for e in events],
        target_ptr=np.cumsum([0] + [len(t) for t in targets]),
        target_species=[i for t in targets for i in t],
        assigned_names=list(model.assigned), assigned=assigned)
