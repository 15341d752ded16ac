"""merge: entity location, refusal of bad drafts, stratified and stable splits."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from cluster_nlp.corpus.merge import (
    MergeError,
    assign_splits,
    locate_entities,
    merge_drafts,
    stratum,
)
from cluster_nlp.corpus.schema import DraftEntity, LabelRecord, Split, read_label_records


@pytest.mark.parametrize(
    ("text", "entities", "expected", "missing", "unplaced"),
    [
        # every whole-word occurrence is marked
        ("Томск и снова Томск.", [("Томск", "LOC")], [("Томск", 0), ("Томск", 14)], [], []),
        # whole words only: "Томск" is not inside "Томске" or "Томская"
        ("В Томске, Томская и Томск", [("Томск", "LOC")], [("Томск", 20)], [], []),
        # no whole-word occurrence at all
        ("В Томске было тихо.", [("Томск", "LOC")], [], ["Томск"], []),
        # longest first: the longer string claims the overlap, the shorter keeps free occurrences
        (
            "Кластер искусственного интеллекта изучает искусственного интеллекта этику.",
            [("искусственного интеллекта", "ORG"), ("Кластер искусственного интеллекта", "ORG")],
            [("Кластер искусственного интеллекта", 0), ("искусственного интеллекта", 42)],
            [],
            [],
        ),
        # a string found only inside a longer entity is reported as unplaced
        (
            "Новосибирская область растёт.",
            [("область", "LOC"), ("Новосибирская область", "LOC")],
            [("Новосибирская область", 0)],
            [],
            ["область"],
        ),
        # punctuation and regex characters at the edges
        (
            "Рынок вырос на 12% до $291 млн («Цифровая экономика»).",
            [("12%", "MONEY"), ("$291 млн", "MONEY"), ("«Цифровая экономика»", "ORG")],
            [("12%", 15), ("$291 млн", 22), ("«Цифровая экономика»", 32)],
            [],
            [],
        ),
        # the same string listed twice is one entity
        ("Oslo, Oslo.", [("Oslo", "LOC"), ("Oslo", "LOC")], [("Oslo", 0), ("Oslo", 6)], [], []),
    ],
)
def test_locate_entities(text, entities, expected, missing, unplaced) -> None:
    spans, not_found, inside = locate_entities(
        text, [DraftEntity(text=t, label=lab) for t, lab in entities]
    )
    assert [(span.text, span.start) for span in spans] == expected
    for span in spans:
        assert text[span.start : span.end] == span.text
    assert [entity.text for entity in not_found] == missing
    assert [entity.text for entity in inside] == unplaced


def test_merge_writes_records_with_matching_offsets(small_corpus, taxonomy, requirements) -> None:
    corpus, draft = small_corpus
    result = merge_drafts([draft], corpus, taxonomy, requirements)
    assert result.added == ["en-001", "ru-001", "ru-002", "ru-003"]
    assert result.updated == [] and result.warnings == []
    records = {r.doc_id: r for r in read_label_records(corpus / "labels.jsonl")}
    assert set(records) == set(result.added)
    first = records["ru-001"]
    assert (first.path, first.source) == ("pdf/ru-001.pdf", "src/ru-001.md")
    text = (corpus / first.source).read_text(encoding="utf-8")
    assert [span.text for span in first.entities] == [
        "Томске",
        "Томске",
        "2021 году",
        "АНО «Томский кластер»",
        "Томская область",
        "10 млн рублей",
    ]
    assert all(text[span.start : span.end] == span.text for span in first.entities)
    assert records["ru-002"].entities is None
    assert first.labels.functions == ["training"]


def _bad_line(problem: str, make_draft) -> tuple[dict, str]:
    if problem == "unknown formation type":
        return make_draft(
            "ru-001", formation_type=["galactic"]
        ), "ru-001: unknown formation_type id 'galactic'"
    if problem == "id of another group":
        return make_draft("ru-001", functions=["agency"]), "ru-001: unknown functions id 'agency'"
    if problem == "unknown entity type":
        return make_draft(
            "ru-001", entities=[("Томске", "CITY")]
        ), "ru-001: unknown entity type 'CITY'"
    if problem == "missing source":
        return make_draft("ru-404"), "ru-404: source src/ru-404.md does not exist"
    if problem == "entity not in text":
        return make_draft(
            "ru-001", entities=[("Омске", "LOC")]
        ), "ru-001: entity 'Омске' (LOC) has no whole-word"
    if problem == "bad genre":
        return {**make_draft("ru-001"), "genre": "poem"}, "batch.jsonl:1: genre"
    if problem == "bad doc id":
        return make_draft("RU 001"), "batch.jsonl:1: doc_id"
    raise AssertionError(problem)


@pytest.mark.parametrize(
    "problem",
    [
        "unknown formation type",
        "id of another group",
        "unknown entity type",
        "missing source",
        "entity not in text",
        "bad genre",
        "bad doc id",
    ],
)
def test_bad_drafts_are_refused_and_nothing_is_written(
    problem, write_corpus, make_draft, taxonomy, requirements
) -> None:
    line, message = _bad_line(problem, make_draft)
    corpus, draft = write_corpus({"ru-001": "# Томск\n\nВ Томске открыли курсы.\n"}, [line])
    with pytest.raises(MergeError) as caught:
        merge_drafts([draft], corpus, taxonomy, requirements)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
    assert not (corpus / "labels.jsonl").exists()


def test_every_problem_is_listed(write_corpus, make_draft, taxonomy, requirements) -> None:
    corpus, draft = write_corpus(
        {"ru-001": "# Томск\n\nТекст.\n"},
        [make_draft("ru-001", functions=["nope"]), make_draft("ru-002"), make_draft("ru-001")],
    )
    with pytest.raises(MergeError) as caught:
        merge_drafts([draft], corpus, taxonomy, requirements)
    problems = caught.value.problems
    assert len(problems) == 3
    assert "batch.jsonl:3: doc id ru-001 is already in batch.jsonl:1" in problems
    assert str(caught.value).endswith("(and 2 more)")


def test_duplicate_ids_across_draft_files(write_corpus, make_draft, taxonomy, requirements) -> None:
    corpus, first = write_corpus({"ru-001": "# Томск\n\nТекст.\n"}, [make_draft("ru-001")], "one")
    _, second = write_corpus({}, [make_draft("ru-001")], "two")
    with pytest.raises(MergeError, match="two.jsonl:1: doc id ru-001 is already in one.jsonl:1"):
        merge_drafts([first, second], corpus, taxonomy, requirements)


def _many_drafts(make_draft, count: int) -> tuple[dict[str, str], list[dict]]:
    """Documents spread over four strata: (ru|en) x (local|negative)."""
    sources, drafts = {}, []
    for n in range(count):
        lang = "ru" if n % 2 == 0 else "en"
        doc_id = f"{lang}-{n:03d}"
        sources[doc_id] = f"# Документ {n}\n\nТекст номер {n}.\n"
        if n % 4 < 2:
            drafts.append(
                make_draft(doc_id, lang=lang, formation_type=["local"], functions=["training"])
            )
        else:
            drafts.append(make_draft(doc_id, lang=lang))
    return sources, drafts


def test_splits_are_stratified(write_corpus, make_draft, taxonomy, requirements) -> None:
    sources, drafts = _many_drafts(make_draft, 41)
    corpus, draft = write_corpus(sources, drafts)
    records = merge_drafts([draft], corpus, taxonomy, requirements).records
    strata: dict[str, Counter] = {}
    for record in records:
        key = stratum(record.labels, record.lang, taxonomy, requirements)
        strata.setdefault(key, Counter())[record.split] += 1
    assert set(strata) == {"ru/local", "en/local", "ru/negative", "en/negative"}
    for counts in strata.values():
        total = sum(counts.values())
        assert counts[Split.TEST] / total >= requirements.test_share
        assert counts[Split.TEST] <= total * requirements.test_share + 1  # rounded up, not more
        assert counts[Split.TRAIN] > 0


def test_splits_are_deterministic(tmp_path, make_draft, taxonomy, requirements) -> None:
    sources, drafts = _many_drafts(make_draft, 24)
    outcomes = []
    for attempt in ("a", "b"):
        corpus = tmp_path / attempt
        (corpus / "src").mkdir(parents=True)
        for doc_id, markdown in sources.items():
            (corpus / "src" / f"{doc_id}.md").write_text(markdown, encoding="utf-8")
        # The second run reads the drafts in reverse order: the split must not depend on it.
        ordered = drafts if attempt == "a" else drafts[::-1]
        draft = corpus / "drafts.jsonl"
        draft.write_text("".join(json.dumps(d) + "\n" for d in ordered), encoding="utf-8")
        records = merge_drafts([draft], corpus, taxonomy, requirements).records
        outcomes.append({r.doc_id: r.split for r in records})
    assert outcomes[0] == outcomes[1]


def test_existing_splits_never_move(write_corpus, make_draft, taxonomy, requirements) -> None:
    sources, drafts = _many_drafts(make_draft, 16)
    corpus, draft = write_corpus(sources, drafts)
    first = {
        r.doc_id: r.split for r in merge_drafts([draft], corpus, taxonomy, requirements).records
    }

    # Add documents, relabel an old one into another stratum and merge everything again.
    more_sources, more = _many_drafts(make_draft, 40)
    relabelled = next(d for d in more if d["doc_id"] == "ru-000")
    relabelled.update(formation_type=[], functions=[])
    _, draft = write_corpus(more_sources, more)
    result = merge_drafts([draft], corpus, taxonomy, requirements)
    second = {r.doc_id: r.split for r in result.records}
    assert {doc_id: second[doc_id] for doc_id in first} == first
    assert sorted(result.updated) == sorted(first)
    assert len(result.added) == 24
    assert (
        sum(split is Split.TEST for split in second.values()) / len(second)
        >= requirements.test_share
    )


def test_records_outside_the_drafts_are_kept(
    write_corpus, make_draft, taxonomy, requirements
) -> None:
    corpus, first = write_corpus(
        {"ru-001": "# Один\n\nТекст.\n", "ru-002": "# Два\n\nТекст.\n"},
        [make_draft("ru-001"), make_draft("ru-002")],
        "first",
    )
    merge_drafts([first], corpus, taxonomy, requirements)
    _, second = write_corpus({}, [make_draft("ru-002", functions=["training"])], "second")
    result = merge_drafts([second], corpus, taxonomy, requirements)
    records = {r.doc_id: r for r in result.records}
    assert set(records) == {"ru-001", "ru-002"}
    assert records["ru-002"].functions == ["training"]


def test_assign_splits_counts_settled_test_documents(taxonomy, requirements) -> None:
    """Settled test documents count towards the stratum's share, so no new one is needed."""

    def record(doc_id: str, split: Split) -> LabelRecord:
        return LabelRecord(
            doc_id=doc_id,
            path=f"pdf/{doc_id}.pdf",
            source=f"src/{doc_id}.md",
            lang="ru",
            genre="news",
            split=split,
            formation_type=["local"],
            functions=["training"],
        )

    settled = [record("ru-001", Split.TEST), record("ru-002", Split.TEST)]
    fresh = [record(f"ru-1{n:02d}", Split.TRAIN) for n in range(6)]
    result = assign_splits([*settled, *fresh], {"ru-001", "ru-002"}, taxonomy, requirements)
    assert [r.split for r in result[:2]] == [Split.TEST, Split.TEST]
    assert all(r.split is Split.TRAIN for r in result[2:])


@pytest.mark.parametrize(
    ("batch", "was", "expected"),
    [
        ("w8", Split.TRAIN, Split.TEST),  # a held-out writer's document is test, even if settled
        ("w8", Split.TEST, Split.TEST),
        ("w2", Split.TEST, Split.TRAIN),  # a writer who wrote training documents is not test
        ("w2", Split.TRAIN, Split.TRAIN),
        (None, Split.TEST, Split.TRAIN),
    ],
)
def test_held_out_batches_draw_the_split_by_writer(
    taxonomy, requirements, batch, was, expected
) -> None:
    record = LabelRecord(
        doc_id="ru-001",
        path="pdf/ru-001.pdf",
        source="src/ru-001.md",
        lang="ru",
        genre="news",
        split=was,
        batch=batch,
    )
    by_writer = requirements.model_copy(update={"held_out_batches": ["w8"]})
    for settled in (set(), {"ru-001"}):
        [result] = assign_splits([record], settled, taxonomy, by_writer)
        assert result.split is expected


def test_labels_file_is_sorted_json_lines(small_corpus, taxonomy, requirements) -> None:
    corpus, draft = small_corpus
    merge_drafts([draft], corpus, taxonomy, requirements)
    lines = (corpus / "labels.jsonl").read_text(encoding="utf-8").splitlines()
    ids = [json.loads(line)["doc_id"] for line in lines]
    assert ids == sorted(ids)
    assert "Томске" in lines[1]  # UTF-8, not \u escapes
    assert not list(Path(corpus).glob(".*.partial"))
