"""The gate covers the model, not the answer: answers that call no model never wait.

Real Bot, Service, embedder, Chroma, SQL storage and the API routes on uvicorn (127.0.0.1, a free
port); only the generator is a stand-in that holds its slot until the test lets it go, because
what is tested is who waits for it.
"""

from __future__ import annotations

import csv
import json
import threading
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from bot.bot import Bot, Event
from bot.conversation import MemoryConversations
from bot.factory import build_bot
from bot.settings import Settings
from tests.servers import free_port
from tests.ui.helpers import chat
from ui.gate import Busy
from ui.service import Service
from ui.storage.insights import InsightFigures

pytestmark = pytest.mark.integration

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo" / "kb"
FAQ = next(csv.DictReader((DEMO / "faq.csv").open(encoding="utf-8")))
WRITTEN = "Refunds are processed within 5 working days [1]."


class HeldGenerator:
    """Answers every call with a fixed text, but only once ``release`` is set; ``entered`` says a
    call is under way. A translation request gets ``translation``."""

    name = "held"

    def __init__(self, translation: str = "How long is the warranty for appliances?"):
        self.release, self.entered = threading.Event(), threading.Event()
        self.calls: list[str] = []
        self.translation = translation

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def stream(self, messages, **kw):
        translate = messages[0]["content"].startswith("Translate")
        self.calls.append("translate" if translate else "answer")
        self.entered.set()
        assert self.release.wait(60), "the test never released the generator"
        yield self.translation if translate else WRITTEN

    def complete(self, messages, **kw):
        return "".join(self.stream(messages, **kw))


@pytest.fixture(scope="module")
def gen() -> HeldGenerator:
    return HeldGenerator()


@pytest.fixture(scope="module")
def service(tmp_path_factory, gen) -> Service:
    settings = Settings(data_dir=tmp_path_factory.mktemp("admission"), answer_style="generate",
                        server={"concurrency": 1, "queue_size": 1, "queue_timeout_s": 60, "metrics": True,
                                "rate_limit_per_minute": 0})
    service = Service.from_settings(settings)
    service.load(lambda s, progress: build_bot(s, progress=progress, generator=gen,
                                               conversations=service.storage.conversations))
    assert len(service.bot.knowledge.documents()) >= 9  # the demo help center was seeded
    return service


@pytest.fixture(scope="module")
def api(service) -> httpx.Client:
    """The real API routes on uvicorn, 127.0.0.1 and a free port, stopped afterwards."""
    import uvicorn
    from fastapi import FastAPI

    from ui import api as api_routes
    from ui import errors

    app = FastAPI()
    app.state.service = service
    errors.install(app)
    app.include_router(api_routes.router)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started:
        assert time.time() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=120) as client:
        yield client
    server.should_exit = True
    thread.join(15)


def _stream(api: httpx.Client, message: str, out: list) -> None:
    """POST /chat with ``stream``: the status, then each (event, data) as it arrives, into ``out``."""
    with api.stream("POST", "/chat", json={"message": message, "stream": True}) as r:
        out.append(r.status_code)
        kind, data = None, []
        for line in r.iter_lines():
            if line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
            elif not line and kind:
                out.append((kind, json.loads("\n".join(data))))
                kind, data = None, []


def _wait(condition, what: str, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while not condition():
        assert time.time() < deadline, what
        time.sleep(0.02)


def test_only_answers_that_call_the_model_wait_for_it(service, api, gen):
    gate = service.gate
    first: list = []
    holder = threading.Thread(target=_stream, args=(api, "How long do refunds take?", first))
    holder.start()
    second: list = []
    queued = threading.Thread(target=_stream, args=(api, "How long is the password reset link valid?", second))
    try:
        _wait(gen.entered.is_set, "the first answer never called the model")
        assert gate.active == 1 and gate.waiting == 0

        # The FAQ's answer and a refusal come at once, the model's slot taken all along.
        for message in (FAQ["question"], "Do you sell mountain bikes and bicycle helmets?"):
            started = time.monotonic()
            events: list = []
            _stream(api, message, events)
            assert events[0] == 200 and time.monotonic() - started < 30
            kinds = [kind for kind, _ in events[1:]]
            assert "queued" not in kinds and kinds[-1] == "done", kinds
            done = events[-1][1]
            assert (done["canned"] and done["answer"] == FAQ["answer"]) if message == FAQ["question"] \
                else (done["refused"] and "person" in done["answer"])
            assert gate.active == 1 and gate.waiting == 0
        assert gen.calls == ["answer"]

        # A second answer that needs the model waits, and says so.
        queued.start()
        _wait(lambda: any(e[0] == "queued" for e in second[1:]), "the second answer never said it was queued")
        assert gate.waiting == 1 and second[0] == 200
        assert next(data for kind, data in second[1:] if kind == "queued") == {"ahead": 1}

        # The queue (one place) is full: a third answer that needs the model is turned away.
        busy = chat(api, "What is the warranty period for appliances?")
        assert busy.status_code == 503 and busy.json()["busy"] is True
        assert int(busy.headers["Retry-After"]) >= 1
        # ... while one that needs none is still answered.
        canned = chat(api, FAQ["question"])
        assert canned.status_code == 200 and canned.json()["canned"]
    finally:
        gen.release.set()
        holder.join(60)
        if queued.ident is not None:
            queued.join(60)
    for events in (first, second):
        assert events[0] == 200 and events[-1][0] == "done" and WRITTEN.rstrip(".") in events[-1][1]["answer"]
    assert gate.active == 0 and gate.waiting == 0
    assert gen.calls == ["answer", "answer"]

    # Metrics: two waits for the model were measured (canned and refused answers took none), and
    # every answer is counted by outcome.
    body = service.metrics.exposition()[0].decode()
    assert "helpdesk_queue_wait_seconds_count 2.0" in body
    assert 'helpdesk_answers_total{outcome="canned"} 2.0' in body
    assert 'helpdesk_answers_total{outcome="refused"} 1.0' in body
    assert 'helpdesk_answers_total{outcome="answered"} 2.0' in body
    # Insights keep every answer's outcome and latency, whether it waited or not.
    figures = InsightFigures(service.storage.engine).figures(0, time.time() + 1)["all"]
    assert figures["outcomes"] == {"answered": 2, "canned": 2, "refused": 1, "handoff": 0, "error": 0}
    assert figures["latency_ms"]["total_p95"] >= figures["latency_ms"]["total_p50"] > 0


class Admission:
    """A recording ``admit``: what happened, in order, and one ``queued`` event while "waiting"."""

    def __init__(self, log: list[str], refuse: bool = False):
        self.log, self.refuse = log, refuse

    @contextmanager
    def __call__(self):
        self.log.append("enter")

        def waiting():
            yield Event("queued", 3)
            if self.refuse:
                raise Busy(7)
            self.log.append("admitted")

        try:
            yield waiting()
        finally:
            self.log.append("leave")


class Logged(HeldGenerator):
    """Answers at once, logging its calls into the admission's log."""

    def __init__(self, log: list[str], translation: str):
        super().__init__(translation)
        self.release.set()
        self.log = log

    def stream(self, messages, **kw):
        yield from super().stream(messages, **kw)
        self.log.append(self.calls[-1])


def _bot(service: Service, generator, style: str) -> Bot:
    bot = service.bot
    return Bot(bot.knowledge, generator, MemoryConversations(), replace(bot.options, answer_style=style))


def _kinds(bot: Bot, question: str, admit) -> list[str]:
    return [e.kind for e in bot.stream(question, None, admit)]


def test_quoted_answers_never_ask_and_the_model_only_after_admission(service):
    log: list[str] = []
    gen = Logged(log, "Refunds take 5 working days.")
    extract = _bot(service, gen, "extract")
    kinds = _kinds(extract, "How much does express shipping cost?", Admission(log))
    assert log == [] and "queued" not in kinds and kinds[-1] == "done"  # a quote: no model, no wait

    # "compose": the model writes from the quoted blocks, once admitted, and the slot is held to the end.
    compose = _bot(service, gen, "compose")
    kinds = _kinds(compose, "How much does express shipping cost?", Admission(log))
    assert log == ["enter", "admitted", "answer", "leave"] and kinds[0] == "queued" and kinds[-1] == "done"

    # Not admitted: the caller gets the refusal itself (Busy), never a polite model error.
    log.clear()
    with pytest.raises(Busy):
        list(compose.stream("How much does express shipping cost?", None, Admission(log, refuse=True)))
    assert log == ["enter", "leave"] and gen.calls.count("answer") == 1


def test_a_question_searched_in_translation_asks_before_the_search(tmp_path):
    """The search's translator is the chat model: the slot is taken before the search calls it."""
    log: list[str] = []
    gen = Logged(log, "What is the warranty period for appliances?")
    settings = Settings(data_dir=tmp_path / "data", answer_style="extract")
    bot = build_bot(settings, kb_name="en-only", progress=False, generator=gen)
    assert not bot.knowledge.ingest([DEMO / "en" / "warranty.md"]).failed
    assert bot.knowledge.translates("家电的保修期是多久？") and not bot.knowledge.translates("How long?")
    kinds = _kinds(bot, "家电的保修期是多久？", Admission(log))
    assert log[:3] == ["enter", "admitted", "translate"] and log[-1] == "leave" and log.count("enter") == 1
    assert kinds[0] == "queued" and kinds[-1] == "done"
