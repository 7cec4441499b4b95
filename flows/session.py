"""A prospect's conversation as plain, versioned, JSON-serialisable data."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1
# Update ids remembered per conversation to drop Telegram's redeliveries (webhook retries).
RECENT_UPDATES = 10

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
    # The submission under way, "<attempt> <epoch seconds it started>" (set by the service).
    sending: str | None = None
    # The API already holds a lead for this person: sending the same answers again is pointless.
    registered: bool = False
    code: str | None = None
    updates: list[int] = Field(default_factory=list)

    def dump(self) -> str:
        """Compact JSON: defaults left out so an in-flight session stays well under 1 KB."""
        return self.model_dump_json(exclude_defaults=True)

    def already_applied(self, update_id: int) -> bool:
        """Whether this update was applied before (a redelivery, or older than the window)."""
        if update_id in self.updates:
            return True
        return len(self.updates) >= RECENT_UPDATES and update_id < min(self.updates)

    def record_update(self, update_id: int) -> None:
        """Remember an applied update; only the most recent few are kept."""
        self.updates = [*self.updates, update_id][-RECENT_UPDATES:]

    @property
    def binding(self) -> str:
        """The token that binds a drawn keyboard to this session and this question."""
        return f"{self.sid}.{self.kb}"

    @property
    def reminder_binding(self) -> str:
        """The token of a reminder's button: bound to the session, not to one question."""
        return f"{self.sid}.r"


def new_session(
    sid: str, lang: Language, partner: str, merchant: str | None = None, **profile: Any
) -> Session:
    """A fresh conversation; `sid` is a short random id chosen by the transport."""
    return Session(
        v=SCHEMA_VERSION, sid=sid, lang=lang, partner=partner, merchant=merchant, **profile
    )


class SessionOutdated(Exception):
    """The stored session was written by a schema this code cannot read."""


def load_session(data: str) -> Session:
    """Parse a stored session; any other schema version raises SessionOutdated."""
    try:
        session = Session.model_validate_json(data)
    except ValueError as error:
        raise SessionOutdated(str(error.__class__.__name__)) from error
    if session.v != SCHEMA_VERSION:
        raise SessionOutdated(f"schema version {session.v}")
    return session
