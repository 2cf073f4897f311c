"""SSA with compiled kinetic laws: speed against the mass-action path and GillesPy2.

Two models, written as SBML with libsbml and read with ``read_sbml``:

* dimerisation 2P -> P2 at k1 P (P − 1)/2, P2 -> 2P at k2 P2 (P0 = 1000, k1 = 2e-4,
  k2 = 0.1): mass action, so it runs on every path — ``simulate`` (falling-factorial
  fast path), ``simulate_kinetics`` with mass-action rates, and ``simulate_kinetics``
  with both laws forced through compiled propensity functions;
* Michaelis–Menten turnover 0 -> S at a constant, S -> P at Vmax S / (Km + S): only
  the compiled-law path can run it.

GillesPy2's C++ SSA (``SSACSolver``) runs the same models: mass action by rate
constant, and the laws as ``propensity_function`` strings (its custom propensities).
The last column is the mean at T with its standard error, next to the exact mean
from the master equation.  Compilation (ours and GillesPy2's) is excluded; each entry is the best of a few
repeats, the same number of trajectories and output times for every solver.  Run:
``python benchmarks/bench_sbml_ssa.py`` after ``pip install gillespy2 python-libsbml``
(benchmark-only packages, not dynboltz dependencies).
"""
import os
import sysconfig
import tempfile
import time
from pathlib import Path

import libsbml
import numpy as np
import scipy.sparse
import sympy
from scipy.sparse.linalg import expm_multiply

from dynboltz.codegen import compile_kinetics
from dynboltz.runtime.wellmixed import simulate, simulate_kinetics
from dynboltz.symbolic.sbml import SbmlModel, read_sbml

N_TRAJECTORIES = 2000
TIMES = np.linspace(0.0, 50.0, 11)
REPEATS = 5
DIMER = {"k1": 2e-4, "k2": 0.1, "P0": 1000}
MM = {"alpha": 20.0, "Vmax": 25.0, "Km": 40.0}


def _best_time(run):
    best, result = np.inf, None
    for repeat in range(REPEATS):
        start = time.perf_counter()
        result = run(repeat)
        best = min(best, time.perf_counter() - start)
    return best, result


def _write(path, species, parameters, reactions):
    document = libsbml.SBMLDocument(3, 1)
    model = document.createModel()
    model.setId(path.stem)
    cell = model.createCompartment()
    cell.setId("cell")
    cell.setSize(1.0)
    cell.setConstant(True)
    for name, amount in species.items():
        s = model.createSpecies()
        s.setId(name)
        s.setCompartment("cell")
        s.setInitialAmount(amount)
        s.setHasOnlySubstanceUnits(True)
        s.setBoundaryCondition(False)
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
    libsbml.writeSBMLToFile(document, str(path))
    return read_sbml(path)


def _models(folder):
    dimer = _write(folder / "dimer.xml", {"P": DIMER["P0"], "P2": 0},
                   {"k1": DIMER["k1"], "k2": DIMER["k2"]},
                   [("dimerise", {"P": 2}, {"P2": 1}, "k1 * P * (P - 1) / 2"),
                    ("split", {"P2": 1}, {"P": 2}, "k2 * P2")])
    mm = _write(folder / "mm.xml", {"S": 0, "P": 0}, MM,
                [("make", {}, {"S": 1}, "alpha"),
                 ("convert", {"S": 1}, {"P": 1}, "Vmax * S / (Km + S)")])
    P, P2, k1, k2 = sympy.symbols("P P2 k1 k2")
    forced = SbmlModel(dimer.reactions, {}, dimer.initial, "dimer_forced",
                       {"k1": DIMER["k1"], "k2": DIMER["k2"]},
                       {"dimerise": k1 * P * (P - 1) / 2, "split": k2 * P2})
    return dimer, forced, mm


def _gillespy2_solver(name, species, parameters, reactions):
    """GillesPy2 model: reactions (name, reactants, products, rate name or
    propensity string); compiled here, untimed."""
    scripts = sysconfig.get_path("scripts")
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")
    import gillespy2

    model = gillespy2.Model(name=name)
    model.add_parameter([gillespy2.Parameter(name=k, expression=v)
                         for k, v in parameters.items()])
    made = {s: gillespy2.Species(name=s, initial_value=v, mode="discrete")
            for s, v in species.items()}
    model.add_species(list(made.values()))
    for reaction, reactants, products, law in reactions:
        kind = {"rate": law} if law in parameters else {"propensity_function": law}
        model.add_reaction(gillespy2.Reaction(
            name=reaction, reactants={made[s]: c for s, c in reactants.items()},
            products={made[s]: c for s, c in products.items()}, **kind))
    model.timespan(TIMES)
    solver = gillespy2.SSACSolver(model=model)
    return lambda seed: solver.run(number_of_trajectories=N_TRAJECTORIES, seed=seed + 1)


def _gillespy2_runs():
    dimer_species = {"P": DIMER["P0"], "P2": 0}
    dimer_parameters = {"k1": DIMER["k1"], "k2": DIMER["k2"]}
    return {
        # GillesPy2's mass-action propensity of 2P -> is c P (P - 1), no 1/2
        "dimer mass action": ("P", _gillespy2_solver(
            "dimer_mass", dimer_species, {"c": DIMER["k1"] / 2, "k2": DIMER["k2"]},
            [("dimerise", {"P": 2}, {"P2": 1}, "c"), ("split", {"P2": 1}, {"P": 2}, "k2")])),
        "dimer custom": ("P", _gillespy2_solver(
            "dimer_custom", dimer_species, dimer_parameters,
            [("dimerise", {"P": 2}, {"P2": 1}, "k1*P*(P-1)/2"),
             ("split", {"P2": 1}, {"P": 2}, "k2*P2")])),
        "mm custom": ("S", _gillespy2_solver(
            "mm_custom", {"S": 0, "P": 0}, MM,
            [("make", {}, {"S": 1}, "alpha"),
             ("convert", {"S": 1}, {"P": 1}, "Vmax*S/(Km+S)")])),
    }


def _exact_mean(up, down, size, start, value):
    """Mean of ``value(state)`` at T from the master equation of a one-dimensional
    chain 0..size with rates up(i) (i -> i+1) and down(i) (i -> i-1)."""
    i = np.arange(size + 1)
    gain, loss = up(i).astype(float), down(i).astype(float)
    gain[-1] = loss[0] = 0.0
    generator = scipy.sparse.diags([-(gain + loss), gain[:-1], loss[1:]], [0, -1, 1])
    p = np.zeros(size + 1)
    p[start] = 1.0
    return expm_multiply(generator.tocsc() * TIMES[-1], p) @ value(i)


def _exact_dimer():
    # the state is P2 = i, P = P0 − 2i
    p0, k1, k2 = DIMER["P0"], DIMER["k1"], DIMER["k2"]
    return _exact_mean(lambda i: k1 * (p0 - 2 * i) * (p0 - 2 * i - 1) / 2,
                       lambda i: k2 * i, p0 // 2, 0, lambda i: p0 - 2 * i)


def _exact_mm():
    # truncated at 1000 molecules of S (the mass beyond is below 1e-12)
    return _exact_mean(lambda i: np.full(i.shape, MM["alpha"]),
                       lambda i: MM["Vmax"] * i / (MM["Km"] + i), 1000, 0, lambda i: i)


def _row(label, seconds, final, reference=None):
    ratio = f"{seconds / reference:8.2f}" if reference else f"{'1.00':>8s}"
    print(f"{label:<60s} {seconds * 1e3:9.1f} {ratio} {final.mean():10.2f} "
          f"± {final.std(ddof=1) / np.sqrt(final.size):.2f}")


def main():
    dimer, forced, mm = _models(Path(tempfile.mkdtemp()))
    kinetics = {m.name: compile_kinetics(m, name=f"bench_{m.name}")
                for m in (dimer, forced, mm)}
    print(f"{N_TRAJECTORIES} trajectories to t = {TIMES[-1]:g}, {TIMES.size} output "
          f"times, best of {REPEATS}; time relative to the first row of each model")
    print(f"{'solver (model)':<60s} {'ms':>9s} {'ratio':>8s} {'mean at T':>10s}")
    fast, counts = _best_time(lambda s: simulate(dimer.network, dimer.rates, dimer.initial,
                                                 TIMES, N_TRAJECTORIES, seed=s).counts)
    _row("dynboltz simulate, mass-action path (dimer)", fast, counts[:, -1, 0])
    runs = [("dynboltz simulate_kinetics, mass-action rates (dimer)", kinetics["dimer"]),
            ("dynboltz simulate_kinetics, compiled laws (dimer)", kinetics["dimer_forced"])]
    for label, compiled in runs:
        seconds, counts = _best_time(lambda s, c=compiled: simulate_kinetics(
            c, times=TIMES, replicates=N_TRAJECTORIES, seed=s).counts)
        _row(label, seconds, counts[:, -1, 0], fast)
    try:
        gillespy2 = _gillespy2_runs()
    except Exception as error:  # report why the named baseline could not run
        gillespy2 = {}
        print(f"GillesPy2 unavailable: {type(error).__name__}: {error}")
    for key in ("dimer mass action", "dimer custom"):
        if key in gillespy2:
            species, run = gillespy2[key]
            seconds, results = _best_time(run)
            final = np.array([trajectory[species][-1] for trajectory in results])
            _row(f"GillesPy2 SSACSolver C++, {key.split(' ', 1)[1]} (dimer)", seconds,
                 final, fast)
    print(f"{'exact (master equation)':<60s} {'':>9s} {'':>8s} {_exact_dimer():10.2f}")
    mm_time, counts = _best_time(lambda s: simulate_kinetics(
        kinetics[mm.name], times=TIMES, replicates=N_TRAJECTORIES, seed=s).counts)
    _row("dynboltz simulate_kinetics, compiled law (Michaelis-Menten)", mm_time,
         counts[:, -1, 0])
    if "mm custom" in gillespy2:
        species, run = gillespy2["mm custom"]
        seconds, results = _best_time(run)
        final = np.array([trajectory[species][-1] for trajectory in results])
        _row("GillesPy2 SSACSolver C++, custom (Michaelis-Menten)", seconds, final, mm_time)
    print(f"{'exact (master equation)':<60s} {'':>9s} {'':>8s} {_exact_mm():10.2f}")


if __name__ == "__main__":
    main()
