"""``helpdesk users add|list|remove|reset-password|token``: staff accounts of the console and API.

They need the server's database, so they sit in the ui layer and join bot's command group from
``ui/cli.py``; the work is ``ui/staff.py``'s. Changes made here appear in the audit log with the
actor ``cli`` (whoever can run the command on the server's host). Secrets are printed once.
"""

from __future__ import annotations

import sys

import click

from bot.cli import _emit, _errors, json_option

__all__ = ["users"]

ACTOR = "cli"


def _staff(ctx: click.Context):
    from .service import Service

    service = Service.from_settings(ctx.obj["settings"])
    ctx.call_on_close(service.storage.close)
    return service


def _password_stdin() -> str:
    """The first line of standard input, without its line break (for scripts: ``--password-stdin``)."""
    return sys.stdin.readline().rstrip("\r\n")


@click.group()
def users() -> None:
    """Staff accounts: admins do everything, agents answer conversations."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "agent"]), required=True, help="admin or agent.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of generating one.")
@click.option("--bots", default="", help="Comma-separated bots the account works for (default: every bot).")
@click.pass_context
@_errors
def add(ctx, name: str, role: str, password_stdin: bool, bots: str) -> None:
    """Add an account; prints the generated password once."""
    account, generated = _staff(ctx).staff.add(name, role, _password_stdin() if password_stdin else None,
                                               actor=ACTOR, bots=bots)
    click.echo(f"added {account['role']} {account['name']}"
               + (f" (bots: {', '.join(account['bots'])})" if account["bots"] else ""))
    if generated:
        click.echo(f"password: {generated}  (shown once; `helpdesk users reset-password {account['name']}` "
                   "makes a new one)")


@users.command("list")
@json_option
@click.pass_context
@_errors
def list_(ctx, as_json: bool) -> None:
    """Accounts with role, language, token and last sign-in."""
    service = _staff(ctx)
    accounts = service.storage.users.list()
    if as_json:
        _emit({"users": accounts, "bootstrap_admin": service.auth.user})
        return
    click.echo(f"{service.auth.user}  admin  (bootstrap admin: HELPDESK_ADMIN_PASSWORD / HELPDESK_ADMIN_API_KEY)")
    for a in accounts:
        flags = ", ".join(f for f, on in (("token", a["has_token"]), ("disabled", a["disabled"])) if on)
        click.echo(f"{a['name']}  {a['role']}  language={a['language'] or 'browser'}  "
                   f"last sign-in={a['signed_in_at'] or 'never'}  bots={','.join(a['bots']) or 'all'}"
                   + (f"  ({flags})" if flags else ""))


@users.command("remove")
@click.argument("name")
@click.pass_context
@_errors
def remove(ctx, name: str) -> None:
    """Remove an account: its token and console sessions stop working at once."""
    _staff(ctx).staff.remove(name, actor=ACTOR)
    click.echo(f"removed {name}")


@users.command("reset-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of generating one.")
@click.pass_context
@_errors
def reset_password(ctx, name: str, password_stdin: bool) -> None:
    """Set a new password; prints the generated one once."""
    generated = _staff(ctx).staff.reset_password(name, _password_stdin() if password_stdin else None, actor=ACTOR)
    click.echo(f"password of {name} changed" + (f": {generated}  (shown once)" if generated else ""))


@users.command("token")
@click.argument("name")
@click.pass_context
@_errors
def token(ctx, name: str) -> None:
    """A new personal API token (shown once; the previous one stops working at once)."""
    click.echo(_staff(ctx).staff.issue_token(name, actor=ACTOR))
