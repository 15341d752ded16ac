"""The only way the commands print through rich: user data in, never read as markup.

File names, error messages, document text and model versions may hold square brackets
(``report [draft].pdf``, pdfminer's ``[/'Resources']``) or colons that rich would take for
markup or emoji codes. Every function here takes plain strings and wraps them in ``Text``
(which rich prints as they are); our own styling is applied around them as ``(text, style)``
pairs, so no piece of user data is escaped twice or forgotten.
"""

from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from rich.progress import Progress

console = Console()
errors = Console(stderr=True)

Part = str | tuple[str, str]  # plain text, or (text, style) for our own styling


def line(*parts: Part) -> Text:
    """One line from plain pieces and (text, style) pairs; nothing in it is markup."""
    return Text.assemble(*parts)


def say(*parts: Part, style: str | None = None) -> None:
    """Print a line on stdout, unbroken (a path cut in two cannot be copied)."""
    console.print(line(*parts), style=style, highlight=False, soft_wrap=True)


def warn(*parts: Part) -> None:
    """Print one line on stderr, unbroken however long."""
    errors.print(line(*parts), highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one line to stderr and exit non-zero."""
    warn(("error:", "bold red"), " ", message)
    raise typer.Exit(code)


def show(renderable: RenderableType) -> None:
    """Print a table (or another renderable built by ``table``) on stdout."""
    console.print(renderable)


class DataTable(Table):
    """A rich table whose title and string cells are plain text, never markup."""

    def __init__(self, title: str, **options) -> None:
        super().__init__(title=Text(title), **options)

    def add_row(self, *cells: RenderableType | None, **options) -> None:
        super().add_row(
            *(Text(cell) if isinstance(cell, str) else cell for cell in cells), **options
        )


def progress_bar(name: str) -> "Progress":
    """The progress bar every long command shows, on stderr (stdout keeps the data, JSON
    included) and cleared when done; the task's description (a file name, a group) is shown
    as it is. Lines printed on stdout meanwhile pass above the bar when stdout is the
    terminal too, and go straight to stdout when it is a pipe or a file."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn(name, style="bold", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}", markup=False),
        console=errors,
        transient=True,
        redirect_stdout=console.is_terminal,
        redirect_stderr=False,
    )
