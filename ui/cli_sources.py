"""``helpdesk sources add|list|remove`` and ``helpdesk sync``: websites and folders kept in step.

These need the server's database (where sources and their crawl state live), so they sit in the
ui layer and join bot's command group from ``ui/cli.py``; the sync itself is ``ui/sources.py``'s.
"""

from __future__ import annotations

import sys

import click

from bot.cli import _emit, _errors, json_option

__all__ = ["sources", "sync"]


def _sync(ctx: click.Context):
    from bot.factory import knowledge_from_settings

    from .sources import SourceSync
    from .storage import Storage

    settings = ctx.obj["settings"]
    storage = Storage.from_settings(settings)
    ctx.call_on_close(storage.close)
    return SourceSync(storage, settings, knowledge=lambda: knowledge_from_settings(settings, progress=True))


@click.group()
def sources() -> None:
    """Websites and folders kept in step with the knowledge base (`helpdesk sync`, or `serve`)."""


@sources.command("add")
@click.argument("location")
@click.option("--every", default="6h", show_default=True, help="How often to sync: 30m, 6h, 1d ...")
@json_option
@click.pass_context
@_errors
def add(ctx, location: str, every: str, as_json: bool) -> None:
    """Follow a website (https://host/path/ or a sitemap.xml URL) or a folder."""
    source = _sync(ctx).add(location, every)
    if as_json:
        _emit({"source": source})
        return
    click.echo(f"source {source['id']}: {source['kind']} {source['location']}, every {source['every']}; "
               "`helpdesk sync` syncs it now, `helpdesk serve` on its schedule")


@sources.command("list")
@json_option
@click.pass_context
@_errors
def list_(ctx, as_json: bool) -> None:
    """Sources with their interval, last sync and next run."""
    items = _sync(ctx).list()
    if as_json:
        _emit({"sources": items})
        return
    if not items:
        click.echo("no sources yet: add one with `helpdesk sources add URL|FOLDER`", err=True)
    for s in items:
        last = f"{s['last_status']} {s['last_sync']}: {s['last_message']}" if s["last_status"] else "never synced"
        click.echo(f"{s['id']}\t{s['kind']}\t{s['location']}\tevery {s['every']}\tlast: {last}\tnext: {s['next_run']}")


@sources.command("remove")
@click.argument("source_id", type=int)
@click.pass_context
@_errors
def remove(ctx, source_id: int) -> None:
    """Stop following a source (its documents stay; `helpdesk delete` removes one)."""
    source = _sync(ctx).remove(source_id)
    click.echo(f"removed source {source['id']} ({source['location']}); its documents stay in the knowledge base")


@click.command()
@json_option
@click.pass_context
@_errors
def sync(ctx, as_json: bool) -> None:
    """One pass over every source: added, updated, removed, unchanged and failed per source."""
    from .sources import summary

    syncer = _sync(ctx)
    results, failed = [], False
    progress = (lambda page: click.echo(f"  {page.status:9} {page.source}" + (f"  {page.error}" if page.error else ""),
                                        err=True))
    for source, report, error in syncer.sync_all(progress=progress):
        failed = failed or error is not None
        line = {"id": source["id"], "kind": source["kind"], "location": source["location"], "error": error}
        if report is not None:
            counts = report.counts()
            line.update(added=counts["added"], updated=counts["updated"], removed=counts["gone"],
                        unchanged=counts["unchanged"], failed=counts["failed"], seconds=round(report.seconds, 3))
        results.append(line)
        if not as_json:
            click.echo(f"source {source['id']} {source['location']}: "
                       + (summary(report) if report is not None else f"error: {error}"))
    if as_json:
        _emit({"sources": results})
    elif not results:
        click.echo("no sources yet: add one with `helpdesk sources add URL|FOLDER`", err=True)
    if failed:
        sys.exit(1)
