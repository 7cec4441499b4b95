"""What goes into the engine (events) and what comes out (replies and requests)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flows.lead import Lead

# ---- events -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    """/start, possibly from a deep link (the transport has already read its payload)."""


@dataclass(frozen=True)
class Text:
    """A typed answer."""

    text: str


@dataclass(frozen=True)
class Pick:
    """A tap on button `index` of the keyboard drawn under `binding`."""

    binding: str
    index: int


@dataclass(frozen=True)
class Contact:
    """A shared Telegram contact; `own` is whether it is the sender's own number."""

    phone: str
    own: bool


@dataclass(frozen=True)
class Command:
    """A conversation command: back, skip, cancel, restart, language, help, summary."""

    name: str
    arg: str = ""


@dataclass(frozen=True)
class Unsupported:
    """Something that is not an answer: a photo, sticker, voice note, edited message…"""

    kind: str


@dataclass(frozen=True)
class Submitted:
    """The Leads API created the lead."""

    code: str


@dataclass(frozen=True)
class SubmitFailed:
    """The Leads API did not create the lead: why, and the fields it named."""

    reason: str  # "already-registered" | "rejected" | "unavailable" | "not-created"
    fields: tuple[tuple[str | None, str], ...] = ()


Event = Start | Text | Pick | Contact | Command | Unsupported | Submitted | SubmitFailed

COMMANDS = ("back", "skip", "cancel", "restart", "language", "help", "summary")

# ---- replies --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Label:
    """Something to show: a catalog key with arguments, or literal data (a name, a date)."""

    key: str | None = None
    text: str | None = None
    args: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Button:
    """One button; `action` says what a tap does, `value` what it answers."""

    action: str
    label: Label
    value: str = ""
    picked: bool = False


@dataclass(frozen=True)
class SummaryLine:
    """One answer in the summary: the field's label and its value as shown."""

    field: str
    value: tuple[Label, ...]


@dataclass(frozen=True)
class SummarySection:
    """The answers of one section, in asking order."""

    section: str
    lines: tuple[SummaryLine, ...]


@dataclass(frozen=True)
class Reply:
    """A catalog key with arguments, plus what a transport needs to draw it."""

    key: str
    args: Mapping[str, Any] = field(default_factory=dict)
    step: str | None = None
    progress: tuple[int, int] | None = None
    # An optional detail: `progress` counts the optional details apart from the questions.
    optional: bool = False
    section: str | None = None
    buttons: tuple[Button, ...] = ()
    binding: str | None = None
    contact: bool = False
    in_place: bool = False
    summary: tuple[SummarySection, ...] = ()


@dataclass(frozen=True)
class SubmitRequest:
    """Ask the caller to send this lead once and feed the outcome back as an event."""

    lead: Lead
    merchant_id: str | None
    # Names this submission: the session and question it was asked from.
    attempt: str = ""


Output = Reply | SubmitRequest
