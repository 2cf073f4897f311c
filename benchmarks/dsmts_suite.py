"""Run the SBML Test Suite's stochastic cases (DSMTS) through read_sbml and the SSA.

Usage:  python benchmarks/dsmts_suite.py SUITE/cases/stochastic [--n 10000] [--cases 1-39]
        [--seed 2026] [--markdown]

For every case: the model file (``-sbml-l3v1.xml``, else the newest L2), the
settings (output times and variables) and the analytic ``-results.csv`` (mean and SD
columns).  A refused model is listed with read_sbml's message.  An accepted one is
simulated n times (``simulate_kinetics(compile_kinetics(model))``) and checked as the
DSMTS user guide says (Evans, Gillespie & Wilkinson, "The SBML discrete stochastic
models test suite", Bioinformatics 24, 285 (2008)): at every output time t > 0 and
variable,

* mean test  Z = √n (X̄ − µ) / σ must lie in the settings' ``meanRange`` (−3, 3);
* SD test    Y = √(n/2) (S² / σ² − 1) must lie in ``sdRange`` (−5, 5).

Under a correct simulator a few points fall outside by chance: P(|Z| > 3) = 0.0027
per point.  A case passes if its number of points outside is at most the 99.9 %
quantile of Binomial(points, p) with p = 0.0027 (means) and p = 1e-4 (SDs, a
generous bound for the heavier-tailed Y), and fails otherwise.

Y assumes normal data (Var S² = 2σ⁴/n).  For a heavy-tailed distribution Var S² is
(µ₄ − σ⁴)/n, larger by up to (κ − 1)/2 for kurtosis κ, so the table also shows the
largest |Yκ| = |S² − σ²| / √((m₄ − S⁴)/n), m₄ the sample fourth central moment: the
same test with the variance of S² estimated rather than assumed.
"""
from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numpy as np
from scipy import stats

from dynboltz.codegen import compile_kinetics
from dynboltz.runtime.wellmixed import simulate_kinetics
from dynboltz.symbolic.sbml import read_sbml

_CHANCE = {"mean": 0.0027, "sd": 1e-4}


def settings(path):
    """The ``-settings.txt`` file as a dict of str -> str."""
    pairs = (line.split(":", 1) for line in path.read_text().splitlines() if ":" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def model_file(folder, case):
    for level in ("l3v1", "l3v2", "l2v4", "l2v3", "l2v2", "l2v1"):
        path = folder / f"{case}-sbml-{level}.xml"
        if path.exists():
            return path
    raise FileNotFoundError(f"no SBML file in {folder}")


def expected(folder, case):
    with open(folder / f"{case}-results.csv") as stream:
        rows = list(csv.DictReader(stream))
    return {key: np.array([float(r[key]) for r in rows]) for key in rows[0]}


def simulated_columns(model, kinetics, replicates, times, seed):
    counts = simulate_kinetics(kinetics, times=times, replicates=replicates, seed=seed).counts
    columns = {s: counts[:, :, i].astype(float) for i, s in enumerate(kinetics.species)}
    assigned = kinetics.assigned_values(counts)
    columns.update({s: assigned[:, :, i] for i, s in enumerate(kinetics.assigned_names)})
    columns.update({s: np.full(counts.shape[:2], value)
                    for s, value in model.constant_species.items()})
    return columns


def allowed_failures(points, kind):
    return int(stats.binom.ppf(0.999, points, _CHANCE[kind]))


def check_case(folder, n, seed):
    case = folder.name
    options = settings(folder / f"{case}-settings.txt")
    start, duration = float(options["start"]), float(options["duration"])
    times = np.linspace(start, start + duration, int(options["steps"]) + 1)
    variables = [v.strip() for v in options["variables"].split(",")]
    try:
        model = read_sbml(model_file(folder, case))
    except ValueError as error:
        return {"case": case, "status": "refused", "message": str(error)}
    began = time.perf_counter()
    kinetics = compile_kinetics(model, name=f"dsmts_{case}")
    columns = simulated_columns(model, kinetics, n, times, seed)
    seconds = time.perf_counter() - began
    truth = expected(folder, case)
    z_out = y_out = points = 0
    worst_z = worst_y = worst_yk = 0.0
    for variable in variables:
        mean, sd = truth[f"{variable}-mean"][1:], truth[f"{variable}-sd"][1:]
        sample = columns[variable][:, 1:]
        keep = sd > 0
        z = np.sqrt(n) * (sample.mean(axis=0) - mean)[keep] / sd[keep]
        s2 = sample.var(axis=0, ddof=1)[keep]
        y = np.sqrt(n / 2) * (s2 / sd[keep] ** 2 - 1)
        m4 = ((sample - sample.mean(axis=0)) ** 4).mean(axis=0)[keep]
        y_kurtosis = (s2 - sd[keep] ** 2) / np.sqrt(np.maximum(m4 - s2 ** 2, 1e-300) / n)
        # where the analytic SD is 0 the value is certain: it must be hit exactly
        exact = ~keep
        z_out += int(np.sum(np.abs(sample.mean(axis=0)[exact] - mean[exact]) > 1e-9))
        y_out += int(np.sum(sample.std(axis=0)[exact] > 0))
        z_out += int(np.sum(np.abs(z) >= 3))
        y_out += int(np.sum(np.abs(y) >= 5))
        points += int(keep.sum())
        worst_z = max(worst_z, float(np.abs(z).max(initial=0.0)))
        worst_y = max(worst_y, float(np.abs(y).max(initial=0.0)))
        worst_yk = max(worst_yk, float(np.abs(y_kurtosis).max(initial=0.0)))
    passed = (z_out <= allowed_failures(points, "mean")
              and y_out <= allowed_failures(points, "sd"))
    return {"case": case, "status": "pass" if passed else "FAIL", "points": points,
            "z_out": z_out, "y_out": y_out, "worst_z": worst_z, "worst_y": worst_y,
            "worst_yk": worst_yk,
            "seconds": seconds, "laws": len(model.laws), "events": len(model.events),
            "rules": len(model.assigned)}


def case_range(text):
    first, _, last = text.partition("-")
    return range(int(first), int(last or first) + 1)


def markdown(rows, n):
    lines = [f"| case | result | points | \\|Z\\| ≥ 3 | \\|Y\\| ≥ 5 | max \\|Z\\| | "
             f"max \\|Y\\| | max \\|Yκ\\| | compiled laws / events / rules | "
             f"s ({n} runs) |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        if r["status"] == "refused":
            lines.append(f"| {r['case']} | refused: {r['message']} | | | | | | | | |")
        else:
            lines.append(f"| {r['case']} | {r['status']} | {r['points']} | {r['z_out']} | "
                         f"{r['y_out']} | {r['worst_z']:.2f} | {r['worst_y']:.2f} | "
                         f"{r['worst_yk']:.2f} | "
                         f"{r['laws']} / {r['events']} / {r['rules']} | "
                         f"{r['seconds']:.1f} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suite", type=Path, help="the suite's cases/stochastic folder")
    parser.add_argument("--n", type=int, default=10_000, help="replicates per case")
    parser.add_argument("--cases", type=case_range, default=range(1, 40))
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    rows = [check_case(args.suite / f"{i:05d}", args.n, args.seed + i) for i in args.cases]
    if args.markdown:
        print(markdown(rows, args.n))
    else:
        for r in rows:
            print(r)
    counts = {s: sum(r["status"] == s for r in rows) for s in ("pass", "FAIL", "refused")}
    print(f"\n{counts['pass']} pass, {counts['FAIL']} fail, {counts['refused']} refused "
          f"of {len(rows)} (n = {args.n})")


if __name__ == "__main__":
    main()
