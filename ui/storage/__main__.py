"""``python -m ui.storage new "what changed"``: write a migration for a change to ``schema.py``."""

import sys

from .migrate import new_revision


def main(argv: list[str]) -> None:
    """Write the migration the command line asks for, or exit with the usage."""
    if len(argv) != 2 or argv[0] != "new":
        sys.exit('usage: python -m ui.storage new "what changed"')
    new_revision(argv[1])


if __name__ == "__main__":
    main(sys.argv[1:])
