"""Command-line entry point ``dynboltz``.

``dynboltz demo`` runs Algorithm 2 on the paper's BARW example end to end (simulation
data -> learned effective rates, Sec. III C) with defaults that finish in well under a
minute, prints the rates and the moment error before/after learning and writes the
figures; ``dynboltz demo --wellmixed`` runs Algorithm 1 on the Galton–Watson process
instead (the paper's Fig. 1 setting) and prints learned against analytic F.
``dynboltz reproduce figN`` writes one of the paper's figures 1-5, 7-10 (fig9/fig10
also write the JSON summary of the BARW experiment).
"""
from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from dynboltz.runtime.common.validation import invalid


_TABLE_NODES = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0)
_BARW_FIGURES = ("fig9", "fig10")
_DEMO_REPLICATES = 1000
_DEMO_ITERATIONS = 400
_WELLMIXED_ITERATIONS = 200


def _figures():
    """Every ``reproduce`` entry: name -> ``f(out_dir, seed)``."""
    from dynboltz.runtime.experiments.wellmixed_figures import FIGURES
    from dynboltz.runtime.experiments.lattice_figures import LATTICE_FIGURES
    from dynboltz.runtime.experiments.learning_figures import LEARNING_FIGURES

    return {**FIGURES, **LATTICE_FIGURES, **LEARNING_FIGURES}


def _parser():
    from dynboltz.runtime.experiments.barw import FULL_REPLICATES

    parser = argparse.ArgumentParser(
        prog="dynboltz", description="Dynamic Boltzmann reduced models (Ernst et al. 2018).")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo", help="learn BARW effective rates with Algorithm 2 (--wellmixed: the "
                     "Galton-Watson basis function with Algorithm 1)")
    demo.add_argument("--wellmixed", action="store_true",
                      help="run the Galton-Watson Algorithm 1 demo instead")
    reproduce = commands.add_parser("reproduce", help="write one of the paper's figures")
    reproduce.add_argument("figure", choices=sorted(_figures(), key=lambda n: int(n[3:])))
    defaults = {demo: (f"{_DEMO_ITERATIONS}; --wellmixed {_WELLMIXED_ITERATIONS}",
                       _DEMO_REPLICATES),
                reproduce: ("400; fig9/fig10 only", f"{FULL_REPLICATES}; fig9/fig10 only")}
    for sub, (iterations, replicates) in defaults.items():
        sub.add_argument("--iterations", type=int, default=None,
                         help=f"gradient steps (default {iterations})")
        sub.add_argument("--scheme", choices=("paper", "exact"), default=None,
                         help="BARW data: the paper's discrete-time scheme or exact KMC "
                              "(default paper)")
        sub.add_argument("--replicates", type=int, default=None,
                         help=f"BARW simulations averaged into the data "
                              f"(default {replicates})")
        sub.add_argument("--out", type=Path, default=Path("figures"),
                         help="output folder for PNG and JSON files (default ./figures)")
        sub.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    return parser


def _wellmixed_demo(iterations, out, seed):
    from dynboltz.runtime.wellmixed.basis_learning import basis_on_grid, learn_basis
    from dynboltz.runtime.experiments.wellmixed_figures import K1_GRID, galton_watson, plot_learned_basis

    net, rates = galton_watson()
    result = learn_basis(net, rates, 1, K1_GRID, 1.0, iterations, seed=seed)
    true_F = basis_on_grid(net, rates, 1, K1_GRID)
    print(f"Algorithm 1, Galton-Watson kb = {rates['birth']}, kd = {rates['death']}, "
          f"K = 1, T = 1, {iterations} iterations (analytic truth)")
    print(f"{'nu':>6} {'learned F':>11} {'eq. 26':>11}")
    for node in _TABLE_NODES:
        g = int(np.argmin(np.abs(K1_GRID - node)))
        print(f"{K1_GRID[g]:6.2f} {result.F[g, 0]:11.5f} {true_F[g, 0]:11.5f}")
    visited = result.visits > 0
    error = np.abs(result.F[visited, 0] - true_F[visited, 0]).max()
    print(f"max |learned - eq. 26| on visited grid points: {error:.5f} "
          f"({100 * error / np.abs(true_F[:, 0]).max():.2f}% of max |F|)")
    print(f"action: {result.action[0]:.3e} -> {result.action[-1]:.3e}")
    path = plot_learned_basis(result, true_F, out / "demo_fig1.png")
    print(f"wrote {path}")


def _print_barw_table(summary):
    settings = summary["settings"]
    exact = "simulated_rates" in summary
    print(f"Algorithm 2, BARW ({settings['scheme']} scheme), N = {settings['N']}, "
          f"T = {settings['T']:g}, dt = {settings['dt']:g}, {settings['replicates']} "
          f"replicates, {settings['iterations']} iterations")
    print(f"{'process':<13} {'theta0':>9} {'learned':>9} "
          f"{'simulated' if exact else 'paper':>9}")
    for name in summary["process_names"]:
        reference = f"{summary['simulated_rates'][name]:9.3f}" if exact else \
            f"{summary['paper_direction'][name]:>9}"
        print(f"{name:<13} {summary['theta0'][name]:9.3f} {summary['theta'][name]:9.3f} "
              f"{reference}")
    print(f"moment error: {summary['moment_error_initial']:.3e} -> "
          f"{summary['moment_error_learned']:.3e} ({summary['error_ratio']:.1f}x lower)")
    if exact:
        print(f"closure distance |theta - simulated| / |simulated|: "
              f"{summary['closure_distance']:.3f}")


def _barw_demo(scheme, iterations, replicates, out, seed):
    from dynboltz.runtime.experiments.barw import barw_settings, run_barw, write_summary
    from dynboltz.runtime.experiments.learning_figures import plot_coefficients, plot_moments

    run = run_barw(barw_settings(scheme, iterations=iterations, replicates=replicates,
                                 seed=seed))
    _print_barw_table(run.summary)
    for path in (plot_moments(run, out / "demo_fig9.png"),
                 plot_coefficients(run, out / "demo_fig10.png"),
                 write_summary(run.summary, out / f"demo_barw_{scheme}.json")):
        print(f"wrote {path}")


def _check_positive(value, option, command):
    if value is not None and value < 1:
        raise invalid(option, f"dynboltz {command}", ">= 1", value, SystemExit)


def _demo(args):
    _check_positive(args.iterations, "--iterations", "demo")
    _check_positive(args.replicates, "--replicates", "demo")
    if args.wellmixed:
        if args.scheme is not None or args.replicates is not None:
            given = "--scheme" if args.scheme is not None else "--replicates"
            raise invalid(given, "dynboltz demo", "left out with --wellmixed",
                          getattr(args, given[2:]), SystemExit)
        _wellmixed_demo(args.iterations or _WELLMIXED_ITERATIONS, args.out, args.seed)
    else:
        _barw_demo(args.scheme or "paper", args.iterations or _DEMO_ITERATIONS,
                   args.replicates or _DEMO_REPLICATES, args.out, args.seed)


def _reproduce(args):
    figure = _figures()[args.figure]
    if args.figure not in _BARW_FIGURES:
        given = [o for o, v in (("--iterations", args.iterations), ("--scheme", args.scheme),
                                ("--replicates", args.replicates)) if v is not None]
        if given:
            raise invalid(given[0], "dynboltz reproduce", "used with fig9 or fig10 only",
                          args.figure, SystemExit)
        return figure(args.out, seed=args.seed)
    _check_positive(args.iterations, "--iterations", "reproduce")
    _check_positive(args.replicates, "--replicates", "reproduce")
    scheme = args.scheme or "paper"
    path = figure(args.out, seed=args.seed, scheme=scheme, iterations=args.iterations or 400,
                  replicates=args.replicates)
    print(f"wrote {args.out / f'barw_{scheme}.json'}")
    return path


def main(argv: Sequence[str] | None = None) -> None:
    """Run the ``dynboltz`` command line; see ``dynboltz --help``.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Raises
    ------
    SystemExit
        With a one-line message and exit status 1 (no traceback) for an option
        value out of range, a compiled-module cache that cannot be used or a
        damaged saved file.
    """
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            _demo(args)
        else:
            print(f"wrote {_reproduce(args)}")
    except (OSError, ValueError) as error:
        if not isinstance(error, _user_fixable_errors()):
            raise
        raise SystemExit(f"dynboltz: error: {error}") from None


def _user_fixable_errors():
    # Imported only on this error path: codegen pulls in sympy.
    from dynboltz.codegen.build import CacheDirectoryError
    from dynboltz.atomic_files import DamagedFileError

    return CacheDirectoryError, DamagedFileError
