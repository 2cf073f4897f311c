"""The ``dynboltz`` command line: the demo, the paper's figures, and a user's own motif.

``main`` parses and dispatches; option values are checked in ``options`` before any work;
``motif_commands`` runs ``compile``, ``simulate`` and ``learn`` on a TOML motif.  The
parser names the ``reproduce`` targets without importing them, so ``dynboltz --version``
loads no figure code.
"""
