"""Calibrated relevance: one threshold that means the same for every embedder and language pair.

Raw cosine similarities live on different scales: e5 rarely goes below 0.7 while MiniLM often
sits near 0.1, and an English question against a Chinese passage scores lower than the same
question against an English one. We embed a small bundled set of question/passage pairs
(English, Chinese and across the two), measure where matching and non-matching pairs fall for
this embedder and each (question language, passage language) pair, and map cosine linearly so
that a typical irrelevant pair scores 0 and a typical relevant pair scores 1. The figures are
cached per embedder name, so this runs once per data directory.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from .embedders import Embedder
from .lang import detect_language

__all__ = ["Calibration", "calibrate", "load_or_calibrate"]

log = logging.getLogger(__name__)

_VERSION = 2
_MIN_POSITIVES = 3


@dataclass(frozen=True)
class Calibration:
    """Where irrelevant (``low``) and relevant (``high``) pairs fall in cosine, per language pair.

    ``pairs`` maps "en-zh" (question language, passage language) to ``(low, high)``; pairs that
    were not measured fall back to ``low``/``high`` over all pairs.
    """

    low: float
    high: float
    pairs: dict[str, tuple[float, float]] = field(default_factory=dict)

    def score(self, cosine, query_lang: str | None = None, passage_lang: str | None = None):
        """Map cosine similarity to [0, 1]: for one language pair, or over all pairs when None."""
        return np.clip(self.linear(cosine, query_lang, passage_lang), 0.0, 1.0)

    def linear(self, cosine, query_lang: str | None = None, passage_lang: str | None = None):
        """The same map, not clipped: above 1 for passages closer than a typical answer, below 0
        for those further than a typical unrelated one. Ranking needs both ends."""
        low, high = self.pairs.get(f"{query_lang}-{passage_lang}", (self.low, self.high))
        return (np.asarray(cosine) - low) / max(high - low, 1e-6)


def _pairs() -> list[dict[str, str]]:
    text = resources.files("knowledge.data").joinpath("calibration.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def calibrate(embedder: Embedder) -> Calibration:
    """Measure matching and non-matching pair similarities for ``embedder``."""
    pairs = _pairs()
    q = embedder.embed([p["query"] for p in pairs], query=True)
    d = embedder.embed([p["passage"] for p in pairs], query=False)
    sims = q @ d.T
    qlang = np.array([detect_language(p["query"]) for p in pairs])
    plang = np.array([detect_language(p["passage"]) for p in pairs])
    off = ~np.eye(len(pairs), dtype=bool)
    # Medians resist the odd pair that is accidentally related or oddly phrased.
    cal = {}
    for ql in ("en", "zh"):
        for pl in ("en", "zh"):
            rows, cols = qlang == ql, plang == pl
            positive = np.diag(sims)[rows & cols]
            negative = sims[np.outer(rows, cols) & off]
            if len(positive) >= _MIN_POSITIVES and len(negative):
                cal[f"{ql}-{pl}"] = (float(np.median(negative)), float(np.median(positive)))
    return Calibration(low=float(np.median(sims[off])), high=float(np.median(np.diag(sims))), pairs=cal)


def load_or_calibrate(embedder: Embedder, cache_file: Path | None) -> Calibration:
    """Calibration for ``embedder``, from ``cache_file`` when it was measured before."""
    key = f"{embedder.name}@v{_VERSION}"
    cache: dict[str, dict] = {}
    if cache_file and cache_file.exists():
        try:
            cache = json.loads(cache_file.read_text("utf-8"))
        except (OSError, ValueError):
            log.warning("ignoring unreadable calibration cache %s", cache_file)
    if key in cache:
        c = cache[key]
        return Calibration(c["low"], c["high"], {k: tuple(v) for k, v in c["pairs"].items()})
    cal = calibrate(embedder)
    if cache_file:
        cache[key] = {"low": cal.low, "high": cal.high, "pairs": cal.pairs}
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(cache, indent=1), "utf-8")
        tmp.replace(cache_file)
    return cal
