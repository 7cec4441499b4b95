"""Idle reminders: one friendly nudge per conversation, scheduled in the store, sent by a sweep.

A conversation is scheduled once, when it starts (`Conversations` does it). The sweep takes
the chats that are due and looks at each session: how long since it was last written (every
update writes it), and where it stands. Too recent: the reminder moves to when it would be
due. Gone, cancelled or finished: it is dropped. Idle long enough: the chat's `reminded`
value is claimed for the session's id, atomically in the chat's own slot, so of several
replicas sweeping at once exactly one sends it, and the same conversation is never reminded
again. Nothing lives in process memory: a restarted bot picks the schedule up where it was.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from bot.conversation import REMINDED_VALUE, Conversations, readable_session
from bot.store import StoreError
from flows.engine import reminder
from flows.events import Reply
from flows.session import DONE, Language

_log = logging.getLogger(__name__)
# Due reminders read per call; a sweep keeps reading until fewer come back.
BATCH = 100

SendReminder = Callable[[int, Reply, Language], Awaitable[None]]


class ReminderSweep:
    """Sends the reminders that are due, once each, however many replicas sweep."""

    def __init__(
        self,
        conversations: Conversations,
        send: SendReminder,
        *,
        after_seconds: float,
        clock: Callable[[], float] = time.time,
        batch: int = BATCH,
    ) -> None:
        self._conversations = conversations
        self._store = conversations.store
        self._send = send
        self._after = after_seconds
        self._clock = clock
        self._batch = batch

    async def sweep(self) -> int:
        """Handle every reminder due now; how many were sent."""
        now = self._clock()
        sent = 0
        while True:
            due = await self._store.due_reminders(now, self._batch)
            for chat_id, was in due:
                sent += await self._visit(chat_id, was, now)
            if len(due) < self._batch:
                return sent

    async def _visit(self, chat_id: int, was: float, now: float) -> int:
        data, idle = await self._store.session_idle(chat_id)
        session = readable_session(data)
        if session is None or session.at in ("", DONE):
            await self._store.move_reminder(chat_id, was, None)
            return 0
        wait = self._after - idle
        if wait > 0:
            await self._store.move_reminder(chat_id, was, now + wait)
            return 0
        claimed = await self._store.claim_value(chat_id, REMINDED_VALUE, session.sid)
        await self._store.move_reminder(chat_id, was, None)
        reply = reminder(session, self._conversations.context()) if claimed else None
        if reply is None:
            return 0
        await self._send(chat_id, reply, session.lang)
        _log.info("chat %s reminded at step %s", chat_id, session.at)
        return 1

    async def run(self, interval_seconds: float) -> None:
        """Sweep every `interval_seconds` until cancelled; a failed sweep is retried next time."""
        while True:
            try:
                await self.sweep()
            except StoreError as error:
                _log.warning("reminder sweep failed: %s", type(error).__name__)
            except Exception:
                _log.exception("reminder sweep failed")
            await asyncio.sleep(interval_seconds)
