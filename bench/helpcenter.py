"""Help centers: the demo set, helpcenter-dev and our held-out set, for every answer style, scored as
`helpdesk eval` does.

Sets: ``demo`` (the bundled Lumen & Leaf knowledge base and ``bot/demo/questions.jsonl``), ``dev``
(``--dev PATH``, default ``../shared/eval/helpcenter-dev``: its ``kb/en`` and ``kb/zh`` ingested
into one knowledge base, and its ``questions.jsonl``) and ``holdout`` (``bench/holdout``: a help
center written for this project and never tuned on, see its README). Each set is ingested once; every style then
answers it. A style is a set of settings overrides (``STYLES``, one line each); a generator is
loaded once per model and shared by the styles that use it.

Writes ``bench/results/helpcenter.json`` (per set and style: the report and every question's answer,
refused and correct flags, missing facts and timings; entries of earlier runs for other sets or
styles are kept) and prints a table. Progress goes to stderr.

    python bench/helpcenter.py [--styles extract,generate,generate-1.5b] [--sets demo,dev,holdout]
                               [--limit N] [--lang en|zh] [--dev PATH] [--out FILE] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from itertools import zip_longest
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.evaluate import evaluate, load_cases  # noqa: E402

STYLES: dict[str, dict[str, Any]] = {
    "extract": {"answer_style": "extract"},  # quotes, packaged 0.5B (for translations)
    "generate": {"answer_style": "generate"},  # the packaged 0.5B writes
    "generate-1.5b": {"answer_style": "generate", "model": "qwen2.5-coder-1.5b"},  # the packaged 1.5B writes
    "compose": {"answer_style": "compose"},  # the 0.5B rewrites the quoted blocks, kept if grounded
    "compose-1.5b": {"answer_style": "compose", "model": "qwen2.5-coder-1.5b"},  # the same with the 1.5B
}
"""Answer styles: settings overrides by name. Adding one is one line here."""

DEMO = ROOT / "bot" / "demo"
DEV = ROOT.parent / "shared" / "eval" / "helpcenter-dev"
HOLDOUT = ROOT / "bench" / "holdout"
RESULTS = ROOT / "bench" / "results" / "helpcenter.json"


def sets(names: list[str], dev: Path) -> dict[str, tuple[list[Path], Path]]:
    """Each set's knowledge paths and questions file."""
    known = {"demo": ([DEMO / "kb"], DEMO / "questions.jsonl"),
             "dev": ([dev / "kb" / "en", dev / "kb" / "zh"], dev / "questions.jsonl"),
             "holdout": ([HOLDOUT / "kb" / "en", HOLDOUT / "kb" / "zh"], HOLDOUT / "questions.jsonl")}
    for name in names:
        if name not in known:
            raise SystemExit(f"unknown set {name!r} (known: {', '.join(known)})")
        for path in [*known[name][0], known[name][1]]:
            if not path.exists():
                raise SystemExit(f"set {name}: {path} does not exist")
    return {name: known[name] for name in names}


def subset(cases: list[dict], lang: str | None, limit: int | None) -> list[dict]:
    """The cases of one language, and at most ``limit`` of them, taken in turn from each (language,
    type) so a short run still sees every kind; a follow-up pair is kept whole."""
    units: list[list[dict]] = []
    by_session: dict[str, list[dict]] = {}
    for case in cases:
        if lang and case.get("lang", lang) != lang:
            continue
        if "session" in case and case["session"] in by_session:
            by_session[case["session"]].append(case)
            continue
        unit = [case]
        if "session" in case:
            by_session[case["session"]] = unit
        units.append(unit)
    if limit is None:
        return [c for unit in units for c in unit]
    groups: dict[str, dict[str, list[list[dict]]]] = {}  # language -> kind -> units, in file order
    for unit in units:
        kind = "followup" if len(unit) > 1 else unit[0].get("type", "")
        groups.setdefault(unit[0].get("lang", ""), {}).setdefault(kind, []).append(unit)
    by_lang = [list(kinds.values()) for kinds in groups.values()]
    queues = [q for row in zip_longest(*by_lang) for q in row if q]  # en fact, zh fact, en procedure, ...
    chosen: list[list[dict]] = []
    while queues and sum(map(len, chosen)) < limit:
        for queue in queues:
            if queue and sum(map(len, chosen)) < limit:
                chosen.append(queue.pop(0))
        queues = [q for q in queues if q]
    keep = {id(c) for unit in chosen for c in unit}
    return [c for c in cases if id(c) in keep]  # in file order: a pair's question before its follow-up


def _progress(tag: str):
    def show(i: int, n: int, row: dict) -> None:
        mark = "ok" if row["correct"] else ("refused" if row["refused"] else "wrong")
        print(f"[{tag} {i}/{n}] {mark:7} {row['timings_ms'].get('total', 0) / 1000:5.2f}s "
              f"{row['lang']} {row['type']:11} {row['question'][:60]}", file=sys.stderr, flush=True)
    return show


def run(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Every chosen set and style: ``{set: {style: report}}``."""
    from bot.factory import build_bot, knowledge_from_settings
    from bot.generators import make_generator
    from bot.settings import Settings

    chosen = sets(args.sets, args.dev)
    results: dict[str, dict[str, Any]] = {name: {} for name in chosen}
    generators: dict[tuple, Any] = {}
    with tempfile.TemporaryDirectory(prefix="helpcenter-") as tmp:
        data = args.data_dir or Path(tmp)
        for name, (paths, questions) in chosen.items():
            t0 = time.perf_counter()
            knowledge = knowledge_from_settings(Settings(data_dir=data), name, progress=False)
            report = knowledge.ingest(paths)
            failed = [d for d in report.documents if d.status == "failed"]
            for d in failed:
                print(f"[{name}] not ingested: {d.source}: {d.error}", file=sys.stderr)
            statuses = Counter(d.status for d in report.documents)
            print(f"[{name}] {len(report.documents)} documents ({', '.join(f'{n} {k}' for k, n in statuses.items())}) "
                  f"in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        styles = {style: Settings(data_dir=data, **STYLES[style]) for style in args.styles}
        models = [(st.generator, st.model) for st in styles.values()]
        for i, (style, settings) in enumerate(styles.items()):
            key = models[i]
            if key not in generators:
                generators[key] = make_generator(settings)
            for name, (_, questions) in chosen.items():
                cases = subset(load_cases(questions.open(encoding="utf-8")), args.lang, args.limit)
                bot = build_bot(settings, kb_name=name, progress=False, generator=generators[key])
                bot.ask("warm-up question")  # loads the model and caches the system prompt
                report = evaluate(bot, cases, _progress(f"{name} {style}"))
                report["run"] = {"questions": str(questions), "limit": args.limit, "lang": args.lang,
                                 "settings": STYLES[style], "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
                results[name][style] = report
            if key not in models[i + 1:]:
                del generators[key]  # free the model before the next one loads
    return results


def table(results: dict[str, dict[str, Any]]) -> str:
    """One line per set, style and language: the figures the targets name."""
    head = (f"{'set':5} {'style':14} {'lang':4} {'n':>4} {'correct':>7} {'ans.ref':>7} {'near-d':>6} "
            f"{'off-t':>6} {'follow':>6} {'1st p50':>7} {'all p50':>7}")
    out = [head]
    for name, styles in results.items():
        for style, report in styles.items():
            for lang, s in [("all", report["summary"]), *report["by_language"].items()]:
                f = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
                ms = lambda v: "-" if v is None else f"{v / 1000:.2f}s"  # noqa: E731
                out.append(f"{name:5} {style:14} {lang:4} {s['questions']:>4} {f(s['accuracy']):>7} "
                           f"{f(s['false_refusals']):>7} {f(s['near_domain_refused']):>6} "
                           f"{f(s['off_topic_refused']):>6} {f(s['followups_correct']):>6} "
                           f"{ms(s['first_token_p50_ms']):>7} {ms(s['total_p50_ms']):>7}")
    out.append("")
    out.append("correct by type (" + ", ".join(f"{n}/{s}" for n, st in results.items() for s in st) + "):")
    for name, styles in results.items():
        for style, report in styles.items():
            cells = [f"{t} {v['correct']:.2f} ({v['questions']})" for t, v in report["by_type"].items()]
            out.append(f"{name:5} {style:14} " + ", ".join(cells))
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--styles", default=",".join(STYLES), help=f"comma-separated, of {', '.join(STYLES)}")
    ap.add_argument("--sets", default="demo,dev,holdout", help="comma-separated, of demo, dev, holdout")
    ap.add_argument("--limit", type=int, default=None, help="at most N questions per set (a quick run)")
    ap.add_argument("--lang", choices=["en", "zh"], default=None, help="only the questions in this language")
    ap.add_argument("--dev", type=Path, default=DEV, help="the helpcenter-dev folder (kb/, questions.jsonl)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--data-dir", type=Path, default=None,
                    help="keep the knowledge bases and assembled models here between runs (default: a temporary "
                         "folder); unchanged pages are not ingested again")
    args = ap.parse_args()
    args.styles = [s for s in args.styles.split(",") if s]
    args.sets = [s for s in args.sets.split(",") if s]
    unknown = [s for s in args.styles if s not in STYLES]
    if unknown:
        raise SystemExit(f"unknown style(s) {unknown} (known: {', '.join(STYLES)})")
    if args.limit is not None and args.limit < 1:
        raise SystemExit("--limit must be at least 1")

    results = run(args)
    stored = json.loads(args.out.read_text("utf-8")) if args.out.exists() else {}
    for name, styles in results.items():
        stored.setdefault(name, {}).update(styles)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(stored, indent=1, ensure_ascii=False) + "\n", "utf-8")
    print(table(results))
    print(f"written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
