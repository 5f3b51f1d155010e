"""The held-out help center (`bench/holdout`) holds what its answers are scored on: its own checker
(facts in their pages, near-domain questions screened against every page, counts) passes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HOLDOUT = Path(__file__).resolve().parents[2] / "bench" / "holdout"


def test_the_holdout_set_passes_its_checks():
    run = subprocess.run([sys.executable, "check.py"], cwd=HOLDOUT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "OK: all checks passed" in run.stdout
