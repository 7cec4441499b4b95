"""The Conversations service both transports share: store, engine and Leads API together."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from bot.conversation import Conversations, Origin
from bot.leads_api import LeadsApiClient
from bot.sandbox import Sandbox
from bot.store import MemorySessionStore
from flows.catalogue import Catalogue
from flows.events import Command, Pick, Start, Text
from tests.conftest import FakeClock

ORIGIN = Origin(lang="es", partner="migo-gt", profile={"profile_first": "Ana"})


@pytest.fixture
async def service() -> AsyncIterator[Conversations]:
    sandbox = Sandbox()
    url = await sandbox.start()
    async with httpx.AsyncClient(base_url=url + "/") as http:
        yield Conversations(
            MemorySessionStore(ttl_seconds=60),
            LeadsApiClient(http, SecretStr("t")),
            catalogue=Catalogue(),
            tributax_partner="tributax",
        )
    await sandbox.stop()


async def test_a_session_of_an_unknown_schema_starts_over_politely(service: Conversations) -> None:
    async with service.store.session(7) as slot:
        slot.data = '{"v": 99, "sid": "x"}'
    turn = await service.handle(7, Text("hola"), ORIGIN)
    assert [r.key for r in turn.replies] == ["session-outdated", "welcome", "firstName-ask"]
    assert turn.session is not None
    assert turn.session.v == 1


async def test_a_redelivered_update_is_applied_once(service: Conversations) -> None:
    await service.handle(8, Start(), ORIGIN, update_id=10)
    first = await service.handle(8, Text("Ana"), ORIGIN, update_id=11)
    again = await service.handle(8, Text("Ana"), ORIGIN, update_id=11)
    assert [r.key for r in first.replies] == ["lastName-ask"]
    assert again.duplicate
    assert again.replies == []
    current = await service.current(8)
    assert current is not None
    assert current.answers == {"firstName": "Ana"}
    assert current.updates == [10, 11]


async def test_cancel_deletes_the_stored_session(service: Conversations) -> None:
    await service.handle(9, Start(), ORIGIN)
    await service.handle(9, Text("Ana"), ORIGIN)
    await service.handle(9, Command("cancel"), ORIGIN)
    turn = await service.handle(9, Text("sí"), ORIGIN)
    assert [r.key for r in turn.replies] == ["cancelled"]
    assert await service.store.peek(9) is None
    assert turn.session is None


async def test_the_code_is_linked_to_the_chat_after_submission(service: Conversations) -> None:
    assert await service.linked_code(5) is None
    answers = ["Ana", "López", "mujer", "07/03/1990", "soltera", "Guatemala"]
    answers += ["1234 56789 0101", "31/12/2030", "Guatemala", "5555 1234", "a@example.com"]
    answers += ["Tienda", "Tienda", "Abarrotes", "zona 1", "576937-K", "1", "no", "1", "listo"]
    answers += ["1", "no"]
    await service.run(5, Start(), ORIGIN)
    for answer in answers:
        await service.run(5, Text(answer), ORIGIN)
    replies = await service.run(5, Text("confirmar"), ORIGIN)
    assert [r.key for r in replies] == ["use-buttons", "summary"]
    binding = replies[-1].binding
    assert binding is not None
    replies = await service.run(5, Pick(binding, 0), ORIGIN)
    assert [r.key for r in replies] == ["submit-sending", "submit-done"]
    code = replies[-1].args["code"]
    assert await service.linked_code(5) == code
    session = await service.current(5)
    assert session is not None
    assert session.answers == {}
    assert session.code == code


ANSWERS = ["Ana", "López", "mujer", "07/03/1990", "soltera", "Guatemala", "1234 56789 0101"]
ANSWERS += ["31/12/2030", "Guatemala", "5555 1234", "a@example.com", "Tienda", "Tienda"]
ANSWERS += ["Abarrotes", "zona 1", "576937-K", "1", "no", "1", "listo", "1", "no"]


async def to_summary(service: Conversations, chat_id: int) -> str:
    """Answer everything; return the binding of the summary's keyboard (confirm is button 0)."""
    await service.run(chat_id, Start(), ORIGIN)
    replies = []
    for answer in ANSWERS:
        replies = await service.run(chat_id, Text(answer), ORIGIN)
    assert replies[-1].key == "summary"
    binding = replies[-1].binding
    assert binding is not None
    return binding


class CrashingStore(MemorySessionStore):
    """A store whose next transaction dies, as if the process were killed at that point."""

    crash = False

    def session(self, chat_id: int):  # type: ignore[no-untyped-def]
        if self.crash:
            raise RuntimeError("killed")
        return super().session(chat_id)


async def test_a_crash_after_the_api_answered_still_gives_the_code_once(
    service: Conversations,
) -> None:
    store = CrashingStore(ttl_seconds=600)
    first = Conversations(store, service.leads, catalogue=Catalogue(), tributax_partner="tributax")
    binding = await to_summary(first, 11)
    turn = await first.handle(11, Pick(binding, 0), ORIGIN)
    assert turn.request is not None
    store.crash = True
    with pytest.raises(RuntimeError, match="killed"):
        await first.complete(11, turn.request, ORIGIN)
    store.crash = False
    # A new process (or another replica) gets the next update from the prospect.
    restarted = Conversations(
        store, service.leads, catalogue=Catalogue(), tributax_partner="tributax"
    )
    replies = await restarted.run(11, Text("¿hola?"), ORIGIN)
    assert [r.key for r in replies][:1] == ["submit-done"]
    code = replies[0].args["code"]
    assert await restarted.linked_code(11) == code
    settled = await restarted.current(11)
    assert settled is not None
    assert settled.sending is None
    assert not settled.submitting


async def test_a_submission_nobody_finished_is_offered_again_after_the_grace(
    service: Conversations,
) -> None:
    store = MemorySessionStore(ttl_seconds=600)
    now = [1_000.0]
    first = Conversations(
        store, service.leads, catalogue=Catalogue(), tributax_partner="tributax",
        clock=lambda: now[0],
    )  # fmt: skip
    binding = await to_summary(first, 12)
    turn = await first.handle(12, Pick(binding, 0), ORIGIN)
    assert turn.request is not None  # …and the process dies before calling the API.
    other = Conversations(
        store, service.leads, catalogue=Catalogue(), tributax_partner="tributax",
        clock=lambda: now[0],
    )  # fmt: skip
    waiting = await other.run(12, Text("¿hola?"), ORIGIN)
    assert [r.key for r in waiting] == ["submit-in-progress"]
    now[0] += 120
    replies = await other.run(12, Text("¿hola?"), ORIGIN)
    assert [r.key for r in replies] == ["submit-unavailable", "summary", "use-buttons", "summary"]
    retry = replies[-1].binding
    assert retry is not None
    done = await other.run(12, Pick(retry, 0), ORIGIN)
    assert [r.key for r in done] == ["submit-sending", "submit-done"]


async def test_a_finished_onboarding_that_expires_is_not_explained_as_lost_answers(
    service: Conversations,
) -> None:
    clock = FakeClock()
    store = MemorySessionStore(ttl_seconds=600, clock=clock)
    finished = Conversations(store, service.leads, catalogue=Catalogue(), tributax_partner="tx")
    binding = await to_summary(finished, 13)
    done = await finished.run(13, Pick(binding, 0), ORIGIN)
    assert [r.key for r in done] == ["submit-sending", "submit-done"]
    unfinished = await finished.run(14, Start(), ORIGIN)
    assert [r.key for r in unfinished] == ["welcome", "firstName-ask"]
    clock.now += 601

    again = await finished.run(13, Start(), ORIGIN)
    lost = await finished.run(14, Start(), ORIGIN)

    assert "session-expired" not in [r.key for r in again]
    assert [r.key for r in lost][:1] == ["session-expired"]
