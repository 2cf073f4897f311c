"""``dynboltz compile``, ``simulate`` and ``learn``: a user's own lattice motif from a TOML file.

* ``compile MOTIF.toml --out DIR`` writes the generated ``.pyx`` and a built module
  that imports without sympy or the cache (``dynboltz.codegen.export_motif``);
  ``--emit-only`` writes the source alone.
* ``simulate MOTIF.toml --rates k=v,... --out ens.npz|.csv|.json`` runs an ensemble of
  lattice simulations (``dynboltz.runtime.lattice.simulate``); an ``.npz`` output is
  checkpointed, so re-running an interrupted command resumes it.
* ``learn MOTIF.toml --data ens.npz --out fit.json|.csv`` learns the rates of the
  reduced model eq. 52 from the ensemble with Algorithm 2 (``learn_rates``).

MOTIF may also be the name of a built-in motif (``barw``, ``trivalent``, ``sep``, ...).
Every option is checked, and the output location tried, before any work starts.
"""
from __future__ import annotations

import argparse
import re
import sys
import threading
from pathlib import Path

import numpy as np

from dynboltz.messages import invalid
from dynboltz.runtime.cli.options import (
    check_ensemble_memory, check_lattice_size, check_not_replaced, check_out_file,
    check_out_folder, check_positive, check_seed, lattice_size, parse_assignments, parse_times)
from dynboltz.runtime.common.ensemble import ENSEMBLE_SUFFIXES
from dynboltz.runtime.common.result_files import FIT_SUFFIXES, write_fit

__all__ = ["add_motif_commands", "MOTIF_COMMANDS"]

_OPTIMIZER_NAMES = ("lbfgs", "trust-constr", "paper", "nesterov", "adam")
"""``learn --optimizer`` choices: learn_rates' optimisers, its default first."""


def add_motif_commands(commands: argparse._SubParsersAction) -> None:
    """Add the ``compile``, ``simulate`` and ``learn`` subcommands to a parser."""
    motif_help = "motif TOML file (see README, 'Motifs in TOML') or a built-in motif name"
    closure_help = ("closure of the reduced model: chain or chain2 on the ring; bethe, strip "
                    "or plaquette on square lattices; bethe or cube on cubic ones (default: "
                    "the lattice's own, chain on the ring and bethe otherwise)")
    compile_ = commands.add_parser(
        "compile", help="generate and build a motif's compiled basis-function library")
    compile_.add_argument("motif", help=motif_help)
    compile_.add_argument("--out", type=Path, required=True, help="output folder")
    compile_.add_argument("--name", help="module name (default: from the file name)")
    compile_.add_argument("--emit-only", action="store_true",
                          help="write the Cython source only, do not compile")
    compile_.add_argument("--closure", help=closure_help)

    simulate = commands.add_parser("simulate", help="simulate a lattice motif (ensemble)")
    simulate.add_argument("motif", help=motif_help)
    simulate.add_argument("--rates", required=True,
                          help="rate of every process, e.g. fill=1,decay=0.5")
    simulate.add_argument("--N", type=lattice_size, default=100,
                          help="lattice size: sites of a ring, or L1xL2 (square), L1xL2xL3 "
                               "(cubic) as the motif's lattice needs (default 100)")
    simulate.add_argument("--times", default="0:1:101",
                          help="record times: start:stop:count or t1,t2,... (default 0:1:101)")
    simulate.add_argument("--replicates", type=int, default=100,
                          help="independent simulations (default 100)")
    simulate.add_argument("--initial", help="Boltzmann parameters of the initial lattices, "
                                            "e.g. h_A=1,J_AA=-0.5 (others 0)")
    simulate.add_argument("--scheme", choices=("exact", "paper"), default="exact",
                          help="exact kinetic Monte Carlo or the paper's discrete-time "
                               "scheme (default exact)")
    simulate.add_argument("--closure", help=closure_help + "; it draws the initial "
                          "lattices from --initial")
    simulate.add_argument("--snapshots", action="store_true",
                          help="also keep the lattices at the record times (.npz only)")
    simulate.add_argument("--workers", type=int, help="local processes (default: all cores)")
    simulate.add_argument("--overwrite", action="store_true",
                          help="replace an existing --out (.npz: one written by other "
                               "options; .csv, .json: any)")
    simulate.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    simulate.add_argument("--out", type=Path, required=True,
                          help="ensemble file: .npz (resumable), .csv or .json")

    learn = commands.add_parser("learn", help="learn a motif's rates from simulation data "
                                              "(Algorithm 2)")
    learn.add_argument("motif", help=motif_help)
    learn.add_argument("--data", type=Path, required=True,
                       help="ensemble .npz written by dynboltz simulate")
    learn.add_argument("--theta0", help="initial rates, e.g. fill=1,decay=0.5 (default 1)")
    learn.add_argument("--initial", help="Boltzmann parameters at the first time "
                                         "(default: those the data were simulated from)")
    learn.add_argument("--closure", help=closure_help)
    learn.add_argument("--checkpoint", type=Path,
                       help="learning checkpoint .npz, written every few iterations; "
                            "running the same command again resumes from it")
    learn.add_argument("--overwrite", action="store_true",
                       help="replace an existing --out")
    learn.add_argument("--iterations", type=int,
                       help="iteration limit; the run stops earlier on the tolerance "
                            "(default: 500 for lbfgs/trust-constr, 400 for gradient steps)")
    learn.add_argument("--optimizer", choices=_OPTIMIZER_NAMES, default=_OPTIMIZER_NAMES[0],
                       help="lbfgs (default: scipy L-BFGS-B on the exact action), "
                            "trust-constr, or the gradient steps paper, nesterov, adam")
    learn.add_argument("--learning-rate", type=float,
                       help="step size of paper, nesterov, adam (default: the "
                            "optimiser's default)")
    learn.add_argument("--l2", type=float, default=0.0,
                       help="weight of the L2 term towards theta0 (default 0)")
    learn.add_argument("--substeps", type=int, default=4,
                       help="RK4 steps per data interval (default 4)")
    learn.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    learn.add_argument("--out", type=Path, required=True, help="fit file: .json or .csv")


def _motif(spec, command, closure=None):
    """(LatticeMotif, library getter) of a TOML path or a built-in library name.

    ``closure`` (``--closure``; None: the lattice's default) is checked here, before
    any work; the getter compiles (or loads from the cache) the motif under it.
    """
    from dynboltz.codegen.closures import closure_emitter
    from dynboltz.codegen.motif import BUILTIN_LIBRARY
    from dynboltz.lattices import lattice_kind
    from dynboltz.symbolic import LatticeMotif

    builtin = spec in BUILTIN_LIBRARY and not Path(spec).exists()
    if builtin:
        motif = LatticeMotif.builtin(BUILTIN_LIBRARY[spec])
    elif not Path(spec).is_file():
        raise invalid("MOTIF", f"dynboltz {command}", "a motif TOML file or one of "
                      f"{sorted(BUILTIN_LIBRARY)}", spec, SystemExit)
    else:
        motif = LatticeMotif.from_toml(spec)
    if closure is not None or lattice_kind(motif.geometry, f"dynboltz {command}",
                                           "MOTIF").default_closure is not None:
        emitter = closure_emitter(motif.geometry, closure, f"dynboltz {command}")
        closure = emitter.name
    if builtin and closure == "chain":
        from dynboltz.generated import library

        return motif, lambda: getattr(library, spec)

    def compiled():
        from dynboltz.codegen import compile_motif

        return compile_motif(motif, closure=closure)

    return motif, compiled


def _module_name(spec):
    stem = re.sub(r"\W", "_", Path(spec).stem, flags=re.ASCII)[:64]
    return stem if re.match(r"[A-Za-z]", stem) else f"motif_{stem}"[:64]


def _checked_module_name(args):
    from dynboltz.codegen.names import check_importable_name

    if args.name is not None:
        check_importable_name(args.name, "--name", "dynboltz compile", SystemExit,
                              out_dir=args.out)
        return args.name
    name = _module_name(args.motif)
    check_importable_name(name, "--name", "dynboltz compile", SystemExit,
                          f" (the default, from the file name {args.motif!r}; pass "
                          f"--name)", args.out)
    return name


def _compile(args):
    from dynboltz.codegen.export import export_motif

    name = _checked_module_name(args)
    motif, _ = _motif(args.motif, "compile", args.closure)
    out = check_out_folder(args.out, "compile")
    closure = f" --closure {args.closure}" if args.closure else ""
    path = export_motif(motif, out, name=name, emit_only=args.emit_only, closure=args.closure,
                        regenerate=f"dynboltz compile {args.motif} --out {out}{closure}"
                                   f"{' --emit-only' if args.emit_only else ''}")
    print(f"wrote {path}")
    if not args.emit_only:
        print(f"use it from Python with: sys.path.insert(0, {str(out)!r}); import {name}; "
              f"lib = {name}.library()")
    print(f"dynboltz simulate and learn do not need this file: given {args.motif}"
          f"{closure} they build the same library once into the cache "
          f"(DYNBOLTZ_CACHE) and reuse it")


def _x0(text, motif, option, command):
    values = parse_assignments(text, motif.param_names, option, command, complete=False)
    return np.array([values.get(name, 0.0) for name in motif.param_names])


def _checked_simulation(args):
    motif, compiled = _motif(args.motif, "simulate", args.closure)
    out = check_out_file(args.out, ENSEMBLE_SUFFIXES, "simulate")
    if args.snapshots and out.suffix != ".npz":
        raise invalid("--out", "dynboltz simulate", "an .npz file with --snapshots",
                      str(out), SystemExit)
    check_not_replaced(out, args.overwrite, "simulate")
    check_seed(args.seed, "simulate")
    for option in ("replicates", "workers"):
        check_positive(getattr(args, option), f"--{option}", "simulate")
    n_sites = check_lattice_size(args.N, "--N", "simulate")
    rates = parse_assignments(args.rates, motif.process_names, "--rates", "simulate",
                              complete=True)
    times = parse_times(args.times, "--times", "simulate", motif.n_params)
    x0 = _x0(args.initial, motif, "--initial", "simulate")
    check_ensemble_memory(args.replicates, times.size, motif.n_params, n_sites,
                          args.snapshots, "simulate")
    return motif, compiled, out, rates, times, x0


def _show_progress():
    """Progress bars of every command: on a terminal, none in a log (stderr redirected)."""
    return sys.stderr.isatty()


def _with_progress(save, total, run):
    """Run ``run()`` while a tqdm bar counts the replicates checkpointed under ``save``."""
    from tqdm import tqdm

    parts = Path(str(save) + ".parts")
    bar = tqdm(total=total, desc="replicates", unit="replicate", disable=not _show_progress())
    stop = threading.Event()

    def poll():
        while not stop.wait(0.25):
            done = sum(1 for _ in parts.glob("replicate_*.npz")) if parts.is_dir() else 0
            bar.update(max(done - bar.n, 0))

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    try:
        result = run()
        bar.update(total - bar.n)
    finally:
        stop.set()
        watcher.join()
        bar.close()
    return result


def _simulate(args):
    from dynboltz.runtime.lattice.simulation import simulate

    from dynboltz.lattices import lattice_kind

    motif, compiled, out, rates, times, x0 = _checked_simulation(args)
    # a lattice without a closure (square, cubic) is simulated from the motif's rules
    has_closure = lattice_kind(motif.geometry, "dynboltz simulate").default_closure
    lib = compiled() if has_closure else motif
    # Non-.npz results are checkpointed next to the output, then converted.
    save = out if out.suffix == ".npz" else out.with_name(f".{out.name}.npz")
    ensemble = _with_progress(save, args.replicates, lambda: simulate(
        lib, rates, x0, times, args.replicates, args.seed, N=args.N, scheme=args.scheme, snapshots=args.snapshots, workers=args.workers,
        save=save, overwrite=args.overwrite))
    if save != out:
        ensemble.save(out)
        save.unlink()
    print(f"{args.replicates} replicates of {lib.n_params} moments at {times.size} times "
          f"(N = {'x'.join(map(str, np.atleast_1d(args.N)))}, {args.scheme} scheme); "
          f"wrote {out}")


def _data(path, lib):
    from dynboltz.runtime.common.ensemble import load_ensemble

    ensemble = load_ensemble(path)
    if ensemble.metadata.get("motif_hash") != lib.motif_hash:
        raise invalid("--data", "dynboltz learn", "an ensemble simulated from this motif",
                      f"{path} (simulated from "
                      f"{ensemble.metadata.get('process_names', 'another motif')})",
                      SystemExit)
    return ensemble


def _learning_x0(args, motif, ensemble, lib):
    if args.initial is not None:
        return _x0(args.initial, motif, "--initial", "learn")
    recorded = ensemble.metadata.get("initial", {}).get("x0")
    if recorded is not None:
        return np.asarray(recorded, dtype=np.float64)
    from dynboltz.runtime.lattice import fit_parameters

    # explicit initial lattices: the closure's Boltzmann parameters matching their mean moments
    return fit_parameters(lib, ensemble.moments[:, 0].mean(axis=0))


def _learn(args):
    from dynboltz.runtime.learning import learn_rates

    motif, compiled = _motif(args.motif, "learn", args.closure)
    out = check_out_file(args.out, FIT_SUFFIXES, "learn")
    check_not_replaced(out, args.overwrite, "learn")
    if args.checkpoint is not None:
        check_out_file(args.checkpoint, (".npz",), "learn", "--checkpoint")
    if args.data.suffix != ".npz":
        raise invalid("--data", "dynboltz learn", "an ensemble .npz file (the .csv and "
                      ".json exports are for reading elsewhere; simulate with --out "
                      "ens.npz to learn from it)", str(args.data), SystemExit)
    if not args.data.is_file():
        raise invalid("--data", "dynboltz learn", "an existing ensemble .npz file",
                      str(args.data), SystemExit)
    check_seed(args.seed, "learn")
    check_positive(args.substeps, "--substeps", "learn")
    check_positive(args.iterations, "--iterations", "learn")
    if args.learning_rate is not None and args.optimizer in ("lbfgs", "trust-constr"):
        raise invalid("--learning-rate", "dynboltz learn", "given only with --optimizer "
                      "paper, nesterov or adam (a line search chooses the step of "
                      f"{args.optimizer})", args.learning_rate, SystemExit)
    given = parse_assignments(args.theta0, motif.process_names, "--theta0", "learn",
                              complete=False)
    theta0 = np.array([given.get(name, 1.0) for name in motif.process_names])
    if np.any(theta0 < 0):
        raise invalid("--theta0", "dynboltz learn", "rates >= 0", args.theta0, SystemExit)
    lib = compiled()
    ensemble = _data(args.data, lib)
    x0 = _learning_x0(args, motif, ensemble, lib)
    result = learn_rates(lib, ensemble, x0, theta0, iterations=args.iterations,
                         optimizer=args.optimizer, learning_rate=args.learning_rate,
                         l2=args.l2, substeps=args.substeps, seed=args.seed,
                         checkpoint=args.checkpoint, resume=args.checkpoint is not None,
                         progress=_show_progress())
    summary = _fit_summary(args, lib, ensemble, x0, theta0, result)
    _print_fit(summary)
    print(f"wrote {write_fit(summary, out)}")


def _fit_summary(args, lib, ensemble, x0, theta0, result):
    rates = dict(result.rates)
    initial, learned = result.moment_errors()
    info = result.info
    return {
        "motif": str(args.motif), "motif_hash": lib.motif_hash, "data": str(args.data),
        "geometry": lib.geometry, "closure": lib.closure,
        "process_names": list(lib.process_names), "rates": rates,
        # JSON has no infinity: an undetermined rate's error is null (and listed)
        "standard_errors": None if result.standard_errors is None else {
            name: _finite_or_none(value) for name, value in result.standard_errors.items()},
        "convergence": {key: _finite_or_none(info.get(key)) for key in (
            "converged", "message", "iterations", "evaluations", "gradient_norm",
            "step_size", "condition_number", "undetermined")},
        "theta0": dict(zip(lib.process_names, theta0.tolist())),
        "simulated_rates": ensemble.metadata.get("rates"),
        "x0": dict(zip(lib.param_names, np.asarray(x0).tolist())),
        "moment_error_initial": float(initial), "moment_error_learned": float(learned),
        # χ²/point against the data's noise; effective: the closure cannot follow them
        "misfit": {"ratio": info.get("misfit_ratio"),
                   "effective_rates": info.get("effective_rates", False)},
        "settings": {"iterations": info["settings"]["iterations"], "optimizer": args.optimizer,
                     "learning_rate": info["settings"]["learning_rate"],
                     "l2": args.l2, "substeps": args.substeps, "seed": args.seed},
        "theta_history": np.asarray(result.theta_history).tolist(),
        "action_history": np.asarray(result.action_history).tolist(),
        "times": np.asarray(result.times).tolist(), "moment_names": list(lib.moment_names),
        "data_moments": np.asarray(result.data_moments).tolist(),
        "initial_moments": np.asarray(result.initial_moments).tolist(),
        "predicted_moments": np.asarray(result.predicted_moments).tolist(),
    }


def _finite_or_none(value):
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _print_fit(summary):
    simulated = summary["simulated_rates"] or {}
    errors = summary["standard_errors"] or {}
    print(f"{'process':<16} {'theta0':>10} {'learned':>10} {'std error':>10} "
          f"{'simulated':>10}")
    for name in summary["process_names"]:
        reference = f"{simulated[name]:10.4g}" if name in simulated else f"{'-':>10}"
        error = errors.get(name)
        error = f"{error:10.2g}" if error is not None else f"{'-':>10}"
        print(f"{name:<16} {summary['theta0'][name]:10.4g} {summary['rates'][name]:10.4g} "
              f"{error} {reference}")
    print(f"moment error: {summary['moment_error_initial']:.3e} -> "
          f"{summary['moment_error_learned']:.3e}")
    misfit = summary["misfit"]
    if misfit["ratio"] is not None:
        verdict = ("effective rates: the closure cannot follow the data, the rates differ "
                   "from the simulated ones by more than their standard errors"
                   if misfit["effective_rates"] else "the model follows the data to "
                   "within their noise")
        print(f"misfit at the optimum: {np.sqrt(misfit['ratio']):.3g}× the data's noise "
              f"(χ²/point {misfit['ratio']:.3g}): {verdict}")
    convergence = summary["convergence"]
    print(f"{'converged' if convergence['converged'] else 'not converged'} after "
          f"{convergence['iterations']} iterations: {convergence['message']}")


MOTIF_COMMANDS = {"compile": _compile, "simulate": _simulate, "learn": _learn}
"""Subcommand name -> ``f(args)``."""
