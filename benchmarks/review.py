"""The review app under load: 20 concurrent clients for 30 s against a store of 1,000 documents.

    uv run python benchmarks/review.py [--documents 1000] [--clients 20] [--seconds 30] [--write F]

The script makes its own store: synthetic documents of five paragraphs each (words drawn from
a fixed vocabulary with the taxonomy's cue phrases mixed in), each with a prediction over the
packaged taxonomy (random scores, evidence passages), a few place and cluster entities, and a
random unit vector per passage for "more like this". The app runs in its own process under
uvicorn (one worker, as `cluster-nlp review` starts it) on a free localhost port. Each client
signs in, then loops for the run's length over four requests in random order: the documents
table (random page, sort and label filter), a full-text search, a document page, and
``/health`` as the baseline (no store, no template), all in the same run. Median and 95th
percentile per request kind are written between the ``review`` markers of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import httpx
import numpy as np
from sections import machine, write_section
from sqlalchemy import select

# The review tests' document builder (one page, a boxed passage per paragraph) makes these
# documents too, so the benchmark measures the pages the tests check.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))
from review_store import build_document  # noqa: E402

from cluster_nlp.records import (
    Entity,
    Evidence,
    ExtractedDocument,
    GroupPrediction,
    PageQuality,
    Prediction,
)
from cluster_nlp.review.auth import add_user
from cluster_nlp.store.db import open_store
from cluster_nlp.store.documents import save_document
from cluster_nlp.store.entities import save_entities
from cluster_nlp.store.models import PassageRow
from cluster_nlp.store.predictions import save_prediction
from cluster_nlp.store.vectors import save_vectors, text_key
from cluster_nlp.taxonomy import GROUPS, load_taxonomy

ROOT = Path(__file__).resolve().parents[1]
MARK_START, MARK_END = "<!-- review:start -->", "<!-- review:end -->"
TARGET_P95_MS = 300.0
PASSWORD = "benchmark password"
WORDS = (
    "кластер технопарк университет регион компания проект развитие искусственный интеллект "
    "данные программа поддержка инновации центр исследование платформа участник рынок "
    "инвестиции стартап образование специалист лаборатория технология индустрия отчёт"
).split()
PLACES = [
    ("Москве", "RU-MOW"),
    ("Казани", "RU-TA"),
    ("Томске", "RU-TOM"),
    ("Новосибирске", "RU-NVS"),
]
CLUSTERS = ["Московский инновационный кластер", "Томский кластер ИИ"]
QUERIES = ["кластер", "технопарк университет", "стартап", "данные платформа", "лаборатория"]
QUALITY = PageQuality(grade=1.0, letters=500, letter_ratio=0.9, cyrillic_ratio=0.9)


def synthetic_document(number: int, rng: random.Random, cues: list[str]) -> ExtractedDocument:
    paragraphs = []
    for _ in range(5):
        words = rng.choices(WORDS, k=rng.randint(25, 60)) + rng.sample(cues, 2)
        rng.shuffle(words)
        paragraphs.append(" ".join(words).capitalize() + ".")
    place, _ = rng.choice(PLACES)
    paragraphs[0] += f" Работы идут в {place}. {rng.choice(CLUSTERS)} растёт."
    return build_document(
        f"synthetic/doc-{number:05d}.pdf", paragraphs, title=f"Синтетический документ {number}"
    )


def synthetic_prediction(document: ExtractedDocument, rng: random.Random, taxonomy) -> Prediction:
    groups, evidence, thresholds = {}, {}, {}
    for group in GROUPS:
        scores = {label: rng.random() for label in taxonomy.group_ids(group)}
        thresholds.update({label: 0.5 for label in scores})
        chosen = [label for label, score in scores.items() if score >= 0.5]
        groups[group] = GroupPrediction(
            labels=chosen,
            scores=scores,
            needs_review=[label for label, score in scores.items() if abs(score - 0.5) < 0.1],
        )
        for label in chosen:
            evidence[label] = [
                Evidence(
                    text=passage.text,
                    page=passage.page,
                    start=passage.start,
                    end=passage.end,
                    score=rng.random(),
                    bbox=passage.bbox,
                )
                for passage in rng.sample(document.passages, 2)
            ]
    return Prediction(
        document_id=document.sha256,
        model_version="synthetic",
        model_hash="0" * 64,
        taxonomy_version=taxonomy.version,
        extractor_version="synthetic",
        thresholds=thresholds,
        groups=groups,
        evidence=evidence,
    )


def entities_of(document: ExtractedDocument) -> list[Entity]:
    found = []
    for place, code in PLACES:
        if place in document.text:
            start = document.text.index(place)
            found.append(
                Entity(
                    text=place,
                    label="LOC",
                    start=start,
                    end=start + len(place),
                    page=1,
                    normalized={"region_code": code},
                    component="synthetic",
                )
            )
    for name in CLUSTERS:
        if name in document.text:
            start = document.text.index(name)
            found.append(
                Entity(
                    text=name,
                    label="CLUSTER",
                    start=start,
                    end=start + len(name),
                    page=1,
                    component="synthetic",
                )
            )
    return sorted(found, key=lambda entity: entity.start)


def build_store(url: str, documents: int, seed: int = 11) -> list[str]:
    sessions = open_store(url)
    taxonomy = load_taxonomy()
    cues = [cue for label in taxonomy.groups for item in label.labels for cue in item.cues.ru]
    rng = random.Random(seed)
    vectors = np.random.default_rng(seed)
    ids = []
    for number in range(documents):
        document = synthetic_document(number, rng, cues)
        save_document(sessions, document, size_bytes=len(document.text.encode()))
        save_entities(sessions, document.sha256, "synthetic", entities_of(document))
        save_prediction(sessions, synthetic_prediction(document, rng, taxonomy))
        ids.append(document.sha256)
    with sessions() as session:
        texts = sorted(set(session.scalars(select(PassageRow.text))))
    unit = vectors.standard_normal((len(texts), 384)).astype(np.float32)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    save_vectors(
        sessions,
        "synthetic",
        {text_key(text): vector for text, vector in zip(texts, unit, strict=True)},
    )
    add_user(sessions, "bench", PASSWORD)
    return ids


def serve(url: str, port: int, models: str) -> None:
    import uvicorn

    from cluster_nlp.review.app import create_app

    uvicorn.run(
        create_app(url, models_dir=Path(models)), host="127.0.0.1", port=port, log_level="error"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def signed_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    page = client.get("/login").text
    marker = 'name="csrf_token" value="'
    token = page.split(marker, 1)[1].split('"', 1)[0]
    response = client.post(
        "/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token}
    )
    if response.status_code != 303:
        raise SystemExit(f"cannot sign in: HTTP {response.status_code}")
    return client


def requests_for(rng: random.Random, ids: list[str], taxonomy) -> dict[str, str]:
    group = rng.choice(GROUPS)
    label = rng.choice(taxonomy.group_ids(group))
    sort = rng.choice(["title", "margin", "created"])
    return {
        "health (baseline)": "/health",
        "documents table": f"/?page={rng.randint(1, 20)}&sort={sort}&{group}={label}",
        "search": f"/?q={rng.choice(QUERIES)}",
        "document page": f"/documents/{rng.choice(ids)}",
    }


def load(base: str, ids: list[str], clients: int, seconds: float) -> dict[str, list[float]]:
    taxonomy = load_taxonomy()
    times: dict[str, list[float]] = {}
    failures: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def client_loop(number: int) -> None:
        rng = random.Random(number)
        client = signed_in(base)
        start.wait()
        stop = time.monotonic() + seconds
        while time.monotonic() < stop:
            kinds = list(requests_for(rng, ids, taxonomy).items())
            rng.shuffle(kinds)
            for kind, path in kinds:
                began = time.perf_counter()
                response = client.get(path)
                elapsed = (time.perf_counter() - began) * 1000
                with lock:
                    if response.status_code != 200:
                        failures.append(f"{path}: HTTP {response.status_code}")
                    times.setdefault(kind, []).append(elapsed)
        client.close()

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, first: {failures[0]}")
    return times


def percentile(values: list[float], share: float) -> float:
    return float(np.percentile(values, share))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--write", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/review.db"
        began = time.perf_counter()
        ids = build_store(url, args.documents)
        print(f"store of {len(ids)} documents built in {time.perf_counter() - began:.1f} s")
        port = free_port()
        (Path(folder) / "models").mkdir()
        server = multiprocessing.get_context("spawn").Process(
            target=serve, args=(url, port, str(Path(folder) / "models")), daemon=True
        )
        server.start()
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        warm = signed_in(base)  # the first requests build the cached overview and vectors
        for path in ("/", f"/?q={QUERIES[0]}", f"/documents/{ids[0]}", "/regions"):
            warm.get(path).raise_for_status()
        times = load(base, ids, args.clients, args.seconds)
        server.terminate()
        server.join(10)
    rows = []
    for kind in ("health (baseline)", "documents table", "search", "document page"):
        values = times[kind]
        rows.append(
            f"| {kind} | {len(values)} | {statistics.median(values):.0f} | "
            f"{percentile(values, 95):.0f} | {max(values):.0f} |"
        )
    pages = [kind for kind in times if kind != "health (baseline)"]
    worst = max(percentile(times[kind], 95) for kind in pages)
    total = sum(len(values) for values in times.values())
    command = (
        "uv run python benchmarks/review.py "
        f"--documents {args.documents} --clients {args.clients} --seconds {args.seconds:g}"
    )
    section = f"""
{MARK_START}
## Review app (`benchmarks/review.py`)

Command: `{command}`; date {date.today().isoformat()}; machine: {machine()}; SQLite store of
{args.documents} synthetic documents (five paragraphs each, a prediction over the packaged
taxonomy with evidence, place and cluster entities, a vector per passage); the app under uvicorn
(one worker) in its own process, {args.clients} signed-in clients in threads of the benchmark
process for {args.seconds:g} s, each looping over the four requests in random order.

| request | requests | median ms | 95th percentile ms | max ms |
|---|---:|---:|---:|---:|
{chr(10).join(rows)}

- {total} requests in {args.seconds:g} s ({total / args.seconds:.0f} per second), none failed.
- Slowest page's 95th percentile: **{worst:.0f} ms** (goal < {TARGET_P95_MS:.0f} ms:
  {"met" if worst < TARGET_P95_MS else "not met"}).

The baseline, `/health`, answers without the store or a template, so its times are what the
server and the shared machine cost every request under this load: the clients run on the same
cores as the server. Pages read a per-store overview (one row per document with its labels,
margin and regions) that is rebuilt only when a document, prediction, decision or entity
extraction is added, so the first request after such a change pays for that rebuild.
{MARK_END}
"""
    write_section(args.write, MARK_START, MARK_END, section)
    print(section)


if __name__ == "__main__":
    sys.exit(main())
