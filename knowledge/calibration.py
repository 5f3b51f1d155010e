"""Calibrated relevance: one threshold that means the same for every embedder.

Raw cosine similarities live on different scales (e5 rarely goes below 0.7, MiniLM often sits
near 0.1). We embed a small bundled set of question/passage pairs (English, Chinese and across
the two), measure where matching and non-matching pairs fall for this embedder, and map cosine
linearly so that a typical irrelevant pair scores 0 and a typical relevant pair scores 1.
The figures are cached per embedder name, so this runs once per data directory.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from .embedders import Embedder

__all__ = ["Calibration", "calibrate", "load_or_calibrate"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Calibration:
    """Where irrelevant (``low``) and relevant (``high``) pairs fall in cosine for one embedder."""

    low: float
    high: float

    def score(self, cosine: np.ndarray | float) -> np.ndarray | float:
        """Map cosine similarity to calibrated relevance in [0, 1]."""
        return np.clip((np.asarray(cosine) - self.low) / max(self.high - self.low, 1e-6), 0.0, 1.0)


def _pairs() -> list[dict[str, str]]:
    text = resources.files("knowledge.data").joinpath("calibration.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def calibrate(embedder: Embedder) -> Calibration:
    """Measure matching and non-matching pair similarities for ``embedder``."""
    pairs = _pairs()
    q = embedder.embed([p["query"] for p in pairs], query=True)
    d = embedder.embed([p["passage"] for p in pairs], query=False)
    sims = q @ d.T
    positive = np.diag(sims)
    negative = sims[~np.eye(len(pairs), dtype=bool)]
    # Medians resist the odd pair that is accidentally related or oddly phrased.
    return Calibration(low=float(np.median(negative)), high=float(np.median(positive)))


def load_or_calibrate(embedder: Embedder, cache_file: Path | None) -> Calibration:
    """Calibration for ``embedder``, from ``cache_file`` when it was measured before."""
    cache: dict[str, dict] = {}
    if cache_file and cache_file.exists():
        try:
            cache = json.loads(cache_file.read_text("utf-8"))
        except (OSError, ValueError):
            log.warning("ignoring unreadable calibration cache %s", cache_file)
    if embedder.name in cache:
        return Calibration(**cache[embedder.name])
    cal = calibrate(embedder)
    if cache_file:
        cache[embedder.name] = asdict(cal)
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(cache, indent=1), "utf-8")
        tmp.replace(cache_file)
    return cal
