"""Ensemble overhead: one saved job per replicate vs chunks of replicates, same run.

``run_ensemble`` on a local pool sends one replicate per job and saves it on arrival
(so an interruption loses at most two per worker).  The baseline is the same
replicates on ``ProcessPoolExecutor.map`` in 4 chunks per worker with nothing saved,
the cheapest way to run them.  The ratios (time / baseline time) without and with
``save=`` are the price of per-replicate jobs and of checkpoints (one fsynced file per
replicate), largest for tiny replicates.  barw
replicates of N sites from T = 0 to 1; best of a few repeats; 2 workers.
Run: ``python benchmarks/bench_ensemble.py``.
"""
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import numpy as np  # noqa: E402

from dynboltz.runtime.common.ensemble import run_ensemble  # noqa: E402

import interruptible_runs  # noqa: E402

REPEATS, WORKERS, REPLICATES = 3, 2, 200


def _best(run):
    best = np.inf
    for _ in range(REPEATS):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def _chunked(task):
    with ProcessPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(task, range(REPLICATES), [None] * REPLICATES,
                      chunksize=max(1, REPLICATES // (4 * WORKERS))))


def _ensemble(task, folder=None):
    path = None if folder is None else Path(folder) / "run.npz"
    if path is not None:
        path.unlink(missing_ok=True)
    run_ensemble(task, REPLICATES, interruptible_runs.TIMES, {"bench": 1},
                 workers=WORKERS, save=path)


def main():
    print(f"{'N':>7} {'ms/replicate':>12} {'chunked map (s)':>15} {'run_ensemble':>12} "
          f"{'+ save':>7}   (ratios to the chunked map)")
    for n_sites in (200, 2000, 20000):
        task = interruptible_runs.lattice_task(n_sites)
        chunked = _best(lambda: _chunked(task))
        unsaved = _best(lambda: _ensemble(task))
        with tempfile.TemporaryDirectory() as folder:
            saved = _best(lambda: _ensemble(task, folder))
        print(f"{n_sites:>7} {1e3 * chunked * WORKERS / REPLICATES:12.2f} {chunked:15.3f} "
              f"{unsaved / chunked:12.2f} {saved / chunked:7.2f}")


if __name__ == "__main__":
    main()
