/*! helpdesk support widget. One script tag on any website:
 *   <script src="https://support.example.com/widget.js" data-site-key="pk_..." defer></script>
 * Options (data attributes): data-color="#2563eb", data-title, data-greeting,
 * data-position="right|left", data-lang="auto|en|zh", data-open="true|false"; and, overriding the
 * site key's appearance set in the console: data-theme="light|dark|auto", data-offset-x,
 * data-offset-y (px), data-z-index, data-avatar, data-label. A signed-in customer:
 * data-user-id and data-user-hash (the id's HMAC from the website's server; see docs/widget.md).
 * Everything lives in a Shadow DOM; nothing is loaded from anywhere but this server.
 * Messages are rendered as text or a small, safe subset of Markdown, never as HTML. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__helpdeskWidget) return;
  window.__helpdeskWidget = true;

  var ds = script.dataset;
  var base = script.src.replace(/\/widget\.js(?:[?#].*)?$/, "");
  var siteKey = (ds.siteKey || "").trim();
  var COLOR = /^#[0-9a-f]{3,8}$/i;
  // The website's signed-in customer; dropped (anonymous chat) when the server refuses the hash.
  var identity = ds.userId ? { user_id: ds.userId, user_hash: ds.userHash || "" } : null;
  var position = ds.position === "left" ? "left" : "right";
  var lang = ds.lang === "en" || ds.lang === "zh" ? ds.lang
    : /^zh\b/i.test(navigator.language || "") ? "zh" : "en";
  var openOnLoad = ds.open === "true";

  // Both languages' texts and the ranges of Chinese characters come from the server's one
  // catalogue (bot/texts.py, knowledge/lang.py): ui/widget.py fills them in as it serves this file.
  var SERVED = /*served*/{};
  var TEXTS = SERVED.texts;
  var CJK = new RegExp("[" + SERVED.cjk + "]");
  var lastLang = lang;
  function t(key, vars, forLang) {
    var s = TEXTS[forLang || lastLang][key];
    for (var k in vars || {}) s = s.replace("{" + k + "}", function () { return String(vars[k]); });
    return s;
  }
  var title = ds.title || TEXTS[lang].title;
  var greeting = ds.greeting || TEXTS[lang].greeting;

  var DARK = "--bg:#1f2937;--fg:#f3f4f6;--log:#111827;--bubble:#374151;--line:#4b5563;--muted:#9ca3af";
  var CSS = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif}",
    ".wrap{--bg:#fff;--fg:#111827;--log:#f6f7f9;--bubble:#fff;--line:#e3e6ea;--muted:#6b7280;--ox:20px;--oy:20px}",
    ".wrap.dark{" + DARK + "}@media (prefers-color-scheme:dark){.wrap.auto{" + DARK + "}}",
    ".launcher{position:fixed;bottom:var(--oy);" + position + ":var(--ox);min-width:56px;height:56px;border-radius:28px;border:0;margin:0;padding:0 15px;gap:8px;font-size:15px;font-weight:600;",
    "background:var(--hd);color:#fff;cursor:pointer;display:flex;align-items:center;justify-content:center;box-shadow:0 6px 20px rgba(0,0,0,.25)}",
    ".launcher svg{width:26px;height:26px;fill:currentColor;flex:none}.launcher span:empty{display:none}",
    ".avatar{width:30px;height:30px;border-radius:50%;object-fit:cover;flex:none;background:#fff}",
    ".panel{position:fixed;bottom:calc(var(--oy) + 68px);" + position + ":var(--ox);width:370px;max-width:calc(100vw - 24px);height:600px;max-height:calc(100vh - 110px);",
    "background:var(--bg);color:var(--fg);border-radius:14px;box-shadow:0 12px 40px rgba(0,0,0,.28);display:flex;flex-direction:column;overflow:hidden;font-size:14px;line-height:1.45}",
    ".panel[hidden]{display:none}",
    "header{background:var(--hd);color:#fff;padding:10px 12px;display:flex;align-items:center;gap:8px}",
    "h2{font-size:16px;font-weight:600;margin:0;flex:1;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}",
    "button{font:inherit;cursor:pointer}",
    "header button{background:rgba(255,255,255,.18);color:#fff;border:0;border-radius:8px;padding:5px 9px;font-size:13px}",
    "header .close{font-size:18px;line-height:1;padding:4px 9px}",
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:10px;background:var(--log)}",
    ".msg{max-width:88%;padding:8px 11px;border-radius:12px;overflow-wrap:anywhere}",
    ".msg p{margin:0 0 6px}.msg p:last-child{margin:0}.msg ul,.msg ol{margin:2px 0 6px;padding-left:20px}",
    ".msg code{background:#eef0f3;border-radius:4px;padding:0 3px;font-family:ui-monospace,monospace;font-size:13px}",
    ".msg a{color:inherit;text-decoration:underline}",
    ".user{align-self:flex-end;background:var(--hd);color:#fff;border-bottom-right-radius:4px;white-space:pre-wrap}",
    ".bot{align-self:flex-start;background:var(--bubble);border:1px solid var(--line);border-bottom-left-radius:4px}",
    ".bot.error{border-color:#f3b4b4;background:#fff5f5}",
    ".agent{align-self:flex-start;background:var(--bubble);border:1px solid var(--hd);border-bottom-left-radius:4px;white-space:pre-wrap}",
    ".agent .who{display:block;font-size:12px;font-weight:600;color:var(--hd);margin-bottom:2px}",
    ".live{align-self:center;font-size:12px;color:var(--muted);text-align:center}",
    ".note{font-size:12px;color:var(--muted);margin-top:4px}",
    ".sources{margin-top:6px;border-top:1px solid var(--line);padding-top:5px;font-size:12px}",
    ".sources summary{cursor:pointer}.sources p{margin:3px 0 5px;color:var(--muted);white-space:pre-wrap}",
    ".sources a.page{display:block;margin:0 0 5px;color:inherit;word-break:break-all}",
    ".rate{display:flex;gap:6px;margin-top:6px;align-items:center}",
    ".rate button{border:1px solid var(--line);background:var(--bubble);color:var(--muted);border-radius:8px;padding:3px 8px;line-height:0}",
    ".rate svg{width:15px;height:15px;fill:currentColor}",
    ".rate button[aria-pressed=true]{background:var(--hd);border-color:var(--hd);color:#fff}",
    ".rate button:disabled{cursor:default;opacity:.75}",
    ".handoff{display:flex;gap:6px;padding:8px 10px;border-top:1px solid var(--line);background:var(--bg)}",
    ".handoff[hidden]{display:none}",
    "input,textarea{font:inherit;font-size:14px;color:var(--fg);background:var(--bg);border:1px solid var(--line);border-radius:10px;padding:8px 10px;margin:0}",
    ".handoff input{flex:1;min-width:0}",
    "form{display:flex;gap:8px;padding:10px;border-top:1px solid var(--line);background:var(--bg);margin:0}",
    "textarea{flex:1;resize:none;height:40px;max-height:120px;line-height:1.4}",
    ".send,.handoff button{background:var(--hd);color:#fff;border:0;border-radius:10px;padding:0 14px;min-height:40px}",
    ".send:disabled{opacity:.55;cursor:default}",
    ":focus-visible{outline:3px solid #93c5fd;outline-offset:2px}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
    "@media (max-width:480px){.panel{top:0;bottom:0;left:0;right:0;width:100vw;max-width:none;height:100%;max-height:none;border-radius:0}",
    ".open .launcher{display:none}}"
  ].join("");

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
    if (text != null) node.textContent = text;
    return node;
  }

  var SVG = "http://www.w3.org/2000/svg";
  var ICONS = {  // Material Design icons (Apache 2.0)
    chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z",
    up: "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z",
    down: "M15 3H6c-.83 0-1.54.5-1.84 1.22l-3.02 7.05c-.09.23-.14.47-.14.73v2c0 1.1.9 2 2 2h6.31l-.95 4.57-.03.32c0 .41.17.79.44 1.06L9.83 23l6.59-6.59c.36-.36.58-.86.58-1.41V5c0-1.1-.9-2-2-2zm4 0v12h4V3h-4z"
  };
  function icon(name) {
    var svg = document.createElementNS(SVG, "svg"), path = document.createElementNS(SVG, "path");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    path.setAttribute("d", ICONS[name]);
    svg.appendChild(path);
    return svg;
  }

  // A small, safe Markdown renderer built with DOM nodes: paragraphs, headings (as bold lines),
  // bullet and numbered lists, tables, fenced code, **bold**, *italic*, `code` and links to
  // http(s) or mailto only. The answer's text only ever reaches textContent, never innerHTML, so
  // any HTML in it is shown as text; images are never loaded (![alt](url) shows its alt text).
  CSS += [
    ".msg pre{margin:4px 0 6px;padding:6px 8px;background:#eef0f3;border-radius:6px;overflow-x:auto;white-space:pre}",
    ".msg pre code{padding:0;background:none}",
    ".msg table{border-collapse:collapse;margin:4px 0 6px;font-size:13px;display:block;overflow-x:auto}",
    ".msg th,.msg td{border:1px solid #d8dce1;padding:3px 6px;text-align:left;vertical-align:top}",
    ".msg th{background:#f3f4f6;font-weight:600}"
  ].join("");
  var INLINE = /\*\*(.+?)\*\*|\*([^*\s](?:[^*]*[^*\s])?)\*|(`+)(.+?)\3|!?\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)|\\([\\`*_{}\[\]()#+\-.!|>~])/g;
  var SAFE_URL = /^(?:https?:\/\/|mailto:)/i;
  var PAGE_URL = /^https?:\/\/[^\s<>"'`()\[\]\\]+$/i;
  function inline(parent, text) {
    var last = 0, m;
    INLINE.lastIndex = 0;
    while ((m = INLINE.exec(text))) {
      if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      last = INLINE.lastIndex;
      if (m[1] != null) inline(parent.appendChild(el("strong")), m[1]);
      else if (m[2] != null) inline(parent.appendChild(el("em")), m[2]);
      else if (m[4] != null) parent.appendChild(el("code", null, m[4]));
      else if (m[7] != null) parent.appendChild(document.createTextNode(m[7]));
      else if (m[0].charAt(0) !== "!" && SAFE_URL.test(m[6]))
        inline(parent.appendChild(el("a", { href: m[6], target: "_blank", rel: "noopener noreferrer nofollow" })), m[5]);
      else parent.appendChild(document.createTextNode(m[5]));  // an image or an unsafe link: its text
      INLINE.lastIndex = last;  // the recursive calls above reuse the expression
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }
  var ITEM = /^(\s*)([-*+\u2022]|\d{1,9}[.)])\s+/, FENCE = /^\s{0,3}(`{3,}|~{3,})/, RULE = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;
  function cells(line) {
    var out = [], cell = "", s = line.trim().replace(/^\|/, "").replace(/\|$/, "");
    for (var i = 0; i < s.length; i++) {
      if (s[i] === "\\" && s[i + 1] === "|") { cell += "|"; i++; } else if (s[i] === "|") { out.push(cell.trim()); cell = ""; } else cell += s[i];
    }
    out.push(cell.trim());
    return out;
  }
  function markdown(node, text) {
    node.textContent = "";
    var lines = String(text).split("\n"), i = 0, m;
    function starts(line) { return FENCE.test(line) || ITEM.test(line) || /^\s{0,3}#{1,6}\s/.test(line); }
    while (i < lines.length) {
      var line = lines[i];
      if (!line.trim()) { i++; continue; }
      if ((m = FENCE.exec(line))) {  // verbatim to the closing fence, or to the end of a cut one
        var close = new RegExp("^\\s{0,3}" + (m[1][0] === "`" ? "`" : "~") + "{" + m[1].length + ",}\\s*$"), code = [];
        for (i++; i < lines.length && !close.test(lines[i]); i++) code.push(lines[i]);
        i++;
        node.appendChild(el("pre")).appendChild(el("code", null, code.join("\n")));
      } else if ((m = /^\s{0,3}#{1,6}\s+(.*?)[\s#]*$/.exec(line))) {
        inline(node.appendChild(el("p")).appendChild(el("strong")), m[1]);
        i++;
      } else if (line.indexOf("|") >= 0 && i + 1 < lines.length && RULE.test(lines[i + 1]) && lines[i + 1].indexOf("-") >= 0) {
        var table = node.appendChild(el("table")), head = table.appendChild(el("thead")).appendChild(el("tr"));
        cells(line).forEach(function (c) { inline(head.appendChild(el("th")), c); });
        var tbody = table.appendChild(el("tbody"));
        for (i += 2; i < lines.length && lines[i].indexOf("|") >= 0 && lines[i].trim(); i++) {
          var tr = tbody.appendChild(el("tr"));
          cells(lines[i]).forEach(function (c) { inline(tr.appendChild(el("td")), c); });
        }
      } else if ((m = ITEM.exec(line))) {  // a list; deeper items nest in the item above them
        var stack = [{ indent: m[1].length, list: node.appendChild(el(/\d/.test(m[2]) ? "ol" : "ul")) }], li = null;
        if (/^\d/.test(m[2]) && parseInt(m[2], 10) !== 1) stack[0].list.setAttribute("start", parseInt(m[2], 10));
        for (; i < lines.length && lines[i].trim() && !FENCE.test(lines[i]); i++) {
          var it = ITEM.exec(lines[i]);
          if (!it) { if (li) { li.appendChild(document.createTextNode(" ")); inline(li, lines[i].trim()); } continue; }
          var depth = it[1].length;
          while (stack.length > 1 && depth < stack[stack.length - 1].indent) stack.pop();
          if (depth > stack[stack.length - 1].indent + 1 && li) {
            stack.push({ indent: depth, list: li.appendChild(el(/\d/.test(it[2]) ? "ol" : "ul")) });
          }
          li = stack[stack.length - 1].list.appendChild(el("li"));
          inline(li, lines[i].slice(it[0].length));
        }
      } else {
        var p = node.appendChild(el("p"));
        for (var first = true; i < lines.length && lines[i].trim() && (first || !starts(lines[i])); i++, first = false) {
          if (!first) p.appendChild(el("br"));
          inline(p, lines[i].trim());
        }
      }
    }
  }

  // -- layout -------------------------------------------------------------------------------
  var host = el("div", { id: "helpdesk-widget" });
  [["all", "initial"], ["position", "fixed"], ["z-index", "2147483000"], ["top", "0"], ["left", "0"],
    ["width", "0"], ["height", "0"], ["display", "block"], ["visibility", "visible"], ["opacity", "1"]]
    .forEach(function (p) { host.style.setProperty(p[0], p[1], "important"); });
  var root = host.attachShadow({ mode: "open" });
  var style = el("style");
  style.textContent = CSS;
  var wrap = el("div", { "class": "wrap" });
  var launcher = el("button", { "class": "launcher", type: "button", "aria-label": t("open"),
    "aria-expanded": "false", "aria-controls": "hd-panel", title: title });
  launcher.appendChild(icon("chat"));
  var launcherLabel = launcher.appendChild(el("span"));
  var panel = el("div", { "class": "panel", id: "hd-panel", role: "dialog", "aria-label": title, hidden: "" });
  var header = el("header");
  var avatar = el("img", { "class": "avatar", alt: "", hidden: "" });
  header.appendChild(avatar);
  var humanBtn = el("button", { type: "button", "class": "human" }, t("human"));
  var closeBtn = el("button", { type: "button", "class": "close", "aria-label": t("close") }, "\u00d7");
  var heading = header.appendChild(el("h2", null, title));
  header.appendChild(humanBtn);
  header.appendChild(closeBtn);
  var log = el("div", { "class": "log", role: "log", "aria-live": "polite", "aria-label": title });
  var handoff = el("div", { "class": "handoff", hidden: "" });
  var contact = el("input", { type: "text", "aria-label": t("contact"), placeholder: t("contact"), maxlength: "500" });
  var handoffBtn = el("button", { type: "button" }, t("handoff_send"));
  handoff.appendChild(contact);
  handoff.appendChild(handoffBtn);
  var form = el("form");
  var box = el("textarea", { "aria-label": t("message"), placeholder: t("placeholder"), rows: "1", maxlength: "4000" });
  var sendBtn = el("button", { type: "submit", "class": "send" }, t("send"));
  form.appendChild(box);
  form.appendChild(sendBtn);
  [header, log, handoff, form].forEach(function (n) { panel.appendChild(n); });
  wrap.appendChild(launcher);
  wrap.appendChild(panel);
  root.appendChild(style);
  root.appendChild(wrap);

  // -- appearance: the site key's (console) under the page's data-* attributes, each checked ----
  var AVATAR = /^(?:https:\/\/[^\s"'<>()\\]+|data:image\/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+\/]+=*)$/;
  // The first of the page's value and the key's that passes ``ok``, else the default.
  function first(ok, page, key, fallback) { return ok(page) ? page : ok(key) ? key : fallback; }
  function upTo(max) { return function (v) { return /^\d{1,10}$/.test(String(v)) && +v <= max; }; }
  function appear(server) {
    var s = server || {};
    wrap.classList.add(first(function (v) { return /^(?:light|dark|auto)$/.test(v || ""); }, ds.theme, s.theme, "light"));
    wrap.style.setProperty("--hd", first(function (v) { return COLOR.test(v || ""); }, ds.color, s.color, "#2563eb"));
    wrap.style.setProperty("--ox", +first(upTo(400), ds.offsetX, s.offset_x, 20) + "px");
    wrap.style.setProperty("--oy", +first(upTo(400), ds.offsetY, s.offset_y, 20) + "px");
    host.style.setProperty("z-index", String(+first(upTo(2147483647), ds.zIndex, s.z_index, 2147483000)), "important");
    var picture = first(function (v) { return AVATAR.test(v || ""); }, ds.avatar, s.avatar, "");
    if (picture) { avatar.src = picture; avatar.hidden = false; }
    var label = first(function (v) { return typeof v === "string" && v.trim() !== ""; }, ds.label,
      (s.launcher_label || {})[lang], "");
    launcherLabel.textContent = label.slice(0, 40);
  }
  // The key's bot's persona: its title (else its display name) and greeting in the page's language,
  // under the page's data-title / data-greeting; the catalogue's when it has none.
  function personify(bot) {
    var own = ((bot || {}).texts || {})[lang] || {};
    var named = own.title || (bot || {}).display_name;
    if (!ds.title && typeof named === "string" && named.trim()) {
      title = named.trim().slice(0, 200);
      heading.textContent = title;
      [launcher, panel, log].forEach(function (node) {
        node.setAttribute(node === launcher ? "title" : "aria-label", title);
      });
    }
    if (!ds.greeting && typeof own.greeting === "string" && own.greeting.trim()) greeting = own.greeting.trim();
  }
  async function settings() {  // the site key's appearance and bot; the widget works without them
    try {
      var r = await fetch(base + "/api/v1/widget/config?site_key=" + encodeURIComponent(siteKey));
      return r.ok ? await r.json() : null;
    } catch (e) { return null; }
  }

  // -- state --------------------------------------------------------------------------------
  var storeKey = "helpdesk:" + base + ":" + siteKey;
  var state = {};
  try { state = JSON.parse(localStorage.getItem(storeKey) || "{}") || {}; } catch (e) { state = {}; }
  function save() { try { localStorage.setItem(storeKey, JSON.stringify(state)); } catch (e) { /* private mode */ } }
  var token = null, tokenUntil = 0, turns = 0, busy = false, restored = false;

  function HttpError(status, message) { this.status = status; this.message = message; }

  async function getToken(force) {
    if (token && !force && Date.now() < tokenUntil) return token;
    // The earlier token (expired or not) continues this browser's conversation; an id alone would
    // not. A signed-in customer's conversation is found by their verified id instead, on any device.
    var payload = { site_key: siteKey, resume: identity ? null : state.resume || null };
    if (identity) { payload.user_id = identity.user_id; payload.user_hash = identity.user_hash; }
    var r = await fetch(base + "/api/v1/widget/session", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload)
    });
    var body = await r.json().catch(function () { return {}; });
    if (!r.ok && identity && (r.status === 403 || r.status === 400)) {
      if (window.console) console.warn("helpdesk widget: signed-in customer refused (" + (body.error || r.status) + "); chatting anonymously");
      identity = null;
      return getToken(true);
    }
    if (!r.ok) throw new HttpError(r.status, body.error);
    token = body.token;
    tokenUntil = Date.now() + (body.expires_in - 30) * 1000;
    if (!identity) {  // a signed-in customer's token is not kept in this browser
      state.session_id = body.session_id;
      state.resume = body.token;
      save();
    }
    return token;
  }

  async function call(path, method, payload) {
    for (var attempt = 0; attempt < 2; attempt++) {
      var headers = { Authorization: "Bearer " + (await getToken(attempt > 0)) };
      if (payload) headers["Content-Type"] = "application/json";
      var r = await fetch(base + path, { method: method, headers: headers,
        body: payload ? JSON.stringify(payload) : undefined });
      if (r.status !== 401) return r;
    }
    return r;
  }

  // -- messages -----------------------------------------------------------------------------
  function scroll() { log.scrollTop = log.scrollHeight; }
  function addMessage(who, text) {
    var node = el("div", { "class": "msg " + who });
    var body = el("div", { "class": "body" });
    if (who === "user") body.textContent = text; else markdown(body, text);
    node.appendChild(body);
    log.appendChild(node);
    scroll();
    return node;
  }
  function addAgent(name, text) {
    var node = el("div", { "class": "msg agent" });
    node.appendChild(el("span", { "class": "who" }, name));
    node.appendChild(el("span", { "class": "body" }, text));
    log.appendChild(node);
    scroll();
    return node;
  }
  function addLive(text) { var n = el("div", { "class": "live" }, text); log.appendChild(n); scroll(); return n; }
  function note(node, text) { var n = el("div", { "class": "note" }, text); node.appendChild(n); return n; }

  function finish(node, answer, turn) {
    markdown(node.querySelector(".body"), answer.answer);
    var forLang = CJK.test(answer.question || answer.answer) ? "zh" : "en";
    if (answer.canned) note(node, t("faq", null, forLang));
    if (answer.sources && answer.sources.length) {
      var box = el("div", { "class": "sources" });
      box.appendChild(el("div", null, t("sources", null, forLang) + ":"));
      answer.sources.forEach(function (s) {
        var d = el("details"), label = "[" + s.n + "] " + (s.title || s.source) + (s.location ? " \u00b7 " + s.location : "");
        d.appendChild(el("summary", null, label));
        d.appendChild(el("p", null, String(s.text || "").slice(0, 400)));
        // A web page's source is its live address: a link that opens it (http and https only).
        if (PAGE_URL.test(String(s.source || "")))
          d.appendChild(el("a", { href: s.source, target: "_blank", rel: "noopener noreferrer", "class": "page" }, s.source));
        box.appendChild(d);
      });
      node.appendChild(box);
    }
    if (!answer.error) rating(node, turn, answer.feedback, forLang);
    scroll();
  }

  function rating(node, turn, given, forLang) {
    var row = el("div", { "class": "rate" });
    var up = el("button", { type: "button", "aria-label": t("helpful", null, forLang), "aria-pressed": "false" });
    var down = el("button", { type: "button", "aria-label": t("not_helpful", null, forLang), "aria-pressed": "false" });
    up.appendChild(icon("up"));
    down.appendChild(icon("down"));
    function mark(which) {
      which.setAttribute("aria-pressed", "true");
      up.disabled = down.disabled = true;
    }
    if (given) mark(given.rating > 0 ? up : down);
    [[up, "up"], [down, "down"]].forEach(function (pair) {
      pair[0].addEventListener("click", async function () {
        mark(pair[0]);
        try {
          var r = await call("/api/v1/widget/feedback", "POST", { rating: pair[1], turn: turn });
          if (r.ok) row.appendChild(el("span", { "class": "note" }, t("thanks_up", null, forLang)));
        } catch (e) { up.disabled = down.disabled = false; }
      });
    });
    row.appendChild(up);
    row.appendChild(down);
    node.appendChild(row);
  }

  function failed(node, message) {
    node.classList.add("error");
    node.querySelector(".body").textContent = message;
    scroll();
  }

  async function readEvents(response, onEvent) {
    var reader = response.body.getReader(), decoder = new TextDecoder(), buffer = "";
    for (;;) {
      var chunk = await reader.read();
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      var cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        var block = buffer.slice(0, cut), kind = "message", data = "";
        buffer = buffer.slice(cut + 2);
        block.split("\n").forEach(function (line) {
          if (line.indexOf("event:") === 0) kind = line.slice(6).trim();
          else if (line.indexOf("data:") === 0) data += line.slice(5).trim();
        });
        if (data) onEvent(kind, JSON.parse(data));
      }
    }
  }

  async function ask(question) {
    busy = true;
    sendBtn.disabled = true;
    lastLang = CJK.test(question) ? "zh" : lang;
    addMessage("user", question);
    var node = addMessage("bot", t("thinking"));
    node.setAttribute("aria-busy", "true");
    var text = "", done = null;
    try {
      var r = await call("/api/v1/widget/chat", "POST", { message: question, stream: true });
      if (!r.ok) {
        var body = await r.json().catch(function () { return {}; });
        return failed(node, r.status === 403 ? t("unavailable") : body.error || t("error"));
      }
      await readEvents(r, function (kind, data) {
        if (kind === "token" || kind === "replace") {
          text = kind === "token" ? text + data.text : data.text;
          markdown(node.querySelector(".body"), text);
          scroll();
        } else if (kind === "queued") {
          node.querySelector(".body").textContent = t("waiting", { ahead: data.ahead });
        } else if (kind === "error") {
          failed(node, data.error || t("error"));
        } else if (kind === "done") {
          done = data;
        }
      });
      if (done && done.handoff) {  // a person has the conversation: the message went to them
        node.remove();
        listen();
      } else if (done && !done.error) {
        finish(node, Object.assign({ question: question }, done), turns++);
      } else if (done) {
        failed(node, done.answer || t("error"));
      }
    } catch (e) {  // a TypeError is a network failure, or a website the server does not allow (CORS)
      failed(node, !(e instanceof HttpError) ? t("error") : e.status === 403 ? t("unavailable") : e.message || t("error"));
    } finally {
      node.removeAttribute("aria-busy");
      busy = false;
      sendBtn.disabled = false;
    }
  }

  // A person's messages arrive on an event stream (the token in the query: EventSource sends no
  // headers); the stream is open only while a person has, or may take, the conversation.
  var stream = null;
  function showEvent(e) {
    if (e.id) state.last_event = Math.max(state.last_event || 0, e.id);
    if (e.kind === "customer_message") addMessage("user", e.text);
    else if (e.kind === "waiting") addMessage("bot", e.text).classList.add("handoff-reply");
    else if (e.kind === "agent_joined") addLive(t("agent_joined", { name: e.name }));
    else if (e.kind === "agent_message") addAgent(e.name, e.text);
    else if (e.kind === "agent_left") addLive(t("agent_left", { name: e.name }));
    else if (e.kind === "closed") addLive(t("live_closed", { name: e.name }));
  }
  async function listen() {
    if (stream) return;
    var source;
    try {
      source = new EventSource(base + "/api/v1/widget/events?token=" + encodeURIComponent(await getToken())
                               + "&after=" + (state.last_event || 0));
    } catch (e) { return; }
    stream = source;
    ["agent_joined", "agent_message", "agent_left", "closed"].forEach(function (kind) {
      source.addEventListener(kind, function (m) {
        var e = JSON.parse(m.data);
        if (e.id <= (state.last_event || 0)) return;
        showEvent(e);
        save();
        if (kind === "agent_left" || kind === "closed") { source.close(); stream = null; }
      });
    });
    source.onerror = function () {  // closed for good (an expired token): a fresh token, a new stream
      if (source.readyState !== EventSource.CLOSED) return;
      stream = null;
      setTimeout(function () { getToken(true).then(listen, function () {}); }, 2000);
    };
  }

  async function restore() {
    if (restored) return;
    restored = true;
    addMessage("bot", greeting).classList.add("greeting");
    if (!state.session_id && !identity) return;
    try {
      var r = await call("/api/v1/widget/history", "GET");
      if (!r.ok) return;
      var body = await r.json();
      var items = (body.turns || []).map(function (turn) { return { at: turn.at, turn: turn }; })
        .concat((body.events || []).map(function (e) { return { at: e.at, event: e }; }));
      items.sort(function (a, b) { return a.at < b.at ? -1 : a.at > b.at ? 1 : 0; });  // stable: turns first
      items.forEach(function (item) {
        if (item.turn) {
          addMessage("user", item.turn.question);
          finish(addMessage("bot", ""), item.turn, turns++);
        } else {
          showEvent(item.event);
        }
      });
      if (body.state === "waiting" || body.state === "agent") listen();
    } catch (e) { /* a fresh conversation starts on the next message */ }
  }

  // -- behaviour ----------------------------------------------------------------------------
  function openPanel() {
    panel.hidden = false;
    wrap.classList.add("open");
    launcher.setAttribute("aria-expanded", "true");
    try { sessionStorage.setItem(storeKey + ":open", "1"); } catch (e) { /* ignore */ }
    restore();
    box.focus();
  }
  function closePanel() {
    panel.hidden = true;
    wrap.classList.remove("open");
    launcher.setAttribute("aria-expanded", "false");
    try { sessionStorage.removeItem(storeKey + ":open"); } catch (e) { /* ignore */ }
    launcher.focus();
  }
  launcher.addEventListener("click", function () { if (panel.hidden) openPanel(); else closePanel(); });
  closeBtn.addEventListener("click", closePanel);
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { e.stopPropagation(); closePanel(); } });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var question = box.value.trim();
    if (!question || busy) return;
    box.value = "";
    ask(question);
  });
  box.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
  });
  humanBtn.addEventListener("click", function () {
    handoff.hidden = !handoff.hidden;
    if (!handoff.hidden) contact.focus();
  });
  handoffBtn.addEventListener("click", async function () {
    if (!turns) { addMessage("bot", t("handoff_empty")); return; }
    handoffBtn.disabled = true;
    try {
      var left = contact.value.trim();
      var r = await call("/api/v1/widget/handoff", "POST", { contact: left });
      var body = await r.json().catch(function () { return {}; });
      var at = left ? t("handoff_contact", { contact: left }) : "";
      var node = addMessage("bot", r.ok ? t("handoff_done", { id: body.id, contact: at }) : body.error || t("error"));
      node.classList.add("handoff-reply");
      if (r.ok) {
        handoff.hidden = true;
        contact.value = "";
        if (body.notice) addMessage("bot", body.notice).classList.add("handoff-reply");
        listen();
      }
    } catch (e) {
      addMessage("bot", t("error"));
    } finally {
      handoffBtn.disabled = false;
    }
  });

  function mount() {
    document.body.appendChild(host);
    var wasOpen = false;
    try { wasOpen = sessionStorage.getItem(storeKey + ":open") === "1"; } catch (e) { /* ignore */ }
    if (openOnLoad || wasOpen) openPanel();
  }
  settings().then(function (server) {
    appear(server && server.appearance);
    personify(server && server.bot);
    if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
  });
})();
