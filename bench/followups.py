"""Follow-up questions: the rule in bot/conversation.py against rewriting by the chat model.

On the demo help center, each case is a first question and a follow-up that only makes sense
with it; the right answer lives in ``source``. We search with (a) the follow-up as typed, (b) the
rule's standalone question, (c) the model's rewrite, and count how often the top hit comes from
the right document, with the time each rewrite costs.

    python bench/followups.py [--out bench/results/followups.json]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.xquad import emit  # noqa: E402

DEMO = Path(__file__).resolve().parents[1] / "bot" / "demo" / "kb"

CASES = [
    ("How long is the warranty on the kettle?", "And how do I claim it?", "en/warranty.md"),
    ("How much is express delivery?", "Which countries can get it?", "en/shipping.md"),
    ("How do I reset my password?", "How long is the link valid?", "en/account.md"),
    ("Can I return opened tea?", "And how long does the refund take?", "en/returns.md"),
    ("What does the Lumen Tea Maker cost?", "Is it in stock?", "prices.csv"),
    ("How long does delivery to Shanghai take?", "And what does it cost?", "zh/配送.md"),
    ("How do I descale the kettle?", "How often should I do that?", "en/products.md"),
    ("What are Leaf Points?", "How many do I need for a voucher?", "en/account.md"),
    ("电水壶保修多久？", "那怎么申请？", "zh/保修.md"),
    ("寄到上海要多久？", "运费是多少？", "zh/配送.md"),
    ("怎么重置密码？", "验证码多长时间有效？", "zh/账户.md"),
    ("退货期限是多久？", "退款多久到账？", "zh/退货.md"),
]

REWRITE = ("Rewrite the last question so that it can be understood without the conversation. "
           "Reply with the rewritten question only.")


def model_rewrite(generator, first: str, follow: str) -> str:
    """The chat model's standalone version of ``follow``."""
    messages = [{"role": "system", "content": REWRITE},
                {"role": "user", "content": f"Conversation:\nQ: {first}\n\nLast question: {follow}"}]
    return generator.complete(messages, max_tokens=40, stop=["\n"]).strip() or follow


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    from bot.conversation import Turn, standalone_question
    from bot.factory import build_bot
    from bot.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        bot = build_bot(Settings(data_dir=Path(tmp)), progress=False)
        bot.knowledge.ingest([DEMO])
        search = bot.knowledge.search
        model_rewrite(bot.generator, "warm up", "warm up")
        right = {"as_typed": 0, "rule": 0, "model": 0}
        cost = {"rule": 0.0, "model": 0.0}
        rows = []
        for first, follow, source in CASES:
            t0 = time.perf_counter()
            rule = standalone_question(follow, [Turn(first, first, "")])
            t1 = time.perf_counter()
            model = model_rewrite(bot.generator, first, follow)
            t2 = time.perf_counter()
            cost["rule"] += t1 - t0
            cost["model"] += t2 - t1
            row = {"follow_up": follow, "rule": rule, "model": model}
            for name, query in (("as_typed", follow), ("rule", rule), ("model", model)):
                hit = search(query, 1)
                ok = bool(hit) and hit[0].chunk.source == source
                right[name] += ok
                row[f"{name}_ok"] = ok
            rows.append(row)
    n = len(CASES)
    emit({"cases": n, "top1_right_source": {k: round(v / n, 3) for k, v in right.items()},
          "ms_per_rewrite": {k: round(v * 1000 / n, 1) for k, v in cost.items()}, "rows": rows}, args.out)


if __name__ == "__main__":
    main()
