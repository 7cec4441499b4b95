"""Runs one event of one chat: load the session under the chat's lock, advance, save, submit."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.funnel import Funnel, progress
from bot.leads_api import LeadsApiClient
from bot.store import SessionSlot, SessionStore
from bot.submit import submit
from flows.catalogue import Catalogue
from flows.engine import advance
from flows.events import Event, Output, Reply, SubmitFailed, SubmitRequest, Submitted
from flows.session import DONE, Language, Session, SessionOutdated, load_session, new_session
from flows.steps import FlowContext

_log = logging.getLogger(__name__)
# The invitation code the chat obtained and the attempt that obtained it ("<code> <attempt>"):
# a bare /status shows it, and a submission a crash interrupted is settled from it.
CODE_VALUE = "code"
CODE_TTL_SECONDS = 365 * 24 * 3600
# The sid of the conversation last reminded (bot/reminders.py claims it before sending).
REMINDED_VALUE = "reminded"


@dataclass(frozen=True)
class Origin:
    """What the transport knows about a prospect before the first answer."""

    lang: Language
    partner: str
    merchant: str | None = None
    profile: dict[str, Any] = field(default_factory=dict)


@dataclass
class Turn:
    """What one event produced: the session after it, the replies, and a submission to make."""

    session: Session | None
    replies: list[Reply]
    before: str = ""
    request: SubmitRequest | None = None
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
        clock: Callable[[], float] = time.time,
        submit_grace_seconds: float = 60.0,
        reminder_after_seconds: float = 0,
        funnel: Funnel | None = None,
    ) -> None:
        self.store = store
        self.funnel = funnel
        self.leads = leads
        self.catalogue = catalogue
        self.tributax_partner = tributax_partner
        self._today = today
        self._clock = clock
        # After this long a submission nobody finished is settled as "unavailable".
        self.submit_grace_seconds = submit_grace_seconds
        # A new conversation is scheduled for one reminder this long after it starts (0: none).
        self.reminder_after_seconds = reminder_after_seconds
        self._sending: set[int] = set()

    def context(self) -> FlowContext:
        """The flow's view of the world at this moment."""
        return FlowContext(
            today=self._today(), catalogue=self.catalogue, tributax_partner=self.tributax_partner
        )

    async def handle(
        self, chat_id: int, event: Event, origin: Origin, *, update_id: int | None = None
    ) -> Turn:
        """Apply an event under the chat's lock; a submission it asks for is left to `complete`."""
        replies: list[Reply] = []
        async with self.store.session(chat_id) as slot:
            fresh = slot.data is None
            if slot.expired:
                replies.append(Reply(key="session-expired"))
            session = self._load(slot.data, origin, replies)
            before = session.at
            if update_id is not None:
                if session.already_applied(update_id):
                    return Turn(session, [], before=before, duplicate=True)
                session.record_update(update_id)
            if session.submitting and chat_id not in self._sending:
                session = await self._recover(chat_id, session, replies)
            session, outputs = advance(session, event, self.context())
            request = _collect(outputs, replies)
            if request is not None:
                # Written with the session: any replica can tell a submission is under way.
                session.sending = f"{request.attempt} {self._clock():.0f}"
                self._sending.add(chat_id)
            await self._count(slot, chat_id, before, session, replies)
            self._keep(slot, session)
            restarted = any(reply.key == "restarted" for reply in replies)
            if session.at and (fresh or restarted):
                await self._schedule(slot, chat_id, restarted=restarted)
        return Turn(session if session.at else None, replies, before=before, request=request)

    async def _recover(self, chat_id: int, session: Session, replies: list[Reply]) -> Session:
        """Settle a submission a crashed or stuck process left behind, without sending again."""
        attempt, _, started = (session.sending or "").partition(" ")
        code, obtained_by = await self._linked(chat_id)
        event: Submitted | SubmitFailed | None = None
        if code and attempt and obtained_by == attempt:
            event = Submitted(code)
        elif not attempt or self._clock() - float(started or 0) > self.submit_grace_seconds:
            # The request may or may not have reached the API; the prospect decides to retry,
            # and the API refuses a second lead for the same person (7121).
            event = SubmitFailed("unavailable")
        if event is None:
            return session
        _log.warning(
            "chat %s: settled an interrupted submission (%s)", chat_id, type(event).__name__
        )
        session, outputs = advance(session, event, self.context())
        session.sending = None
        _collect(outputs, replies)
        return session

    async def _schedule(self, slot: SessionSlot, chat_id: int, *, restarted: bool) -> None:
        """Schedule the reminder of a new (or restarted) conversation, with the commit."""
        if self.reminder_after_seconds <= 0:
            return
        due = self._clock() + self.reminder_after_seconds
        await self.store.schedule_reminder(chat_id, due, slot=slot)
        if restarted:
            # A restarted conversation keeps its sid, yet it deserves its own reminder.
            await self.store.delete_value(chat_id, REMINDED_VALUE)

    async def _count(
        self, slot: SessionSlot, chat_id: int, before: str, session: Session, replies: list[Reply]
    ) -> None:
        """Funnel bookkeeping, with the commit: under the chat's lock, in the chat's order."""
        step = progress(before, session, replies)
        if self.funnel is not None and step.worth_recording:
            await self.funnel.record_on_commit(slot, chat_id, step)

    @staticmethod
    def _keep(slot: SessionSlot, session: Session) -> None:
        """Write the session back (an ended one is deleted)."""
        slot.data = session.dump() if session.at else None
        # A finished onboarding that expires has nothing left to explain.
        slot.explain_expiry = session.at != DONE

    async def forget(self, chat_id: int) -> None:
        """Delete everything held about a chat: session, pending submission, code link."""
        async with self.store.session(chat_id) as slot:
            slot.data = None
            if self.funnel is not None:
                # Dropped first: a sweep must not take the vanished session for an expired one.
                await self.funnel.drop(chat_id)
            await self.store.forget_chat(chat_id)

    async def complete(self, chat_id: int, request: SubmitRequest, origin: Origin) -> Turn:
        """Send the lead (outside the lock, so the chat stays responsive) and apply the outcome."""
        try:
            outcome = await submit(self.leads, request)
            _log.info("chat %s submission outcome %s", chat_id, type(outcome).__name__)
            if isinstance(outcome, Submitted):
                # Recorded first: if this process dies now, the next update still finds the code.
                await self.store.set_value(
                    chat_id,
                    CODE_VALUE,
                    f"{outcome.code} {request.attempt}",
                    ttl_seconds=CODE_TTL_SECONDS,
                )
            replies: list[Reply] = []
            async with self.store.session(chat_id) as slot:
                session = self._load(slot.data, origin, replies)
                before = session.at
                session, outputs = advance(session, outcome, self.context())
                session.sending = None
                await self._count(slot, chat_id, before, session, [])
                self._keep(slot, session)
        finally:
            self._sending.discard(chat_id)
        _collect(outputs, replies)
        return Turn(session, replies, before=before)

    async def run(
        self, chat_id: int, event: Event, origin: Origin, *, update_id: int | None = None
    ) -> list[Reply]:
        """`handle` then `complete`, for callers that show everything at the end (console)."""
        turn = await self.handle(chat_id, event, origin, update_id=update_id)
        replies = turn.replies
        if turn.request is not None:
            replies = replies + (await self.complete(chat_id, turn.request, origin)).replies
        return replies

    async def linked_code(self, chat_id: int) -> str | None:
        """The invitation code this chat obtained, if any."""
        return (await self._linked(chat_id))[0]

    async def _linked(self, chat_id: int) -> tuple[str | None, str]:
        """The chat's code and the attempt that obtained it ("" when unknown)."""
        value = await self.store.get_value(chat_id, CODE_VALUE)
        if not value:
            return None, ""
        code, _, attempt = value.partition(" ")
        return code, attempt

    async def current(self, chat_id: int) -> Session | None:
        """The stored session of a chat, read without locking (None when absent or unreadable)."""
        return readable_session(await self.store.peek(chat_id))

    def _load(self, data: str | None, origin: Origin, replies: list[Reply]) -> Session:
        if data is not None:
            try:
                return load_session(data)
            except SessionOutdated:
                replies.append(Reply(key="session-outdated"))
        return new_session(
            secrets.token_hex(3), origin.lang, origin.partner, origin.merchant, **origin.profile
        )


def readable_session(data: str | None) -> Session | None:
    """A stored session, or None when there is none or it can no longer be read."""
    if data is None:
        return None
    try:
        return load_session(data)
    except SessionOutdated:
        return None


def _collect(outputs: list[Output], replies: list[Reply]) -> SubmitRequest | None:
    request: SubmitRequest | None = None
    for output in outputs:
        if isinstance(output, SubmitRequest):
            request = output
        else:
            replies.append(output)
    return request
