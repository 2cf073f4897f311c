"""``dynboltz reproduce all``: every figure the package draws plus one HTML report.

`reproduce_all` calls each entry of a figure registry (name -> ``f(out_dir, seed,
**options)`` returning the PNG path), then writes ``report.html`` atomically next to
the figures: each figure with its caption, the
options and seed it ran with and its run time, and one table of the numbers the paper
states next to the ones measured here (`PAPER_NUMBERS`).  A figure that fails is
reported as missing (with its one-line error) and the others still run.

``quick=True`` runs each figure in a small version: the options in `QUICK_OPTIONS`,
or ``quick=True`` for a figure function that takes a ``quick`` keyword; a figure
with neither runs at its defaults.
"""
from __future__ import annotations

import html
import inspect
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dynboltz import __version__
from dynboltz.atomic_files import atomic_writer

__all__ = ["QUICK_OPTIONS", "PAPER_NUMBERS", "FigureRecord", "reproduce_all",
           "write_report"]

REPORT_FILE = "report.html"

QUICK_OPTIONS: dict[str, dict[str, object]] = {
    "fig1": {"iterations": 5}, "fig2": {"iterations": 5}, "fig3": {"T": 1.0},
    "fig9": {"iterations": 10, "replicates": 40},
    "fig10": {"iterations": 10, "replicates": 40},
    # SEP needs every pair type seen at every time: 40 replicates of 100 sites miss some
    "fig11": {"replicates": 150},
}
"""Options of the small (``--quick``) version of each figure that has any."""


@dataclass
class FigureRecord:
    """What one figure of the report ran with and produced.

    Attributes
    ----------
    name : str
    caption : str
    options : dict
        Keyword options passed besides ``out_dir`` and ``seed``.
    seconds : float
    path : pathlib.Path or None
        The PNG, None if the figure failed.
    error : str
        One-line error of a failed figure, else ``""``.
    numbers : list of (str, str, str)
        (quantity, paper, measured) rows of the comparison table.
    """

    name: str
    caption: str
    options: dict
    seconds: float = 0.0
    path: Path | None = None
    error: str = ""
    numbers: list = field(default_factory=list)


_CAPTIONS = {
    "fig1": "Fig. 1: the basis function F(ν) of the Galton–Watson process (kb = 1, "
            "kd = 1.5) learned by Algorithm 1 with K = 1, against the exact eq. 26.",
    "fig2": "Fig. 2: convergence of Algorithm 1 for Fig. 1: the action per initial "
            "condition η and |δS/δF(ν)| per grid point, by iteration.",
    "fig3": "Fig. 3: the variational term δν(t)/δF(ν = 2) and ν(t) for η = 1.5 … 1.9, "
            "with F = eq. 26 on the grid.",
    "fig4": "Fig. 4: the two basis functions of K = 2 (eq. 29, kd = 3kb/2 = 1.5) and "
            "those Algorithm 1 learned, as maps over (ν1, ν2); the contour marks the "
            "visited grid.",
    "fig5": "Fig. 5: δν1(T)/δF1(ν) and δν2(T)/δF1(ν) from (η1, η2) = (−2.5, 2.0).",
    "fig6": "Fig. 6: δν(y, t)/δF⁽²⁾(ν = 1) of the branching random walk in continuous "
            "space (kd = 3kb/2 = 1.5, D = 1) at y = 0.25, 0.5, 0.75, 1 (eq. A15), with "
            "the basis functions learned from particle simulations of pure diffusion.",
    "fig7": "Fig. 7: basis functions (eq. 49) of the single-species lattice processes at "
            "rate 1, each panel on its own symmetric log scale.",
    "fig8": "Fig. 8: A + B → C at rate 1: F̃_hA, F̃_JAC and the moments µ_A, ∆_AC.",
    "fig9": "Fig. 9: BARW moments µ and ∆ from lattice simulations, and the reduced "
            "model eq. 52 at θ₀ and at the rates Algorithm 2 learned.",
    "fig10": "Fig. 10: the path of the BARW rates during Algorithm 2, from θ₀ (marked) to "
             "the learned rates.",
    "fig11": "Fig. 11: SEP on a ring: Boltzmann parameters and moments from lattice "
             "simulations, the ANN's extrapolation and the well-mixed model; eq. 56 "
             "errors; the learned F_JSP over (h_S, h_P).",
    "contact2d": "Contact process on the square lattice (λ = 2): simulated moments, the "
                 "rates learned by Algorithm 2 (Bethe closure), the closures at the true "
                 "rates, pair approximation and mean field; right of the grey line: "
                 "later times than trained on; bottom: a held-out initial condition.",
    "barw2d": "Branching–annihilating random walk on the square lattice, as contact2d.",
    "lotka_volterra2d": "Lotka–Volterra on a 40×40 periodic square lattice (100 prey + "
                        "100 predators at t = 0), as contact2d.",
    "contact3d": "Contact process on the 16³ cubic lattice (λ = 2), as contact2d.",
}
"""Report caption of each figure."""


def _caption(name):
    return _CAPTIONS.get(name, name)


def _options(name, function, quick):
    if not quick:
        return {}
    accepted = inspect.signature(function).parameters
    if "quick" in accepted:
        return {"quick": True}
    return {key: value for key, value in QUICK_OPTIONS.get(name, {}).items()
            if key in accepted}


def _galton_watson_numbers(out_dir, options, seed):
    from dynboltz.runtime.paper.galton_watson import (K1_GRID, fig1, galton_watson,
                                                                learn_galton_watson, visited_error)

    iterations = options.get("iterations", inspect.signature(fig1).parameters[
        "iterations"].default)
    rates = galton_watson()[1]
    result, true_F = learn_galton_watson(1, seed, iterations)
    error, n_visited = visited_error(result, true_F)
    step = float(np.diff(K1_GRID).mean())
    return [
        ("rates", "kd = 3kb/2 = 1.5", f"kb = {rates['birth']:g}, kd = {rates['death']:g}"),
        ("grid", "ν ∈ (0, 3], Δν = 0.1",
         f"ν ∈ [{K1_GRID[0]:g}, {K1_GRID[-1]:g}], Δν = {step:g}"),
        ("iterations", "40", str(iterations)),
        ("learned F vs eq. 26, F(ν) = (kb − kd)(e^−ν − 1)", "reproduced (Fig. 1)",
         f"max |learned − eq. 26| = {error:.3g} on {n_visited} visited grid points "
         f"({100 * error / np.abs(true_F).max():.1f}% of max |F|)"),
    ]


def _rates_numbers(out_dir, options, seed):
    from dynboltz.runtime.paper.galton_watson import galton_watson

    rates = galton_watson()[1]
    return [("rates", "kd = 3kb/2 = 1.5", f"kb = {rates['birth']:g}, kd = {rates['death']:g}")]


def _range_numbers(data_function, stated):
    """Rows for a lattice figure: the axis range its data function uses by default."""
    def numbers(out_dir, options, seed):
        from dynboltz.runtime.paper import lattice_basis as lattice_figures

        function = getattr(lattice_figures, data_function)
        limit = inspect.signature(function).parameters["limit"].default
        return [("axis ranges", stated, f"[{-limit:g}, {limit:g}]")]
    return numbers


def _barw_numbers(out_dir, options, seed):
    summary = json.loads((Path(out_dir) / "barw_paper.json").read_text())
    settings = summary["settings"]
    rows = [
        ("N, T, Δt", "100, 1, 0.01", f"{settings['N']}, {settings['T']:g}, {settings['dt']:g}"),
        ("simulation inputs", "kb = 10, pa = 0.1",
         ", ".join(f"{k} {v:g}" for k, v in settings["rates"].items())),
        ("θ₀ (branching, annihilation, diffusion)", "(kb, pa/Δt, 10) = (10, 10, 10)",
         "(" + ", ".join(f"{v:g}" for v in summary["theta0"].values()) + ")"),
        ("iterations", "400", str(settings["iterations"])),
    ]
    for name in summary["process_names"]:
        rows.append((f"learned θ {name}", summary["paper_direction"][name],
                     f"{summary['theta0'][name]:.3g} → {summary['theta'][name]:.3g} "
                     f"({summary['direction'][name]})"))
    return rows


def _barw_moment_numbers(out_dir, options, seed):
    """Fig. 9's row: the moment error the learned rates leave (Fig. 9 right)."""
    summary = json.loads((Path(out_dir) / "barw_paper.json").read_text())
    ratio = summary["error_ratio"]  # null when the learned error is 0
    lower = "exact fit" if ratio is None else f"{ratio:.1f}× lower"
    return [("moment error after learning", "lower than at θ₀ (Fig. 9 right)",
             f"{summary['moment_error_initial']:.3g} → "
             f"{summary['moment_error_learned']:.3g} ({lower})")]


def _continuous_numbers(out_dir, options, seed):
    summary = json.loads((Path(out_dir) / "continuous.json").read_text())
    error = summary["diffusion_experiment"]["max_relative_error"]
    z = summary["number_parameters"]["max_abs_z"]
    return [
        ("rates, D", "kd = 3kb/2 = 1.5, D = 1",
         f"kb = {summary['kb']:g}, kd = {summary['kd']:g}, D = {summary['D']:g}"),
        ("learned F⁽¹⁾, F⁽²⁾ from particle data (true: −D, D)", "not stated",
         f"max relative error {100 * error['F1']:.1f}% (F⁽¹⁾), {100 * error['F2']:.1f}% "
         f"(F⁽²⁾) on the visited ν"),
        ("ν1, ν2 of the branching process vs eq. 29", "not stated",
         f"max |simulated − eq. 29| = {z:.2f} standard errors"),
    ]


def _sep_numbers(out_dir, options, seed):
    summary = json.loads((Path(out_dir) / "sep_ann.json").read_text())
    # count units: k1 per pair of molecules on the ring, as the paper's 0.09 reads
    paper, fitted = summary["paper_wellmixed_rates"], summary["wellmixed_rates"]
    final = summary["final_errors"]
    rows = [(f"well-mixed {name}", f"{paper[name]:g}", f"{fitted[name]:.3g}")
            for name in ("k1", "k_minus1", "k2")]
    rows.append(("ANN moment ε below the well-mixed ε at every extrapolated time",
                 "yes (Fig. 11 b)",
                 f"{'yes' if summary['ann_below_wellmixed'] else 'no'}: at "
                 f"{100 * summary['fraction_below_wellmixed']:.0f}% of the times; final ε "
                 f"{final['moments']:.3g} (ANN moments) vs {final['wellmixed']:.3g} "
                 f"(well-mixed means)"))
    return rows


PAPER_NUMBERS: dict[str, Callable[[Path, Mapping, int], list]] = {
    "fig1": _galton_watson_numbers,
    "fig4": _rates_numbers,
    "fig7": _range_numbers("single_species_basis_maps", "h, J ∈ [−4, 4]"),
    "fig8": _range_numbers("trivalent_slices", "h_A, J_AC ∈ [−2, 2]"),
    "fig9": _barw_moment_numbers,
    "fig10": _barw_numbers,
    "fig6": _continuous_numbers,
    "fig11": _sep_numbers,
}
"""Figure name -> ``f(out_dir, options, seed)`` giving (quantity, paper, measured) rows,
computed after the figure was written (it may read the figure's own output files)."""


def _one_line(error):
    return " ".join(f"{type(error).__name__}: {error}".split())


def _run_figure(name, function, out_dir, seed, quick):
    record = FigureRecord(name, _caption(name), _options(name, function, quick))
    start = time.perf_counter()
    try:
        record.path = Path(function(out_dir, seed=seed, **record.options))
    except Exception as error:  # reported as a missing figure; the others still run
        record.error = _one_line(error)
    record.seconds = time.perf_counter() - start
    if record.path is not None and name in PAPER_NUMBERS:
        try:
            record.numbers = PAPER_NUMBERS[name](out_dir, record.options, seed)
        except Exception as error:  # the figure exists; only its table rows are lost
            record.numbers = [("(measurement)", "—", f"failed: {_one_line(error)}")]
    return record


def reproduce_all(figures: Mapping[str, Callable[..., Path]], out_dir: Path, seed: int = 0,
                  quick: bool = False, progress: bool = True, command: str = ""
                  ) -> tuple[Path, list[FigureRecord]]:
    """Draw every figure of ``figures`` into ``out_dir`` and write the HTML report.

    Parameters
    ----------
    figures : dict of str -> callable
        The ``dynboltz reproduce`` registry, in the order to draw and report.
    out_dir : pathlib.Path
        Folder for the PNG files, their side files and ``report.html``.
    seed : int
        Passed to every figure.
    quick : bool
        Small versions (module docstring).
    progress : bool
        Print one line per figure as it finishes.
    command : str
        The command that made the report, shown in it.

    Returns
    -------
    (pathlib.Path, list of FigureRecord)
        The report and one record per figure (``error`` set where one failed).
    """
    records = []
    for name, function in figures.items():
        record = _run_figure(name, function, out_dir, seed, quick)
        records.append(record)
        if progress:
            outcome = f"wrote {record.path}" if record.path else f"FAILED: {record.error}"
            print(f"[{len(records)}/{len(figures)}] {name} ({record.seconds:.1f} s): {outcome}",
                  flush=True)
    return write_report(records, out_dir, seed, quick, command), records


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>dynboltz: paper figures</title>
<style>body{{font-family:sans-serif;max-width:70em;margin:auto}}
table{{border-collapse:collapse}}td,th{{border:1px solid #bbb;padding:.2em .5em;
text-align:left}}img{{max-width:100%}}.missing{{color:#b00}}</style></head><body>
<h1>Ernst et al., J. Chem. Phys. 149, 034107 (2018), reproduced by dynboltz {version}</h1>
<p>{summary}</p>
<h2>Numbers the paper states, and the ones measured here</h2>
<table><tr><th>figure</th><th>quantity</th><th>paper</th><th>measured</th></tr>
{numbers}</table>
{sections}
</body></html>
"""


def _row(cells, tag="td"):
    return "<tr>" + "".join(f"<{tag}>{html.escape(str(c))}</{tag}>" for c in cells) + "</tr>"


def _section(record, out_dir):
    options = ", ".join(f"{k} = {v}" for k, v in record.options.items()) or "defaults"
    head = f"<h2 id=\"{html.escape(record.name)}\">{html.escape(record.name)}</h2>"
    body = (f"<p>{html.escape(record.caption)}</p><p>Options: {html.escape(options)}; "
            f"{record.seconds:.1f} s.</p>")
    if record.path is None:
        return f"{head}{body}<p class=\"missing\">missing: {html.escape(record.error)}</p>"
    source = html.escape(record.path.relative_to(out_dir).as_posix()
                         if record.path.is_relative_to(out_dir) else record.path.as_posix())
    return f"{head}{body}<img src=\"{source}\" alt=\"{html.escape(record.name)}\">"


def _versions():
    import importlib.metadata

    return ", ".join(f"{package} {importlib.metadata.version(package)}"
                     for package in ("numpy", "scipy", "matplotlib", "Cython"))


def write_report(records: list[FigureRecord], out_dir: Path, seed: int, quick: bool,
                 command: str = "") -> Path:
    """Write ``out_dir/report.html`` atomically from the figure records.

    Returns
    -------
    pathlib.Path
    """
    missing = [r.name for r in records if r.path is None]
    summary = (f"{len(records) - len(missing)} of {len(records)} figures, seed {seed}, "
               f"{'quick (small) versions' if quick else 'full settings'}"
               + (f"; missing: {', '.join(missing)}" if missing else "") + ". "
               + (f"Command: {command}. " if command else "") + f"Libraries: {_versions()}.")
    numbers = "\n".join(_row((r.name, *row)) for r in records for row in r.numbers)
    page = _PAGE.format(version=html.escape(__version__), summary=html.escape(summary),
                        numbers=numbers or _row(("—", "—", "—", "—")),
                        sections="\n".join(_section(r, out_dir) for r in records))
    path = out_dir / REPORT_FILE
    with atomic_writer(path, "w") as stream:
        stream.write(page)
    return path
