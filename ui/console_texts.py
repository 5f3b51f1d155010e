"""The console's texts in English and Chinese: the one catalogue of what staff read at ``/admin``
(tab labels, field labels, buttons, table headers, status messages), merged with the staff parts'
``STAFF_TEXTS`` (the header, the tab names, the Users and Audit tabs of ``ui/admin_staff.py``).

Labels reach the page as Gradio translations (:func:`console_i18n`, keyed by browser locale; the
user's own language setting becomes the browser's through ``ConsoleLanguage``). Texts a handler
writes (status lines, warnings, table headers and cells) follow the signed-in user's language
through :func:`console_text` and :func:`console_table`, which ask ``console_lang`` per request.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gradio as gr
from gradio.context import LocalContext

__all__ = ["CONSOLE_TEXTS", "STAFF_TEXTS", "console_i18n", "console_lang", "console_text", "console_table", "headers",
           "texts"]

CONSOLE_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        # Insights
        "ins_from": "From (YYYY-MM-DD)", "ins_to": "To (YYYY-MM-DD, included)", "ins_show": "Show",
        "ins_per_day": "Conversations per day", "ins_mix": "Outcome mix (answers)",
        "ins_latency": "Latency per day, ms (p50)", "ins_by_language": "By language",
        "ins_by_channel": "By channel (chat: the web chat; widget:<id>: a website's site key)",
        "ins_gaps": "Knowledge gaps: refused and thumbs-down questions, grouped by meaning (click a row)",
        "ins_question": "Question of the FAQ entry", "ins_answer": "Answer", "ins_write": "Write the answer",
        "ins_cited": "Citations per document", "ins_never": "Documents never cited in the period",
        "ins_down": "Documents whose answers got thumbs down",
        "conversations": "conversations", "deflection": "deflection", "up": "thumbs up", "down": "thumbs down",
        "first_token": "first token", "whole_answer": "whole answer", "no_gaps": "No gaps in this period.",
        "saved": "Saved FAQ entry #{id}: the bot answers it word for word from now on.",
        "need_both": "Write a question and an answer first.",
        # Shared words
        "tab_bots": "Bots", "tab_api_keys": "API keys", "question": "Question", "answer": "Answer", "delete": "Delete",
        "refresh": "Refresh", "save": "Save", "revoke": "Revoke", "remove": "Remove", "yes": "yes", "no": "no",
        "never": "never", "none": "none", "choose_key": "Choose a key first (click its row).",
        "chosen_key": "Chosen key id",
        # Table headers
        "col_id": "id", "col_num": "#", "col_source": "source", "col_title": "title", "col_chunks": "chunks",
        "col_faq": "FAQ entries", "col_size": "size", "col_ingested": "ingested at (UTC)", "col_file": "file",
        "col_stored": "stored as", "col_status": "status", "col_message": "message", "col_relevance": "relevance",
        "col_used": "used", "col_location": "location", "col_text": "text", "col_question": "question",
        "col_answer": "answer", "col_updated": "updated (UTC)", "col_why": "why", "col_times": "times",
        "col_last_asked": "last asked (UTC)", "col_bot_answer": "bot's answer", "col_comment": "comment",
        "col_session": "session", "col_started": "started (UTC)", "col_last": "last (UTC)", "col_turns": "turns",
        "col_refused": "refused", "col_up": "👍", "col_down": "👎", "col_handoffs": "hand-offs",
        "col_last_question": "last question", "col_when": "when (UTC)", "col_contact": "contact",
        "col_webhook": "webhook", "col_name": "name", "col_site_key": "site key", "col_origins": "allowed origins",
        "col_budget": "daily budget", "col_identity": "signed-in customers", "col_theme": "theme",
        "col_created": "created (UTC)", "col_bot": "bot", "col_prefix": "starts with",
        "col_last_used": "last used (UTC)", "col_kind": "kind", "col_every": "every",
        "col_last_sync": "last sync (UTC)", "col_outcome": "outcome", "col_next_run": "next run (UTC)",
        "col_state": "state", "col_reason": "reason", "col_waiting": "waiting", "col_agent": "agent",
        "col_messages": "messages", "col_from": "from", "col_display_name": "display name", "col_role": "role",
        "col_language": "language", "col_token": "API token", "col_disabled": "disabled",
        "col_signed_in": "last sign-in (UTC)", "col_who": "who", "col_action": "action", "col_target": "target",
        "col_detail": "detail",
        # Documents
        "doc_files": "Upload files", "doc_upload": "Upload and ingest", "doc_results": "Upload results",
        "doc_table": "Documents (click a row to choose it)", "doc_chosen": "Chosen document",
        "doc_reingest": "Re-ingest", "doc_choose_files": "Choose one or more files first.",
        "doc_progress": "Processed {done} of {total} files.", "doc_done": "Done: {ok} ingested, {failed} failed.",
        "doc_choose": "Choose a document first (click its row).",
        "doc_deleted": "Deleted **{source}** ({chunks} chunks).",
        "doc_reingested": "Re-ingested **{source}**: {status}{note}, {chunks} chunks.",
        "doc_up_to_date": " (already up to date)",
        # Test a question
        "test_run": "Test", "test_hits": "Retrieved chunks", "test_refused": "refused", "test_canned": "FAQ answer",
        "test_error": "model error", "test_cited": "Cited",
        "test_min": "Chunks with a relevance under {min} are not used.",
        # FAQ and Unanswered
        "faq_table": "FAQ entries (click a row to edit it)", "faq_entry": "Entry #",
        "faq_answer": "Answer (returned word for word)", "faq_new": "New entry", "faq_delete": "Delete entry",
        "faq_saved": "Saved FAQ entry #{id}; the bot now answers it word for word.",
        "faq_choose": "Choose an entry first (click its row).", "faq_deleted": "Deleted FAQ entry #{id}.",
        "gap_intro": "Questions the bot could not answer, and answers customers disliked. Click one, write the "
                     "answer, and add it as an FAQ entry.",
        "gap_add": "Add as FAQ entry", "gap_added": "Added FAQ entry #{id}.",
        # Conversations
        "talk_table": "Conversations (click one to read it)",
        "talk_transcript": "Conversation (as the customer wrote it, nothing rendered)",
        "talk_title": "Conversation {id}", "talk_customer": "{n}. Customer ({at}): {question}",
        "talk_bot": "   Bot{flags}{mark}: {answer}", "talk_refused": " (refused)", "talk_faq": " (FAQ)",
        "talk_sources": "   sources: {cited}",
        # Website widget: site keys and appearance
        "key_intro": "Each website that embeds the chat gets a public site key, usable only from the origins you "
                     "list (for example `https://www.example.com`). A key can only chat: it never reads or changes "
                     "knowledge.",
        "key_table": "Active site keys (click a row to choose it)", "key_name": "Website name",
        "key_origins": "Allowed origins (space or comma separated)",
        "key_budget": "Messages a day (0: the server's default)", "key_create": "Create site key",
        "key_bot": "Bot (answers on the site)",
        "key_snippet": "Snippet", "key_rotate": "Rotate identity secret", "key_default_budget": "server default",
        "key_no_identity": "no (rotate a secret in)",
        "key_secret": "Identity secret (shown once; keep it on the website's server): `{secret}`. "
                      "See docs/widget.md, \"Signed-in customers\".",
        "key_created": "Created site key **{id}** for {origins}.",
        "key_paste": "Paste this snippet into the website's pages, before `</body>`:",
        "key_rotated": "New identity secret for **{id}** (the old one no longer verifies).",
        "key_look_saved": "Saved the widget's appearance for **{id}**: websites show it on their next page load.",
        "key_revoked": "Revoked **{id}**: widgets using it stop working now.",
        "look_intro": "**Appearance** of the chosen key's widget (a page's `data-*` attributes still override it).",
        "look_avatar": "Avatar: https:// image address or data:image/png;base64,… (48 KB)",
        "look_color": "Colour (#rrggbb)", "look_theme": "Theme (auto follows the visitor's system)",
        "look_light": "light", "look_dark": "dark", "look_auto": "auto",
        "look_label_en": "Launcher label (English)", "look_label_zh": "Launcher label (Chinese)",
        "look_x": "Offset from the side (px)", "look_y": "Offset from the bottom (px)", "look_z": "z-index",
        "look_save": "Save appearance",
        # API keys
        "api_intro": "API keys let chat front ends, automation tools and SDKs that speak the OpenAI chat API use "
                     "the bot (`POST /v1/chat/completions`, the model is the bot's name). Each key may use one bot.",
        "api_table": "Active API keys (click a row to choose it)", "api_name": "Name (what uses the key)",
        "api_bot": "Bot", "api_create": "Create API key", "api_secret": "The new key (shown once)",
        "api_created": "Created API key **{id}** for bot `{bot}`. Copy it now: it is not shown again. Use it as "
                       "the OpenAI API key, with the base URL `https://<this server>/v1` and the model `{bot}`.",
        "api_revoked": "Revoked **{id}**: requests with it are refused from now on.",
        # Inbox
        "inbox_intro": "Conversations whose customer asked for a person, the longest waiting first. Claim one to "
                       "write to the customer; release it to hand it back to the assistant.",
        "inbox_table": "Waiting and active conversations (click a row)", "inbox_chosen": "Conversation",
        "inbox_transcript": "Transcript", "inbox_claim": "Claim", "inbox_release": "Release to the assistant",
        "inbox_close": "Close", "inbox_reply": "Reply to the customer", "inbox_send": "Send",
        "inbox_faq": "Save this reply as an FAQ answer",
        "inbox_state_waiting": "waiting", "inbox_state_agent": "agent", "inbox_state_bot": "bot",
        "inbox_state_closed": "closed",
        "inbox_reason_asked": "asked for a person", "inbox_reason_refused": "the bot could not answer",
        "inbox_reason_thumbs_down": "thumbs down on an answer",
        "inbox_waited_h": "{h}h {m:02d}m", "inbox_waited_m": "{m}m {s:02d}s",
        "inbox_about": "**{state}**{who} · hand-off: {reason}{contact}", "inbox_by": " by **{name}**",
        "inbox_contact": " · contact: `{contact}`",
        "inbox_joined": "*{name} joined*", "inbox_left": "*{name} left (back to the assistant)*",
        "inbox_closed": "*{name} closed the conversation*", "inbox_refused": " *(refused)*",
        "inbox_choose": "Choose a conversation (click its row).",
        "inbox_choose_first": "Choose a conversation first (click its row).",
        "inbox_done_claim": "Done: claim.", "inbox_done_release": "Done: release.", "inbox_done_close": "Done: close.",
        "inbox_sent": "Sent.", "inbox_signed_out": "Sign in again: this console session has ended.",
        "inbox_saved": "Saved FAQ entry #{id}: the bot now answers “{question}” with this reply.",
        # Bots
        "bot_intro": "Each bot has its own knowledge base, FAQ entries, persona, conversations and keys "
                     "(`helpdesk bots`, docs/bots.md). The other tabs show the default bot; choose a bot here "
                     "to manage its knowledge.",
        "bot_new_name": "New bot's name (a-z, 0-9, - and _)", "bot_display": "Display name", "bot_add": "Add bot",
        "bot_chosen": "Bot", "bot_files": "Upload files into the chosen bot", "bot_documents": "The bot's documents",
        "bot_doc": "Document to delete (source)", "bot_delete_doc": "Delete document",
        "bot_faq": "The bot's FAQ entries",
        "bot_question": "FAQ question", "bot_faq_add": "Add FAQ entry", "bot_talks": "The bot's conversations",
        "bot_delete_knowledge": "Also delete its knowledge base", "bot_remove": "Remove the chosen bot",
        "bot_default": "(the default bot: the other tabs)",
        "bot_added": "Added bot **{name}**: choose it above and upload its documents.",
        "bot_removed": "Removed bot **{name}** ({count} documents deleted).",
        "bot_choose_files": "Choose a bot and one or more files first.",
        "bot_faq_saved": "Saved FAQ entry #{id} of **{bot}**.",
        "bot_doc_deleted": "Deleted **{source}** from **{bot}**.",
        # Users and Audit
        "console_title": "# helpdesk admin", "user_browser": "browser",
        # Sources
        "src_intro": "Websites and folders the bot keeps in step with: changed pages are ingested again, pages "
                     "that are gone (404, or dropped from the sitemap) are removed. Give a help center's address "
                     "(`https://help.example.com/`), its `sitemap.xml`, or a folder on this server.",
        "src_table": "Sources (click a row to choose it)", "src_location": "Website URL or folder",
        "src_every": "Sync every (30m, 6h, 1d)", "src_add": "Add source", "src_chosen": "Chosen source id",
        "src_sync": "Sync now", "src_running": "running", "src_waiting": "waiting",
        "src_following": "Following **{location}** (source {id}), every {every}; the first sync starts within "
                         "a minute.",
        "src_choose": "Choose a source first (click its row).",
        "src_syncing": "Syncing source {id} now; press Refresh to see how it went.",
        "src_removed": "Stopped following **{location}**; its documents stay (delete them under Documents).",
    },
    "zh": {
        # Insights
        "ins_from": "开始日期（YYYY-MM-DD）", "ins_to": "结束日期（YYYY-MM-DD，含当天）", "ins_show": "查看",
        "ins_per_day": "每日会话数", "ins_mix": "回答结果分布", "ins_latency": "每日延迟（毫秒，中位数）",
        "ins_by_language": "按语言", "ins_by_channel": "按渠道（chat：网页聊天；widget:<id>：网站的站点密钥）",
        "ins_gaps": "知识缺口：被拒答和点踩的问题，按含义分组（点击一行）",
        "ins_question": "常见问题的问题", "ins_answer": "答案", "ins_write": "撰写答案",
        "ins_cited": "各文档被引用次数", "ins_never": "本期从未被引用的文档", "ins_down": "回答被点踩最多的文档",
        "conversations": "会话", "deflection": "自助解决率", "up": "点赞", "down": "点踩",
        "first_token": "首字", "whole_answer": "完整回答", "no_gaps": "本期没有知识缺口。",
        "saved": "已保存常见问题 #{id}：今后机器人将逐字回答。",
        "need_both": "请先填写问题和答案。",
        # Shared words
        "tab_bots": "机器人", "tab_api_keys": "API 密钥", "question": "问题", "answer": "答案", "delete": "删除", "refresh": "刷新",
        "save": "保存", "revoke": "吊销", "remove": "移除", "yes": "是", "no": "否", "never": "从未", "none": "无",
        "choose_key": "请先选择一个密钥（点击所在行）。", "chosen_key": "选中的密钥 ID",
        # Table headers
        "col_id": "ID", "col_num": "#", "col_source": "来源", "col_title": "标题", "col_chunks": "文本块",
        "col_faq": "常见问题条目", "col_size": "大小", "col_ingested": "导入时间（UTC）", "col_file": "文件",
        "col_stored": "保存为", "col_status": "状态", "col_message": "消息", "col_relevance": "相关度",
        "col_used": "已采用", "col_location": "位置", "col_text": "文本", "col_question": "问题",
        "col_answer": "答案", "col_updated": "更新时间（UTC）", "col_why": "原因", "col_times": "次数",
        "col_last_asked": "最近提问（UTC）", "col_bot_answer": "机器人的回答", "col_comment": "评论",
        "col_session": "会话", "col_started": "开始时间（UTC）", "col_last": "最近时间（UTC）", "col_turns": "轮数",
        "col_refused": "拒答", "col_up": "👍", "col_down": "👎", "col_handoffs": "转人工",
        "col_last_question": "最后的问题", "col_when": "时间（UTC）", "col_contact": "联系方式",
        "col_webhook": "Webhook", "col_name": "名称", "col_site_key": "站点密钥", "col_origins": "允许的来源",
        "col_budget": "每日额度", "col_identity": "登录客户", "col_theme": "主题",
        "col_created": "创建时间（UTC）", "col_bot": "机器人", "col_prefix": "开头",
        "col_last_used": "最近使用（UTC）", "col_kind": "类型", "col_every": "间隔",
        "col_last_sync": "上次同步（UTC）", "col_outcome": "结果", "col_next_run": "下次运行（UTC）",
        "col_state": "状态", "col_reason": "原因", "col_waiting": "已等待", "col_agent": "客服",
        "col_messages": "消息数", "col_from": "来自", "col_display_name": "显示名称", "col_role": "角色",
        "col_language": "语言", "col_token": "API 令牌", "col_disabled": "已停用",
        "col_signed_in": "最近登录（UTC）", "col_who": "操作人", "col_action": "操作", "col_target": "对象",
        "col_detail": "详情",
        # Documents
        "doc_files": "上传文件", "doc_upload": "上传并导入", "doc_results": "上传结果",
        "doc_table": "文档（点击一行选中）", "doc_chosen": "选中的文档", "doc_reingest": "重新导入",
        "doc_choose_files": "请先选择一个或多个文件。", "doc_progress": "已处理 {done}/{total} 个文件。",
        "doc_done": "完成：{ok} 个已导入，{failed} 个失败。", "doc_choose": "请先选择一个文档（点击所在行）。",
        "doc_deleted": "已删除 **{source}**（{chunks} 个文本块）。",
        "doc_reingested": "已重新导入 **{source}**：{status}{note}，{chunks} 个文本块。",
        "doc_up_to_date": "（已是最新）",
        # Test a question
        "test_run": "测试", "test_hits": "检索到的文本块", "test_refused": "拒答", "test_canned": "常见问题答案",
        "test_error": "模型错误", "test_cited": "引用", "test_min": "相关度低于 {min} 的文本块不会被采用。",
        # FAQ and Unanswered
        "faq_table": "常见问题（点击一行编辑）", "faq_entry": "条目编号", "faq_answer": "答案（原样返回）",
        "faq_new": "新建条目", "faq_delete": "删除条目",
        "faq_saved": "已保存常见问题 #{id}；机器人现在会逐字回答。",
        "faq_choose": "请先选择一个条目（点击所在行）。", "faq_deleted": "已删除常见问题 #{id}。",
        "gap_intro": "机器人未能回答的问题，以及客户不满意的回答。点击一条，写好答案，添加为常见问题。",
        "gap_add": "添加为常见问题", "gap_added": "已添加常见问题 #{id}。",
        # Conversations
        "talk_table": "会话（点击查看）", "talk_transcript": "会话内容（按客户原文显示，不做渲染）",
        "talk_title": "会话 {id}", "talk_customer": "{n}. 客户（{at}）：{question}",
        "talk_bot": "   机器人{flags}{mark}：{answer}", "talk_refused": "（拒答）", "talk_faq": "（常见问题）",
        "talk_sources": "   来源：{cited}",
        # Website widget: site keys and appearance
        "key_intro": "每个嵌入聊天的网站都有一个公开的站点密钥，只能从你列出的来源使用（例如 "
                     "`https://www.example.com`）。站点密钥只能聊天，不能读取或修改知识库。",
        "key_table": "有效的站点密钥（点击一行选中）", "key_name": "网站名称",
        "key_origins": "允许的来源（用空格或逗号分隔）", "key_budget": "每日消息数（0：使用服务器默认值）",
        "key_bot": "机器人（在该网站上回答）",
        "key_create": "创建站点密钥", "key_snippet": "代码片段", "key_rotate": "轮换身份密钥",
        "key_default_budget": "服务器默认", "key_no_identity": "否（轮换生成一个身份密钥即可启用）",
        "key_secret": "身份密钥（只显示一次，请保存在网站的服务器上）：`{secret}`。"
                      "参见 docs/widget.md 的“Signed-in customers”一节。",
        "key_created": "已为 {origins} 创建站点密钥 **{id}**。",
        "key_paste": "请把下面的代码片段粘贴到网站页面的 `</body>` 之前：",
        "key_rotated": "已为 **{id}** 生成新的身份密钥（旧密钥不再有效）。",
        "key_look_saved": "已保存 **{id}** 的插件外观：网站在下次加载页面时生效。",
        "key_revoked": "已吊销 **{id}**：使用它的插件即刻停止工作。",
        "look_intro": "所选密钥的插件**外观**（页面上的 `data-*` 属性仍会覆盖这些设置）。",
        "look_avatar": "头像：https:// 图片地址或 data:image/png;base64,…（不超过 48 KB）",
        "look_color": "颜色（#rrggbb）", "look_theme": "主题（自动：跟随访客的系统设置）",
        "look_light": "浅色", "look_dark": "深色", "look_auto": "自动",
        "look_label_en": "启动按钮文字（英文）", "look_label_zh": "启动按钮文字（中文）",
        "look_x": "距侧边距离（像素）", "look_y": "距底部距离（像素）", "look_z": "z-index（层级）",
        "look_save": "保存外观",
        # API keys
        "api_intro": "API 密钥让支持 OpenAI 聊天 API 的聊天前端、自动化工具和 SDK 使用机器人"
                     "（`POST /v1/chat/completions`，模型名即机器人名称）。每个密钥只能使用一个机器人。",
        "api_table": "有效的 API 密钥（点击一行选中）", "api_name": "名称（使用此密钥的应用）",
        "api_bot": "机器人", "api_create": "创建 API 密钥", "api_secret": "新密钥（只显示一次）",
        "api_created": "已为机器人 `{bot}` 创建 API 密钥 **{id}**。请立即复制，它不会再显示。请把它用作 "
                       "OpenAI API 密钥，基础 URL 为 `https://<本服务器>/v1`，模型为 `{bot}`。",
        "api_revoked": "已吊销 **{id}**：此后使用它的请求都会被拒绝。",
        # Inbox
        "inbox_intro": "客户要求人工服务的会话，等待最久的排在最前。认领一个会话即可回复客户；释放会话则交还给机器人助手。",
        "inbox_table": "等待中和处理中的会话（点击一行）", "inbox_chosen": "会话",
        "inbox_transcript": "聊天记录", "inbox_claim": "认领", "inbox_release": "释放给机器人助手",
        "inbox_close": "结束", "inbox_reply": "回复客户", "inbox_send": "发送",
        "inbox_faq": "把这条回复保存为常见问题",
        "inbox_state_waiting": "等待中", "inbox_state_agent": "人工处理中", "inbox_state_bot": "机器人",
        "inbox_state_closed": "已结束",
        "inbox_reason_asked": "客户要求人工", "inbox_reason_refused": "机器人无法回答",
        "inbox_reason_thumbs_down": "客户点踩了回答",
        "inbox_waited_h": "{h}小时{m:02d}分", "inbox_waited_m": "{m}分{s:02d}秒",
        "inbox_about": "**{state}**{who} · 转人工原因：{reason}{contact}", "inbox_by": "，由 **{name}** 处理",
        "inbox_contact": " · 联系方式：`{contact}`",
        "inbox_joined": "*{name} 已加入*", "inbox_left": "*{name} 已离开（交还机器人助手）*",
        "inbox_closed": "*{name} 结束了会话*", "inbox_refused": " *（拒答）*",
        "inbox_choose": "请选择一个会话（点击所在行）。",
        "inbox_choose_first": "请先选择一个会话（点击所在行）。",
        "inbox_done_claim": "已认领。", "inbox_done_release": "已释放给机器人助手。", "inbox_done_close": "已结束会话。",
        "inbox_sent": "已发送。", "inbox_signed_out": "请重新登录：此控制台会话已结束。",
        "inbox_saved": "已保存常见问题 #{id}：机器人今后会用这条回复回答“{question}”。",
        # Bots
        "bot_intro": "每个机器人都有自己的知识库、常见问题、人设、会话和密钥（`helpdesk bots`，docs/bots.md）。"
                     "其他标签页显示默认机器人；在这里选择一个机器人来管理它的知识。",
        "bot_new_name": "新机器人的名称（a-z、0-9、- 和 _）", "bot_display": "显示名称", "bot_add": "添加机器人",
        "bot_chosen": "机器人", "bot_files": "上传文件到所选机器人", "bot_documents": "该机器人的文档",
        "bot_doc": "要删除的文档（来源）", "bot_delete_doc": "删除文档", "bot_faq": "该机器人的常见问题",
        "bot_question": "常见问题的问题", "bot_faq_add": "添加常见问题", "bot_talks": "该机器人的会话",
        "bot_delete_knowledge": "同时删除它的知识库", "bot_remove": "移除所选机器人",
        "bot_default": "（默认机器人：见其他标签页）",
        "bot_added": "已添加机器人 **{name}**：请在上方选中它并上传文档。",
        "bot_removed": "已移除机器人 **{name}**（删除了 {count} 个文档）。",
        "bot_choose_files": "请先选择一个机器人和一个或多个文件。",
        "bot_faq_saved": "已保存 **{bot}** 的常见问题 #{id}。", "bot_doc_deleted": "已从 **{bot}** 删除 **{source}**。",
        # Users and Audit
        "console_title": "# helpdesk 管理后台", "user_browser": "跟随浏览器",
        # Sources
        "src_intro": "机器人保持同步的网站和文件夹：有变化的页面会重新导入，已消失的页面（404 或已从站点地图中移除）"
                     "会被删除。可以填写帮助中心的地址（`https://help.example.com/`）、它的 `sitemap.xml`，"
                     "或本服务器上的一个文件夹。",
        "src_table": "数据源（点击一行选中）", "src_location": "网站地址或文件夹",
        "src_every": "同步间隔（30m、6h、1d）", "src_add": "添加数据源", "src_chosen": "选中的数据源 ID",
        "src_sync": "立即同步", "src_running": "同步中", "src_waiting": "等待中",
        "src_following": "已开始跟踪 **{location}**（数据源 {id}），每 {every} 同步一次；首次同步将在一分钟内开始。",
        "src_choose": "请先选择一个数据源（点击所在行）。",
        "src_syncing": "正在同步数据源 {id}；点击“刷新”查看结果。",
        "src_removed": "已停止跟踪 **{location}**；其文档仍然保留（可在“文档”中删除）。",
    },
}


# The staff parts' texts (ui/admin_staff.py): the header, the tab names, the Users and Audit tabs.
STAFF_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "tab_documents": "Documents", "tab_test": "Test a question", "tab_faq": "FAQ", "tab_unanswered": "Unanswered",
        "tab_conversations": "Conversations", "tab_inbox": "Inbox", "tab_handoffs": "Hand-offs",
        "tab_widget": "Website widget", "tab_insights": "Insights", "tab_sources": "Sources", "tab_users": "Users",
        "tab_audit": "Audit",
        "sign_out": "Sign out", "my_language": "My console language",
        "lang_browser": "The browser's", "reload": "Reload everything",
        "signed_in": "Signed in as **{name}** ({role})", "admin": "admin", "agent": "agent",
        "refused": "This needs an admin: agents may use the inbox, conversations and hand-offs.",
        "users_intro": "Admins do everything; agents see the inbox and conversations, reply, and may add an FAQ "
                       "entry, but change no knowledge, site keys or users. Passwords and tokens are shown once.",
        "user_name": "Name", "user_role": "Role", "user_password": "Password (empty: generate one)",
        "user_add": "Add user", "user_chosen": "Chosen user", "user_remove": "Remove",
        "user_reset": "New password", "user_token": "New API token", "user_disable": "Disable", "user_enable": "Enable",
        "user_added": "Added {role} **{name}**.", "user_removed": "Removed **{name}**: their token and sessions "
                      "stopped working.", "user_secret": "Shown once, copy it now:", "choose_user": "Choose a user first "
                      "(click its row).", "user_done": "Done: **{name}**.",
        "audit_actor": "Who (empty: everyone)", "audit_action": "Action (e.g. sign-in, faq., user.)",
        "audit_show": "Show",
    },
    "zh": {
        "tab_documents": "文档", "tab_test": "测试问题", "tab_faq": "常见问题", "tab_unanswered": "未解答",
        "tab_conversations": "会话", "tab_inbox": "收件箱", "tab_handoffs": "转人工", "tab_widget": "网站插件",
        "tab_insights": "数据洞察", "tab_sources": "数据源", "tab_users": "用户", "tab_audit": "审计日志",
        "sign_out": "退出登录", "my_language": "我的控制台语言", "lang_browser": "跟随浏览器",
        "reload": "全部刷新",
        "signed_in": "当前用户：**{name}**（{role}）", "admin": "管理员", "agent": "客服",
        "refused": "此操作需要管理员权限：客服只能使用收件箱、会话和转人工。",
        "users_intro": "管理员可以做所有事；客服可以查看收件箱和会话、回复客户、把回复添加为常见问题，"
                       "但不能修改知识库、站点密钥或用户。密码和令牌只显示一次。",
        "user_name": "用户名", "user_role": "角色", "user_password": "密码（留空则自动生成）",
        "user_add": "添加用户", "user_chosen": "选中的用户", "user_remove": "删除",
        "user_reset": "重设密码", "user_token": "新的 API 令牌", "user_disable": "停用", "user_enable": "启用",
        "user_added": "已添加{role} **{name}**。", "user_removed": "已删除 **{name}**：其令牌和登录会话已失效。",
        "user_secret": "只显示这一次，请立即复制：", "choose_user": "请先选择一个用户（点击所在行）。",
        "user_done": "完成：**{name}**。",
        "audit_actor": "操作人（留空：全部）", "audit_action": "操作（如 sign-in、faq.、user.）",
        "audit_show": "查看",
    },
}


def console_lang(service, request: gr.Request | None) -> str:
    """The language of texts written for this console user: their own setting, else the browser's."""
    account = service.staff.console(getattr(request, "username", None)) if request is not None else None
    if account and account["language"]:
        return account["language"]
    accept = (request.headers.get("accept-language", "") if request is not None else "").lower()
    return "zh" if accept.startswith("zh") else "en"


def texts(lang: str) -> dict[str, str]:
    """Every console text in ``lang`` ("en" or "zh"): this catalogue and the staff parts'."""
    return {**CONSOLE_TEXTS[lang], **STAFF_TEXTS[lang]}


def console_i18n() -> gr.I18n:
    """The console's translations, keyed by browser locale."""
    en, zh = texts("en"), texts("zh")
    return gr.I18n(en=en, zh=zh, **{"zh-CN": zh, "zh-TW": zh, "zh-HK": zh})


def _lang(service) -> str:
    return console_lang(service, LocalContext.request.get(None))


def console_text(service, key: str, **values: Any) -> str:
    """The text ``key`` in the language of the console user whose event is being handled."""
    return texts(_lang(service))[key].format(**values)


def headers(columns: Sequence[str], lang: str = "en") -> list[str]:
    """The table headers named by the catalogue keys ``columns``, in ``lang``."""
    words = texts(lang)
    return [words[c] for c in columns]


def console_table(service, columns: Sequence[str], rows: list[list[Any]]) -> dict[str, Any]:
    """A table's value with its headers in the console user's language (Gradio does not translate
    a Dataframe's headers itself)."""
    return {"headers": headers(columns, _lang(service)), "data": rows}
