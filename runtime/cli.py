"""Command-line entry point ``dynboltz``."""


def main(argv=None):
    """Run the ``dynboltz`` command line; see ``dynboltz --help``."""
    raise SystemExit("dynboltz: no commands yet")
