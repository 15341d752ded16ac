"""A hypothesis state machine: inbox changes, runs, crashes, restarts and retraining, in any
order, never break the store's invariants (``store_invariants.check_store``).

A run here is the tagging flow's core without Prefect: record the run, claim, ingest the inbox,
tag every untagged document with the current model, finish (entity extraction is left out to
keep examples fast; the kill trials in ``tests/flows/test_crash_recovery.py`` cover it). A crash
is the same run in a forked child SIGKILLed, with its parser workers, inside or just after its
Nth database commit. The model is the keyword baseline; retraining gives it a new version.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import tempfile
from collections import Counter
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from reportlab.pdfgen import canvas
from sqlalchemy import event as sql_event
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from store_invariants import assert_rows_whole, check_store, decisions

from cluster_nlp.classify.predict import keyword_predictor
from cluster_nlp.classify.tag import tag_documents
from cluster_nlp.ingest.files import discover, sha256_file
from cluster_nlp.ingest.pipeline import ingest
from cluster_nlp.ingest.sandbox import ParseLimits
from cluster_nlp.records import Decision
from cluster_nlp.store.claims import claimed, process_owner
from cluster_nlp.store.db import _open, open_store
from cluster_nlp.store.decisions import save_decision
from cluster_nlp.store.documents import finish_run, start_run
from cluster_nlp.store.models import DocumentRow
from cluster_nlp.store.predictions import documents_to_tag
from cluster_nlp.taxonomy import load_taxonomy

TEXTS = (
    "Кластер искусственного интеллекта в Томске объединил университеты и стартапы.",
    "The regional accelerator supports AI start-ups with grants and mentoring.",
    "Ассоциация участников кластера проводит хакатоны и конференции.",
)
LIMITS = ParseLimits(30.0, 1024, 1)
# What the machine did across examples: steps by rule, crashes that killed a run mid-way.
TALLY: Counter[str] = Counter()


@cache
def pdf_bytes() -> bytes:
    """A small English PDF (reportlab's built-in font): the source of half-written files."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=1)
    pdf.drawString(60, 780, TEXTS[1])
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def run_once(store_url: str, inbox: Path, predictor) -> None:
    """The flow's stages on the core functions: record, claim, ingest, tag, finish."""
    sessions = open_store(store_url)
    run_id = start_run(sessions, "tag", {"inbox": str(inbox)})
    claims = {"owner": process_owner(run_id), "ttl_s": 600.0}
    files = discover([inbox])
    with claimed(sessions, "ingest", {sha256_file(path) for path in files}, **claims):
        ingest(files, sessions, "auto", LIMITS)
    pending = documents_to_tag(sessions, predictor.version)
    with claimed(sessions, f"tags:{predictor.version}", pending, **claims):
        tag_documents(sessions, predictor, "text-test", pending)
    finish_run(sessions, run_id, "ok", {})


def crashed_run(store_url: str, inbox: Path, predictor, point: str, nth: int) -> bool:
    """``run_once`` in a forked child killed inside (``mid-commit``) or just after
    (``after-commit``) its ``nth`` commit; a child that finishes first says so (False)."""
    child = os.fork()
    if child == 0:  # pragma: no cover - the child never returns to the test
        try:
            os.setpgid(0, 0)
            open_store(store_url).kw["bind"].dispose(close=False)  # the parent's connections
            count = [0]

            def kill_at_nth(*_):
                count[0] += 1
                if count[0] == nth:
                    os.killpg(0, signal.SIGKILL)

            if point == "mid-commit":
                sql_event.listen(Engine, "commit", kill_at_nth)
            else:
                sql_event.listen(Session, "after_commit", kill_at_nth)
            run_once(store_url, inbox, predictor)
        finally:
            os._exit(0)
    _, status = os.waitpid(child, 0)
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


class CrashMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="crash-machine-"))
        self.inbox = self.folder / "inbox"
        self.inbox.mkdir()
        self.store_url = f"sqlite:///{self.folder / 'store.db'}"
        self.keyword = keyword_predictor(load_taxonomy(None))
        self.predictor = self.keyword
        self.names = 0
        self.retrained = 0
        self.allowed: set[tuple[str, str]] = set()
        self.completed = False  # the last step was a run that finished
        self.decided: list[tuple] = []  # the decisions, as the analysts left them
        open_store(self.store_url)

    def teardown(self) -> None:
        open_store(self.store_url).kw["bind"].dispose()
        _open.cache_clear()
        shutil.rmtree(self.folder, ignore_errors=True)

    def files(self) -> list[Path]:
        return sorted(path for path in self.inbox.iterdir() if path.is_file())

    def present(self) -> set[tuple[str, str]]:
        return {(sha256_file(path), str(path)) for path in self.files()}

    def new_name(self, suffix: str) -> Path:
        self.names += 1
        return self.inbox / f"file-{self.names:03d}{suffix}"

    def changed(self) -> None:
        self.completed = False

    @rule(text=st.sampled_from(TEXTS), salt=st.integers(0, 10**6))
    def add_file(self, text: str, salt: int) -> None:
        self.new_name(".md").write_text(f"# note {salt}\n\n{text}\n", "utf-8")
        self.changed()

    @precondition(lambda self: self.files())
    @rule(data=st.data())
    def duplicate(self, data) -> None:
        source = data.draw(st.sampled_from(self.files()))
        shutil.copyfile(source, self.new_name(source.suffix))
        self.changed()

    @precondition(lambda self: self.files())
    @rule(data=st.data(), addition=st.sampled_from(TEXTS))
    def modify(self, data, addition: str) -> None:
        target = data.draw(st.sampled_from(self.files()))
        if target.suffix == ".pdf":  # a half-written file is finished by its writer
            target.write_bytes(pdf_bytes())
        else:
            target.write_text(target.read_text("utf-8") + addition + "\n", "utf-8")
        self.changed()

    @rule(share=st.floats(0.05, 0.95))
    def half_written(self, share: float) -> None:
        data = pdf_bytes()
        self.new_name(".pdf").write_bytes(data[: int(len(data) * share)])
        self.changed()

    @rule()
    def run(self) -> None:
        self.allowed |= self.present()
        run_once(self.store_url, self.inbox, self.predictor)
        self.completed = True
        TALLY["completed runs"] += 1

    @rule(point=st.sampled_from(["mid-commit", "after-commit"]), nth=st.integers(1, 12))
    def crash(self, point: str, nth: int) -> None:
        self.allowed |= self.present()
        killed = crashed_run(self.store_url, self.inbox, self.predictor, point, nth)
        event(f"{point}: {'killed' if killed else 'finished before the kill point'}")
        TALLY[f"crash {point} killed" if killed else "crash came too late"] += 1
        self.completed = False

    @rule()
    def restart(self) -> None:
        """A new process: no engine, connection or cached store survives."""
        open_store(self.store_url).kw["bind"].dispose()
        _open.cache_clear()

    @rule()
    def retrain(self) -> None:
        self.retrained += 1
        self.predictor = replace(self.keyword, version=f"keyword-r{self.retrained}")
        self.changed()

    @rule(data=st.data())
    def decide(self, data) -> None:
        with open_store(self.store_url)() as session:
            stored = sorted(session.scalars(select(DocumentRow.id)))
        if stored:
            document = data.draw(st.sampled_from(stored))
            save_decision(
                open_store(self.store_url),
                Decision(document_id=document, analyst="analyst", functions=["startup_support"]),
            )
            self.decided = decisions(self.store_url)

    @invariant()
    def whole_rows_and_a_sound_file(self) -> None:
        assert_rows_whole(self.store_url)
        assert decisions(self.store_url) == self.decided

    @invariant()
    def after_a_completed_run_everything_holds(self) -> None:
        if self.completed:
            check_store(
                self.store_url,
                self.present(),
                [self.predictor.version],
                self.decided,
                allowed=self.allowed,
            )


def machine_test(max_examples: int, steps: int, derandomize: bool) -> Counter[str]:
    TALLY.clear()
    run_state_machine_as_test(
        CrashMachine,
        settings=settings(
            max_examples=max_examples,
            stateful_step_count=steps,
            deadline=None,
            derandomize=derandomize,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    return Counter(TALLY)


def test_crash_machine_small():
    """Fixed examples (derandomized), so the default tier is the same on every run."""
    tally = machine_test(max_examples=6, steps=8, derandomize=True)
    assert tally["crash mid-commit killed"] + tally["crash after-commit killed"] > 0, tally


@pytest.mark.slow
def test_crash_machine_large():
    tally = machine_test(max_examples=40, steps=15, derandomize=False)
    assert tally["crash mid-commit killed"] and tally["crash after-commit killed"], tally
