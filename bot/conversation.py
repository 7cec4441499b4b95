"""Runs one event of one chat: load the session under the chat's lock, advance, save, submit."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.leads_api import LeadsApiClient
from bot.store import SessionStore
from bot.submit import submit
from flows.catalogue import Catalogue
from flows.engine import advance
from flows.events import Event, Output, Reply, SubmitRequest
from flows.session import Language, Session, SessionOutdated, load_session, new_session
from flows.steps import FlowContext

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Origin:
    """What the transport knows about a prospect before the first answer."""

    lang: Language
    partner: str
    merchant: str | None = None
    profile: dict[str, Any] = field(default_factory=dict)


@dataclass
class Turn:
    """What one event produced: the session after it and the replies to show, in order."""

    session: Session | None
    replies: list[Reply]
    duplicate: bool = False


class Conversations:
    """The conversation service both transports share."""

    def __init__(
        self,
        store: SessionStore,
        leads: LeadsApiClient,
        *,
        catalogue: Catalogue,
        tributax_partner: str,
        today: Any = date.today,
    ) -> None:
        self.store = store
        self.leads = leads
        self.catalogue = catalogue
        self.tributax_partner = tributax_partner
        self._today = today

    def context(self) -> FlowContext:
        """The flow's view of the world at this moment."""
        return FlowContext(
            today=self._today(), catalogue=self.catalogue, tributax_partner=self.tributax_partner
        )

    async def handle(
        self, chat_id: int, event: Event, origin: Origin, *, update_id: int | None = None
    ) -> Turn:
        """Apply an event; perform a submission it asks for; return everything to show."""
        replies: list[Reply] = []
        async with self.store.session(chat_id) as slot:
            session = self._load(slot.data, origin, replies)
            if update_id is not None and update_id <= session.last_update:
                return Turn(session, [], duplicate=True)
            if update_id is not None:
                session.last_update = update_id
            session, outputs = advance(session, event, self.context())
            slot.data = session.dump() if session.at else None
        request = _collect(outputs, replies)
        while request is not None:
            outcome = await submit(self.leads, request)
            _log.info("chat %s submission outcome %s", chat_id, type(outcome).__name__)
            async with self.store.session(chat_id) as slot:
                session = self._load(slot.data, origin, replies)
                session, outputs = advance(session, outcome, self.context())
                slot.data = session.dump() if session.at else None
            request = _collect(outputs, replies)
        return Turn(session if session.at else None, replies)

    async def current(self, chat_id: int) -> Session | None:
        """The stored session of a chat, read without locking (None when absent or unreadable)."""
        data = await self.store.peek(chat_id)
        if data is None:
            return None
        try:
            return load_session(data)
        except SessionOutdated:
            return None

    def _load(self, data: str | None, origin: Origin, replies: list[Reply]) -> Session:
        if data is not None:
            try:
                return load_session(data)
            except SessionOutdated:
                replies.append(Reply(key="session-outdated"))
        return new_session(
            secrets.token_hex(3), origin.lang, origin.partner, origin.merchant, **origin.profile
        )


def _collect(outputs: list[Output], replies: list[Reply]) -> SubmitRequest | None:
    request: SubmitRequest | None = None
    for output in outputs:
        if isinstance(output, SubmitRequest):
            request = output
        else:
            replies.append(output)
    return request
