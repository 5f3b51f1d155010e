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


def test_auto_answer_style_quotes_with_the_packaged_models_only(tmp_path):
    from bot.factory import answer_style

    assert answer_style(Settings(data_dir=tmp_path)) == "extract"
    assert answer_style(Settings(data_dir=tmp_path, model="qwen2.5-1.5b")) == "extract"
    assert answer_style(Settings(data_dir=tmp_path, model="/models/llama-3-8b.gguf")) == "generate"
    assert answer_style(Settings(data_dir=tmp_path, generator="openai", model="qwen2.5-0.5b")) == "generate"
    assert answer_style(Settings(data_dir=tmp_path, answer_style="generate")) == "generate"
