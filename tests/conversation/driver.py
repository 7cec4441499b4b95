"""A chat with the pure engine that reads like the conversation itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flows.catalogue import Catalogue
from flows.engine import advance
from flows.events import (
    Button,
    Command,
    Contact,
    Event,
    Pick,
    Reply,
    Start,
    SubmitFailed,
    SubmitRequest,
    Submitted,
    Text,
)
from flows.session import Language, Session, load_session, new_session
from flows.steps import FlowContext

TODAY = date(2026, 12, 3)


@dataclass
class Chat:
    """One prospect talking to the engine; counts every action the prospect takes."""

    lang: Language = "es"
    partner: str = "migo-demo"
    profile: dict[str, Any] = field(default_factory=dict)
    ctx: FlowContext = field(
        default_factory=lambda: FlowContext(today=TODAY, catalogue=Catalogue())
    )
    actions: int = 0
    replies: list[Reply] = field(default_factory=list)
    requests: list[SubmitRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.session: Session = new_session("abc123", self.lang, self.partner, **self.profile)
        self.screen: Reply | None = None

    # ---- what the prospect does -----------------------------------------------------------

    def start(self) -> list[Reply]:
        return self.act(Start())

    def type(self, text: str) -> list[Reply]:
        return self.act(Text(text))

    def command(self, name: str, arg: str = "") -> list[Reply]:
        return self.act(Command(name, arg))

    def share_contact(self, phone: str, own: bool = True) -> list[Reply]:
        return self.act(Contact(phone, own))

    def tap(self, what: str) -> list[Reply]:
        """Tap the button on screen whose value, label key, literal label or action is `what`."""
        assert self.screen is not None and self.screen.binding, "no keyboard on screen"
        for index, button in enumerate(self.screen.buttons):
            if what in _names(button):
                return self.act(Pick(self.screen.binding, index))
        raise AssertionError(f"no button {what!r} among {[_names(b) for b in self.screen.buttons]}")

    def act(self, event: Event) -> list[Reply]:
        self.actions += 1
        return self.feed(event)

    # ---- what the caller (transport) does -------------------------------------------------

    def feed(self, event: Event) -> list[Reply]:
        before, as_it_was = self.session, self.session.dump()
        self.session, outputs = advance(self.session, event, self.ctx)
        # The engine is pure: it works on its own copy and leaves the caller's session as it was.
        assert before.dump() == as_it_was
        assert self.session is not before
        # Every turn must leave a session that survives a round trip through the store.
        assert load_session(self.session.dump()) == self.session
        replies = [o for o in outputs if isinstance(o, Reply)]
        self.requests += [o for o in outputs if isinstance(o, SubmitRequest)]
        self.replies = replies
        for reply in replies:
            if reply.binding is not None:
                self.screen = reply
        return replies

    def server_answers(self, outcome: Submitted | SubmitFailed) -> list[Reply]:
        return self.feed(outcome)

    # ---- what the test reads --------------------------------------------------------------

    @property
    def keys(self) -> list[str]:
        return [reply.key for reply in self.replies]

    @property
    def asking(self) -> str | None:
        return self.screen.step if self.screen else None

    def buttons(self) -> list[Button]:
        return list(self.screen.buttons) if self.screen else []


def _names(button: Button) -> set[str]:
    names = {button.action}
    if button.value:
        names.add(button.value)
    if button.label.key:
        names.add(button.label.key)
    if button.label.text:
        names.add(button.label.text)
    return names
