"""The taxonomy loader: the packaged file, validation rules, version hash, look-ups, cues."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from cluster_nlp.taxonomy import (
    GROUPS,
    TaxonomyError,
    UnknownLabelError,
    cue_regex,
    load_taxonomy,
)


def _label(label_id: str) -> dict:
    return {
        "id": label_id,
        "ru": f"метка {label_id}",
        "en": f"label {label_id}",
        "definition": f"Definition of {label_id}.",
        "cues": {"ru": [f"ключ {label_id}"], "en": [f"cue {label_id}"]},
    }


def _minimal() -> dict:
    """A small valid taxonomy: two labels per group, two entity types."""
    return {
        "name": "test taxonomy",
        "groups": [
            {
                "id": group,
                "ru": f"группа {group}",
                "en": f"group {group}",
                "definition": "A group.",
                **({"passage_max_labels": 1} if index == 0 else {}),
                "labels": [_label(f"{group}_a"), _label(f"{group}_b")],
            }
            for index, group in enumerate(GROUPS)
        ],
        "entity_types": [
            {
                "id": "ORG",
                "ru": "организация",
                "en": "organisation",
                "definition": "Organisations.",
            },
            {
                "id": "AI_TECH",
                "ru": "технология",
                "en": "technology",
                "definition": "Technologies.",
            },
        ],
    }


def _write(tmp_path: Path, data: dict, name: str = "taxonomy.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_packaged_taxonomy_has_the_codebook_shape() -> None:
    taxonomy = load_taxonomy()
    sizes = {group: len(taxonomy.group_ids(group)) for group in GROUPS}
    assert sizes == {"formation_type": 3, "functions": 14, "institutional_forms": 9}
    assert taxonomy.group("formation_type").passage_max_labels == 1
    assert len(taxonomy.entity_type_ids()) == 10
    for group in taxonomy.groups:
        for label in group.labels:
            assert label.cues.ru and label.cues.en, label.id


def test_minimal_taxonomy_loads_with_lookups(tmp_path: Path) -> None:
    taxonomy = load_taxonomy(_write(tmp_path, _minimal()))
    assert taxonomy.group_ids("functions") == ["functions_a", "functions_b"]
    assert taxonomy.all_ids()[:2] == ["formation_type_a", "formation_type_b"]
    assert len(taxonomy.all_ids()) == 6
    assert taxonomy.group_of("institutional_forms_b") == "institutional_forms"
    assert taxonomy.label("functions_a").en == "label functions_a"
    taxonomy.require_ids("functions", ["functions_b"])
    taxonomy.require_entity_type("AI_TECH")


def _mutate(data: dict, change: str) -> dict:
    groups = data["groups"]
    if change == "duplicate id across groups":
        groups[1]["labels"][0]["id"] = "formation_type_a"
    elif change == "duplicate id in a group":
        groups[2]["labels"][1]["id"] = groups[2]["labels"][0]["id"]
    elif change == "id not snake_case":
        groups[1]["labels"][0]["id"] = "AppliedRnD"
    elif change == "id with a dash":
        groups[1]["labels"][0]["id"] = "applied-rnd"
    elif change == "unknown group":
        groups[2]["id"] = "sectors"
    elif change == "missing group":
        del groups[2]
    elif change == "empty name":
        groups[0]["labels"][0]["ru"] = "  "
    elif change == "empty definition":
        groups[0]["labels"][1]["definition"] = ""
    elif change == "group without labels":
        groups[1]["labels"] = []
    elif change == "upper-case cue":
        groups[1]["labels"][0]["cues"]["ru"] = ["Стартап"]
    elif change == "repeated cue":
        groups[1]["labels"][0]["cues"]["en"] = ["startup", "startup"]
    elif change == "duplicate entity type":
        data["entity_types"][1]["id"] = "ORG"
    elif change == "entity type not upper":
        data["entity_types"][1]["id"] = "ai_tech"
    elif change == "unexpected field":
        groups[0]["labels"][0]["colour"] = "red"
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("duplicate id across groups", "duplicate label id 'formation_type_a'"),
        ("duplicate id in a group", "duplicate label id 'institutional_forms_a'"),
        ("id not snake_case", "groups.1.labels.0.id"),
        ("id with a dash", "groups.1.labels.0.id"),
        ("unknown group", "unknown group 'sectors'"),
        ("missing group", "missing group 'institutional_forms'"),
        ("empty name", "groups.0.labels.0.ru"),
        ("empty definition", "groups.0.labels.1.definition"),
        ("group without labels", "groups.1.labels"),
        ("upper-case cue", "ru cues must be lower case"),
        ("repeated cue", "repeated en cue 'startup'"),
        ("duplicate entity type", "duplicate entity type 'ORG'"),
        ("entity type not upper", "entity_types.1.id"),
        ("unexpected field", "colour"),
    ],
)
def test_invalid_taxonomy_is_refused_with_one_line(
    tmp_path: Path, change: str, message: str
) -> None:
    path = _write(tmp_path, _mutate(_minimal(), change))
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(path)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [("groups: [unclosed", "not valid YAML"), ("- just\n- a list\n", "top level")],
)
def test_unreadable_taxonomy_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TaxonomyError, match=message):
        load_taxonomy(path)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="nowhere.yaml"):
        load_taxonomy(tmp_path / "nowhere.yaml")


def test_version_is_stable_and_tracks_content(tmp_path: Path) -> None:
    data = _minimal()
    first = load_taxonomy(_write(tmp_path, data, "a.yaml"))
    # Same content written with different key order and formatting: same version.
    reordered = tmp_path / "b.yaml"
    reordered.write_text(
        yaml.safe_dump(data, sort_keys=True, indent=4, allow_unicode=True), encoding="utf-8"
    )
    assert load_taxonomy(reordered).version == first.version
    assert len(first.version) == 64
    data["groups"][1]["labels"][0]["definition"] = "Another definition."
    assert load_taxonomy(_write(tmp_path, data, "c.yaml")).version != first.version


def test_descriptions_are_validated_but_leave_the_version_alone(tmp_path: Path) -> None:
    """A trained model keeps the descriptions it embedded, so rewording them does not make
    its labels mean something else."""
    data = _minimal()
    before = load_taxonomy(_write(tmp_path, data, "a.yaml"))
    label = data["groups"][1]["labels"][0]
    label["descriptions"] = {"ru": ["Кластер проводит хакатоны."], "en": ["It runs hackathons."]}
    described = load_taxonomy(_write(tmp_path, data, "b.yaml"))
    assert described.version == before.version
    assert described.group(data["groups"][1]["id"]).labels[0].descriptions.en == [
        "It runs hackathons."
    ]
    label["descriptions"] = {"ru": ["  "]}
    with pytest.raises(TaxonomyError, match="descriptions"):
        load_taxonomy(_write(tmp_path, data, "c.yaml"))


def test_edited_file_is_reloaded(tmp_path: Path) -> None:
    data = _minimal()
    path = _write(tmp_path, data)
    before = load_taxonomy(path)
    data["groups"][1]["labels"].append(_label("functions_c"))
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    # Make sure the modification time moves even on coarse-grained file systems.
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    after = load_taxonomy(path)
    assert "functions_c" in after.group_ids("functions")
    assert after.version != before.version


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda t: t.require_ids("functions", ["functions_a", "nope"]),
            "unknown functions id 'nope'",
        ),
        (
            lambda t: t.require_ids("functions", ["formation_type_a"]),
            "unknown functions id 'formation_type_a'",
        ),
        (lambda t: t.group_ids("sectors"), "unknown group 'sectors'"),
        (lambda t: t.label("nope"), "unknown label id 'nope'"),
        (lambda t: t.group_of("nope"), "unknown label id 'nope'"),
        (lambda t: t.require_entity_type("MONEY"), "unknown entity type 'MONEY'"),
    ],
)
def test_unknown_ids_raise_one_line_errors(tmp_path: Path, call, message: str) -> None:
    taxonomy = load_taxonomy(_write(tmp_path, _minimal()))
    with pytest.raises(UnknownLabelError) as caught:
        call(taxonomy)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("cue", "text", "found"),
    [
        (
            "территориальн кластер",
            "создание территориального кластера в регионе",
            "территориального кластер",
        ),
        ("территориальн кластер", "нетерриториальный кластер", None),
        ("стартап", "Акселератор отобрал Стартапы", "Стартап"),
        ("joint research", "a Joint  Research project", "Joint  Research"),
        ("r&d", "more R&D money", "R&D"),
        ("ано", "банковский сектор", None),
    ],
)
def test_cue_words_match_as_word_starts(cue: str, text: str, found: str | None) -> None:
    match = cue_regex(cue).search(text)
    assert (match.group(0) if match else None) == found


def test_packaged_cues_find_codebook_examples() -> None:
    """Each formation type's cues find a phrase the seed paper uses for it."""
    taxonomy = load_taxonomy()
    phrases = {
        "territorial": "развивается инновационный территориальный кластер ИИ",
        "multicluster_initiative": "межотраслевых мультикластерных образований",
        "national_network": "отраслевую форму сетевого взаимодействия субъектов рынка",
    }
    for label_id, phrase in phrases.items():
        cues = taxonomy.label(label_id).cues.ru
        assert any(cue_regex(cue).search(phrase) for cue in cues), label_id
