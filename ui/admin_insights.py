"""The admin console's "Insights" tab: a period's figures as charts, the knowledge gaps with
"write the answer", and how the knowledge is used (the same figures as ``GET /api/v1/insights``).

Called inside the console's Blocks, within the ``gr.Tab`` it is given; figures load when the tab is
opened and when the period changes. Labels are in English and Chinese (``ui/console_texts.py``, served
to the console as Gradio translations); texts written here follow the console user's language too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import gradio as gr
import pandas as pd

from knowledge.errors import HelpdeskError

from .admin_staff import console_actor
from .console_texts import CONSOLE_TEXTS, console_i18n, console_lang
from .insights import Insights, period

__all__ = ["insights_tab"]

SPLIT_COLUMNS = ["key", "conversations", "answered", "canned", "refused", "handoff", "error", "deflection",
                 "thumbs up", "thumbs down", "first token p50", "first token p95", "total p50", "total p95"]
GAP_COLUMNS = ["count", "question", "examples", "languages", "why", "last seen (UTC)"]


def _pct(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.1f}%"


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f} ms"


def _summary(r: dict[str, Any], lang: str) -> str:
    t = CONSOLE_TEXTS[lang]
    lat, mix = r["latency_ms"], r["outcomes"]
    return (f"**{r['from']} – {r['to']}** · **{r['conversations']}** {t['conversations']} · "
            f"{t['deflection']} **{_pct(r['deflection'])}** · {t['up']} **{r['feedback']['up']}** · "
            f"{t['down']} **{r['feedback']['down']}**\n\n"
            + " · ".join(f"{k} **{v}**" for k, v in mix.items())
            + f"\n\n{t['first_token']} p50 **{_ms(lat['first_token_p50'])}** p95 **{_ms(lat['first_token_p95'])}** · "
            f"{t['whole_answer']} p50 **{_ms(lat['total_p50'])}** p95 **{_ms(lat['total_p95'])}**")


def _split_rows(split: dict[str, dict[str, Any]]) -> list[list[Any]]:
    rows = []
    for key, f in sorted(split.items(), key=lambda kv: -kv[1]["conversations"]):
        lat = f["latency_ms"]
        rows.append([key, f["conversations"], *f["outcomes"].values(), _pct(f["deflection"]),
                     f["feedback"]["up"], f["feedback"]["down"], lat["first_token_p50"], lat["first_token_p95"],
                     lat["total_p50"], lat["total_p95"]])
    return rows


def _frames(r: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    days = pd.DataFrame({"date": pd.to_datetime([d["date"] for d in r["per_day"]]),
                         "conversations": [d["conversations"] for d in r["per_day"]]})
    mix = pd.DataFrame({"outcome": list(r["outcomes"]), "answers": list(r["outcomes"].values())})
    latency = pd.DataFrame([{"date": pd.to_datetime(d["date"]), "latency": name, "ms": d["latency_ms"][key]}
                            for d in r["per_day"] for name, key in (("first token", "first_token_p50"),
                                                                      ("whole answer", "total_p50"))
                            if d["latency_ms"][key] is not None],
                           columns=["date", "latency", "ms"])
    return days, mix, latency


def insights_tab(service, tab: gr.Tab) -> None:
    """Lay out the tab and wire its events (figures load when ``tab`` is selected)."""
    t = console_i18n()
    insights = Insights(service)

    def today(days_back: int) -> str:
        return (datetime.now(UTC).date() - timedelta(days=days_back)).isoformat()

    def show(start: str, end: str, request: gr.Request):
        lang = console_lang(service, request)
        try:
            first, last = period((start or "").strip() or None, (end or "").strip() or None)
            r = insights.report(first, last)
        except HelpdeskError as exc:
            return (f"⚠️ {exc}", *(gr.update(),) * 10)
        days, mix, latency = _frames(r)
        docs = r["documents"]
        try:
            groups = insights.gaps(first, last)
        except HelpdeskError as exc:  # the embedder is still loading
            groups, gap_note = [], f"⚠️ {exc}"
        else:
            gap_note = "" if groups else CONSOLE_TEXTS[lang]["no_gaps"]
        gap_rows = [[g["count"], g["question"], " · ".join(g["examples"]), ", ".join(g["languages"]),
                     ", ".join(g["reasons"]), g["last_at"]] for g in groups]
        return (_summary(r, lang), days, mix, latency, _split_rows(r["by_language"]), _split_rows(r["by_channel"]),
                gap_rows, gap_note, [[d["source"], d["citations"]] for d in docs["citations"]],
                [[s] for s in docs["never_cited"]],
                [[d["source"], d["down"]] for d in docs["thumbs_down"]])

    def pick(evt: gr.SelectData):
        row = evt.row_value or []
        return row[1] if len(row) > 1 else ""

    def write(question: str, answer: str, request: gr.Request):
        lang = console_lang(service, request)
        if not (question or "").strip() or not (answer or "").strip():
            return CONSOLE_TEXTS[lang]["need_both"], gr.update(), gr.update()
        try:
            entry = service.knowledge_admin.save_faq(question.strip(), answer.strip(), actor=console_actor(service))
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update(), gr.update()
        return CONSOLE_TEXTS[lang]["saved"].format(id=entry), "", ""

    with gr.Row():
        start = gr.Textbox(label=t("ins_from"), value=lambda: today(29), elem_id="ins-from", scale=2)
        end = gr.Textbox(label=t("ins_to"), value=lambda: today(0), elem_id="ins-to", scale=2)
        go = gr.Button(t("ins_show"), variant="primary", elem_id="ins-show", scale=1)
    summary = gr.Markdown(elem_id="ins-summary")
    with gr.Row():
        per_day = gr.LinePlot(x="date", y="conversations", label=t("ins_per_day"), height=260, y_lim=[0, None],
                             elem_id="ins-per-day")
        mix = gr.BarPlot(x="outcome", y="answers", color="outcome", label=t("ins_mix"), height=260,
                         sort=None, y_lim=[0, None], elem_id="ins-mix")
    latency = gr.LinePlot(x="date", y="ms", color="latency", label=t("ins_latency"), height=240,
                          y_lim=[0, None], elem_id="ins-latency")
    by_language = gr.Dataframe(headers=SPLIT_COLUMNS, label=t("ins_by_language"), interactive=False,
                               elem_id="ins-by-language")
    by_channel = gr.Dataframe(headers=SPLIT_COLUMNS, label=t("ins_by_channel"), interactive=False,
                              elem_id="ins-by-channel")
    gaps = gr.Dataframe(headers=GAP_COLUMNS, label=t("ins_gaps"), interactive=False, wrap=True, elem_id="ins-gaps")
    gap_note = gr.Markdown()
    with gr.Row():
        question = gr.Textbox(label=t("ins_question"), elem_id="ins-question", scale=2)
        answer = gr.Textbox(label=t("ins_answer"), lines=2, elem_id="ins-answer", scale=3)
    write_btn = gr.Button(t("ins_write"), elem_id="ins-write")
    written = gr.Markdown(elem_id="ins-written")
    with gr.Row():
        cited = gr.Dataframe(headers=["document", "citations"], label=t("ins_cited"), interactive=False,
                             elem_id="ins-cited")
        down = gr.Dataframe(headers=["document", "thumbs down"], label=t("ins_down"), interactive=False, elem_id="ins-down")
    never = gr.Dataframe(headers=["document"], label=t("ins_never"), interactive=False, elem_id="ins-never")

    outputs = [summary, per_day, mix, latency, by_language, by_channel, gaps, gap_note, cited, never, down]
    for trigger in (tab.select, go.click, start.submit, end.submit):
        trigger(show, [start, end], outputs, concurrency_limit=2, concurrency_id="insights")
    gaps.select(pick, None, [question])
    write_btn.click(write, [question, answer], [written, question, answer], concurrency_limit=1,
                    concurrency_id="faq-write").then(show, [start, end], outputs, concurrency_id="insights")
