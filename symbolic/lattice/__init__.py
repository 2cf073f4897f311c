"""Lattice motifs: rules, motifs, ladder operators, exact moment equations, closed forms."""
