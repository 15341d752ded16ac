"""Training the ner on a handful of sentences, combining it with the rules, recording defaults."""

from __future__ import annotations

import pytest
import spacy

from cluster_nlp.nlp.evaluate import GoldDocument, LanguageResult, Mention, Tally
from cluster_nlp.nlp.pipeline import PipelineChoiceError, build_pipeline, default_choices
from cluster_nlp.nlp.train import (
    TRAIN_CONFIG,
    LanguageOutcome,
    TrainingError,
    annotated_docs,
    choose,
    hold_out,
    newest_version,
    sources_by_type,
    train_model,
    write_defaults,
)

SENTENCES = [
    ("Acme Systems opened an office in Oslo.", [("Acme Systems", "ORG"), ("Oslo", "LOC")]),
    ("Vector Labs moved to Bergen.", [("Vector Labs", "ORG"), ("Bergen", "LOC")]),
    ("Nordic Vision hired staff in Oslo.", [("Nordic Vision", "ORG"), ("Oslo", "LOC")]),
    ("Acme Systems signed a deal in Bergen.", [("Acme Systems", "ORG"), ("Bergen", "LOC")]),
    ("Vector Labs expanded in Trondheim.", [("Vector Labs", "ORG"), ("Trondheim", "LOC")]),
    ("Nordic Vision opened a lab in Bergen.", [("Nordic Vision", "ORG"), ("Bergen", "LOC")]),
]


def gold_document(doc_id: str, text: str, spans: list[tuple[str, str]]) -> GoldDocument:
    mentions = []
    for surface, label in spans:
        start = text.index(surface)
        mentions.append(Mention(start, start + len(surface), label, surface))
    return GoldDocument(doc_id, "en", "train", text, tuple(mentions))


DOCUMENTS = [
    gold_document(f"en-{number:03d}", f"# Note {number}\n\n{text}", spans)
    for number, (text, spans) in enumerate(SENTENCES, start=1)
]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("ner") / "v1" / "en"
    return train_model("en", DOCUMENTS, DOCUMENTS[:2], out, overrides={"training.max_epochs": 40})


def test_hold_out_is_a_fixed_disjoint_share():
    fit, dev = hold_out(DOCUMENTS, share=0.34)
    assert len(dev) == 3 and len(fit) == 3
    assert {doc.doc_id for doc in fit}.isdisjoint(doc.doc_id for doc in dev)
    again_fit, again_dev = hold_out(list(reversed(DOCUMENTS)), share=0.34)
    assert [doc.doc_id for doc in again_dev] == [doc.doc_id for doc in dev]
    assert hold_out(DOCUMENTS[:1]) == (DOCUMENTS[:1], [])


def test_annotated_docs_carry_gold_spans_per_segment():
    docs = annotated_docs(spacy.blank("en"), DOCUMENTS[:1])
    assert [doc.text for doc in docs] == ["Note 1", SENTENCES[0][0]]
    assert docs[0].ents == ()
    assert [(ent.text, ent.label_) for ent in docs[1].ents] == SENTENCES[0][1]


def test_annotated_docs_widen_spans_to_token_boundaries():
    document = GoldDocument("en-x", "en", "train", "Acme's office", (Mention(0, 3, "ORG", "Acm"),))
    (doc,) = annotated_docs(spacy.blank("en"), [document])
    assert [(ent.text, ent.label_) for ent in doc.ents] == [("Acme", "ORG")]


def test_trained_model_learns_the_training_sentences(tiny_model):
    nlp = spacy.load(tiny_model)
    assert nlp.pipe_names == ["ner"]
    found = {(ent.text, ent.label_) for ent in nlp(SENTENCES[0][0]).ents}
    assert ("Acme Systems", "ORG") in found
    assert ("Oslo", "LOC") in found
    assert "Initial learn rate" in (tiny_model / "training.log").read_text("utf-8")


def test_combined_pipeline_keeps_the_rule_spans(tiny_model):
    nlp = build_pipeline("en", "combined", tiny_model)
    assert nlp.pipe_names == ["entity_ruler", "ner"]
    doc = nlp("Acme Systems raised $14.3 billion in Oslo in 2021.")
    found = {(ent.text, ent.label_) for ent in doc.ents}
    assert {("$14.3 billion", "MONEY"), ("2021", "DATE")} <= found  # the ruler's
    assert {("Acme Systems", "ORG"), ("Oslo", "LOC")} <= found  # the ner's, around them
    assert build_pipeline("en", "trained", tiny_model).pipe_names == ["ner"]


def test_a_trained_kind_without_a_model_is_a_one_line_error(tmp_path):
    with pytest.raises(PipelineChoiceError, match="needs a trained model"):
        build_pipeline("en", "combined", tmp_path / "missing")


def result_with_f1(exact: int) -> LanguageResult:
    result = LanguageResult()
    result.labels["ORG"] = Tally(gold=10, predicted=10, exact=exact)
    return result


@pytest.mark.parametrize(
    ("exact", "expected"),
    [
        ({"rules": 8, "trained": 6, "combined": 7}, "rules"),
        ({"rules": 5, "trained": 6, "combined": 7}, "combined"),
        ({"rules": 5, "trained": 9, "combined": 7}, "trained"),
        ({"rules": 7, "trained": 7, "combined": 7}, "rules"),  # ties keep the rules
        ({"rules": 7}, "rules"),
    ],
)
def test_choose_the_best_micro_f1(exact, expected):
    assert choose({kind: result_with_f1(value) for kind, value in exact.items()}) == expected


def results(exact_by_label: dict[str, dict[str, int]]) -> dict[str, LanguageResult]:
    by_kind: dict[str, LanguageResult] = {}
    for label, exact in exact_by_label.items():
        for kind, value in exact.items():
            tally = Tally(gold=10, predicted=10, exact=value)
            by_kind.setdefault(kind, LanguageResult()).labels[label] = tally
    return by_kind


@pytest.mark.parametrize(
    ("exact_by_label", "expected"),
    [
        (
            {
                "ORG": {"rules": 8, "trained": 6, "combined": 7},
                "AI_TECH": {"rules": 5, "trained": 8, "combined": 6},
                "LOC": {"rules": 5, "trained": 6, "combined": 7},
            },
            {"AI_TECH": "trained", "LOC": "combined", "ORG": "rules"},
        ),
        ({"ORG": {"rules": 7, "trained": 7, "combined": 7}}, {"ORG": "rules"}),
        ({"DATE": {"rules": 0, "trained": 4}}, {"DATE": "trained"}),
    ],
)
def test_each_type_takes_the_source_with_the_best_f1(exact_by_label, expected):
    assert sources_by_type(results(exact_by_label)) == expected


def test_by_type_pipeline_takes_the_named_types_from_the_trained_model(tiny_model):
    nlp = build_pipeline("en", "by_type", tiny_model, {"ORG": "trained", "LOC": "combined"})
    assert nlp.pipe_names[-1] == "entity_sources"
    doc = nlp("Acme Systems raised $14.3 billion in Oslo in 2021.")
    found = {(ent.text, ent.label_) for ent in doc.ents}
    assert {("$14.3 billion", "MONEY"), ("2021", "DATE")} <= found  # the ruler's
    assert {("Acme Systems", "ORG"), ("Oslo", "LOC")} <= found  # the trained model's


def outcome(lang: str, chosen: str, model, types=None) -> LanguageOutcome:
    return LanguageOutcome(lang, model, [], [], {}, {}, chosen, types)


def test_defaults_round_trip_relative_to_the_models_folder(tmp_path, monkeypatch):
    models = tmp_path / "models"
    monkeypatch.setenv("CLUSTER_NLP_MODELS_DIR", str(models))
    path = tmp_path / "default_pipeline.yaml"
    outside = tmp_path / "elsewhere" / "en"
    write_defaults(
        [outcome("ru", "rules", models / "ner" / "v1" / "ru"), outcome("en", "combined", outside)],
        models,
        path,
    )
    assert "model: " + outside.resolve().as_posix() in path.read_text("utf-8")
    choices = default_choices(path)
    assert choices["ru"] == ("rules", None, None)
    assert choices["en"] == ("combined", outside.resolve(), None)

    write_defaults([outcome("en", "trained", models / "ner" / "v2" / "en")], models, path)
    assert "model: ner/v2/en" in path.read_text("utf-8")
    assert default_choices(path)["en"] == ("trained", models / "ner" / "v2" / "en", None)
    assert default_choices(path)["ru"].kind == "rules"

    types = {"AI_TECH": "trained", "ORG": "rules"}
    write_defaults([outcome("en", "by_type", models / "ner" / "v3" / "en", types)], models, path)
    assert default_choices(path)["en"] == ("by_type", models / "ner" / "v3" / "en", types)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("ru: {pipeline: rules}\n", "one entry for each"),
        ("ru: {pipeline: rules}\nen: {pipeline: magic}\n", "en needs pipeline"),
        ("ru: {pipeline: combined}\nen: {pipeline: rules}\n", "need one"),
        ("ru: {pipeline: rules, model: ner/v1/ru}\nen: {pipeline: rules}\n", "takes no model"),
        ("ru: {pipeline: by_type, model: ner/v1/ru}\nen: {pipeline: rules}\n", "needs types"),
        (
            "ru: {pipeline: by_type, model: m, types: {ORG: magic}}\nen: {pipeline: rules}\n",
            "needs types",
        ),
        ("ru: {pipeline: rules, types: {ORG: rules}}\nen: {pipeline: rules}\n", "only by_type"),
    ],
)
def test_malformed_defaults_are_one_line_errors(tmp_path, content, message):
    path = tmp_path / "default_pipeline.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PipelineChoiceError, match=message):
        default_choices(path)


def test_newest_version_by_name(tmp_path):
    assert newest_version(tmp_path) is None
    for name in ("20250101-000000", "20250301-000000", "20250201-000000"):
        (tmp_path / "ner" / name).mkdir(parents=True)
    assert newest_version(tmp_path).name == "20250301-000000"


def test_a_broken_training_config_is_a_one_line_error(tmp_path):
    config = tmp_path / "broken.cfg"
    config.write_text(
        TRAIN_CONFIG.read_text("utf-8").replace("max_epochs = 20", "max_epochs = many"),
        encoding="utf-8",
    )
    with pytest.raises(TrainingError, match="not a valid training config"):
        train_model("en", DOCUMENTS, [], tmp_path / "out", config)


@pytest.mark.parametrize("gold", [0, 3])
def test_a_type_no_source_finds_takes_the_best_source_overall(gold):
    dev = results({"ORG": {"rules": 5, "trained": 6, "combined": 8}})
    for kind, predicted in (("rules", 0), ("trained", 2), ("combined", 1)):
        dev[kind].labels["PER"] = Tally(gold=gold, predicted=predicted, exact=0)
    assert sources_by_type(dev) == {"ORG": "combined", "PER": "combined"}
