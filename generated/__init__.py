"""dynboltz.generated: committed, compiled output of dynboltz.codegen.

``from dynboltz.generated import library`` gives the built-in lattice motif
libraries (``library.barw``, ``library.sep``, ...).  Importing this package
loads nothing else: no sympy, no codegen, no compiled module until used.
"""
