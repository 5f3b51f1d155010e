"""One typed settings tree, read from the environment (prefix ``HELPDESK_``, ``__`` nests) and
from a ``.env`` file in the working directory, the environment winning over the file.

Load it explicitly with ``Settings()``; nothing reads the environment at import time.
The flat fields are the documented contract (docs/configuration.md); the nested groups are
tuning knobs, e.g. ``HELPDESK_RETRIEVAL__TOP_K=6`` or ``HELPDESK_LLM__THREADS=4``. Secrets (passwords, keys,
URLs that carry credentials) are ``SecretStr``: a repr, a log line or a dump shows ``**********``;
:func:`reveal` gives the text to the one place that uses it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from knowledge.limits import ParseLimits

__all__ = ["Settings", "IngestSettings", "RetrievalSettings", "LlmSettings", "ServerSettings", "WidgetSettings",
           "reveal", "SyncSettings", "PrivacySettings", "HandoffSettings"]


def reveal(secret: SecretStr | None) -> str | None:
    """The text of a secret setting (None when unset), for the code that sends or checks it."""
    return secret.get_secret_value() if secret is not None else None


class IngestSettings(BaseModel):
    """How files become chunks."""

    chunk_tokens: int = Field(
        300, ge=32, description="Largest chunk, in tokens of the embedder (title line included)."
    )
    overlap_tokens: int = Field(
        0, ge=0, description="Tokens of the previous chunk repeated at the start of the next one."
    )
    max_file_mb: float = Field(50.0, gt=0, description="Files larger than this are refused.")
    batch_size: int = Field(64, ge=1, description="Chunks embedded and added per batch.")
    # What one file may cost to parse, whatever its size on disk (knowledge/limits.py): a file past
    # any of these is refused with an error that names the setting.
    max_rows: int = Field(200_000, ge=1, description="Table rows per file (CSV, TSV, XLSX, DOCX tables, FAQ entries).")
    max_cells: int = Field(2_000_000, ge=1, description="Table cells read per file (a sheet's declared range does not count).")
    max_paragraphs: int = Field(200_000, ge=1, description="Paragraphs per DOCX file, empty ones included.")
    max_pages: int = Field(5_000, ge=1, description="Pages per PDF file.")
    max_expanded_mb: float = Field(
        200.0, gt=0, description="What a file may unpack to: the parts of a DOCX or XLSX, a YAML file with its aliases spelled out."
    )
    parse_seconds: float = Field(120.0, gt=0, description="Parsing one file longer than this refuses it.")

    def limits(self) -> ParseLimits:
        """The parse limits for the knowledge package."""
        return ParseLimits(max_rows=self.max_rows, max_cells=self.max_cells, max_paragraphs=self.max_paragraphs,
                           max_pages=self.max_pages, max_expanded_mb=self.max_expanded_mb,
                           parse_seconds=self.parse_seconds)


class RetrievalSettings(BaseModel):
    """How questions find chunks."""

    top_k: int = Field(4, ge=1, le=50, description="Chunks returned per query.")
    keyword_weight: float = Field(
        1.5, ge=0, le=3, description="How much keyword (BM25) evidence raises a chunk's dense score."
    )
    min_score: float = Field(
        0.69,
        ge=0,
        le=1,
        description="Calibrated relevance under which a chunk does not count as an answer source (a "
                    "chunk is as relevant as its closest sentence; 0.63 when chunks were compared whole).",
    )
    min_score_offsets: dict[str, float] = Field(
        default_factory=lambda: {"zh": 0.10},
        description="Added to min_score for questions in a language, e.g. {'zh': 0.10}: Chinese questions the "
                    "knowledge does not answer score higher than English ones (XQuAD held-out articles: 0.98 "
                    "refused at 0.79, 0.92 at 0.74; help-center questions about the same product: 0.50 and 0.25).",
    )
    faq_min_score: float = Field(
        0.9, ge=0, le=1, description="Calibrated similarity at which an FAQ question counts as asked."
    )
    faq_min_cosine: float = Field(
        0.95, ge=0, le=1,
        description="Raw cosine an FAQ question must reach as well. Calibrated scores reach 1.0 at a cosine "
                    "of about 0.92 (e5), where different questions still meet: on the demo, '寄到成都需要多长时间？' "
                    "against '寄到上海要多久？' (0.922) and 'How soon is my refund processed...' against 'How long do "
                    "I have to return an item?' (0.914); rewordings of the same question score 0.97-1.0.",
    )
    context_tokens: int = Field(
        90, ge=40, description="Model tokens of source text in a prompt (it bounds the first-token wait)."
    )
    translate_into: list[str] = Field(
        default_factory=lambda: ["en"],
        description="Languages a question is translated into (by the chat model) to be searched as well, "
                    "when the knowledge base holds little in the question's own language. XQuAD with the "
                    "packaged 0.5B: Chinese questions on English knowledge hit@4 0.877 -> 0.903; English "
                    "questions on Chinese knowledge 0.898 -> 0.832 (earlier ranking), so 'zh' is not in the default.",
    )
    reranker: str | None = Field(
        None, description="A cross-encoder model (path or id) to rerank candidates; off if unset."
    )


class LlmSettings(BaseModel):
    """Knobs for the chat model."""

    threads: int = Field(0, ge=0, description="CPU threads for llama.cpp; 0 means all cores.")
    context: int = Field(2048, ge=512, description="Context window in tokens.")
    max_tokens: int = Field(96, ge=8, description="Most tokens generated per answer.")
    temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature; 0 is greedy.")
    timeout_s: float = Field(120.0, gt=0, description="A generation slower than this is abandoned.")


class ServerSettings(BaseModel):
    """The web chat, admin console and HTTP API of ``helpdesk serve``."""

    concurrency: int = Field(
        1, ge=1, description="Answers computed at the same time (one suits an in-process model on a CPU)."
    )
    queue_size: int = Field(
        16, ge=0, description="Questions that may wait for a free slot; more get a polite 'please wait'."
    )
    queue_timeout_s: float = Field(
        90.0, gt=0, description="A question that waited this long for a slot gets 'please wait' instead."
    )
    rate_limit_per_minute: int = Field(
        20, ge=0, description="Chat messages per client and minute (0 turns the limit off)."
    )
    upload_max_mb: float = Field(20.0, gt=0, description="Largest file the admin may upload.")
    upload_max_files: int = Field(50, ge=1, description="Most files in one upload.")
    handoff_webhook_url: SecretStr | None = Field(
        None, description="URL that receives each hand-off (transcript and sources) as a JSON POST "
                          "(secret: such URLs often carry a token)."
    )
    handoff_webhook_secret: SecretStr | None = Field(
        None, description="If set, hand-off POSTs are signed by the Standard Webhooks scheme (webhook-id, "
                          "webhook-timestamp, webhook-signature); 'whsec_<base64>' or any text as the key.",
    )
    handoffs_per_hour: int = Field(
        5, ge=0, description="Hand-offs per client address and per conversation an hour (0 turns the limit off).",
    )
    admin_user: str = Field("admin", description="User name of the bootstrap admin's console login.")
    session_hours: float = Field(
        12.0, gt=0, le=720, description="Hours a console sign-in lasts before the staff member signs in again.",
    )
    login_attempts: int = Field(
        5, ge=1, description="Failed console logins per client address (four times as many for the account) "
                             "before each further attempt must wait out a back-off.",
    )
    login_backoff_s: float = Field(
        1.0, gt=0, description="The first login back-off; it doubles with each further failure, up to 15 minutes.",
    )
    demo_kb: bool = Field(
        True, description="Ingest the bundled demo help center when the knowledge base is empty."
    )
    examples: list[str] = Field(
        default_factory=lambda: [
            "How long do I have to return an item?",
            "How much does standard shipping to Germany cost?",
            "退货期限是多久？",
        ],
        description="Example questions shown in the empty chat.",
    )
    title: str = Field("Help center", description="Title of the chat page.")
    metrics: bool = Field(
        False, description="Serve Prometheus metrics at /metrics (per process). Scrapers must send "
                           "'Authorization: Bearer <metrics_token>' (or the admin API key).",
    )
    metrics_token: SecretStr | None = Field(
        None, description="Bearer token for /metrics, so a scraper needs no admin API key.",
    )
    forwarded_allow_ips: str = Field(
        "127.0.0.1",
        description="The proxies whose X-Forwarded-For is believed (comma-separated addresses or networks such "
                    "as 10.0.0.0/8): only the proxy's own address, never '*', which lets any client choose its "
                    "address by sending the header (and so escape every per-address limit).",
    )

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _no_wildcard(cls, value: str) -> str:
        if "*" in value:
            raise ValueError("'*' would let any client pick its address with X-Forwarded-For (and escape the "
                             "rate limits): list the proxy's own address or network, e.g. 10.0.0.0/8")
        return value


class WidgetSettings(BaseModel):
    """The embeddable widget: token lifetime, rate limits and the daily budget of each site key."""

    token_ttl_s: int = Field(3600, ge=60, le=86400, description="How long a widget session token lives.")
    session_per_minute: int = Field(
        10, ge=0, description="Messages per widget conversation and minute (0 turns the limit off)."
    )
    ip_per_minute: int = Field(
        30, ge=0, description="Widget messages per client address and minute, over every site key."
    )
    tokens_per_minute: int = Field(20, ge=0, description="Session tokens one client address may get a minute.")
    ip_daily_share: float = Field(
        0.05, gt=0, le=1, description="The share of a site key's daily budget one client address may use.",
    )
    daily_messages: int = Field(
        2000, ge=0, description="Messages a site key may send a day (UTC), unless the key sets its own budget."
    )


class HandoffSettings(BaseModel):
    """Live hand-off to a person: when the team answers, and how the customer's screen follows (docs/handoff.md)."""

    hours: str | None = Field(
        None, description="When people answer, e.g. 'Mon-Fri 09:00-17:00 Europe/Amsterdam' (rules separated by "
                          "commas, the IANA time zone last). Outside them a customer who asks for a person is "
                          "told when one will reply. Unset: any time an agent is signed in.",
    )
    agent_idle_minutes: float = Field(
        5.0, gt=0, description="An agent counts as available for this long after their last use of the inbox "
                               "(API or console), on any replica.",
    )
    poll_seconds: float = Field(
        0.5, gt=0, le=10, description="How often a customer's event stream looks for new messages in the database.",
    )
    stream_minutes: float = Field(
        10.0, gt=0, description="An event stream with nothing to send for this long is closed (the page reconnects).",
    )


class SyncSettings(BaseModel):
    """Websites as knowledge: how far and how politely a crawl goes (knowledge/web)."""

    allow_private: bool = Field(
        False, description="Crawl private, loopback and link-local addresses (an intranet; the tests). "
                           "Off, such addresses are refused, redirects included.",
    )
    max_pages: int = Field(500, ge=1, description="Pages fetched per source and sync.")
    depth: int = Field(10, ge=0, description="Clicks from the start page a crawl follows (a sitemap has no depth).")
    max_page_mb: float = Field(10.0, gt=0, description="A page or document larger than this is not fetched.")
    page_seconds: float = Field(20.0, gt=0, description="Time one page may take to arrive.")
    delay_seconds: float = Field(
        0.5, ge=0, description="Least time between two requests to one host (a longer robots.txt Crawl-delay wins, up to 10 s).",
    )
    connections: int = Field(2, ge=1, le=8, description="Requests to one site at the same time.")
    user_agent: str = Field("helpdesk-sync/0.1", min_length=1, description="User-Agent sent, and matched in robots.txt.")

    def options(self):
        """The crawl options for the knowledge package (``knowledge.web.CrawlOptions``)."""
        from knowledge.web import CrawlOptions

        return CrawlOptions(max_pages=self.max_pages, depth=self.depth, max_page_mb=self.max_page_mb,
                            page_seconds=self.page_seconds, delay_seconds=self.delay_seconds,
                            connections=self.connections, allow_private=self.allow_private,
                            user_agent=self.user_agent)


class PrivacySettings(BaseModel):
    """What the server keeps about customers, and for how long (docs/privacy.md)."""

    retention_days: int | None = Field(
        None, ge=1, le=36500,
        description="Conversations whose last activity is older than this many days are deleted, with their "
                    "feedback and hand-offs, once a day (by one replica). Unset keeps them.",
    )
    redact: bool = Field(
        False, description="Mask e-mail addresses, phone numbers and card numbers in what is stored, exported "
                           "and logged; the bot still answers from the original message.",
    )


class Settings(BaseSettings):
    """Everything configurable, with the documented defaults."""

    model_config = SettingsConfigDict(
        env_prefix="HELPDESK_", env_nested_delimiter="__", extra="ignore",
        env_ignore_empty=True,  # compose passes unset variables as "": they mean "not set"
        env_file=".env", env_file_encoding="utf-8",  # relative: the working directory's, read on each load
    )

    data_dir: Path = Field(Path("./helpdesk-data"), description="Data, embedded Chroma, SQLite, model cache.")
    kb: str = Field("default", description="The knowledge base used when none is named.")
    bot_name: str = Field(
        "default", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
        description="The bot's name: the model name clients give on /v1/chat/completions and API keys are scoped to.",
    )
    chroma_url: str | None = Field(None, description="A Chroma server URL; unset means embedded.")
    chroma_headers: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="Extra headers for the Chroma server, e.g. {'Authorization': 'Bearer …'}.",
    )
    embedder: str = Field(
        "multilingual-e5-small",
        description="Packaged name (multilingual-e5-small, all-minilm-l6-v2), local path or Hugging Face id.",
    )
    generator: Literal["llama_cpp", "transformers", "openai", "langchain"] = Field(
        "llama_cpp", description="Which generator backend answers."
    )
    model: str = Field(
        "qwen2.5-coder-0.5b",
        description="Packaged name, GGUF path, model folder, Hugging Face id, or the server's model name.",
    )
    answer_style: Literal["auto", "extract", "generate", "compose"] = Field(
        "auto",
        description="'extract': the page's blocks that answer are quoted as Markdown and cited (a procedure whole, "
                    "a table's header with the rows asked about; bot/compose.py); the model only translates a "
                    "quote for a question in another language. 'generate': the model writes the answer from the "
                    "best sentences. 'compose': the model rewrites the quoted blocks, kept only when every number "
                    "and name stands in them. 'auto': extract with the packaged small models (bench/helpcenter.py "
                    "measures every style; see docs/benchmarks.md), generate with any other model.",
    )
    openai_base_url: str | None = Field(None, description="Base URL of an OpenAI-compatible server.")
    openai_api_key: SecretStr | None = Field(None, description="Key for that server.")
    database_url: SecretStr | None = Field(
        None, description="SQLAlchemy URL; unset means SQLite in data_dir (secret: it may hold a password)."
    )
    admin_api_key: SecretStr | None = Field(None, description="Bearer key for the admin API; unset turns it off.")
    admin_password: SecretStr | None = Field(None, description="Admin console password; generated if unset.")

    max_question_chars: int = Field(4000, ge=10, description="Longer questions are refused.")
    log_format: Literal["text", "json"] = Field(
        "text", description="'json': the server logs one JSON object per line (time, level, logger, message, "
                            "request_id) and an access line per request.",
    )

    ingest: IngestSettings = Field(default_factory=IngestSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    llm: LlmSettings = Field(default_factory=LlmSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    widget: WidgetSettings = Field(default_factory=WidgetSettings)
    sync: SyncSettings = Field(default_factory=SyncSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    handoff: HandoffSettings = Field(default_factory=HandoffSettings)

    @property
    def model_cache(self) -> Path:
        """Where assembled and converted models are kept."""
        return self.data_dir / "models"
