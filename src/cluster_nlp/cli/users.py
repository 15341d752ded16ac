"""``users add|list|remove|token``: who may sign in to the review app."""

import sys
from typing import Annotated

import typer

from cluster_nlp.cli.common import DbOption, db_url
from cluster_nlp.cli.output import DataTable, fail, say, show

app = typer.Typer(
    help="Add, list and remove the review app's users.",
    no_args_is_help=True,
    rich_markup_mode=None,  # as the main app (cli/__init__.py)
)


def _sessions(db: str | None):
    from cluster_nlp.store.db import StoreError, open_store

    try:
        return open_store(db_url(db))
    except StoreError as error:
        fail(str(error))


@app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="user name to sign in with")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from standard input")
    ] = False,
    db: DbOption = None,
) -> None:
    """Add a user; the password (8 characters or more) is stored as an argon2 hash."""
    from cluster_nlp.review.auth import AuthError, add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        add_user(_sessions(db), name, password)
    except AuthError as error:
        fail(str(error), code=2)
    say(f"user {name} added")


@app.command("list")
def users_list(db: DbOption = None) -> None:
    """Every user, when added, and whether the account is locked now."""
    from cluster_nlp.review.auth import list_users

    table = DataTable("Users")
    for column in ("user", "added", "wrong passwords", "locked until"):
        table.add_column(column)
    for user in list_users(_sessions(db)):
        table.add_row(
            user["name"],
            f"{user['created_at']:%Y-%m-%d %H:%M}",
            str(user["failed_logins"]),
            f"{user['locked_until']:%Y-%m-%d %H:%M:%S}" if user["locked_until"] else "",
        )
    show(table)


@app.command("remove")
def users_remove(
    name: Annotated[str, typer.Argument(help="user to remove")], db: DbOption = None
) -> None:
    """Remove a user with their sessions and API tokens (their decisions stay)."""
    from cluster_nlp.review.auth import AuthError, remove_user

    try:
        remove_user(_sessions(db), name)
    except AuthError as error:
        fail(str(error), code=2)
    say(f"user {name} removed")


@app.command("token")
def users_token(
    name: Annotated[str, typer.Argument(help="user the token acts for")],
    label: Annotated[str, typer.Option("--label", help="what the token is for")] = "api",
    days: Annotated[int, typer.Option(min=1, help="days until the token expires")] = 90,
    db: DbOption = None,
) -> None:
    """Create an API token (sent as `Authorization: Bearer TOKEN`); it is shown only once."""
    from datetime import timedelta

    from cluster_nlp.review.auth import AuthError, create_api_token

    try:
        token = create_api_token(_sessions(db), name, label, timedelta(days=days))
    except AuthError as error:
        fail(str(error), code=2)
    say(token)
