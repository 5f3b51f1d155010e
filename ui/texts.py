"""Every text of the web chat, in English and Chinese.

Labels of the page follow the browser's language (Gradio's I18n picks the locale); texts inside
the conversation follow the language of the customer's question.
"""

from __future__ import annotations

__all__ = ["UI", "say", "i18n"]

UI: dict[str, dict[str, str]] = {
    "en": {
        "title": "Help center",
        "intro": "Ask about orders, shipping, returns and warranty. Answers cite the help-center pages.",
        "placeholder": "Type your question…",
        "send": "Send",
        "human": "Talk to a human",
        "contact": "Your e-mail or phone (optional)",
        "comment": "What was wrong with this answer? (optional)",
        "comment_send": "Send comment",
        "chat_label": "Chat",
        "sources": "Sources",
        "source": "Source",
        "waiting": "Waiting for a free assistant ({ahead} ahead of you)…",
        "rate_limited": "You're sending messages very quickly. Please wait {seconds} seconds and try again.",
        "handoff_done": "Thanks, I've passed our conversation to our support team (request #{id}). "
                        "A person will get back to you{contact}.",
        "handoff_contact": " at {contact}",
        "handoff_empty": "Please ask a question first, so our team can see what you need.",
        "thanks_up": "Thanks for the feedback!",
        "thanks_down": "Thanks, we'll use this to improve. You can add a comment below.",
        "comment_saved": "Thanks, your comment was saved.",
        "starting": "The assistant is still starting up. Please try again in a minute.",
        "faq": "From our FAQ",
        "budget": "This website's chat has reached its message limit for today. "
                  "Please try again tomorrow, or contact us another way.",
    },
    "zh": {
        "title": "帮助中心",
        "intro": "可以咨询订单、配送、退货和保修等问题。回答会注明帮助中心的出处。",
        "placeholder": "请输入您的问题…",
        "send": "发送",
        "human": "转人工客服",
        "contact": "您的邮箱或电话（可选）",
        "comment": "这个回答有什么问题？（可选）",
        "comment_send": "提交意见",
        "chat_label": "对话",
        "sources": "出处",
        "source": "出处",
        "waiting": "正在排队，前面还有 {ahead} 位…",
        "rate_limited": "您发送消息太频繁了，请等待 {seconds} 秒后再试。",
        "handoff_done": "好的，已将对话转交给客服团队（请求编号 #{id}），人工客服会尽快{contact}与您联系。",
        "handoff_contact": "通过 {contact} ",
        "handoff_empty": "请先提出您的问题，以便客服了解您的需求。",
        "thanks_up": "感谢您的反馈！",
        "thanks_down": "感谢反馈，我们会据此改进。您可以在下方补充意见。",
        "comment_saved": "谢谢，您的意见已保存。",
        "starting": "助手正在启动，请稍后再试。",
        "faq": "来自常见问题",
        "budget": "本网站的在线咨询今日消息已达上限，请明天再试，或通过其他方式联系我们。",
    },
}


def say(key: str, lang: str, **fmt) -> str:
    """A chat text in ``lang`` (English when the language has no translation)."""
    return UI.get(lang, UI["en"])[key].format(**fmt)


def i18n():
    """Gradio translations of the page labels, keyed by browser locale."""
    import gradio as gr

    zh = UI["zh"]
    return gr.I18n(en=UI["en"], zh=zh, **{"zh-CN": zh, "zh-TW": zh, "zh-HK": zh})
