"""Command-line entry point ``dynboltz``.

``dynboltz demo`` runs Algorithm 1 on the Galton–Watson process end to end (the
paper's Fig. 1 setting) and prints learned against analytic F; ``dynboltz reproduce
figN`` writes one of the paper's figures 1-5.
"""
import argparse
from pathlib import Path

import numpy as np

_TABLE_NODES = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0)


def _parser():
    from dynboltz.runtime.figures import FIGURES

    parser = argparse.ArgumentParser(
        prog="dynboltz", description="Dynamic Boltzmann reduced models (Ernst et al. 2018).")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo", help="learn the Galton-Watson basis function F(nu) with Algorithm 1")
    demo.add_argument("--iterations", type=int, default=200,
                      help="gradient steps (default 200)")
    reproduce = commands.add_parser("reproduce", help="write one of the paper's figures")
    reproduce.add_argument("figure", choices=sorted(FIGURES))
    for sub in (demo, reproduce):
        sub.add_argument("--out", type=Path, default=Path("figures"),
                         help="output folder for PNG files (default ./figures)")
        sub.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    return parser


def _demo(iterations, out, seed):
    from dynboltz.runtime.basis_learning import basis_on_grid, learn_basis
    from dynboltz.runtime.figures import K1_GRID, galton_watson, plot_learned_basis

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


def main(argv=None):
    """Run the ``dynboltz`` command line; see ``dynboltz --help``.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).
    """
    args = _parser().parse_args(argv)
    if args.command == "demo":
        if args.iterations < 1:
            raise SystemExit(f"`--iterations` of `dynboltz demo` must be >= 1; "
                             f"got {args.iterations}")
        _demo(args.iterations, args.out, args.seed)
    else:
        from dynboltz.runtime.figures import FIGURES

        print(f"wrote {FIGURES[args.figure](args.out, seed=args.seed)}")
