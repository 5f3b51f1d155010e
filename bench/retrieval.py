"""Retrieval quality on XQuAD: helpdesk's knowledge base against the tutorial LangChain pipeline.

For every question: do the top-k retrieved chunks contain a gold answer? English and Chinese
knowledge bases apart, plus across languages (English questions against the Chinese knowledge,
judged by the Chinese answers of the same question, and the reverse). The tutorial pipeline is
what users write by hand: RecursiveCharacterTextSplitter(1000, 200) -> Chroma with
all-MiniLM-L6-v2 -> top 4. With ``--translate`` the cross-language questions are run once more
the way the bot searches them: also in the packaged chat model's translation, rankings summed.

    python bench/retrieval.py [--limit N] [--embedder NAME] [--translate] [--runs NAME ...]
                              [--skip-tutorial] [--out bench/results/retrieval.json]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.xquad import contains_answer, emit, load, tutorial_store, write_articles  # noqa: E402


def ours(args, tmp: Path) -> dict:
    from knowledge import open_knowledge
    from knowledge.embedders import make_embedder
    from knowledge.splitting import embedding_text

    embedder = make_embedder(args.embedder)

    def knowledge(lang: str, translator=None):
        # Measured both ways: questions are translated into the knowledge's language (the bot's default is "en").
        return open_knowledge(tmp / "ours", embedder=embedder, name=f"xquad-{lang}", chunk_tokens=args.chunk_tokens,
                              keyword_weight=args.keyword_weight, translator=translator, translate_into={lang},
                              progress=False)

    out: dict = {}
    bases, questions = {}, {}
    for lang in ("en", "zh"):
        articles, qs = load(lang)
        questions[lang] = qs[: args.limit] if args.limit else qs
        k = knowledge(lang)
        t0 = time.perf_counter()
        report = k.ingest([write_articles(articles, tmp / "files" / lang)])
        chunks = [c for d in k.documents() for c in k.chunks_of(d.source)]
        longest = max(embedder.count_tokens(embedding_text(c)) for c in chunks)
        out[f"ingest_{lang}"] = {"seconds": round(time.perf_counter() - t0, 1),
                                 "chunks": len(chunks), "longest_chunk_tokens": longest,
                                 "window": embedder.max_tokens,
                                 "failed": len(report.failed)}
        bases[lang] = k
    by_id = {lang: {q.qid: q for q in questions[lang]} for lang in questions}
    runs = {"en": ("en", "en"), "zh": ("zh", "zh"), "en->zh": ("en", "zh"), "zh->en": ("zh", "en")}
    if args.translate:
        # What the bot does: questions in a language the knowledge base hardly holds are also
        # searched in the packaged chat model's translation.
        from bot.factory import question_translator
        from bot.generators import make_generator
        from bot.settings import Settings

        translator = question_translator(make_generator(Settings(data_dir=tmp / "ours")))
        translated = {lang: knowledge(lang, translator) for lang in ("en", "zh")}
        runs |= {"en->zh translated": ("en", "zh"), "zh->en translated": ("zh", "en")}
    runs = {name: run for name, run in runs.items() if not args.runs or name in args.runs}
    for name, (qlang, kblang) in runs.items():
        kb = translated[kblang] if name.endswith("translated") else bases[kblang]
        h1 = h4 = n = 0
        top_scores = []
        t0 = time.perf_counter()
        for q in questions[qlang]:
            gold = by_id[kblang].get(q.qid)
            if gold is None:
                continue
            hits = kb.search(q.question, 4)
            n += 1
            h1 += bool(hits) and contains_answer(hits[0].chunk.text, gold.answers)
            h4 += any(contains_answer(h.chunk.text, gold.answers) for h in hits)
            top_scores.append(hits[0].score if hits else 0.0)
        out[name] = {"questions": n, "hit@1": round(h1 / n, 3), "hit@4": round(h4 / n, 3),
                     "ms_per_query": round((time.perf_counter() - t0) * 1000 / n, 1),
                     "median_top_score": round(sorted(top_scores)[len(top_scores) // 2], 3)}
        print(f"ours {name}: {out[name]}", file=sys.stderr)
    return out


def tutorial(args, tmp: Path) -> dict:
    """The hand-written LangChain pipeline users start from."""
    out = {}
    for lang in ("en", "zh"):
        articles, qs = load(lang)
        qs = qs[: args.limit] if args.limit else qs
        store = tutorial_store(articles, f"tutorial-{lang}", tmp / "tutorial")
        h1 = h4 = 0
        for q in qs:
            hits = store.similarity_search(q.question, k=4)
            h1 += bool(hits) and contains_answer(hits[0].page_content, q.answers)
            h4 += any(contains_answer(h.page_content, q.answers) for h in hits)
        out[lang] = {"questions": len(qs), "hit@1": round(h1 / len(qs), 3), "hit@4": round(h4 / len(qs), 3)}
        print(f"tutorial {lang}: {out[lang]}", file=sys.stderr)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=0, help="questions per language (0 = all 1,190)")
    ap.add_argument("--embedder", default="multilingual-e5-small")
    ap.add_argument("--chunk-tokens", type=int, default=300)
    ap.add_argument("--keyword-weight", type=float, default=1.5)
    ap.add_argument("--skip-tutorial", action="store_true")
    ap.add_argument("--translate", action="store_true",
                    help="also run the cross-language questions with question translation (the bot's search)")
    ap.add_argument("--runs", nargs="+", default=None,
                    help="only these runs, e.g. 'zh->en translated' (default: all)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = {"config": vars(args) | {"out": str(args.out)}, "ours": ours(args, Path(tmp))}
        if not args.skip_tutorial:
            result["tutorial"] = tutorial(args, Path(tmp))
    emit(result, args.out)


if __name__ == "__main__":
    main()
