"""``train``, ``evaluate``, ``learning-curve``, ``predict`` and ``tag``: the classifiers'
commands (``models`` is in ``cli.models``)."""

import json
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cluster_nlp.cli.common import DbOption, ModelsOption, TaxonomyOption, db_url
from cluster_nlp.cli.output import DataTable, fail, progress_bar, say, show, warn

if TYPE_CHECKING:
    from cluster_nlp.classify.data import LabeledText
    from cluster_nlp.classify.predict import Predictor
    from cluster_nlp.taxonomy import Taxonomy

# The review margin of ``cluster_nlp.classify.predict.DEFAULT_MARGIN``, which the help shows;
# a test keeps the two equal (importing the predictor here would load scikit-learn).
DEFAULT_MARGIN = 0.1
LabelsOption = Annotated[
    Path | None, typer.Option("--labels", help="labels JSONL [corpus/labels.jsonl]")
]
ModelOption = Annotated[
    str | None,
    typer.Option("--model", help="model version, or 'keyword' for the baseline [current]"),
]


def user_errors() -> tuple[type[Exception], ...]:
    """The errors the classifier commands report in one line.

    A function, not a constant, so that their modules (scikit-learn, the store) are imported
    when an ``except user_errors()`` clause meets an exception, never by ``--help``.
    """
    from cluster_nlp.classify.embeddings import EmbeddingEngineError
    from cluster_nlp.classify.encoders import UnknownEncoderError
    from cluster_nlp.classify.model import EmptyClassError
    from cluster_nlp.classify.settings import ClassifySettingsError
    from cluster_nlp.corpus.schema import CorpusError
    from cluster_nlp.registry import ModelFileError, TaxonomyMismatchError
    from cluster_nlp.store.db import StoreError
    from cluster_nlp.taxonomy import TaxonomyError, UnknownLabelError

    return (
        ClassifySettingsError,
        CorpusError,
        EmbeddingEngineError,
        EmptyClassError,
        ModelFileError,
        TaxonomyError,
        TaxonomyMismatchError,
        UnknownEncoderError,
        UnknownLabelError,
        StoreError,
    )


SplitOption = Annotated[str, typer.Option("--split", help="train, test or all")]


def register(app: typer.Typer) -> None:
    app.command("train")(train_command)
    app.command("evaluate")(evaluate_command)
    app.command("learning-curve")(learning_curve_command)
    app.command("predict")(predict_command)
    app.command("tag")(tag_command)


def default_paths(labels: Path | None, models: Path | None) -> tuple[Path, Path]:
    from cluster_nlp.config import get_settings

    settings = get_settings()
    return labels or settings.corpus_dir / "labels.jsonl", models or settings.models_dir


def load_predictor(model: str | None, models_dir: Path, taxonomy_path: Path | None) -> "Predictor":
    from cluster_nlp.classify.predict import keyword_predictor, trained_predictor
    from cluster_nlp.classify.train import KEYWORD_MODEL
    from cluster_nlp.registry import load_version
    from cluster_nlp.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(taxonomy_path)
    if model == KEYWORD_MODEL:
        return keyword_predictor(taxonomy)
    return trained_predictor(load_version(models_dir, taxonomy, model), taxonomy)


def train_command(
    labels: LabelsOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="model registry folder [models/]")
    ] = None,
    taxonomy: TaxonomyOption = None,
    version: Annotated[str | None, typer.Option(help="version name [timestamp]")] = None,
    promote_it: Annotated[
        bool,
        typer.Option(
            "--promote",
            help="make it the current model if it beats the current one on the test split "
            "(the retrain flow's rule)",
        ),
    ] = False,
    descriptions: Annotated[
        bool,
        typer.Option(
            "--descriptions",
            help="the prototype score also reads the taxonomy's descriptive sentences",
        ),
    ] = False,
    training_file: Annotated[
        Path | None,
        typer.Option("--training", help="training settings YAML [the packaged training.yaml]"),
    ] = None,
    document_model: Annotated[
        str | None,
        typer.Option(
            "--document-model",
            help="choose against this registered version's document models instead of "
            "training them again (the training settings' model: best)",
        ),
    ] = None,
    decisions_db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="also learn from the analysts' decisions in this store (SQLAlchemy URL), "
            "as the retrain flow does",
        ),
    ] = None,
) -> None:
    """Train the three group classifiers on the train split and register a new version."""
    from cluster_nlp.classify.data import load_labeled_texts
    from cluster_nlp.classify.promotion import promote_if_better
    from cluster_nlp.classify.settings import load_training_settings
    from cluster_nlp.classify.train import train_and_register
    from cluster_nlp.taxonomy import load_taxonomy

    labels_path, models_dir = default_paths(labels, out)
    promoted = False
    try:
        loaded = load_taxonomy(taxonomy)
        decisions, decided_vectors = [], nullcontext()
        if decisions_db:
            from cluster_nlp.classify.data import decision_texts
            from cluster_nlp.classify.encoders import stored_vectors
            from cluster_nlp.store.db import open_store

            sessions = open_store(decisions_db)
            decisions = decision_texts(sessions, loaded)
            # the decided documents' passages were embedded when they were tagged
            decided_vectors = stored_vectors(sessions)
        reused = None
        if document_model:
            from cluster_nlp.registry import load_version

            reused = (document_model, load_version(models_dir, loaded, document_model).classifiers)
        with decided_vectors, progress_bar("train") as progress:
            task = progress.add_task("", total=None)  # one step per group and model kind
            result = train_and_register(
                labels_path,
                loaded,
                models_dir,
                version=version,
                on_group=lambda group: progress.update(task, advance=1, description=group),
                decisions=decisions,
                descriptions=descriptions,
                document_models=reused,
                training=load_training_settings(training_file),
            )
        if promote_it:
            comparison, promoted = promote_if_better(
                models_dir,
                result.version,
                load_labeled_texts(labels_path, loaded),
                loaded,
                on_warning=lambda message: warn(("warning:", "yellow"), " ", message),
            )
    except user_errors() as error:
        fail(str(error))
    _print_metrics(
        result.metrics["test"], result.metrics["baseline"], f"{result.version} (test split)"
    )
    say(f"registered {result.folder}")
    if promote_it:
        against = comparison.current or "no current model"
        say(
            f"{'promoted' if promoted else 'not promoted'}: mean gain {comparison.gain:+.3f} "
            f"over {against} on the test split"
        )


def _interval(metrics: dict) -> str:
    """The bootstrap interval of micro-F1; metrics written before it existed have none."""
    interval = metrics.get("micro_f1_interval")
    return f"{interval[0]:.2f}-{interval[1]:.2f}" if interval else "-"


def _print_metrics(model: dict, baseline: dict, title: str) -> None:
    from cluster_nlp.taxonomy import GROUPS

    table = DataTable(title)
    for column in (
        "group",
        "micro-F1",
        "95% interval",
        "macro-F1",
        "P (micro)",
        "R (micro)",
        "baseline micro-F1",
        "ECE",
    ):
        table.add_column(column, justify="right" if column != "group" else "left")
    for group in GROUPS:
        row = model[group]
        table.add_row(
            group,
            f"{row['micro']['f1']:.3f}",
            _interval(row),
            f"{row['macro']['f1']:.3f}",
            f"{row['micro']['precision']:.3f}",
            f"{row['micro']['recall']:.3f}",
            f"{baseline[group]['micro']['f1']:.3f}",
            f"{row['ece']:.3f}",
        )
    show(table)


def check_split(split_name: str) -> None:
    if split_name not in ("train", "test", "all"):
        fail(f"--split must be train, test or all, not {split_name!r}", code=2)


def labelled_split(
    labels_path: Path, taxonomy_path: Path | None, split_name: str
) -> "tuple[Taxonomy, list[LabeledText]]":
    """The taxonomy and the labelled documents of ``split_name`` (train, test or all)."""
    from cluster_nlp.classify.data import load_labeled_texts
    from cluster_nlp.classify.train import split
    from cluster_nlp.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(taxonomy_path)
    examples = load_labeled_texts(labels_path, taxonomy)
    return taxonomy, examples if split_name == "all" else split(examples, split_name)


def corpus_vectors():
    """The on-disk store of the corpus's passage vectors (``vector_cache`` in the training
    settings), active for the models that read vectors by encoder name."""
    from cluster_nlp.classify.encoders import stored_vectors, vector_cache_sessions
    from cluster_nlp.classify.settings import load_training_settings
    from cluster_nlp.config import get_settings

    cache = get_settings().home / load_training_settings().vector_cache
    return stored_vectors(vector_cache_sessions(cache))


def evaluate_command(
    labels: LabelsOption = None,
    split_name: SplitOption = "test",
    model: ModelOption = None,
    models: ModelsOption = None,
    taxonomy: TaxonomyOption = None,
    views: Annotated[
        str,
        typer.Option(
            help="comma-separated views that imitate real input besides the documents: "
            "excerpts, no_headings, furniture, ocr_noise, lower_case; 'none' for none"
        ),
    ] = "excerpts,no_headings,furniture,ocr_noise,lower_case",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Evaluate a model version (or the keyword baseline) beside the baseline on labelled data,
    as documents and in views that imitate real input (excerpts, perturbed documents)."""
    check_split(split_name)
    from cluster_nlp.classify.predict import keyword_predictor
    from cluster_nlp.classify.settings import load_classify_settings
    from cluster_nlp.classify.train import evaluate_classifiers
    from cluster_nlp.classify.views import VIEWS, evaluate_views

    chosen_views = tuple(part.strip() for part in views.split(",") if part.strip() != "none")
    unknown = [name for name in chosen_views if name not in VIEWS]
    if unknown:
        fail(f"--views: unknown view {unknown[0]!r}; views are {', '.join(VIEWS)}", 2)
    labels_path, models_dir = default_paths(labels, models)
    try:
        predictor = load_predictor(model, models_dir, taxonomy)
        loaded_taxonomy, chosen = labelled_split(labels_path, taxonomy, split_name)
        settings = load_classify_settings()
    except user_errors() as error:
        fail(str(error))
    baseline = keyword_predictor(loaded_taxonomy).classifiers
    # the corpus's passage vectors are kept where training keeps them: nothing is embedded twice
    with corpus_vectors():
        report = {
            "model": predictor.version,
            "split": split_name,
            "documents": len(chosen),
            "metrics": evaluate_classifiers(predictor.classifiers, chosen, loaded_taxonomy),
            "baseline": evaluate_classifiers(baseline, chosen, loaded_taxonomy),
            "views": evaluate_views(
                predictor.classifiers,
                baseline,
                chosen,
                loaded_taxonomy,
                settings,
                tuple(name for name in chosen_views if name != "documents"),
            ),
        }
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=1))
        return
    _print_metrics(report["metrics"], report["baseline"], f"{predictor.version} on {split_name}")
    _print_views(report["views"])


def _print_views(views: dict) -> None:
    from cluster_nlp.taxonomy import GROUPS

    if not views:
        return
    table = DataTable("micro-F1 [95% interval] in views that imitate real input")
    table.add_column("view")
    table.add_column("texts", justify="right")
    for group in GROUPS:
        table.add_column(f"{group} model | baseline", justify="right")
    for view, row in views.items():
        table.add_row(
            view,
            str(row["documents"]),
            *(
                f"{cell['micro_f1']:.3f} [{cell['interval'][0]:.2f}-{cell['interval'][1]:.2f}]"
                f" | {cell['baseline_micro_f1']:.3f}"
                for cell in (row["groups"][group] for group in GROUPS)
            ),
        )
    show(table)


WORDS_ONLY_PARAMS = {"passage_weights": (0.0,), "prototype_weights": (0.0,)}


def learning_curve_command(
    labels: LabelsOption = None,
    taxonomy: TaxonomyOption = None,
    fractions: Annotated[
        str, typer.Option(help="shares of the train split, comma-separated")
    ] = "0.25,0.5,0.75,1",
    repeats: Annotated[int, typer.Option(help="draws per share below 1")] = 3,
    words_only: Annotated[
        bool, typer.Option("--words-only", help="the word model alone (no e5; much faster)")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Test micro-F1 against the number of training documents: what labelling more buys."""
    from cluster_nlp.classify.curve import check_fractions, learning_curve
    from cluster_nlp.classify.data import load_labeled_texts
    from cluster_nlp.taxonomy import GROUPS, load_taxonomy

    try:
        shares = check_fractions([float(part) for part in fractions.split(",") if part.strip()])
    except ValueError as error:
        fail(f"--fractions: {error}", code=2)
    if repeats < 1:
        fail(f"--repeats must be at least 1, not {repeats}", code=2)
    labels_path = default_paths(labels, None)[0]
    fits = sum(1 if share == 1.0 else repeats for share in shares)
    try:
        loaded_taxonomy = load_taxonomy(taxonomy)
        examples = load_labeled_texts(labels_path, loaded_taxonomy)
        with progress_bar("learning curve") as progress:
            task = progress.add_task("", total=fits)
            curve = learning_curve(
                examples,
                loaded_taxonomy,
                shares,
                repeats,
                WORDS_ONLY_PARAMS if words_only else None,
                on_fit=lambda share, _: progress.update(task, advance=1, description=f"{share:g}"),
            )
    except (*user_errors(), ValueError) as error:
        fail(str(error))
    if as_json:
        typer.echo(json.dumps(curve, ensure_ascii=False, indent=1))
        return
    table = DataTable(f"test micro-F1 ({curve['test_documents']} documents), mean ± spread")
    for column in ("share", "training documents", *GROUPS):
        table.add_column(column, justify="right")
    for point in curve["points"]:
        table.add_row(
            f"{point['fraction']:g}",
            str(point["documents"]),
            *(
                f"{point['groups'][g]['mean']:.3f} ± {point['groups'][g]['std']:.3f}"
                for g in GROUPS
            ),
        )
    table.add_row(
        "gain per doubling",
        "",
        *(f"{curve['gain_per_doubling'][g]:+.3f}" for g in GROUPS),
    )
    show(table)


def predict_command(
    files: Annotated[
        list[Path], typer.Argument(help=".pdf, .txt or .md files, and folders (recursively)")
    ],
    model: ModelOption = None,
    models: ModelsOption = None,
    taxonomy: TaxonomyOption = None,
    margin: Annotated[float, typer.Option(help="review margin around thresholds")] = DEFAULT_MARGIN,
    as_json: Annotated[
        bool, typer.Option("--json", help="one JSON object per line, for machines")
    ] = False,
) -> None:
    """Tag files without storing them: labels, scores, evidence passages and entities."""
    from cluster_nlp.classify.predict import predict_document
    from cluster_nlp.config import get_settings
    from cluster_nlp.ingest.files import InputPathError, discover, text_extractor_version
    from cluster_nlp.ingest.sandbox import ParseLimits, parse_files
    from cluster_nlp.nlp.extract import extract_entities
    from cluster_nlp.pathtext import path_text
    from cluster_nlp.taxonomy import load_taxonomy

    try:
        found = discover(files)
    except InputPathError as error:
        fail(str(error), code=2)
    if not found:
        fail("no .pdf, .txt or .md file in " + ", ".join(map(str, files)), code=2)
    try:
        predictor = load_predictor(model, default_paths(None, models)[1], taxonomy)
        loaded_taxonomy = load_taxonomy(taxonomy)
    except user_errors() as error:
        fail(str(error))
    settings = get_settings()
    limits = ParseLimits(settings.file_timeout_s, settings.file_memory_mb, settings.workers)
    failures = 0
    with progress_bar("predict") as progress:
        task = progress.add_task("", total=len(found))
        for result in parse_files(found, "auto", limits):
            progress.update(task, description=path_text(result.path.name))
            if result.document is None:
                warn(("failed", "red"), f" {path_text(result.path)}: {result.error}")
                failures += 1
                progress.advance(task)
                continue
            document = result.document
            prediction = predict_document(document, predictor, text_extractor_version(), margin)
            payload = prediction_json(path_text(result.path), document, prediction)
            payload["entities"] = [
                entity.model_dump(mode="json") for entity in extract_entities(document)
            ]
            if as_json:
                typer.echo(json.dumps(payload, ensure_ascii=False))
            else:
                _print_prediction(payload, prediction.thresholds, loaded_taxonomy)
            progress.advance(task)
    if failures:
        raise typer.Exit(1)


def prediction_json(path: str, document, prediction) -> dict:
    """``predict --json``'s line: the relevance decision, per group ``labels``, ``scores`` and
    ``needs_review``, the evidence per label, the terms that weighed most and the model
    version."""
    from cluster_nlp.taxonomy import GROUPS

    return {
        "path": path,
        "lang": document.lang,
        "relevance": prediction.relevance.model_dump(mode="json"),
        **{group: prediction.groups[group].model_dump(mode="json") for group in GROUPS},
        "evidence": {
            label: [
                {key: item[key] for key in ("text", "page", "start", "end", "score")}
                for item in evidence
            ]
            for label, evidence in prediction.model_dump(mode="json")["evidence"].items()
        },
        "terms": prediction.terms,
        "model_version": prediction.model_version,
    }


PREDICT_ENTITIES_SHOWN = 8


def _print_prediction(payload: dict, thresholds: dict, taxonomy: "Taxonomy") -> None:
    """One document's labels (named, with score against threshold), best evidence, entities."""
    from cluster_nlp.taxonomy import GROUPS

    say(
        (payload["path"], "bold"),
        (f"  lang {payload['lang'] or '-'}  model {payload['model_version']}", "dim"),
    )
    table = DataTable("", show_header=True, box=None, pad_edge=False)
    for column, justify in (
        ("group", "left"),
        ("label", "left"),
        ("score", "right"),
        ("threshold", "right"),
        ("review", "left"),
    ):
        table.add_column(column, justify=justify, no_wrap=column != "label")
    for group in GROUPS:
        outcome = payload[group]
        shown = sorted(
            set(outcome["labels"]) | set(outcome["needs_review"]),
            key=lambda label: -outcome["scores"][label],
        )
        if not shown:
            table.add_row(group, "-", "", "", "")
        for label in shown:
            assigned = label in outcome["labels"]
            review = ""
            if label in outcome["needs_review"]:
                review = "uncertain" if assigned else "close (not assigned)"
            table.add_row(
                group,
                taxonomy.label(label).ru if label in taxonomy.all_ids() else label,
                f"{outcome['scores'][label]:.3f}",
                f"{thresholds[label]:.3f}" if label in thresholds else "-",
                review,
            )
    show(table)
    for group in GROUPS:
        for label in payload[group]["labels"]:
            evidence = payload["evidence"].get(label, [])
            if evidence:
                best = max(evidence, key=lambda item: item["score"])
                say(
                    (f"  {label} p.{best['page']} ", "dim"),
                    " ".join(best["text"].split())[:300],
                )
    names = list(dict.fromkeys(f"{e['label']}:{e['text']}" for e in payload["entities"]))
    if names:
        more = len(names) - PREDICT_ENTITIES_SHOWN
        say(
            ("  entities: ", "dim"),
            "; ".join(names[:PREDICT_ENTITIES_SHOWN]) + (f" (+{more})" if more > 0 else ""),
        )
    say("")


def tag_command(
    db: DbOption = None,
    model: ModelOption = None,
    models: ModelsOption = None,
    taxonomy: TaxonomyOption = None,
    margin: Annotated[float, typer.Option(help="review margin around thresholds")] = DEFAULT_MARGIN,
    entities: Annotated[
        bool,
        typer.Option(
            "--entities/--no-entities",
            help="also extract the entities (and so regions) of documents that have none yet",
        ),
    ] = True,
) -> None:
    """Tag every stored document that this model version has not tagged yet, and extract the
    entities of those the entity extractor has not read yet."""
    from cluster_nlp.classify.tag import tag_documents
    from cluster_nlp.ingest.files import text_extractor_version
    from cluster_nlp.store.db import open_store

    try:
        predictor = load_predictor(model, default_paths(None, models)[1], taxonomy)
        sessions = open_store(db_url(db))
        with progress_bar("tag") as progress:
            task = progress.add_task("", total=None)
            summary = tag_documents(
                sessions,
                predictor,
                text_extractor_version(),
                margin=margin,
                on_total=lambda total: progress.update(task, total=total),
                on_document=lambda prediction: progress.update(task, advance=1),
            )
    except user_errors() as error:
        fail(str(error))
    say(
        f"model {summary.model_version}: tagged {len(summary.tagged)}, "
        f"{summary.needs_review} need review, {summary.skipped} already tagged"
    )
    if entities:
        _extract_missing_entities(sessions)


def _extract_missing_entities(sessions) -> None:
    from cluster_nlp.nlp.batch import extract_stored
    from cluster_nlp.nlp.choices import extractor_version
    from cluster_nlp.store.entities import documents_to_extract

    pending = documents_to_extract(sessions, extractor_version())
    with progress_bar("entities") as progress:
        task = progress.add_task("", total=len(pending))
        done = extract_stored(
            sessions, pending, on_document=lambda _: progress.update(task, advance=1)
        )
    say(f"entities ({extractor_version()}): extracted for {len(done)} documents")
