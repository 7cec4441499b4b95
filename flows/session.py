"""A prospect's conversation as plain, versioned, JSON-serialisable data."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1

Language = Literal["es", "en"]
# Where the conversation stands: a step name, or one of these places outside the steps.
SUMMARY = "summary"
EDIT = "edit"
DONE = "done"
Confirming = Literal["cancel", "restart", "expired"]


class Session(BaseModel):
    """Everything the engine needs to continue a conversation, and nothing more."""

    model_config = ConfigDict(extra="forbid")

    v: int
    sid: str
    lang: Language
    partner: str
    merchant: str | None = None
    at: str = ""
    answers: dict[str, Any] = Field(default_factory=dict)
    raw: dict[str, str] = Field(default_factory=dict)
    skipped: list[str] = Field(default_factory=list)
    confirming: Confirming | None = None
    pending: Any = None
    failures: int = 0
    picked: list[str] = Field(default_factory=list)
    suggest: list[str] = Field(default_factory=list)
    editing: bool = False
    kb: int = 0
    profile_first: str | None = None
    profile_last: str | None = None
    contact_phone: str | None = None
    submitting: bool = False
    code: str | None = None
    last_update: int = 0

    def dump(self) -> str:
        """Compact JSON: defaults left out so an in-flight session stays well under 1 KB."""
        return self.model_dump_json(exclude_defaults=True)

    @property
    def binding(self) -> str:
        """The token that binds a drawn keyboard to this session and this question."""
        return f"{self.sid}.{self.kb}"


def new_session(
    sid: str, lang: Language, partner: str, merchant: str | None = None, **profile: Any
) -> Session:
    """A fresh conversation; `sid` is a short random id chosen by the transport."""
    return Session(
        v=SCHEMA_VERSION, sid=sid, lang=lang, partner=partner, merchant=merchant, **profile
    )


class SessionOutdated(Exception):
    """The stored session was written by a schema this code cannot read or migrate."""


def load_session(data: str) -> Session:
    """Parse a stored session, migrating older schema versions where possible."""
    try:
        session = Session.model_validate_json(data)
    except ValueError as error:
        raise SessionOutdated(str(error.__class__.__name__)) from error
    if session.v != SCHEMA_VERSION:
        raise SessionOutdated(f"schema version {session.v}")
    return session
