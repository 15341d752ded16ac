"""Help an annotator write rationales: number a document's sentences, then turn sentence numbers
into exact quotes for `cluster-nlp corpus rationales` (or a draft's `rationales`).

    python scripts/rationale_quotes.py show ru-001 en-002
    python scripts/rationale_quotes.py quotes picks.txt > rationales.jsonl

`show` prints every markdown line (heading, list item, table row, paragraph) split into sentences
by razdel, one numbered sentence a line, with the document's labels from labels.jsonl. A picks
file has one line per document: `doc_id label_id 3,5 | label_id 7` (a document with no labels is
just its id). Because the quotes are the numbered sentences themselves, every quote is an exact
substring of the source. This is how the rationales of the first 225 documents were written.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from razdel import sentenize

from cluster_nlp.config import get_settings
from cluster_nlp.corpus.schema import read_label_records, source_path

# A line's markdown prefix (heading marks, list bullet, numbered item, footnote label, table pipe)
# is not part of any sentence.
MARKUP_PREFIX = re.compile(r"^(#+\s+|-\s+|\d+\.\s+|\[\^\d+\]:\s*|\|\s*)")
TABLE_RULE = re.compile(r"[|\-\s:]+")


def sentences(markdown: str) -> list[str]:
    """The source's sentences in order; a table row counts as one sentence."""
    found: list[str] = []
    for line in markdown.split("\n"):
        if not line.strip() or TABLE_RULE.fullmatch(line):
            continue
        prefix = MARKUP_PREFIX.match(line)
        body = line[prefix.end() if prefix else 0 :]
        if line.startswith("|"):
            found.append(body.rstrip().rstrip("|").rstrip())
        else:
            found.extend(sentence.text for sentence in sentenize(body))
    return found


def show(doc_ids: list[str], corpus: Path) -> None:
    records = {record.doc_id: record for record in read_label_records(corpus / "labels.jsonl")}
    for doc_id in doc_ids:
        labels = " ".join(records[doc_id].all_ids()) if doc_id in records else "(not merged)"
        print(f"=== {doc_id} :: {labels}")
        text = (corpus / source_path(doc_id)).read_text(encoding="utf-8")
        for number, sentence in enumerate(sentences(text), start=1):
            print(f"{number} {sentence}")


def quotes(picks: Path, corpus: Path) -> None:
    for line in picks.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        doc_id, _, rest = line.strip().partition(" ")
        numbered = sentences((corpus / source_path(doc_id)).read_text(encoding="utf-8"))
        chosen: dict[str, list[str]] = {}
        for part in filter(None, (piece.strip() for piece in rest.split("|"))):
            label_id, _, numbers = part.partition(" ")
            chosen[label_id] = [numbered[int(n) - 1] for n in re.split(r"[\s,]+", numbers) if n]
        print(json.dumps({"doc_id": doc_id, "rationales": chosen}, ensure_ascii=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=None, help="corpus folder")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("show", help="number the sentences").add_argument("doc_ids", nargs="+")
    commands.add_parser("quotes", help="picks file to JSONL").add_argument("picks", type=Path)
    args = parser.parse_args()
    corpus = args.corpus or get_settings().corpus_dir
    try:
        if args.command == "show":
            show(args.doc_ids, corpus)
        else:
            quotes(args.picks, corpus)
    except (OSError, KeyError, IndexError, ValueError) as err:
        sys.exit(f"error: {err}")


if __name__ == "__main__":
    main()
