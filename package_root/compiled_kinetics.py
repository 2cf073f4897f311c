"""`CompiledKinetics`: a well-mixed model with compiled kinetic laws and events.

The contract between codegen (`dynboltz.codegen.compile_kinetics`, which builds it
from an SBML model) and the runtime (`dynboltz.runtime.wellmixed.simulate_kinetics`,
which reads it), so it sits at the package root every layer shares: plain Python and
numpy, no sympy.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


class CompiledKinetics:
    """A reaction network whose propensities and events are compiled C functions.

    Built by ``dynboltz.codegen.compile_kinetics``; not constructed by users.

    Attributes
    ----------
    name : str
        Model name.
    species, process_names, event_names, assigned_names : tuple of str
        State species (S), reactions (J), events (E), rule species (A).
    reactants, products : numpy.ndarray of int64, shape (J, S)
        Stoichiometry; net change products − reactants.
    rates : numpy.ndarray of float64, shape (J,)
        Mass-action constant of reaction j (propensity rates[j] Π_s (n_s)_{r_js}),
        used where ``law_index[j] < 0``.
    law_index : numpy.ndarray of int64, shape (J,)
        −1 for a mass-action reaction, else its entry in the ``laws`` table.
    law_species : tuple of numpy.ndarray of int64
        For each compiled law, the species it reads (for the dependency graph).
    parameters : numpy.ndarray of float64, shape (P,)
        Values of ``param_names``, passed to every compiled function.
    param_names : tuple of str
    initial : numpy.ndarray of int64, shape (S,)
        Initial counts.
    laws, triggers, assignments : PyCapsule or None
        Tables of C functions (``dynboltz.kinetics.laws``: ``double (const int64_t*
        n, const double* p)``; ``.triggers``: ``bint (n, p)``; ``.assignments``:
        ``void (n, p, double* out)``), None when there are none.
    event_time : numpy.ndarray of float64, shape (E,)
        t0 of a time event, NaN for an event triggered by species.
    event_strict, event_initial_value : numpy.ndarray of bool, shape (E,)
        ``time > t0`` rather than ``>=``; the trigger's value just before t = 0.
    target_ptr, target_species : numpy.ndarray of int64
        CSR: event e assigns species ``target_species[target_ptr[e]:target_ptr[e+1]]``,
        in the order its assignment function writes them.
    assigned : callable or None
        ``assigned(x, p)``: rule species amounts (..., A) at counts x (..., S).
    """

    def __init__(self, *, name: str, species: Sequence[str], process_names: Sequence[str],
                 reactants: np.ndarray, products: np.ndarray, rates: np.ndarray,
                 law_index: np.ndarray, law_species: Sequence[np.ndarray],
                 parameters: np.ndarray, param_names: Sequence[str], initial: np.ndarray,
                 laws: object, triggers: object, assignments: object,
                 event_names: Sequence[str], event_time: np.ndarray,
                 event_strict: np.ndarray, event_initial_value: np.ndarray,
                 target_ptr: np.ndarray, target_species: np.ndarray,
                 assigned_names: Sequence[str],
                 assigned: Callable[..., np.ndarray] | None) -> None:
        self.name = name
        self.species = tuple(species)
        self.process_names = tuple(process_names)
        self.reactants = np.asarray(reactants, dtype=np.int64)
        self.products = np.asarray(products, dtype=np.int64)
        self.rates = np.asarray(rates, dtype=np.float64)
        self.law_index = np.asarray(law_index, dtype=np.int64)
        self.law_species = tuple(np.asarray(s, dtype=np.int64) for s in law_species)
        self.parameters = np.asarray(parameters, dtype=np.float64)
        self.param_names = tuple(param_names)
        self.initial = np.asarray(initial, dtype=np.int64)
        self.laws = laws
        self.triggers = triggers
        self.assignments = assignments
        self.event_names = tuple(event_names)
        self.event_time = np.asarray(event_time, dtype=np.float64)
        self.event_strict = np.asarray(event_strict, dtype=bool)
        self.event_initial_value = np.asarray(event_initial_value, dtype=bool)
        self.target_ptr = np.asarray(target_ptr, dtype=np.int64)
        self.target_species = np.asarray(target_species, dtype=np.int64)
        self.assigned_names = tuple(assigned_names)
        self._assigned = assigned

    def assigned_values(self, counts: np.ndarray) -> np.ndarray:
        """Amounts of the rule species at the given counts.

        Parameters
        ----------
        counts : array_like, shape (..., S)
            E.g. the (R, T, S) ``counts`` of ``simulate_kinetics``.

        Returns
        -------
        numpy.ndarray of float64, shape (..., A)
        """
        counts = np.asarray(counts, dtype=np.float64)
        if self._assigned is None:
            return np.zeros(counts.shape[:-1] + (0,))
        return self._assigned(counts, self.parameters)

    def __repr__(self):
        return (f"CompiledKinetics(name={self.name!r}, species={self.species!r}, "
                f"process_names={self.process_names!r}, events={self.event_names!r})")
