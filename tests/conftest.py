"""Tests mirror the package folders; this file puts ``tests/`` on ``sys.path``.

pytest (prepend import mode) inserts the folder of a root ``conftest.py``, so test
modules in any subfolder import the shared test helpers (``lattice_truth``,
``interruptible_runs``, ``repository``) by name.  Test file names stay unique.
"""
