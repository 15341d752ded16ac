"""English entity-ruler name shapes: programme/act names are LAW, bodies are ORG.

Built with the rules pipeline only (no trained ner), so each case checks the pattern data in
``nlp/data/patterns`` and ``nlp/data/terms.yaml``. Sentences are made up for the shapes they test.
"""

from __future__ import annotations

from functools import cache

import pytest
from spacy.language import Language

from cluster_nlp.nlp.pipeline import build_pipeline


@cache
def rules_en() -> Language:
    return build_pipeline("en", "rules")


def entities(text: str) -> set[tuple[str, str]]:
    return {(span.text, span.label_) for span in rules_en()(text).ents}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # LAW: a capitalised phrase ending in a programme/strategy/act head
        (
            "The Dutch Quantum Delta Programme funds ten labs.",
            ("Dutch Quantum Delta Programme", "LAW"),
        ),
        ("It follows the Smart Nation Initiative closely.", ("Smart Nation Initiative", "LAW")),
        ("Firms cite the CHIPS and Science Act often.", ("CHIPS and Science Act", "LAW")),
        ("Ireland published a National AI Strategy in 2021.", ("National AI Strategy", "LAW")),
        (
            "Grants come from the Pan-Baltic Digital Skills Plan.",
            ("Pan-Baltic Digital Skills Plan", "LAW"),
        ),
        (
            "It joined the Model Data Governance Framework.",
            ("Model Data Governance Framework", "LAW"),
        ),
        (
            "Spain adopted the Strategy for Research and Innovation last year.",
            ("Strategy for Research and Innovation", "LAW"),
        ),
        (
            "It signed the Lisbon Declaration for a Responsible Use of Data.",
            ("Lisbon Declaration for a Responsible Use of Data", "LAW"),
        ),
        (
            "The Policy for the Development of Robotics in Chile was renewed.",
            ("Policy for the Development of Robotics in Chile", "LAW"),
        ),
        (
            "Targets are set in the Digital Vision Strategy 2035.",
            ("Digital Vision Strategy 2035", "LAW"),
        ),
        ("The Framework Act on Data Industry passed.", ("Framework Act on Data Industry", "LAW")),
        (
            "Members of the Danish Innovation Clusters meet yearly.",
            ("Danish Innovation Clusters", "LAW"),
        ),
        ("Projects get money from Horizon Europe.", ("Horizon Europe", "LAW")),
        # ORG: a capitalised phrase ending in a kind of body, or a body "of" a place or field
        ("She studied at the University of Tartu.", ("University of Tartu", "ORG")),
        ("He teaches at Lund University today.", ("Lund University", "ORG")),
        ("The Royal Institute of Technology hosts it.", ("Royal Institute of Technology", "ORG")),
        ("Funding came from the Wallenberg Foundation.", ("Wallenberg Foundation", "ORG")),
        (
            "The Ministry of Science and Technology approved it.",
            ("Ministry of Science and Technology", "ORG"),
        ),
        ("It reports to the Government of Ontario.", ("Government of Ontario", "ORG")),
        ("The Latvian Development Agency helped.", ("Latvian Development Agency", "ORG")),
        ("The Data Protection Commission objected.", ("Data Protection Commission", "ORG")),
        ("Lake Robotics Inc. opened an office.", ("Lake Robotics Inc.", "ORG")),
        ("Fjord Analytics AS hired twenty engineers.", ("Fjord Analytics AS", "ORG")),
        ("Nordlicht Systems GmbH opened a lab.", ("Nordlicht Systems GmbH", "ORG")),
        ("The Université de Lyon joined.", ("Université de Lyon", "ORG")),
        (
            "The Karim bin Salem University of Technology opened.",
            ("Karim bin Salem University of Technology", "ORG"),
        ),
        ("The IT University of Aarhus joined.", ("IT University of Aarhus", "ORG")),
        (
            "The Federal Centre for Artificial Intelligence opened.",
            ("Federal Centre for Artificial Intelligence", "ORG"),
        ),
        (
            "The Northern Branch of the Polar Academy of Sciences grew.",
            ("Northern Branch of the Polar Academy of Sciences", "ORG"),
        ),
        # a comma list closed by "and" inside the first complement
        (
            "The Ministry of Innovation, Science and Economic Development agreed.",
            ("Ministry of Innovation, Science and Economic Development", "ORG"),
        ),
        (
            "The Ministry of Information, Communications and the Digital Economy agreed.",
            ("Ministry of Information, Communications and the Digital Economy", "ORG"),
        ),
        (
            "The Institute of Informatics, Robotics, and Cybernetics hired.",
            ("Institute of Informatics, Robotics, and Cybernetics", "ORG"),
        ),
        # an act's year after a comma
        ("It complies with the Data Protection Act, 2019.", ("Data Protection Act, 2019", "LAW")),
    ],
)
def test_name_shapes_are_found(text, expected):
    assert expected in entities(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # two bodies joined by "and" stay two
        (
            "Partners are the University of Tartu and Lund University.",
            {("University of Tartu", "ORG"), ("Lund University", "ORG")},
        ),
        (
            "The University of Tartu and the University of Riga signed.",
            {("University of Tartu", "ORG"), ("University of Riga", "ORG")},
        ),
        # a place after a comma is not part of the name
        ("She studied at the University of Tartu, Estonia.", {("University of Tartu", "ORG")}),
        # a list of names is not one name: its items are more than one word
        (
            "Partners are the Ministry of Finance, Innovation Norway and Lund University.",
            {("Ministry of Finance", "ORG"), ("Lund University", "ORG")},
        ),
        # the words that open a sentence are not part of the name
        ("The University of Tartu leads.", {("University of Tartu", "ORG")}),
        ("Since 2020 the Smart Nation Initiative runs.", {("Smart Nation Initiative", "LAW")}),
        # a programme run by a body is the programme; the body's own name is not split off
        ("The Research Council Programme opened.", {("Research Council Programme", "LAW")}),
        # a named body wins over a technology term inside it
        (
            "The Institute for Machine Learning opened.",
            {("Institute for Machine Learning", "ORG")},
        ),
    ],
)
def test_name_boundaries(text, expected):
    assert {entity for entity in entities(text) if entity[1] in {"ORG", "LAW"}} == expected


@pytest.mark.parametrize(
    "text",
    [
        "A national strategy for artificial intelligence was adopted.",  # generic, lower case
        "The strategy was adopted by the university.",
        "Strategy matters more than money.",  # a bare head opening a sentence
        "University rankings fell.",
        "The Monetary Policy Report is due in May.",  # "Policy" needs "for/of/on ..."
        "They act as a fund for startups.",
        "Most Programme members are small firms.",  # "Most" opens the sentence
        "The cat sat on the mat as usual.",
    ],
)
def test_no_law_or_org_without_a_name(text):
    assert not {entity for entity in entities(text) if entity[1] in {"ORG", "LAW"}}


@pytest.mark.parametrize(
    ("text", "unwanted"),
    [
        # research institutes and consortia are organisations, not clusters (codebook section 4)
        ("It works with Mila and Amii.", "CLUSTER"),
        ("The Vector Institute trains students.", "CLUSTER"),
    ],
)
def test_institutes_are_not_clusters(text, unwanted):
    assert unwanted not in {label for _, label in entities(text)}
