"""Repairs the boundaries of Russian ORG spans after natasha and the entity ruler.

natasha's slovnet finds most organisations but cuts their names where the corpus's convention
does not: it leaves out the guillemets and the legal form of a quoted name, splits "… при
Правительстве …" or "… имени … РАН" in two, stops before an authority's territory ("… города
Москвы"), keeps "(РАЭК)" inside the name it abbreviates, and tags headings and common nouns
("Исследовательские центры", "ИТ-компании"). Each rule below fixes one of those shapes; the
word lists they use live in ``nlp/data/org-boundaries.yaml`` (read by ``org_words``).

Like ``natasha_ner``, the component computes the repaired entities (``predict``) apart from
writing them (``set_annotations``). Spans it changes or adds carry its name as span id.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from cluster_nlp.nlp.acronyms import is_acronym
from cluster_nlp.nlp.components import PredictThenAnnotate
from cluster_nlp.nlp.gazetteer import fold, is_abbreviation
from cluster_nlp.nlp.org_words import (
    CLOSING,
    OPENING,
    OrgBoundarySettings,
    WordReader,
    load_settings,
)

DATA = Path(__file__).with_name("data")
ORG, LOC, PER = "ORG", "LOC", "PER"
# How far a closing guillemet may lie beyond the opening one.
MAX_QUOTE_REACH = 12
# How many words may stand between a field link ("по") and the term that ends it.
MAX_FIELD_WORDS = 4


class Ent(NamedTuple):
    start: int  # token offsets, as in spaCy spans
    end: int
    label: str
    source: str  # the span id: which component found or last changed the span


# --- the rules: each takes the reader and the entities, returns the entities ----------------


def drop_generic(reader: WordReader, ents: list[Ent]) -> list[Ent]:
    """A heading, a common noun or a lone legal form tagged ORG is no organisation.

    A capitalised kind alone ("Фонд помогает…") is kept: the corpus tags such short names; so
    is a phrase opening a sentence whose first noun is a kind, status or authority in the
    singular ("Федеральная налоговая служба", not "Исследовательские центры").
    A place or person natasha found in lower-case words only ("ИТ-компания") is dropped too.
    Spans the entity ruler set came from a pattern and are trusted.
    """

    def generic(ent: Ent) -> bool:
        if ent.source.startswith("entity_ruler"):
            return False
        tokens = range(ent.start, ent.end)
        if ent.label in (LOC, PER):  # "Калужская область" opens a sentence: only lower case
            return not any(reader.capitalised(i) and not reader.is_prefix(i) for i in tokens)
        if ent.label != ORG:
            return False
        if len(tokens) == 1:
            if fold(reader.doc[ent.start].text) in reader.settings.never_alone:
                return True
            if reader.category(ent.start) == "kinds" and reader.capitalised(ent.start):
                return False
        elif reader.named_by_head(ent.start, ent.end):
            return False
        return all(reader.is_common(i) for i in tokens)

    return [ent for ent in ents if not generic(ent)]


def restore_names_over_terms(reader: WordReader, ents: list[Ent], name: str) -> list[Ent]:
    """natasha's organisation whose name the ruler cut for a term inside it comes back whole:
    "Центра искусственного интеллекта", not "искусственного интеллекта" (AI_TECH)."""
    found = reader.doc.spans.get(reader.natasha_spans, [])
    absorb = reader.settings.terms_inside_names
    for span in found:
        if span.label_ != ORG:
            continue
        overlapping = [e for e in ents if e.start < span.end and span.start < e.end]
        inside = all(span.start <= e.start and e.end <= span.end for e in overlapping)
        if not overlapping or not inside or any(e.label not in absorb for e in overlapping):
            continue
        covered = {i for e in overlapping for i in range(e.start, e.end)}
        rest = [i for i in range(span.start, span.end) if i not in covered]
        if any(not reader.is_common(i) for i in rest):
            ents = [e for e in ents if e not in overlapping]
            ents.append(Ent(span.start, span.end, ORG, name))
    return sorted(ents)


def _acronym(text: str) -> bool:
    """ "РАЭК", and mixed-case university acronyms: "ОмГТУ", "МИСиС", "ЮУрГУ"."""
    return is_abbreviation(text) or is_acronym(text)


def split_parenthesised_acronym(reader: WordReader, ents: list[Ent], name: str) -> list[Ent]:
    """ "Российской ассоциации электронных коммуникаций (РАЭК)": two mentions, no brackets,
    also when natasha's span stops before the closing bracket."""
    doc, result = reader.doc, []
    taken = {i for ent in ents for i in range(ent.start, ent.end)}
    for ent in ents:
        result.append(ent)
        if ent.label != ORG:
            continue
        inside = ent.end - 3 > ent.start and doc[ent.end - 3].text == "("
        if inside and doc[ent.end - 1].text == ")" and _acronym(doc[ent.end - 2].text):
            result[-1] = Ent(ent.start, ent.end - 3, ORG, name)
            result.append(Ent(ent.end - 2, ent.end - 1, ORG, name))
            continue
        unclosed = ent.end - 2 > ent.start and doc[ent.end - 2].text == "("
        if unclosed and ent.end < len(doc) and doc[ent.end].text == ")":
            if _acronym(doc[ent.end - 1].text):  # "… университета (ОмГТУ" + ")"
                result[-1] = Ent(ent.start, ent.end - 2, ORG, name)
                result.append(Ent(ent.end - 1, ent.end, ORG, name))
                continue
        after = ent.end + 2 < len(doc) and doc[ent.end].text == "(" and doc[ent.end + 2].text == ")"
        if after and _acronym(doc[ent.end + 1].text) and ent.end + 1 not in taken:
            result.append(Ent(ent.end + 1, ent.end + 2, ORG, name))
    return sorted(result)


def trim_leading_common(reader: WordReader, ents: list[Ent], name: str) -> list[Ent]:
    """Drop common words before the name: "IT-стартапов Astana Hub", "Пресс-релиз Альянса".

    The name starts at the first kind of organisation or word with a name's capital, with
    the adjectives before a kind ("профильный комитет") and an opening guillemet kept.
    """
    result = []
    for ent in ents:
        if ent.label != ORG:
            result.append(ent)
            continue
        anchor = next(
            (
                i
                for i in range(ent.start, ent.end)
                if reader.is_word(i)
                and (reader.category(i) not in (None, "descriptors") or not reader.is_common(i))
            ),
            None,
        )
        if anchor is None or anchor == ent.start:
            result.append(ent)
            continue
        start = anchor
        if reader.category(anchor) not in (None, "descriptors"):
            start = reader.phrase_start(anchor, ent.start)
        elif reader.doc[anchor - 1].text == OPENING:
            start = anchor - 1
        result.append(Ent(start, ent.end, ORG, name) if start != ent.start else ent)
    return result


def _closing(doc: Doc, quote: int) -> int | None:
    """The guillemet that closes the one at ``quote`` (nested pairs allowed), if near."""
    depth = 0
    for i in range(quote, min(len(doc), quote + MAX_QUOTE_REACH)):
        depth += {OPENING: 1, CLOSING: -1}.get(doc[i].text, 0)
        if depth == 0:
            return i
    return None


def balance_guillemets(reader: WordReader, ents: list[Ent], name: str) -> list[Ent]:
    """A name that opens a guillemet closes it; a name written in guillemets includes them;
    a bracket the name does not open or close is left out ("МГТУ им. Н. Э. Баумана)")."""
    doc, result = reader.doc, []
    for ent in ents:
        start, end = ent.start, ent.end
        if ent.label == ORG:
            texts = [token.text for token in doc[start:end]]
            if texts[-1] == ")" and "(" not in texts and end - start > 1:
                end -= 1
            if texts[0] == "(" and ")" not in texts and end - start > 1:
                start += 1
            opened = [i for i in range(start, end) if doc[i].text == OPENING]
            closing = _closing(doc, opened[0]) if opened else None
            if closing is not None and closing >= end:
                end = closing + 1
            while (
                start > 0
                and end < len(doc)
                and doc[start - 1].text == OPENING
                and (doc[end].text == CLOSING)
            ):
                start, end = start - 1, end + 1
        result.append(ent if (start, end) == (ent.start, ent.end) else Ent(start, end, ORG, name))
    return _without_overlaps(result)


def detach_descriptor(reader: WordReader, ents: list[Ent], name: str) -> list[Ent]:
    """ "ИТ-компании «Горные данные»", "ассоциации «РУССОФТ»": a description, then the name.

    Kept before the guillemets: a legal form, a status, an authority, or a capitalised kind
    ("ООО «Северный квартал»", "особой экономической зоны «Иннополис»", "Фонд «…»").
    """
    result = []
    for ent in ents:
        quote = next((i for i in range(ent.start, ent.end) if reader.doc[i].text == OPENING), None)
        if ent.label == ORG and quote is not None and quote > ent.start:
            head = next((i for i in range(ent.start, quote) if reader.category(i)), None)
            if head is None or not reader.names_with_head(
                head, reader.phrase_start(head, ent.start)
            ):
                ent = Ent(quote, ent.end, ORG, name)
        result.append(ent)
    return result


def quoted_names(reader: WordReader, ents: list[Ent], name: str) -> list[Ent]:
    """A capitalised name in guillemets takes its type and extent from the noun before it.

    "Научно-образовательный центр «Кузбасс»" is an organisation with its kind; "консорциуме
    «Умная шахта»" an organisation without its description; "кластер «Физтех XXI»" a cluster;
    "программы … «Приоритет-2030»" a programme (LAW) and "территории опережающего развития
    «Хабаровск»" a place, both with their head noun; "картам «Тройка»" not an organisation.
    A kind in lower case belongs to the name only when it names the type (``kinds_in_name``:
    "технопарка «Саров»"); after another lower-case kind a place stays a place ("индустриальном
    парке «Ворсино»"). A name with no such noun before it is left alone.
    """
    doc = reader.doc
    for quote in [i for i in range(len(doc) - 2) if doc[i].text == OPENING]:
        closing = _closing(doc, quote)
        if closing is None or closing == quote + 1 or not reader.capitalised(quote + 1):
            continue
        inside = [e for e in ents if quote <= e.start and e.end <= closing + 1]
        if any(e.start < closing + 1 and quote < e.end and e not in inside for e in ents):
            continue  # a span across the guillemets: its rules (or the ruler) decided already
        # natasha may tag the kind before the guillemets on its own: "Технопарк" «…».
        kind = [e for e in ents if e.end == quote and e.label == ORG]
        taken = frozenset(
            i for e in ents if e not in inside and e not in kind for i in range(e.start, e.end)
        )
        head = reader.quote_head(quote, taken)
        if head is None:
            continue
        category = reader.category(head) or ""
        replacement: Ent | None = Ent(quote, closing + 1, ORG, name)
        if category.startswith("other:"):
            label = category.removeprefix("other:")
            if label == "none":
                inside, replacement = [e for e in inside if e.label == ORG], None
            elif label in reader.settings.heads_in_span:
                start = reader.phrase_start(head, max(0, head - MAX_QUOTE_REACH), taken)
                replacement = Ent(start, closing + 1, label, name)
            else:
                replacement = Ent(quote, closing + 1, label, name)
        else:
            phrase = reader.phrase_start(head, max(0, head - MAX_QUOTE_REACH), taken)
            if reader.names_with_head(head, phrase):
                replacement = Ent(phrase, closing + 1, ORG, name)
                inside += [e for e in kind if phrase <= e.start]
            elif any(e.label == LOC for e in inside):
                continue
        ents = [e for e in ents if e not in inside]
        if replacement is not None:
            ents.append(replacement)
    return sorted(ents)


def prepend_legal_forms(reader: WordReader, ents: list[Ent], name: str) -> list[Ent]:
    """Legal forms in a row before a name belong to it: "ООО" + "НПП «ЭКРА»"."""
    taken = {i for ent in ents for i in range(ent.start, ent.end)}
    result = []
    for ent in ents:
        start = ent.start
        if ent.label == ORG and reader.category(start) == "statuses":
            while start > 0 and start - 1 not in taken and reader.category(start - 1) == "statuses":
                start -= 1
        result.append(ent if start == ent.start else Ent(start, ent.end, ORG, name))
    return result


def merge_adjacent(reader: WordReader, ents: list[Ent], name: str) -> list[Ent]:
    """Two ORG spans side by side, or joined by "при", are one name.

    "Фрязинский филиал" + "Института … РАН", "Институт … Иванникова" + "РАН", "Аналитический
    центр" + "при" + "Правительстве".
    """
    result: list[Ent] = []
    for ent in sorted(ents):
        if result and result[-1].label == ORG and ent.label == ORG:
            previous = result[-1]
            gap = range(previous.end, ent.start)
            linked = len(gap) == 1 and reader.lemma(gap.start) in reader.settings.attachment_links
            if not gap or linked:
                result[-1] = Ent(previous.start, ent.end, ORG, name)
                continue
        result.append(ent)
    return result


def _absorb_following(
    ents: list[Ent], name: str, found_after: Callable[[Ent, dict[int, Ent]], Ent | None]
) -> list[Ent]:
    """Each entity takes in the entity ``found_after`` finds after it (given the entities by
    start token), becoming an ORG that ends where the absorbed one ends."""
    by_start = {ent.start: ent for ent in ents}
    absorbed: set[Ent] = set()
    result = []
    for ent in sorted(ents):
        if ent in absorbed:
            continue
        following = found_after(ent, by_start)
        if following is not None:
            absorbed.add(following)
            ent = Ent(ent.start, following.end, ORG, name)
        result.append(ent)
    return result


def attach_place_of_authority(reader: WordReader, ents: list[Ent], name: str) -> list[Ent]:
    """An authority's territory in the genitive is part of its name: "Правительство Москвы",
    "Департамент … города Москвы", "Минэкономразвития России"; so is the territory of a
    descriptive name of several words ("Фонд технологического развития Удмуртской
    Республики"), but not of a bare kind ("Лаборатория Университета Москвы")."""

    def place_for(ent: Ent, by_start: dict[int, Ent]) -> Ent | None:
        authority = any(reader.category(i) == "authorities" for i in range(ent.start, ent.end))
        descriptive = ent.end - ent.start > 1 and reader.descriptive_name(ent.start, ent.end)
        if ent.label != ORG or not (authority or descriptive):
            return None
        at = ent.end
        if at < len(reader.doc) and reader.lemma(at) in reader.settings.place_links:
            at += 1
        place = by_start.get(at)
        if place is not None and place.label == LOC and reader.can_be(place.start, "gent"):
            return place
        return None

    return _absorb_following(ents, name, place_for)


def attach_apposed_name(reader: WordReader, ents: list[Ent], name: str) -> list[Ent]:
    """A capitalised kind followed by its name in the nominative: "Университета Иннополис"."""

    def place_for(ent: Ent, by_start: dict[int, Ent]) -> Ent | None:
        last = ent.end - 1
        place = by_start.get(ent.end)
        if (
            ent.label == ORG
            and reader.category(last) == "kinds"
            and reader.capitalised(last)
            and place is not None
            and place.label == LOC
            and all(reader.capitalised(i) for i in range(place.start, place.end))
            and reader.can_be(place.start, "nomn")
        ):
            return place
        return None

    return _absorb_following(ents, name, place_for)


def attach_field(reader: WordReader, ents: list[Ent], name: str) -> list[Ent]:
    """A descriptive name runs on to the domain term that ends its field: "Альянс" + "в сфере"
    + "искусственного интеллекта" (AI_TECH). Only a name of a capitalised kind and common
    words or acronyms takes the tail ("Центр компетенций НТИ"), not "Сбер" or "Университет
    Иннополис"; only lower-case nouns and adjectives may stand between the link and the term."""
    doc, links = reader.doc, [tuple(link.split()) for link in reader.settings.field_links]

    def term_for(ent: Ent, by_start: dict[int, Ent]) -> Ent | None:
        descriptive = ent.label == ORG and reader.descriptive_name(ent.start, ent.end)
        words = tuple(fold(token.text) for token in doc[ent.end : ent.end + 2])
        link = next((link for link in links if words[: len(link)] == link), None)
        if not descriptive or link is None:
            return None
        first = at = ent.end + len(link)
        while at < len(doc) and at not in by_start and at - first < MAX_FIELD_WORDS:
            if not (reader.is_modifier(at) and doc[at].text.islower()):
                break
            at += 1
        term = by_start.get(at)
        if term is not None and term.label in reader.settings.terms_inside_names:
            return term
        return None

    return _absorb_following(ents, name, term_for)


def relabel_organisation_compounds(reader: WordReader, ents: list[Ent], name: str) -> list[Ent]:
    """One capitalised word ending like a technopark ("Академпарка") is an organisation."""
    result = []
    for ent in ents:
        lemma = reader.lemma(ent.start)
        if (
            ent.label in (LOC, PER)
            and ent.end - ent.start == 1
            and reader.capitalised(ent.start)
            and any(
                lemma.endswith(ending) and len(lemma) > len(ending) + 2
                for ending in reader.settings.organisation_endings
            )
        ):
            ent = Ent(ent.start, ent.end, ORG, name)
        result.append(ent)
    return result


def relabel_by_head(reader: WordReader, ents: list[Ent], name: str) -> list[Ent]:
    """An organisation natasha found whose first noun names another type is of that type:
    "Пермского межотраслевого инновационного кластера" is a cluster."""
    result = []
    for ent in ents:
        head = reader.head_noun(ent.start, ent.end) if ent.label == ORG else None
        category = reader.category(head) or "" if head is not None else ""
        label = category.removeprefix("other:")
        if category.startswith("other:") and label != "none" and reader.capitalised(ent.start):
            ent = Ent(ent.start, ent.end, label, name)
        result.append(ent)
    return result


def _without_overlaps(ents: list[Ent]) -> list[Ent]:
    """After a span grew, the spans it now covers give way to it."""
    grown = sorted(ents, key=lambda ent: (ent.start, -(ent.end - ent.start)))
    kept: list[Ent] = []
    for ent in grown:
        if kept and ent.start < kept[-1].end:
            if ent.end - ent.start > kept[-1].end - kept[-1].start:
                kept[-1] = ent
            continue
        kept.append(ent)
    return kept


Rule = Callable[[WordReader, list[Ent], str], list[Ent]]
RULES: tuple[Rule, ...] = (
    restore_names_over_terms,
    relabel_organisation_compounds,
    split_parenthesised_acronym,
    trim_leading_common,
    balance_guillemets,
    detach_descriptor,
    quoted_names,
    prepend_legal_forms,
    merge_adjacent,
    attach_place_of_authority,
    attach_apposed_name,
    merge_adjacent,
    attach_field,
    relabel_by_head,
)


class OrgBoundaries(PredictThenAnnotate):
    def __init__(self, name: str, settings: OrgBoundarySettings, natasha_spans: str) -> None:
        self.name = name
        self.settings = settings
        self.natasha_spans = natasha_spans

    def predict(self, docs: list[Doc]) -> list[list[Ent]]:
        predictions = []
        for doc in docs:
            reader = WordReader(doc, self.settings, self.natasha_spans)
            ents = [Ent(span.start, span.end, span.label_, span.id_) for span in doc.ents]
            for rule in RULES:
                ents = rule(reader, ents, self.name)
            # Last, so that a fragment the rules completed ("Арбитражный суд" + its territory)
            # is judged whole.
            predictions.append(drop_generic(reader, ents))
        return predictions

    def set_annotations(self, docs: list[Doc], predictions: list[list[Ent]]) -> None:
        for doc, ents in zip(docs, predictions, strict=True):
            spans = [Span(doc, e.start, e.end, label=e.label, span_id=e.source) for e in ents]
            doc.ents = filter_spans(spans)


@Language.factory(
    "org_boundaries",
    default_config={"settings": "org-boundaries.yaml", "natasha_spans": "natasha_ner"},
    assigns=["doc.ents"],
    requires=["doc.ents", "token.lemma"],
)
def make_org_boundaries(
    nlp: Language, name: str, settings: str, natasha_spans: str
) -> OrgBoundaries:
    """``settings``: a file name in ``nlp/data`` or a path; ``natasha_spans``: the span group
    where ``natasha_ner`` keeps what it found (its component name)."""
    path = Path(settings) if Path(settings).is_absolute() else DATA / settings
    return OrgBoundaries(name, load_settings(path), natasha_spans)
