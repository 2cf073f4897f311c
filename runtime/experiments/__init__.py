"""The paper's experiments, its figures and the ``dynboltz`` command line.

The one part of the runtime allowed to import sympy and the code generator (it builds the demos' models).
"""
