"""``cluster-nlp corpus``: check, render and merge the labelled corpus, attach rationales, and
measure how well a second annotation agrees with it.

Each command parses its options, calls one library function and presents the result.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cluster_nlp.config import get_settings
from cluster_nlp.corpus.agreement import (
    AgreementReport,
    check_rationale_offsets,
    compare_annotations,
    read_second_annotation,
)
from cluster_nlp.corpus.check import CheckReport, check_corpus
from cluster_nlp.corpus.merge import MergeError, merge_drafts
from cluster_nlp.corpus.rationales import RationaleError, attach_rationales
from cluster_nlp.corpus.render import planned_count, render_corpus
from cluster_nlp.corpus.requirements import load_requirements
from cluster_nlp.corpus.schema import CorpusError, read_label_records
from cluster_nlp.taxonomy import GROUPS, Taxonomy, TaxonomyError, UnknownLabelError, load_taxonomy

app = typer.Typer(
    help="Check, render and merge the labelled corpus; measure annotator agreement.",
    no_args_is_help=True,
)
console = Console()
errors = Console(stderr=True, soft_wrap=True)  # one error, one line, however long

CorpusOption = Annotated[
    Path | None,
    typer.Option("--corpus", help="Corpus folder (default: CLUSTER_NLP_CORPUS_DIR or ./corpus)."),
]
TaxonomyOption = Annotated[
    Path | None, typer.Option("--taxonomy", help="Taxonomy YAML (default: the packaged one).")
]
RequirementsOption = Annotated[
    Path | None,
    typer.Option("--requirements", help="Corpus requirements YAML (default: the packaged one)."),
]


def _corpus_dir(corpus: Path | None) -> Path:
    return corpus if corpus is not None else get_settings().corpus_dir


def _fail(message: str) -> typer.Exit:
    errors.print(f"[red]error:[/red] {escape(message)}", highlight=False)
    return typer.Exit(code=1)


def _taxonomy(path: Path | None) -> Taxonomy:
    try:
        return load_taxonomy(path)
    except TaxonomyError as err:
        raise _fail(str(err)) from err


@app.command()
def check(
    corpus: CorpusOption = None,
    taxonomy: TaxonomyOption = None,
    requirements: RequirementsOption = None,
) -> None:
    """Check labels.jsonl, sources, PDFs and the corpus requirements; exit 1 on any error."""
    loaded = _taxonomy(taxonomy)
    try:
        report = check_corpus(_corpus_dir(corpus), loaded, load_requirements(requirements))
    except CorpusError as err:
        raise _fail(str(err)) from err
    _print_report(report, loaded)
    if not report.ok:
        raise typer.Exit(code=1)


@app.command()
def render(
    corpus: CorpusOption = None,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Render just this doc id (repeatable).")
    ] = None,
) -> None:
    """Render corpus/src/*.md to corpus/pdf/*.pdf for every document in labels.jsonl."""
    folder = _corpus_dir(corpus)
    try:
        total = planned_count(folder, only)
        with Progress(
            TextColumn("rendering"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=console,
        ) as progress:
            task = progress.add_task("", total=total)
            rendered = render_corpus(
                folder,
                only,
                lambda pdf: progress.update(task, advance=1, description=pdf.path.name),
            )
    except CorpusError as err:
        raise _fail(str(err)) from err
    pages = sum(pdf.pages for pdf in rendered)
    console.print(f"rendered {len(rendered)} PDFs ({pages} pages) into {folder / 'pdf'}")


@app.command()
def merge(
    drafts: Annotated[
        list[Path],
        typer.Argument(
            help="Writer drafts (JSONL).", metavar="DRAFT.jsonl...", exists=True, dir_okay=False
        ),
    ],
    corpus: CorpusOption = None,
    taxonomy: TaxonomyOption = None,
    requirements: RequirementsOption = None,
) -> None:
    """Merge writer drafts into labels.jsonl: locate entities, assign stratified splits."""
    loaded = _taxonomy(taxonomy)
    try:
        result = merge_drafts(drafts, _corpus_dir(corpus), loaded, load_requirements(requirements))
    except MergeError as err:
        for problem in err.problems:
            errors.print(f"[red]error:[/red] {escape(problem)}", highlight=False)
        raise typer.Exit(code=1) from err
    except CorpusError as err:
        raise _fail(str(err)) from err
    for warning in result.warnings:
        errors.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False)
    console.print(
        f"labels.jsonl: {len(result.records)} records "
        f"({len(result.added)} added, {len(result.updated)} updated)"
    )


@app.command()
def rationales(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Rationale files (JSONL: doc_id, optional batch, rationales = label id -> "
            "exact quotes of the source).",
            metavar="RATIONALES.jsonl...",
            exists=True,
            dir_okay=False,
        ),
    ],
    corpus: CorpusOption = None,
    taxonomy: TaxonomyOption = None,
) -> None:
    """Locate rationale quotes in the sources and store them as spans in labels.jsonl (labels,
    splits and entities untouched); nothing is written if any quote is bad."""
    loaded = _taxonomy(taxonomy)
    try:
        result = attach_rationales(files, _corpus_dir(corpus), loaded)
    except RationaleError as err:
        for problem in err.problems:
            errors.print(f"[red]error:[/red] {escape(problem)}", highlight=False)
        raise typer.Exit(code=1) from err
    except CorpusError as err:
        raise _fail(str(err)) from err
    console.print(
        f"labels.jsonl: rationales of {result.documents} documents ({result.spans} spans)"
    )


@app.command()
def agreement(
    second: Annotated[
        Path,
        typer.Argument(
            help="Second annotation (JSONL: doc_id and the three label lists per line).",
            metavar="SECOND.jsonl",
            exists=True,
            dir_okay=False,
        ),
    ],
    corpus: CorpusOption = None,
    taxonomy: TaxonomyOption = None,
    split: Annotated[
        Literal["train", "test", "all"], typer.Option("--split", help="Documents to compare.")
    ] = "all",
    disagreements: Annotated[
        bool, typer.Option("--disagreements", help="List every document and group that differ.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Agreement of a second, independent annotation with labels.jsonl: micro-F1 and Cohen's
    kappa per group, and the overlap of rationales when the second annotation has them."""
    loaded = _taxonomy(taxonomy)
    folder = _corpus_dir(corpus)
    try:
        records = read_label_records(folder / "labels.jsonl")
        second_records = read_second_annotation(second, loaded)
        check_rationale_offsets(second_records, records, folder)
        report = compare_annotations(
            records, second_records, loaded, None if split == "all" else split
        )
    except (CorpusError, UnknownLabelError) as err:
        raise _fail(str(err)) from err
    if as_json:
        print(json.dumps(dataclasses.asdict(report), ensure_ascii=False, indent=2))
        return
    _print_agreement(report, split, disagreements)


def _print_agreement(report: AgreementReport, split: str, disagreements: bool) -> None:
    table = Table(title=f"Agreement with labels.jsonl ({split}, {report.documents} documents)")
    for column, justify in (("group", "left"), ("micro-F1", "right"), ("mean kappa", "right")):
        table.add_column(column, justify=justify)
    for group in report.groups:
        kappa = "n/a" if group.mean_kappa is None else f"{group.mean_kappa:.2f}"
        table.add_row(group.group, f"{group.micro_f1:.3f}", kappa)
    console.print(table)
    if report.rationales is not None:
        overlap = Table(title="Rationale overlap on labels both sides assign")
        for column, justify in (
            ("group", "left"),
            ("labels", "right"),
            ("char F1", "right"),
            ("char Jaccard", "right"),
            ("any overlap", "right"),
        ):
            overlap.add_column(column, justify=justify)
        for row in report.rationales:
            cells = [row.char_f1, row.char_jaccard, row.any_overlap]
            overlap.add_row(
                row.group,
                str(row.labels),
                *("n/a" if value is None else f"{value:.3f}" for value in cells),
            )
        console.print(overlap)
    if report.not_annotated:
        console.print(f"{report.not_annotated} documents of the split have no second annotation")
    if disagreements:
        for item in report.disagreements:
            console.print(
                f"{item.doc_id} {item.group}: corpus only {list(item.corpus_only)}, "
                f"second only {list(item.second_only)}",
                highlight=False,
            )


def _print_report(report: CheckReport, taxonomy: Taxonomy) -> None:
    summary = Table(title="Corpus")
    for column in ("documents", "ru", "en", "train", "test", "negative", "with entities"):
        summary.add_column(column, justify="right")
    summary.add_row(
        *(
            str(value)
            for value in (
                report.documents,
                report.by_lang["ru"],
                report.by_lang["en"],
                report.by_split["train"],
                report.by_split["test"],
                report.negatives,
                sum(report.docs_with_entities.values()),
            )
        )
    )
    console.print(summary)

    labels = Table(title="Documents per label")
    for column, justify in (
        ("label", "left"),
        ("train", "right"),
        ("test", "right"),
        ("ru", "right"),
        ("en", "right"),
        ("total", "right"),
    ):
        labels.add_column(column, justify=justify, no_wrap=True)
    for group in GROUPS:
        labels.add_row(f"[bold]{group}[/bold]")
        for label_id in taxonomy.group_ids(group):
            splits, langs = report.label_counts[label_id], report.label_counts_by_lang[label_id]
            labels.add_row(
                f"  {label_id}",
                str(splits["train"]),
                str(splits["test"]),
                str(langs["ru"]),
                str(langs["en"]),
                str(sum(splits.values())),
            )
    console.print(labels)

    entities = Table(title="Entity mentions")
    for column, justify in (("type", "left"), ("ru", "right"), ("en", "right"), ("total", "right")):
        entities.add_column(column, justify=justify)
    for entity_type, counts in report.entity_counts.items():
        entities.add_row(
            entity_type, str(counts["ru"]), str(counts["en"]), str(sum(counts.values()))
        )
    console.print(entities)
    justified = report.docs_with_rationales
    console.print(
        f"rationales: {sum(justified.values())} of {report.documents} documents "
        f"(train {justified['train']}, test {justified['test']}), "
        f"{report.labels_with_rationales} labels justified by {report.rationale_spans} spans; "
        f"batch named on {report.docs_with_batch} documents "
        f"({', '.join(f'{batch} {count}' for batch, count in sorted(report.by_batch.items()))})",
        highlight=False,
    )

    for issue in report.issues:
        errors.print(
            f"[red]error[/red] {escape(f'[{issue.kind}] {issue.message}')}", highlight=False
        )
    verdict = "[green]corpus OK[/green]" if report.ok else f"[red]{len(report.issues)} errors[/red]"
    console.print(verdict)
