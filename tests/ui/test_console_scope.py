"""The console's Conversations and Hand-offs tabs of a staff member limited to some bots: their
bots' conversations only, and no transcript of another bot's (real storage on SQLite, the tabs'
own row functions as the console calls them)."""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr

from bot.conversation import Turn
from bot.settings import Settings
from ui.admin import conversations_tab, handoffs_tab, sees_conversation
from ui.service import Service
from ui.storage import Storage


def test_a_limited_agent_sees_only_their_bots_conversations_in_the_console(tmp_path):
    storage = Storage(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    service = Service(Settings(data_dir=tmp_path, _env_file=None), storage)
    try:
        for name in ("alpha", "beta"):
            storage.bots.add(name)
        sids = {}
        for bot in ("alpha", "beta"):
            sid = storage.conversations.start_session(f"api:{bot}", bot=bot)
            storage.conversations.add(sid, Turn(f"{bot} question", f"{bot} question", "Sorry", True, False, []))
            storage.handoffs.add(sid, "", f"{bot} hand-off")
            sids[bot] = sid
        service.staff.add("tove", "agent", "a long enough password", actor="test", bots=["alpha"])
        service.staff.add("ines", "agent", "a long enough password", actor="test")
        with gr.Blocks():
            talks = conversations_tab(storage.feedback, service)
            handoffs = handoffs_tab(storage.handoffs, service)

        def shown(tab, who):
            table = tab.rows(SimpleNamespace(username=who))
            return {row[0] for row in table["data"]} | {row[2] for row in table["data"] if len(row) > 2}

        assert sids["alpha"] in shown(talks, "tove") and sids["beta"] not in shown(talks, "tove")
        assert sids["alpha"] in shown(handoffs, "tove") and sids["beta"] not in shown(handoffs, "tove")
        assert {sids["alpha"], sids["beta"]} <= shown(talks, "ines")  # an unlimited agent sees every bot
        assert {sids["alpha"], sids["beta"]} <= shown(handoffs, "ines")
        tove, ines = SimpleNamespace(username="tove"), SimpleNamespace(username="ines")
        assert sees_conversation(service, tove, sids["alpha"]) and not sees_conversation(service, tove, sids["beta"])
        assert sees_conversation(service, ines, sids["beta"])
    finally:
        storage.close()
