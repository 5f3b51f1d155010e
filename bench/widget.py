"""Widget benchmark: the script's size, and the time from a customer's click to the first token.

Starts ``helpdesk serve`` on a fresh data dir (the demo help center, the packaged model), serves a
host page with the script tag from another origin, and drives the real widget in Debian's headless
Chromium. For each demo question (answered by the model, FAQ questions left out) a fresh browser
context opens the widget and sends the question; the page itself records, with
``performance.now()``, when the message was sent and when the first answer text and the finished
answer (sources and buttons) appeared. The first question of a conversation includes trading the
site key for a token; a follow-up in the same conversation does not.

    python -m bench.widget                  # results in bench/results/widget.json
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.serve import _pct, _questions, _start_server
from tests.ui.helpers import static_site

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "widget.json"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
ADMIN_KEY = "bench-admin-key"

# Sends ``question`` the way the form does and resolves with the page's own timings in ms.
MEASURE = """async (question) => {
  const root = document.querySelector('#helpdesk-widget').shadowRoot;
  const log = root.querySelector('.log');
  const before = log.querySelectorAll('.msg.bot').length;
  const box = root.querySelector('textarea');
  return await new Promise((resolve) => {
    let first = null;
    const t0 = performance.now();
    const watch = new MutationObserver(() => {
      const bots = log.querySelectorAll('.msg.bot');
      if (bots.length <= before) return;
      const last = bots[bots.length - 1];
      const text = last.querySelector('.body').textContent;
      if (first === null && last.getAttribute('aria-busy') === 'true' && text && !/^(Thinking|思考中)/.test(text))
        first = performance.now() - t0;
      if (last.getAttribute('aria-busy') === null) {
        watch.disconnect();
        resolve({first_token_ms: first ?? performance.now() - t0, answer_ms: performance.now() - t0,
                 error: last.classList.contains('error'), sources: last.querySelectorAll('.sources details').length});
      }
    });
    watch.observe(log, {childList: true, subtree: true, characterData: true, attributes: true});
    box.value = question;
    root.querySelector('form').requestSubmit();
  });
}"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=12, help="Model-answered demo questions to time.")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    faq = {line.split(",")[0] for line in (ROOT / "bot" / "demo" / "kb" / "faq.csv").read_text().splitlines()}
    questions = [q for q in _questions() if q not in faq][: args.questions]
    os.environ.update(HELPDESK_ADMIN_API_KEY=ADMIN_KEY, HELPDESK_WIDGET__IP_PER_MINUTE="0",
                      HELPDESK_WIDGET__TOKENS_PER_MINUTE="0")  # one address drives every chat
    runs: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="helpdesk-bench-") as tmp:
        print("starting helpdesk serve on a fresh data dir (demo help center)…", file=sys.stderr)
        proc, url = _start_server(Path(tmp) / "data", Path(tmp) / "serve.log")
        pages: dict[str, str] = {}
        try:
            script = httpx.get(f"{url}/widget.js", timeout=30).content  # as served: with its texts
            with static_site(pages) as site, sync_playwright() as p:
                key = httpx.post(f"{url}/api/v1/site-keys", json={"name": "bench", "origins": [site]},
                                 headers={"Authorization": f"Bearer {ADMIN_KEY}"}).json()["key"]
                pages["/"] = (f"<!doctype html><title>Shop</title><h1>Shop</h1>"
                              f'<script src="{url}/widget.js" data-site-key="{key}" defer></script>')
                browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                for i, question in enumerate(["warm-up: " + questions[0]] + questions):
                    context = browser.new_context(viewport={"width": 1280, "height": 860})
                    page = context.new_page()
                    page.goto(site + "/")
                    t0 = time.perf_counter()
                    page.get_by_role("button", name="Open support chat").click()
                    page.get_by_label("Message").wait_for(state="visible")
                    open_ms = (time.perf_counter() - t0) * 1000
                    first = page.evaluate(MEASURE, question)
                    follow = page.evaluate(MEASURE, "And how long does that take?")
                    context.close()
                    if i == 0:
                        continue  # the warm-up loads caches on both sides
                    runs.append({"question": question, "open_ms": round(open_ms, 1), "first": first,
                                 "follow_up": follow})
                    print(f"{question[:50]:50s} first token {first['first_token_ms']:.0f} ms, "
                          f"follow-up {follow['first_token_ms']:.0f} ms", file=sys.stderr)
                browser.close()
        finally:
            proc.terminate()
            proc.wait(30)

    def stats(values: list[float]) -> dict:
        return {"p50": _pct([v / 1000 for v in values], 50), "p95": _pct([v / 1000 for v in values], 95)}

    firsts = [r["first"] for r in runs]
    follows = [r["follow_up"] for r in runs]
    report = {
        "benchmark": "widget",
        "what": "Debian Chromium drives the real widget on a host page from another origin; times are "
                "measured in the page from sending the message (click or Enter) to the first answer text "
                "and to the finished answer",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_before": os.getloadavg()},
        "widget_js_bytes": len(script),
        "widget_js_gzip_bytes": len(gzip.compress(script, 9)),
        "questions": len(runs),
        "open_panel_ms": stats([r["open_ms"] for r in runs]),
        "new_conversation": {"click_to_first_token_ms": stats([f["first_token_ms"] for f in firsts]),
                             "click_to_answer_ms": stats([f["answer_ms"] for f in firsts]),
                             "errors": sum(f["error"] for f in firsts),
                             "with_sources": sum(f["sources"] > 0 for f in firsts)},
        "follow_up": {"click_to_first_token_ms": stats([f["first_token_ms"] for f in follows]),
                      "click_to_answer_ms": stats([f["answer_ms"] for f in follows]),
                      "errors": sum(f["error"] for f in follows)},
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "runs"}, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
