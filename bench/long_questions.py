"""What one maximum-length question costs: retrieval and the whole answer, step by step.

A question of ``max_question_chars`` (4,000) characters, Chinese and English, against the demo
help center (bilingual) and its English half alone (where a Chinese question is also searched in
translation), with the packaged embedder and chat model. Every step that reads the question is
bounded (``knowledge/query.py``); this prints what each step takes.

    python -m bench.long_questions [--out FILE.json]

``bench/results/long_questions.json`` holds a run before and after the bounds, side by side.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEMO = ROOT / "bot" / "demo" / "kb"
ZH = "我的电水壶在使用三个月后出现漏水问题，底座也有些发烫，请问保修期内可以免费维修吗？需要提供什么材料？"
EN = ("My kettle started leaking after three months of use and the base gets hot; is it covered by the "
      "warranty, and what do I need to send to claim a free repair? ")
QUESTIONS = {
    "zh-4000": (ZH * 100)[:4000],
    "en-4000": (EN * 40)[:4000],
    "zh-short": ZH,
    "en-short": EN.strip(),
}


def _timed(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times), 3)


def measure(kb_dir: Path, data_dir: Path, model: str) -> dict:
    from bot.factory import build_bot
    from bot.settings import Settings
    from knowledge.keyword import tokenize

    bot = build_bot(Settings(data_dir=data_dir, model=model, server={"demo_kb": False}), progress=False)
    knowledge = bot.knowledge
    knowledge.ingest([kb_dir])
    out = {}
    for name, question in QUESTIONS.items():
        knowledge.search(question, 4)  # warm caches (jieba, the model's prompt cache)
        out[name] = {
            "embed_s": _timed(lambda: knowledge.embed_query(question)),
            "tokenize_s": _timed(lambda: tokenize(question)),
            "search_s": _timed(lambda: knowledge.search(question, 4)),
            "answer_s": _timed(lambda: bot.ask(question), repeat=1),
        }
        print(kb_dir.name, name, out[name], flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--model", default=str(ROOT / "tests" / "artifacts" / "models" /
                                           "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"))
    args = ap.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        english = Path(tmp) / "english"
        shutil.copytree(DEMO / "en", english / "en")
        for csv in DEMO.glob("*.csv"):
            shutil.copy(csv, english)
        results["bilingual"] = measure(DEMO, Path(tmp) / "data-bilingual", args.model)
        results["english"] = measure(english, Path(tmp) / "data-english", args.model)
    text = json.dumps(results, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
