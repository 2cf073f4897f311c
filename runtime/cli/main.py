"""Command-line entry point ``dynboltz``.

``dynboltz demo`` runs Algorithm 2 on the paper's BARW example end to end (simulation
data -> learned effective rates, Sec. III C) with defaults that finish in well under a
minute, prints the rates and the moment error before/after learning and writes the
figures; ``dynboltz demo --wellmixed`` runs Algorithm 1 on the Galton–Watson process
instead (the paper's Fig. 1 setting) and prints learned against analytic F.
``dynboltz reproduce figN`` writes one of the paper's figures (fig9/fig10 also write
the JSON summary of the BARW experiment); ``dynboltz reproduce all`` writes every one
of them plus ``report.html`` (``dynboltz.runtime.paper.report``).
``dynboltz compile``, ``simulate`` and ``learn`` work on a user's own motif
(``dynboltz.runtime.cli.motif_commands``).  Every error is one line,
``dynboltz: error: ...``, with a nonzero exit status; options are checked, and output
locations tried, before any work.
"""
from __future__ import annotations

import argparse
import functools
import re
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from dynboltz import __version__
from dynboltz.runtime.common.validation import invalid
from dynboltz.runtime.cli.options import (check_ensemble_memory,
                                                      check_out_folder, check_positive,
                                                      check_seed)
from dynboltz.runtime.cli.cli_words import in_cli_words
from dynboltz.runtime.cli.motif_commands import MOTIF_COMMANDS, add_motif_commands


_TABLE_NODES = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0)
_BARW_FIGURES = ("fig9", "fig10")
_DEMO_REPLICATES = 1000
_DEMO_ITERATIONS = 400
_WELLMIXED_ITERATIONS = 200
_ALL = "all"
_PREFIX = "dynboltz: error: "


def _figures():
    """Every ``reproduce`` entry: name -> ``f(out_dir, seed)``."""
    from dynboltz.runtime.paper.galton_watson import FIGURES
    from dynboltz.runtime.paper.lattice_basis import LATTICE_FIGURES
    from dynboltz.runtime.paper.barw_figures import LEARNING_FIGURES
    from dynboltz.runtime.paper.continuous import CONTINUOUS_FIGURES
    from dynboltz.runtime.paper.sep_ann import SEP_FIGURES
    from dynboltz.runtime.paper.lattice_learning import LATTICE_LEARNING_FIGURES

    return {
        **FIGURES,
        **LATTICE_FIGURES,
        **LEARNING_FIGURES,
        **CONTINUOUS_FIGURES,
        **SEP_FIGURES,
        **LATTICE_LEARNING_FIGURES,
    }


def _figure_order(name):
    # fig2 before fig10; names that are not figN keep their place after those that are
    match = re.fullmatch(r"fig(\d+)", name)
    return (0, int(match.group(1))) if match else (1, 0)


class _OneLineParser(argparse.ArgumentParser):
    """argparse whose errors are one line, ``dynboltz: error: ...`` (no usage block)."""

    def error(self, message):
        self.exit(2, f"{_PREFIX}{message} (see {self.prog} --help)\n")


def _parser():
    from dynboltz.runtime.paper.barw import FULL_REPLICATES

    parser = _OneLineParser(
        prog="dynboltz", description="Dynamic Boltzmann reduced models (Ernst et al. 2018).")
    parser.add_argument("--version", action="version", version=f"dynboltz {__version__}")
    commands = parser.add_subparsers(dest="command", required=True,
                                     parser_class=_OneLineParser)
    demo = commands.add_parser(
        "demo", help="learn BARW effective rates with Algorithm 2 (--wellmixed: the "
                     "Galton-Watson basis function with Algorithm 1)")
    demo.add_argument("--wellmixed", action="store_true",
                      help="run the Galton-Watson Algorithm 1 demo instead")
    reproduce = commands.add_parser(
        "reproduce", help="write one of the paper's figures, or all of them and an HTML "
                          "report")
    reproduce.add_argument("figure", choices=[_ALL, *sorted(_figures(), key=_figure_order)])
    reproduce.add_argument("--quick", action="store_true",
                           help="with 'all': small, fast versions of every figure")
    defaults = {demo: (f"{_DEMO_ITERATIONS}; --wellmixed {_WELLMIXED_ITERATIONS}",
                       _DEMO_REPLICATES),
                reproduce: ("400; fig9/fig10 only", f"{FULL_REPLICATES}; fig9/fig10 only")}
    for sub, (iterations, replicates) in defaults.items():
        sub.add_argument("--iterations", type=int, default=None,
                         help=f"iteration limit; learning stops earlier on its "
                              f"tolerance (default {iterations})")
        sub.add_argument("--scheme", choices=("paper", "exact"), default=None,
                         help="BARW data: the paper's discrete-time scheme or exact KMC "
                              "(default paper)")
        sub.add_argument("--replicates", type=int, default=None,
                         help=f"BARW simulations averaged into the data "
                              f"(default {replicates})")
        sub.add_argument("--out", type=Path, default=Path("figures"),
                         help="output folder for PNG and JSON files (default ./figures)")
        sub.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    add_motif_commands(commands)
    return parser


def _wellmixed_demo(iterations, out, seed):
    from dynboltz.runtime.paper.galton_watson import (
        K1_GRID, galton_watson, learn_galton_watson, plot_learned_basis, visited_error)

    rates = galton_watson()[1]
    result, true_F = learn_galton_watson(1, seed, iterations)
    print(f"Algorithm 1, Galton-Watson kb = {rates['birth']}, kd = {rates['death']}, "
          f"K = 1, T = 1, {result.info['iterations']} of at most {iterations} iterations "
          f"(Gauss-Newton, analytic truth)")
    print(f"{'nu':>6} {'learned F':>11} {'eq. 26':>11}")
    for node in _TABLE_NODES:
        g = int(np.argmin(np.abs(K1_GRID - node)))
        print(f"{K1_GRID[g]:6.2f} {result.F[g, 0]:11.5f} {true_F[g, 0]:11.5f}")
    error, _ = visited_error(result, true_F)
    print(f"max |learned - eq. 26| on visited grid points: {error:.5f} "
          f"({100 * error / np.abs(true_F[:, 0]).max():.2f}% of max |F|)")
    print(f"action: {result.action_history[0]:.3e} -> {result.action_history[-1]:.3e}")
    path = plot_learned_basis(result, true_F, out / "demo_fig1.png",
                              f"Galton–Watson kb = {rates['birth']:g}, kd = {rates['death']:g}, "
                              f"K = 1, T = 1, seed = {seed}")
    print(f"wrote {path}")


def _print_barw_table(summary):
    settings = summary["settings"]
    exact = "simulated_rates" in summary
    print(f"Algorithm 2, BARW ({settings['scheme']} scheme), N = {settings['N']}, "
          f"T = {settings['T']:g}, dt = {settings['dt']:g}, {settings['replicates']} "
          f"replicates, {summary['convergence']['iterations']} of at most "
          f"{settings['iterations']} iterations "
          f"({'converged' if summary['convergence']['converged'] else 'not converged'})")
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
    from dynboltz.runtime.paper.barw import barw_settings, run_barw, write_summary
    from dynboltz.runtime.paper.barw_figures import plot_coefficients, plot_moments

    run = run_barw(barw_settings(scheme, iterations=iterations, replicates=replicates,
                                 seed=seed))
    _print_barw_table(run.summary)
    for path in (plot_moments(run, out / "demo_fig9.png"),
                 plot_coefficients(run, out / "demo_fig10.png"),
                 write_summary(run.summary, out / f"demo_barw_{scheme}.json")):
        print(f"wrote {path}")


def _check_barw_memory(replicates, command):
    from dynboltz.runtime.paper.barw import FULL_REPLICATES, BarwSettings

    replicates = replicates or FULL_REPLICATES
    n_times = int(round(BarwSettings.T / BarwSettings.dt)) + 1
    check_ensemble_memory(replicates, n_times, 2, BarwSettings.N, False, command)


def _demo(args):
    check_positive(args.iterations, "--iterations", "demo")
    check_positive(args.replicates, "--replicates", "demo")
    check_seed(args.seed, "demo")
    if args.wellmixed:
        if args.scheme is not None or args.replicates is not None:
            given = "--scheme" if args.scheme is not None else "--replicates"
            raise invalid(given, "dynboltz demo", "left out with --wellmixed",
                          getattr(args, given[2:]), SystemExit)
        _wellmixed_demo(args.iterations or _WELLMIXED_ITERATIONS,
                        check_out_folder(args.out, "demo"), args.seed)
    else:
        check_out_folder(args.out, "demo")
        _check_barw_memory(args.replicates or _DEMO_REPLICATES, "demo")
        _barw_demo(args.scheme or "paper", args.iterations or _DEMO_ITERATIONS,
                   args.replicates or _DEMO_REPLICATES, args.out, args.seed)


def _reproduce(args):
    check_seed(args.seed, "reproduce")
    if args.quick and args.figure != _ALL:
        raise invalid("--quick", "dynboltz reproduce", "used with 'all' only", args.figure,
                      SystemExit)
    if args.figure not in _BARW_FIGURES:
        given = [o for o, v in (("--iterations", args.iterations), ("--scheme", args.scheme),
                                ("--replicates", args.replicates)) if v is not None]
        if given:
            raise invalid(given[0], "dynboltz reproduce", "used with fig9 or fig10 only",
                          args.figure, SystemExit)
    check_out_folder(args.out, "reproduce")
    if args.figure == _ALL:
        return _reproduce_all(args)
    figure = _figures()[args.figure]
    if args.figure not in _BARW_FIGURES:
        return figure(args.out, seed=args.seed)
    check_positive(args.iterations, "--iterations", "reproduce")
    check_positive(args.replicates, "--replicates", "reproduce")
    _check_barw_memory(args.replicates, "reproduce")
    scheme = args.scheme or "paper"
    path = figure(args.out, seed=args.seed, scheme=scheme, iterations=args.iterations or 400,
                  replicates=args.replicates)
    print(f"wrote {args.out / f'barw_{scheme}.json'}")
    return path


def _reproduce_all(args):
    from dynboltz.runtime.paper.report import reproduce_all

    command = (f"dynboltz reproduce all{' --quick' if args.quick else ''} --out {args.out} "
               f"--seed {args.seed}")
    report, records = reproduce_all(_figures(), args.out, seed=args.seed, quick=args.quick,
                                    command=command)
    failed = [f"{r.name} ({r.error})" for r in records if r.path is None]
    if failed:
        raise SystemExit(f"{len(failed)} figure(s) failed, see {report}: "
                         f"{'; '.join(failed)}")
    return report


def _run(args):
    if args.command == "demo":
        _demo(args)
    elif args.command == "reproduce":
        print(f"wrote {_reproduce(args)}")
    else:
        MOTIF_COMMANDS[args.command](args)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the ``dynboltz`` command line; see ``dynboltz --help``.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Raises
    ------
    SystemExit
        With a one-line message ``dynboltz: error: ...`` and a nonzero exit status
        (no traceback): 2 for a malformed command line, 1 for an option value out
        of range, an unusable output folder or cache, a damaged or foreign input
        file, an input the library rejects, a failed build or a diverged learning run.
    """
    args = _parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = functools.partial(_one_line_warning, args.command)
            _run(args)
    except SystemExit as stop:
        if isinstance(stop.code, str) and not stop.code.startswith(_PREFIX):
            raise SystemExit(_PREFIX + stop.code) from None
        raise
    except KeyboardInterrupt:
        # before the next clause, whose imports a second Ctrl-C would interrupt
        raise SystemExit(f"{_PREFIX}interrupted{_kept(args)}") from None
    except _one_line_errors() as error:
        raise SystemExit(_PREFIX + in_cli_words(error, args.command)) from None


def _kept(args):
    """What an interrupted command keeps, in its own words."""
    if args.command == "simulate":
        return ("; the finished replicates are kept: run the same command again to "
                "resume")
    if args.command == "learn":
        if args.checkpoint is None:
            return " (nothing is kept: pass --checkpoint FILE.npz to resume learning)"
        return (f"; the checkpoint {args.checkpoint} is kept: run the same command "
                "again to resume")
    return ""


def _one_line_warning(command, message, category, filename, lineno, file=None, line=None):
    # The library's warnings are advice to the user, not a location in its source.
    print(f"dynboltz: warning: {' '.join(str(message).split())}", file=sys.stderr)


def _one_line_errors():
    # Errors of bad input, files and builds; anything else is a bug and keeps its traceback.
    from dynboltz.errors import CompileError
    from dynboltz.errors import ConvergenceError
    from dynboltz.errors import IntegrationError

    return OSError, ValueError, TypeError, CompileError, ConvergenceError, IntegrationError
