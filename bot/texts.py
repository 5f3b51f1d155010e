"""Every text a customer sees, in English and Chinese: the bot's own answers (refusal, hand-off
offer, errors), the web chat's and the widget's labels and notes.

One catalogue for every surface: the Bot answers with it, the web chat builds its Gradio
translations from it (``ui/texts.py``), and ``/widget.js`` is served with the widget's share of it
(``ui/widget.py``). Labels of a page follow the browser's language; texts inside a conversation
follow the language of the customer's question.
"""

from __future__ import annotations

__all__ = ["TEXTS", "text"]

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        # the bot's answers
        "refusal": "Sorry, I don't know the answer to that: our help center doesn't cover it.",
        "handoff": "Would you like to talk to a person from our support team?",
        "error": "Sorry, something went wrong while answering. Please try again in a moment.",
        "busy": "We're answering many questions right now. Please wait a moment and try again.",
        "empty": "Please type a question.",
        "too_long": "That message is too long. Please keep it under {limit} characters.",
        "starting": "The assistant is still starting up. Please try again in a minute.",
        "rate_limited": "You're sending messages very quickly. Please wait {seconds} seconds and try again.",
        "budget": "This website's chat has reached its message limit for today. "
                  "Please try again tomorrow, or contact us another way.",
        "unavailable": "This chat is not available on this website.",
        # the chat page and the widget
        "title": "Help center",
        "intro": "Ask about orders, shipping, returns and warranty. Answers cite the help-center pages.",
        "greeting": "Hi! Ask me anything about our products and services.",
        "open": "Open support chat",
        "close": "Close support chat",
        "message": "Message",
        "placeholder": "Type your question…",
        "send": "Send",
        "chat_label": "Chat",
        "thinking": "Thinking…",
        "waiting": "Waiting for a free assistant ({ahead} ahead of you)…",
        "sources": "Sources",
        "source": "Source",
        "faq": "From our FAQ",
        "helpful": "Helpful",
        "not_helpful": "Not helpful",
        "thanks_up": "Thanks for the feedback!",
        "thanks_down": "Thanks, we'll use this to improve. You can add a comment below.",
        "comment": "What was wrong with this answer? (optional)",
        "comment_send": "Send comment",
        "comment_saved": "Thanks, your comment was saved.",
        # hand-off to a person
        "human": "Talk to a human",
        "contact": "Your e-mail or phone (optional)",
        "handoff_send": "Send to support",
        "handoff_done": "Thanks, I've passed our conversation to our support team (request #{id}). "
                        "A person will get back to you{contact}.",
        "handoff_contact": " at {contact}",
        "handoff_empty": "Please ask a question first, so our team can see what you need.",
        # a person in the conversation
        "live_waiting": "A person from our support team will join this chat shortly.",
        "live_later": "Nobody from our team is available right now: a person will reply {when}. "
                      "Please leave an e-mail address or phone number so we can get back to you.",
        "live_when_open": "from {time}",
        "live_when_soon": "as soon as someone is free",
        "agent_joined": "{name} joined the chat.",
        "agent_left": "{name} left: you're back to the assistant.",
        "live_closed": "{name} closed this conversation. Thanks for contacting us!",
        "back_to_bot": "You're back to the assistant.",
    },
    "zh": {
        "refusal": "抱歉，我不知道这个问题的答案：我们的帮助中心没有相关内容。",
        "handoff": "需要为您转接人工客服吗？",
        "error": "抱歉，回答时出了点问题，请稍后再试。",
        "busy": "当前咨询人数较多，请稍候再试。",
        "empty": "请输入您的问题。",
        "too_long": "消息太长了，请控制在 {limit} 个字符以内。",
        "starting": "助手正在启动，请稍后再试。",
        "rate_limited": "您发送消息太频繁了，请等待 {seconds} 秒后再试。",
        "budget": "本网站的在线咨询今日消息已达上限，请明天再试，或通过其他方式联系我们。",
        "unavailable": "本网站暂不能使用在线客服。",
        "title": "帮助中心",
        "intro": "可以咨询订单、配送、退货和保修等问题。回答会注明帮助中心的出处。",
        "greeting": "您好！有什么可以帮您？",
        "open": "打开客服聊天",
        "close": "关闭客服聊天",
        "message": "消息",
        "placeholder": "请输入您的问题…",
        "send": "发送",
        "chat_label": "对话",
        "thinking": "思考中…",
        "waiting": "正在排队，前面还有 {ahead} 位…",
        "sources": "出处",
        "source": "出处",
        "faq": "来自常见问题",
        "helpful": "有帮助",
        "not_helpful": "没有帮助",
        "thanks_up": "感谢您的反馈！",
        "thanks_down": "感谢反馈，我们会据此改进。您可以在下方补充意见。",
        "comment": "这个回答有什么问题？（可选）",
        "comment_send": "提交意见",
        "comment_saved": "谢谢，您的意见已保存。",
        "human": "转人工客服",
        "contact": "您的邮箱或电话（可选）",
        "handoff_send": "提交给客服",
        "handoff_done": "好的，已将对话转交给客服团队（请求编号 #{id}），人工客服会尽快{contact}与您联系。",
        "handoff_contact": "通过 {contact} ",
        "handoff_empty": "请先提出您的问题，以便客服了解您的需求。",
        "live_waiting": "人工客服即将加入对话，请稍候。",
        "live_later": "目前没有客服在线：人工客服会{when}回复您。请留下您的邮箱或电话，以便我们与您联系。",
        "live_when_open": "在 {time} 之后",
        "live_when_soon": "尽快",
        "agent_joined": "{name} 已加入对话。",
        "agent_left": "{name} 已离开：现在由智能助手继续为您服务。",
        "live_closed": "{name} 已结束本次对话。感谢您的咨询！",
        "back_to_bot": "现在由智能助手继续为您服务。",
    },
}


def text(key: str, lang: str, **fmt) -> str:
    """A customer-facing text in ``lang`` (English when the language is not translated)."""
    return TEXTS.get(lang, TEXTS["en"])[key].format(**fmt)
