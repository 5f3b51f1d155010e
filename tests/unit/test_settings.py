"""Settings read from the environment (pure logic: no models)."""

from __future__ import annotations

from bot.settings import Settings


def test_empty_variables_mean_unset(monkeypatch):
    # docker compose passes `${VAR:-}` as an empty string: it must not break parsing or mean "".
    monkeypatch.setenv("HELPDESK_CHROMA_HEADERS", "")
    monkeypatch.setenv("HELPDESK_CHROMA_URL", "")
    monkeypatch.setenv("HELPDESK_DATABASE_URL", "")
    s = Settings()
    assert s.chroma_headers == {} and s.chroma_url is None and s.database_url is None


def test_nested_settings_and_the_chinese_gate_offset(monkeypatch):
    assert Settings().retrieval.min_score_offsets == {"zh": 0.05}
    monkeypatch.setenv("HELPDESK_RETRIEVAL__MIN_SCORE_OFFSETS", '{"zh": 0.1, "en": -0.02}')
    monkeypatch.setenv("HELPDESK_WIDGET__DAILY_MESSAGES", "5")
    s = Settings()
    assert s.retrieval.min_score_offsets == {"zh": 0.1, "en": -0.02} and s.widget.daily_messages == 5
