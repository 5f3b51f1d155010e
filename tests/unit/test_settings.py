"""Settings read from the environment (pure logic: no models)."""

from __future__ import annotations

from bot.settings import Settings, reveal


def test_empty_variables_mean_unset(monkeypatch):
    # docker compose passes `${VAR:-}` as an empty string: it must not break parsing or mean "".
    monkeypatch.setenv("HELPDESK_CHROMA_HEADERS", "")
    monkeypatch.setenv("HELPDESK_CHROMA_URL", "")
    monkeypatch.setenv("HELPDESK_DATABASE_URL", "")
    s = Settings()
    assert s.chroma_headers == {} and s.chroma_url is None and s.database_url is None


def test_nested_settings_and_the_chinese_gate_offset(monkeypatch):
    assert Settings().retrieval.min_score_offsets == {"zh": 0.10}
    monkeypatch.setenv("HELPDESK_RETRIEVAL__MIN_SCORE_OFFSETS", '{"zh": 0.1, "en": -0.02}')
    monkeypatch.setenv("HELPDESK_WIDGET__DAILY_MESSAGES", "5")
    s = Settings()
    assert s.retrieval.min_score_offsets == {"zh": 0.1, "en": -0.02} and s.widget.daily_messages == 5


def test_auto_answer_style_quotes_with_the_packaged_models_only(tmp_path):
    from bot.options import answer_style

    assert answer_style(Settings(data_dir=tmp_path)) == "extract"
    for name in ("qwen2.5-coder-1.5b", "qwen2.5-1.5b", "qwen2.5-0.5b"):  # the earlier names are packaged too
        assert answer_style(Settings(data_dir=tmp_path, model=name)) == "extract"
    assert answer_style(Settings(data_dir=tmp_path, model="/models/llama-3-8b.gguf")) == "generate"
    assert answer_style(Settings(data_dir=tmp_path, generator="openai", model="qwen2.5-coder-0.5b")) == "generate"
    assert answer_style(Settings(data_dir=tmp_path, answer_style="generate")) == "generate"


SECRETS = {
    "HELPDESK_ADMIN_PASSWORD": "pw-in-env-1234",
    "HELPDESK_ADMIN_API_KEY": "key-in-env-5678",
    "HELPDESK_OPENAI_API_KEY": "sk-openai-9012",
    "HELPDESK_DATABASE_URL": "postgresql+psycopg://helpdesk:db-pass-3456@db.internal/helpdesk",
    "HELPDESK_CHROMA_HEADERS": '{"Authorization": "Bearer chroma-token-7890"}',
    "HELPDESK_SERVER__HANDOFF_WEBHOOK_URL": "https://hooks.example.com/T0/B0/hook-token-2468",
    "HELPDESK_SERVER__HANDOFF_WEBHOOK_SECRET": "whsec_c2VjcmV0LWtleS0xMzU3",
}
_SHOWN = ["pw-in-env-1234", "key-in-env-5678", "sk-openai-9012", "db-pass-3456", "chroma-token-7890",
          "hook-token-2468", "whsec_c2VjcmV0LWtleS0xMzU3"]


def _no_helpdesk_env(monkeypatch):
    import os

    for name in [n for n in os.environ if n.startswith("HELPDESK_")]:
        monkeypatch.delenv(name)


def test_a_dot_env_file_in_the_working_directory_is_read(tmp_path, monkeypatch):
    _no_helpdesk_env(monkeypatch)
    (tmp_path / ".env").write_text("# a comment\nHELPDESK_KB=from-file\nHELPDESK_SERVER__QUEUE_SIZE=3\n"
                                   "HELPDESK_ADMIN_API_KEY=file-key\nOTHER_TOOL_SETTING=ignored\n",
                                   encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    s = Settings()
    assert (s.kb, s.server.queue_size) == ("from-file", 3)
    assert reveal(s.admin_api_key) == "file-key"
    monkeypatch.chdir(tmp_path.parent)  # another directory: its own .env (none), not this one
    assert Settings().kb == "default"


def test_an_environment_variable_overrides_the_dot_env_file(tmp_path, monkeypatch):
    _no_helpdesk_env(monkeypatch)
    (tmp_path / ".env").write_text("HELPDESK_KB=from-file\nHELPDESK_ADMIN_PASSWORD=file-pw\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HELPDESK_KB", "from-env")
    monkeypatch.setenv("HELPDESK_ADMIN_PASSWORD", "env-pw")
    s = Settings()
    assert s.kb == "from-env" and reveal(s.admin_password) == "env-pw"
    monkeypatch.setenv("HELPDESK_KB", "")  # empty means unset: the file's value stands
    assert Settings().kb == "from-file"


def test_secrets_never_show_in_repr_str_or_dumps(tmp_path, monkeypatch):
    _no_helpdesk_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    s = Settings()
    shown = [repr(s), str(s), s.model_dump_json(), str(s.model_dump()), repr(s.server), repr(s.chroma_headers)]
    for secret in _SHOWN:
        assert all(secret not in text for text in shown), secret
    # ... while the code that uses them gets the real values
    assert reveal(s.admin_password) == "pw-in-env-1234" and reveal(s.openai_api_key) == "sk-openai-9012"
    assert reveal(s.database_url).endswith("db-pass-3456@db.internal/helpdesk")
    assert reveal(s.chroma_headers["Authorization"]) == "Bearer chroma-token-7890"
    assert reveal(s.server.handoff_webhook_url).endswith("hook-token-2468")
    assert reveal(s.server.handoff_webhook_secret) == SECRETS["HELPDESK_SERVER__HANDOFF_WEBHOOK_SECRET"]
    assert reveal(Settings(admin_password=None).admin_password) is None


def test_invalid_settings_name_the_variable_but_never_echo_its_value(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from bot.cli import main

    _no_helpdesk_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HELPDESK_CHROMA_HEADERS", '["Bearer chroma-token-7890"]')  # a list, not an object
    monkeypatch.setenv("HELPDESK_SERVER__QUEUE_SIZE", "-1")
    result = CliRunner().invoke(main, ["docs"])
    assert result.exit_code == 2
    assert "HELPDESK_CHROMA_HEADERS" in result.output and "HELPDESK_SERVER__QUEUE_SIZE" in result.output
    assert "chroma-token-7890" not in result.output


def test_the_bot_options_are_the_settings_and_have_no_defaults_of_their_own(tmp_path, monkeypatch):
    import dataclasses

    from bot.options import BotOptions, answer_style

    assert all(f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
               for f in dataclasses.fields(BotOptions))
    monkeypatch.setenv("HELPDESK_RETRIEVAL__TOP_K", "7")
    s = Settings(data_dir=tmp_path, max_question_chars=500)
    o = BotOptions.from_settings(s)
    assert o.answer_style == answer_style(s) == "extract"  # "auto" resolved, not a default of its own
    r = s.retrieval
    assert (o.top_k, o.min_score, o.min_score_offsets, o.faq_min_score, o.faq_min_cosine, o.context_tokens) == \
        (7, r.min_score, r.min_score_offsets, r.faq_min_score, r.faq_min_cosine, r.context_tokens)
    assert (o.answer_tokens, o.max_question_chars) == (s.llm.max_tokens, 500)
    assert BotOptions.from_settings(Settings(data_dir=tmp_path, model="/m.gguf")).answer_style == "generate"
