"""``cluster-nlp corpus``: check, render and merge the labelled corpus, attach rationales, and
measure how well a second annotation agrees with it.

Each command parses its options, calls one library function and presents the result.
"""

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.text import Text

from cluster_nlp.cli.output import DataTable, console, say, show, warn

if TYPE_CHECKING:
    from cluster_nlp.corpus.agreement import AgreementReport
    from cluster_nlp.corpus.check import CheckReport
    from cluster_nlp.taxonomy import Taxonomy

app = typer.Typer(
    help="Check, render and merge the labelled corpus; measure annotator agreement.",
    no_args_is_help=True,
    rich_markup_mode=None,  # as the main app (cli/__init__.py)
)

CorpusOption = Annotated[
    Path | None,
    typer.Option(
        "--corpus",
        help="Corpus folder (default: ./corpus).",
        envvar="CLUSTER_NLP_CORPUS_DIR",
        show_envvar=True,
    ),
]
TaxonomyOption = Annotated[
    Path | None,
    typer.Option(
        "--taxonomy",
        help="Taxonomy YAML (default: the packaged one).",
        envvar="CLUSTER_NLP_TAXONOMY",
        show_envvar=True,
    ),
]
RequirementsOption = Annotated[
    Path | None,
    typer.Option("--requirements", help="Corpus requirements YAML (default: the packaged one)."),
]


def _corpus_dir(corpus: Path | None) -> Path:
    from cluster_nlp.config import get_settings

    return corpus if corpus is not None else get_settings().corpus_dir


def _fail(message: str) -> typer.Exit:
    warn(("error:", "red"), " ", message)
    return typer.Exit(code=1)


def _taxonomy(path: Path | None) -> "Taxonomy":
    from cluster_nlp.taxonomy import TaxonomyError, load_taxonomy

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
    from cluster_nlp.corpus.check import check_corpus
    from cluster_nlp.corpus.requirements import load_requirements
    from cluster_nlp.corpus.schema import CorpusError

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
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from cluster_nlp.corpus.render import planned_count, render_corpus
    from cluster_nlp.corpus.schema import CorpusError

    folder = _corpus_dir(corpus)
    try:
        total = planned_count(folder, only)
        with Progress(
            TextColumn("rendering"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}", markup=False),
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
    say(f"rendered {len(rendered)} PDFs ({pages} pages) into {folder / 'pdf'}")


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
    from cluster_nlp.corpus.merge import MergeError, merge_drafts
    from cluster_nlp.corpus.requirements import load_requirements
    from cluster_nlp.corpus.schema import CorpusError

    loaded = _taxonomy(taxonomy)
    try:
        result = merge_drafts(drafts, _corpus_dir(corpus), loaded, load_requirements(requirements))
    except MergeError as err:
        for problem in err.problems:
            warn(("error:", "red"), " ", problem)
        raise typer.Exit(code=1) from err
    except CorpusError as err:
        raise _fail(str(err)) from err
    for warning in result.warnings:
        warn(("warning:", "yellow"), " ", warning)
    say(
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
    from cluster_nlp.corpus.rationales import RationaleError, attach_rationales
    from cluster_nlp.corpus.schema import CorpusError

    loaded = _taxonomy(taxonomy)
    try:
        result = attach_rationales(files, _corpus_dir(corpus), loaded)
    except RationaleError as err:
        for problem in err.problems:
            warn(("error:", "red"), " ", problem)
        raise typer.Exit(code=1) from err
    except CorpusError as err:
        raise _fail(str(err)) from err
    say(f"labels.jsonl: rationales of {result.documents} documents ({result.spans} spans)")


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
    from cluster_nlp.corpus.agreement import (
        check_rationale_offsets,
        compare_annotations,
        read_second_annotation,
    )
    from cluster_nlp.corpus.schema import CorpusError, read_label_records
    from cluster_nlp.taxonomy import UnknownLabelError

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


def _print_agreement(report: "AgreementReport", split: str, disagreements: bool) -> None:
    table = DataTable(f"Agreement with labels.jsonl ({split}, {report.documents} documents)")
    for column, justify in (("group", "left"), ("micro-F1", "right"), ("mean kappa", "right")):
        table.add_column(column, justify=justify)
    for group in report.groups:
        kappa = "n/a" if group.mean_kappa is None else f"{group.mean_kappa:.2f}"
        table.add_row(group.group, f"{group.micro_f1:.3f}", kappa)
    show(table)
    if report.rationales is not None:
        overlap = DataTable("Rationale overlap on labels both sides assign")
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
        show(overlap)
    if report.not_annotated:
        say(f"{report.not_annotated} documents of the split have no second annotation")
    if disagreements:
        for item in report.disagreements:
            say(
                f"{item.doc_id} {item.group}: corpus only {list(item.corpus_only)}, "
                f"second only {list(item.second_only)}"
            )


def _print_report(report: "CheckReport", taxonomy: "Taxonomy") -> None:
    from cluster_nlp.taxonomy import GROUPS

    summary = DataTable("Corpus")
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
    show(summary)

    labels = DataTable("Documents per label")
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
        labels.add_row(Text(group, style="bold"))
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
    show(labels)

    entities = DataTable("Entity mentions")
    for column, justify in (("type", "left"), ("ru", "right"), ("en", "right"), ("total", "right")):
        entities.add_column(column, justify=justify)
    for entity_type, counts in report.entity_counts.items():
        entities.add_row(
            entity_type, str(counts["ru"]), str(counts["en"]), str(sum(counts.values()))
        )
    show(entities)
    justified = report.docs_with_rationales
    say(
        f"rationales: {sum(justified.values())} of {report.documents} documents "
        f"(train {justified['train']}, test {justified['test']}), "
        f"{report.labels_with_rationales} labels justified by {report.rationale_spans} spans; "
        f"batch named on {report.docs_with_batch} documents "
        f"({', '.join(f'{batch} {count}' for batch, count in sorted(report.by_batch.items()))})"
    )

    for issue in report.issues:
        warn(("error", "red"), f" [{issue.kind}] {issue.message}")
    if report.ok:
        say(("corpus OK", "green"))
    else:
        say((f"{len(report.issues)} errors", "red"))
