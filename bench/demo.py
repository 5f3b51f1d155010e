"""The demo help center's own questions (`bot/demo/questions.jsonl`), as `helpdesk eval` scores them.

30 answerable questions (English and Chinese) and 8 that the demo knowledge base cannot answer,
asked of a Bot over the bundled demo knowledge base with the packaged model, once per answer style.

    python bench/demo.py [--styles extract generate] [--out bench/results/demo.json]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.xquad import emit  # noqa: E402
from bot.evaluate import evaluate, load_cases  # noqa: E402

DEMO = Path(__file__).resolve().parents[1] / "bot" / "demo"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--styles", nargs="+", default=["extract", "generate"])
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    from bot.factory import build_bot
    from bot.generators import make_generator
    from bot.settings import Settings

    cases = load_cases((DEMO / "questions.jsonl").open(encoding="utf-8"))
    result: dict = {"questions": str(DEMO / "questions.jsonl")}
    with tempfile.TemporaryDirectory() as tmp:
        generator = make_generator(Settings(data_dir=Path(tmp)))
        for style in args.styles:
            settings = Settings(data_dir=Path(tmp) / style, answer_style=style)
            bot = build_bot(settings, progress=False, generator=generator)
            bot.knowledge.ingestor.ingest([DEMO / "kb"])
            bot.ask("warm-up question")
            result[style] = evaluate(bot, cases)
            print(style, result[style]["summary"], file=sys.stderr)
    emit(result, args.out)


if __name__ == "__main__":
    main()
