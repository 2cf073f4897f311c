"""Periodic square (L1×L2) and simple-cubic (L1×L2×L3) lattices at run time.

Exact kinetic Monte Carlo of single-site and nearest-neighbour rules, checkerboard
heat-bath Gibbs and Wolff cluster samplers of the Boltzmann distribution, per-site
statistics of configurations, and the `SQUARE` and `CUBIC` geometry objects (in
``geometry``) that bind them to the lattice runtime's geometry interface.
"""
