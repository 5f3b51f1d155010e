"""bench/helpcenter.py's pure parts: the answer styles and the questions a short run takes."""

from __future__ import annotations

from pathlib import Path

from bench.helpcenter import STYLES, subset
from bot.evaluate import load_cases
from bot.settings import Settings

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo" / "questions.jsonl"


def test_every_style_names_real_settings():
    # Settings ignores unknown keys, so a misspelt override would silently measure the default.
    for name, overrides in STYLES.items():
        assert set(overrides) <= set(Settings.model_fields), name
        settings = Settings(**overrides)
        assert all(getattr(settings, k) == v for k, v in overrides.items()), name
    assert {"extract", "generate", "generate-1.5b"} <= set(STYLES)


def test_a_short_run_keeps_pairs_whole_alternates_languages_and_keeps_file_order():
    cases = load_cases(DEMO.open(encoding="utf-8"))
    assert subset(cases, None, None) == cases
    short = subset(cases, None, 6)
    assert len(short) == 6 and {c["lang"] for c in short} == {"en", "zh"}
    assert len({(c["lang"], c["type"]) for c in short}) == 6  # a different kind each
    order = [cases.index(c) for c in short]
    assert order == sorted(order)
    zh = subset(cases, "zh", None)
    assert zh and all(c["lang"] == "zh" for c in zh)
    # every follow-up comes with the question it follows, and after it
    many = subset(cases, "en", 40)
    for i, c in enumerate(many):
        if c["type"] == "followup":
            assert many[i - 1]["session"] == c["session"]
    assert any(c["type"] == "followup" for c in many)
