"""``models list|show|promote|compare``: the registry of trained versions."""

import json
from typing import Annotated

import typer

from cluster_nlp.cli.classify import (
    LabelsOption,
    ModelsOption,
    SplitOption,
    TaxonomyOption,
    check_split,
    default_paths,
    labelled_split,
    load_predictor,
    user_errors,
)
from cluster_nlp.cli.output import DataTable, fail, say, show

app = typer.Typer(
    help="List, inspect, compare and promote model versions.",
    no_args_is_help=True,
    rich_markup_mode=None,  # as the main app (cli/__init__.py)
)


def _split_of(entry: dict) -> str:
    """What a version's test figures were measured on: the labelled data's hash and the size
    of its test split (the split is drawn from the data, so equal data, equal split)."""
    return f"{str(entry.get('data_sha256', '?'))[:8]}/{entry.get('test_documents', '?')}"


@app.command("list")
def models_list(models: ModelsOption = None) -> None:
    """Every registered version with its test-split micro-F1 per group, and which test split
    (data hash / test documents) each figure was measured on."""
    from cluster_nlp.registry import ModelFileError, list_versions, read_metrics
    from cluster_nlp.taxonomy import GROUPS

    models_dir = default_paths(None, models)[1]
    try:
        entries = list_versions(models_dir)
    except ModelFileError as error:
        fail(str(error))
    broken = [entry for entry in entries if "error" in entry]
    entries = [entry for entry in entries if "error" not in entry]
    splits = {_split_of(entry) for entry in entries}
    # Rows measured on the same test split sit together, so only comparable figures are
    # side by side; the current model's split first.
    current_split = next((_split_of(e) for e in entries if e["current"]), None)
    entries.sort(key=lambda e: (_split_of(e) != current_split, _split_of(e), e["version"]))
    table = DataTable(f"models in {models_dir}: test micro-F1")
    longest = max((len(entry["version"]) for entry in entries), default=7)
    table.add_column("version", no_wrap=True, min_width=longest)
    table.add_column("now", no_wrap=True)
    table.add_column("test split", no_wrap=True)
    table.add_column("train docs", justify="right", overflow="fold")
    for group in GROUPS:  # long group names fold rather than lose their ends
        table.add_column(group.replace("_", " "), justify="right", overflow="fold")
    for entry in entries:
        metrics = read_metrics(models_dir, entry["version"]).get("test", {})
        table.add_row(
            entry["version"],
            "*" if entry["current"] else "",
            _split_of(entry),
            str(entry.get("train_documents", "?")),
            *(
                f"{metrics.get(group, {}).get('micro', {}).get('f1', float('nan')):.3f}"
                for group in GROUPS
            ),
        )
    show(table)
    for entry in broken:  # a broken folder is named with its reason, not skipped
        say((entry["version"], "bold"), f": {entry['error']}")
    if len(splits) > 1:
        say(
            f"micro-F1 measured on {len(splits)} different test splits: compare only rows "
            "with the same split, or score two versions on one split with "
            "`cluster-nlp models compare A B`"
        )


@app.command("show")
def models_show(
    version: Annotated[str, typer.Argument(help="model version")], models: ModelsOption = None
) -> None:
    """A version's metadata and metrics as JSON."""
    from cluster_nlp.registry import ModelFileError, read_metadata, read_metrics

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
    from cluster_nlp.registry import ModelFileError, promote

    models_dir = default_paths(None, models)[1]
    try:
        promote(models_dir, version)
    except ModelFileError as error:
        fail(str(error))
    say(f"current model: {version}")


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
    check_split(split_name)
    from cluster_nlp.classify.compare import compare_versions
    from cluster_nlp.classify.settings import load_classify_settings
    from cluster_nlp.classify.views import VIEWS, view_examples

    if view not in VIEWS:
        fail(f"--view must be one of {', '.join(VIEWS)}, not {view!r}", code=2)
    labels_path, models_dir = default_paths(labels, models)
    try:
        predictors = [load_predictor(name, models_dir, taxonomy) for name in (first, second)]
        loaded_taxonomy, chosen = labelled_split(labels_path, taxonomy, split_name)
        chosen = view_examples(chosen, view, load_classify_settings())
    except user_errors() as error:
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
    table = DataTable(f"first {first}, second {second}, on the {split_name} split")
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
    show(table)
    moved = [
        (group, label, figures)
        for group, row in groups.items()
        for label, figures in row["per_label"].items()
        if abs(figures["second"] - figures["first"]) >= 0.005
    ]
    if not moved:
        say("no label's F1 moved")
        return
    labels = DataTable("F1 per label, where it moved")
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
    show(labels)
