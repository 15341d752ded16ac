"""``models list|show|promote|compare``: the registry of trained versions."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cluster_nlp.classify.compare import compare_versions
from cluster_nlp.cli.classify import (
    USER_ERRORS,
    LabelsOption,
    ModelsOption,
    SplitOption,
    TaxonomyOption,
    check_split,
    default_paths,
    labelled_split,
    load_predictor,
)
from cluster_nlp.cli.common import console, fail
from cluster_nlp.registry import (
    ModelFileError,
    list_versions,
    promote,
    read_metadata,
    read_metrics,
)
from cluster_nlp.taxonomy import GROUPS

app = typer.Typer(help="List, inspect, compare and promote model versions.", no_args_is_help=True)


@app.command("list")
def models_list(models: ModelsOption = None) -> None:
    """Every registered version with its test-split micro-F1 per group."""
    models_dir = default_paths(None, models)[1]
    table = Table(title=f"models in {models_dir}")
    for column in ("version", "current", "trained on", *GROUPS):
        table.add_column(column)
    for entry in list_versions(models_dir):
        metrics = read_metrics(models_dir, entry["version"]).get("test", {})
        table.add_row(
            entry["version"],
            "*" if entry["current"] else "",
            f"{entry.get('train_documents', '?')} docs",
            *(
                f"{metrics.get(group, {}).get('micro', {}).get('f1', float('nan')):.3f}"
                for group in GROUPS
            ),
        )
    console.print(table)


@app.command("show")
def models_show(
    version: Annotated[str, typer.Argument(help="model version")], models: ModelsOption = None
) -> None:
    """A version's metadata and metrics as JSON."""
    models_dir = default_paths(None, models)[1]
    try:
        payload = {
            "metadata": read_metadata(models_dir, version),
            "metrics": read_metrics(models_dir, version),
        }
    except ModelFileError as error:
        fail(str(error))
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=1))


@app.command("promote")
def models_promote(
    version: Annotated[str, typer.Argument(help="model version")], models: ModelsOption = None
) -> None:
    """Make a version the current model (`models/current`)."""
    models_dir = default_paths(None, models)[1]
    try:
        promote(models_dir, version)
    except ModelFileError as error:
        fail(str(error))
    console.print(f"current model: {version}")


@app.command("compare")
def models_compare(
    first: Annotated[str, typer.Argument(help="model version, or 'keyword'")],
    second: Annotated[str, typer.Argument(help="model version, or 'keyword'")],
    labels: LabelsOption = None,
    split_name: SplitOption = "test",
    models: ModelsOption = None,
    taxonomy: TaxonomyOption = None,
    view: Annotated[
        str,
        typer.Option(
            help="documents, excerpts, no_headings, furniture, ocr_noise or lower_case "
            "(texts that imitate real input; see `evaluate`)"
        ),
    ] = "documents",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Two versions on the same documents: micro-F1s, paired difference, moved labels."""
    from cluster_nlp.classify.settings import load_classify_settings
    from cluster_nlp.classify.views import VIEWS, view_examples

    check_split(split_name)
    if view not in VIEWS:
        fail(f"--view must be one of {', '.join(VIEWS)}, not {escape(view)!r}", code=2)
    labels_path, models_dir = default_paths(labels, models)
    try:
        predictors = [load_predictor(name, models_dir, taxonomy) for name in (first, second)]
        loaded_taxonomy, chosen = labelled_split(labels_path, taxonomy, split_name)
        chosen = view_examples(chosen, view, load_classify_settings())
    except USER_ERRORS as error:
        fail(str(error))
    groups = compare_versions(
        predictors[0].classifiers, predictors[1].classifiers, chosen, loaded_taxonomy
    )
    if as_json:
        report = {
            "first": predictors[0].version,
            "second": predictors[1].version,
            "split": split_name,
            "view": view,
            "documents": len(chosen),
            "groups": groups,
        }
        typer.echo(json.dumps(report, ensure_ascii=False, indent=1))
        return
    _print_comparison(predictors[0].version, predictors[1].version, split_name, groups)


def _print_comparison(first: str, second: str, split_name: str, groups: dict) -> None:
    table = Table(title=f"first {first}, second {second}, on the {split_name} split")
    columns = ("group", "first", "second", "2nd - 1st", "95% interval", "2nd better", "changed")
    for column in columns:
        table.add_column(
            column, justify="right" if column != "group" else "left", no_wrap=column != "group"
        )
    for group, row in groups.items():
        low, high = row["interval"]
        table.add_row(
            group,
            f"{row['first']:.3f}",
            f"{row['second']:.3f}",
            f"{row['difference']:+.3f}",
            f"{low:+.3f}..{high:+.3f}",
            f"{row['second_better_share']:.0%}",
            f"{len(row['changed_documents'])} docs",
        )
    console.print(table)
    moved = [
        (group, label, figures)
        for group, row in groups.items()
        for label, figures in row["per_label"].items()
        if abs(figures["second"] - figures["first"]) >= 0.005
    ]
    if not moved:
        console.print("no label's F1 moved")
        return
    labels = Table(title="F1 per label, where it moved")
    for column in ("group", "label", "support", "first", "second"):
        labels.add_column(column, justify="right" if column not in ("group", "label") else "left")
    for group, label, figures in moved:
        labels.add_row(
            group,
            label,
            str(figures["support"]),
            f"{figures['first']:.3f}",
            f"{figures['second']:.3f}",
        )
    console.print(labels)
