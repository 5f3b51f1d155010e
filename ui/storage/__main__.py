"""``python -m ui.storage new "what changed"``: write a migration for a change to ``schema.py``."""

import sys

from .migrate import new_revision

if len(sys.argv) != 3 or sys.argv[1] != "new":
    sys.exit('usage: python -m ui.storage new "what changed"')
new_revision(sys.argv[2])
