"""``show``, ``list``, ``search`` and ``forget``: the stored documents from the command line.

Every query is a function of ``store.queries``, ``store.search`` or ``store.forget``; this
module only chooses, names and prints. A document is named by its id, the first characters of
its id, or a path it was ingested from.
"""

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cluster_nlp.cli.classify import TaxonomyOption
from cluster_nlp.cli.common import DbOption, db_url
from cluster_nlp.cli.output import DataTable, fail, say, show

if TYPE_CHECKING:
    from cluster_nlp.document_view import DocumentView
    from cluster_nlp.store.documents import SessionFactory
    from cluster_nlp.store.queries import DocumentSummary


class Names(StrEnum):
    RU = "ru"
    EN = "en"
    ID = "id"


NamesOption = Annotated[
    Names, typer.Option("--names", help="label and region names: ru, en or bare ids")
]
JsonOption = Annotated[bool, typer.Option("--json", help="print JSON for machines")]
DocumentArgument = Annotated[
    str, typer.Argument(help="document id, the first characters of one, or an ingested path")
]


def register(app: typer.Typer) -> None:
    app.command("show")(show_command)
    app.command("list")(list_command)
    app.command("search")(search_command)
    app.command("forget")(forget_command)


def _store(db: str | None) -> "SessionFactory":
    from cluster_nlp.store.db import StoreError, open_store

    try:
        return open_store(db_url(db), create=False)
    except StoreError as error:
        fail(str(error), code=2)


def _file_id(reference: str) -> str | None:
    """The SHA-256 of the file at ``reference`` when it is one (a document's id is its hash)."""
    from cluster_nlp.ingest.files import sha256_file

    path = Path(reference)
    try:
        return sha256_file(path) if path.is_file() else None
    except OSError:
        return None


def _resolve(sessions: "SessionFactory", reference: str) -> str:
    from cluster_nlp.store.forget import DocumentNotFound, resolve_document

    try:
        return resolve_document(sessions, reference, _file_id(reference))
    except DocumentNotFound as error:
        fail(str(error), code=2)


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _print_view(view: "DocumentView") -> None:
    from rich.panel import Panel

    from cluster_nlp.cli.output import line

    header = [
        (view.title or Path(view.path).name, "bold"),
        "\n",
        view.path,
        "\n",
        (f"id {view.id}  ", "dim"),
        f"status {view.status}  lang {view.lang or '-'}  pages {view.pages}  ",
        f"model {view.model_version or '-'}  review {view.review}",
    ]
    if view.regions:
        shown = ", ".join(f"{r['name']} ({r['code']})" for r in view.regions)
        header += ["\n", "regions: ", shown]
    if view.error:
        header += ["\n", ("error: ", "red"), view.error]
    show(Panel(line(*header), expand=False))
    for group in view.groups:
        title = group.name + (f" (decided by {group.decided_by})" if group.decided_by else "")
        table = DataTable(title, title_justify="left")
        for column, justify in (
            ("label", "left"),
            ("score", "right"),
            ("threshold", "right"),
            ("assigned", "center"),
            ("review", "left"),
            ("decision", "center"),
        ):
            table.add_column(column, justify=justify, no_wrap=column != "label")
        for label in group.labels:
            table.add_row(
                f"{label.name} [{label.id}]" if label.name != label.id else label.id,
                _number(label.score),
                _number(label.threshold),
                "yes" if label.assigned else "no",
                label.review or "",
                {True: "keep", False: "drop", None: ""}[label.decided],
            )
        if not group.labels:
            table.add_row("(no label assigned or close)", "", "", "", "", "")
        show(table)
        for label in group.labels:
            for item in label.evidence:
                say(
                    (f"  {label.id} p.{item.page} {item.score:.2f} ", "dim"),
                    " ".join(item.text.split()),
                )
    if view.entities:
        table = DataTable("entities", title_justify="left")
        for column in ("type", "name", "mentions", "pages", "value", "region"):
            table.add_column(column, justify="right" if column == "mentions" else "left")
        for entity in view.entities:
            table.add_row(
                entity.label,
                entity.name,
                str(entity.mentions),
                ", ".join(map(str, entity.pages[:8])) + (" …" if len(entity.pages) > 8 else ""),
                entity.value or "",
                f"{entity.region_name} ({entity.region})" if entity.region else "",
            )
        show(table)
    else:
        say(("no entities stored: run `cluster-nlp tag`", "dim"))
    for decision in view.decisions:
        say(
            ("decision ", "bold"),
            f"{decision.created_at} {decision.analyst} {decision.group}: ",
            ", ".join(decision.labels) or "(none)",
            f"  ({decision.note})" if decision.note else "",
        )


def show_command(
    document: DocumentArgument,
    db: DbOption = None,
    model: Annotated[
        str | None, typer.Option("--model", help="whose prediction to show [newest]")
    ] = None,
    taxonomy: TaxonomyOption = None,
    names: NamesOption = Names.RU,
    as_json: JsonOption = False,
) -> None:
    """One stored document: labels with scores and thresholds, evidence, entities, decisions."""
    from cluster_nlp.document_view import document_view
    from cluster_nlp.export import NameLanguage
    from cluster_nlp.store.queries import show_document
    from cluster_nlp.taxonomy import TaxonomyError, load_taxonomy

    sessions = _store(db)
    document_id = _resolve(sessions, document)
    detail = show_document(sessions, document_id, model)
    if detail is None:
        fail(f"no stored document {document_id}", code=2)
    try:
        loaded = load_taxonomy(taxonomy)
    except TaxonomyError as error:
        fail(str(error), code=2)
    view = document_view(detail, loaded, NameLanguage(names.value))
    if as_json:
        typer.echo(json.dumps(view.model_dump(mode="json"), ensure_ascii=False, indent=1))
        return
    _print_view(view)


def _summary_json(summary: "DocumentSummary") -> dict:
    return summary.model_dump(mode="json", exclude={"predicted", "model_versions"})


def _print_summaries(title: str, items: "list[DocumentSummary]") -> None:
    table = DataTable(title, title_justify="left")
    table.add_column("id", no_wrap=True)
    table.add_column("document", overflow="fold")
    table.add_column("status", no_wrap=True)
    table.add_column("lang", no_wrap=True)
    table.add_column("labels")
    table.add_column("review", no_wrap=True)
    for summary in items:
        labels = [label for group in summary.labels.values() for label in group]
        review = f"{len(summary.needs_review)} to check" if summary.needs_review else ""
        cells = [
            summary.id[:12],
            summary.source_path,
            summary.status,
            summary.lang or "",
            ", ".join(labels),
            review or summary.review.value,
        ]
        table.add_row(*cells)
    show(table)


def list_command(
    db: DbOption = None,
    label: Annotated[str | None, typer.Option("--label", help="a label id it carries")] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="a region code it names, e.g. RU-TOM")
    ] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="language code, e.g. ru")] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="ok, needs_ocr, failed, ...")
    ] = None,
    needs_review: Annotated[
        bool | None,
        typer.Option(
            "--needs-review/--no-needs-review",
            help="only documents with (or without) labels in the review margin",
            show_default=False,
        ),
    ] = None,
    model_version: Annotated[
        str | None, typer.Option("--model-version", help="tagged by this model version")
    ] = None,
    page: Annotated[int, typer.Option("--page", min=1, help="page of results")] = 1,
    limit: Annotated[int, typer.Option("--limit", min=1, max=200, help="documents per page")] = 25,
    taxonomy: TaxonomyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Stored documents, filtered, one page at a time."""
    from cluster_nlp.store.queries import DocumentFilters, list_documents
    from cluster_nlp.taxonomy import TaxonomyError, UnknownLabelError, load_taxonomy

    by_group = {}
    if label:
        try:
            by_group = {load_taxonomy(taxonomy).group_of(label): label}
        except (TaxonomyError, UnknownLabelError) as error:
            fail(str(error), code=2)
    filters = DocumentFilters(
        **by_group,
        region=region,
        lang=lang,
        status=status,
        needs_review=needs_review,
        model_version=model_version,
        page=page,
        per_page=limit,
    )
    result = list_documents(_store(db), filters)
    if as_json:
        payload = {
            "total": result.total,
            "page": result.page,
            "pages": result.pages,
            "items": [_summary_json(item) for item in result.items],
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=1))
        return
    _print_summaries(
        f"{result.total} documents, page {result.page} of {result.pages}", result.items
    )


def search_command(
    query: Annotated[str, typer.Argument(help="words to find (each as a prefix, all of them)")],
    db: DbOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=200, help="hits to show")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Full-text search of the stored documents, best match first, with a snippet."""
    from cluster_nlp.store.queries import DocumentFilters, list_documents
    from cluster_nlp.store.search import query_words, search_hits

    if not query_words(query):
        fail("give at least one word to search for", code=2)
    sessions = _store(db)
    hits = search_hits(sessions, query, limit)
    summaries = list_documents(
        sessions, DocumentFilters(ids=tuple(hit.document_id for hit in hits), per_page=200)
    ).items
    if as_json:
        by_id = {summary.id: summary for summary in summaries}
        payload = [
            {
                "rank": rank,
                **_summary_json(by_id[hit.document_id]),
                "snippet": hit.snippet,
                "matches": hit.marks,
            }
            for rank, hit in enumerate(hits, 1)
            if hit.document_id in by_id
        ]
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=1))
        return
    if not hits:
        say(f"no document matches {query!r}")
        return
    by_id = {summary.id: summary for summary in summaries}
    say(f"{len(hits)} documents match {query!r}, best first", style="bold")
    for rank, hit in enumerate(hits, 1):
        summary = by_id.get(hit.document_id)
        if summary is None:
            continue
        labels = ", ".join(label for group in summary.labels.values() for label in group)
        say(f"{rank}. ", (summary.source_path, "bold"), (f"  {summary.id[:12]}  {labels}", "dim"))
        show(_highlighted("   " + hit.snippet, [(a + 3, b + 3) for a, b in hit.marks]))


def _highlighted(snippet: str, marks: list[tuple[int, int]]):
    from rich.text import Text

    text = Text(snippet)
    for start, end in marks:
        text.stylize("bold yellow", start, end)
    return text


def forget_command(
    document: DocumentArgument,
    db: DbOption = None,
    with_decisions: Annotated[
        bool,
        typer.Option(
            "--with-decisions", help="also delete the analysts' decisions on it (else refused)"
        ),
    ] = False,
) -> None:
    """Remove a document and everything stored about it (paths, pages, passages, tables,
    entities, predictions); a document with analysts' decisions needs --with-decisions."""
    from cluster_nlp.store.forget import DocumentNotFound, HasDecisions, forget_document

    sessions = _store(db)
    document_id = _resolve(sessions, document)
    try:
        forgotten = forget_document(sessions, document_id, with_decisions)
    except (DocumentNotFound, HasDecisions) as error:
        fail(str(error))
    counts = ", ".join(f"{rows} {table}" for table, rows in forgotten.rows.items() if rows)
    say(f"forgot {forgotten.source_path} ({forgotten.document_id[:12]}): {counts}")
