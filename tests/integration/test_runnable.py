"""``Bot.as_runnable`` in LangChain: invoke, stream, batch and an LCEL chain, on the demo help
center with the real packaged embedder and chat model (quoted answers, so the answers are exact).

The bot's conversation store records which sessions got turns, so the tests check that a call
without a session id keeps nothing and one with an id keeps its turns there.
"""

from __future__ import annotations

import asyncio
import csv
import functools
import operator
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda

from bot.bot import Bot
from bot.conversation import MemoryConversations
from bot.factory import build_bot
from bot.settings import Settings
from knowledge.errors import InputError, ModelError

pytestmark = pytest.mark.integration

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo" / "kb"
FAQ = next(csv.DictReader((DEMO / "faq.csv").open(encoding="utf-8")))
KEYS = {"answer", "sources", "refused", "canned", "session_id"}
EXPRESS = "How much does express shipping cost?"
HOW_LONG = "How long does it take?"  # alone it finds the return window; after EXPRESS, express delivery
BIKES = "Do you sell mountain bikes and bicycle helmets?"


class Recorded(MemoryConversations):
    """The in-memory store, noting the session of every turn added."""

    def __init__(self):
        super().__init__()
        self.added: list[str] = []

    def add(self, session_id, turn):
        self.added.append(session_id)
        super().add(session_id, turn)


@pytest.fixture(scope="module")
def bot(tmp_path_factory, llama_generator) -> Bot:
    settings = Settings(data_dir=tmp_path_factory.mktemp("runnable-data"))
    b = build_bot(settings, progress=False, generator=llama_generator, conversations=Recorded())
    assert b.options.answer_style == "extract"
    assert not b.knowledge.ingest([DEMO]).failed
    return b


@pytest.fixture
def runnable(bot):
    bot.conversations.added.clear()
    return bot.as_runnable()


def test_invoke_with_a_question_answers_with_its_sources_and_keeps_nothing(bot, runnable):
    out = runnable.invoke(EXPRESS)
    assert set(out) == KEYS and out["session_id"] is None
    assert "12.95" in out["answer"] and not out["refused"] and not out["canned"]
    assert [s["source"] for s in out["sources"]] == ["en/shipping.md"]
    assert {"n", "source", "title", "text", "score"} <= set(out["sources"][0])
    asked = bot.ask(EXPRESS).as_dict()  # the same answer as the Bot's own
    assert out == {key: asked[key] for key in KEYS - {"session_id"}} | {"session_id": None}
    assert len(bot.conversations.added) == 1  # the bot.ask above, not the runnable


def _express(out) -> bool:
    return bool(out["sources"]) and out["sources"][0]["location"].endswith("Express delivery")


def test_invoke_with_messages_resolves_a_follow_up_from_their_history(bot, runnable):
    first = runnable.invoke(EXPRESS)
    assert _express(first) and not _express(runnable.invoke(HOW_LONG))
    for messages in (
        [HumanMessage(EXPRESS), AIMessage(first["answer"]), HumanMessage(HOW_LONG)],
        [{"role": "user", "content": EXPRESS}, {"role": "assistant", "content": first["answer"]},
         {"role": "user", "content": HOW_LONG}],
    ):
        out = runnable.invoke(messages)
        assert not out["refused"] and _express(out) and out["session_id"] is None
        assert "working day" in out["answer"]
    assert bot.conversations.added == []  # the history given lived for the call only


def test_a_session_id_keeps_the_turns_in_the_bots_store(bot, runnable):
    runnable.invoke({"question": EXPRESS, "session_id": "lc-session-1"})
    out = runnable.invoke({"question": HOW_LONG, "session_id": "lc-session-1"})
    assert out["session_id"] == "lc-session-1" and _express(out)
    assert bot.conversations.added == ["lc-session-1", "lc-session-1"]
    assert [t.question for t in bot.conversations.history("lc-session-1")] == [EXPRESS, HOW_LONG]


def test_stream_yields_the_answer_in_chunks_then_the_sources(runnable):
    chunks = list(runnable.stream(FAQ["question"]))
    whole = runnable.invoke(FAQ["question"])
    assert whole["canned"] and whole["answer"] == FAQ["answer"]
    assert "".join(c.get("answer", "") for c in chunks) == whole["answer"]
    assert all(set(c) == {"answer"} for c in chunks[:-1]) and len(chunks) >= 2
    assert set(chunks[-1]) == KEYS - {"answer"} and chunks[-1]["sources"] == []
    assert functools.reduce(operator.add, chunks) == whole
    quoted = list(runnable.stream(EXPRESS))
    assert functools.reduce(operator.add, quoted) == runnable.invoke(EXPRESS)
    assert quoted[-1]["sources"][0]["source"] == "en/shipping.md"


def test_batch_and_the_async_forms(runnable):
    outs = runnable.batch([EXPRESS, {"question": FAQ["question"]}])
    assert "12.95" in outs[0]["answer"] and outs[1]["canned"] and outs[1]["answer"] == FAQ["answer"]
    mixed = runnable.batch([FAQ["question"], {"question": ""}], return_exceptions=True)
    assert mixed[0]["canned"] and isinstance(mixed[1], InputError)
    assert asyncio.run(runnable.ainvoke(FAQ["question"]))["answer"] == FAQ["answer"]
    assert [o["canned"] for o in asyncio.run(runnable.abatch([FAQ["question"], BIKES]))] == [True, False]


def test_in_an_lcel_chain(runnable):
    chain = RunnableLambda(lambda q: q.strip()) | runnable | RunnableLambda(lambda r: r["answer"])
    assert chain.invoke(f"  {FAQ['question']}\n") == FAQ["answer"]
    assert list(chain.stream(f"  {FAQ['question']}\n")) == [FAQ["answer"]]
    assert chain.batch([FAQ["question"], BIKES])[0] == FAQ["answer"]
    prompted = ChatPromptTemplate.from_messages([("system", "Answer as a pirate."), ("human", "{q}")]) | runnable
    out = prompted.invoke({"q": EXPRESS})
    assert "12.95" in out["answer"] and "pirate" not in out["answer"].lower()


def test_a_question_the_knowledge_cannot_answer_is_refused(runnable):
    out = runnable.invoke(BIKES)
    assert out["refused"] and out["sources"] == [] and "person" in out["answer"]
    zh = runnable.invoke([{"role": "user", "content": "你们公司的CEO是谁？"}])
    assert zh["refused"] and "人工" in zh["answer"]


@pytest.mark.parametrize("value, message", [
    ("   ", "type a question"),
    ("x" * 100_000, "too long"),
    (None, "not NoneType"),
    ({"question": "Hi?", "session_id": "../../etc/passwd"}, "invalid session id"),
    ({"prompt": "Hi?"}, "unknown keys 'prompt'"),
    ([AIMessage("How can I help?")], "the last message must be the user's question"),
    ([{"role": "wizard", "content": "Hi?"}], "message 1 is not a message"),
    ("How long\x00 do refunds take?", None),
])
def test_bad_input_is_an_input_error_naming_it(runnable, value, message):
    if message is None:  # control characters are blanked, as for the Bot itself
        assert not runnable.invoke(value)["refused"]
        return
    with pytest.raises(InputError, match=message):
        runnable.invoke(value)
    with pytest.raises(InputError, match=message):
        list(runnable.stream(value))


class Failing:
    """The real generator, failing on every answer (as a model server that went away)."""

    def __init__(self, inner):
        self.inner, self.name = inner, inner.name

    def count_tokens(self, text):
        return self.inner.count_tokens(text)

    def stream(self, messages, **kw):
        raise ModelError("the model server went away")
        yield  # pragma: no cover

    def complete(self, messages, **kw):
        return "".join(self.stream(messages, **kw))


def test_a_failing_model_raises_a_model_error_for_retries_and_fallbacks(bot):
    from dataclasses import replace

    broken = Bot(bot.knowledge, Failing(bot.generator), Recorded(), replace(bot.options, answer_style="generate"))
    with pytest.raises(ModelError, match="failed while answering"):
        broken.as_runnable().invoke(EXPRESS)
    fallback = broken.as_runnable().with_fallbacks([bot.as_runnable()])
    assert "12.95" in fallback.invoke(EXPRESS)["answer"]
    assert broken.conversations.added == []
