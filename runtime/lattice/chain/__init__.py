"""The periodic 1D chain (ring): its KMC engine, the paper's scheme, the Boltzmann chain,
exact and Gibbs samplers, per-site statistics and the closed-form inverse Ising map.

`GEOMETRY` (in ``geometry``) binds them to the lattice runtime's geometry interface.
"""
