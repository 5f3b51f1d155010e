"""Ingestion throughput against the raw embedder on the same texts, in the same run.

The embedder should be the limit: everything else ingestion does (loading, splitting, token
counting, keyword tokens, Chroma writes, the manifest) must be nearly free. We generate a help
center of N short sections (one chunk each, English and Chinese mixed), ingest it with
``KnowledgeBase.ingest``, then embed exactly the same texts with the bare embedder (each chunk and
each of its sentences, as ingestion does: ``splitting.sentence_texts``), and report the ratio of
the two throughputs and the time for all N chunks.

    python bench/ingest.py [--chunks 10000] [--out bench/results/ingest.json]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.xquad import emit  # noqa: E402

PRODUCTS = ["kettle", "teapot", "tea maker", "milk frother", "gift card", "tea tin", "cup set"]
ACTIONS = ["return", "repair", "clean", "descale", "register", "replace", "ship", "exchange"]
ZH_PRODUCTS = ["电水壶", "茶壶", "泡茶机", "奶泡机", "礼品卡", "茶叶罐", "杯具套装"]
ZH_ACTIONS = ["退货", "维修", "清洁", "除垢", "注册", "更换", "寄送", "换货"]


def make_corpus(folder: Path, n: int, per_file: int = 100, seed: int = 3) -> None:
    """Markdown files with ``n`` short sections in all, about a fifth of them Chinese."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for f in range(0, n, per_file):
        lines = [f"# Help topic {f // per_file}"]
        for i in range(f, min(n, f + per_file)):
            if i % 5 == 4:
                p, a = rng.choice(ZH_PRODUCTS), rng.choice(ZH_ACTIONS)
                lines.append(f"## {p}{a} {i}\n\n如需{a}{p}，请在{rng.randint(2, 60)}天内登录账户提交申请，"
                             f"编号{i}。我们会在{rng.randint(1, 9)}个工作日内回复，运费为{rng.randint(3, 15)}欧元。")
            else:
                p, a = rng.choice(PRODUCTS), rng.choice(ACTIONS)
                lines.append(f"## How to {a} a {p} ({i})\n\nTo {a} your {p}, sign in within "
                             f"{rng.randint(2, 60)} days and open request {i}. We answer within "
                             f"{rng.randint(1, 9)} working days; the fee is {rng.randint(3, 15)} euros.")
        (folder / f"topic-{f // per_file:04d}.md").write_text("\n\n".join(lines) + "\n", "utf-8")


CHUNK_TOKENS = 300


def chunks_of_corpus(corpus: Path, embedder):
    """The chunks ingestion will make of the corpus (same loader, splitter and budget)."""
    from knowledge.loaders import iter_files, load_file
    from knowledge.splitting import split

    out = []
    for path in iter_files([corpus]):
        loaded = load_file(path, source=path.name)
        out.extend(split(loaded.documents, embedder.count_tokens, CHUNK_TOKENS))
    return out


def _raw(embedder, texts: list[str]) -> float:
    t0 = time.perf_counter()
    for i in range(0, len(texts), 64):
        embedder.embed(texts[i : i + 64])
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chunks", type=int, default=10000)
    ap.add_argument("--embedder", default="multilingual-e5-small")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()

    from knowledge import open_knowledge
    from knowledge.embedders import make_embedder
    from knowledge.splitting import embedding_text, sentence_texts

    embedder = make_embedder(args.embedder)
    embedder.embed(["warm-up"])
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        make_corpus(corpus, args.chunks)
        kb = open_knowledge(Path(tmp) / "data", embedder=embedder, name="bench", chunk_tokens=CHUNK_TOKENS)
        chunks = chunks_of_corpus(corpus, embedder)
        texts = [embedding_text(c) for c in chunks] + [s for c in chunks for s in sentence_texts(c)]
        # Raw embedding before and after ingestion: the machine's speed may drift during a long
        # run, and the mean of the two brackets the ingestion in between.
        raw_before = _raw(embedder, texts)
        t0 = time.perf_counter()
        report = kb.ingest([corpus])
        ingest_s = time.perf_counter() - t0
        assert not report.failed, report.failed[:3]
        raw_after = _raw(embedder, texts)
        raw_s = (raw_before + raw_after) / 2
        t0 = time.perf_counter()
        again = kb.ingest([corpus])
        noop_s = time.perf_counter() - t0
        stored = sum(d.chunks for d in kb.documents())
    result = {
        "embedder": embedder.name,
        "chunks": stored,
        "sentence_vectors": len(texts) - len(chunks),
        "ingest_seconds": round(ingest_s, 1),
        "raw_embed_seconds": round(raw_s, 1),
        "raw_embed_seconds_before_after": [round(raw_before, 1), round(raw_after, 1)],
        "ingest_chunks_per_s": round(len(chunks) / ingest_s, 1),
        "raw_chunks_per_s": round(len(chunks) / raw_s, 1),
        "throughput_ratio": round(raw_s / ingest_s, 3),
        "reingest_unchanged_seconds": round(noop_s, 2),
        "all_unchanged": {d.status for d in again.documents} == {"unchanged"},
    }
    emit(result, args.out)


if __name__ == "__main__":
    main()
