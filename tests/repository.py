"""Where the repository's own files are, for tests that read its examples or generated code."""
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
"""The checkout holding ``setup.py``, ``examples/`` and ``generated/``."""
