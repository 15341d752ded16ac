"""Model versions: skops files that refuse tampering, untrusted types and another taxonomy."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
import yaml
from sklearn.linear_model import LogisticRegression

from cluster_nlp.classify.data import load_labeled_texts
from cluster_nlp.classify.semantic import group_prototypes
from cluster_nlp.classify.train import fit_classifiers, split, train_and_register
from cluster_nlp.registry import (
    MODEL_FILE,
    ModelFileError,
    TaxonomyMismatchError,
    current_version,
    list_versions,
    load_classifiers,
    load_version,
    promote,
    save_version,
)
from cluster_nlp.taxonomy import UnknownLabelError, load_taxonomy


def test_version_folder_has_model_metrics_card_and_hashes(trained_models, tiny_taxonomy):
    folder = trained_models / "v1"
    assert {p.name for p in folder.iterdir()} == {
        "model.skops",
        "metadata.json",
        "metrics.json",
        "model-card.md",
    }
    metadata = json.loads((folder / "metadata.json").read_text())
    assert metadata["taxonomy_version"] == tiny_taxonomy.version
    assert len(metadata["data_sha256"]) == 64
    metrics = json.loads((folder / "metrics.json").read_text())
    assert set(metrics) == {
        "test",
        "baseline",
        "cross_validation",
        "thresholds",
        "features",
        "model_choice",
    }
    assert metrics["model_choice"] is None  # one kind of model was trained, nothing chosen
    assert set(metadata["models"].values()) == {"document"}
    assert len(metadata["training_settings"]["sha256"]) == 64
    assert metrics["features"]["embeddings"] is None  # the session's model is words alone
    assert "by_genre" in metrics["test"]["functions"]
    assert "| functions |" in (folder / "model-card.md").read_text()
    assert metadata["chosen_C"].keys() == metrics["test"].keys()


def test_model_file_stays_small_and_holds_no_vectorizer(trained_models):
    """The vocabulary is packed into arrays: no dict of terms and no functions in the file."""
    path = trained_models / "v1" / MODEL_FILE
    assert path.stat().st_size < 200_000
    assert sio.get_untrusted_types(file=path) == ["cluster_nlp.classify.model.GroupClassifier"]


def test_promote_and_load_round_trip(models_copy, tiny_taxonomy, shared_corpus, tiny_params):
    models = models_copy
    assert current_version(models) is None
    promote(models, "v1")
    assert current_version(models) == "v1"
    loaded = load_version(models, tiny_taxonomy)
    examples = load_labeled_texts(shared_corpus, tiny_taxonomy)
    texts = [e.text for e in examples[:5]]
    assert loaded.classifiers["functions"].predict_proba(texts).shape == (5, 3)
    refit = fit_classifiers(split(examples, "train"), tiny_taxonomy, tiny_params)
    for group, model in loaded.classifiers.items():
        np.testing.assert_allclose(model.predict_proba(texts), refit[group].predict_proba(texts))
        assert model.top_terms(texts[0], model.classes_[0]) == refit[group].top_terms(
            texts[0], model.classes_[0]
        )
    assert [v["version"] for v in list_versions(models)] == ["v1"]
    assert list_versions(models)[0]["current"] is True


def test_a_model_with_embedding_scores_saves_no_embedder_and_loads_with_the_engine_it_is_given(
    shared_corpus, tiny_taxonomy, tiny_params, fake_embedder, tmp_path
):
    params = {**tiny_params, "passage_weights": (0.3,), "prototype_weights": (0.3,)}
    result = train_and_register(
        shared_corpus,
        tiny_taxonomy,
        tmp_path / "models",
        {**params, "embedder": fake_embedder},
        version="e1",
    )
    path = result.folder / MODEL_FILE
    assert sio.get_untrusted_types(file=path) == ["cluster_nlp.classify.model.GroupClassifier"]
    metadata = json.loads((result.folder / "metadata.json").read_text())
    assert "embedder" not in metadata["params"]
    weights = {"words": 0.4, "passages": 0.3, "prototypes": 0.3}
    assert metadata["features"]["weights"]["functions"] == pytest.approx(weights)
    assert "prototypes 0.3" in (result.folder / "model-card.md").read_text()
    loaded = load_version(tmp_path / "models", tiny_taxonomy, "e1").classifiers
    refit = fit_classifiers(
        split(load_labeled_texts(shared_corpus, tiny_taxonomy), "train"),
        tiny_taxonomy,
        {**params, "embedder": fake_embedder},
    )
    texts = ["Акселератор помог стартапам.", "Консорциум университетов подписал договор."]
    for group, model in loaded.items():
        assert model.embedder is None
        model.set_params(embedder=fake_embedder)
        np.testing.assert_allclose(model.predict_proba(texts), refit[group].predict_proba(texts))


@pytest.mark.parametrize("descriptions", [False, True])
def test_descriptive_sentences_are_read_only_on_request_and_recorded(
    shared_corpus, tiny_taxonomy, tiny_params, fake_embedder, tmp_path, descriptions
):
    params = {**tiny_params, "prototype_weights": (0.3,), "embedder": fake_embedder}
    result = train_and_register(
        shared_corpus, tiny_taxonomy, tmp_path, params, version="d", descriptions=descriptions
    )
    metadata = json.loads((result.folder / "metadata.json").read_text())
    assert metadata["descriptions"] is descriptions
    card = (result.folder / "model-card.md").read_text()
    assert ("descriptive sentences" in card) is descriptions
    model = load_version(tmp_path, tiny_taxonomy, "d").classifiers["functions"]
    sentences = sum(
        len(label.descriptions.ru) + len(label.descriptions.en)
        for label in tiny_taxonomy.group("functions").labels
    )
    plain = sum(map(len, group_prototypes(tiny_taxonomy, "functions")))
    assert len(model.prototype_labels_) == plain + (sentences if descriptions else 0)


def test_unknown_version_and_bad_names_are_refused(trained_models, tiny_taxonomy):
    models = trained_models
    with pytest.raises(ModelFileError, match="not found"):
        load_version(models, tiny_taxonomy, "v9")
    with pytest.raises(ModelFileError, match="invalid model version name"):
        load_version(models, tiny_taxonomy, "../../etc")
    with pytest.raises(ModelFileError, match="not found"):
        promote(models, "v9")


def test_tampered_model_file_is_refused(models_copy, tiny_taxonomy):
    models = models_copy
    path = models / "v1" / MODEL_FILE
    data = bytearray(path.read_bytes())
    data[-40] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="tampered or corrupted"):
        load_version(models, tiny_taxonomy, "v1")


def test_untrusted_types_are_refused(tmp_path: Path):
    path = tmp_path / "evil.skops"
    sio.dump({"functions": LogisticRegression(), "hook": print}, path)
    with pytest.raises(ModelFileError, match="untrusted types"):
        load_classifiers(path)


def test_a_file_from_elsewhere_is_refused(tmp_path: Path):
    path = tmp_path / "model.skops"
    path.write_bytes(b"\x80\x04this is a pickle, not a skops zip")
    with pytest.raises(ModelFileError, match="not a skops model file"):
        load_classifiers(path)


def test_trusted_types_of_the_wrong_shape_are_refused(tmp_path: Path):
    path = tmp_path / "model.skops"
    sio.dump({"functions": LogisticRegression()}, path)
    with pytest.raises(ModelFileError, match="does not hold cluster-nlp group classifiers"):
        load_classifiers(path)


def test_model_trained_on_another_taxonomy_is_refused(trained_models, tiny_taxonomy_path, tmp_path):
    models = trained_models
    changed = yaml.safe_load(tiny_taxonomy_path.read_text())
    changed["groups"][1]["labels"][0]["definition"] += " Revised."
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump(changed, allow_unicode=True))
    with pytest.raises(TaxonomyMismatchError, match="retrain"):
        load_version(models, load_taxonomy(other), "v1")


def test_unknown_label_in_training_data_names_document_and_id(tiny_corpus, tiny_taxonomy):
    lines = tiny_corpus.read_text().splitlines()
    first = json.loads(lines[0])
    first["functions"] = ["time_travel"]
    tiny_corpus.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    with pytest.raises(
        UnknownLabelError, match="document t-000 has unknown functions id 'time_travel'"
    ):
        load_labeled_texts(tiny_corpus, tiny_taxonomy)


@pytest.mark.parametrize("char_ngrams", [(3, 5), None])
def test_a_model_with_or_without_the_char_view_scores_the_same_after_the_registry(
    shared_corpus, tiny_taxonomy, tiny_params, tmp_path, char_ngrams
):
    examples = split(load_labeled_texts(shared_corpus, tiny_taxonomy), "train")
    params = {**tiny_params, "char_ngrams": char_ngrams}
    classifiers = fit_classifiers(examples, tiny_taxonomy, params)
    metadata = {"taxonomy_version": tiny_taxonomy.version}
    save_version(tmp_path, "c1", classifiers, metadata, {}, "card")
    path = tmp_path / "c1" / MODEL_FILE
    assert sio.get_untrusted_types(file=path) == ["cluster_nlp.classify.model.GroupClassifier"]
    assert path.stat().st_size < 400_000
    loaded = load_version(tmp_path, tiny_taxonomy, "c1").classifiers
    texts = [e.text for e in examples[:6]] + ["Акселераторами помогли стартапам."]
    for group, model in loaded.items():
        assert model.get_params()["char_ngrams"] == classifiers[group].char_ngrams
        original = classifiers[group].char_features_
        if char_ngrams is None:
            assert model.char_features_ is None and original is None
        else:
            assert model.char_features_.vocabulary_ == original.vocabulary_
            assert model.char_features_.transform(texts[-1:]).nnz > 0
        np.testing.assert_allclose(
            model.predict_proba(texts), classifiers[group].predict_proba(texts), rtol=1e-6
        )


def test_document_models_without_every_group_are_refused_before_any_training(
    trained_models, tiny_taxonomy, shared_corpus, tmp_path, monkeypatch
):
    from cluster_nlp.classify import train as training

    def no_training(*args, **kwargs):
        raise AssertionError("the passage models were trained before the check")

    monkeypatch.setattr(training, "fit_passage_classifiers", no_training)
    loaded = load_version(trained_models, tiny_taxonomy, "v1").classifiers
    partial = {"functions": loaded["functions"]}
    with pytest.raises(ModelFileError, match="has no document model for formation_type"):
        train_and_register(
            shared_corpus, tiny_taxonomy, tmp_path, kind="best", document_models=("v1", partial)
        )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"shared_threshold": True}, "one decision threshold serves every label of the group"),
        ({"shared_threshold": False}, "its own cut"),
        ({}, "its own cut"),  # models trained before the option: each label's own
    ],
)
def test_the_model_card_says_how_thresholds_were_chosen(params, expected):
    from cluster_nlp.classify.train import _threshold_text

    assert expected in _threshold_text(params, "out-of-fold scores", "its own cut")
