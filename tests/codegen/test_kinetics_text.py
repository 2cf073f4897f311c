"""emit_kinetics at the text level: what the generated module holds, no compiler."""
import pytest
import sympy

from dynboltz.codegen import emit_kinetics
from dynboltz.symbolic.sbml import SbmlEvent, SbmlModel
from dynboltz.symbolic.wellmixed import WellMixed

S, P, vmax, km = sympy.symbols("S P Vmax Km")


def _model(law=vmax * S / (km + S)):
    network = WellMixed({"make": "0 -> S", "convert": "S -> P"}, species=["S", "P"])
    events = (SbmlEvent("reset", {"S": sympy.Integer(0)}, time=10.0),
              SbmlEvent("full", {"P": sympy.Integer(0), "S": P}, trigger=P > 40))
    return SbmlModel(network, {"make": 2.0}, [0, 0], "mm", {"Vmax": 3.0, "Km": 5.0},
                     {"convert": law}, {}, events)


def test_one_function_per_law_trigger_and_assignment_in_fixed_tables():
    source = emit_kinetics(_model(), name="mm")["mm.pyx"]
    assert "cdef double _law_0(const int64_t* _n, const double* _p)" in source
    assert "return S*Vmax/(Km + S)" in source
    assert "cdef double S = <double>_n[0]" in source and "cdef double Km = _p[0]" in source
    # triggers and assignments are indexed by event; the time event has no trigger
    assert "_TRIGGERS[1] = _trigger_1" in source and "_trigger_0" not in source
    assert "_ASSIGNMENTS[0] = _assign_0" in source and "_ASSIGNMENTS[1] = _assign_1" in source
    assert "return (P > 40.0)" in source
    assert "_out[0] = 0.0\n    _out[1] = P" in source


def test_the_source_is_deterministic_and_names_its_input_hash():
    first, second = emit_kinetics(_model(), "mm"), emit_kinetics(_model(), "mm")
    assert first == second
    other = emit_kinetics(_model(law=vmax * S ** 2 / (km + S ** 2)), "mm")
    assert other != first
    header = first["mm.pyx"].splitlines()[2]
    assert header.startswith("# Symbolic input sha256(srepr): ")


def test_a_law_the_printer_cannot_print_names_its_reaction():
    with pytest.raises(ValueError, match="`kinetic law of reaction 'convert'` of "
                                         "`emit_kinetics` must be `made of functions"):
        emit_kinetics(_model(law=vmax * sympy.sign(S - 3)), "mm")
