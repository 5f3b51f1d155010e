"""The ``helpdesk`` command: knowledge, answers and the server.

Errors are translated here, at the edge: bad usage or input exits 2 with a message on stderr,
any other helpdesk error exits 1. ``--json`` prints exactly one JSON object per result on stdout;
progress and messages go to stderr.
"""

from __future__ import annotations

import json
import os
import sys

from collections.abc import Callable, Iterator
from functools import wraps
from pathlib import Path

import click
from pydantic import ValidationError

from knowledge.errors import HelpdeskError, InputError

from .settings import Settings

__all__ = ["main"]


def _emit(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _errors(fn: Callable) -> Callable:
    """Translate helpdesk errors into exit codes and one-line messages."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except HelpdeskError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)

    return wrapper


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj["settings"]


def _knowledge(ctx: click.Context, kb: str | None):
    from .factory import knowledge_from_settings

    settings, kb, _ = _chosen(ctx, kb)
    return knowledge_from_settings(settings, kb, progress=True)


def _chosen(ctx: click.Context, kb: str | None):
    """(settings, knowledge base name, persona) of the bot ``--bot`` names, or of the default bot.

    Bots live in the server's database: the full command (``ui/cli.py``) gives
    ``obj["bot_profile"](settings, name)``, which answers that triple or raises InputError."""
    name = ctx.obj.get("bot")
    if name is None:
        return _settings(ctx), kb, None
    if kb is not None:
        raise InputError("give either --bot or --kb: a bot's knowledge base is the one named after it")
    profile = ctx.obj.get("bot_profile")
    if profile is None:
        raise InputError("--bot needs the bots of the server's database: run the full `helpdesk` command")
    return profile(_settings(ctx), name)


def _choose_bot(ctx: click.Context, _param, value: str | None) -> str | None:
    if value is not None:
        ctx.obj["bot"] = value
    return value


def kb_option(fn: Callable) -> Callable:
    """``--kb NAME`` and ``--bot NAME``: which knowledge base, or which bot (its knowledge base, model
    settings and persona), a command works with."""
    fn = click.option("--bot", default=None, expose_value=False, callback=_choose_bot,
                      help="The bot (helpdesk bots list): its knowledge base, model and persona.")(fn)
    return click.option("--kb", default=None, help="Knowledge base name (default: settings.kb).")(fn)


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="Data directory (default: $HELPDESK_DATA_DIR or ./helpdesk-data).")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None) -> None:
    """helpdesk: a customer-service chatbot that answers from your own knowledge."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        settings = Settings()
    except ValidationError as exc:  # names each bad variable, never its value: it may be a secret
        problems = "; ".join(f"HELPDESK_{'__'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
                             for e in exc.errors(include_input=False))
        raise click.UsageError(f"invalid settings: {problems}") from exc
    except Exception as exc:  # pydantic-settings' SettingsError names the variable it could not parse
        raise click.UsageError(f"invalid settings: {exc}") from exc
    if data_dir is not None:
        settings.data_dir = data_dir
    ctx.ensure_object(dict)["settings"] = settings  # beside what the caller passed as obj


def _is_url(arg: str) -> bool:
    return "://" in arg or arg.lower().startswith(("http:", "https:"))


# What a crawl's page statuses are called in the ingest report: a page that is gone was removed.
_STATUS = {"gone": "removed"}


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--max-pages", type=click.IntRange(1), default=None,
              help="Pages fetched per website (default: HELPDESK_SYNC__MAX_PAGES).")
@click.option("--depth", type=click.IntRange(0), default=None,
              help="Clicks from a start page a crawl follows (default: HELPDESK_SYNC__DEPTH).")
@kb_option
@json_option
@click.pass_context
@_errors
def ingest(ctx, paths: tuple[str, ...], max_pages: int | None, depth: int | None, kb: str | None,
           as_json: bool) -> None:
    """Add or update files, folders and websites (https://host/path/ or a sitemap.xml URL);
    unchanged ones are skipped."""
    from dataclasses import replace

    from knowledge.web import sync_site
    from knowledge.web.urls import normalise

    urls = [normalise(p) for p in paths if _is_url(p)]  # refuses ftp:, file: and other schemes
    files = [Path(p) for p in paths if not _is_url(p)]
    missing = [str(p) for p in files if not p.exists()]
    if missing:
        raise InputError(f"no such file or folder: {', '.join(missing)}")
    settings = _settings(ctx)
    options = settings.sync.options()
    options = replace(options, **{k: v for k, v in (("max_pages", max_pages), ("depth", depth)) if v is not None})
    k = _knowledge(ctx, kb)
    documents: list[dict] = []
    seconds = 0.0
    if files:
        report = k.ingest(files)
        documents += report.as_dict()["documents"]
        seconds += report.seconds

    def line(d: dict) -> str:
        return f"{d['status']:9} {d['source']}" + (f"  {d['error']}" if d["error"] else f"  ({d['chunks']} chunks)")

    def progress(page) -> None:  # the report's lines as pages come: on stderr when stdout is JSON
        d = {"source": page.source, "status": _STATUS.get(page.status, page.status), "chunks": page.chunks,
             "error": page.error}
        documents.append(d)
        click.echo(line(d), err=as_json)

    if not as_json:
        for d in documents:
            click.echo(line(d))
    for url in urls:
        click.echo(f"crawling {url} (at most {options.max_pages} pages, depth {options.depth})", err=True)
        seconds += sync_site(k, url, {}, options=options, progress=progress).seconds
    if as_json:
        _emit({"documents": documents, "seconds": round(seconds, 3)})
    click.echo(f"{len(documents)} documents in {seconds:.1f} s", err=True)
    if documents and all(d["status"] == "failed" for d in documents):
        sys.exit(2)


@main.command()
@kb_option
@json_option
@click.pass_context
@_errors
def docs(ctx, kb: str | None, as_json: bool) -> None:
    """List documents with their chunk counts and ingestion time."""
    k = _knowledge(ctx, kb)
    items = [d.as_dict() for d in k.documents()]
    if as_json:
        _emit({"documents": items})
        return
    if not items:
        click.echo("no documents yet: add some with `helpdesk ingest PATH`", err=True)
    for d in items:
        click.echo(f"{d['source']}\t{d['chunks']} chunks\t{d['faq']} faq\t{d['ingested_at']}")


@main.command()
@click.argument("source")
@kb_option
@click.pass_context
@_errors
def delete(ctx, source: str, kb: str | None) -> None:
    """Remove a document and every chunk of it."""
    info = _knowledge(ctx, kb).delete(source)
    click.echo(f"deleted {info.source} ({info.chunks} chunks)")


@main.command()
@click.argument("query", required=False)
@click.option("-k", "k", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option("--queries", type=click.File("r", encoding="utf-8"), default=None,
              help="A file with one query per line; prints one JSON object per line.")
@kb_option
@json_option
@click.pass_context
@_errors
def search(ctx, query: str | None, k: int, queries, kb: str | None, as_json: bool) -> None:
    """Show the chunks that best match a query."""
    if (query is None) == (queries is None):
        raise InputError("give either a QUERY or --queries FILE")
    know = _knowledge(ctx, kb)
    if queries is not None:
        for line in queries:
            text = line.rstrip("\n")
            hits = know.search(text, k) if text.strip() else []
            _emit({"hits": [h.as_dict() for h in hits]})
        return
    if not query.strip():
        raise InputError("the query is empty")
    hits = know.search(query, k)
    if as_json:
        _emit({"hits": [h.as_dict() for h in hits]})
        return
    for i, h in enumerate(hits, 1):
        where = f" ({h.chunk.location()})" if h.chunk.location() else ""
        click.echo(f"[{i}] {h.score:.2f}  {h.chunk.source}{where}")
        click.echo("    " + h.chunk.text[:300].replace("\n", " ") + ("…" if len(h.chunk.text) > 300 else ""))


def _bot(ctx: click.Context, kb: str | None):
    from .factory import build_bot

    # Where sessions are kept: ``obj["conversations"](settings)`` when the caller gives it (the
    # full command keeps them in the server's database), else in memory for this run.
    open_conversations = ctx.obj.get("conversations")
    settings, kb, persona = _chosen(ctx, kb)
    # a bot's sessions are recorded as its own (the kb of a chosen bot is its name)
    bot = kb if ctx.obj.get("bot") else None
    conversations = open_conversations(settings, bot) if open_conversations else None
    return build_bot(settings, kb_name=kb, progress=True, conversations=conversations, persona=persona)


def _question_lines(handle) -> Iterator[tuple[str, str | None]]:
    """Questions from a file: plain lines, or JSON lines {"question", "session"}."""
    for line in handle:
        line = line.rstrip("\n")
        if line.lstrip().startswith("{"):
            try:
                obj = json.loads(line)
            except ValueError as exc:
                raise InputError(f"invalid JSON line in questions file: {exc}") from exc
            yield str(obj.get("question", "")), obj.get("session")
        else:
            yield line, None


@main.command()
@click.argument("question", required=False)
@click.option("--session", "session", default=None, help="Continue this conversation.")
@click.option("--questions", type=click.File("r", encoding="utf-8"), default=None,
              help="One question per line (or JSON lines with question and session); JSON out.")
@kb_option
@json_option
@click.pass_context
@_errors
def ask(ctx, question: str | None, session: str | None, questions, kb: str | None, as_json: bool) -> None:
    """Answer a question from the knowledge base, with sources."""
    if (question is None) == (questions is None):
        raise InputError("give either a QUESTION or --questions FILE")
    bot = _bot(ctx, kb)
    if questions is not None:
        for q, sid in _question_lines(questions):
            try:
                _emit(bot.ask(q, sid or session).as_dict())
            except InputError as exc:
                _emit({"error": str(exc)})
        return
    if as_json:
        _emit(bot.ask(question, session).as_dict())
        return
    _print_stream(bot, question, session)


def _print_stream(bot, question: str, session: str | None) -> str:
    answer = None
    for event in bot.stream(question, session):
        if event.kind == "token":
            click.echo(event.data, nl=False)
        elif event.kind == "replace":
            click.echo("\r" + event.data, nl=False)
        elif event.kind == "error":
            click.echo(event.data, nl=False)
        elif event.kind == "done":
            answer = event.data
    click.echo()
    for s in answer.sources:
        where = f", {s['location']}" if s["location"] else ""
        click.echo(f"  [{s['n']}] {s['source']}{where}", err=True)
    return answer.session_id


@main.command()
@kb_option
@click.pass_context
@_errors
def chat(ctx, kb: str | None) -> None:
    """Chat in the terminal (answers stream; empty line or Ctrl-D quits)."""
    bot = _bot(ctx, kb)
    session = bot.conversations.new_session()
    click.echo("Ask a question (empty line to quit).", err=True)
    while True:
        try:
            question = input("> ")
        except EOFError:
            break
        if not question.strip():
            break
        try:
            session = _print_stream(bot, question, session)
        except InputError as exc:
            click.echo(f"error: {exc}", err=True)


@main.command(name="eval")
@click.argument("questions", type=click.File("r", encoding="utf-8"))
@kb_option
@json_option
@click.pass_context
@_errors
def eval_(ctx, questions, kb: str | None, as_json: bool) -> None:
    """Quality report on your own questions: JSON lines with facts, answers or unanswerable."""
    from .evaluate import evaluate, format_report, load_cases

    cases = load_cases(questions)
    bot = _bot(ctx, kb)

    def progress(i: int, n: int, row: dict) -> None:
        mark = "ok" if row["correct"] else ("refused" if row["refused"] else "wrong")
        click.echo(f"[{i}/{n}] {mark:7} {row['question'][:70]}", err=True)

    report = evaluate(bot, cases, progress)
    if as_json:
        _emit(report)
        return
    click.echo(format_report(report))


if __name__ == "__main__":
    main()
