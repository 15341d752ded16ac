"""NER evaluation: markdown segments keep offsets, span matching, region accuracy, gold loading."""

from __future__ import annotations

import json

import pytest
import spacy

from cluster_nlp.corpus.schema import CorpusError
from cluster_nlp.nlp.evaluate import (
    GoldDocument,
    Mention,
    Tally,
    evaluate_pipeline,
    load_gold_documents,
    markdown_segments,
    predict_mentions,
    score_mentions,
    score_regions,
)


def mention(text: str, source: str, label: str, occurrence: int = 0) -> Mention:
    start = -1
    for _ in range(occurrence + 1):
        start = source.index(text, start + 1)
    return Mention(start, start + len(text), label, text)


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("# Кластер в Томске", ["Кластер в Томске"]),
        ("## Итоги\n\nТекст абзаца.", ["Итоги", "Текст абзаца."]),
        ("- первый пункт\n- второй пункт", ["первый пункт", "второй пункт"]),
        ("1. шаг один\n2) шаг два", ["шаг один", "шаг два"]),
        ("| Город | Доля |\n|---|---:|\n| Казань | 5% |", ["Город", "Доля", "Казань", "5%"]),
        (
            "Сумма выросла[^1] вдвое.\n\n[^1]: Данные Росстата.",
            ["Сумма выросла     вдвое.", "Данные Росстата."],
        ),
    ],
)
def test_markdown_segments_blank_syntax_and_keep_offsets(markdown, expected):
    segments = markdown_segments(markdown)
    assert [text for _, text in segments] == expected
    for start, text in segments:
        # Every visible character sits at its own offset in the markdown source.
        for offset, char in enumerate(text):
            if char != " ":
                assert markdown[start + offset] == char


def ruler_nlp(patterns: list[dict], lang: str = "ru"):
    nlp = spacy.blank(lang)
    nlp.add_pipe("entity_ruler").add_patterns(patterns)
    return nlp


def test_predicted_offsets_point_into_the_markdown_source():
    source = "# Итоги\n\n| Город | Сумма |\n|---|---|\n| Томск | 5 млн |\n\nЕщё раз Томск."
    nlp = ruler_nlp([{"label": "LOC", "pattern": "Томск"}])
    found = predict_mentions(nlp, source)
    assert [source[m.start : m.end] for m in found] == ["Томск", "Томск"]
    assert all(m.text == "Томск" for m in found)


GOLD_SOURCE = "Фонд «Сколково» в Москве выделил 5 млн рублей в 2021 году."


def tallies(gold: list[Mention], predicted: list[Mention]) -> dict[str, tuple]:
    return {
        label: (t.gold, t.predicted, t.exact, t.gold_overlapped, t.predicted_overlapping)
        for label, t in score_mentions(gold, predicted).items()
    }


@pytest.mark.parametrize(
    ("gold", "predicted", "expected"),
    [
        # exact match on every span
        (
            [("Москве", "LOC"), ("2021 году", "DATE")],
            [("Москве", "LOC"), ("2021 году", "DATE")],
            {"LOC": (1, 1, 1, 1, 1), "DATE": (1, 1, 1, 1, 1)},
        ),
        # boundary error: overlap counts, exact does not
        (
            [("Фонд «Сколково»", "ORG")],
            [("Сколково", "ORG")],
            {"ORG": (1, 1, 0, 1, 1)},
        ),
        # right span, wrong type: a miss for one label and a false alarm for the other
        (
            [("Москве", "LOC")],
            [("Москве", "ORG")],
            {"LOC": (1, 0, 0, 0, 0), "ORG": (0, 1, 0, 0, 0)},
        ),
        # two predictions inside one gold span: the gold span is found once
        (
            [("5 млн рублей", "MONEY")],
            [("5 млн", "MONEY"), ("рублей", "MONEY")],
            {"MONEY": (1, 2, 0, 1, 2)},
        ),
        # nothing predicted
        ([("Москве", "LOC")], [], {"LOC": (1, 0, 0, 0, 0)}),
    ],
)
def test_span_matching(gold, predicted, expected):
    as_mentions = [
        [mention(text, GOLD_SOURCE, label) for text, label in side] for side in (gold, predicted)
    ]
    assert tallies(*as_mentions) == expected


@pytest.mark.parametrize(
    ("tally", "expected"),
    [
        (
            Tally(gold=4, predicted=2, exact=2, gold_overlapped=3, predicted_overlapping=2),
            {"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "overlap_recall": 0.75},
        ),
        (Tally(gold=0, predicted=3, exact=0), {"precision": 0.0, "recall": 0.0, "f1": 0.0}),
        (Tally(), {"precision": 0.0, "recall": 0.0, "f1": 0.0, "overlap_f1": 0.0}),
    ],
)
def test_scores_from_counts(tally, expected):
    scores = tally.scores()
    for key, value in expected.items():
        assert scores[key] == pytest.approx(value)


REGION_SOURCE = "Кластеры Новосибирской области, Казани и Германии; офис в Томске."


@pytest.mark.parametrize(
    ("gold", "predicted", "expected"),
    [
        # the prediction is cut differently but normalises to the same subject
        ([("Новосибирской области", "LOC")], [("Новосибирской", "LOC")], (1, 1, 1)),
        ([("Казани", "LOC")], [("Казани", "LOC")], (1, 1, 1)),
        # a LOC elsewhere in the text does not count
        ([("Томске", "LOC")], [("Казани", "LOC")], (1, 0, 0)),
        # no prediction at all: checked, not found
        ([("Томске", "LOC")], [], (1, 0, 0)),
        # not a Russian region, or not a LOC: nothing to check
        ([("Германии", "LOC")], [("Германии", "LOC")], (0, 0, 0)),
        ([("Казани", "ORG")], [("Казани", "LOC")], (0, 0, 0)),
        # a prediction of another type does not count
        ([("Казани", "LOC")], [("Казани", "ORG")], (1, 0, 0)),
    ],
)
def test_region_normalisation(gold, predicted, expected):
    result = score_regions(
        [mention(text, REGION_SOURCE, label) for text, label in gold],
        [mention(text, REGION_SOURCE, label) for text, label in predicted],
    )
    assert (result.checked, result.found, result.correct) == expected


def test_region_with_a_wrong_subject_is_not_correct():
    source = "Офис в Казани, филиал в Томске."
    gold = [mention("Казани", source, "LOC")]
    # Same place in the text, but the predicted text normalises to another subject.
    wrong = [Mention(gold[0].start, gold[0].end, "LOC", "Томске")]
    result = score_regions(gold, wrong)
    assert (result.checked, result.found, result.correct) == (1, 1, 0)


def test_evaluate_pipeline_per_language_with_errors():
    ru_text = "# Отчёт\n\nВ Томске выделили 5 млн рублей."
    en_text = "Funding in Tomsk reached $5 million."
    documents = [
        GoldDocument(
            "ru-1",
            "ru",
            "test",
            ru_text,
            (mention("Томске", ru_text, "LOC"), mention("5 млн рублей", ru_text, "MONEY")),
        ),
        GoldDocument("en-1", "en", "test", en_text, (mention("Tomsk", en_text, "LOC"),)),
    ]
    pipelines = {
        "ru": ruler_nlp([{"label": "LOC", "pattern": "Томске"}]),
        "en": ruler_nlp([{"label": "ORG", "pattern": "Tomsk"}], "en"),
    }
    results = evaluate_pipeline(documents, pipelines.__getitem__, keep_errors=True)
    ru, en = results["ru"].report(), results["en"].report()
    assert ru["labels"]["LOC"]["f1"] == 1.0
    assert ru["labels"]["MONEY"]["recall"] == 0.0
    assert ru["labels"]["ALL"]["precision"] == 1.0 and ru["labels"]["ALL"]["recall"] == 0.5
    assert ru["regions"] == {
        "checked": 1,
        "found": 1,
        "correct": 1,
        "accuracy": 1.0,
        "accuracy_when_found": 1.0,
    }
    assert en["labels"]["LOC"]["recall"] == 0.0 and en["labels"]["ORG"]["precision"] == 0.0
    assert {(e["kind"], e["label"], e["text"]) for e in results["en"].errors} == {
        ("missed", "LOC", "Tomsk"),
        ("spurious", "ORG", "Tomsk"),
    }


def write_corpus(folder, documents: list[dict]) -> None:
    (folder / "src").mkdir(parents=True)
    lines = []
    for doc in documents:
        (folder / "src" / f"{doc['doc_id']}.md").write_text(doc["text"], encoding="utf-8")
        spans = None
        if doc.get("entities") is not None:
            spans = [
                {"start": m.start, "end": m.end, "label": m.label, "text": m.text}
                for m in (mention(text, doc["text"], label) for text, label in doc["entities"])
            ]
        lines.append(
            json.dumps(
                {
                    "doc_id": doc["doc_id"],
                    "path": f"pdf/{doc['doc_id']}.pdf",
                    "source": f"src/{doc['doc_id']}.md",
                    "lang": doc["lang"],
                    "genre": "news",
                    "split": doc["split"],
                    "entities": spans,
                },
                ensure_ascii=False,
            )
        )
    (folder / "labels.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_gold_documents_by_split_and_only_annotated(tmp_path):
    write_corpus(
        tmp_path,
        [
            {
                "doc_id": "ru-001",
                "lang": "ru",
                "split": "test",
                "text": "# Томск\n\nГород Томск.",
                "entities": [("Томск", "LOC")],
            },
            {
                "doc_id": "ru-002",
                "lang": "ru",
                "split": "train",
                "text": "# Казань",
                "entities": [("Казань", "LOC")],
            },
            {"doc_id": "ru-003", "lang": "ru", "split": "test", "text": "# Без разметки"},
        ],
    )
    test = load_gold_documents(tmp_path / "labels.jsonl", "test")
    assert [doc.doc_id for doc in test] == ["ru-001"]
    assert [m.text for m in test[0].mentions] == ["Томск"]
    every = load_gold_documents(tmp_path / "labels.jsonl", "all")
    assert [doc.doc_id for doc in every] == ["ru-001", "ru-002"]


def test_gold_span_that_does_not_match_its_source_is_an_error(tmp_path):
    write_corpus(
        tmp_path,
        [
            {
                "doc_id": "ru-001",
                "lang": "ru",
                "split": "test",
                "text": "# Томск",
                "entities": [("Томск", "LOC")],
            }
        ],
    )
    (tmp_path / "src" / "ru-001.md").write_text("# Омск!!", encoding="utf-8")
    with pytest.raises(CorpusError, match="does not match"):
        load_gold_documents(tmp_path / "labels.jsonl", "test")


def test_unknown_split_is_an_error(tmp_path):
    with pytest.raises(CorpusError, match="split must be"):
        load_gold_documents(tmp_path / "labels.jsonl", "dev")
