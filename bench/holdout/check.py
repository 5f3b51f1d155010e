#!/usr/bin/env python3
"""Validate the Nestwave hold-out set (stdlib only).

Checks:
  * every line of questions.jsonl parses and has exactly the fields of its kind,
    with the right types and allowed values;
  * each answerable line's `doc` exists under kb/ and belongs to its language;
  * each fact has at least one alternative that occurs in the doc page, after
    stripping HTML tags and page chrome (only the <article> counts) and Markdown
    markup such as front matter, emphasis and callout markers (case-insensitive);
  * a minimal answer (shortest alternative of every fact) fits well within the
    answer limit (600 characters for English, 300 for Chinese);
  * follow-up sessions are well-formed pairs (first line answerable, second
    `followup`, adjacent, same language);
  * near-domain unanswerable questions pass a keyword screen: none of the terms
    listed in SCREEN occurs in any page of that language;
  * the counts per language and type match EXPECTED; the kb has 8 pages per
    language (2 of them HTML) and English pages are 300-900 words.

Prints the counts per language and type; exit status 0 when everything passes.
"""
import html
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
KB = os.path.join(HERE, "kb")
QUESTIONS = os.path.join(HERE, "questions.jsonl")

ANSWERABLE_TYPES = {"fact", "procedure", "yesno", "multipart", "paraphrase", "symptom", "followup"}
UNANSWERABLE_TYPES = {"near-domain", "off-topic"}
LIMIT = {"en": 600, "zh": 300}
TYPE_ORDER = ["fact", "procedure", "yesno", "multipart", "paraphrase", "symptom", "followup",
              "near-domain", "off-topic"]

# Follow-up second halves (type "followup") are counted IN ADDITION to the typed
# answerable questions; the first half of each pair carries its own type.
EXPECTED = {
    "en": {"fact": 5, "procedure": 5, "yesno": 4, "multipart": 4, "paraphrase": 7, "symptom": 5,
           "followup": 3, "near-domain": 8, "off-topic": 2},
    "zh": {"fact": 4, "procedure": 4, "yesno": 3, "multipart": 3, "paraphrase": 5, "symptom": 3,
           "followup": 2, "near-domain": 6, "off-topic": 2},
}

# Keyword screen for near-domain unanswerable questions: none of these terms may
# occur (case-insensitive) in any page of the question's language.
SCREEN = {
    "How many watts does the Nestwave Hub draw from the socket?":
        ["watt", "power consumption", "energy"],
    "Is there a student discount on Nestwave Guard Plus?":
        ["student", "discount", "coupon", "promo"],
    "Can I control my Nestwave network with Alexa or Google Assistant?":
        ["alexa", "assistant", " voice", "smart speaker"],
    "Can I plug a USB hard drive into the Nestwave Hub to share files on my network?":
        ["usb", "hard drive", "file shar", "storage"],
    "Does the Nestwave Hub support WPA3 for the main Wi-Fi network?":
        ["wpa", "encryption"],
    "How do I set up port forwarding on the Hub for my game console?":
        ["port forward", "upnp", "dmz", "open port"],
    "Is there a wall bracket to mount the Nestwave Node?":
        [" mount", "bracket", "screw"],
    "Do you ship the Nestwave Trio to Brazil?":
        ["brazil", "ship to", "countries", "shipping", "deliver to"],
    "Nestwave 主路由支持 IPv6 吗？":
        ["ipv6", "ipv4"],
    "主路由能插 SIM 卡用 4G 上网吗？":
        ["sim", "4g", "蜂窝", "移动数据"],
    "节点之间可以用网线连接，做有线回程吗？":
        ["回程", "backhaul", "有线连接节点", "网线连接节点"],
    "Guard Plus 有学生优惠吗？":
        ["学生", "优惠", "折扣"],
    "京东上有 Nestwave 的官方旗舰店吗？":
        ["京东", "旗舰店", "天猫", "淘宝"],
    "能用米家或者 HomeKit 控制 Nestwave 网络吗？":
        ["米家", "homekit", "语音", "智能音箱"],
}


def page_text(path):
    """Plain text of a kb page: HTML tags and Markdown markup removed, lower-cased."""
    with open(path, encoding="utf-8") as f:
        t = f.read()
    if path.endswith(".html"):
        # Only the article counts; header, nav, aside and footer are page chrome.
        m = re.search(r"(?is)<article\b.*?</article>", t)
        t = m.group(0) if m else t
        t = re.sub(r"(?is)<(head|script|style)\b.*?</\1>", " ", t)
        t = re.sub(r"<[^>]+>", " ", t)
        t = html.unescape(t)
    else:
        t = re.sub(r"\A---\n.*?\n---\n", "", t, flags=re.S)          # front matter
        t = re.sub(r"^```.*$", " ", t, flags=re.M)                    # code fences
        t = re.sub(r"^\s*>\s?(\[![A-Z]+\])?", "", t, flags=re.M)      # quotes, callouts
        t = re.sub(r"^\s*#+\s*", "", t, flags=re.M)                   # headings
        t = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", t)                # links
        t = t.replace("**", "").replace("__", "").replace("`", "")
        t = re.sub(r"(?<![\w*])\*(?!\s)([^*\n]+?)\*(?!\w)", r"\1", t)  # *emphasis*
        t = re.sub(r"(?<!\w)_(?!\s)([^_\n]+?)_(?!\w)", r"\1", t)      # _emphasis_
        t = html.unescape(t)
    t = t.replace("\u00a0", " ")
    t = re.sub(r"\s+", " ", t)
    return t.lower()


def en_words(path):
    with open(path, encoding="utf-8") as f:
        t = f.read()
    if path.endswith(".html"):
        t = re.sub(r"(?is)<(head|script|style|nav|header|footer|aside)\b.*?</\1>", " ", t)
        t = html.unescape(re.sub(r"<[^>]+>", " ", t))
    return len(re.findall(r"[A-Za-z0-9][\w'.-]*", t))


def main():
    errors = []
    err = errors.append

    # ---- knowledge base -------------------------------------------------
    pages = {}
    for lang in ("en", "zh"):
        d = os.path.join(KB, lang)
        names = sorted(n for n in os.listdir(d) if n.endswith((".md", ".html")))
        if len(names) != 8:
            err(f"kb/{lang}: expected 8 pages, found {len(names)}")
        n_html = sum(n.endswith(".html") for n in names)
        if n_html != 2:
            err(f"kb/{lang}: expected 2 HTML pages, found {n_html}")
        for n in names:
            pages[f"{lang}/{n}"] = page_text(os.path.join(d, n))
            if lang == "en":
                w = en_words(os.path.join(d, n))
                if not 300 <= w <= 900:
                    err(f"kb/en/{n}: {w} words, expected 300-900")

    # ---- questions ------------------------------------------------------
    counts = {"en": {}, "zh": {}}
    seen = set()
    items = []
    with open(QUESTIONS, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for no, line in enumerate(lines, 1):
        where = f"line {no}"
        if not line.strip():
            err(f"{where}: empty line")
            continue
        try:
            q = json.loads(line)
        except json.JSONDecodeError as e:
            err(f"{where}: invalid JSON ({e})")
            continue
        if not isinstance(q, dict):
            err(f"{where}: not a JSON object")
            continue
        items.append((no, q))
        text, lang, typ = q.get("question"), q.get("lang"), q.get("type")
        if not isinstance(text, str) or not text.strip():
            err(f"{where}: 'question' must be a non-empty string")
        elif text in seen:
            err(f"{where}: duplicate question {text!r}")
        else:
            seen.add(text)
        if lang not in ("en", "zh"):
            err(f"{where}: 'lang' must be 'en' or 'zh', got {lang!r}")
            continue

        if "unanswerable" in q:
            if set(q) != {"question", "lang", "unanswerable", "type"}:
                err(f"{where}: unanswerable fields must be question, lang, unanswerable, type; got {sorted(q)}")
            if q["unanswerable"] is not True:
                err(f"{where}: 'unanswerable' must be true")
            if typ not in UNANSWERABLE_TYPES:
                err(f"{where}: unanswerable type must be near-domain or off-topic, got {typ!r}")
            if typ == "near-domain":
                terms = SCREEN.get(text)
                if not terms:
                    err(f"{where}: near-domain question has no keyword screen in SCREEN")
                else:
                    for term in terms:
                        for name, body in pages.items():
                            if name.startswith(lang + "/") and term.lower() in body:
                                err(f"{where}: screen term {term!r} occurs in {name}")
        else:
            allowed = {"question", "lang", "type", "facts", "doc", "session"}
            required = {"question", "lang", "type", "facts", "doc"}
            if not required <= set(q) or not set(q) <= allowed:
                err(f"{where}: answerable fields must be {sorted(required)} (+ optional session); got {sorted(q)}")
                continue
            if typ not in ANSWERABLE_TYPES:
                err(f"{where}: unknown answerable type {typ!r}")
            if typ == "followup" and "session" not in q:
                err(f"{where}: followup without session")
            if "session" in q and not (isinstance(q["session"], str) and re.fullmatch(r"fu-\d+", q["session"])):
                err(f"{where}: session must look like 'fu-N'")
            doc = q["doc"]
            if not isinstance(doc, str) or not doc.startswith(lang + "/"):
                err(f"{where}: doc {doc!r} must be a path under kb/{lang}/")
            elif doc not in pages:
                err(f"{where}: doc {doc!r} not found in kb/")
            facts = q["facts"]
            ok_shape = (isinstance(facts, list) and facts and all(
                isinstance(a, list) and a and all(isinstance(s, str) and s.strip() for s in a)
                for a in facts))
            if not ok_shape:
                err(f"{where}: facts must be a non-empty list of non-empty lists of non-empty strings")
            elif doc in pages:
                body = pages[doc]
                for i, alts in enumerate(facts, 1):
                    if not any(a.lower() in body for a in alts):
                        err(f"{where}: fact {i} {alts} not found in {doc}")
                minimal = sum(min(len(a) for a in alts) for alts in facts)
                if minimal > LIMIT[lang] // 3:
                    err(f"{where}: shortest facts take {minimal} characters, too long for a {LIMIT[lang]}-character answer")
        counts[lang][typ] = counts[lang].get(typ, 0) + 1

    # ---- follow-up sessions ---------------------------------------------
    sessions = {}
    for no, q in items:
        if "session" in q:
            sessions.setdefault(q["session"], []).append((no, q))
    for s, members in sorted(sessions.items()):
        if len(members) != 2:
            err(f"session {s}: expected 2 lines, found {len(members)}")
            continue
        (n1, a), (n2, b) = members
        if n2 != n1 + 1:
            err(f"session {s}: lines {n1} and {n2} are not adjacent")
        if a.get("type") == "followup" or b.get("type") != "followup":
            err(f"session {s}: first line must be a typed question, second must be 'followup'")
        if a.get("lang") != b.get("lang"):
            err(f"session {s}: languages differ")

    # ---- counts ----------------------------------------------------------
    print(f"{'type':<12}" + "".join(f"{l:>6}" for l in ("en", "zh")))
    for t in TYPE_ORDER:
        print(f"{t:<12}" + "".join(f"{counts[l].get(t, 0):>6}" for l in ("en", "zh")))
    for label, types in (("answerable", TYPE_ORDER[:7]), ("unanswerable", TYPE_ORDER[7:])):
        print(f"{label:<12}" + "".join(f"{sum(counts[l].get(t, 0) for t in types):>6}" for l in ("en", "zh")))
    print(f"{'total lines':<12}" + "".join(f"{sum(counts[l].values()):>6}" for l in ("en", "zh")))
    print(f"follow-up sessions: {len(sessions)}; kb pages: "
          f"{sum(p.startswith('en/') for p in pages)} en, {sum(p.startswith('zh/') for p in pages)} zh")
    for lang in ("en", "zh"):
        for t in TYPE_ORDER:
            if counts[lang].get(t, 0) != EXPECTED[lang][t]:
                err(f"count {lang}/{t}: {counts[lang].get(t, 0)}, expected {EXPECTED[lang][t]}")

    if errors:
        print(f"\nFAIL: {len(errors)} problem(s)")
        for e in errors:
            print("  - " + e)
        return 1
    print("\nOK: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
