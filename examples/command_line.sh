#!/bin/sh
# The command-line route for a motif of your own (run from the repository root):
# compile it, simulate an ensemble, learn its rates, export to CSV.  OUT defaults to ./results.
# Needs `dynboltz` on PATH: activate the venv first (. .venv/bin/activate).
set -e
OUT=${1:-results}
dynboltz compile examples/cooperative_growth.toml --out "$OUT/module"
dynboltz simulate examples/cooperative_growth.toml --rates fill=1,convert=1,decay=0.5,hop=5 \
    --initial h_A=0.5 --N 100 --times 0:1:51 --replicates 50 --seed 0 --out "$OUT/ens.npz"
dynboltz simulate examples/cooperative_growth.toml --rates fill=1,convert=1,decay=0.5,hop=5 \
    --initial h_A=0.5 --N 100 --times 0:1:51 --replicates 50 --seed 0 --out "$OUT/ens.csv"
dynboltz learn examples/cooperative_growth.toml --data "$OUT/ens.npz" --iterations 100 \
    --out "$OUT/fit.json"
