"""Answer quality on XQuAD: helpdesk's Bot against the tutorial LangChain pipeline, same model.

Per language: the knowledge base holds every article but 6 held out; 100 answerable questions
(from kept articles) and 50 from held-out articles (which must be refused), fixed seed.
An answer counts as correct when it contains a gold answer and is concise (<= 300 characters in
English, 150 in Chinese, citation marks aside). The tutorial pipeline: articles ->
RecursiveCharacterTextSplitter(1000, 200) -> Chroma with all-MiniLM-L6-v2 -> top 4 -> a "stuff"
prompt -> the same packaged model through llama.cpp.

With ``--cross`` the same questions are asked in the other language (English questions of the
Chinese knowledge base, and the reverse) and judged by that language's gold answers: the answer
must come back in the customer's language.

    python bench/answers.py [--answerable 100] [--held-out 50] [--answer-style extract] [--cross]
                            [--skip-tutorial] [--out bench/results/answers.json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.xquad import emit, load, tutorial_store, write_articles  # noqa: E402
from bot.evaluate import concise, contains_gold  # noqa: E402
from bot.replies import is_refusal  # noqa: E402
from knowledge.errors import ModelError  # noqa: E402

HELD_OUT = 6


def pick(lang: str, n_ok: int, n_out: int, seed: int):
    """Articles to keep, answerable and held-out questions (same choice for both pipelines)."""
    articles, questions = load(lang)
    rng = random.Random(seed)
    held = set(rng.sample(sorted(articles), HELD_OUT))
    ok = [q for q in questions if q.article not in held]
    out = [q for q in questions if q.article in held]
    return articles, held, rng.sample(ok, n_ok), rng.sample(out, n_out)


def run_ours(lang, articles, held, ok, out, tmp: Path, generator, style: str = "auto") -> dict:
    from bot.factory import build_bot
    from bot.settings import Settings

    settings = Settings(data_dir=tmp / "ours", answer_style=style)
    bot = build_bot(settings, kb_name=f"xq-{lang}", progress=False, generator=generator)
    bot.knowledge.ingest([write_articles(articles, tmp / "files" / lang, skip=held)])
    bot.ask("warm-up question")  # loads the model and caches the system prompt
    return score([(q, bot.ask(q.question)) for q in ok], [(q, bot.ask(q.question)) for q in out])


def run_tutorial(lang, articles, held, ok, out, tmp: Path, generator) -> dict:
    """The pipeline users write by hand, on the same model."""
    store = tutorial_store({k: t for k, t in articles.items() if k not in held}, f"tutorial-{lang}",
                           tmp / "tutorial")

    class Result:
        def __init__(self, answer, refused, first, total):
            self.answer, self.refused = answer, refused
            self.timings_ms = {"first_token": first, "total": total}

    def ask(question: str) -> Result:
        t0 = time.perf_counter()
        context = "\n\n".join(d.page_content for d in store.similarity_search(question, k=4))
        prompt = ("Use the following pieces of context to answer the question at the end. If you "
                  "don't know the answer, just say that you don't know, don't try to make up an "
                  f"answer.\n\n{context}\n\nQuestion: {question}\nHelpful Answer:")
        first, pieces = None, []
        try:
            for piece in generator.stream([{"role": "user", "content": prompt}], max_tokens=256):
                first = first or (time.perf_counter() - t0) * 1000
                pieces.append(piece)
        except ModelError:  # four 1,000-character Chinese chunks overflow a 2,048-token context
            pieces = ["(error: the prompt does not fit the model's context)"]
        answer = "".join(pieces).strip()
        return Result(answer, is_refusal(answer), first or 0.0, (time.perf_counter() - t0) * 1000)

    return score([(q, ask(q.question)) for q in ok], [(q, ask(q.question)) for q in out])


def score(answered, held_out) -> dict:
    correct = sum((not a.refused) and concise(a.answer) and contains_gold(a.answer, q.answers)
                  for q, a in answered)
    contains = sum(contains_gold(a.answer, q.answers) for q, a in answered)
    all_rows = answered + held_out
    first = [a.timings_ms.get("first_token", 0.0) for _, a in answered]
    total = [a.timings_ms.get("total", 0.0) for _, a in answered]
    return {
        "answerable": len(answered),
        "held_out": len(held_out),
        "correct_and_concise": round(correct / len(answered), 3),
        "contains_gold_any_length": round(contains / len(answered), 3),
        "refused_held_out": round(sum(a.refused for _, a in held_out) / len(held_out), 3),
        "refused_answerable": round(sum(a.refused for _, a in answered) / len(answered), 3),
        "first_token_p50_ms": round(statistics.median(first), 1),
        "total_p50_ms": round(statistics.median(total), 1),
        "total_p50_ms_all": round(statistics.median(a.timings_ms.get("total", 0.0) for _, a in all_rows), 1),
        "rows": [{"q": q.question, "gold": q.answers, "answer": a.answer, "refused": a.refused,
                  "correct": (not a.refused) and concise(a.answer) and contains_gold(a.answer, q.answers)}
                 for q, a in answered + held_out],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--answerable", type=int, default=100)
    ap.add_argument("--held-out", type=int, default=50)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--langs", nargs="+", default=["en", "zh"])
    ap.add_argument("--answer-style", choices=["auto", "generate", "extract"], default="auto",
                    help="how our Bot answers (the answer_style setting; auto quotes with the packaged models)")
    ap.add_argument("--cross", action="store_true",
                    help="ask in the other language instead (the tutorial is skipped)")
    ap.add_argument("--skip-tutorial", action="store_true")
    ap.add_argument("--tutorial-share", type=float, default=1.0,
                    help="run the tutorial on this share of the same questions (it is slow: ~1,000-token prompts)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    from bot.generators import make_generator
    from bot.settings import Settings

    generator = make_generator(Settings())  # one model instance for both pipelines
    result: dict = {"config": {k: str(v) for k, v in vars(args).items()}}
    with tempfile.TemporaryDirectory() as tmp:
        for lang in args.langs:
            chosen = pick(lang, args.answerable, args.held_out, args.seed)
            name = lang
            if args.cross:  # the same questions, asked in the other language
                other = "zh" if lang == "en" else "en"
                asked = {q.qid: q for q in load(other)[1]}
                articles, held, ok, out = chosen
                chosen = (articles, held, [asked[q.qid] for q in ok if q.qid in asked],
                          [asked[q.qid] for q in out if q.qid in asked])
                name = f"{other}->{lang}"
            result[f"ours_{name}"] = run_ours(lang, *chosen, Path(tmp), generator, args.answer_style)
            print(f"ours {name}: {json.dumps({k: v for k, v in result[f'ours_{name}'].items() if k != 'rows'})}",
                  file=sys.stderr)
            if not args.skip_tutorial and not args.cross:
                articles, held, ok, out = chosen
                cut = args.tutorial_share
                result[f"tutorial_{lang}"] = run_tutorial(lang, articles, held, ok[: round(len(ok) * cut)],
                                                          out[: round(len(out) * cut)], Path(tmp), generator)
                print(f"tutorial {lang}: {json.dumps({k: v for k, v in result[f'tutorial_{lang}'].items() if k != 'rows'})}",
                      file=sys.stderr)
    emit(result, args.out)


if __name__ == "__main__":
    main()
