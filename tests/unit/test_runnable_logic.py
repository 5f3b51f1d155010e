"""Bot.as_runnable's own logic (bot/runnable.py): what it reads from its input (the question, the
history, the session id) in every form LangChain users pass, a clear InputError for everything else,
and streamed chunks that add up to the invoke output."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.prompts import ChatPromptTemplate

from bot.runnable import parse_input
from knowledge.errors import InputError

LIMIT = 4000


def _read(value):
    question, history, session_id = parse_input(value, LIMIT)
    turns = None if history is None else [(t.question, t.answer) for t in history]
    return question, turns, session_id


def test_a_question_and_a_dict_with_a_session():
    assert _read("How long do refunds take?") == ("How long do refunds take?", None, None)
    assert _read({"question": "Hi?", "session_id": "lc-1"}) == ("Hi?", None, "lc-1")
    assert _read({"question": "Hi?", "session_id": None}) == ("Hi?", None, None)


def test_messages_in_every_form_give_the_last_user_message_and_the_history():
    want = ("And how do I claim it?", [("Warranty period?", "Two years [1].")], None)
    assert _read([HumanMessage("Warranty period?"), AIMessage("Two years [1]."),
                  HumanMessage("And how do I claim it?")]) == want
    assert _read([{"role": "system", "content": "Be brief."},
                  {"role": "user", "content": "Warranty period?"},
                  {"role": "assistant", "content": [{"type": "text", "text": "Two years [1]."}]},
                  {"role": "user", "content": "And how do I claim it?"}]) == want
    assert _read([("human", "Warranty period?"), ("ai", "Two years [1]."),
                  ("human", "And how do I claim it?")]) == want
    prompt = ChatPromptTemplate.from_messages([("system", "x"), ("human", "{q}")])
    assert _read(prompt.invoke({"q": "Hi?"})) == ("Hi?", [], None)
    assert _read({"messages": [HumanMessage("Hi?")], "session_id": "s"}) == ("Hi?", [], "s")


def test_unanswered_questions_are_history_and_system_and_tool_messages_are_skipped():
    question, turns, _ = _read([SystemMessage("You are a pirate."), HumanMessage("Warranty period?"),
                                HumanMessage("  "), HumanMessage("Appliances."),
                                ToolMessage("42", tool_call_id="t1"), AIMessage("Two years."),
                                AIMessage("Anything else?"), HumanMessage("How do I claim it?")])
    assert question == "How do I claim it?"
    assert turns == [("Warranty period?", ""), ("Appliances.", "Two years.")]


@pytest.mark.parametrize("value, message", [
    (None, "not NoneType"),
    (42, "not int"),
    (b"bytes", "not bytes"),
    ({"question": "a", "foo": 1, "bar": 2}, "unknown keys 'bar', 'foo'"),
    ({}, "exactly one of 'question' and 'messages'"),
    ({"question": "a", "messages": []}, "exactly one of"),
    ({"question": 5}, "'question' must be text"),
    ({"question": "a", "session_id": "../../etc/passwd"}, "invalid session id"),
    ({"question": "a", "session_id": 7}, "invalid session id"),
    ({"messages": "hello"}, "not str"),
    ([], "no messages"),
    ([AIMessage("Hello, how can I help?")], "last message must be the user's question, not a 'ai'"),
    ([{"role": "user", "content": "a"}, {"role": "system", "content": "b"}], "not a 'system'"),
    ([{"role": "wizard", "content": "a"}], "message 1 is not a message"),
    ([HumanMessage("a"), {"content": "no role"}], "message 2 is not a message"),
    ([HumanMessage("a"), 3.5], "message 2 is not a message"),
    (["just a string"], "message 1 is a bare string"),
    ([HumanMessage("x" * 5000), AIMessage("b"), HumanMessage("c")], "too long"),
    ([HumanMessage("a"), AIMessage("b\x00c"), HumanMessage("d")], "message 2 contains a NUL"),
])
def test_bad_input_is_an_input_error_naming_the_problem(value, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        parse_input(value, LIMIT)


class Scripted:
    """A stand-in for the Bot that streams given events: the chunk logic alone is under test."""

    def __init__(self, tokens, answer, *, replace=None):
        from bot.conversation import MemoryConversations
        from bot.options import BotOptions
        from bot.settings import Settings

        self.tokens, self.answer, self.replace = tokens, answer, replace
        self.options, self.conversations = BotOptions.from_settings(Settings()), MemoryConversations()

    def stream(self, question, session_id=None):
        from bot.bot import Answer, Event

        yield from (Event("token", t) for t in self.tokens)
        if self.replace:
            yield Event("replace", self.answer)
        sources = [{"n": 1, "source": "en/a.md", "title": "A", "text": "x", "score": 0.9}]
        yield Event("sources", sources)
        yield Event("done", Answer(self.answer, False, False, sources, {}, "sid"))


@pytest.mark.parametrize("tokens, answer, pieces, replaced", [
    # Whitespace at the ends waits for the text after it (the answer is stripped).
    ([" Refunds", " take 5", " days [1].", "\n"], "Refunds take 5 days [1].",
     ["Refunds", " take 5", " days [1]."], None),
    # What the bot adds at the end (a Chinese full stop the stop string took) comes last.
    (["退款需要五天"], "退款需要五天。", ["退款需要五天", "。"], None),
    # Text taken back (a refusal found late, a tidied echo) is replaced in the last chunk.
    (["[1] Refunds: 5 days."], "5 days. [1]", ["[1] Refunds: 5 days."], "5 days. [1]"),
])
def test_streamed_chunks_add_up_to_the_invoke_output(tokens, answer, pieces, replaced):
    import functools
    import operator

    from bot.runnable import make_runnable

    runnable = make_runnable(Scripted(tokens, answer, replace=replaced))
    chunks = list(runnable.stream("Refunds?"))
    assert [c["answer"] for c in chunks if "answer" in c] == pieces
    assert chunks[-1].get("replace") == replaced and chunks[-1]["session_id"] is None
    total = functools.reduce(operator.add, chunks)
    assert total == runnable.invoke("Refunds?") and total["answer"] == answer and "replace" not in total
