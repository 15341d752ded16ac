"""Tables of the document store (SQLAlchemy 2 declarative; migrations in ``migrations/``)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class DocumentRow(Base):
    """One file's bytes, identified by their SHA-256: the same bytes are stored once."""

    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    source_path: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(8))
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), index=True)
    error: Mapped[str | None] = mapped_column(Text)
    # Why a failed file could not be read: a value of ``statuses.ErrorClass``.
    error_class: Mapped[str | None] = mapped_column(String(16))
    engine: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text, default="")
    # Which ingestion code produced this row: a failure under older code is tried again.
    text_extractor_version: Mapped[str | None] = mapped_column(String(32))
    # A failure's engine and parse limits: it is tried again under another engine or larger
    # limits (a timeout or memory failure may then succeed).
    failed_under: Mapped[dict | None] = mapped_column(JSON)
    # The document that was stored for the same path before this file's bytes changed.
    replaces_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    pages: Mapped[list[PageRow]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="PageRow.number"
    )
    passages: Mapped[list[PassageRow]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="PassageRow.start"
    )
    tables: Mapped[list[TableRow]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="TableRow.page"
    )
    paths: Mapped[list[DocumentPathRow]] = relationship(cascade="all, delete-orphan")


class DocumentPathRow(Base):
    """Every path under which a document's bytes were seen (renamed copies included)."""

    __tablename__ = "document_paths"
    __table_args__ = (UniqueConstraint("document_id", "path"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(Text, index=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PageRow(Base):
    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    width: Mapped[float]
    height: Mapped[float]
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    engine: Mapped[str] = mapped_column(String(32))
    quality: Mapped[dict] = mapped_column(JSON)

    document: Mapped[DocumentRow] = relationship(back_populates="pages")


class PassageRow(Base):
    """A paragraph: ``start``/``end`` are character offsets into ``documents.text``."""

    __tablename__ = "passages"
    __table_args__ = (Index("ix_passages_document_start", "document_id", "start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    page: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    lang: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    bbox: Mapped[dict | None] = mapped_column(JSON)

    document: Mapped[DocumentRow] = relationship(back_populates="passages")


class TableRow(Base):
    __tablename__ = "tables"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    page: Mapped[int] = mapped_column(Integer)
    cells: Mapped[list] = mapped_column(JSON)
    bbox: Mapped[dict | None] = mapped_column(JSON)

    document: Mapped[DocumentRow] = relationship(back_populates="tables")


class RunRow(Base):
    """One invocation of a pipeline step, with what it did."""

    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)


class EntityExtractionRow(Base):
    """Marks a document as processed by an extractor version, even when nothing was found."""

    __tablename__ = "entity_extractions"
    __table_args__ = (UniqueConstraint("document_id", "extractor_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    extractor_version: Mapped[str] = mapped_column(String(64))
    entity_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EntityRow(Base):
    """A mention found by one version of the entity extractor; versions never overwrite."""

    __tablename__ = "entities"
    __table_args__ = (Index("ix_entities_document_extractor", "document_id", "extractor_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    extractor_version: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(32), index=True)
    text: Mapped[str] = mapped_column(Text)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    page: Mapped[int | None] = mapped_column(Integer)
    normalized: Mapped[dict | None] = mapped_column(JSON)
    component: Mapped[str] = mapped_column(String(32))


class PredictionRow(Base):
    """One model version's tags for a document; a new version adds rows, never overwrites."""

    __tablename__ = "predictions"
    __table_args__ = (
        UniqueConstraint("document_id", "model_version"),
        Index("ix_predictions_document_id", "document_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    model_version: Mapped[str] = mapped_column(String(64), index=True)
    model_hash: Mapped[str] = mapped_column(String(64))
    taxonomy_version: Mapped[str] = mapped_column(String(64))
    extractor_version: Mapped[str] = mapped_column(String(64))
    thresholds: Mapped[dict] = mapped_column(JSON)
    # {"relevant": bool, "score": float}; NULL for predictions made before relevance existed
    relevance: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    groups: Mapped[dict] = mapped_column(JSON)
    evidence: Mapped[dict] = mapped_column(JSON)
    terms: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DecisionRow(Base):
    """An analyst's labels for one group of a document (or, with no group, for all groups).

    Rows are never changed: a later decision on the same document and group supersedes the
    earlier one (``supersedes_id`` names it) and both are kept; the newest one counts.
    """

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_document_group", "document_id", "label_group"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    analyst: Mapped[str] = mapped_column(String(128))
    model_version: Mapped[str | None] = mapped_column(String(64))
    labels: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    label_group: Mapped[str | None] = mapped_column(String(64))
    supersedes_id: Mapped[int | None] = mapped_column(Integer)


class WorkClaimRow(Base):
    """A run's claim on one document for one stage, so concurrent runs never do it twice.

    Claims expire: a run killed while holding one gives the document back after ``expires_at``.
    """

    __tablename__ = "work_claims"
    __table_args__ = (UniqueConstraint("stage", "document_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    stage: Mapped[str] = mapped_column(String(64))
    document_id: Mapped[str] = mapped_column(String(64))
    owner: Mapped[str] = mapped_column(String(64), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class UserRow(Base):
    """A person who may sign in to the review app; ``password_hash`` is an argon2 hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    # Wrong passwords in a row; enough of them lock the account until ``locked_until``.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebSessionRow(Base):
    """A signed-in browser: ``id`` is the SHA-256 of the cookie's secret, never the secret."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoginAttemptRow(Base):
    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_name: Mapped[str] = mapped_column(String(128), index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    remote: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiTokenRow(Base):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(128))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PassageVectorRow(Base):
    """A passage text's vector from one encoder version, computed once and reused by every
    later tagging, model version, retraining and search (keyed by the text's sha256, so the
    same paragraph in two documents is embedded once)."""

    __tablename__ = "passage_vectors"
    __table_args__ = (UniqueConstraint("text_sha256", "encoder"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    text_sha256: Mapped[str] = mapped_column(String(64))
    encoder: Mapped[str] = mapped_column(String(128))
    dimension: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, little-endian
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# Full-text search lives in SQL the ORM cannot declare: SQLite's FTS5 table (and the shadow
# tables FTS5 makes) and PostgreSQL's generated tsvector column with its index (migration 0007).
FULL_TEXT_TABLE_PREFIX = "documents_fts"
FULL_TEXT_NAMES = {"search_vector", "ix_documents_search_vector"}


def declared_in_models(object_, name: str | None, type_: str, reflected: bool, compare_to) -> bool:
    """Alembic's ``include_object``: leave out the full-text objects the models do not declare."""
    if type_ == "table" and name and name.startswith(FULL_TEXT_TABLE_PREFIX):
        return False
    return name not in FULL_TEXT_NAMES
