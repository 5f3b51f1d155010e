"""The web chat's page labels as Gradio translations, built from the one catalogue of customer
texts (``bot/texts.py``).

Labels of the page follow the browser's language (Gradio's I18n picks the locale); texts inside
the conversation follow the language of the customer's question.
"""

from __future__ import annotations

from bot.texts import TEXTS

__all__ = ["i18n"]


def i18n():
    """Gradio translations of the page labels, keyed by browser locale."""
    import gradio as gr

    zh = TEXTS["zh"]
    return gr.I18n(en=TEXTS["en"], zh=zh, **{"zh-CN": zh, "zh-TW": zh, "zh-HK": zh})
